// Ring model, lookup and replication strategy: ports of dskit ring_test.go,
// replication_strategy_test.go, model_test.go (write-path spec §4.1–4.3, §8.6).
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "runtime/ring/ring.hpp"

using namespace skald::ring;

namespace {

constexpr int64_t sec = 1000;
constexpr int64_t hb_timeout = 60 * sec;

instance_desc inst(std::string id, instance_state st, int64_t ts, std::vector<token_t> tokens,
                   std::string zone = "") {
  instance_desc d;
  d.addr = id;
  d.id = std::move(id);
  d.state = st;
  d.timestamp = ts;
  d.tokens = std::move(tokens);
  d.zone = std::move(zone);
  return d;
}

} // namespace

TEST(ring_lookup, TestSearchToken) {
  std::vector<token_t> tokens{3, 5};
  EXPECT_EQ(search_token(tokens, 0), 0u);
  EXPECT_EQ(search_token(tokens, 3), 1u);
  EXPECT_EQ(search_token(tokens, 4), 1u);
  EXPECT_EQ(search_token(tokens, 5), 0u);
  EXPECT_EQ(search_token(tokens, 7), 0u);
}

TEST(ring_lookup, TestRingReplicationStrategy) {
  struct row {
    int rf, live, dead;
    int expected_max_failure;
    std::string expected_error;
  };
  std::vector<row> rows{
      {1, 1, 0, 0, ""},
      {1, 0, 1, 0,
       "at least 1 live replicas required, could only find 0 - unhealthy instances: dead1"},
      {3, 2, 0, 0, ""},
      {3, 3, 0, 1, ""},
      {3, 2, 1, 0, ""},
      {3, 1, 2, 0,
       "at least 2 live replicas required, could only find 1 - unhealthy instances: dead1,dead2"},
      {3, 4, 0, 1, ""},
      {3, 3, 1, 0, ""},
      {3, 2, 2, 0,
       "at least 3 live replicas required, could only find 2 - unhealthy instances: dead1,dead2"},
  };
  const int64_t now = 1000 * sec;
  for (auto& r : rows) {
    std::vector<instance_desc> ids;
    for (int i = 0; i < r.live; ++i)
      ids.push_back(inst("live" + std::to_string(i + 1), instance_state::active, now, {}));
    for (int i = 0; i < r.dead; ++i)
      ids.push_back(
          inst("dead" + std::to_string(i + 1), instance_state::active, now - 2 * hb_timeout, {}));
    auto rs = filter_replicas(ids, operation::write, r.rf, now, hb_timeout, false);
    SCOPED_TRACE("rf=" + std::to_string(r.rf) + " live=" + std::to_string(r.live) +
                 " dead=" + std::to_string(r.dead));
    if (r.expected_error.empty()) {
      ASSERT_TRUE(rs.ok()) << rs.error().message();
      EXPECT_EQ(rs->max_errors, r.expected_max_failure);
      EXPECT_EQ(rs->instances.size(), static_cast<size_t>(r.live));
    } else {
      ASSERT_FALSE(rs.ok());
      EXPECT_EQ(rs.error().message(), r.expected_error);
    }
  }
}

TEST(ring_lookup, empty_ring) {
  ring_view v{ring_desc{}, {}};
  auto rs = v.get(42, operation::write, 0);
  ASSERT_FALSE(rs.ok());
  EXPECT_EQ(rs.error().message(), "empty ring");
}

