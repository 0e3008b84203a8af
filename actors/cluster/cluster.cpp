// actors/cluster/cluster.cpp — directory, ingester gateway and ring watcher
// behaviours (see cluster.hpp). Decisions (lookup, replication sets) are in
// runtime/cluster/ring_view; this file moves messages and tracks peers.
#include "actors/cluster/cluster.hpp"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/admin/introspect.hpp"
#include "runtime/util/logging.hpp"

namespace skald::actors {

namespace {

// The gateway and the directory also answer the admin console's `info`
// (the interfaces other nodes see, messages/interfaces/cluster_actor.hpp,
// stay as they are: these handles convert to them).
using gateway_actor = remote_ingester_actor::extend<info_handler_t>;
using directory_admin_actor = directory_actor::extend<info_handler_t>;

// -- tail relay -----------------------------------------------------------------

/// One remote tailer's stand-in on this node: subscribed to the local
/// ingester exactly like a local tailer (its tail_request carries this
/// actor), it forwards what the streams hand it, coalesced into one
/// tail_batch_wire per mailbox drain, with what they dropped. The
/// subscription's inflight window spans the network: entries count until
/// the tailer acknowledges them (tail_ack_atom), so a slow or stalled
/// querier makes the streams drop, never queue.
struct relay_state {
  static inline const char* name = "skald.tail_relay";
  admin::actor_stats admin;
  std::shared_ptr<tail::subscription> sub;
  caf::actor tailer;
  std::vector<tail_batch_ptr> pending;
  bool flush_pending = false;
  /// subscription::dropped_total() when the drops were last taken.
  uint64_t dropped_taken = 0;
  uint64_t messages = 0;
  uint64_t entries = 0;
};

using relay_ptr = caf::stateful_actor<relay_state>*;

void relay_end(relay_ptr self) {
  self->state.sub->close(); // streams and the tenant forget it on their next append / tail
  self->quit();
}

void relay_schedule(relay_ptr self) {
  if (!self->state.flush_pending) {
    self->state.flush_pending = true;
    self->send(self, tail_tick_atom_v); // after what is already in the mailbox
  }
}

caf::behavior relay_fn(relay_ptr self, std::shared_ptr<tail::subscription> sub, caf::actor tailer,
                       caf::actor_addr gateway) {
  auto& st = self->state;
  enlist(self, "tail_relay",
         "tail relay for " + caf::to_string(tailer.node()) + " tenant=" + sub->tenant(),
         gateway.id(), sub->tenant());
  st.sub = std::move(sub);
  st.tailer = std::move(tailer);
  // The tailer's end (or its node's death: remote_link_unreachable) and the
  // gateway's (node shutdown) end the relay.
  self->monitor(st.tailer);
  if (auto gw = caf::actor_cast<caf::actor>(gateway))
    self->monitor(gw);
  self->set_down_handler([self](caf::down_msg&) { relay_end(self); });
  self->attach_functor([s = st.sub] { s->close(); });
  auto fill = [self](admin::actor_info& out) {
    auto& st = self->state;
    out.numbers["messages"] = static_cast<int64_t>(st.messages);
    out.numbers["entries"] = static_cast<int64_t>(st.entries);
    out.numbers["inflight"] = static_cast<int64_t>(st.sub->inflight());
    out.numbers["dropped"] = static_cast<int64_t>(st.sub->dropped_total());
  };
  return admin_behavior<caf::behavior>(
      self, fill,
      [self](tail_atom, const tail_batch_ptr& b) {
        self->state.pending.push_back(b);
        relay_schedule(self);
      },
      [self](tail_tick_atom) {
        auto& st = self->state;
        st.flush_pending = false;
        std::vector<tail::dropped_entry> dropped;
        if (st.sub->dropped_total() != st.dropped_taken) {
          st.dropped_taken = st.sub->dropped_total();
          dropped = st.sub->take_dropped();
        }
        if (st.pending.empty() && dropped.empty())
          return;
        for (const auto& b : st.pending)
          st.entries += b->stored.size();
        ++st.messages;
        auto w = encode_tail_batches(st.pending, dropped);
        st.pending.clear();
        self->send(st.tailer, tail_atom_v, std::move(w));
      },
      [self](tail_ack_atom, uint32_t n) {
        auto& st = self->state;
        st.sub->release(n);
        if (st.sub->dropped_total() != st.dropped_taken)
          relay_schedule(self); // report what was dropped while the tailer was behind
      },
      [self](stop_atom) { relay_end(self); });
}

// -- ingester gateway ---------------------------------------------------------

struct gateway_state {
  static inline const char* name = "skald.ingester_gateway";
  admin::actor_stats admin;
  uint64_t pushes = 0;
  uint64_t selects = 0;
  uint64_t tails = 0;
  uint64_t malformed = 0;
};

gateway_actor::behavior_type gateway_fn(gateway_actor::stateful_pointer<gateway_state> self,
                                        ingester_actor local,
           std::chrono::nanoseconds timeout) {
  enlist(self, "ingester_gateway", "ingester gateway");
  auto fill = [self](admin::actor_info& out) {
    out.numbers["pushes"] = static_cast<int64_t>(self->state.pushes);
    out.numbers["selects"] = static_cast<int64_t>(self->state.selects);
    out.numbers["tails"] = static_cast<int64_t>(self->state.tails);
    out.numbers["malformed"] = static_cast<int64_t>(self->state.malformed);
  };
  return admin_behavior<gateway_actor::behavior_type>(
      self, fill,
      [=](push_atom, const ingest_wire& w) -> caf::result<ingest_reply> {
        ++self->state.pushes;
        if (!w.bytes) {
          ++self->state.malformed;
          return ingest_reply{500, "malformed ingest message", 0};
        }
        auto b = decode_ingest(*w.bytes);
        if (!b.ok()) {
          ++self->state.malformed;
          return ingest_reply{500, b.error().message(), 0};
        }
        ingest_ptr p = std::make_shared<const push_batch>(std::move(*b));
        return self->delegate(local, push_atom_v, std::move(p));
      },
      [=](select_atom, const select_wire& w) -> caf::result<select_reply_wire> {
        ++self->state.selects;
        if (!w.bytes) {
          ++self->state.malformed;
          return caf::make_error(caf::sec::invalid_argument, "malformed select message");
        }
        auto r = decode_select(*w.bytes);
        if (!r.ok()) {
          ++self->state.malformed;
          return caf::make_error(caf::sec::invalid_argument, r.error().message());
        }
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
      [=](tail_atom, const tail_sub_wire& w,
          const caf::actor& tailer) -> caf::result<std::string, caf::actor> {
        ++self->state.tails;
        auto d = w.bytes ? decode_tail_sub(*w.bytes)
                         : result<tail_sub>{status{errc::invalid_argument, "empty tail message"}};
        if (!d.ok() || !tailer) {
          ++self->state.malformed;
          return {d.ok() ? std::string{"malformed tail message"} : d.error().message(),
                  caf::actor{}};
        }
        auto sub = std::make_shared<tail::subscription>(d->tenant, std::move(d->groups),
                                                        std::max<uint32_t>(d->max_inflight, 1));
        auto relay = self->spawn(relay_fn, sub, tailer, self->address());
        auto req = std::make_shared<const tail_request>(tail_request{sub, relay});
        auto rp = self->make_response_promise<std::string, caf::actor>();
        self->request(local, caf::duration{timeout}, tail_atom_v, tail_request_ptr{req})
            .then(
                [rp, relay](std::string& err) mutable {
                  if (!err.empty()) {
                    caf::anon_send(relay, stop_atom_v);
                    rp.deliver(std::move(err), caf::actor{});
                  } else {
                    rp.deliver(std::string{}, relay);
                  }
                },
                [self, rp, relay](caf::error& e) mutable {
                  caf::anon_send(relay, stop_atom_v);
                  rp.deliver("tail subscription failed: " + self->system().render(e), caf::actor{});
                });
        return rp;
      });
}

// -- directory ----------------------------------------------------------------

struct directory_state {
  static inline const char* name = "skald.cluster_directory";
  admin::actor_stats admin;
};

directory_admin_actor::behavior_type
directory_fn(directory_admin_actor::stateful_pointer<directory_state> self,
             std::shared_ptr<const local_node> n) {
  enlist(self, "cluster_directory", "cluster directory " + n->id + " at " + n->addr);
  auto fill = [n](admin::actor_info& out) {
    out.strings["instance"] = n->id;
    out.strings["addr"] = n->addr;
    out.strings["state"] = std::string{
        ring::to_string(static_cast<ring::instance_state>(n->state ? n->state->load() : 0))};
    std::string roles;
    for (const auto& r : n->roles)
      roles += (roles.empty() ? "" : ",") + r;
    out.strings["roles"] = roles;
    out.numbers["gateway"] = n->gateway ? 1 : 0;
  };
  return admin_behavior<directory_admin_actor::behavior_type>(self, fill, [n](lookup_atom) {
    node_info i;
    i.id = n->id;
    i.addr = n->addr;
    i.state = n->state ? n->state->load() : 0;
    i.tokens = n->tokens;
    i.roles = n->roles;
    i.ingester = caf::actor_cast<caf::actor>(n->gateway);
    return i;
  });
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
  admin::actor_stats admin;
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
  enlist(self, "ring_watcher", "ring watcher");
  auto fill = [self](admin::actor_info& out) {
    auto& st = self->state;
    int64_t connected = 0, connecting = 0, known = 0;
    for (const auto& [addr, p] : st.peers) {
      connected += p.dir ? 1 : 0;
      connecting += p.connecting ? 1 : 0;
      known += p.have_info ? 1 : 0;
    }
    out.numbers["peers"] = static_cast<int64_t>(st.peers.size());
    out.numbers["connections"] = connected;
    out.numbers["connecting"] = connecting;
    out.numbers["peers_known"] = known;
    out.numbers["ring_version"] = st.ring ? static_cast<int64_t>(st.ring->version) : -1;
    if (auto v = st.deps.holder ? st.deps.holder->get() : nullptr)
      out.numbers["endpoints"] = static_cast<int64_t>(v->endpoints.size());
  };
  return admin_behavior<caf::behavior>(
      self, fill,
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
      });
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
