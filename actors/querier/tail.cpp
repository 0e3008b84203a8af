// actors/querier/tail.cpp — the tailer actor (see tail.hpp): its
// subscriptions to local and remote ingesters, the history query, the
// pipeline and the websocket, and the batch/drain/flush handlers the tail
// group actor (tail_group.cpp) shares with it. The HTTP routes that start
// tailers are in tail_routes.cpp. Decisions (buffering,
// delay_for, JSON, replicas, fan-out) live in runtime/tail.
#include "actors/querier/tail.hpp"
#include "actors/querier/common.hpp"
#include "actors/querier/tail_actor.hpp"
#include "actors/querier/tail_internal.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iterator>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>

#include "actors/cluster/cluster.hpp"
#include "actors/http/responder.hpp"
#include "actors/http/router.hpp"
#include "actors/http/websocket.hpp"
#include "messages/wire.hpp"
#include "runtime/limits/overrides.hpp"
#include "runtime/loghttp/json.hpp"
#include "runtime/loghttp/params.hpp"
#include "runtime/logql/engine.hpp"
#include "runtime/logql/parser.hpp"
#include "runtime/logql/pipeline.hpp"
#include "runtime/metrics/registry.hpp"
#include "runtime/model/label_parse.hpp"
#include "runtime/model/tenant.hpp"
#include "runtime/push/decode.hpp"
#include "runtime/query/chunk_source.hpp"
#include "runtime/query/collected_source.hpp" // plan_select
#include "runtime/query/store_reader.hpp"
#include "runtime/tail/fanout.hpp"
#include "runtime/tail/replicas.hpp"
#include "runtime/tail/tail.hpp"
#include "runtime/util/lines_containing.hpp"
#include "runtime/util/logging.hpp"

namespace skald::actors {

namespace tail_detail {

using querier_detail::steady_ns;
using querier_detail::wall_ns;


// -- tailer actor ----------------------------------------------------------------

void end_session(tailer_ptr self, uint16_t code, const std::string& reason) {
  auto& st = self->state;
  if (st.ended)
    return;
  st.ended = true;
  SKALD_LOG_DEBUG(st.log, "tail session ends: code={} reason={}", code, reason);
  if (st.sub)
    st.sub->close();
  if (st.inbox)
    st.inbox->close();
  for (auto& [id, src] : st.sources) // the relays also see this actor's down_msg
    if (src.relay)
      self->send(src.relay, stop_atom_v);
  if (st.ws && code != 0)
    st.ws->close(code, reason);
  self->quit();
}

/// One kept entry; with `render`, its v1 JSON too (render_v1_stream, once for
/// every tailer of the query). When the pipeline leaves the labels alone and
/// the entry has no metadata, its labels are the stream's shared ones
/// (`shared`: no copy, no rendering).
/// An entry whose labels are its stream's shared ones (see make_entry).
tail::entry_ptr make_stream_entry(int64_t ts, std::string_view line,
                                  const std::shared_ptr<const tail::stream_labels>& shared,
                                  bool render) {
  auto out = std::make_shared<tail::tail_entry>();
  auto& e = *out;
  e.ts = ts;
  e.line.assign(line);
  e.shared = shared;
  if (render)
    e.json = tail::render_v1_stream(e, false);
  return out;
}

tail::entry_ptr make_entry(const logql::line_state& ls, const model::label_set& stream,
                           const model::label_set* metadata, bool categorize, bool render,
                           const std::shared_ptr<const tail::stream_labels>& shared,
                           bool labels_untouched) {
  if (shared && labels_untouched && !categorize && (metadata == nullptr || metadata->empty()))
    return make_stream_entry(ls.ts, ls.line(), shared, render);
  auto out = std::make_shared<tail::tail_entry>();
  auto& e = *out;
  e.ts = ls.ts;
  e.line.assign(ls.line());
  e.labels = ls.lbs.labels();
  if (categorize) {
    // As the query route splits them (runtime/loghttp/json.hpp): metadata
    // as the final labels hold it (a dropped pair is gone, a renamed one
    // keeps its new name), the rest parsed.
    static const model::label_set none;
    e.stream = stream;
    loghttp::split_entry_labels(e.labels, stream, metadata != nullptr ? *metadata : none,
                                e.metadata, e.parsed);
  }
  if (render)
    e.json = tail::render_v1_stream(e, categorize);
  return out;
}

int64_t clock_ns(tailer_ptr self) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             self->clock().now().time_since_epoch())
      .count();
}

