// actors/ingester/ingester.cpp — behaviours of the ingester, tenant instance
// and stream actors (one TU: CAF translation units are slow to compile).
// Decisions live in runtime/ingester (stream rules, limit math); this file
// routes messages, keeps the maps and updates metrics.
#include "actors/ingester/ingester.hpp"

#include <algorithm>
#include <atomic>
#include <deque>
#include <functional>
#include <random>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/admin/introspect.hpp"
#include "runtime/chunkenc/iterator.hpp"
#include "runtime/ingester/flush_queue.hpp"
#include "runtime/ingester/limiter.hpp"
#include "runtime/ingester/wal_recovery.hpp"
#include "runtime/limits/overrides.hpp"
#include "runtime/logql/source.hpp"
#include "runtime/metrics/registry.hpp"
#include "runtime/util/logging.hpp"
#include "runtime/wal/format.hpp"
#include "runtime/model/label_parse.hpp"

namespace skald::actors {

namespace {

/// Wall-clock ns: WAL epochs must grow across restarts.
uint64_t wall_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count());
}

int64_t now_ns(caf::local_actor* self) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           self->clock().now().time_since_epoch())
    .count();
}

/// Metric children shared by all actors of one ingester (thread-safe atomics).
struct ingester_metrics {
  metrics::gauge* memory_chunks = nullptr;
  metrics::counter* chunks_created = nullptr;
  metrics::gauge_family* memory_streams = nullptr;
  metrics::counter_family* streams_created = nullptr;
  metrics::counter_family* streams_removed = nullptr;
  metrics::counter_family* discarded_samples = nullptr;
  metrics::counter_family* discarded_bytes = nullptr;

  explicit ingester_metrics(metrics::registry& r) {
    memory_chunks = &r.gauge("loki_ingester_memory_chunks", "The total number of chunks in memory.")
                       .get();
    chunks_created = &r.counter("loki_ingester_chunks_created_total",
                                "The total number of chunks created in the ingester.")
                        .get();
    memory_streams = &r.gauge("loki_ingester_memory_streams",
                              "The total number of streams in memory per tenant.", {"tenant"});
    streams_created = &r.counter("loki_ingester_streams_created_total",
                                 "The total number of streams created per tenant.", {"tenant"});
    streams_removed = &r.counter("loki_ingester_streams_removed_total",
                                 "The total number of streams removed per tenant.", {"tenant"});
    discarded_samples = &r.counter("loki_discarded_samples_total",
                                   "The total number of samples that were discarded.",
                                   {"reason", "tenant"});
    discarded_bytes = &r.counter("loki_discarded_bytes_total",
                                 "The total number of bytes that were discarded.",
                                 {"reason", "tenant"});
  }
};

struct shared_ctx {
  ingester_deps deps;
  ingester_metrics m;
  /// Next WAL stream id (node-wide; continued after the replayed ones).
  mutable std::atomic<uint64_t> next_wal_id{1};
  shared_ctx(ingester_deps d, metrics::registry& r) : deps(std::move(d)), m(r) {}
};

using ctx_ptr = std::shared_ptr<const shared_ctx>;

// -- stream ------------------------------------------------------------------

/// How a stream actor starts: fresh (from a push) or replayed from the WAL.
struct stream_init {
  std::unique_ptr<ingester::stream> s; // null: a fresh stream
  model::label_set label_set;
  uint64_t wal_id = 0;
  uint64_t epoch = 0;
  uint64_t counter = 0;
  bool series_logged = false;
  /// Live tails that match the stream at its creation (messages/tail.hpp).
  std::vector<tail_request_ptr> tailers;
  /// The tenant actor (admin console).
  uint64_t parent = 0;
};

using init_ptr = std::shared_ptr<stream_init>;

struct stream_state {
  static inline const char* name = "skald.stream";
  std::unique_ptr<ingester::stream> s;
  std::string tenant;
  uint64_t limits_version = 0;
  ctx_ptr ctx;
  // WAL: this incarnation's id, epoch and entry counter (never reused, not
  // even for nacked records), whether its series record was handed over.
  model::label_set label_set;
  uint64_t wal_id = 0;
  uint64_t epoch = 0;
  uint64_t counter = 0;
  bool series_logged = false;
  std::vector<uint32_t> stored_index;
  /// Attached live tails; each append's stored entries go to them.
  std::vector<tail_request_ptr> tailers;
  admin::actor_stats admin;
  uint64_t admin_flushes = 0;
  // Flush: one op in flight at a time; immediate sweeps that arrive
  // meanwhile wait for it and then run.
  bool flushing = false;
  std::vector<std::function<void(const flush_reply&)>> flush_waiting;
};

using stream_ptr = stream_actor::stateful_pointer<stream_state>;
using flush_done = std::function<void(const flush_reply&)>;

void drop_flushed_chunks(stream_state& st, int64_t now) {
  auto n = st.s->drop_flushed(now, st.ctx->deps.flush);
  if (n > 0)
    st.ctx->m.memory_chunks->sub(static_cast<double>(n));
}

void flush_stream(stream_ptr self, ingester::flush_mode mode, flush_done done);

/// The worker answered the op holding chunks `idx`: mark them flushed, drop
/// what the retain period allows, answer, run a waiting immediate sweep.
void flush_completed(stream_ptr self, const std::vector<size_t>& idx, flush_reply r,
                     const flush_done& done) {
  auto& st = self->state;
  auto now = now_ns(self);
  if (r.failed == 0) {
    auto& states = st.s->flush_states(now);
    for (auto i : idx)
      states[i].flushed_ns = now;
  }
  st.flushing = false;
  drop_flushed_chunks(st, now);
  r.removable = st.s->chunks().empty() && st.flush_waiting.empty();
  done(r);
  if (!st.flush_waiting.empty()) {
    auto waiting = std::move(st.flush_waiting);
    st.flush_waiting.clear();
    flush_stream(self, ingester::flush_mode::immediate, [waiting](const flush_reply& r2) {
      for (const auto& w : waiting)
        w(r2);
    });
  }
}

