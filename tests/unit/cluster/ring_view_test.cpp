// ring_view: token search, write and read replication sets (dskit
// TestSearchToken, TestRingReplicationStrategy cases reachable through Get).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "runtime/cluster/ring_view.hpp"

using namespace skald::cluster;

namespace {

instance make(std::string id, std::vector<uint32_t> tokens, bool healthy = true,
              instance_state st = instance_state::active) {
  instance in;
  in.addr = id + ":9095";
  in.id = std::move(id);
  in.tokens = std::move(tokens);
  in.healthy = healthy;
  in.state = st;
  return in;
}

std::set<std::string> ids(const ring_view& v, const replication_set& rs) {
  std::set<std::string> out;
  for (auto i : rs.instances)
    out.insert(v.instances()[i].id);
  return out;
}

} // namespace

TEST(ring_view, search_token_is_first_strictly_greater_and_wraps) {
  std::vector<uint32_t> t{3, 5};
  EXPECT_EQ(search_token(t, 0), 0u);
  EXPECT_EQ(search_token(t, 3), 1u);
  EXPECT_EQ(search_token(t, 4), 1u);
  EXPECT_EQ(search_token(t, 5), 0u);
  EXPECT_EQ(search_token(t, 7), 0u);
}

TEST(ring_view, empty_ring_is_an_error) {
  ring_view v;
  auto rs = v.get(1, 3);
  ASSERT_FALSE(rs.ok());
  EXPECT_EQ(rs.error().message(), "empty ring");
}

TEST(ring_view, rf1_picks_the_owner_of_the_next_token) {
  ring_view v{{make("a", {10}), make("b", {20}), make("c", {30})}};
  EXPECT_EQ(ids(v, *v.get(5, 1)), (std::set<std::string>{"a"}));
  EXPECT_EQ(ids(v, *v.get(10, 1)), (std::set<std::string>{"b"}));
  EXPECT_EQ(ids(v, *v.get(35, 1)), (std::set<std::string>{"a"}));
  EXPECT_EQ(v.get(35, 1)->max_errors, 0);
}

TEST(ring_view, rf3_three_live_tolerates_one_failure) {
  ring_view v{{make("a", {10, 40}), make("b", {20}), make("c", {30})}};
  auto rs = v.get(15, 3);
  ASSERT_TRUE(rs.ok());
  EXPECT_EQ(ids(v, *rs), (std::set<std::string>{"a", "b", "c"}));
  EXPECT_EQ(rs->max_errors, 1);
  EXPECT_EQ(rs->min_success(), 2);
}

TEST(ring_view, rf3_one_dead_still_writes_with_no_failure_allowed) {
  ring_view v{{make("a", {10}), make("b", {20}, false), make("c", {30})}};
  auto rs = v.get(15, 3);
  ASSERT_TRUE(rs.ok());
  EXPECT_EQ(ids(v, *rs), (std::set<std::string>{"a", "c"}));
  EXPECT_EQ(rs->max_errors, 0);
}

TEST(ring_view, rf3_two_dead_is_lokis_error) {
  ring_view v{{make("a", {10}), make("b", {20}, false), make("c", {30}, false)}};
  auto rs = v.get(15, 3);
  ASSERT_FALSE(rs.ok());
  EXPECT_EQ(rs.error().message(),
            "at least 2 live replicas required, could only find 1 - unhealthy instances: "
            "b:9095,c:9095");
}

TEST(ring_view, rf1_dead_owner_is_an_error) {
  ring_view v{{make("dead1", {10}, false)}};
  auto rs = v.get(1, 1);
  ASSERT_FALSE(rs.ok());
  EXPECT_EQ(rs.error().message(),
            "at least 1 live replicas required, could only find 0 - unhealthy instances: "
            "dead1:9095");
}

TEST(ring_view, non_active_instances_are_not_written) {
  ring_view v{{make("a", {10}), make("b", {20}, true, instance_state::joining), make("c", {30})}};
  auto rs = v.get(15, 3);
  ASSERT_TRUE(rs.ok());
  EXPECT_EQ(ids(v, *rs), (std::set<std::string>{"a", "c"}));
}

TEST(ring_view, four_instances_rf3_picks_three_distinct_clockwise) {
  ring_view v{{make("a", {10}), make("b", {20}), make("c", {30}), make("d", {40})}};
  EXPECT_EQ(ids(v, *v.get(25, 3)), (std::set<std::string>{"c", "d", "a"}));
  EXPECT_EQ(v.get(25, 3)->max_errors, 1);
}

TEST(ring_view, a_token_owned_twice_goes_to_the_smaller_id) {
  ring_view v{{make("b", {10}), make("a", {10}), make("c", {30})}};
  EXPECT_EQ(ids(v, *v.get(5, 1)), (std::set<std::string>{"a"}));
}

TEST(ring_view, read_set_is_every_healthy_instance_with_rf_over_2_errors) {
  ring_view v{{make("a", {10}), make("b", {20}), make("c", {30})}};
  auto rs = v.read_set(3);
  ASSERT_TRUE(rs.ok());
  EXPECT_EQ(rs->instances.size(), 3u);
  EXPECT_EQ(rs->max_errors, 1);
  ring_view one_dead{{make("a", {10}), make("b", {20}, false), make("c", {30})}};
  rs = one_dead.read_set(3);
  ASSERT_TRUE(rs.ok());
  EXPECT_EQ(rs->instances.size(), 2u);
  EXPECT_EQ(rs->max_errors, 0);
  ring_view two_dead{{make("a", {10}), make("b", {20}, false), make("c", {30}, false)}};
  EXPECT_EQ(two_dead.read_set(3).error().message(), "too many unhealthy instances in the ring");
}

TEST(ring_view, tokens_for_id_are_stable_distinct_and_sorted) {
  auto a = tokens_for_id("ingester-1", 128);
  EXPECT_EQ(a.size(), 128u);
  EXPECT_TRUE(std::is_sorted(a.begin(), a.end()));
  EXPECT_EQ(std::set<uint32_t>(a.begin(), a.end()).size(), 128u);
  EXPECT_EQ(a, tokens_for_id("ingester-1", 128));
  EXPECT_NE(a, tokens_for_id("ingester-2", 128));
}

TEST(ring_view, streams_spread_over_three_instances_with_128_tokens) {
  ring_view v{{make("i1", tokens_for_id("i1", 128)), make("i2", tokens_for_id("i2", 128)),
               make("i3", tokens_for_id("i3", 128))}};
  int owner[3] = {0, 0, 0};
  for (uint32_t k = 0; k < 3000; ++k) {
    auto rs = v.get(k * 1431655u, 1);
    ASSERT_TRUE(rs.ok());
    ++owner[rs->instances[0]];
  }
  for (int n : owner)
    EXPECT_GT(n, 600); // each owns a fair share (1000 expected)
}
