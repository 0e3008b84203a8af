// actors/admin/actor_registry.cpp — see actor_registry.hpp.
#include "actors/admin/actor_registry.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/admin/introspect.hpp"

namespace skald::actors {

namespace {

struct gather;

struct registry_state {
  static inline const char* name = "skald.actor_registry";
  struct slot {
    admin::actor_entry entry;
    caf::actor_addr addr;
  };
  /// Ordered by id: pages by id need no sort.
  std::map<uint64_t, slot> actors;
  std::map<std::string, uint64_t> kinds;
  admin::rate_tracker rates;
  admin::actor_stats admin;
  std::chrono::milliseconds timeout{2000};
  std::function<admin::node_summary()> node;
  /// Fan-outs waiting for answers, by id (their deadline message names them).
  std::map<uint64_t, std::shared_ptr<gather>> open;
  uint64_t next_gather = 1;
  /// Sorting by mailbox/rate/handled over more than direct_sample_max
  /// actors uses one shared sample of every actor, refreshed at most every
  /// max(1 s, 4 x the time the last one took): a page refreshing every second
  /// over 100k streams does not fan out 100k messages per request.
  struct sample {
    uint64_t mailbox = 0;
    uint64_t handled = 0;
    double rate = 0;
    bool answered = false;
  };
  std::unordered_map<uint64_t, sample> big_sample;
  int64_t big_sample_at = 0;
  int64_t big_sample_took = 0;
  bool big_sampling = false;
  /// The sweep filling the next big_sample: asynchronous high-priority
  /// `info` (no response handler each), at most sweep_window outstanding so
  /// that the answers never flood this mailbox ahead of a page's requests;
  /// answers arrive as (actor_info) messages. A progress tick every timeout
  /// gives up on outstanding ones when nothing arrived since the last tick.
  /// Listings wait for it at most sweep_wait, then use what it has so far
  /// (falling back to the previous sample per actor); it runs to the end.
  std::unordered_map<uint64_t, sample> sweep;
  std::vector<uint64_t> sweep_ids;
  size_t sweep_next = 0;
  size_t sweep_outstanding = 0;
  size_t sweep_answered = 0;
  size_t sweep_answered_at_tick = 0;
  uint64_t sweep_id = 0;
  int64_t sweep_started = 0;
  std::vector<std::function<void()>> waiting_for_sample;
};

constexpr size_t direct_sample_max = 1000;

using registry_ptr = actor_registry_actor::stateful_pointer<registry_state>;

/// One fan-out of info requests: `rows` (entries filled in) get their info;
/// `done` runs once, when every actor answered or at the deadline.
struct gather {
  uint64_t id = 0;
  bool finished = false;
  size_t pending = 1; // released after the fan-out loop
  /// Keep kind-specific state (false while sampling many actors to sort).
  bool keep_state = true;
  std::vector<admin::actor_row> rows;
  std::function<void(std::vector<admin::actor_row>&)> done;
};

void finish(registry_ptr self, const std::shared_ptr<gather>& g) {
  if (g->finished)
    return;
  g->finished = true;
  auto& st = self->state;
  st.open.erase(g->id);
  auto now = admin::coarse_now_ns();
  for (auto& r : g->rows)
    if (r.answered)
      r.rate = st.rates.observe(r.entry.id, r.info.handled, now);
  g->done(g->rows);
}

void done_one(registry_ptr self, const std::shared_ptr<gather>& g) {
  if (!g->finished && --g->pending == 0)
    finish(self, g);
}

admin::actor_info self_info(registry_ptr self) {
  auto& st = self->state;
  admin::actor_info out;
  out.mailbox = self->mailbox().size();
  out.handled = st.admin.handled;
  out.last_activity_ns = st.admin.last_activity_unix_ns();
  out.numbers["actors"] = static_cast<int64_t>(st.actors.size());
  out.numbers["open_listings"] = static_cast<int64_t>(st.open.size());
  out.numbers["last_sample_ms"] = st.big_sample_took / 1'000'000;
  return out;
}

/// Asks every row's actor for info with high priority. No timer per request
/// (CAF 0.17's clock thread would pay for each of 100k): one deadline
/// message per fan-out instead; late answers are ignored.
void ask_all(registry_ptr self, const std::shared_ptr<gather>& g) {
  auto& st = self->state;
  if (!g->rows.empty()) {
    // Armed before the fan-out: sending 100k requests takes time too.
    g->id = st.next_gather++;
    st.open.emplace(g->id, g);
    // High priority: ahead of the answers it bounds.
    self->delayed_send<caf::message_priority::high>(self, st.timeout, list_atom_v, g->id);
  }
  for (size_t i = 0; i < g->rows.size(); ++i) {
    auto id = g->rows[i].entry.id;
    if (id == self->id()) {
      g->rows[i].info = self_info(self);
      g->rows[i].answered = true;
      continue;
    }
    auto it = st.actors.find(id);
    auto h = it == st.actors.end() ? caf::actor{} : caf::actor_cast<caf::actor>(it->second.addr);
    if (!h)
      continue;
    ++g->pending;
    self->request<caf::message_priority::high>(h, caf::infinite, info_atom_v)
        .then(
            [self, g, i](admin::actor_info& info) {
              if (g->finished)
                return;
              auto& r = g->rows[i];
              r.info = std::move(info);
              if (!g->keep_state) {
                r.info.numbers.clear();
                r.info.strings.clear();
              }
              r.answered = true;
              done_one(self, g);
            },
            [self, g](caf::error&) { done_one(self, g); });
  }
  done_one(self, g);
}

/// Full rows (entry + info with state) for `ids`, in that order.
void fetch_rows(registry_ptr self, const std::vector<uint64_t>& ids,
                std::function<void(std::vector<admin::actor_row>&)> done) {
  auto& st = self->state;
  auto g = std::make_shared<gather>();
  g->done = std::move(done);
  for (auto id : ids)
    if (auto it = st.actors.find(id); it != st.actors.end()) {
      admin::actor_row r;
      r.entry = it->second.entry;
      g->rows.push_back(std::move(r));
    }
  ask_all(self, g);
}

constexpr size_t sweep_window = 1000;
constexpr std::chrono::milliseconds sweep_wait{1000};

void release_waiting(registry_ptr self) {
  auto& st = self->state;
  auto waiting = std::move(st.waiting_for_sample);
  st.waiting_for_sample.clear();
  for (auto& f : waiting)
    f();
}

void finish_sweep(registry_ptr self) {
  auto& st = self->state;
  if (!st.big_sampling)
    return;
  st.big_sample.swap(st.sweep);
  st.sweep.clear();
  st.sweep_ids.clear();
  st.big_sample_at = admin::coarse_now_ns();
  st.big_sample_took = st.big_sample_at - st.sweep_started;
  st.big_sampling = false;
  release_waiting(self);
}

/// Sends `info` to the next actors of the sweep until sweep_window are
/// outstanding; finishes the sweep when every actor was asked and answered.
void sweep_more(registry_ptr self) {
  auto& st = self->state;
  while (st.sweep_outstanding < sweep_window && st.sweep_next < st.sweep_ids.size()) {
    auto it = st.actors.find(st.sweep_ids[st.sweep_next++]);
    if (it == st.actors.end())
      continue;
    // Every enlisted actor answers info (introspect.hpp).
    auto h = caf::actor_cast<caf::typed_actor<info_handler_t>>(it->second.addr);
    if (!h)
      continue;
    ++st.sweep_outstanding;
    self->send<caf::message_priority::high>(h, info_atom_v);
  }
  if (st.sweep_outstanding == 0 && st.sweep_next >= st.sweep_ids.size())
    finish_sweep(self);
}

/// A sample (mailbox, handled, rate) of actor `id`: this sweep's answer, else
/// the previous sample's; nullptr if neither has one.
const registry_state::sample* sample_of(registry_ptr self, uint64_t id) {
  auto& st = self->state;
  if (auto it = st.sweep.find(id); it != st.sweep.end())
    return &it->second;
  if (auto it = st.big_sample.find(id); it != st.big_sample.end())
    return &it->second;
  return nullptr;
}

/// Runs `k` once the shared sample of every actor is fresh enough, or after
/// sweep_wait with what the running sweep has so far.
void with_big_sample(registry_ptr self, std::function<void()> k) {
  auto& st = self->state;
  const auto now = admin::coarse_now_ns();
  const auto max_age = std::max<int64_t>(1'000'000'000, 4 * st.big_sample_took);
  if (st.big_sample_at > 0 && now - st.big_sample_at < max_age) {
    k();
    return;
  }
  st.waiting_for_sample.push_back(std::move(k));
  if (st.big_sampling)
    return;
  st.big_sampling = true;
  st.sweep.clear();
  st.sweep.reserve(st.actors.size());
  st.sweep_ids.clear();
  st.sweep_ids.reserve(st.actors.size());
  st.sweep_next = 0;
  st.sweep_outstanding = 0;
  st.sweep_answered = 0;
  st.sweep_answered_at_tick = 0;
  st.sweep_id = st.next_gather;
  st.next_gather += 2; // sweep_id: progress ticks; sweep_id + 1: release the waiting
  st.sweep_started = now;
  for (const auto& [id, s] : st.actors) {
    if (id == self->id()) {
      auto info = self_info(self);
      st.sweep[id] = registry_state::sample{info.mailbox, info.handled,
                                            st.rates.observe(id, info.handled, now), true};
      continue;
    }
    st.sweep_ids.push_back(id);
  }
  self->delayed_send<caf::message_priority::high>(self, st.timeout, list_atom_v, st.sweep_id);
  self->delayed_send<caf::message_priority::high>(self, sweep_wait, list_atom_v,
                                                  st.sweep_id + 1);
  sweep_more(self);
}

actor_registry_actor::behavior_type registry_fn(registry_ptr self,
                                                std::chrono::milliseconds timeout,
                                                std::function<admin::node_summary()> node) {
  self->state.timeout = timeout;
  self->state.node = std::move(node);
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& st = self->state;
    auto it = st.actors.find(msg.source.id());
    if (it == st.actors.end())
      return;
    if (auto k = st.kinds.find(it->second.entry.kind); k != st.kinds.end() && --k->second == 0)
      st.kinds.erase(k);
    st.rates.forget(it->first);
    st.actors.erase(it);
  });
  // The registry lists itself like any other actor.
  {
    admin::actor_entry e;
    e.id = self->id();
    e.kind = "actor_registry";
    e.name = "actor registry";
    e.started_ns = admin::wall_now_ns();
    self->state.actors.emplace(e.id, registry_state::slot{e, self->address()});
    ++self->state.kinds[e.kind];
  }
  return admin_behavior<actor_registry_actor::behavior_type>(
      self, [self](admin::actor_info& out) { out = self_info(self); },
      [self](enlist_atom, const caf::actor& h, admin::actor_entry& e) {
        if (!h)
          return;
        auto& st = self->state;
        e.id = h.id();
        if (st.actors.count(e.id) != 0)
          return;
        self->monitor(h);
        ++st.kinds[e.kind];
        st.actors.emplace(e.id, registry_state::slot{std::move(e), h.address()});
      },
      [self](list_atom, admin::actor_query& q) -> caf::result<admin::actor_page> {
        auto& st = self->state;
        auto rp = self->make_response_promise<admin::actor_page>();
        auto page = std::make_shared<admin::actor_page>();
        page->offset = q.offset;
        page->limit = q.limit;
        page->kinds = st.kinds;
        auto deliver = [rp, page](std::vector<admin::actor_row>& rows) mutable {
          page->rows = std::move(rows);
          rp.deliver(std::move(*page));
        };
        std::vector<const registry_state::slot*> hits;
        for (const auto& [id, s] : st.actors)
          if (admin::matches(q, s.entry))
            hits.push_back(&s);
        page->total = hits.size();
        auto page_ids = [q](std::vector<admin::actor_row>& rows) {
          admin::sort_rows(rows, q);
          admin::cut_page(rows, q);
          std::vector<uint64_t> ids;
          for (const auto& r : rows)
            ids.push_back(r.entry.id);
          return ids;
        };
        if (admin::sort_needs_info(q.sort) && hits.size() > direct_sample_max) {
          // Many matches: order by the shared sample, then fetch the page.
          std::vector<uint64_t> ids;
          ids.reserve(hits.size());
          for (const auto* h : hits)
            ids.push_back(h->entry.id);
          with_big_sample(self, [self, ids = std::move(ids), q, deliver]() mutable {
            // Sort keys only (no row per actor), the page picked by
            // nth_element: O(n) for 100k actors.
            std::vector<admin::sort_item> items(ids.size());
            for (size_t i = 0; i < ids.size(); ++i) {
              items[i].id = ids[i];
              if (const auto* smp = sample_of(self, ids[i])) {
                items[i].mailbox = smp->mailbox;
                items[i].handled = smp->handled;
                items[i].rate = smp->rate;
              }
            }
            fetch_rows(self, admin::select_page(items, q), deliver);
          });
        } else if (admin::sort_needs_info(q.sort)) {
          // Sample every matching actor (numbers only), sort, then fetch the
          // page's full rows.
          auto g = std::make_shared<gather>();
          g->keep_state = false;
          g->rows.resize(hits.size());
          for (size_t i = 0; i < hits.size(); ++i)
            g->rows[i].entry.id = hits[i]->entry.id;
          g->done = [self, page_ids, deliver](std::vector<admin::actor_row>& rows) mutable {
            fetch_rows(self, page_ids(rows), deliver);
          };
          ask_all(self, g);
        } else if (q.sort == admin::sort_key::id) {
          // Already in id order: no copy of the other entries.
          std::vector<uint64_t> ids;
          auto n = static_cast<uint64_t>(hits.size());
          for (uint64_t k = q.offset; k < n && ids.size() < q.limit; ++k)
            ids.push_back(hits[q.descending ? n - 1 - k : k]->entry.id);
          fetch_rows(self, ids, deliver);
        } else {
          // By name or start: sort keys pointing into the entries (no copy of
          // 100k names), the page picked by nth_element.
          std::vector<admin::sort_item> items(hits.size());
          for (size_t i = 0; i < hits.size(); ++i) {
            items[i].id = hits[i]->entry.id;
            items[i].name = &hits[i]->entry.name;
            items[i].started_ns = hits[i]->entry.started_ns;
          }
          fetch_rows(self, admin::select_page(items, q), deliver);
        }
        return rp;
      },
      [self](admin::actor_info& info) {
        // A sweep's answer (see with_big_sample).
        auto& st = self->state;
        const auto& src = self->current_sender();
        if (!st.big_sampling || !src)
          return;
        auto id = src->id();
        auto [it, fresh] = st.sweep.try_emplace(id);
        if (!fresh)
          return;
        it->second = registry_state::sample{
            info.mailbox, info.handled,
            st.rates.observe(id, info.handled, admin::coarse_now_ns()), true};
        ++st.sweep_answered;
        if (st.sweep_outstanding > 0)
          --st.sweep_outstanding;
        sweep_more(self);
      },
      [self](list_atom, uint64_t gather_id) {
        // A fan-out's deadline: deliver what arrived.
        auto& st = self->state;
        if (st.big_sampling && gather_id == st.sweep_id + 1) {
          release_waiting(self); // listings go on with the sample so far
          return;
        }
        if (st.big_sampling && gather_id == st.sweep_id) {
          // Progress tick: nothing arrived since the last one -> the
          // outstanding actors are not answering; go on without them.
          if (st.sweep_answered == st.sweep_answered_at_tick)
            st.sweep_outstanding = 0;
          st.sweep_answered_at_tick = st.sweep_answered;
          sweep_more(self);
          if (st.big_sampling)
            self->delayed_send<caf::message_priority::high>(self, st.timeout, list_atom_v,
                                                            st.sweep_id);
          return;
        }
        if (auto it = st.open.find(gather_id); it != st.open.end()) {
          auto g = it->second;
          finish(self, g);
        }
      },
      [self](lookup_atom, uint64_t id) -> caf::result<admin::actor_page> {
        auto& st = self->state;
        auto rp = self->make_response_promise<admin::actor_page>();
        admin::actor_page page;
        page.kinds = st.kinds;
        fetch_rows(self, {id}, [rp, page](std::vector<admin::actor_row>& rows) mutable {
          page.total = rows.size();
          page.limit = 1;
          page.rows = std::move(rows);
          rp.deliver(std::move(page));
        });
        return rp;
      },
      [self](lookup_atom, const std::string& kind) -> caf::actor {
        for (const auto& [id, s] : self->state.actors)
          if (s.entry.kind == kind)
            if (auto h = caf::actor_cast<caf::actor>(s.addr))
              return h;
        return {};
      },
      [self](node_atom) {
        auto& st = self->state;
        auto n = st.node ? st.node() : admin::node_summary{};
        n.actors = st.kinds;
        return n;
      });
}

} // namespace

actor_registry_actor spawn_actor_registry(caf::actor_system& sys,
                                          std::chrono::milliseconds timeout,
                                          std::function<admin::node_summary()> node) {
  return sys.spawn(registry_fn, timeout, std::move(node));
}

} // namespace skald::actors