/// One sweep of this stream (see ingester.hpp, Timers).
void flush_stream(stream_ptr self, ingester::flush_mode mode, flush_done done) {
  static auto logger = log::get("flush");
  auto& st = self->state;
  if (st.flushing) {
    if (mode == ingester::flush_mode::immediate)
      st.flush_waiting.push_back(std::move(done));
    else
      done(flush_reply{});
    return;
  }
  auto now = now_ns(self);
  drop_flushed_chunks(st, now);
  flush_reply nothing;
  nothing.removable = st.s->chunks().empty();
  const auto& flushers = st.ctx->deps.flushers;
  const auto& cfg = st.ctx->deps.flush;
  auto& states = st.s->flush_states(now);
  if (flushers.empty() || !ingester::should_enqueue(states, now, cfg, mode)) {
    done(nothing);
    return;
  }
  auto picks = ingester::collect_flush(states, now, cfg, mode);
  auto op = std::make_shared<flush_op>();
  op->tenant = st.tenant;
  if (st.label_set.empty()) {
    auto ls = model::parse_labels(st.s->labels());
    if (ls.ok())
      st.label_set = std::move(*ls);
  }
  op->labels = st.label_set;
  op->fingerprint = st.s->fingerprint();
  op->immediate = mode == ingester::flush_mode::immediate;
  std::vector<size_t> idx;
  for (const auto& p : picks) {
    st.s->close_chunk(p.index);
    const auto& c = st.s->chunks()[p.index];
    if (c.empty())
      continue;
    auto enc = c.encode();
    if (!enc.ok()) {
      SKALD_LOG_ERROR(logger, "cannot encode a chunk of tenant {} stream {}: {}", st.tenant,
                      st.s->labels(), enc.error().message());
      continue;
    }
    auto b = c.bounds();
    flush_chunk_snapshot sn;
    sn.min_ts = b.min_ts;
    sn.max_ts = b.max_ts;
    sn.entries = static_cast<uint32_t>(c.entries());
    sn.reason = static_cast<uint8_t>(p.reason);
    sn.utilization = c.utilization();
    sn.bytes = std::move(*enc);
    sn.uncompressed = static_cast<uint32_t>(c.uncompressed_size());
    op->chunks.push_back(std::move(sn));
    idx.push_back(p.index);
  }
  if (op->chunks.empty()) {
    done(nothing);
    return;
  }
  op->first_ts = op->chunks.front().min_ts;
  const auto n = static_cast<uint32_t>(op->chunks.size());
  st.flushing = true;
  const auto& w = flushers[ingester::flush_queue_index(op->fingerprint, flushers.size())];
  // The worker always answers (ok or gave up); no timer per op.
  self->request(w, caf::infinite, flush_atom_v, flush_op_ptr{std::move(op)})
    .then([self, idx, done](flush_reply& r) { flush_completed(self, idx, r, done); },
          [self, idx, n, done](caf::error&) {
            flush_reply r;
            r.ops = 1;
            r.chunks = n;
            r.failed = n;
            flush_completed(self, idx, r, done);
          });
}

/// Live tail: hands the entries of this append (st.stored_index) to every
/// attached tailer that has room; never blocks (messages/tail.hpp).
void feed_tailers(stream_state& st, const ingest_ptr& batch, uint32_t index) {
  auto& ts = st.tailers;
  ts.erase(std::remove_if(ts.begin(), ts.end(), [](const auto& t) { return t->sub->closed(); }),
           ts.end());
  const size_t n = st.stored_index.size();
  if (ts.empty() || n == 0)
    return;
  tail_batch_ptr tb;
  for (const auto& t : ts) {
    if (t->sub->admit(n)) {
      if (!tb)
        tb = std::make_shared<const tail_batch>(
            tail_batch{batch, index, st.stored_index,
                       ts.size() > 1 ? std::make_shared<tail_memo>() : nullptr});
      caf::anon_send(t->tailer, tail_atom_v, tb);
      continue;
    }
    const auto& ps = batch->request.streams[index];
    std::vector<int64_t> stamps;
    stamps.reserve(n);
    for (auto i : st.stored_index)
      stamps.push_back(ps.entries[i].ts);
    t->sub->record_dropped(ps.label_set, stamps.data(), n);
  }
}

void refresh_stream_limits(stream_state& st, int64_t now) {
  auto v = st.ctx->deps.limits->version();
  if (v == st.limits_version)
    return;
  st.limits_version = v;
  auto snap = st.ctx->deps.limits->current();
  const auto& l = snap->for_tenant(st.tenant);
  st.s->set_rate(static_cast<double>(l.per_stream_rate_limit.bytes),
                 static_cast<double>(l.per_stream_rate_limit_burst.bytes), now);
}

/// The read path's copy-out (messages/query.hpp): entries in
/// [from, through), ascending. With a per-stream limit and chunks that do not
/// overlap in time, iteration stops after `limit` entries in `dir`.
stream_slice_ptr select_from_stream(const ingester::stream& s, const select_request& req) {
  auto out = std::make_shared<stream_slice>();
  const auto& chunks = s.chunks();
  std::vector<const chunkenc::mem_chunk*> hit;
  for (const auto& c : chunks) {
    auto b = c.bounds();
    if (c.entries() == 0 || b.max_ts < req.from || b.min_ts >= req.through)
      continue;
    hit.push_back(&c);
  }
  out->chunks = static_cast<uint32_t>(hit.size());
  if (req.snapshot && !req.labels_only) {
    // O(blocks + head bytes): the query reads the snapshot on its own thread.
    for (const auto* c : hit) {
      out->count += c->entries();
      out->snapshot.push_back(std::make_shared<const chunkenc::mem_chunk>(c->snapshot()));
    }
    return out;
  }
  if (req.labels_only) {
    for (const auto* c : hit) {
      auto n = c->count(req.from, req.through);
      if (n.ok())
        out->count += *n;
      out->bytes += c->size(); // stored bytes, like the store's object sizes (index/stats)
      auto b = c->bounds();
      out->chunk_meta.push_back(chunk_summary{b.min_ts, b.max_ts,
                                              static_cast<uint32_t>(c->entries()),
                                              c->uncompressed_size()});
    }
    return out;
  }
  bool ordered = true;
  for (size_t i = 1; i < hit.size(); ++i)
    if (hit[i - 1]->bounds().max_ts > hit[i]->bounds().min_ts)
      ordered = false;
  const bool backward = req.dir == logql::direction::backward;
  const size_t limit = req.per_stream_limit;
  auto& data = out->data;
  auto copy = [&](const chunkenc::mem_chunk& c, chunkenc::direction d) {
    auto it = c.iterate(req.from, req.through, d);
    while (it.next()) {
      const auto& v = it.at();
      data.push(v.ts, v.line, v.metadata);
      out->bytes += v.line.size();
      if (limit > 0 && ordered && data.size() >= limit)
        return false;
    }
    return true;
  };
  if (limit > 0 && ordered && backward) {
    for (auto i = hit.rbegin(); i != hit.rend(); ++i)
      if (!copy(**i, chunkenc::direction::backward))
        break;
    std::reverse(data.entries.begin(), data.entries.end());
  } else {
    for (const auto* c : hit)
      if (!copy(*c, chunkenc::direction::forward))
        break;
    if (!ordered)
      std::stable_sort(data.entries.begin(), data.entries.end(),
                       [](const query::packed_entry& a, const query::packed_entry& b) {
                         return a.ts < b.ts;
                       });
    if (limit > 0 && data.size() > limit) {
      if (backward)
        data.entries.erase(data.entries.begin(),
                           data.entries.end() - static_cast<std::ptrdiff_t>(limit));
      else
        data.entries.resize(limit);
    }
  }
  out->count = data.size();
  return out;
}

