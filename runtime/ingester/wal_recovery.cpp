// runtime/ingester/wal_recovery.cpp — see wal_recovery.hpp.
#include "runtime/ingester/wal_recovery.hpp"

#include <algorithm>
#include <unordered_map>

#include "runtime/model/hash.hpp"
#include "runtime/model/label_parse.hpp"
#include "runtime/util/status.hpp"
#include "runtime/wal/replay_pool.hpp"

namespace skald::ingester {

namespace {

/// One stream's work handed to the worker that owns the stream.
struct rebuild_op {
  enum kind_t : uint8_t { restore, apply, block, retire };
  kind_t kind = apply;
  stream* s = nullptr;
  /// Error texts name the tenant (apply).
  std::shared_ptr<const std::string> tenant;
  /// restore: the checkpoint's chunks (views into a file the batch holds).
  std::vector<wal::checkpoint_chunk> chunks;
  int64_t highest_ts = 0;
  std::string last_line;
  /// apply: lines are views into a file the batch holds; metadata points
  /// into `metadata` below.
  std::vector<model::entry_view> entries;
  std::vector<model::label_set> metadata;
  /// block: a logged block (wal::block_record; data and last line are views
  /// into a file the batch holds) and how many of its entries to skip.
  chunkenc::block_meta meta;
  std::string_view data;
  chunkenc::encoding enc = chunkenc::default_encoding;
  bool has_metadata = false;
  uint32_t skip = 0;
  int64_t last_ts = 0;
  std::string_view last_ts_line;
  /// retire: a replaced incarnation, destroyed after its earlier ops ran.
  std::unique_ptr<stream> old;
};

/// Ops for one worker, posted together (one hand-over for many records).
struct rebuild_batch {
  std::vector<rebuild_op> ops;
  /// The files the ops' views point into.
  std::vector<std::shared_ptr<const std::string>> files;
  size_t bytes = 0;
};

/// What a worker counts (written by that worker only; read after drain()).
struct alignas(64) rebuild_tally {
  uint64_t restored = 0;
  uint64_t skipped_chunks = 0;
  uint64_t skipped_blocks = 0;
};

/// Per-worker scratch for blocks applied entry by entry.
struct block_scratch {
  chunkenc::buffer raw;
  std::vector<model::entry_view> entries;
  std::vector<model::label_set> metadata;
};

/// A block item: installed whole, compressed, when nothing of it was
/// applied before (and the stream can take it: same encoding); otherwise
/// decompressed and its entries after `skip` pushed like an entries record.
void apply_block(rebuild_op& op, int64_t now_ns, rebuild_tally& t) {
  if (op.skip == 0) {
    chunkenc::block b;
    b.meta = op.meta;
    // A copy: sharing the file buffer would pin a whole segment per block.
    b.data.assign(op.data.data(), op.data.size());
    if (op.s->install_block(std::move(b), op.enc, op.has_metadata, op.last_ts, op.last_ts_line,
                            now_ns)
            .ok()) {
      t.restored += op.meta.entries;
      return;
    }
  }
  thread_local block_scratch sc;
  auto st = chunkenc::decode_block_entries(op.enc, op.data, op.meta.raw_size, sc.raw, sc.entries,
                                           sc.metadata);
  if (!st.ok() || sc.entries.size() != op.meta.entries || op.skip >= sc.entries.size()) {
    ++t.skipped_blocks;
    return;
  }
  auto o = op.s->push(sc.entries.data() + op.skip, sc.entries.size() - op.skip, *op.tenant, now_ns);
  t.restored += o.stored;
}

/// Hand a batch over once it holds this many ops or line bytes.
constexpr size_t batch_ops = 256;
constexpr size_t batch_bytes = size_t{1} << 20;

void run_op(rebuild_op& op, const stream_config& cfg, int64_t now_ns, rebuild_tally& t) {
  switch (op.kind) {
    case rebuild_op::restore: {
      std::vector<chunkenc::mem_chunk> chunks;
      for (const auto& c : op.chunks) {
        auto m = (c.flags & wal::chunk_closed) != 0
                   ? chunkenc::mem_chunk::decode(c.data)
                   : chunkenc::mem_chunk::decode_open(c.data, cfg.block_size, cfg.target_size);
        if (!m.ok()) {
          ++t.skipped_chunks;
          continue;
        }
        t.restored += m->entries();
        chunks.push_back(std::move(*m));
      }
      op.s->restore(std::move(chunks), op.highest_ts, std::move(op.last_line));
      break;
    }
    case rebuild_op::apply: {
      auto o = op.s->push(op.entries.data(), op.entries.size(), *op.tenant, now_ns);
      t.restored += o.stored;
      break;
    }
    case rebuild_op::block:
      apply_block(op, now_ns, t);
      break;
    case rebuild_op::retire:
      op.old.reset();
      break;
  }
}

} // namespace

result<recovery> recover_from_wal(wal::file_system& fs, const std::string& dir,
                                  const stream_config& cfg, int64_t now_ns,
                                  std::atomic<uint64_t>* progress,
                                  const replay_ceiling& ceiling, size_t workers) {
  recovery out;
  const uint64_t cpu0 = wal::thread_cpu_ns();
  wal::replay_options ro;
  ro.read_ahead = workers > 0;
  wal::replayer r{fs, dir, ro};
  if (auto st = r.open(); !st.ok())
    return st;
  stream_config replay_cfg = cfg;
  replay_cfg.rate_bytes = 0; // no limits during replay
  // fingerprint -> index in out.streams of the incarnation bound to it.
  std::unordered_map<uint64_t, size_t> by_fp;
  // Per index in out.streams: the tenant its ops carry.
  std::vector<std::shared_ptr<const std::string>> tenants;
  // Declared before the pool: queued tasks refer to them until it is gone.
  std::vector<rebuild_tally> tallies(std::max<size_t>(1, workers));
  // Stream i is rebuilt by worker i % nw: a stream's ops run in log order
  // on one thread; different streams in parallel.
  wal::replay_pool pool{workers};
  const size_t nw = pool.workers();
  std::vector<rebuild_batch> pending(nw);
  auto hand_over = [&](size_t w) {
    auto& b = pending[w];
    if (b.ops.empty())
      return;
    auto task = [batch = std::make_shared<rebuild_batch>(std::move(b)), &replay_cfg, now_ns,
                 t = &tallies[w]] {
      for (auto& op : batch->ops)
        run_op(op, replay_cfg, now_ns, *t);
    };
    b = rebuild_batch{};
    pool.post(w, std::move(task));
  };
  // Queues op for stream i's worker; `file` is what its views point into.
  auto queue = [&](size_t i, rebuild_op op, size_t bytes) {
    size_t w = i % nw;
    auto& b = pending[w];
    if (op.kind != rebuild_op::retire) {
      auto file = r.file_bytes();
      if (b.files.empty() || b.files.back() != file)
        b.files.push_back(std::move(file));
    }
    b.ops.push_back(std::move(op));
    b.bytes += bytes;
    if (b.ops.size() >= batch_ops || b.bytes >= batch_bytes)
      hand_over(w);
  };
  // Every op queued so far has run: the streams may be read or flushed.
  auto settle = [&] {
    for (size_t w = 0; w < nw; ++w)
      hand_over(w);
    pool.drain();
  };
  // Replaces (or adds) the incarnation bound to a fingerprint.
  auto bind = [&](uint64_t wal_fp, recovered_stream rs) -> size_t {
    auto tenant = std::make_shared<const std::string>(rs.tenant);
    auto f = by_fp.find(wal_fp);
    if (f != by_fp.end()) {
      // A new incarnation replaces the old one (removed and re-created);
      // the old object dies on its worker, after its queued ops.
      size_t i = f->second;
      rebuild_op op;
      op.kind = rebuild_op::retire;
      op.old = std::move(out.streams[i].s);
      queue(i, std::move(op), 0);
      out.streams[i] = std::move(rs);
      tenants[i] = std::move(tenant);
      return i;
    }
    by_fp.emplace(wal_fp, out.streams.size());
    out.streams.push_back(std::move(rs));
    tenants.push_back(std::move(tenant));
    return out.streams.size() - 1;
  };
  // Bytes replayed into memory since the last ceiling flush.
  uint64_t in_use = 0;
  const uint64_t limit = ceiling.bytes / 10 * 9;
  auto flush_round = [&]() -> status {
    settle();
    ++out.ceiling_flushes;
    bool failed = false;
    std::string first_error;
    for (auto& rs : out.streams) {
      if (rs.s->chunks().empty())
        continue;
      auto n = ceiling.flush(rs);
      if (!n.ok()) {
        if (!failed)
          first_error = n.error().message();
        failed = true;
        continue;
      }
      out.ceiling_flushed_chunks += *n;
      rs.s->drop_all_chunks();
    }
    if (failed)
      return status{errc::io_error,
                    "WAL replay flush made no progress: " + std::to_string(in_use)
                      + " in use, ceiling " + std::to_string(ceiling.bytes)
                      + "; cannot recover: " + first_error};
    in_use = 0;
    return {};
  };
  wal::replay_item it;
  while (r.next(it)) {
    if (ceiling.bytes > 0 && ceiling.flush && in_use > limit)
      if (auto st = flush_round(); !st.ok())
        return st;
    if (progress != nullptr)
      progress->fetch_add(1, std::memory_order_relaxed);
    switch (it.kind) {
      case wal::replay_kind::checkpoint_series: {
        const auto& sn = *it.snapshot;
        out.max_wal_id = std::max(out.max_wal_id, sn.fingerprint);
        recovered_stream rs;
        rs.tenant = std::string{sn.tenant};
        rs.label_set = sn.labels;
        rs.labels = model::canonical_string(sn.labels);
        rs.fingerprint = model::fingerprint(sn.labels);
        rs.wal_id = sn.fingerprint;
        rs.epoch = sn.epoch;
        rs.counter = sn.entry_ct;
        rs.s = std::make_unique<stream>(rs.labels, rs.fingerprint, replay_cfg);
        rebuild_op op;
        op.kind = rebuild_op::restore;
        op.s = rs.s.get();
        op.chunks = sn.chunks;
        op.highest_ts = sn.highest_ts;
        op.last_line = std::string{sn.last_line};
        size_t bytes = 0;
        for (const auto& c : sn.chunks)
          bytes += c.data.size();
        in_use += bytes;
        size_t i = bind(sn.fingerprint, std::move(rs));
        queue(i, std::move(op), bytes);
        break;
      }
      case wal::replay_kind::series: {
        const auto& sr = *it.series;
        out.max_wal_id = std::max(out.max_wal_id, sr.fingerprint);
        auto f = by_fp.find(sr.fingerprint);
        if (f != by_fp.end() && out.streams[f->second].epoch == sr.epoch)
          break;
        recovered_stream rs;
        rs.tenant = std::string{sr.tenant};
        rs.label_set = sr.labels;
        rs.labels = model::canonical_string(sr.labels);
        rs.fingerprint = model::fingerprint(sr.labels);
        rs.wal_id = sr.fingerprint;
        rs.epoch = sr.epoch;
        rs.s = std::make_unique<stream>(rs.labels, rs.fingerprint, replay_cfg);
        bind(sr.fingerprint, std::move(rs));
        break;
      }
      case wal::replay_kind::entries: {
        const auto& er = *it.entries;
        auto f = by_fp.find(er.fingerprint);
        if (f == by_fp.end())
          break; // the replayer already skips these; be safe
        size_t i = f->second;
        auto& rs = out.streams[i];
        rebuild_op op;
        op.kind = rebuild_op::apply;
        op.s = rs.s.get();
        op.tenant = tenants[i];
        op.entries = er.entries;
        size_t with_md = 0;
        for (const auto& e : er.entries)
          with_md += e.metadata != nullptr ? 1 : 0;
        if (with_md > 0) {
          // The replayer reuses its metadata storage: the op keeps a copy.
          op.metadata.reserve(with_md);
          for (auto& e : op.entries)
            if (e.metadata != nullptr) {
              op.metadata.push_back(*e.metadata);
              e.metadata = &op.metadata.back();
            }
        }
        size_t bytes = 0;
        for (const auto& e : er.entries)
          bytes += entry_size(e) + 16;
        in_use += bytes;
        rs.counter = std::max(rs.counter, er.counter);
        queue(i, std::move(op), bytes);
        break;
      }
      case wal::replay_kind::block: {
        const auto& br = *it.block;
        auto f = by_fp.find(br.fingerprint);
        if (f == by_fp.end())
          break; // the replayer already skips these; be safe
        size_t i = f->second;
        auto& rs = out.streams[i];
        rebuild_op op;
        op.kind = rebuild_op::block;
        op.s = rs.s.get();
        op.tenant = tenants[i];
        op.meta.min_ts = br.min_ts;
        op.meta.max_ts = br.max_ts;
        op.meta.entries = br.entries;
        op.meta.raw_size = br.raw_size;
        op.meta.compressed_size = static_cast<uint32_t>(br.data.size());
        op.data = br.data;
        op.enc = static_cast<chunkenc::encoding>(br.encoding); // checked by decode_block
        op.has_metadata = (br.flags & wal::block_flag_metadata) != 0;
        op.skip = it.block_skip;
        op.last_ts = br.last_ts;
        op.last_ts_line = br.last_line;
        // What it costs in memory: the compressed bytes when installed
        // whole, the payload when its entries are pushed.
        size_t bytes = it.block_skip == 0 ? br.data.size() : br.raw_size;
        in_use += bytes;
        rs.counter = std::max(rs.counter, br.last);
        queue(i, std::move(op), bytes);
        break;
      }
    }
  }
  settle();
  out.worker_cpu_ns = pool.worker_cpu_ns();
  for (const auto& t : tallies) {
    out.entries_restored += t.restored;
    out.skipped_checkpoint_chunks += t.skipped_chunks;
    out.skipped_blocks += t.skipped_blocks;
  }
  for (auto& rs : out.streams)
    rs.s->set_rate(cfg.rate_bytes, cfg.burst_bytes, now_ns);
  out.stats = r.stats();
  out.corruptions = r.corruptions();
  out.replay_thread_cpu_ns = wal::thread_cpu_ns() - cpu0;
  return out;
}

} // namespace skald::ingester
