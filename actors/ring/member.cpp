// actors/ring/member.cpp — the ring member actor (see member.hpp). The
// decisions (merge, stamp, token choice, forget) are runtime/ring's; this
// file wires them to timers, peers and subscribers.
#include "actors/ring/member.hpp"

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <random>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/admin/introspect.hpp"
#include "actors/admin/registry_relay.hpp"
#include "runtime/ring/ring.hpp"
#include "runtime/util/logging.hpp"

namespace skald::actors {

bool split_endpoint(const std::string& ep, std::string& host, uint16_t& port) {
  auto colon = ep.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= ep.size())
    return false;
  unsigned long p = 0;
  for (size_t i = colon + 1; i < ep.size(); ++i) {
    if (ep[i] < '0' || ep[i] > '9')
      return false;
    p = p * 10 + static_cast<unsigned long>(ep[i] - '0');
    if (p > 65535)
      return false;
  }
  if (p == 0)
    return false;
  host = ep.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  port = static_cast<uint16_t>(p);
  return true;
}

namespace {

struct peer {
  ring_actor handle;
  bool connecting = false;
  bool in_flight = false;
  uint32_t failures = 0;
  int64_t retry_at_ms = 0;
  int64_t last_gossip_ms = 0;
  std::string last_error;
};

/// One ring key: its state, this node's entry in it, its readers.
struct key_state {
  ring_key_deps deps;
  ring::ring_desc ring;
  std::optional<ring::instance_desc> self;
  std::vector<caf::actor> subscribers;
  uint64_t version = 0;
  bool left = false;
};

struct member_state {
  ring_member_deps deps;
  std::map<std::string, key_state, std::less<>> keys;
  /// The key of messages that name none (deps.rings.front()).
  std::string default_key;
  /// The key with the ingester lifecycler ("" = none).
  std::string ingester_key;
  std::map<std::string, peer> peers;
  uint64_t sent = 0;
  uint64_t received = 0;
  /// A peer's state has been merged at least once.
  bool heard = false;
  /// A join waiting for the first peer state (see ring_join_atom).
  std::optional<caf::typed_response_promise<std::vector<uint32_t>>> pending_join;
  int64_t join_deadline_ms = 0;
  std::mt19937_64 rng;
  std::shared_ptr<spdlog::logger> log = log::get("ring");
  admin::actor_stats admin;