stream_actor::behavior_type stream_fn(stream_actor::stateful_pointer<stream_state> self,
                                      ctx_ptr ctx, std::string tenant, std::string labels,
                                      uint64_t fp, init_ptr init) {
  auto& st = self->state;
  st.ctx = ctx;
  st.tenant = std::move(tenant);
  auto cfg = ctx->deps.stream;
  if (init->s)
    st.s = std::move(init->s);
  else
    st.s = std::make_unique<ingester::stream>(std::move(labels), fp, cfg);
  st.label_set = std::move(init->label_set);
  st.wal_id = init->wal_id;
  st.epoch = init->epoch;
  st.counter = init->counter;
  st.series_logged = init->series_logged;
  st.tailers = std::move(init->tailers);
  refresh_stream_limits(st, now_ns(self));
  enlist(self, "stream", "stream " + st.s->labels() + " tenant=" + st.tenant, init->parent,
         st.tenant);
  auto info = [self](admin::actor_info& out) {
    const auto& st = self->state;
    const auto& s = *st.s;
    out.numbers["chunks"] = static_cast<int64_t>(s.chunks().size());
    out.numbers["bytes"] = static_cast<int64_t>(s.memory_usage());
    out.numbers["entries"] = static_cast<int64_t>(s.entries());
    int64_t first = 0;
    for (const auto& c : s.chunks())
      if (c.entries() > 0 && (first == 0 || c.bounds().min_ts < first))
        first = c.bounds().min_ts;
    out.numbers["first_ts"] = first;
    out.numbers["last_ts"] = s.highest_ts();
    out.numbers["flushes"] = static_cast<int64_t>(st.admin_flushes);
  };
  return admin_behavior<stream_actor::behavior_type>(
    self, info,
    [=](append_atom, const ingest_ptr& batch, uint32_t index) -> caf::result<stream_reply> {
      auto& st = self->state;
      stream_reply r;
      if (index >= batch->request.streams.size())
        return r;
      auto now = now_ns(self);
      refresh_stream_limits(st, now);
      const auto& es = batch->request.streams[index].entries;
      const auto& wal = st.ctx->deps.wal;
      st.stored_index.clear();
      // Apply before logging (runtime/wal/writer.hpp): the entries are in the
      // chunks before their record goes to the WAL writer.
      const bool want_index = wal || !st.tailers.empty();
      auto out = st.s->push(es.data(), es.size(), st.tenant, now,
                            want_index ? &st.stored_index : nullptr);
      if (out.chunks_created > 0) {
        st.ctx->m.chunks_created->inc(out.chunks_created);
        st.ctx->m.memory_chunks->add(out.chunks_created);
      }
      r.status = out.status;
      r.message = std::move(out.error);
      r.stored = out.stored;
      r.too_far_behind = out.too_far_behind;
      r.too_far_behind_bytes = out.too_far_behind_bytes;
      r.rate_limited = out.rate_limited;
      r.rate_limited_bytes = out.rate_limited_bytes;
      if (!st.tailers.empty())
        feed_tailers(st, batch, index);
      if (!wal || st.stored_index.empty())
        return r;
      // The tenant logs these entries (one WAL append per push) and answers
      // only after their write: apply before logging, counters only grow.
      auto& w = r.wal;
      w.wal_id = st.wal_id;
      w.epoch = st.epoch;
      st.counter += st.stored_index.size();
      w.counter = st.counter;
      w.count = static_cast<uint32_t>(st.stored_index.size());
      if (w.count != es.size())
        w.index = st.stored_index;
      if (!st.series_logged) {
        w.series = true;
        st.series_logged = true;
      }
      return r;
    },
    [=](status_atom) -> stream_stats {
      const auto& s = *self->state.s;
      stream_stats out;
      out.entries = s.entries();
      out.chunks = static_cast<uint32_t>(s.chunks().size());
      out.highest_ts = s.highest_ts();
      out.memory_bytes = s.memory_usage();
      return out;
    },
    [=](checkpoint_atom) -> snapshot_list_ptr {
      auto& st = self->state;
      auto out = std::make_shared<std::vector<stream_snapshot>>();
      if (!st.series_logged || st.counter == 0)
        return out; // nothing logged: nothing to cover
      stream_snapshot sn;
      sn.wal_id = st.wal_id;
      sn.epoch = st.epoch;
      sn.counter = st.counter;
      sn.highest_ts = st.s->highest_ts();
      sn.last_line = st.s->last_line();
      sn.tenant = st.tenant;
      sn.labels = st.label_set;
      const auto& chunks = st.s->chunks();
      const auto& states = st.s->flush_states(now_ns(self));
      for (size_t i = 0; i < chunks.size(); ++i) {
        if (states[i].flushed_ns)
          continue; // in the store already: not needed to recover
        const auto& c = chunks[i];
        auto enc = c.encode();
        if (!enc.ok())
          return nullptr; // abandons this checkpoint; the segments stay
        sn.chunks.emplace_back(c.closed() ? wal::chunk_closed : wal::chunk_open,
                               std::move(*enc));
      }
      out->push_back(std::move(sn));
      return out;
    },
    [=](read_atom) -> stream_dump {
      stream_dump out;
      for (const auto& c : self->state.s->chunks()) {
        auto it = c.iterate(INT64_MIN, INT64_MAX);
        while (it.next()) {
          out.ts.push_back(it.at().ts);
          out.lines.emplace_back(it.at().line);
        }
      }
      return out;
    },
    [=](select_atom, const select_request_ptr& req) -> stream_slice_ptr {
      return select_from_stream(*self->state.s, *req);
    },
    [=](tail_atom, const tail_request_ptr& req) { self->state.tailers.push_back(req); },
    [=](flush_atom, uint8_t mode) -> caf::result<flush_reply> {
      auto rp = self->make_response_promise<flush_reply>();
      flush_stream(self, static_cast<ingester::flush_mode>(mode),
                   [rp](const flush_reply& r) mutable { rp.deliver(r); });
      return rp;
    },
    [=](admin_flush_atom) -> uint32_t {
      // Closes the open chunk; the flush path (issue 5) writes closed chunks.
      ++self->state.admin_flushes;
      return self->state.s->close_open_chunk() ? 1u : 0u;
    });
}

