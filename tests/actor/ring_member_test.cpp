// Deterministic simulation of N ring members (actors/ring/member.cpp) in one
// actor system on the test coordinator. Gossip goes through a simulated
// network (the member's connector seam): each member's connector hands out
// link actors that forward push-pull exchanges unless the network drops
// them (random loss, partitions, crashed members). Time is the coordinator's
// clock; nothing sleeps.
#include <map>
#include <memory>
#include <random>
#include <set>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/ring/follower.hpp"
#include "actors/ring/member.hpp"
#include "runtime/distributor/distributor_ring.hpp"
#include "runtime/ring/ring.hpp"
#include "runtime/validation/rate_limiter.hpp"
#include "testutil/caf_fixture.hpp"

using namespace std::chrono_literals;

namespace skald {
namespace {

using ring::instance_state;

struct sim_network {
  std::map<std::string, ring_actor> members; // endpoint -> current member
  std::set<std::pair<std::string, std::string>> cut;
  std::set<std::string> crashed;
  double loss = 0;
  std::mt19937_64 rng{1234};
  uint64_t dropped = 0;

  bool delivers(const std::string& from, const std::string& to) {
    bool ok = crashed.count(from) == 0 && crashed.count(to) == 0 && cut.count({from, to}) == 0;
    if (ok && loss > 0 && std::uniform_real_distribution<double>{0, 1}(rng) < loss)
      ok = false;
    dropped += ok ? 0 : 1;
    return ok;
  }

  void partition(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    for (auto& x : a)
      for (auto& y : b) {
        cut.emplace(x, y);
        cut.emplace(y, x);
      }
  }
};

using net_ptr = std::shared_ptr<sim_network>;

/// Forwards push-pull exchanges from `from` to `to`'s member of the moment
/// it was created; a dropped request or reply is never answered (the
/// requester's timeout fires, as with a hung or partitioned peer).
caf::behavior sim_link(caf::event_based_actor* self, net_ptr net, std::string from, std::string to,
                       ring_actor target) {
  return {
      [=](gossip_atom, gossip_msg& m) -> caf::result<gossip_msg> {
        auto rp = self->make_response_promise<gossip_msg>();
        if (!net->delivers(from, to))
          return rp; // dropped: nothing ever answers
        self->request(target, caf::infinite, gossip_atom_v, std::move(m))
            .then(
                [=](gossip_msg& r) mutable {
                  if (net->delivers(to, from))
                    rp.deliver(std::move(r));
                },
                [=](caf::error& e) mutable { rp.deliver(std::move(e)); });
        return rp;
      },
  };
}

actors::connector_actor::behavior_type sim_connector(actors::connector_actor::pointer self,
                                                     net_ptr net, std::string from) {
  return {
      [=](caf::connect_atom, const std::string& host, uint16_t port)
          -> caf::result<caf::node_id, caf::strong_actor_ptr, std::set<std::string>> {
        auto to = host + ":" + std::to_string(port);
        auto i = net->members.find(to);
        if (i == net->members.end() || !net->delivers(from, to))
          return caf::make_error(caf::sec::cannot_connect_to_node);
        auto link = self->spawn(sim_link, net, from, to, i->second);
        return {caf::node_id{}, caf::actor_cast<caf::strong_actor_ptr>(link),
                std::set<std::string>{}};
      },
  };
}

class ring_sim : public testutil::caf_fixture {
public:
  static constexpr int64_t epoch_ms = 1'700'000'000'000;

  std::string endpoint(int i) { return "10.0.0." + std::to_string(i + 1) + ":7946"; }

