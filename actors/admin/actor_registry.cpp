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

/// Runs `k` once the shared sample of every actor is fresh enough.
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
  auto g = std::make_shared<gather>();
  g->keep_state = false;
  g->rows.resize(st.actors.size());
  size_t i = 0;
  for (const auto& [id, s] : st.actors)
    g->rows[i++].entry.id = id;
  g->done = [self, started = now](std::vector<admin::actor_row>& rows) {
    auto& st = self->state;
    st.big_sample.clear();
    st.big_sample.reserve(rows.size());
    for (const auto& r : rows)
      st.big_sample[r.entry.id] =
          registry_state::sample{r.info.mailbox, r.info.handled, r.rate, r.answered};
    st.big_sample_at = admin::coarse_now_ns();
    st.big_sample_took = st.big_sample_at - started;
    st.big_sampling = false;
    auto waiting = std::move(st.waiting_for_sample);
    st.waiting_for_sample.clear();
    for (auto& f : waiting)
      f();
  };
  ask_all(self, g);
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
          with_big_sample(self, [self, ids = std::move(ids), page_ids, deliver]() mutable {
            auto& st = self->state;
            std::vector<admin::actor_row> rows(ids.size());
            for (size_t i = 0; i < ids.size(); ++i) {
              rows[i].entry.id = ids[i];
              if (auto it = st.big_sample.find(ids[i]); it != st.big_sample.end()) {
                rows[i].info.mailbox = it->second.mailbox;
                rows[i].info.handled = it->second.handled;
                rows[i].rate = it->second.rate;
                rows[i].answered = it->second.answered;
              }
            }
            fetch_rows(self, page_ids(rows), deliver);
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
          std::vector<admin::actor_row> rows(hits.size());
          for (size_t i = 0; i < hits.size(); ++i)
            rows[i].entry = hits[i]->entry;
          fetch_rows(self, page_ids(rows), deliver);
        }
        return rp;
      },
      [self](list_atom, uint64_t gather_id) {
        // A fan-out's deadline: deliver what arrived.
        auto& st = self->state;
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
