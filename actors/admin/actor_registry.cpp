// actors/admin/actor_registry.cpp — see actor_registry.hpp.
#include "actors/admin/actor_registry.hpp"

#include <map>
#include <memory>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/admin/introspect.hpp"

namespace skald::actors {

namespace {

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
  caf::duration timeout{std::chrono::seconds{2}};
};

using registry_ptr = actor_registry_actor::stateful_pointer<registry_state>;

/// Gathers info for `rows` (high priority), then sorts/cuts and delivers.
struct gather {
  caf::typed_response_promise<admin::actor_page> rp;
  admin::actor_page page;
  admin::actor_query query;
  bool cut_after = false;
  size_t pending = 1; // released after the fan-out loop

  void done_one(registry_ptr self) {
    if (--pending != 0)
      return;
    auto now = admin::coarse_now_ns();
    for (auto& r : page.rows)
      if (r.answered)
        r.rate = self->state.rates.observe(r.entry.id, r.info.handled, now);
    if (cut_after) {
      admin::sort_rows(page.rows, query);
      admin::cut_page(page.rows, query);
    }
    rp.deliver(std::move(page));
  }
};

admin::actor_info self_info(registry_ptr self) {
  auto& st = self->state;
  admin::actor_info out;
  out.mailbox = self->mailbox().size();
  out.handled = st.admin.handled;
  out.last_activity_ns = st.admin.last_activity_unix_ns();
  out.numbers["actors"] = static_cast<int64_t>(st.actors.size());
  return out;
}

void ask_all(registry_ptr self, const std::shared_ptr<gather>& g) {
  auto& st = self->state;
  for (size_t i = 0; i < g->page.rows.size(); ++i) {
    auto id = g->page.rows[i].entry.id;
    if (id == self->id()) {
      g->page.rows[i].info = self_info(self);
      g->page.rows[i].answered = true;
      continue;
    }
    auto it = st.actors.find(id);
    auto h = it == st.actors.end() ? caf::actor{} : caf::actor_cast<caf::actor>(it->second.addr);
    if (!h)
      continue;
    ++g->pending;
    self->request<caf::message_priority::high>(h, st.timeout, info_atom_v)
        .then(
            [self, g, i](admin::actor_info& info) {
              g->page.rows[i].info = std::move(info);
              g->page.rows[i].answered = true;
              g->done_one(self);
            },
            [self, g](caf::error&) { g->done_one(self); });
  }
  g->done_one(self);
}

actor_registry_actor::behavior_type registry_fn(registry_ptr self,
                                                std::chrono::milliseconds timeout) {
  self->state.timeout = caf::duration{timeout};
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
      self,
      [self](admin::actor_info& out) {
        out.numbers["actors"] = static_cast<int64_t>(self->state.actors.size());
      },
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
        auto g = std::make_shared<gather>();
        g->rp = self->make_response_promise<admin::actor_page>();
        g->page.offset = q.offset;
        g->page.limit = q.limit;
        g->page.kinds = st.kinds;
        for (const auto& [id, s] : st.actors)
          if (admin::matches(q, s.entry)) {
            admin::actor_row r;
            r.entry = s.entry;
            g->page.rows.push_back(std::move(r));
          }
        g->page.total = g->page.rows.size();
        if (admin::sort_needs_info(q.sort)) {
          g->cut_after = true; // every matching actor is asked, then sorted
        } else {
          admin::sort_rows(g->page.rows, q);
          admin::cut_page(g->page.rows, q);
        }
        g->query = std::move(q);
        ask_all(self, g);
        return g->rp;
      },
      [self](lookup_atom, uint64_t id) -> caf::result<admin::actor_page> {
        auto& st = self->state;
        auto g = std::make_shared<gather>();
        g->rp = self->make_response_promise<admin::actor_page>();
        g->page.kinds = st.kinds;
        if (auto it = st.actors.find(id); it != st.actors.end()) {
          admin::actor_row r;
          r.entry = it->second.entry;
          g->page.rows.push_back(std::move(r));
          g->page.total = 1;
          g->page.limit = 1;
        }
        ask_all(self, g);
        return g->rp;
      },
      [self](lookup_atom, const std::string& kind) -> caf::actor {
        for (const auto& [id, s] : self->state.actors)
          if (s.entry.kind == kind)
            if (auto h = caf::actor_cast<caf::actor>(s.addr))
              return h;
        return {};
      });
}

} // namespace

actor_registry_actor spawn_actor_registry(caf::actor_system& sys,
                                          std::chrono::milliseconds timeout) {
  return sys.spawn(registry_fn, timeout);
}

} // namespace skald::actors
