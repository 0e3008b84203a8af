// actors/cluster/cluster.cpp — directory, ingester gateway and ring watcher
// behaviours (see cluster.hpp). Decisions (lookup, replication sets) are in
// runtime/cluster/ring_view; this file moves messages and tracks peers.
#include "actors/cluster/cluster.hpp"

#include <algorithm>
#include <cstdlib>
#include <map>
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
            .then(
                [rp](select_reply_ptr& rep) mutable {
                  auto w = encode_select_reply(*rep);
                  if (w.ok())
                    rp.deliver(std::move(*w));
                  else
                    rp.deliver(caf::make_error(caf::sec::runtime_error, w.error().message()));
                },
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

/// The directory of one ring instance, found at the instance's addr.
struct peer {
  std::string host;
  uint16_t port = 0;
  directory_actor dir;
  bool connecting = false;
  bool in_flight = false;
  bool have_info = false;
  node_info info;
};

struct watcher_state {
  static inline const char* name = "skald.ring_watcher";
  ring_watcher_deps deps;
  /// The ring member's last snapshot (null until the first arrives).
  ring_snapshot ring;
  /// addr -> its directory.
  std::map<std::string, peer> peers;
};

using watcher_ptr = caf::stateful_actor<watcher_state>*;

/// Builds the routing view from the member's ring and the directories:
/// an instance whose directory is unreachable (down_msg, failed connect)
/// is unhealthy here even while its last heartbeat is recent.
void publish(watcher_ptr self) {
  auto& st = self->state;
  if (!st.ring)
    return;
  const auto& me = *st.deps.self;
  auto view = std::make_shared<cluster_view>();
  ring::ring_desc desc = st.ring->desc;
  for (auto& [id, inst] : desc.ingesters) {
    if (inst.state == ring::instance_state::left)
      continue;
    if (id == me.id && me.ingester) {
      view->endpoints[id] = ingester_endpoint{me.ingester, remote_ingester_actor{}};
      continue;
    }
    auto p = st.peers.find(inst.addr);
    if (p != st.peers.end() && p->second.dir && p->second.have_info && p->second.info.ingester) {
      view->endpoints[id] = ingester_endpoint{
          ingester_actor{}, caf::actor_cast<remote_ingester_actor>(p->second.info.ingester)};
    } else {
      inst.timestamp = 0; // unreachable: past any heartbeat timeout
    }
  }
  view->view = ring::ring_view{desc, st.ring->options};
  view->now_ms = st.ring->now_ms;
  st.deps.holder->set(std::move(view));
}

void poll_peer(watcher_ptr self, const std::string& addr) {
  auto it = self->state.peers.find(addr);
  if (it == self->state.peers.end())
    return;
  auto& p = it->second;
  const auto timeout = caf::duration{self->state.deps.request_timeout};
  if (!p.dir) {
    if (p.connecting)
      return;
    p.connecting = true;
    auto mm = self->system().middleman().actor_handle();
    self->request(mm, timeout, caf::connect_atom::value, p.host, p.port)
        .then(
            [self, addr](const caf::node_id&, caf::strong_actor_ptr& ptr,
                         const std::set<std::string>&) {
              auto it = self->state.peers.find(addr);
              if (it == self->state.peers.end())
                return;
              it->second.connecting = false;
              if (!ptr)
                return;
              it->second.dir = caf::actor_cast<directory_actor>(ptr);
              self->monitor(it->second.dir);
              poll_peer(self, addr);
            },
            [self, addr](caf::error&) {
              auto it = self->state.peers.find(addr);
              if (it != self->state.peers.end())
                it->second.connecting = false;
            });
    return;
  }
  if (p.have_info || p.in_flight)
    return;
  p.in_flight = true;
  self->request(p.dir, timeout, lookup_atom_v)
      .then(
          [self, addr](node_info& info) {
            auto it = self->state.peers.find(addr);
            if (it == self->state.peers.end())
              return;
            it->second.in_flight = false;
            it->second.info = std::move(info);
            it->second.have_info = true;
            publish(self);
          },
          [self, addr](caf::error&) {
            auto it = self->state.peers.find(addr);
            if (it != self->state.peers.end())
              it->second.in_flight = false;
          });
}

caf::behavior watcher_fn(watcher_ptr self, ring_watcher_deps deps) {
  self->state.deps = std::move(deps);
  self->set_down_handler([self](caf::down_msg& m) {
    for (auto& [addr, p] : self->state.peers)
      if (p.dir && p.dir.address() == m.source) {
        p.dir = nullptr;
        p.in_flight = false;
        p.have_info = false; // a restarted node has a new gateway
      }
    publish(self);
  });
  if (self->state.deps.member)
    self->send(self->state.deps.member, ring_sub_atom_v, caf::actor{self});
  self->send(self, caf::tick_atom::value);
  return {
      [self](ring_changed_atom, const ring_snapshot& snap) {
        auto& st = self->state;
        st.ring = snap;
        if (!snap)
          return;
        for (const auto& [id, inst] : snap->desc.ingesters) {
          if (id == st.deps.self->id || inst.state == ring::instance_state::left ||
              st.peers.count(inst.addr) > 0)
            continue;
          auto colon = inst.addr.rfind(':');
          if (colon == std::string::npos)
            continue;
          peer p;
          p.host = inst.addr.substr(0, colon);
          p.port = static_cast<uint16_t>(std::atoi(inst.addr.c_str() + colon + 1));
          st.peers.emplace(inst.addr, std::move(p));
          poll_peer(self, inst.addr);
        }
        publish(self);
      },
      [self](caf::tick_atom) {
        std::vector<std::string> addrs;
        for (const auto& [addr, p] : self->state.peers)
          addrs.push_back(addr);
        for (const auto& a : addrs)
          poll_peer(self, a);
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