// -- tenant instance ---------------------------------------------------------

struct push_tally;
using tally_ptr = std::shared_ptr<push_tally>;

struct stream_slot {
  std::string labels;
  stream_actor handle;
  /// Appends sent and not answered yet: the stream is not removed then.
  std::shared_ptr<uint32_t> appends = std::make_shared<uint32_t>(0);
};

struct tenant_state {
  static inline const char* name = "skald.tenant";
  admin::actor_stats admin;
  std::string tenant;
  ctx_ptr ctx;
  std::unordered_map<uint64_t, std::vector<stream_slot>> streams;
  size_t count = 0;
  metrics::gauge* memory_streams = nullptr;
  metrics::counter* streams_created = nullptr;
  metrics::counter* streams_removed = nullptr;
  /// Parsed label sets of the streams' canonical strings, for selects (a
  /// stream that exits leaves its entry: same labels parse the same).
  std::unordered_map<std::string, model::label_set> parsed;
  /// WAL on: pushes in arrival order until their records were logged (a
  /// stream's records must reach the writer in counter order, and a push
  /// is answered only after every earlier one's write).
  std::deque<tally_ptr> wal_queue;
  /// wal_appends sent and not yet answered.
  size_t wal_inflight = 0;
  /// Live tails of this tenant (closed ones are pruned on the next tail).
  std::vector<tail_request_ptr> tailers;

  /// The open tails that a stream with these labels feeds.
  std::vector<tail_request_ptr> tailers_for(const model::label_set& ls) const {
    std::vector<tail_request_ptr> out;
    for (const auto& t : tailers)
      if (!t->sub->closed() && t->sub->matches(ls))
        out.push_back(t);
    return out;
  }

  const model::label_set& labels_of(const std::string& canonical) {
    auto i = parsed.find(canonical);
    if (i == parsed.end()) {
      auto ls = model::parse_labels(canonical);
      i = parsed.emplace(canonical, ls.ok() ? std::move(*ls) : model::label_set{}).first;
    }
    return i->second;
  }

  stream_slot* find(uint64_t fp, const std::string& labels) {
    auto i = streams.find(fp);
    if (i == streams.end())
      return nullptr;
    for (auto& s : i->second)
      if (s.labels == labels)
        return &s;
    return nullptr;
  }
};

/// Collects the stream replies of one push (Loki: the last error wins).
struct push_tally {
  size_t pending = 0;
  ingest_reply reply;
  int64_t error_index = -1;
  caf::typed_response_promise<ingest_reply> rp;
  /// WAL on: the push's records (stream index, record), logged in one
  /// wal_append once every stream replied.
  ingest_ptr batch;
  std::vector<std::pair<uint32_t, stream_wal_record>> wal;
  bool complete = false;
  /// Its records went into a wal_append (a failed write fails the push).
  bool logged = false;

  void fail(int64_t index, uint16_t status, std::string message) {
    if (index >= error_index) {
      error_index = index;
      reply.status = status;
      reply.message = std::move(message);
    }
  }
  /// True when the last stream replied.
  bool done_one() { return --pending == 0; }
};

/// Removes the stream (fp, labels) after it reported no chunks left, unless
/// an append to it is in flight (it may hold chunks by now). True if removed.
bool remove_stream(tenant_actor::stateful_pointer<tenant_state> self, uint64_t fp,
                   const std::string& labels) {
  auto& st = self->state;
  auto i = st.streams.find(fp);
  if (i == st.streams.end())
    return false;
  auto& v = i->second;
  for (auto j = v.begin(); j != v.end(); ++j) {
    if (j->labels != labels)
      continue;
    if (*j->appends > 0)
      return false;
    auto h = j->handle;
    v.erase(j);
    if (v.empty())
      st.streams.erase(i);
    --st.count;
    st.memory_streams->dec();
    st.streams_removed->inc();
    self->unlink_from(h.address());
    caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
    return true;
  }
  return false;
}

using tenant_ptr = tenant_actor::stateful_pointer<tenant_state>;

