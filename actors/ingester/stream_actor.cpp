// actors/ingester/stream_actor.cpp — the stream actor: one per stream, owns
// its chunks (runtime/ingester/stream) exclusively; appends a push slice
// (its slot of the tenant's push round: messages/push.hpp; the last slot
// completes the round), feeds live tails, answers selects with
// chunk snapshots and flushes its closed chunks through the flush workers.
#include "actors/ingester/ingester_internal.hpp"
#include "actors/ingester/wal_writer.hpp"

namespace skald::actors::ingester_detail {

namespace {

int64_t now_ns(caf::local_actor* self) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           self->clock().now().time_since_epoch())
    .count();
}

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
  r.appends = st.appends;
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
  nothing.appends = st.appends;
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
    auto b = c.bounds();
    flush_chunk_snapshot sn;
    sn.min_ts = b.min_ts;
    sn.max_ts = b.max_ts;
    sn.entries = static_cast<uint32_t>(c.entries());
    sn.reason = static_cast<uint8_t>(p.reason);
    sn.utilization = c.utilization();
    // Shares the blocks; the worker encodes it when it writes it.
    sn.chunk = std::make_shared<const chunkenc::mem_chunk>(c.snapshot());
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
      if (!tb) {
        // One immutable batch for every tailer: the push batch, the stored
        // indexes, the stream's labels (made once per stream actor).
        if (!st.tail_labels)
          st.tail_labels = tail::make_stream_labels(batch->request.streams[index].label_set);
        tb = std::make_shared<const tail_batch>(
            tail_batch{batch, index, st.stored_index,
                       ts.size() > 1 ? std::make_shared<tail_memo>() : nullptr, st.tail_labels});
      }
      // Into the tailer's inbox; a message only to wake an idle tailer.
      if (!t->inbox)
        caf::anon_send(t->tailer, tail_atom_v, tb);
      else if (t->inbox->put(tb, n))
        caf::anon_send(t->tailer, tail_atom_v);
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

/// Applies stream `index` of `batch` (one append of a push round) and counts
/// its discarded entries; the reply goes into the round's slot.
stream_reply apply_append(stream_ptr self, const ingest_ptr& batch, uint32_t index,
                          uint64_t wal_counter) {
  auto& st = self->state;
  stream_reply r;
  if (index >= batch->request.streams.size())
    return r;
  auto now = now_ns(self);
  refresh_stream_limits(st, now);
  const auto& es = batch->request.streams[index].entries;
  st.stored_index.clear();
  // The tenant logs all of `es` meanwhile (messages/wal.hpp); the tails get
  // the stored ones.
  const bool want_index = !st.tailers.empty();
  // Ring mode: the blocks this append cuts go to the ring as block records
  // (the entries' counters end at wal_counter).
  ingester::block_log* blocks =
      st.block_log.ring != nullptr && wal_counter >= es.size() && !es.empty() ? &st.block_log
                                                                              : nullptr;
  auto out =
      st.s->push(es.data(), es.size(), st.tenant, now, want_index ? &st.stored_index : nullptr,
                 blocks ? wal_counter - es.size() + 1 : 0, blocks);
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
  if (!st.tailers.empty())
    feed_tailers(st, batch, index);
  return r;
}

} // namespace

void ring_block_log::on_block(wal::block_record& b) {
  b.fingerprint = wal_id;
  ring_offer_block(*ring, b);
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
  st.block_log.ring = ctx->deps.wal_ring.get();
  st.block_log.wal_id = init->wal_id;
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
    [=](append_atom, const stream_append_ptr& a) {
      auto& round = *a->round;
      round.replies[a->index] = apply_append(self, round.batch, a->index, a->wal_counter);
      if (a->wal_counter != 0)
        self->state.counter = a->wal_counter;
      a->applied = true;
      ++self->state.appends;
      if (round.count_down())
        round.on_last(a->round, self->context());
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
      if (st.counter == 0)
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

} // namespace skald::actors::ingester_detail
