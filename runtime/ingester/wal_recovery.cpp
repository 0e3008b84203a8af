// runtime/ingester/wal_recovery.cpp — see wal_recovery.hpp.
#include "runtime/ingester/wal_recovery.hpp"

#include <algorithm>
#include <unordered_map>

#include "runtime/model/hash.hpp"
#include "runtime/model/label_parse.hpp"
#include "runtime/util/status.hpp"

namespace skald::ingester {

result<recovery> recover_from_wal(wal::file_system& fs, const std::string& dir,
                                  const stream_config& cfg, int64_t now_ns,
                                  std::atomic<uint64_t>* progress,
                                  const replay_ceiling& ceiling) {
  recovery out;
  wal::replayer r{fs, dir};
  if (auto st = r.open(); !st.ok())
    return st;
  stream_config replay_cfg = cfg;
  replay_cfg.rate_bytes = 0; // no limits during replay
  // fingerprint -> index in out.streams of the incarnation bound to it.
  std::unordered_map<uint64_t, size_t> by_fp;
  // Bytes replayed into memory since the last ceiling flush.
  uint64_t in_use = 0;
  const uint64_t limit = ceiling.bytes / 10 * 9;
  auto flush_round = [&]() -> status {
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
        std::vector<chunkenc::mem_chunk> chunks;
        for (const auto& c : sn.chunks) {
          auto m = (c.flags & wal::chunk_closed) != 0
                     ? chunkenc::mem_chunk::decode(c.data)
                     : chunkenc::mem_chunk::decode_open(c.data, cfg.block_size, cfg.target_size);
          if (!m.ok()) {
            ++out.skipped_checkpoint_chunks;
            continue;
          }
          out.entries_restored += m->entries();
          in_use += c.data.size();
          chunks.push_back(std::move(*m));
        }
        rs.s->restore(std::move(chunks), sn.highest_ts, std::string{sn.last_line});
        auto f = by_fp.find(sn.fingerprint);
        if (f != by_fp.end()) {
          out.streams[f->second] = std::move(rs);
        } else {
          by_fp.emplace(sn.fingerprint, out.streams.size());
          out.streams.push_back(std::move(rs));
        }
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
        if (f != by_fp.end()) {
          // A new incarnation replaces the old one (removed and re-created).
          out.streams[f->second] = std::move(rs);
        } else {
          by_fp.emplace(sr.fingerprint, out.streams.size());
          out.streams.push_back(std::move(rs));
        }
        break;
      }
      case wal::replay_kind::entries: {
        const auto& er = *it.entries;
        auto f = by_fp.find(er.fingerprint);
        if (f == by_fp.end())
          break; // the replayer already skips these; be safe
        auto& rs = out.streams[f->second];
        auto o = rs.s->push(er.entries.data(), er.entries.size(), rs.tenant, now_ns);
        out.entries_restored += o.stored;
        for (const auto& e : er.entries)
          in_use += entry_size(e) + 16;
        rs.counter = std::max(rs.counter, er.counter);
        break;
      }
    }
  }
  for (auto& rs : out.streams)
    rs.s->set_rate(cfg.rate_bytes, cfg.burst_bytes, now_ns);
  out.stats = r.stats();
  out.corruptions = r.corruptions();
  return out;
}

} // namespace skald::ingester