/// Logs the records of the completed pushes at the head of the WAL queue in
/// one wal_append, then answers them in arrival order (WAL off: answers at
/// once).
void finish_push(tenant_ptr self, const tally_ptr& t) {
  auto& st = self->state;
  if (!st.ctx->deps.wal) {
    t->rp.deliver(std::move(t->reply));
    return;
  }
  t->complete = true;
  auto& q = st.wal_queue;
  if (q.empty() || !q.front()->complete)
    return; // an earlier push is still being applied
  std::vector<tally_ptr> group;
  std::shared_ptr<wal_append> msg;
  while (!q.empty() && q.front()->complete) {
    auto& x = q.front();
    if (!x->wal.empty()) {
      if (!msg)
        msg = std::make_shared<wal_append>();
      msg->pushes.push_back(wal_append::push{x->batch, std::move(x->wal)});
      x->logged = true;
    }
    group.push_back(std::move(x));
    q.pop_front();
  }
  if (!msg && st.wal_inflight == 0) {
    for (auto& x : group)
      x->rp.deliver(std::move(x->reply));
    return;
  }
  // Also when there is nothing to log: the writer answers in order, so
  // these pushes are answered after the earlier ones' write.
  if (!msg)
    msg = std::make_shared<wal_append>();
  ++st.wal_inflight;
  auto deliver = [self, group](uint16_t status, const std::string& message) {
    --self->state.wal_inflight;
    for (auto& x : group) {
      if (status != 0 && x->logged) {
        x->reply.status = status;
        x->reply.message = message;
      }
      x->rp.deliver(std::move(x->reply));
    }
  };
  // Local, never blocking: no timer (see the appends below); a writer that
  // is gone bounces the request.
  self->request(st.ctx->deps.wal, caf::infinite, append_atom_v, wal_append_ptr{std::move(msg)})
    .then([deliver](ingest_reply& r) { deliver(r.status, r.message); },
          [self, deliver](caf::error& err) {
            deliver(500, "wal: write failed, push not acknowledged: "
                           + self->system().render(err));
          });
}

