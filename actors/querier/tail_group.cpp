// actors/querier/tail_group.cpp — the tail group actor (messages/tail.hpp):
// on a single node, the tailers of one tenant, query, delay_for and format
// share it: one subscription fed by the streams, one pipeline and buffer,
// each due response rendered once and the same frame queued on every
// session's websocket (runtime/tail/fanout.hpp). The sessions themselves
// and the handlers a group shares with them are in tail.cpp.
//
// Owner: route_state::join_group spawns one per key; it quits when
// route_state::leave_group says its last session left.
#include "actors/querier/tail_actor.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include "actors/http/websocket.hpp"
#include "actors/querier/common.hpp"

namespace skald::actors::tail_detail {

using querier_detail::wall_ns;

/// A tail group's flush: each due response is rendered once and the same
/// frame goes to every session that keeps up (runtime/tail/fanout.hpp); a
/// session still sending its history gets the entries instead.
void group_flush(tailer_ptr self) {
  auto& st = self->state;
  take_dropped(st);
  const auto now = wall_ns();
  std::vector<tail::tail_response> due;
  while (auto r = st.buf->next(now, false))
    due.push_back(std::move(*r));
  if (!due.empty()) {
    const auto& p = st.p;
    tail::render_fn render = [&p](const tail::tail_response& r) {
      return p.legacy ? tail::render_legacy(r) : tail::render_v1(r, p.categorize);
    };
    std::vector<std::shared_ptr<const std::string>> shared;
    tail_share_ptr share;
    for (auto& [m, out] : st.members) {
      if (!m->ready.load(std::memory_order_acquire)) {
        if (!share) {
          auto s = std::make_shared<tail_share>();
          for (const auto& r : due) {
            s->entries.insert(s->entries.end(), r.entries.begin(), r.entries.end());
            s->dropped.insert(s->dropped.end(), r.dropped.begin(), r.dropped.end());
          }
          share = std::move(s);
        }
        self->send(m->session, tail_atom_v, share);
        continue;
      }
      if (shared.empty())
        for (const auto& r : due)
          shared.push_back(std::make_shared<const std::string>(render(r)));
      auto plan = tail::plan_fanout(out, due, shared, m->ws->queued(), render);
      if (plan.dropped > 0)
        st.rs->m->dropped->inc(plan.dropped);
      // A closed connection: its session ends and leaves (down_msg).
      if (!plan.frames.empty() && m->ws->send_shared(std::move(plan.frames)))
        st.rs->m->bytes->inc(plan.line_bytes);
    }
    st.pacer.sent(clock_ns(self));
  }
  tick_for_pending(self, now);
}

/// The sessions that may share one group: same tenant, query, delay_for and
/// message format (and nothing else differs in what they are sent).
std::string group_key(const tail_params& p) {
  return p.tenant + '\n' + p.expr->to_string() + '\n' + std::to_string(p.delay_ns) +
         (p.categorize ? "\ncategorize" : "") + (p.legacy ? "\nlegacy" : "");
}

void end_group(tailer_ptr self) {
  auto& st = self->state;
  if (st.ended)
    return;
  st.ended = true;
  st.sub->close();
  st.inbox->close();
  self->quit();
}

/// The feed's subscription answered: pending joins learn the outcome; on an
/// error every session ends with it.
void feed_answer(tailer_ptr self, const std::string& err) {
  auto& st = self->state;
  st.feed_answered = true;
  st.feed_error = err;
  for (auto& rp : st.joins)
    rp.deliver(err);
  st.joins.clear();
  if (!err.empty())
    for (auto& [m, out] : st.members)
      self->send(m->session, tail_hist_atom_v, tail_history_ptr{}, err);
}

/// A tail group (messages/tail.hpp): one subscription fed by the streams,
/// one pipeline, one buffer; its flushes write each response once for all
/// its sessions. It quits when route_state::leave_group says its last
/// session left.
caf::behavior group_fn(tailer_ptr self, route_ptr rs, tail_params p, std::string key) {
  auto& st = self->state;
  st.log = log::get("querier");
  st.rs = std::move(rs);
  st.p = std::move(p);
  st.group = true;
  st.group_key = std::move(key);
  st.history_done = true; // no history of its own
  st.runner = std::make_unique<logql::pipeline_runner>(st.p.expr->log.stages);
  st.buf = std::make_unique<tail::tail_buffer>(st.p.delay_ns, st.rs->opts.max_pending);
  std::vector<std::vector<logql::label_matcher>> groups{st.p.expr->log.matchers};
  st.sub = std::make_shared<tail::subscription>(
      st.p.tenant, std::move(groups), st.rs->opts.max_inflight, tail::subscription::role::feed);
  st.inbox = std::make_shared<tail_inbox>(std::max<size_t>(1, st.rs->opts.max_inflight / 2));
  self->attach_functor([sub = st.sub, inbox = st.inbox] {
    sub->close();
    inbox->close();
  });
  self->set_down_handler([self](caf::down_msg& m) {
    auto& st = self->state;
    auto& ms = st.members;
    ms.erase(std::remove_if(ms.begin(), ms.end(),
                            [&m](const auto& x) { return x.first->session.address() == m.source; }),
             ms.end());
    if (st.rs->leave_group(st.group_key, self->address()))
      end_group(self);
  });
  auto req = std::make_shared<const tail_request>(
      tail_request{st.sub, caf::actor_cast<caf::actor>(self), st.inbox});
  self->request(st.rs->opts.ingester, std::chrono::seconds{10}, tail_atom_v, req)
      .then([self](const std::string& err) { feed_answer(self, err); },
            [self](caf::error& e) {
              feed_answer(self, "tail subscription failed: " + self->system().render(e));
            });
  return {
      [self](tail_atom, const tail_member_ptr& m) -> caf::result<std::string> {
        auto& st = self->state;
        self->monitor(m->session);
        // What waits in the inbox and what the group holds (runtime/tail/
        // pacer.hpp) goes now, to the sessions it was for: it was stored
        // before the new session's history query, which covers it (never a
        // second time as a frame after that history).
        drain(self, false);
        if (st.buf->due(wall_ns(), 1) > 0)
          group_flush(self);
        st.members.emplace_back(m, tail::fanout_member{});
        if (st.feed_answered)
          return st.feed_error;
        auto rp = self->make_response_promise<std::string>();
        st.joins.push_back(rp);
        return rp;
      },
      [self](tail_atom, const tail_batch_ptr& b) { on_batch(self, b); },
      [self](tail_atom) { drain(self, false); },
      [self](tail_atom, tail_tick_atom) {
        self->state.poll_pending = false;
        drain(self, true);
      },
      [self](tail_tick_atom) {
        self->state.tick_pending = false;
        flush(self);
      },
  };
}

} // namespace skald::actors::tail_detail
