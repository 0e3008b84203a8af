// actors/cluster/cluster.cpp — directory, ingester gateway and ring watcher
// behaviours (see cluster.hpp). Decisions (lookup, replication sets) are in
// runtime/cluster/ring_view; this file moves messages and tracks peers.
#include "actors/cluster/cluster.hpp"

#include <algorithm>
#include <utility>

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "runtime/util/logging.hpp"

namespace skald::actors {

namespace {

int64_t steady_ns(caf::local_actor* self) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             self->clock().now().time_since_epoch())
      .count();
}

bool has_role(const std::vector<std::string>& roles, const char* role) {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

// -- ingester gateway ---------------------------------------------------------

remote_ingester_actor::behavior_type gateway_fn(remote_ingester_actor::pointer self,
                                                ingester_actor local,
                                                std::chrono::nanoseconds timeout) {
  return {
      [=](push_atom, const ingest_wire& w) -> caf::result<ingest_reply> {
        if (!w.bytes)
          return ingest_reply{500, "malformed ingest message", 0};
        auto b = decode_ingest(*w.bytes);
        if (!b.ok())
          return ingest_reply{500, b.error().message(), 0};
        ingest_ptr p = std::make_shared<const push_batch>(std::move(*b));
        return self->delegate(local, push_atom_v, std::move(p));
      },
      [=](select_atom, const select_wire& w) -> caf::result<select_reply_wire> {
        if (!w.bytes)
          return caf::make_error(caf::sec::invalid_argument, "malformed select message");
        auto r = decode_select(*w.bytes);
        if (!r.ok())
          return caf::make_error(caf::sec::invalid_argument, r.error().message());
        auto rp = self->make_response_promise<select_reply_wire>();
        select_request_ptr req = std::make_shared<const select_request>(std::move(*r));
        self->request(local, caf::duration{timeout}, select_atom_v, std::move(req))
            .then([rp](select_reply_ptr& rep) mutable { rp.deliver(encode_select_reply(*rep)); },
                  [rp](caf::error& e) mutable { rp.deliver(std::move(e)); });
        return rp;
      },
  };
}

// -- directory ----------------------------------------------------------------

directory_actor::behavior_type directory_fn(directory_actor::pointer,
                                            std::shared_ptr<const local_node> n) {
  return {
      [n](lookup_atom) {
        node_info i;
        i.id = n->id;
        i.addr = n->addr;
        i.state = n->state ? n->state->load() : 0;
        i.tokens = n->tokens;
        i.roles = n->roles;
        i.ingester = caf::actor_cast<caf::actor>(n->gateway);
        return i;
      },
  };
}

// -- ring watcher -------------------------------------------------------------

struct peer {
  std::string addr;
  std::string host;
  uint16_t port = 0;
  directory_actor dir;
  bool connecting = false;
  bool in_flight = false;
  bool have_info = false;
  node_info info;
  int64_t last_ok_ns = 0;
};

struct watcher_state {
  static inline const char* name = "skald.ring_watcher";
  ring_watcher_deps deps;
  std::vector<peer> peers;
};

using watcher_ptr = caf::stateful_actor<watcher_state>*;

void publish(watcher_ptr self) {
  auto& st = self->state;
  const auto& me = *st.deps.self;
  const int64_t now = steady_ns(self);
  // Health is decided here; the view sees it as a fresh or an ancient heartbeat.
  const int64_t now_ms = now / 1'000'000 + 1'000'000; // > 0 even on a test clock at 0
  ring::ring_desc desc;
  auto snap = std::make_shared<ring_snapshot>();
  int distributors = has_role(me.roles, "distributor") ? 1 : 0;
  if (me.ingester) {
    auto state = static_cast<ring::instance_state>(me.state ? me.state->load() : 0);
    desc.add_instance(me.id, me.addr, "", me.tokens, state, now_ms, now_ms);
    snap->endpoints[me.id] = ingester_endpoint{me.ingester, remote_ingester_actor{}};
  }
  for (const auto& p : st.peers) {
    if (!p.have_info || p.info.id == me.id)
      continue;
    const bool healthy = p.dir && now - p.last_ok_ns <= st.deps.heartbeat_timeout.count();
    if (healthy && has_role(p.info.roles, "distributor"))
      ++distributors;
    if (!p.info.ingester || snap->endpoints.count(p.info.id) > 0)
      continue;
    desc.add_instance(p.info.id, p.info.addr, "", p.info.tokens,
                      static_cast<ring::instance_state>(p.info.state), healthy ? now_ms : 1, 1);
    snap->endpoints[p.info.id] = ingester_endpoint{
        ingester_actor{}, caf::actor_cast<remote_ingester_actor>(p.info.ingester)};
  }
  ring::ring_options opts;
  opts.replication_factor = st.deps.replication_factor;
  opts.heartbeat_timeout_ms = 60'000;
  snap->view = ring::ring_view{desc, opts};
  snap->now_ms = now_ms;
  snap->distributors = std::max(1, distributors);
  st.deps.holder->set(std::move(snap));
}

void poll_peer(watcher_ptr self, size_t idx) {
  auto& p = self->state.peers[idx];
  const auto timeout = caf::duration{self->state.deps.request_timeout};
  if (!p.dir) {
    if (p.connecting)
      return;
    p.connecting = true;
    auto mm = self->system().middleman().actor_handle();
    self->request(mm, timeout, caf::connect_atom::value, p.host, p.port)
        .then(
            [self, idx](const caf::node_id&, caf::strong_actor_ptr& ptr,
                        const std::set<std::string>&) {
              auto& p = self->state.peers[idx];
              p.connecting = false;
              if (!ptr)
                return;
              p.dir = caf::actor_cast<directory_actor>(ptr);
              self->monitor(p.dir);
              poll_peer(self, idx);
            },
            [self, idx](caf::error&) { self->state.peers[idx].connecting = false; });
    return;
  }
  if (p.in_flight)
    return;
  p.in_flight = true;
  self->request(p.dir, timeout, lookup_atom_v)
      .then(
          [self, idx](node_info& info) {
            auto& p = self->state.peers[idx];
            p.in_flight = false;
            p.info = std::move(info);
            p.have_info = true;
            p.last_ok_ns = steady_ns(self);
          },
          [self, idx](caf::error&) { self->state.peers[idx].in_flight = false; });
}

caf::behavior watcher_fn(watcher_ptr self, ring_watcher_deps deps) {
  auto& st = self->state;
  for (const auto& a : deps.peers) {
    if (a == deps.self->addr)
      continue; // this node: its entry comes from deps.self
    auto colon = a.rfind(':');
    if (colon == std::string::npos)
      continue;
    peer p;
    p.addr = a;
    p.host = a.substr(0, colon);
    p.port = static_cast<uint16_t>(std::stoi(a.substr(colon + 1)));
    st.peers.push_back(std::move(p));
  }
  st.deps = std::move(deps);
  self->set_down_handler([self](caf::down_msg& m) {
    for (auto& p : self->state.peers)
      if (p.dir && p.dir.address() == m.source) {
        p.dir = nullptr;
        p.in_flight = false;
        p.last_ok_ns = 0; // unhealthy now, not after heartbeat_timeout
      }
    publish(self);
  });
  publish(self);
  self->send(self, caf::tick_atom::value);
  return {
      [self](caf::tick_atom) {
        for (size_t i = 0; i < self->state.peers.size(); ++i)
          poll_peer(self, i);
        publish(self);
        self->delayed_send(self, self->state.deps.poll_interval, caf::tick_atom::value);
      },
  };
}

} // namespace

remote_ingester_actor spawn_ingester_gateway(caf::actor_system& sys, ingester_actor local,
                                             std::chrono::nanoseconds timeout) {
  return sys.spawn(gateway_fn, std::move(local), timeout);
}

directory_actor spawn_directory(caf::actor_system& sys, std::shared_ptr<const local_node> self) {
  return sys.spawn(directory_fn, std::move(self));
}

caf::actor spawn_ring_watcher(caf::actor_system& sys, ring_watcher_deps deps) {
  return sys.spawn(watcher_fn, std::move(deps));
}

} // namespace skald::actors