  /// Member i: seeds = member 0 (and member 0 seeds member 1).
  ring_actor start_member(int i, std::vector<uint32_t> file_tokens = {}, bool distributor = false) {
    actors::ring_member_deps d;
    d.self_endpoint = endpoint(i);
    d.node_name = "node-" + std::to_string(i);
    d.seeds = {endpoint(0), endpoint(1)};
    auto conn = sys().spawn(sim_connector, net, d.self_endpoint);
    keep(conn);
    d.connector = conn;
    actors::ring_key_deps ing;
    ing.key = std::string{ring::ingester_ring_key};
    ing.lifecycler = actors::lifecycler_kind::ingester;
    ing.instance_id = "ingester-" + std::to_string(i);
    ing.instance_addr = "10.0.0." + std::to_string(i + 1) + ":3100";
    ing.num_tokens = 16;
    ing.file_tokens = std::move(file_tokens);
    ing.ring = ring::ring_options{3, 5000, false};
    ing.heartbeat_period = 1s;
    ing.auto_forget_period = 10s;
    d.rings.push_back(std::move(ing));
    // The distributor ring: every member keeps it; distributors register
    // (ACTIVE at once, 1 token), heartbeat every 1s, unhealthy after 3s.
    actors::ring_key_deps dist;
    dist.key = std::string{ring::distributor_ring_key};
    dist.lifecycler = distributor ? actors::lifecycler_kind::basic : actors::lifecycler_kind::none;
    dist.instance_id = "distributor-" + std::to_string(i);
    dist.instance_addr = "10.0.0." + std::to_string(i + 1) + ":9095";
    dist.num_tokens = 1;
    dist.ring = ring::ring_options{1, 3000, false};
    dist.heartbeat_period = 1s;
    dist.auto_forget_period = 6s;
    d.rings.push_back(std::move(dist));
    d.gossip_interval = 200ms;
    d.gossip_nodes = 2;
    d.left_ingesters_timeout = 30s;
    d.leave_timeout = 1s;
    d.seed = 100 + static_cast<uint64_t>(i);
    auto* s = &sched();
    d.clock = [s] {
      return epoch_ms + std::chrono::duration_cast<std::chrono::milliseconds>(
                            s->clock().now().time_since_epoch())
                            .count();
    };
    auto m = actors::spawn_ring_member(sys(), std::move(d));
    keep(m);
    net->members[endpoint(i)] = m;
    net->crashed.erase(endpoint(i));
    return m;
  }

  /// Starts n members and joins them all. A member without tokens waits
  /// (at most 2s) for a first peer state before it takes tokens, so time
  /// advances until every join answered.
  void start(int n) {
    for (int i = 0; i < n; ++i)
      members.push_back(start_member(i));
    sched().run();
    std::vector<decltype(self()->request(members[0], caf::infinite, ring_join_atom_v))> pending;
    for (auto& m : members)
      pending.push_back(self()->request(m, caf::infinite, ring_join_atom_v));
    advance(3s);
    for (auto& rh : pending)
      rh.receive([](std::vector<uint32_t>&) {},
                 [this](caf::error& e) { ADD_FAILURE() << "join: " << sys().render(e); });
  }

  void crash(int i) {
    net->crashed.insert(endpoint(i));
    caf::anon_send_exit(members[static_cast<size_t>(i)], caf::exit_reason::kill);
    sched().run();
  }

  /// Advances the clock in 100ms steps, running every message in between.
  void advance(std::chrono::milliseconds d) {
    for (auto t = 0ms; t < d; t += 100ms) {
      sched().advance_time(100ms);
      sched().run();
    }
  }

  ring_snapshot get(int i) {
    auto s = ask<ring_snapshot>(members[static_cast<size_t>(i)], ring_get_atom_v);
    return s ? *s : nullptr;
  }

  int64_t now() {
    return epoch_ms + std::chrono::duration_cast<std::chrono::milliseconds>(
                          sched().clock().now().time_since_epoch())
                          .count();
  }

  /// Instance id -> state as member i sees it ("UNHEALTHY" when its
  /// heartbeat is older than the timeout), tokens ignored.
  std::map<std::string, std::string> view(int i) {
    std::map<std::string, std::string> out;
    auto s = get(i);
    if (!s)
      return out;
    for (auto& [id, inst] : s->desc.ingesters) {
      bool healthy = inst.heartbeat_healthy(now(), s->options.heartbeat_timeout_ms);
      out[id] = healthy || inst.state == instance_state::left
                    ? std::string{ring::to_string(inst.state)}
                    : "UNHEALTHY";
    }
    return out;
  }

  /// True when every listed member sees exactly `expected`.
  bool all_see(const std::vector<int>& who, const std::map<std::string, std::string>& expected) {
    for (int i : who)
      if (view(i) != expected)
        return false;
    return true;
  }

  std::map<std::string, std::string> all_active(int n) {
    std::map<std::string, std::string> out;
    for (int i = 0; i < n; ++i)
      out["ingester-" + std::to_string(i)] = "ACTIVE";
    return out;
  }