  static inline const char* name = "ring_member";
};

using member_ptr = ring_actor::stateful_pointer<member_state>;

int64_t now_ms(member_ptr self) {
  return self->state.deps.clock();
}

/// The key's state; a key first heard from a peer gets default options.
key_state& key_of(member_ptr self, std::string_view key) {
  auto& keys = self->state.keys;
  auto i = keys.find(key);
  if (i == keys.end()) {
    i = keys.emplace(std::string{key}, key_state{}).first;
    i->second.deps.key = std::string{key};
  }
  return i->second;
}

ring_snapshot snapshot(member_ptr self, const key_state& ks) {
  auto s = std::make_shared<ring_snapshot_data>();
  s->key = ks.deps.key;
  s->desc = ks.ring;
  s->options = ks.deps.ring;
  s->self_id = ks.self ? ks.self->id : std::string{};
  s->version = ks.version;
  s->now_ms = now_ms(self);
  return s;
}

void changed(member_ptr self, key_state& ks) {
  ++ks.version;
  if (ks.subscribers.empty())
    return;
  auto snap = snapshot(self, ks);
  for (auto& s : ks.subscribers)
    caf::anon_send(s, ring_changed_atom_v, snap);
}

/// Writes own entry if the ring's copy differs from the authoritative one
/// (e.g. a peer forgot us while we were unreachable). True if it did.
bool reassert_self(member_ptr self, key_state& ks) {
  if (!ks.self || ks.left)
    return false;
  auto* cur = ks.ring.find(ks.self->id);
  if (cur != nullptr && *cur == *ks.self)
    return false;
  ring::stamp(ks.ring, *ks.self, now_ms(self));
  return true;
}

void learn_endpoint(member_ptr self, const std::string& ep) {
  auto& st = self->state;
  std::string host;
  uint16_t port = 0;
  if (ep.empty() || ep == st.deps.self_endpoint || !split_endpoint(ep, host, port))
    return;
  st.peers.try_emplace(ep);
}

std::vector<std::string> known_endpoints(member_ptr self) {
  std::vector<std::string> out;
  out.reserve(self->state.peers.size());
  for (auto& [ep, p] : self->state.peers)
    out.push_back(ep);
  return out;
}

gossip_msg outgoing(member_ptr self) {
  auto& st = self->state;
  std::vector<std::pair<std::string_view, const ring::ring_desc*>> kv;
  kv.reserve(st.keys.size());
  std::optional<ring::ring_desc> trimmed;
  for (auto& [key, ks] : st.keys) {
    // A restarted ingester without tokens file stays out of the state it
    // sends until it has heard a peer: the peer's reply then still carries
    // its previous incarnation's tokens to adopt.
    if (ks.self && ks.deps.lifecycler == lifecycler_kind::ingester && !st.heard &&
        ks.self->tokens.empty() && ks.self->state == ring::instance_state::joining) {
      trimmed = ks.ring;
      trimmed->ingesters.erase(ks.self->id);
      kv.emplace_back(key, &*trimmed);
    } else {
      kv.emplace_back(key, &ks.ring);
    }
  }
  return gossip_msg{st.deps.self_endpoint, known_endpoints(self), ring::encode_keys(kv)};
}

void finish_join(member_ptr self);

/// Merges a peer's full state (every key); notifies each key's subscribers
/// when something of that key changed.
void merge_in(member_ptr self, const gossip_msg& msg) {
  auto& st = self->state;
  learn_endpoint(self, msg.from);
  for (auto& ep : msg.endpoints)
    learn_endpoint(self, ep);
  auto incoming = ring::decode_keys(msg.state);
  if (!incoming.ok()) {
    SKALD_LOG_WARN(st.log, "gossip from {}: {}", msg.from, incoming.error().message());
    return;
  }
  auto now = now_ms(self);
  st.heard = true;
  auto horizon = now - st.deps.left_ingesters_timeout.count();
  for (auto& [key, desc] : *incoming) {
    auto& ks = key_of(self, key);
    bool own = false;
    if (ks.self && ks.deps.lifecycler == lifecycler_kind::ingester &&
        ring::adopt_previous_tokens(*ks.self, desc)) {
      SKALD_LOG_INFO(st.log, "adopted {} tokens of a previous incarnation of {}",
                     ks.self->tokens.size(), ks.self->id);
      own = true;
    }
    auto change = ring::merge(ks.ring, desc, ring::merge_options{false, now, horizon});
    if (own)
      ring::stamp(ks.ring, *ks.self, now);
    own |= reassert_self(self, ks);
    if (!change.empty() || own)
      changed(self, ks);
  }
  if (st.pending_join)
    finish_join(self);
}

void note_failure(member_ptr self, const std::string& ep, std::string why) {
  auto& st = self->state;
  auto i = st.peers.find(ep);
  if (i == st.peers.end())
    return;
  auto& p = i->second;
  ++p.failures;
  p.last_error = std::move(why);
  auto base = std::max<int64_t>(st.deps.gossip_interval.count(), 100);
  auto backoff = std::min<int64_t>(base << std::min<uint32_t>(p.failures, 5), 2000);
  p.retry_at_ms = now_ms(self) + backoff;
}

void push_pull(member_ptr self, const std::string& ep) {
  auto& st = self->state;
  auto& p = st.peers[ep];
  if (!p.handle || p.in_flight)
    return;
  p.in_flight = true;
  ++st.sent;
  auto timeout = std::max<std::chrono::milliseconds>(st.deps.gossip_interval * 5,
                                                     std::chrono::milliseconds{1000});
  self->request(p.handle, timeout, gossip_atom_v, outgoing(self))
      .then(
          [self, ep](gossip_msg& reply) {
            auto& pr = self->state.peers[ep];
            pr.in_flight = false;
            pr.failures = 0;
            pr.last_error.clear();
            pr.last_gossip_ms = now_ms(self);
            merge_in(self, reply);
          },
          [self, ep](caf::error& err) {
            auto& pr = self->state.peers[ep];
            pr.in_flight = false;
            // A timeout (a lost message, a partition, a hung peer) keeps the
            // connection: CAF's heartbeats turn a dead connection into a
            // down_msg. Any other error drops it; the next tick reconnects.
            if (err != caf::sec::request_timeout)
              pr.handle = nullptr;
            note_failure(self, ep, "gossip: " + self->system().render(err));
          });
}

void connect(member_ptr self, const std::string& ep) {
  auto& st = self->state;
  std::string host;
  uint16_t port = 0;
  if (!st.deps.connector || !split_endpoint(ep, host, port))
    return;
  auto& p = st.peers[ep];
  p.connecting = true;
  auto timeout = std::max<std::chrono::milliseconds>(st.deps.gossip_interval * 5,
                                                     std::chrono::milliseconds{2000});
  self->request(st.deps.connector, timeout, caf::connect_atom_v, host, port)
      .then(
          [self, ep](caf::node_id&, caf::strong_actor_ptr& ptr, std::set<std::string>&) {
            auto& pr = self->state.peers[ep];
            pr.connecting = false;
            if (!ptr) {
              note_failure(self, ep, "connect: no actor published at " + ep);
              return;
            }
            pr.handle = caf::actor_cast<ring_actor>(ptr);
            self->monitor(pr.handle);
            SKALD_LOG_DEBUG(self->state.log, "connected to gossip peer {}", ep);
            push_pull(self, ep);
          },
          [self, ep](caf::error& err) {
            self->state.peers[ep].connecting = false;
            note_failure(self, ep, "connect: " + self->system().render(err));
          });
}

/// Push-pull with up to gossip_nodes random connected peers (all of them
/// when `everyone`: a local change spreads at once), connecting to known
/// endpoints that have no connection yet.
void gossip_round(member_ptr self, bool everyone = false) {
  auto& st = self->state;
  if (!st.deps.connector)
    return;
  auto now = now_ms(self);
  std::vector<std::string> ready;
  for (auto& [ep, p] : st.peers) {
    if (p.handle) {
      if (!p.in_flight)
        ready.push_back(ep);
    } else if (!p.connecting && now >= p.retry_at_ms) {
      connect(self, ep);
    }
  }
  std::shuffle(ready.begin(), ready.end(), st.rng);
  auto n = everyone
               ? ready.size()
               : std::min(ready.size(), static_cast<size_t>(std::max(st.deps.gossip_nodes, 1)));
  for (size_t i = 0; i < n; ++i)
    push_pull(self, ready[i]);
}

void heartbeat(member_ptr self, key_state& ks) {
  auto& st = self->state;
  auto now = now_ms(self);
  bool any = false;
  if (ks.self && !ks.left) {
    ring::stamp(ks.ring, *ks.self, now);
    any = true;
  }
  auto forgotten =
      ring::forget_unhealthy(ks.ring, ks.self ? ks.self->id : std::string{}, now,
                             ks.deps.auto_forget_period.count(), ks.deps.ring.heartbeat_timeout_ms);
  for (auto& id : forgotten)
    SKALD_LOG_WARN(st.log, "auto-forgot {} member {}: no heartbeat for longer than {}ms",
                   ks.deps.key, id, ks.deps.auto_forget_period.count());
  any |= !forgotten.empty();
  any |= ring::remove_expired_tombstones(ks.ring, now - st.deps.left_ingesters_timeout.count()) > 0;
  if (any)
    changed(self, ks);
}

/// JOINING -> ACTIVE in the ingester ring: completes the tokens to
/// num_tokens against the ring as gossip has shown it so far, stamps,
/// gossips at once.
status join_now(member_ptr self) {
  auto& s = self->state;
  auto& ks = key_of(self, s.ingester_key);
  if (ks.self->state == ring::instance_state::active)
    return {};
  if (auto chk = ring::check_transition(ks.self->state, ring::instance_state::active); !chk.ok())
    return chk;
  auto added = ring::fix_token_count(*ks.self, ks.ring, ks.deps.num_tokens, s.rng);
  ks.self->state = ring::instance_state::active;
  ring::stamp(ks.ring, *ks.self, now_ms(self));
  SKALD_LOG_INFO(s.log, "ring instance {} ACTIVE with {} tokens ({} new)", ks.self->id,
                 ks.self->tokens.size(), added);
  changed(self, ks);
  gossip_round(self, true);
  return {};
}

/// Completes a deferred join (a peer answered, or the wait is over).
void finish_join(member_ptr self) {
  auto& s = self->state;
  if (!s.pending_join)
    return;
  auto rp = std::move(*s.pending_join);
  s.pending_join.reset();
  auto st = join_now(self);
  if (st.ok())
    rp.deliver(key_of(self, s.ingester_key).self->tokens);
  else
    rp.deliver(caf::make_error(caf::sec::invalid_argument, st.message()));
}

/// LEAVING (if ACTIVE), then LEFT with unregister_on_shutdown. True if the
/// key had an entry of this node still to leave.
bool leave_key(member_ptr self, key_state& ks) {
  if (!ks.self || ks.left)
    return false;
  auto now = now_ms(self);
  if (ks.self->state == ring::instance_state::active) {
    ks.self->state = ring::instance_state::leaving;
    ring::stamp(ks.ring, *ks.self, now);
  }
  if (ks.deps.unregister_on_shutdown) {
    ks.self->state = ring::instance_state::left;
    ring::stamp(ks.ring, *ks.self, now);
    ks.left = true;
  }
  changed(self, ks);
  SKALD_LOG_INFO(self->state.log, "{} instance {} {}", ks.deps.key, ks.self->id,
                 ring::to_string(ks.ring.find(ks.self->id)->state));
  return true;
}

bool forget(member_ptr self, std::string_view key, const std::string& id) {
  auto& s = self->state;
  auto i = s.keys.find(key);
  if (i == s.keys.end())
    return false;
  auto& ks = i->second;
  if (ks.self && id == ks.self->id)
    return false;
  if (!ring::mark_left(ks.ring, id, now_ms(self)))
    return false;
  SKALD_LOG_WARN(s.log, "{} member {} forgotten on request", ks.deps.key, id);
  changed(self, ks);
  gossip_round(self, true);
  return true;
}

void subscribe(member_ptr self, std::string_view key, caf::actor a) {
  if (!a)
    return;
  self->monitor(a);
  auto& ks = key_of(self, key);
  ks.subscribers.push_back(a);
  caf::anon_send(a, ring_changed_atom_v, snapshot(self, ks));
}

memberlist_snapshot members(member_ptr self) {
  auto& st = self->state;
  auto m = std::make_shared<memberlist_data>();
  m->self_endpoint = st.deps.self_endpoint;
  m->node_name = st.deps.node_name;
  m->gossips_sent = st.sent;
  m->gossips_received = st.received;
  m->now_ms = now_ms(self);
  for (auto& [ep, p] : st.peers)
    m->peers.push_back(
        peer_info{ep, static_cast<bool>(p.handle), p.last_gossip_ms, p.failures, p.last_error});
  for (auto& [key, ks] : st.keys)
    m->keys.push_back(ring::kv_key_status{key, ks.version, ks.ring.ingesters.size()});
  return m;
}

/// Registers this node's entry in a key, as its lifecycler kind says.
void register_self(member_ptr self, key_state& ks) {
  auto& st = self->state;
  const auto& kd = ks.deps;
  auto now = now_ms(self);
  if (kd.lifecycler == lifecycler_kind::ingester) {
    ks.self = ring::make_joining(kd.instance_id, kd.instance_addr, kd.zone, kd.file_tokens, now);
    ring::stamp(ks.ring, *ks.self, now);
    SKALD_LOG_INFO(st.log, "ring instance {} registered JOINING with {} tokens from file",
                   ks.self->id, ks.self->tokens.size());
  } else if (kd.lifecycler == lifecycler_kind::basic) {
    // dskit BasicLifecycler with Loki's distributor delegate: ACTIVE at once
    // with num_tokens tokens (1), chosen against the ring known so far.
    ks.self = ring::make_joining(kd.instance_id, kd.instance_addr, kd.zone, {}, now);
    ring::fix_token_count(*ks.self, ks.ring, std::max(kd.num_tokens, 1), st.rng);
    ks.self->state = ring::instance_state::active;
    ring::stamp(ks.ring, *ks.self, now);
    SKALD_LOG_INFO(st.log, "{} instance {} registered ACTIVE", kd.key, ks.self->id);
  }
}

/// The admin console's view of this member (actors/admin/introspect.hpp):
/// this node's entry in the default ring (the ingester ring) and the gossip.
void fill_info(member_ptr self, admin::actor_info& out) {
  auto& st = self->state;
  auto now = now_ms(self);
  const auto& ks = key_of(self, st.default_key);
  int64_t members = 0;
  for (auto& [id, inst] : ks.ring.ingesters)
    members += inst.state != ring::instance_state::left ? 1 : 0;
  int64_t connected = 0;
  int64_t last_gossip = 0;
  for (auto& [ep, p] : st.peers) {
    connected += p.handle ? 1 : 0;
    last_gossip = std::max(last_gossip, p.last_gossip_ms);
  }
  std::string keys;
  for (auto& [key, k] : st.keys)
    keys += (keys.empty() ? "" : ",") + key;
  out.strings["keys"] = keys;
  out.numbers["members"] = members;
  out.numbers["peers"] = static_cast<int64_t>(st.peers.size());
  out.numbers["peers_connected"] = connected;
  out.numbers["last_gossip_ms_ago"] = last_gossip > 0 ? now - last_gossip : -1;
  out.numbers["gossips_sent"] = static_cast<int64_t>(st.sent);
  out.numbers["gossips_received"] = static_cast<int64_t>(st.received);
  out.numbers["version"] = static_cast<int64_t>(ks.version);
  out.numbers["subscribers"] = static_cast<int64_t>(ks.subscribers.size());
  const auto* own = ks.self ? ks.ring.find(ks.self->id) : nullptr;
  out.strings["state"] = own ? std::string{ring::to_string(own->state)} : "not a ring instance";
  out.numbers["tokens"] = own ? static_cast<int64_t>(own->tokens.size()) : 0;
  out.numbers["heartbeat_age_ms"] = own ? now - own->timestamp : -1;
  if (ks.self)
    out.strings["instance"] = ks.self->id;
  out.strings["endpoint"] = st.deps.self_endpoint;
}

ring_actor::behavior_type member_fn(member_ptr self, ring_member_deps deps) {
  auto& st = self->state;
  st.deps = std::move(deps);
  st.rng.seed(st.deps.seed);
  if (st.deps.rings.empty()) {
    st.deps.rings.emplace_back();
    st.deps.rings.back().key = std::string{ring::ingester_ring_key};
  }
  st.default_key = st.deps.rings.front().key;
  for (auto& kd : st.deps.rings) {
    auto& ks = key_of(self, kd.key);
    ks.deps = kd;
    if (kd.lifecycler == lifecycler_kind::ingester && st.ingester_key.empty())
      st.ingester_key = kd.key;
    else if (kd.lifecycler == lifecycler_kind::ingester)
      ks.deps.lifecycler = lifecycler_kind::basic; // one ingester lifecycler per member
  }
  for (auto& ep : st.deps.seeds)
    learn_endpoint(self, ep);
  for (auto& kd : st.deps.rings) {
    auto& ks = key_of(self, kd.key);
    register_self(self, ks);
    changed(self, ks);
  }
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& s = self->state;
    for (auto& [key, ks] : s.keys) {
      auto& subs = ks.subscribers;
      subs.erase(std::remove_if(subs.begin(), subs.end(),
                                [&](const caf::actor& a) { return a.address() == dm.source; }),
                 subs.end());
    }
    for (auto& [ep, p] : s.peers) {
      if (p.handle && p.handle.address() == dm.source) {
        p.handle = nullptr;
        p.in_flight = false;
        note_failure(self, ep, "peer down: " + self->system().render(dm.reason));
        SKALD_LOG_INFO(s.log, "gossip peer {} went down: {}", ep, self->system().render(dm.reason));
      }
    }
  });
  self->send(self, gossip_tick_atom_v);
  for (auto& kd : st.deps.rings)
    self->delayed_send(self, kd.heartbeat_period, ring_hb_atom_v, kd.key);
  {
    const auto& ks = key_of(self, st.default_key);
    enlist(self, "ring_member",
           "ring member " + (ks.self ? ks.self->id : st.deps.node_name) +
               (st.deps.self_endpoint.empty() ? "" : " gossip=" + st.deps.self_endpoint));
  }
  return admin_behavior<ring_actor::behavior_type>(
      self, [self](admin::actor_info& out) { fill_info(self, out); },
      [self](ring_get_atom) { return snapshot(self, key_of(self, self->state.default_key)); },
      [self](ring_get_atom, const std::string& key) {
        auto i = self->state.keys.find(key);
        if (i != self->state.keys.end())
          return snapshot(self, i->second);
        key_state unknown; // never heard of: an empty ring, not stored
        unknown.deps.key = key;
        return snapshot(self, unknown);
      },
      [self](ring_sub_atom, caf::actor a) { subscribe(self, self->state.default_key, a); },
      [self](ring_sub_atom, caf::actor a, const std::string& key) { subscribe(self, key, a); },
      [self](ring_unsub_atom, caf::actor a) {
        for (auto& [key, ks] : self->state.keys) {
          auto& subs = ks.subscribers;
          subs.erase(std::remove(subs.begin(), subs.end(), a), subs.end());
        }
      },
      [self](members_atom) { return members(self); },
      [self](ring_join_atom) -> caf::result<std::vector<uint32_t>> {
        auto& s = self->state;
        if (s.ingester_key.empty())
          return caf::make_error(caf::sec::invalid_argument, "this node is not a ring instance");
        auto& ks = key_of(self, s.ingester_key);
        if (!ks.self || ks.left)
          return caf::make_error(caf::sec::invalid_argument, "this node is not a ring instance");
        if (s.pending_join)
          return caf::make_error(caf::sec::invalid_argument, "already joining");
        // Without tokens, wait (boundedly) for the first peer state: it may
        // hold this instance's tokens from before a crash, and new tokens
        // should avoid the ones the others hold.
        if (ks.self->state == ring::instance_state::joining && ks.self->tokens.empty() &&
            !s.heard && s.deps.connector && !s.peers.empty()) {
          s.pending_join = self->make_response_promise<std::vector<uint32_t>>();
          s.join_deadline_ms =
              now_ms(self) + std::max<int64_t>(5 * s.deps.gossip_interval.count(), 2000);
          return *s.pending_join;
        }
        auto st = join_now(self);
        if (!st.ok())
          return caf::make_error(caf::sec::invalid_argument, st.message());
        return ks.self->tokens;
      },
      [self](ring_leave_atom) -> caf::result<bool> {
        auto& s = self->state;
        bool any = false;
        for (auto& [key, ks] : s.keys)
          any |= leave_key(self, ks);
        if (!any)
          return false;
        // Push the final state to every connected peer; answer when they
        // have it or the bound passed.
        auto pending = std::make_shared<size_t>(0);
        for (auto& [ep, p] : s.peers)
          if (p.handle)
            ++*pending;
        // No peer: answer now. (Not after make_response_promise: the promise
        // takes over the reply and the returned value would be dropped.)
        if (*pending == 0)
          return true;
        auto rp = self->make_response_promise<bool>();
        auto msg = outgoing(self);
        auto done = [rp, pending](bool) mutable {
          if (*pending > 0 && --*pending == 0)
            rp.deliver(true);
        };
        for (auto& [ep, p] : s.peers) {
          if (!p.handle)
            continue;
          self->request(p.handle, s.deps.leave_timeout, gossip_atom_v, msg)
              .then([done](gossip_msg&) mutable { done(true); },
                    [done](caf::error&) mutable { done(false); });
        }
        return rp;
      },
      [self](ring_forget_atom, const std::string& id) {
        return forget(self, self->state.default_key, id);
      },
      [self](ring_forget_atom, const std::string& key, const std::string& id) {
        return forget(self, key, id);
      },
      [self](gossip_atom, const gossip_msg& msg) {
        auto& s = self->state;
        ++s.received;
        if (!msg.from.empty()) {
          learn_endpoint(self, msg.from);
          auto i = s.peers.find(msg.from);
          if (i != s.peers.end())
            i->second.last_gossip_ms = now_ms(self);
        }
        merge_in(self, msg);
        return outgoing(self);
      },
      [self](ring_hb_atom, const std::string& key) {
        auto& ks = key_of(self, key);
        heartbeat(self, ks);
        self->delayed_send(self, ks.deps.heartbeat_period, ring_hb_atom_v, key);
      },
      [self](gossip_tick_atom) {
        if (self->state.pending_join && now_ms(self) >= self->state.join_deadline_ms)
          finish_join(self);
        gossip_round(self);
        if (self->state.deps.connector)
          self->delayed_send(self, self->state.deps.gossip_interval, gossip_tick_atom_v);
      },
      [self](node_atom) -> caf::result<admin::node_summary> {
        // A peer's admin console asks for this node (/admin/api/nodes).
        auto reg = find_actor_registry(self->system());
        if (!reg)
          return caf::make_error(caf::sec::invalid_argument, "no actor registry on this node");
        return self->delegate(reg, node_atom_v);
      },
      [self](list_atom, admin::actor_query& q) {
        // A peer's admin console lists this node's actors (?node=).
        return relay_to_registry(self, list_atom_v, std::move(q));
      },
      [self](lookup_atom, uint64_t id) { return relay_to_registry(self, lookup_atom_v, id); });
}

} // namespace

ring_actor spawn_ring_member(caf::actor_system& sys, ring_member_deps deps) {
  if (!deps.clock)
    deps.clock = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
  return sys.spawn(member_fn, std::move(deps));
}

} // namespace skald::actors