void tick_in(tailer_ptr self, std::chrono::nanoseconds d, int64_t now) {
  auto& st = self->state;
  const auto at = now + d.count();
  if (st.tick_pending && st.tick_due <= at)
    return;
  st.tick_pending = true;
  st.tick_due = at;
  self->delayed_send(self, d, tail_tick_atom_v);
}

/// Schedules a tick for the next entry to come due (delay_for), or soon
/// when one is due and could not go.
void tick_for_pending(tailer_ptr self, int64_t now) {
  auto wait = self->state.buf->wait_ns(now);
  // A due entry that could not go (client blocked): look again soon.
  if (wait >= 0)
    tick_in(self, std::chrono::nanoseconds{std::clamp<int64_t>(wait, 10'000'000, 1'000'000'000)},
            clock_ns(self));
}

/// A group or cluster tailer paces its hand-overs (runtime/tail/pacer.hpp):
/// true when what is due waits for the tick this schedules. Not while a
/// session of the group is still sending its history.
bool hold(tailer_ptr self) {
  auto& st = self->state;
  // A session joining a group gets what is due as it comes (merged with its
  // history), never after its history has gone out.
  for (const auto& [m, out] : st.members)
    if (!m->ready.load(std::memory_order_acquire))
      return false;
  const auto now = clock_ns(self);
  const auto wait = st.pacer.hold_ns(now, st.buf->due(wall_ns(), tail::send_batch_entries));
  if (wait == 0)
    return false;
  tick_in(self, std::chrono::nanoseconds{wait}, now);
  return true;
}

/// Moves what the subscription dropped (slow reader) into the buffer, so
/// the next response reports it, and counts it.
void take_dropped(tailer_state& st) {
  st.dropped_seen = st.sub->dropped_total();
  auto dropped = st.sub->take_dropped();
  if (!dropped.empty()) {
    st.rs->m->dropped->inc(dropped.size());
    st.buf->drop_all(std::move(dropped));
  }
}

/// Sends what is due; schedules the next tick while entries wait.
void flush(tailer_ptr self) {
  auto& st = self->state;
  if (st.ended || !st.history_done)
    return;
  // A session of a group only sends around its history: never held.
  if (!st.member && hold(self))
    return;
  if (st.group)
    return group_flush(self);
  take_dropped(st);
  const auto now = wall_ns();
  // Everything due goes to the connection in one hand-over (its frames
  // leave back to back); they count as queued from here on.
  std::vector<std::string> frames;
  size_t bytes = 0;
  for (;;) {
    const bool blocked = st.ws->queued() + frames.size() >= tail::max_buffered_responses;
    const auto before = st.buf->dropped();
    auto r = st.buf->next(now, blocked);
    if (blocked && st.buf->dropped() > before)
      st.rs->m->dropped->inc(st.buf->dropped() - before);
    if (!r)
      break;
    for (const auto& e : r->entries)
      bytes += e->line.size();
    frames.push_back(st.p.legacy ? tail::render_legacy(*r) : tail::render_v1(*r, st.p.categorize));
  }
  if (!frames.empty()) {
    if (!st.ws->send_texts(std::move(frames)))
      return end_session(self, 0, "the connection is gone");
    st.rs->m->bytes->inc(bytes);
    st.pacer.sent(clock_ns(self));
  }
  tick_for_pending(self, now);
}

void tick_soon(tailer_ptr self);

/// True if the history this session sent holds `e` (same time, line and
/// labels).
bool in_history(const tailer_state& st, const tail::tail_entry& e) {
  return !st.history_seen.empty() &&
         st.history_seen.count(
             std::make_tuple(e.ts, e.line, model::canonical_string(e.final_labels()))) > 0;
}

void on_history(tailer_ptr self, const tail_history_ptr& h, const std::string& err) {
  auto& st = self->state;
  if (st.ended)
    return;
  if (!h)
    return end_session(self, http::ws_close_internal, err);
  // Live entries that the history already holds are not sent twice.
  auto& seen = st.history_seen;
  for (auto& e : *h)
    seen.emplace(e.ts, e.line, model::canonical_string(e.labels));
  // The history goes out first, as sent (it is older than what is live).
  tail::tail_response r;
  for (auto& e : *h) {
    r.entries.push_back(std::make_shared<const tail::tail_entry>(std::move(e)));
    if (r.entries.size() == tail::max_entries_per_response) {
      st.ws->send_text(st.p.legacy ? tail::render_legacy(r) : tail::render_v1(r, st.p.categorize));
      r.entries.clear();
    }
  }
  if (!r.entries.empty())
    st.ws->send_text(st.p.legacy ? tail::render_legacy(r) : tail::render_v1(r, st.p.categorize));
  for (auto& e : st.early)
    if (!in_history(st, *e))
      st.buf->add(std::move(e));
  st.early.clear();
  if (!st.member)
    seen.clear(); // no group: nothing can come that predates the history
  st.history_done = true;
  flush(self);
  if (st.member) // from now on the group writes to the websocket itself
    st.member->ready.store(true, std::memory_order_release);
}

/// Entries from this session's group while its history was going out (or
/// just after): merged like live entries of its own. A share that comes
/// after the history was sent left the group before it saw `ready`; what
/// it holds may be in that history too, and is then not sent again.
void on_share(tailer_ptr self, const tail_share_ptr& s) {
  auto& st = self->state;
  if (st.ended || !s)
    return;
  if (!s->dropped.empty())
    st.buf->drop_all(s->dropped);
  for (const auto& e : s->entries) {
    if (!st.history_done)
      st.early.push_back(e);
    else if (!in_history(st, *e))
      st.buf->add(e);
  }
  tick_soon(self);
}

/// Cluster mode: `b` without the entries already taken from another replica
/// (null when none is left; `b` itself when all are new, keeping its memo).
tail_batch_ptr without_replicas(tailer_state& st, const tail_batch_ptr& b) {
  const auto& ps = b->batch->request.streams[b->index];
  const auto now = steady_ns();
  std::vector<uint32_t> fresh;
  fresh.reserve(b->stored.size());
  for (auto i : b->stored)
    if (st.replicas->first(ps.fingerprint, ps.entries[i].ts, ps.entries[i].line, now))
      fresh.push_back(i);
  if (fresh.size() == b->stored.size())
    return b;
  if (fresh.empty())
    return nullptr;
  return std::make_shared<const tail_batch>(tail_batch{b->batch, b->index, std::move(fresh), {}});
}

/// Pipeline and buffer for the entries of `b` (or drops them while the
/// client is behind). True when there is something new to send (entries or
/// drops).
bool take_batch(tailer_ptr self, const tail_batch_ptr& b) {
  auto& st = self->state;
  const auto& ps = b->batch->request.streams[b->index];
  if (st.history_done && st.ws && st.ws->queued() >= tail::max_buffered_responses) {
    // The client is behind: drop before doing any work for these entries
    // (no pipeline, no copy), so a slow tail costs next to nothing.
    st.rs->m->dropped->inc(b->stored.size());
    for (auto i : b->stored) {
      if (st.buf->dropped() >= tail::max_dropped_per_response)
        break;
      st.buf->drop(ps.entries[i].ts, ps.label_set);
    }
    tick_in(self, std::chrono::milliseconds{10}, clock_ns(self));
    return false;
  }
  auto keep = [&st](const tail::entry_ptr& e) {
    if (st.history_done)
      st.buf->add(e);
    else
      st.early.push_back(e);
  };
  // `render`: entries shared by several tailers carry their JSON, rendered
  // once; a tailer's own entries are written straight into its messages.
  // `out(entry)` gets each kept entry.
  auto evaluate = [&](bool render, const auto& out) {
    const bool untouched = !st.runner->touches_labels();
    // No stage (a bare selector): every entry is kept as pushed, with its
    // stream's labels; no pipeline run, no label builder.
    const bool as_pushed = st.p.expr->log.stages.empty() && b->labels && !st.p.categorize;
    auto one = [&](uint32_t i) {
      const auto& ev = ps.entries[i];
      if (as_pushed && (ev.metadata == nullptr || ev.metadata->empty())) {
        out(make_stream_entry(ev.ts, ev.line, b->labels, render && !st.p.legacy));
        return;
      }
      if (!st.runner->run(ev.ts, ev.line, ps.label_set, ev.metadata))
        return;
      out(make_entry(st.runner->state(), ps.label_set, ev.metadata, st.p.categorize,
                     render && !st.p.legacy, b->labels, untouched));
    };
    // A leading `|= "literal"`: only the lines holding it are run, found in
    // one pass over the push body they lie in (runtime/util/lines_containing.hpp).
    const auto literal = st.runner->required_literal();
    if (literal.empty() || as_pushed) {
      for (auto i : b->stored)
        one(i);
      return;
    }
    const auto& storage = b->batch->request.storage;
    const std::string_view body =
        storage ? std::string_view{storage->bytes.get(), storage->size} : std::string_view{};
    util::for_each_line_containing(
        body, b->stored.size(), [&](size_t j) { return ps.entries[b->stored[j]].line; }, literal,
        [&](size_t j) { one(b->stored[j]); });
  };
  // Tailers of the same query share one evaluation per batch: the first one
  // to get here runs the pipeline (under the memo's lock, so two threads
  // never both run it) and leaves the entries, rendered, in the memo.
  bool any = false;
  if (b->memo && st.key.use_count() > 1) {
    std::shared_ptr<const std::vector<tail::entry_ptr>> kept;
    {
      std::lock_guard<std::mutex> guard{b->memo->mtx};
      for (const auto& [k, v] : b->memo->kept)
        if (k == st.key.get())
          kept = v;
      if (!kept) {
        auto v = std::make_shared<std::vector<tail::entry_ptr>>();
        evaluate(true, [&v](tail::entry_ptr e) { v->push_back(std::move(e)); });
        kept = v;
        b->memo->kept.emplace_back(st.key.get(), kept);
      }
    }
    for (const auto& e : *kept)
      keep(e);
    any = !kept->empty();
  } else {
    // Alone with this batch (a group, or no other tailer of the query):
    // straight into the buffer.
    evaluate(false, [&](tail::entry_ptr e) {
      any = true;
      keep(e);
    });
  }
  // Nothing kept (a selective query) and nothing dropped: no work.
  return any || st.sub->dropped_total() != st.dropped_seen;
}

/// A batch from a local stream: its entries are consumed (inflight window),
/// replicas dropped in cluster mode. True when there is something to send.
bool accept_batch(tailer_ptr self, const tail_batch_ptr& b) {
  auto& st = self->state;
  st.sub->release(b->stored.size());
  if (st.ended)
    return false;
  if (st.replicas) {
    auto fresh = without_replicas(st, b);
    return fresh && take_batch(self, fresh);
  }
  return take_batch(self, b);
}

/// Schedules a tick after the messages already in the mailbox (coalesces).
void tick_soon(tailer_ptr self) {
  auto& st = self->state;
  if (st.history_done && !st.tick_pending && !st.ended) {
    st.tick_pending = true;
    st.tick_due = clock_ns(self);
    self->send(self, tail_tick_atom_v);
  }
}

/// A batch sent as a message (a request without an inbox).
void on_batch(tailer_ptr self, const tail_batch_ptr& b) {
  if (accept_batch(self, b))
    tick_soon(self);
}

/// Entries from a relay on another node: acknowledged (its subscription's
/// inflight window), replicas dropped, then handled like a local batch.
void on_remote_batch(tailer_ptr self, const tail_batch_wire& w) {
  auto& st = self->state;
  auto sender = caf::actor_cast<caf::actor>(self->current_sender());
  if (st.ended)
    return;
  // Ours: the relay of its node's source, or any relay of a node whose
  // subscription is still being answered (its first batch may come first).
  auto known = std::any_of(st.sources.begin(), st.sources.end(), [&](const auto& kv) {
    const auto& src = kv.second;
    if (src.local || !sender || src.gateway.node() != sender.node())
      return false;
    return src.relay ? src.relay == sender : true;
  });
  if (!known) {
    // A relay from a subscription that timed out here or was replaced, or of
    // an ingester this tail no longer follows: not ours any more.
    if (sender)
      self->send(sender, stop_atom_v);
    return;
  }
  auto d = w.bytes ? decode_tail_batches(*w.bytes)
                   : result<tail_batches>{status{errc::invalid_argument, "empty tail batch"}};
  if (!d.ok()) {
    SKALD_LOG_WARN(st.log, "dropping a tail batch: {}", d.error().message());
    return;
  }
  if (sender && d->entries > 0)
    self->send(sender, tail_ack_atom_v, d->entries);
  if (!d->dropped.empty()) {
    st.rs->m->dropped->inc(d->dropped.size());
    st.buf->drop_all(std::move(d->dropped));
    tick_soon(self);
  }
  auto batch = std::make_shared<const push_batch>(std::move(d->batch));
  bool news = false;
  for (uint32_t i = 0; i < batch->request.streams.size(); ++i) {
    std::vector<uint32_t> all(batch->request.streams[i].entries.size());
    for (uint32_t j = 0; j < all.size(); ++j)
      all[j] = j;
    auto b = std::make_shared<const tail_batch>(tail_batch{batch, i, std::move(all), {}});
    if (auto fresh = without_replicas(st, b))
      news = take_batch(self, fresh) || news;
    if (st.ended)
      return;
  }
  if (news)
    tick_soon(self);
}

/// Takes what waits in the inbox, sends what is due. While batches keep
/// coming, polls again after tail_poll_interval (one message per tick,
/// whatever the number of stream batches); once a poll finds nothing, the
/// inbox sleeps and the next batch's stream wakes the tailer.
void drain(tailer_ptr self, bool poll) {
  auto& st = self->state;
  if (st.ended)
    return;
  auto batches = st.inbox->take(poll);
  bool news = st.sub->dropped_total() != st.dropped_seen;
  for (const auto& b : batches)
    news = accept_batch(self, b) || news;
  if (news && st.history_done)
    flush(self);
  if ((!batches.empty() || !poll) && !st.poll_pending && !st.ended) {
    st.poll_pending = true;
    self->delayed_send(self, tail_poll_interval, tail_atom_v, tail_tick_atom_v);
  }
}

void start_history(tailer_ptr self);

/// One answer of the first round of subscriptions: the history starts once
/// all are in; an ingester's limit text ends the session.
void first_round_answer(tailer_ptr self, const std::string& err) {
  auto& st = self->state;
  if (st.ended || st.history_started)
    return;
  if (!err.empty())
    return end_session(self, http::ws_close_internal, err);
  if (st.first_round > 0 && --st.first_round > 0)
    return;
  st.history_started = true;
  start_history(self);
}

/// Keeps the ingesters gauge: `src` is subscribed (true) or lost (false).
void count_source(tailer_state& st, tailer_state::source& src, bool on) {
  if (src.counted == on)
    return;
  src.counted = on;
  *st.subscribed += on ? 1 : -1;
  if (on)
    st.rs->m->ingesters->inc();
  else
    st.rs->m->ingesters->dec();
}

void subscribe_local(tailer_ptr self, const std::string& id, const ingester_actor& ing,
                     bool first) {
  auto& st = self->state;
  st.sources[id].local = true;
  auto req = std::make_shared<const tail_request>(
      tail_request{st.sub, caf::actor_cast<caf::actor>(self), st.inbox});
  self->request(ing, std::chrono::seconds{10}, tail_atom_v, req)
      .then(
          [self, id, first](const std::string& err) {
            auto& st = self->state;
            if (!err.empty())
              st.sources.erase(id); // the tenant refused: retried at a resync
            else if (auto it = st.sources.find(id); it != st.sources.end())
              count_source(st, it->second, true);
            if (first)
              first_round_answer(self, err);
          },
          [self, id, first](caf::error& e) {
            self->state.sources.erase(id);
            SKALD_LOG_WARN(self->state.log, "tail subscription to {} failed: {}", id,
                           self->system().render(e));
            if (first)
              first_round_answer(self, {});
          });
}

void subscribe_remote(tailer_ptr self, const std::string& id, const remote_ingester_actor& gw,
                      bool first) {
  auto& st = self->state;
  auto& src = st.sources[id];
  src.gateway = gw.address();
  src.relay = nullptr;
  auto fail = [self, id, gwa = gw.address()](const std::string& why) {
    auto it = self->state.sources.find(id);
    if (it != self->state.sources.end() && it->second.gateway == gwa && !it->second.relay)
      self->state.sources.erase(it); // retried at the next resync
    SKALD_LOG_DEBUG(self->state.log, "tail subscription to {} failed: {}", id, why);
  };
  self->request(gw, caf::duration{st.rs->opts.remote_timeout}, tail_atom_v, st.sub_wire,
                caf::actor_cast<caf::actor>(self))
      .then(
          [self, id, first, fail, gwa = gw.address()](std::string& err, caf::actor& relay) {
            auto& st = self->state;
            auto it = st.sources.find(id);
            if (st.ended || it == st.sources.end() || it->second.gateway != gwa) {
              if (relay)
                self->send(relay, stop_atom_v);
              return;
            }
            if (!err.empty() || !relay) {
              fail(err);
              if (first)
                first_round_answer(self, err.empty() ? std::string{"no tail relay"} : err);
              return;
            }
            it->second.relay = relay;
            count_source(st, it->second, true);
            self->monitor(relay);
            SKALD_LOG_DEBUG(st.log, "tailing ingester {}", id);
            if (first)
              first_round_answer(self, {});
          },
          [self, first, fail](caf::error& e) {
            fail(self->system().render(e));
            if (first)
              first_round_answer(self, {});
          });
}

/// Subscribes to every ring target not subscribed yet (and again to one
/// whose gateway changed: a restarted ingester).
void resync(tailer_ptr self, bool first) {
  auto& st = self->state;
  if (st.ended)
    return;
  auto snap = st.rs->opts.ring->get();
  if (!snap)
    return;
  for (const auto& id : tail::tail_targets(snap->view.desc(), snap->view.options(), snap->now_ms)) {
    auto ep = snap->endpoints.find(id);
    if (ep == snap->endpoints.end())
      continue; // not reachable yet
    auto cur = st.sources.find(id);
    if (ep->second.local) {
      if (cur != st.sources.end())
        continue;
      if (first)
        ++st.first_round;
      subscribe_local(self, id, ep->second.local, first);
    } else if (ep->second.remote) {
      if (cur != st.sources.end()) {
        if (cur->second.gateway == ep->second.remote.address())
          continue;
        if (cur->second.relay) { // the old incarnation's relay: its down_msg may lag
          self->demonitor(cur->second.relay);
          self->send(cur->second.relay, stop_atom_v);
          count_source(st, cur->second, false);
        }
      }
      if (first)
        ++st.first_round;
      subscribe_remote(self, id, ep->second.remote, first);
    }
  }
}

/// The history query on the querier's worker pool; the answer goes to the
/// tailer as (tail_hist_atom, history, error).
void start_history(tailer_ptr self) {
  auto& st = self->state;
  const auto now = wall_ns();
  logql::query_params qp;
  qp.start_ns = st.p.start_ns;
  qp.end_ns = now;
  qp.dir = logql::direction::backward;
  qp.limit = st.p.limit;
  auto plan = query::plan_select(*st.p.expr, qp);
  auto req = std::make_shared<select_request>();
  req->tenant = st.p.tenant;
  req->groups = std::move(plan.groups);
  req->from = plan.from;
  req->through = plan.through;
  req->per_stream_limit = plan.per_stream_limit;
  req->dir = qp.dir;
  req->snapshot = true;
  auto job = std::make_shared<query_job>();
  job->request = std::move(req);
  const auto& lim = st.rs->opts.limits->current()->for_tenant(st.p.tenant);
  auto timeout =
      lim.query_timeout.count() > 0 ? lim.query_timeout.count() : int64_t{60'000'000'000};
  job->deadline_ns = steady_ns() + timeout;
  caf::actor me = caf::actor_cast<caf::actor>(self);
  auto expr = st.p.expr;
  job->done = [me, expr, qp](select_reply_ptr r, uint16_t, std::string err) {
    if (!r) {
      caf::anon_send(me, tail_hist_atom_v, tail_history_ptr{}, std::move(err));
      return;
    }
    // The ingesters' chunk snapshots and the store's chunks, as a query.
    query::chunk_source src;
    for (auto& s : r->streams)
      src.add(s.data.labels, std::move(s.snapshot));
    if (r->store)
      for (auto& s : r->store->series)
        src.add(s.labels, std::move(s.chunks));
    src.finish();
    logql::engine eng(src);
    auto res = eng.query(*expr, qp);
    if (!res.ok()) {
      caf::anon_send(me, tail_hist_atom_v, tail_history_ptr{}, res.error().message());
      return;
    }
    // categorize-labels: split like the query route (and live entries):
    // stream = the original stream labels among the streams read.
    std::vector<model::label_set> sources;
    for (const auto& s : src.streams())
      sources.push_back(s.labels);
    auto out = std::make_shared<std::vector<tail::tail_entry>>();
    for (auto& s : res->streams) {
      const auto* original = loghttp::original_stream(s.labels, sources);
      for (auto& e : s.entries) {
        tail::tail_entry te;
        te.ts = e.ts;
        te.line = std::move(e.line);
        te.labels = s.labels;
        te.stream = original != nullptr ? *original : s.labels;
        loghttp::split_entry_labels(s.labels, te.stream, e.metadata, te.metadata, te.parsed);
        out->push_back(std::move(te));
      }
    }
    // BACKWARD with limit, then reversed: the oldest entry goes first.
    std::stable_sort(out->begin(), out->end(),
                     [](const auto& a, const auto& b) { return a.ts < b.ts; });
    caf::anon_send(me, tail_hist_atom_v, std::move(out), std::string{});
  };
  caf::anon_send(st.rs->opts.querier, select_atom_v, std::move(job));
}

caf::behavior tailer_behavior(tailer_ptr self);

/// Runs `next` when a tail subscription answered (an empty error text);
/// any error text or failure ends the session with close code 1011.
template <class Request, class Next>
void on_subscribed(tailer_ptr self, Request&& req, Next next) {
  std::forward<Request>(req).then(
      [self, next](const std::string& err) {
        if (!err.empty())
          return end_session(self, http::ws_close_internal, err);
        next(self);
      },
      [self](caf::error& e) {
        end_session(self, http::ws_close_internal,
                    "tail subscription failed: " + self->system().render(e));
      });
}

/// Single node: joins the group of this session's key (spawning it when
/// there is none), then sends the history once the group is fed.
void join_group(tailer_ptr self) {
  auto& st = self->state;
  if (st.ended)
    return;
  st.group_key = group_key(st.p);
  auto g = st.rs->join_group(st.group_key, [self, &st] {
    return self->system().spawn(group_fn, st.rs, st.p, st.group_key);
  });
  st.member = std::make_shared<tail_member>();
  st.member->session = caf::actor_cast<caf::actor>(self);
  st.member->ws = st.ws;
  on_subscribed(self, self->request(g, caf::infinite, tail_atom_v, st.member), start_history);
}

/// Cluster mode: the first round of subscriptions to the ring's ingesters,
/// then a resync every resync_interval (see tail.hpp).
caf::behavior cluster_tailer(tailer_ptr self) {
  auto& st = self->state;
  st.replicas = std::make_unique<tail::replica_filter>();
  st.sub_wire = encode_tail_sub(
      tail_sub{st.p.tenant,
               {st.p.expr->log.matchers},
               static_cast<uint32_t>(std::min<size_t>(st.rs->opts.max_inflight, UINT32_MAX))});
  self->attach_functor([rs = st.rs, subscribed = st.subscribed] {
    rs->m->ingesters->sub(static_cast<double>(*subscribed));
  });
  self->set_down_handler([self](caf::down_msg& m) {
    auto& srcs = self->state.sources;
    for (auto it = srcs.begin(); it != srcs.end(); ++it)
      if (it->second.relay && it->second.relay.address() == m.source) {
        // Its ingester (or its node) is gone; the next resync subscribes
        // again once the ring shows it healthy.
        SKALD_LOG_INFO(self->state.log, "lost the tail of ingester {}: {}", it->first,
                       caf::to_string(m.reason));
        count_source(self->state, it->second, false);
        srcs.erase(it);
        break;
      }
  });
  resync(self, true);
  if (st.first_round == 0 && !st.ended) {
    st.history_started = true; // no ingester to ask yet: the resyncs pick them up
    start_history(self);
  }
  self->delayed_send(self, st.rs->opts.resync_interval, caf::tick_atom::value);
  if (st.rs->opts.max_duration.count() > 0)
    self->delayed_send(self, st.rs->opts.max_duration, stop_atom_v, true);
  return tailer_behavior(self);
}

caf::behavior tailer_fn(tailer_ptr self, route_ptr rs, tail_params p,
                        std::shared_ptr<http::websocket> ws) {
  auto& st = self->state;
  st.log = log::get("querier");
  st.rs = std::move(rs);
  st.p = std::move(p);
  st.ws = std::move(ws);
  st.runner = std::make_unique<logql::pipeline_runner>(st.p.expr->log.stages);
  st.buf = std::make_unique<tail::tail_buffer>(st.p.delay_ns, st.rs->opts.max_pending);
  st.key = st.rs->key_for(st.p.expr->to_string() + (st.p.categorize ? "\ncategorize" : ""));
  std::vector<std::vector<logql::label_matcher>> groups{st.p.expr->log.matchers};
  // Single node: the session's subscription only counts (its group is fed).
  const bool member = !st.rs->opts.ring;
  st.sub = std::make_shared<tail::subscription>(
      st.p.tenant, std::move(groups), st.rs->opts.max_inflight,
      member ? tail::subscription::role::member : tail::subscription::role::session);
  if (!member)
    st.inbox = std::make_shared<tail_inbox>(std::max<size_t>(1, st.rs->opts.max_inflight / 2));
  st.rs->m->active->inc();
  self->set_exception_handler([self](std::exception_ptr& eptr) -> caf::error {
    try {
      std::rethrow_exception(eptr);
    } catch (const std::exception& e) {
      SKALD_LOG_ERROR(self->state.log, "tailer failed: {}", e.what());
      if (self->state.ws)
        self->state.ws->close(http::ws_close_internal, e.what());
    }
    return caf::make_error(caf::sec::runtime_error);
  });
  self->attach_functor([sub = st.sub, inbox = st.inbox, rs = st.rs, addr = self->address(),
                        log = st.log](const caf::error& reason) {
    sub->close();
    if (inbox)
      inbox->close();
    rs->m->active->dec();
    rs->forget(addr);
    if (reason && reason != caf::exit_reason::user_shutdown)
      SKALD_LOG_WARN(log, "tailer ended: {}", caf::to_string(reason));
  });
  SKALD_LOG_INFO(st.log, "starting to tail logs tenant={} selectors={}", st.p.tenant,
                 st.p.expr->to_string());
  if (st.rs->opts.ring)
    return cluster_tailer(self);
  const auto& ing = st.rs->opts.ingester;
  if (!ing) {
    end_session(self, http::ws_close_internal, "no ingester to tail on this node");
    return {};
  }
  auto req = std::make_shared<const tail_request>(
      tail_request{st.sub, caf::actor_cast<caf::actor>(self), st.inbox});
  on_subscribed(self, self->request(ing, std::chrono::seconds{10}, tail_atom_v, req), join_group);
  if (st.rs->opts.max_duration.count() > 0)
    self->delayed_send(self, st.rs->opts.max_duration, stop_atom_v, true);
  return tailer_behavior(self);
}

caf::behavior tailer_behavior(tailer_ptr self) {
  return {
      [self](tail_atom, const tail_batch_ptr& b) { on_batch(self, b); },
      [self](tail_atom) { drain(self, false); },
      [self](tail_atom, tail_tick_atom) {
        self->state.poll_pending = false;
        drain(self, true);
      },
      [self](tail_atom, const tail_batch_wire& w) { on_remote_batch(self, w); },
      [self](caf::tick_atom) {
        resync(self, false);
        if (!self->state.ended)
          self->delayed_send(self, self->state.rs->opts.resync_interval, caf::tick_atom::value);
      },
      [self](tail_hist_atom, const tail_history_ptr& h, const std::string& err) {
        on_history(self, h, err);
      },
      [self](tail_atom, const tail_share_ptr& s) { on_share(self, s); },
      [self](tail_tick_atom) {
        self->state.tick_pending = false;
        flush(self);
      },
      [self](stop_atom, bool max_duration) {
        if (max_duration)
          end_session(self, http::ws_close_internal, "reached tail max duration limit");
        else
          end_session(self, 0, {});
      },
  };
}

caf::actor spawn_tailer(caf::actor_system& sys, route_ptr rs, tail_params p,
                        std::shared_ptr<http::websocket> ws) {
  return sys.spawn(tailer_fn, std::move(rs), std::move(p), std::move(ws));
}

} // namespace tail_detail

} // namespace skald::actors