  net_ptr net = std::make_shared<sim_network>();
  std::vector<ring_actor> members;
};

TEST_F(ring_sim, members_join_through_seeds_and_converge_with_the_same_tokens) {
  start(5);
  advance(2s);
  ASSERT_TRUE(all_see({0, 1, 2, 3, 4}, all_active(5))) << view(4).size();
  // Everyone holds the same tokens for everyone; no token is owned twice.
  auto ref = get(0);
  std::set<uint32_t> seen;
  for (int i = 1; i < 5; ++i) {
    auto s = get(i);
    for (auto& [id, inst] : ref->desc.ingesters)
      EXPECT_EQ(s->desc.find(id)->tokens, inst.tokens) << id << " at member " << i;
  }
  for (auto& [id, inst] : ref->desc.ingesters) {
    EXPECT_EQ(inst.tokens.size(), 16u);
    for (auto t : inst.tokens)
      EXPECT_TRUE(seen.insert(t).second) << "token " << t << " owned twice";
  }
  // A replication set of RF 3 can be computed from any member's view.
  ring::ring_view v{ref->desc, ref->options};
  auto rs = v.get(12345, ring::operation::write_no_extend, now());
  ASSERT_TRUE(rs.ok()) << rs.error().message();
  EXPECT_EQ(rs->instances.size(), 3u);
  EXPECT_EQ(rs->max_errors, 1);
}

TEST_F(ring_sim, joining_until_the_wal_is_replayed) {
  members.push_back(start_member(0));
  members.push_back(start_member(1));
  advance(1s);
  EXPECT_EQ(view(0), (std::map<std::string, std::string>{{"ingester-0", "JOINING"},
                                                         {"ingester-1", "JOINING"}}));
  ask<std::vector<uint32_t>>(members[1], ring_join_atom_v);
  advance(1s);
  EXPECT_EQ(view(0), (std::map<std::string, std::string>{{"ingester-0", "JOINING"},
                                                         {"ingester-1", "ACTIVE"}}));
}

TEST_F(ring_sim, partition_heals_and_everyone_converges) {
  start(5);
  advance(2s);
  ASSERT_TRUE(all_see({0, 1, 2, 3, 4}, all_active(5)));
  std::vector<std::string> a{endpoint(0), endpoint(1)};
  std::vector<std::string> b{endpoint(2), endpoint(3), endpoint(4)};
  net->partition(a, b);
  // Past heartbeat_timeout (5s) each side sees the other unhealthy...
  advance(7s);
  auto a_view = view(0);
  EXPECT_EQ(a_view["ingester-0"], "ACTIVE");
  EXPECT_EQ(a_view["ingester-3"], "UNHEALTHY");
  EXPECT_EQ(view(3)["ingester-1"], "UNHEALTHY");
  EXPECT_EQ(view(3)["ingester-4"], "ACTIVE");
  // ...past auto_forget_period (10s) it forgets them (tombstones).
  advance(5s);
  EXPECT_EQ(view(0)["ingester-3"], "LEFT");
  EXPECT_EQ(view(4)["ingester-0"], "LEFT");
  // Heal: the members' own heartbeats beat the tombstones; all converge.
  net->cut.clear();
  advance(6s); // reconnect backoff is at most 5s
  EXPECT_TRUE(all_see({0, 1, 2, 3, 4}, all_active(5))) << "member 0 sees " << view(0).size();
}

TEST_F(ring_sim, converges_under_heavy_message_loss) {
  net->loss = 0.4;
  start(6);
  advance(6s);
  EXPECT_TRUE(all_see({0, 1, 2, 3, 4, 5}, all_active(6)));
  EXPECT_GT(net->dropped, 10u);
}

TEST_F(ring_sim, crashed_member_becomes_unhealthy_then_is_forgotten_then_dropped) {
  start(4);
  advance(2s);
  ASSERT_TRUE(all_see({0, 1, 2, 3}, all_active(4)));
  crash(2);
  advance(3s);
  EXPECT_EQ(view(0)["ingester-2"], "ACTIVE"); // heartbeat still within 5s
  advance(3s);
  for (int i : {0, 1, 3})
    EXPECT_EQ(view(i)["ingester-2"], "UNHEALTHY") << "member " << i;
  // Writes still find a quorum (RF 3: 2 of 3) through the survivors.
  auto s = get(0);
  ring::ring_view v{s->desc, s->options};
  int ok = 0;
  for (uint32_t key = 0; key < 4000000000u; key += 400000000u)
    ok += v.get(key, ring::operation::write_no_extend, now()).ok() ? 1 : 0;
  EXPECT_EQ(ok, 10);
  advance(6s); // > auto_forget_period (10s) since its last heartbeat
  for (int i : {0, 1, 3})
    EXPECT_EQ(view(i)["ingester-2"], "LEFT") << "member " << i;
  advance(31s); // > left_ingesters_timeout: the tombstone is gone everywhere
  for (int i : {0, 1, 3}) {
    EXPECT_EQ(view(i).count("ingester-2"), 0u) << "member " << i;
    EXPECT_EQ(view(i).size(), 3u);
  }
}

TEST_F(ring_sim, restarted_member_gets_its_tokens_back_from_gossip) {
  start(3);
  advance(2s);
  auto before = get(0)->desc.find("ingester-1")->tokens;
  crash(1);
  advance(2s);
  members[1] = start_member(1); // no tokens file: adopts them from a peer
  advance(1s);
  auto tokens = ask<std::vector<uint32_t>>(members[1], ring_join_atom_v);
  ASSERT_TRUE(tokens.has_value());
  EXPECT_EQ(*tokens, before);
  advance(1s);
  EXPECT_TRUE(all_see({0, 1, 2}, all_active(3)));
}

TEST_F(ring_sim, an_immediate_join_waits_for_a_peer_and_adopts_the_old_tokens) {
  start(3);
  advance(2s);
  auto before = get(0)->desc.find("ingester-2")->tokens;
  crash(2);
  members[2] = start_member(2);
  // Joined at once (a fast WAL replay): the member waits for the first peer
  // state, which still holds its tokens.
  auto tokens = ask<std::vector<uint32_t>>(members[2], ring_join_atom_v);
  ASSERT_TRUE(tokens.has_value());
  EXPECT_EQ(*tokens, before);
}

TEST_F(ring_sim, a_join_with_no_answering_peer_goes_ahead_after_a_bound) {
  net->crashed.insert(endpoint(1)); // its only other seed never answers
  members.push_back(start_member(0));
  auto rh = self()->request(members[0], caf::infinite, ring_join_atom_v);
  sched().run();
  EXPECT_EQ(view(0)["ingester-0"], "JOINING"); // still waiting
  advance(3s);
  std::vector<uint32_t> tokens;
  rh.receive([&](std::vector<uint32_t>& t) { tokens = t; },
             [&](caf::error& e) { FAIL() << sys().render(e); });
  EXPECT_EQ(tokens.size(), 16u);
  EXPECT_EQ(view(0)["ingester-0"], "ACTIVE");
}

TEST_F(ring_sim, restarted_member_keeps_the_tokens_of_its_file) {
  start(2);
  advance(1s);
  crash(1);
  std::vector<uint32_t> file{5, 50, 500};
  members[1] = start_member(1, file);
  auto tokens = ask<std::vector<uint32_t>>(members[1], ring_join_atom_v);
  ASSERT_TRUE(tokens.has_value());
  // 3 from the file, completed to num_tokens (16) with fresh ones.
  EXPECT_EQ(tokens->size(), 16u);
  EXPECT_TRUE(std::includes(tokens->begin(), tokens->end(), file.begin(), file.end()));
}

TEST_F(ring_sim, leave_pushes_a_tombstone_and_forget_spreads) {
  start(4);
  advance(2s);
  auto left = ask<bool>(members[3], ring_leave_atom_v);
  ASSERT_TRUE(left.has_value());
  EXPECT_TRUE(*left);
  for (int i : {0, 1, 2})
    EXPECT_EQ(view(i)["ingester-3"], "LEFT") << "member " << i; // pushed, no tick needed
  auto forgot = ask<bool>(members[0], ring_forget_atom_v, std::string{"ingester-2"});
  ASSERT_TRUE(forgot.has_value());
  EXPECT_TRUE(*forgot);
  EXPECT_FALSE(*ask<bool>(members[0], ring_forget_atom_v, std::string{"ingester-0"})); // self
  EXPECT_FALSE(*ask<bool>(members[0], ring_forget_atom_v, std::string{"nope"}));
  advance(1s);
  // ingester-2 is alive: its own next heartbeat wins over the tombstone.
  EXPECT_EQ(view(1)["ingester-2"], "ACTIVE");
}

TEST_F(ring_sim, leave_without_connected_peers_answers_at_once) {
  start(1); // its seed 10.0.0.2 does not exist: no connection
  auto left = ask<bool>(members[0], ring_leave_atom_v);
  ASSERT_TRUE(left.has_value());
  EXPECT_TRUE(*left);
  EXPECT_EQ(view(0)["ingester-0"], "LEFT");
  EXPECT_FALSE(*ask<bool>(members[0], ring_leave_atom_v)); // once only
}

TEST_F(ring_sim, subscribers_get_every_change_and_memberlist_shows_peers) {
  start(3);
  auto seen = std::make_shared<std::vector<uint64_t>>();
  auto sub = sys().spawn([seen](caf::event_based_actor*) -> caf::behavior {
    return {[seen](ring_changed_atom, const ring_snapshot& s) { seen->push_back(s->version); }};
  });
  keep(sub);
  caf::anon_send(members[0], ring_sub_atom_v, sub);
  sched().run();
  ASSERT_EQ(seen->size(), 1u); // the current state right away
  advance(2s);
  EXPECT_GT(seen->size(), 2u);
  EXPECT_TRUE(std::is_sorted(seen->begin(), seen->end()));
  auto ml = ask<memberlist_snapshot>(members[0], members_atom_v);
  ASSERT_TRUE(ml.has_value());
  EXPECT_EQ((*ml)->self_endpoint, endpoint(0));
  ASSERT_EQ((*ml)->peers.size(), 2u);
  for (auto& p : (*ml)->peers) {
    EXPECT_TRUE(p.connected) << p.endpoint;
    EXPECT_GT(p.last_gossip_ms, 0) << p.endpoint;
  }
}

// -- the distributor ring (global rate strategy) -----------------------------

/// Distributor-ring ids -> displayed state as member i sees them.
std::map<std::string, std::string> distributor_view(ring_sim& t, const ring_actor& m, int64_t now) {
  std::map<std::string, std::string> out;
  auto s = t.ask<ring_snapshot>(m, ring_get_atom_v, std::string{ring::distributor_ring_key});
  if (!s || !*s)
    return out;
  for (auto& [id, inst] : (*s)->desc.ingesters)
    out[id] = ring::display_state(inst, now, (*s)->options.heartbeat_timeout_ms);
  return out;
}

TEST_F(ring_sim, two_distributors_halve_the_global_limit_and_a_dead_one_stops_counting) {
  members.push_back(start_member(0, {}, true)); // distributors 0 and 1
  members.push_back(start_member(1, {}, true));
  members.push_back(start_member(2)); // an ingester-only node: keeps the key too
  sched().run();
  // What the distributor module does: follow the distributor ring, count.
  auto count = std::make_shared<distributor::distributor_count>();
  keep(actors::spawn_ring_follower(
      sys(), members[0], std::string{ring::distributor_ring_key}, [count](const ring_snapshot& s) {
        count->set(
            distributor::healthy_distributors(s->desc, s->now_ms, s->options.heartbeat_timeout_ms));
      }));
  sched().run();
  // Registered ACTIVE at once (no join, unlike the ingester ring).
  EXPECT_EQ(distributor_view(*this, members[0], now())["distributor-0"], "ACTIVE");
  EXPECT_GE(count->get(), 1u);
  validation::validation_limits lim;
  lim.ingestion_rate_mb = 1000.0 / 1048576;
  lim.ingestion_burst_size_mb = 2000.0 / 1048576;
  auto limit = [&] {
    return validation::rate_limit_for(lim, validation::rate_strategy::global, count->get());
  };
  advance(1s);
  ASSERT_EQ(count->get(), 2u);
  EXPECT_EQ(limit().bytes_per_second, 500);
  EXPECT_EQ(limit().burst, 2000u); // the burst is not divided
  std::map<std::string, std::string> both{{"distributor-0", "ACTIVE"}, {"distributor-1", "ACTIVE"}};
  for (auto& m : members)
    EXPECT_EQ(distributor_view(*this, m, now()), both);
  // Each distributor holds one token; the ingester ring is untouched.
  auto s = ask<ring_snapshot>(members[2], ring_get_atom_v, std::string{ring::distributor_ring_key});
  for (auto& [id, inst] : (*s)->desc.ingesters)
    EXPECT_EQ(inst.tokens.size(), 1u) << id;
  EXPECT_EQ(view(2).count("distributor-0"), 0u);

  // Distributor 1 dies (no LEFT): it still counts until its heartbeat is
  // older than the timeout (3s), then the survivor enforces the full rate.
  crash(1);
  advance(2s);
  EXPECT_EQ(count->get(), 2u);
  advance(2s);
  EXPECT_EQ(count->get(), 1u);
  EXPECT_EQ(limit().bytes_per_second, 1000);
  EXPECT_EQ(distributor_view(*this, members[0], now())["distributor-1"], "UNHEALTHY");
  // After 2 x heartbeat_timeout it is forgotten (a tombstone, gossiped).
  advance(3s);
  EXPECT_EQ(distributor_view(*this, members[0], now())["distributor-1"], "LEFT");
  EXPECT_EQ(distributor_view(*this, members[2], now())["distributor-1"], "LEFT");
  EXPECT_EQ(count->get(), 1u);
}

TEST_F(ring_sim, a_stopping_distributor_leaves_its_ring_at_once) {
  members.push_back(start_member(0, {}, true));
  members.push_back(start_member(1, {}, true));
  sched().run();
  advance(1s);
  ASSERT_EQ(distributor_view(*this, members[0], now()).size(), 2u);
  // Graceful stop: LEAVING then LEFT in both keys (the ingester entry was
  // never joined: JOINING -> LEFT), pushed to the peer before the answer.
  auto left = ask<bool>(members[1], ring_leave_atom_v);
  ASSERT_TRUE(left.has_value());
  EXPECT_TRUE(*left);
  EXPECT_EQ(distributor_view(*this, members[0], now())["distributor-1"], "LEFT");
  EXPECT_EQ(view(0)["ingester-1"], "LEFT");
  // Forget through the distributor ring's page works on that key only.
  EXPECT_TRUE(*ask<bool>(members[1], ring_forget_atom_v, std::string{ring::distributor_ring_key},
                         std::string{"distributor-0"}));
  EXPECT_FALSE(*ask<bool>(members[1], ring_forget_atom_v, std::string{ring::distributor_ring_key},
                          std::string{"ingester-0"}));
}

TEST(ring_member, split_endpoint_takes_host_and_port) {
  std::string host;
  uint16_t port = 0;
  ASSERT_TRUE(actors::split_endpoint("127.0.0.1:7946", host, port));
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 7946);
  ASSERT_TRUE(actors::split_endpoint("[::1]:80", host, port));
  EXPECT_EQ(host, "::1");
  for (auto bad : {"", "host", ":1", "h:", "h:0", "h:65536", "h:12a"})
    EXPECT_FALSE(actors::split_endpoint(bad, host, port)) << bad;
}

TEST_F(ring_sim, gossip_msg_serialises_for_remote_peers) {
  // Registered in the type-ID block: a remote peer gets the content, not ().
  gossip_msg m{"127.0.0.1:7946", {"127.0.0.1:7947"}, ring::encode(ring::ring_desc{})};
  auto msg = caf::make_message(gossip_atom_v, m);
  std::vector<char> buf;
  caf::binary_serializer sink{sys(), buf};
  auto err = inspect(sink, msg);
  ASSERT_FALSE(err) << sys().render(err);
  caf::binary_deserializer source{sys(), buf};
  caf::message out;
  err = inspect(source, out);
  ASSERT_FALSE(err) << sys().render(err);
  ASSERT_TRUE((out.match_elements<gossip_atom, gossip_msg>()));
  EXPECT_EQ(out.get_as<gossip_msg>(1).from, m.from);
  EXPECT_EQ(out.get_as<gossip_msg>(1).endpoints, m.endpoints);
  EXPECT_EQ(out.get_as<gossip_msg>(1).state, m.state);
}

} // namespace
} // namespace skald