TEST(ring_lookup, first_token_strictly_greater_then_clockwise_distinct_instances) {
  ring_desc d;
  d.ingesters["a"] = inst("a", instance_state::active, 0, {10, 40});
  d.ingesters["b"] = inst("b", instance_state::active, 0, {20, 50});
  d.ingesters["c"] = inst("c", instance_state::active, 0, {30, 60});
  ring_view v{d, {2, hb_timeout, false}};
  auto ids = [&](token_t key) {
    auto rs = v.get(key, operation::write, 0);
    EXPECT_TRUE(rs.ok());
    std::vector<std::string> out;
    for (auto& i : rs->instances)
      out.push_back(i.id);
    return out;
  };
  EXPECT_EQ(ids(10), (std::vector<std::string>{"b", "c"})); // 10 is not > 10
  EXPECT_EQ(ids(9), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(ids(55), (std::vector<std::string>{"c", "a"})); // wraps past 60
  EXPECT_EQ(ids(60), (std::vector<std::string>{"a", "b"})); // wraps to index 0
  auto rs = v.get(0, operation::write, 0);
  ASSERT_TRUE(rs.ok());
  EXPECT_EQ(rs->max_errors, 0); // RF 2: min_success 2
  EXPECT_EQ(rs->need().min_success, 2);
  EXPECT_TRUE(rs->instances[0].tokens.empty()); // copies without tokens
}

TEST(ring_lookup, unhealthy_and_non_active_are_filtered) {
  const int64_t now = 1000 * sec;
  ring_desc d;
  d.ingesters["a"] = inst("a", instance_state::active, now, {10});
  d.ingesters["b"] = inst("b", instance_state::active, now - 2 * hb_timeout, {20});
  d.ingesters["c"] = inst("c", instance_state::joining, now, {30});
  ring_view v{d, {3, hb_timeout, false}};
  auto rs = v.get(5, operation::write_no_extend, now);
  ASSERT_FALSE(rs.ok());
  EXPECT_EQ(rs.error().message(),
            "at least 2 live replicas required, could only find 1 - unhealthy instances: b,c");
  // Write extends the set past the JOINING instance; only 3 instances exist.
  d.ingesters["b"].timestamp = now;
  ring_view v2{d, {3, hb_timeout, false}};
  auto rs2 = v2.get(5, operation::write_no_extend, now);
  ASSERT_TRUE(rs2.ok());
  EXPECT_EQ(rs2->instances.size(), 2u);
  EXPECT_EQ(rs2->max_errors, 0);
}

TEST(ring_lookup, write_extends_replica_set_on_non_active) {
  const int64_t now = 1000 * sec;
  ring_desc d;
  d.ingesters["a"] = inst("a", instance_state::joining, now, {10});
  d.ingesters["b"] = inst("b", instance_state::active, now, {20});
  d.ingesters["c"] = inst("c", instance_state::active, now, {30});
  d.ingesters["d"] = inst("d", instance_state::active, now, {40});
  ring_view v{d, {2, hb_timeout, false}};
  auto ext = v.get(5, operation::write, now);
  ASSERT_TRUE(ext.ok());
  // a (JOINING) extends to 3 picks: a, b, c; a is filtered out.
  ASSERT_EQ(ext->instances.size(), 2u);
  EXPECT_EQ(ext->instances[0].id, "b");
  EXPECT_EQ(ext->instances[1].id, "c");
  EXPECT_EQ(ext->max_errors, 0);                           // RF' = 3, min_success 2
  auto no_ext = v.get(5, operation::write_no_extend, now); // picks a, b only
  ASSERT_FALSE(no_ext.ok());
  EXPECT_EQ(no_ext.error().message(),
            "at least 2 live replicas required, could only find 1 - unhealthy instances: a");
}

TEST(ring_lookup, TestRing_Get_ZoneAwareness) {
  const int64_t now = 1000 * sec;
  ring_desc d;
  std::mt19937_64 rng{1};
  std::vector<token_t> taken;
  for (int i = 0; i < 9; ++i) {
    auto tk = generate_tokens(32, taken, rng);
    taken.insert(taken.end(), tk.begin(), tk.end());
    auto id = "ing" + std::to_string(i);
    d.ingesters[id] = inst(id, instance_state::active, now, tk, "zone-" + std::to_string(i % 3));
  }
  ring_view zoned{d, {3, hb_timeout, true}};
  ring_view plain{d, {3, hb_timeout, false}};
  EXPECT_EQ(zoned.zone_count(), 3u);
  bool plain_collided = false;
  for (token_t key = 0; key < 4000000000u; key += 7777777u) {
    auto rs = zoned.get(key, operation::write, now);
    ASSERT_TRUE(rs.ok());
    ASSERT_EQ(rs->instances.size(), 3u);
    std::set<std::string> zones;
    for (auto& i : rs->instances)
      zones.insert(i.zone);
    EXPECT_EQ(zones.size(), 3u) << "key " << key;
    auto p = plain.get(key, operation::write, now);
    ASSERT_TRUE(p.ok());
    std::set<std::string> pz;
    for (auto& i : p->instances)
      pz.insert(i.zone);
    plain_collided |= pz.size() < 3;
  }
  EXPECT_TRUE(plain_collided); // without zone awareness, zones repeat somewhere
}

TEST(ring_lookup, TestRing_Get_ZoneAwarenessWithIngesterLeaving) {
  const int64_t now = 1000 * sec;
  ring_desc d;
  d.ingesters["instance-1"] = inst("instance-1", instance_state::active, now, {100}, "zone-a");
  d.ingesters["instance-2"] = inst("instance-2", instance_state::active, now, {200}, "zone-a");
  d.ingesters["instance-3"] = inst("instance-3", instance_state::active, now, {300}, "zone-b");
  d.ingesters["instance-4"] = inst("instance-4", instance_state::active, now, {400}, "zone-b");
  d.ingesters["instance-5"] = inst("instance-5", instance_state::active, now, {500}, "zone-c");
  d.ingesters["instance-6"] = inst("instance-6", instance_state::leaving, now, {600}, "zone-c");
  ring_view v{d, {3, hb_timeout, true}};
  // Key 550 starts at instance-6 (LEAVING): Write extends within zone-c.
  auto rs = v.get(550, operation::write, now);
  ASSERT_TRUE(rs.ok()) << rs.error().message();
  std::set<std::string> ids;
  for (auto& i : rs->instances)
    ids.insert(i.id);
  EXPECT_EQ(ids, (std::set<std::string>{"instance-1", "instance-3", "instance-5"}));
}

TEST(ring_lookup, get_all_healthy_tolerates_rf_over_two_failures) {
  const int64_t now = 1000 * sec;
  ring_desc d;
  d.ingesters["a"] = inst("a", instance_state::active, now, {1});
  d.ingesters["b"] = inst("b", instance_state::active, now, {2});
  d.ingesters["c"] = inst("c", instance_state::active, now - 2 * hb_timeout, {3});
  ring_view v{d, {3, hb_timeout, false}};
  auto rs = v.get_all_healthy(operation::read, now);
  ASSERT_TRUE(rs.ok());
  EXPECT_EQ(rs->instances.size(), 2u);
  EXPECT_EQ(rs->max_errors, 0);
  d.ingesters["b"].timestamp = now - 2 * hb_timeout;
  ring_view v2{d, {3, hb_timeout, false}};
  auto bad = v2.get_all_healthy(operation::read, now);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "too many unhealthy instances in the ring");
}