tenant_actor::behavior_type tenant_fn(tenant_actor::stateful_pointer<tenant_state> self,
                                      ctx_ptr ctx, std::string tenant, uint64_t parent) {
  auto& st = self->state;
  st.ctx = ctx;
  st.tenant = std::move(tenant);
  st.memory_streams = &ctx->m.memory_streams->with({st.tenant});
  st.streams_created = &ctx->m.streams_created->with({st.tenant});
  st.streams_removed = &ctx->m.streams_removed->with({st.tenant});
  self->set_exit_handler([self](caf::exit_msg& msg) {
    auto& st = self->state;
    for (auto i = st.streams.begin(); i != st.streams.end(); ++i) {
      auto& v = i->second;
      for (auto j = v.begin(); j != v.end(); ++j) {
        if (j->handle.address() == msg.source) {
          v.erase(j);
          if (v.empty())
            st.streams.erase(i);
          --st.count;
          st.memory_streams->dec();
          return;
        }
      }
    }
    self->quit(msg.reason); // not a child: our parent (or the system) stops us
  });
  enlist(self, "tenant", "tenant " + st.tenant, parent, st.tenant);
  auto info = [self](admin::actor_info& out) {
    out.numbers["streams"] = static_cast<int64_t>(self->state.count);
  };
  return admin_behavior<tenant_actor::behavior_type>(
    self, info,
    [=](push_atom, const ingest_ptr& batch) -> caf::result<ingest_reply> {
      auto& st = self->state;
      auto snap = st.ctx->deps.limits->current();
      const auto& lim = snap->for_tenant(st.tenant);
      ingester::stream_limit_inputs in;
      in.max_streams_per_user = lim.max_streams_per_user;
      in.max_global_streams_per_user = lim.max_global_streams_per_user;
      in.healthy_ingesters = st.ctx->deps.healthy_ingesters;
      in.replication_factor = st.ctx->deps.replication_factor;
      const auto max_streams = ingester::max_streams_allowed(in);

      auto t = std::make_shared<push_tally>();
      t->rp = self->make_response_promise<ingest_reply>();
      t->pending = 1; // released after the loop
      if (st.ctx->deps.wal) {
        t->batch = batch;
        st.wal_queue.push_back(t);
      }
      const auto& streams = batch->request.streams;
      for (uint32_t i = 0; i < streams.size(); ++i) {
        const auto& ps = streams[i];
        if (ps.entries.empty())
          continue;
        auto* slot = st.find(ps.fingerprint, ps.labels);
        if (slot == nullptr) {
          if (static_cast<int64_t>(st.count) >= max_streams) {
            uint64_t bytes = 0;
            for (const auto& e : ps.entries)
              bytes += ingester::entry_size(e);
            auto reason = std::string{ingester::reason_stream_limit};
            st.ctx->m.discarded_samples->with({reason, st.tenant}).inc(ps.entries.size());
            st.ctx->m.discarded_bytes->with({reason, st.tenant}).inc(bytes);
            t->fail(i, 429, ingester::stream_limit_error(ps.labels, st.tenant));
            continue;
          }
          auto init = std::make_shared<stream_init>();
          init->parent = self->id();
          if (st.ctx->deps.wal) {
            init->label_set = ps.label_set;
            init->wal_id = st.ctx->next_wal_id.fetch_add(1);
            init->epoch = wall_ns();
          }
          if (!st.tailers.empty())
            init->tailers = st.tailers_for(ps.label_set);
          auto h = self->spawn<caf::linked>(stream_fn, st.ctx, st.tenant, ps.labels,
                                            ps.fingerprint, init);
          auto& v = st.streams[ps.fingerprint];
          v.push_back(stream_slot{ps.labels, h});
          slot = &v.back();
          ++st.count;
          st.memory_streams->inc();
          st.streams_created->inc();
        }
        ++t->pending;
        auto inflight = slot->appends;
        ++*inflight;
        // No timer per append (CAF 0.17's clock thread wakes up twice per
        // timed request: ~20 wakeups per push measured as context switches).
        // A stream actor never blocks, and one that terminates bounces the
        // request (request_receiver_down); the distributor's own
        // remote_timeout bounds what the client waits.
        self->request(slot->handle, caf::infinite, append_atom_v, batch, i)
          .then(
            [self, t, i, inflight](stream_reply& r) {
              --*inflight;
              auto& st = self->state;
              t->reply.stored += r.stored;
              if (r.too_far_behind > 0) {
                auto reason = std::string{ingester::reason_too_far_behind};
                st.ctx->m.discarded_samples->with({reason, st.tenant}).inc(r.too_far_behind);
                st.ctx->m.discarded_bytes->with({reason, st.tenant}).inc(r.too_far_behind_bytes);
              }
              if (r.rate_limited > 0) {
                auto reason = std::string{ingester::reason_per_stream_rate_limit};
                st.ctx->m.discarded_samples->with({reason, st.tenant}).inc(r.rate_limited);
                st.ctx->m.discarded_bytes->with({reason, st.tenant}).inc(r.rate_limited_bytes);
              }
              if (r.status != 0)
                t->fail(i, r.status, std::move(r.message));
              if (r.wal.count > 0)
                t->wal.emplace_back(i, std::move(r.wal));
              if (t->done_one())
                finish_push(self, t);
            },
            [self, t, i, inflight](caf::error& err) {
              --*inflight;
              t->fail(i, 500, "stream append failed: " + self->system().render(err));
              if (t->done_one())
                finish_push(self, t);
            });
      }
      if (t->done_one())
        finish_push(self, t);
      return t->rp;
    },
    [=](status_atom) -> ingester_stats {
      return ingester_stats{1, static_cast<uint32_t>(self->state.count)};
    },
    [=](read_atom, const std::string& labels) -> caf::result<stream_dump> {
      auto& st = self->state;
      for (auto& [fp, v] : st.streams)
        for (auto& s : v)
          if (s.labels == labels)
            return self->delegate(s.handle, read_atom_v);
      return stream_dump{};
    },
    [=](checkpoint_atom) -> caf::result<snapshot_list_ptr> {
      auto& st = self->state;
      auto rp = self->make_response_promise<snapshot_list_ptr>();
      auto acc = std::make_shared<std::vector<stream_snapshot>>();
      auto pending = std::make_shared<size_t>(1);
      auto failed = std::make_shared<bool>(false);
      auto done = [rp, acc, pending, failed]() mutable {
        if (--*pending == 0)
          rp.deliver(*failed ? snapshot_list_ptr{} : acc);
      };
      for (auto& [fp, v] : st.streams)
        for (auto& s : v) {
          ++*pending;
          self->request(s.handle, caf::duration{st.ctx->deps.timeout}, checkpoint_atom_v)
            .then(
              [acc, failed, done](snapshot_list_ptr& p) mutable {
                if (!p)
                  *failed = true;
                else
                  for (auto& x : *p)
                    acc->push_back(std::move(x));
                done();
              },
              [failed, done](caf::error&) mutable {
                *failed = true;
                done();
              });
        }
      done();
      return rp;
    },
    [=](replay_atom, const recovery_ptr& rec) -> ingester_stats {
      // Adopts the streams replayed from the WAL (no stream limit).
      auto& st = self->state;
      for (auto& rs : rec->streams) {
        if (rs.s) // the replayed chunks are in memory now (loki_ingester_memory_chunks)
          st.ctx->m.memory_chunks->add(static_cast<double>(rs.s->chunks().size()));
        auto init = std::make_shared<stream_init>();
        init->s = std::move(rs.s);
        init->label_set = std::move(rs.label_set);
        init->wal_id = rs.wal_id;
        init->epoch = rs.epoch;
        init->counter = rs.counter;
        init->series_logged = true;
        init->parent = self->id();
        auto h = self->spawn<caf::linked>(stream_fn, st.ctx, st.tenant, rs.labels, rs.fingerprint,
                                          init);
        st.streams[rs.fingerprint].push_back(stream_slot{rs.labels, h});
        ++st.count;
        st.memory_streams->inc();
      }
      return ingester_stats{1, static_cast<uint32_t>(st.count)};
    },
    [=](select_atom, const select_request_ptr& req) -> caf::result<select_reply_ptr> {
      auto& st = self->state;
      struct tally {
        size_t pending = 1; // released after the loop
        select_reply_ptr reply = std::make_shared<select_reply>();
        caf::typed_response_promise<select_reply_ptr> rp;
        void done_one() {
          if (--pending == 0)
            rp.deliver(std::move(reply));
        }
      };
      auto t = std::make_shared<tally>();
      t->rp = self->make_response_promise<select_reply_ptr>();
      for (auto& [fp, v] : st.streams) {
        for (auto& slot : v) {
          const auto& ls = st.labels_of(slot.labels);
          bool match = req->groups.empty();
          for (const auto& g : req->groups)
            if (logql::matches_all(g, ls)) {
              match = true;
              break;
            }
          if (!match)
            continue;
          ++t->pending;
          // Local and never blocking, like appends: no timer per stream; the
          // querier's request timeout bounds the wait.
          self->request(slot.handle, caf::infinite, select_atom_v, req)
            .then(
              [t, ls](stream_slice_ptr& s) {
                if (s && s->count > 0) {
                  s->data.labels = ls;
                  t->reply->streams.push_back(std::move(*s));
                }
                t->done_one();
              },
              [t](caf::error&) { t->done_one(); });
        }
      }
      t->done_one();
      return t->rp;
    },
    [=](tail_atom, const tail_request_ptr& req) -> std::string {
      auto& st = self->state;
      auto& ts = st.tailers;
      ts.erase(
        std::remove_if(ts.begin(), ts.end(), [](const auto& t) { return t->sub->closed(); }),
        ts.end());
      auto snap = st.ctx->deps.limits->current();
      const auto limit = snap->for_tenant(st.tenant).max_concurrent_tail_requests;
      if (limit >= 0 && ts.size() >= static_cast<size_t>(limit))
        return "max concurrent tail requests limit exceeded, count > limit ("
               + std::to_string(ts.size() + 1) + " > " + std::to_string(limit) + ")";
      ts.push_back(req);
      for (auto& [fp, v] : st.streams)
        for (auto& slot : v)
          if (req->sub->matches(st.labels_of(slot.labels)))
            self->send(slot.handle, tail_atom_v, req);
      return {};
    },
    [=](flush_atom, uint8_t mode) -> caf::result<flush_reply> {
      auto& st = self->state;
      auto rp = self->make_response_promise<flush_reply>();
      auto acc = std::make_shared<flush_reply>();
      auto pending = std::make_shared<size_t>(1);
      auto done = [rp, acc, pending]() mutable {
        if (--*pending == 0)
          rp.deliver(*acc);
      };
      const auto& owned = st.ctx->deps.owned;
      for (auto& [fp, v] : st.streams)
        for (auto& slot : v) {
          ++*pending;
          // The periodic sweep flushes a stream the ring moved elsewhere.
          auto m = mode;
          if (mode == static_cast<uint8_t>(ingester::flush_mode::normal) && owned &&
              !owned(st.tenant, slot.labels))
            m = static_cast<uint8_t>(ingester::flush_mode::not_owned);
          // Answered when the stream's op finished (the worker always answers).
          self->request(slot.handle, caf::infinite, flush_atom_v, m)
            .then(
              [self, acc, done, fp = fp, labels = slot.labels](flush_reply& r) mutable {
                *acc += r;
                if (r.removable && remove_stream(self, fp, labels))
                  ++acc->removed;
                done();
              },
              [done](caf::error&) mutable { done(); });
        }
      done();
      return rp;
    },
    [=](admin_flush_atom, const std::string& labels) -> caf::result<uint32_t> {
      // Every stream of the tenant, or the one whose canonical labels match.
      // Replies the number of streams asked once each has answered.
      auto& st = self->state;
      auto rp = self->make_response_promise<uint32_t>();
      auto matched = std::make_shared<uint32_t>(0);
      auto pending = std::make_shared<size_t>(1);
      auto done = [rp, matched, pending]() mutable {
        if (--*pending == 0)
          rp.deliver(*matched);
      };
      for (auto& [fp, v] : st.streams)
        for (auto& slot : v)
          if (labels.empty() || slot.labels == labels) {
            ++*matched;
            ++*pending;
            self->request(slot.handle, caf::duration{st.ctx->deps.timeout}, admin_flush_atom_v)
              .then([done](uint32_t) mutable { done(); }, [done](caf::error&) mutable { done(); });
          }
      done();
      return rp;
    });
}