TEST(ring_lookup, ownership_sums_to_one) {
  ring_desc d;
  d.ingesters["a"] = inst("a", instance_state::active, 0, {0x40000000u});
  d.ingesters["b"] = inst("b", instance_state::active, 0, {0xC0000000u});
  ring_view v{d, {}};
  auto own = ownership(v);
  ASSERT_EQ(own.size(), 2u);
  EXPECT_DOUBLE_EQ(own[0].second, 0.5);
  EXPECT_DOUBLE_EQ(own[1].second, 0.5);
}

TEST(ring_model, TestAddIngester) {
  ring_desc d;
  d.add_instance("ing1", "addr", "zone", {3, 1, 2, 2}, instance_state::active, 5, 4);
  auto* i = d.find("ing1");
  ASSERT_NE(i, nullptr);
  EXPECT_EQ(i->tokens, (std::vector<token_t>{1, 2, 3}));
  EXPECT_EQ(i->addr, "addr");
  EXPECT_EQ(i->zone, "zone");
  EXPECT_EQ(i->registered_timestamp, 4);
}

TEST(ring_model, TestAddIngesterReplacesExistingTokens) {
  ring_desc d;
  d.add_instance("ing1", "addr", "", {1, 2, 3}, instance_state::active, 5, 4);
  d.add_instance("ing1", "addr", "", {4, 5}, instance_state::active, 6, 4);
  EXPECT_EQ(d.find("ing1")->tokens, (std::vector<token_t>{4, 5}));
}

TEST(ring_model, TestInstanceDesc_IsHealthy_ForIngesterOperations) {
  const int64_t now = 1000 * sec;
  struct row {
    instance_state st;
    bool write, read;
  };
  for (auto r :
       {row{instance_state::active, true, true}, row{instance_state::pending, false, true},
        row{instance_state::joining, false, false}, row{instance_state::leaving, false, true},
        row{instance_state::left, false, false}}) {
    auto i = inst("x", r.st, now, {1});
    EXPECT_EQ(healthy_for(i, operation::write, now, hb_timeout), r.write) << to_string(r.st);
    EXPECT_EQ(healthy_for(i, operation::read, now, hb_timeout), r.read) << to_string(r.st);
    i.timestamp = now - hb_timeout - 1;
    EXPECT_FALSE(healthy_for(i, operation::read, now, hb_timeout));
    EXPECT_EQ(healthy_for(i, operation::read, now, 0), r.read); // 0 = never times out
  }
}

TEST(ring_model, TestDesc_Ready) {
  const int64_t now = 1000 * sec;
  ring_desc d;
  EXPECT_EQ(ready_problem(d, now, hb_timeout), "no tokens in the ring");
  d.ingesters["i1"] = inst("some-addr", instance_state::active, now, {});
  d.ingesters["i1"].id = "i1";
  EXPECT_EQ(ready_problem(d, now, hb_timeout), "no tokens in the ring");
  d.ingesters["i1"].tokens = {1, 2, 3};
  EXPECT_EQ(ready_problem(d, now, hb_timeout), "");
  d.ingesters["i1"].timestamp = now - 2 * hb_timeout;
  EXPECT_EQ(ready_problem(d, now, hb_timeout), "instance some-addr past heartbeat timeout");
  d.ingesters["i1"].timestamp = now;
  d.ingesters["i1"].state = instance_state::joining;
  EXPECT_EQ(ready_problem(d, now, hb_timeout), "instance some-addr in state JOINING");
}

TEST(ring_model, state_names_round_trip) {
  for (auto st : {instance_state::active, instance_state::leaving, instance_state::pending,
                  instance_state::joining, instance_state::left})
    EXPECT_EQ(parse_state(to_string(st)), st);
  EXPECT_FALSE(parse_state("UNHEALTHY").has_value());
}

// -- tokens -------------------------------------------------------------------

TEST(ring_tokens, TestRandomTokenGenerator_GenerateTokens) {
  std::mt19937_64 rng{42};
  auto tokens = generate_tokens(200000, {}, rng);
  ASSERT_EQ(tokens.size(), 200000u);
  EXPECT_TRUE(std::is_sorted(tokens.begin(), tokens.end()));
  EXPECT_EQ(std::adjacent_find(tokens.begin(), tokens.end()), tokens.end());
}

TEST(ring_tokens, generated_tokens_avoid_taken_ones) {
  std::mt19937_64 rng{7};
  auto first = generate_tokens(128, {}, rng);
  for (int round = 0; round < 50; ++round) {
    std::mt19937_64 same{7}; // same seed: would regenerate `first` if unchecked
    auto second = generate_tokens(128, first, same);
    ASSERT_EQ(second.size(), 128u);
    std::vector<token_t> both;
    std::set_intersection(first.begin(), first.end(), second.begin(), second.end(),
                          std::back_inserter(both));
    EXPECT_TRUE(both.empty());
  }
  EXPECT_TRUE(generate_tokens(0, {}, rng).empty());
}

TEST(ring_tokens, TestTokens_Serialization) {
  std::mt19937_64 rng{3};
  auto tokens = generate_tokens(512, {}, rng);
  auto json = encode_tokens_json(tokens);
  auto back = decode_tokens_json(json);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, tokens);
  EXPECT_EQ(encode_tokens_json({1, 2, 3}), R"({"tokens":[1,2,3]})");
  auto unsorted = decode_tokens_json(R"({"tokens":[5,1,5,3]})");
  ASSERT_TRUE(unsorted.ok());
  EXPECT_EQ(*unsorted, (std::vector<token_t>{1, 3, 5}));
  EXPECT_FALSE(decode_tokens_json("").ok());
  EXPECT_FALSE(decode_tokens_json(R"({"tokens":[-1]})").ok());
  EXPECT_FALSE(decode_tokens_json(R"({"tokens":[4294967296]})").ok());
  EXPECT_FALSE(decode_tokens_json(R"({"other":[]})").ok());
  EXPECT_FALSE(decode_tokens_json("[1,2]").ok());
}

// -- codec --------------------------------------------------------------------

TEST(ring_codec, round_trip) {
  ring_desc d;
  d.ingesters["a"] = inst("a", instance_state::active, 1700000000123, {1, 7, 4294967295u}, "z1");
  d.ingesters["a"].registered_timestamp = 1699999999000;
  d.ingesters["b"] = inst("b", instance_state::left, -5, {});
  d.ingesters["c"] = inst("c", instance_state::joining, 0, {});
  auto bytes = encode(d);
  auto back = decode(bytes);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(*back, d);
  auto empty = decode(encode(ring_desc{}));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(ring_codec, rejects_bad_input_without_reading_past_it) {
  ring_desc d;
  d.ingesters["a"] = inst("a", instance_state::active, 1, {1, 2, 3});
  auto bytes = encode(d);
  for (size_t n = 0; n < bytes.size(); ++n)
    EXPECT_FALSE(decode(bytes.substr(0, n)).ok()) << n;
  EXPECT_FALSE(decode(bytes + "x").ok());
  EXPECT_FALSE(decode("XXXX").ok());
  auto bad_state = bytes;
  bad_state[4 + 1 + 2 + 2 + 1] = 9; // count, id "a", addr "a", zone "" -> state byte
  auto r = decode(bad_state);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "ring state: unknown instance state");
}