// -- ingester ----------------------------------------------------------------

struct ingester_state {
  static inline const char* name = "skald.ingester";
  admin::actor_stats admin;
  uint64_t admin_flushes = 0;
  ctx_ptr ctx;
  std::unordered_map<std::string, tenant_actor> tenants;
  uint32_t streams_hint = 0;
  /// True until the WAL replay was adopted: pushes answer 503.
  bool replaying = false;
  /// A WAL checkpoint is in progress (one at a time).
  bool checkpointing = false;
  bool timer_started = false;
  bool flush_timer_started = false;
  /// Shutting down: pushes are refused.
  bool stopping = false;
  std::mt19937_64 rng;

  tenant_actor& tenant(ingester_actor::stateful_pointer<ingester_state> self,
                       const std::string& id) {
    auto i = tenants.find(id);
    if (i == tenants.end()) {
      auto h = self->spawn<caf::linked>(tenant_fn, ctx, id, self->id());
      i = tenants.emplace(id, h).first;
    }
    return i->second;
  }
};

using ingester_ptr = ingester_actor::stateful_pointer<ingester_state>;

void start_checkpoint_timer(ingester_ptr self) {
  auto& st = self->state;
  auto every = st.ctx->deps.checkpoint_interval;
  if (st.timer_started || !st.ctx->deps.wal || every.count() <= 0)
    return;
  st.timer_started = true;
  self->delayed_send(self, every, checkpoint_atom_v);
}

/// One WAL checkpoint: roll (segments <= N are covered by snapshots taken
/// after it: streams apply before logging), gather every stream's snapshot,
/// have the writer write checkpoint.N and remove what it covers. On any
/// error the segments stay and the next cycle tries again.
void run_checkpoint(ingester_ptr self) {
  auto& st = self->state;
  if (st.timer_started)
    self->delayed_send(self, st.ctx->deps.checkpoint_interval, checkpoint_atom_v);
  const auto& wal = st.ctx->deps.wal;
  if (!wal || st.checkpointing || st.replaying)
    return;
  st.checkpointing = true;
  auto fail = [self](const std::string& what) {
    self->state.checkpointing = false;
    static auto logger = log::get("ingester");
    SKALD_LOG_WARN(logger, "WAL checkpoint abandoned: {}", what);
  };
  self->request(wal, caf::infinite, checkpoint_atom_v)
    .then(
      [self, fail](uint64_t n) {
        auto& st = self->state;
        auto acc = std::make_shared<std::vector<stream_snapshot>>();
        auto pending = std::make_shared<size_t>(1);
        auto failed = std::make_shared<bool>(false);
        auto done = [self, acc, pending, failed, n, fail]() {
          if (--*pending != 0)
            return;
          if (*failed) {
            fail("a stream could not be snapshotted");
            return;
          }
          self->request(self->state.ctx->deps.wal, caf::infinite, checkpoint_atom_v, n, acc)
            .then([self](uint64_t) { self->state.checkpointing = false; },
                  [self, fail](caf::error& e) { fail(self->system().render(e)); });
        };
        for (auto& [id, h] : st.tenants) {
          ++*pending;
          self->request(h, caf::duration{st.ctx->deps.timeout}, checkpoint_atom_v)
            .then(
              [acc, failed, done](snapshot_list_ptr& p) {
                if (!p)
                  *failed = true;
                else
                  for (auto& x : *p)
                    acc->push_back(std::move(x));
                done();
              },
              [failed, done](caf::error&) {
                *failed = true;
                done();
              });
        }
        done();
      },
      [self, fail](caf::error& e) { fail(self->system().render(e)); });
}

double draw(ingester_ptr self) {
  return std::uniform_real_distribution<double>{0.0, 1.0}(self->state.rng);
}

/// Loki's sweep timing: first after 0-0.8x the period, then period +-20%.
void start_flush_timer(ingester_ptr self) {
  auto& st = self->state;
  auto every = st.ctx->deps.flush_check_period;
  if (st.flush_timer_started || st.ctx->deps.flushers.empty() || every.count() <= 0)
    return;
  st.flush_timer_started = true;
  self->delayed_send(self, ingester::initial_sweep_delay(every, draw(self)), flush_atom_v);
}

/// Sweeps the tenants (all when `tenant` is empty); `done` gets the sum.
void sweep_tenants(ingester_ptr self, ingester::flush_mode mode, const std::string& tenant,
                   std::function<void(const flush_reply&)> done) {
  auto& st = self->state;
  auto acc = std::make_shared<flush_reply>();
  auto pending = std::make_shared<size_t>(1);
  auto one = [acc, pending, done]() {
    if (--*pending == 0)
      done(*acc);
  };
  for (auto& [id, h] : st.tenants) {
    if (!tenant.empty() && id != tenant)
      continue;
    ++*pending;
    self->request(h, caf::infinite, flush_atom_v, static_cast<uint8_t>(mode))
      .then(
        [acc, one](flush_reply& r) {
          *acc += r;
          one();
        },
        [one](caf::error&) { one(); });
  }
  one();
}

ingester_actor::behavior_type ingester_fn(ingester_actor::stateful_pointer<ingester_state> self,
                                          ctx_ptr ctx) {
  self->state.ctx = std::move(ctx);
  self->state.replaying = self->state.ctx->deps.replay_pending;
  self->state.rng.seed(self->state.ctx->deps.seed);
  if (!self->state.replaying) {
    start_checkpoint_timer(self);
    start_flush_timer(self);
  }
  self->set_exit_handler([self](caf::exit_msg& msg) {
    auto& ts = self->state.tenants;
    for (auto i = ts.begin(); i != ts.end(); ++i)
      if (i->second.address() == msg.source) {
        ts.erase(i);
        return;
      }
    self->quit(msg.reason);
  });
  enlist(self, "ingester", "ingester");
  auto info = [self](admin::actor_info& out) {
    const auto& st = self->state;
    out.numbers["tenants"] = static_cast<int64_t>(st.tenants.size());
    out.numbers["replaying"] = st.replaying ? 1 : 0;
    out.numbers["checkpointing"] = st.checkpointing ? 1 : 0;
    out.numbers["flushes"] = static_cast<int64_t>(st.admin_flushes);
  };
  return admin_behavior<ingester_actor::behavior_type>(
    self, info,
    [=](push_atom, const ingest_ptr& batch) -> caf::result<ingest_reply> {
      if (self->state.replaying)
        return ingest_reply{503, "replaying WAL", 0};
      if (self->state.stopping)
        return ingest_reply{500, "Ingester is shutting down", 0};
      auto& t = self->state.tenant(self, batch->tenant);
      return self->delegate(t, push_atom_v, batch);
    },
    [=](status_atom) -> caf::result<ingester_stats> {
      auto& st = self->state;
      auto rp = self->make_response_promise<ingester_stats>();
      auto acc = std::make_shared<ingester_stats>();
      acc->tenants = static_cast<uint32_t>(st.tenants.size());
      if (st.tenants.empty()) {
        rp.deliver(*acc);
        return rp;
      }
      auto pending = std::make_shared<size_t>(st.tenants.size());
      for (auto& [id, h] : st.tenants)
        self->request(h, caf::duration{st.ctx->deps.timeout}, status_atom_v)
          .then(
            [rp, acc, pending](ingester_stats& s) mutable {
              acc->streams += s.streams;
              if (--*pending == 0)
                rp.deliver(*acc);
            },
            [rp, acc, pending](caf::error&) mutable {
              if (--*pending == 0)
                rp.deliver(*acc);
            });
      return rp;
    },
    [=](read_atom, const std::string& tenant,
        const std::string& labels) -> caf::result<stream_dump> {
      auto& ts = self->state.tenants;
      auto i = ts.find(tenant);
      if (i == ts.end())
        return stream_dump{};
      return self->delegate(i->second, read_atom_v, labels);
    },
    [=](replay_atom, const recovery_ptr& rec) -> ingester_stats {
      // Split by tenant; each tenant instance adopts its streams before any
      // push reaches it (messages from here to it stay in order).
      auto& st = self->state;
      std::unordered_map<std::string, recovery_ptr> per_tenant;
      ingester_stats out;
      for (auto& rs : rec->streams) {
        auto& p = per_tenant[rs.tenant];
        if (!p)
          p = std::make_shared<ingester::recovery>();
        p->streams.push_back(std::move(rs));
        ++out.streams;
      }
      for (auto& [tenant, p] : per_tenant)
        caf::anon_send(st.tenant(self, tenant), replay_atom_v, p);
      uint64_t next = rec->max_wal_id + 1;
      auto cur = st.ctx->next_wal_id.load();
      while (cur < next && !st.ctx->next_wal_id.compare_exchange_weak(cur, next)) {
      }
      st.replaying = false;
      start_checkpoint_timer(self);
      start_flush_timer(self);
      out.tenants = static_cast<uint32_t>(st.tenants.size());
      return out;
    },
    [=](checkpoint_atom) { run_checkpoint(self); },
    [=](flush_atom) {
      auto& st = self->state;
      self->delayed_send(self, ingester::sweep_interval(st.ctx->deps.flush_check_period, draw(self)),
                         flush_atom_v);
      if (!st.replaying)
        sweep_tenants(self, ingester::flush_mode::normal, std::string{}, [](const flush_reply&) {});
    },
    [=](flush_atom, uint8_t mode, const std::string& tenant) -> caf::result<flush_reply> {
      auto rp = self->make_response_promise<flush_reply>();
      sweep_tenants(self, static_cast<ingester::flush_mode>(mode), tenant,
                    [rp](const flush_reply& r) mutable { rp.deliver(r); });
      return rp;
    },
    [=](stop_atom) -> bool {
      auto& st = self->state;
      bool first = !st.stopping;
      st.stopping = true;
      return first;
    },
    [=](select_atom, const select_request_ptr& req) -> caf::result<select_reply_ptr> {
      auto& ts = self->state.tenants;
      auto i = ts.find(req->tenant);
      if (i == ts.end())
        return std::make_shared<select_reply>();
      return self->delegate(i->second, select_atom_v, req);
    },
    [=](tail_atom, const tail_request_ptr& req) -> caf::result<std::string> {
      // The tenant is created if absent: a tail may start before any push.
      auto& t = self->state.tenant(self, req->sub->tenant());
      return self->delegate(t, tail_atom_v, req);
    },
    [=](admin_flush_atom, const std::string& tenant,
        const std::string& labels) -> caf::result<uint32_t> {
      auto& ts = self->state.tenants;
      auto i = ts.find(tenant);
      if (i == ts.end())
        return uint32_t{0};
      ++self->state.admin_flushes;
      return self->delegate(i->second, admin_flush_atom_v, labels);
    });
}

} // namespace

ingester_actor spawn_ingester(caf::actor_system& sys, ingester_deps deps) {
  auto& reg = deps.metrics ? *deps.metrics : metrics::default_registry();
  auto ctx = std::make_shared<const shared_ctx>(std::move(deps), reg);
  return sys.spawn(ingester_fn, ctx);
}

} // namespace skald::actors
