// The read replication set and its answer tracking: ports of dskit's
// TestRing_GetReplicationSetForOperation (with and without zone awareness)
// and of the replication_set_tracker tests (read-path spec §3.2).
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "runtime/ring/ring.hpp"

using namespace skald::ring;
using skald::result;

namespace {

constexpr int64_t sec = 1000;
constexpr int64_t hb_timeout = 60 * sec;
constexpr int64_t now = 1000 * sec;

/// `healthy` instances then `unhealthy` ones, ids i0, i1, ..., zones
/// round-robin over `zones` (none when zones == 0).
ring_desc make_ring(int healthy, int unhealthy, int zones = 0) {
  ring_desc d;
  for (int i = 0; i < healthy + unhealthy; ++i) {
    std::string id = "i" + std::to_string(i);
    std::string zone =
        zones > 0 ? "zone-" + std::string(1, static_cast<char>('a' + i % zones)) : std::string{};
    const int64_t ts = i < healthy ? now : now - 2 * hb_timeout;
    d.add_instance(id, id + ":9095", zone, {static_cast<token_t>(100 * (i + 1))},
                   instance_state::active, ts, 1);
  }
  return d;
}

std::set<std::string> ids(const replication_set& rs) {
  std::set<std::string> out;
  for (const auto& i : rs.instances)
    out.insert(i.id);
  return out;
}

result<replication_set> read_set(const ring_desc& d, int rf, bool zones = false) {
  return read_replication_set(d, ring_options{rf, hb_timeout, zones}, operation::read, now);
}

} // namespace

TEST(read_replication_set, empty_ring_is_an_error) {
  auto rs = read_set(ring_desc{}, 3);
  ASSERT_FALSE(rs.ok());
  EXPECT_EQ(rs.error().message(), "empty ring");
  // Instances without tokens (PENDING) do not make a ring either.
  ring_desc d;
  d.add_instance("a", "a:1", "", {}, instance_state::pending, now, 1);
  EXPECT_EQ(read_set(d, 3).error().message(), "empty ring");
}

TEST(read_replication_set, all_healthy_rf1_tolerates_nothing) {
  auto rs = read_set(make_ring(5, 0), 1);
  ASSERT_TRUE(rs.ok());
  EXPECT_EQ(rs->instances.size(), 5u);
  EXPECT_EQ(rs->max_errors, 0);
  EXPECT_EQ(rs->max_unavailable_zones, 0);
}

TEST(read_replication_set, one_unhealthy_with_rf1_fails) {
  auto rs = read_set(make_ring(4, 1), 1);
  ASSERT_FALSE(rs.ok());
  EXPECT_EQ(rs.error().message(), "too many unhealthy instances in the ring");
}

TEST(read_replication_set, rf3_tolerates_one_failure_in_total) {
  // 5 instances: required = 5 - 1 = 4.
  auto all = read_set(make_ring(5, 0), 3);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->max_errors, 1);
  auto one_down = read_set(make_ring(4, 1), 3);
  ASSERT_TRUE(one_down.ok());
  EXPECT_EQ(one_down->instances.size(), 4u);
  EXPECT_EQ(one_down->max_errors, 0);
  EXPECT_EQ(ids(*one_down), (std::set<std::string>{"i0", "i1", "i2", "i3"}));
  auto two_down = read_set(make_ring(3, 2), 3);
  ASSERT_FALSE(two_down.ok());
  EXPECT_EQ(two_down.error().message(), "too many unhealthy instances in the ring");
}

TEST(read_replication_set, three_instances_rf3_need_two) {
  // required = max(3, 3) - 1 = 2.
  auto all = read_set(make_ring(3, 0), 3);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->max_errors, 1);
  auto one_down = read_set(make_ring(2, 1), 3);
  ASSERT_TRUE(one_down.ok());
  EXPECT_EQ(one_down->max_errors, 0);
  EXPECT_FALSE(read_set(make_ring(1, 2), 3).ok());
}

TEST(read_replication_set, fewer_instances_than_rf_count_rf) {
  // 2 instances, RF 3: required = max(2, 3) - 1 = 2.
  auto rs = read_set(make_ring(2, 0), 3);
  ASSERT_TRUE(rs.ok());
  EXPECT_EQ(rs->max_errors, 0);
  EXPECT_FALSE(read_set(make_ring(1, 1), 3).ok());
}

TEST(read_replication_set, rf5_tolerates_two_failures) {
  auto rs = read_set(make_ring(3, 2), 5);
  ASSERT_TRUE(rs.ok());
  EXPECT_EQ(rs->max_errors, 0);
  EXPECT_FALSE(read_set(make_ring(2, 3), 5).ok());
}

TEST(read_replication_set, leaving_and_pending_are_read_healthy_joining_is_not) {
  ring_desc d = make_ring(3, 0);
  d.ingesters["i0"].state = instance_state::leaving;
  d.ingesters["i1"].state = instance_state::pending;
  auto rs = read_set(d, 3);
  ASSERT_TRUE(rs.ok());
  EXPECT_EQ(rs->instances.size(), 3u);
  d.ingesters["i2"].state = instance_state::joining;
  rs = read_set(d, 3);
  ASSERT_TRUE(rs.ok());
  EXPECT_EQ(ids(*rs), (std::set<std::string>{"i0", "i1"}));
  EXPECT_EQ(rs->max_errors, 0);
}

TEST(read_replication_set, zones_all_healthy_tolerate_one_zone) {
  auto rs = read_set(make_ring(6, 0, 3), 3, true);
  ASSERT_TRUE(rs.ok());
  EXPECT_EQ(rs->instances.size(), 6u);
  EXPECT_EQ(rs->max_errors, 0);
  EXPECT_EQ(rs->max_unavailable_zones, 1);
}

TEST(read_replication_set, zones_a_failing_zone_is_left_out_entirely) {
  // i5 (zone-c) is unhealthy: i2 (zone-c, healthy) is left out too.
  auto rs = read_set(make_ring(5, 1, 3), 3, true);
  ASSERT_TRUE(rs.ok());
  EXPECT_EQ(ids(*rs), (std::set<std::string>{"i0", "i1", "i3", "i4"}));
  EXPECT_EQ(rs->max_unavailable_zones, 0);
  EXPECT_EQ(rs->max_errors, 0);
}

TEST(read_replication_set, zones_two_failing_zones_are_an_error) {
  // i4 (zone-b) and i5 (zone-c) unhealthy.
  auto rs = read_set(make_ring(4, 2, 3), 3, true);
  ASSERT_FALSE(rs.ok());
  EXPECT_EQ(rs.error().message(), "too many unhealthy instances in the ring");
  // Many unhealthy instances in ONE zone are fine.
  ring_desc d = make_ring(6, 0, 3);
  d.ingesters["i0"].timestamp = 0;
  d.ingesters["i3"].timestamp = 0; // both zone-a
  auto ok = read_set(d, 3, true);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ids(*ok), (std::set<std::string>{"i1", "i2", "i4", "i5"}));
}

TEST(read_replication_set, zones_fewer_zones_than_rf) {
  // 2 zones, RF 3: min(2, 3) / 2 = 1 zone may fail.
  auto rs = read_set(make_ring(4, 0, 2), 3, true);
  ASSERT_TRUE(rs.ok());
  EXPECT_EQ(rs->max_unavailable_zones, 1);
  // 1 zone, RF 3: nothing may fail.
  auto one = read_set(make_ring(2, 1, 1), 3, true);
  ASSERT_FALSE(one.ok());
}

TEST(read_replication_set, ring_view_get_all_healthy_is_the_read_set) {
  ring_view v{make_ring(2, 1), ring_options{3, hb_timeout, false}};
  auto rs = v.get_all_healthy(operation::read, now);
  ASSERT_TRUE(rs.ok());
  EXPECT_EQ(rs->instances.size(), 2u);
  EXPECT_EQ(rs->max_errors, 0);
  EXPECT_TRUE(rs->instances[0].tokens.empty()); // cheap to copy
}

TEST(read_tracker, default_succeeds_after_instances_minus_max_errors) {
  auto rs = *read_set(make_ring(3, 0), 3); // max_errors 1
  read_tracker t{rs};
  EXPECT_FALSE(t.zone_aware());
  EXPECT_EQ(t.record(0, true), quorum_verdict::pending);
  EXPECT_EQ(t.record(0, true), quorum_verdict::pending); // same instance twice: ignored
  EXPECT_EQ(t.record(2, true), quorum_verdict::succeeded);
  EXPECT_EQ(t.record(1, false), quorum_verdict::succeeded); // decided
}

TEST(read_tracker, default_one_failure_tolerated_two_fail) {
  auto rs = *read_set(make_ring(3, 0), 3);
  read_tracker t{rs};
  EXPECT_EQ(t.record(1, false), quorum_verdict::pending);
  EXPECT_EQ(t.record(2, true), quorum_verdict::pending);
  EXPECT_EQ(t.record(0, true), quorum_verdict::succeeded);
  read_tracker u{rs};
  EXPECT_EQ(u.record(0, false), quorum_verdict::pending);
  EXPECT_EQ(u.record(1, false), quorum_verdict::failed);
  EXPECT_EQ(u.failures(), 2);
}

TEST(read_tracker, zero_max_errors_needs_everyone) {
  auto rs = *read_set(make_ring(2, 1), 3); // 2 healthy, max_errors 0
  read_tracker t{rs};
  EXPECT_EQ(t.record(0, true), quorum_verdict::pending);
  EXPECT_EQ(t.record(1, false), quorum_verdict::failed);
}

TEST(read_tracker, zones_a_whole_failing_zone_is_tolerated) {
  auto rs = *read_set(make_ring(6, 0, 3), 3, true); // i0,i3 a; i1,i4 b; i2,i5 c
  read_tracker t{rs};
  ASSERT_TRUE(t.zone_aware());
  auto index = [&](const std::string& id) {
    for (size_t i = 0; i < rs.instances.size(); ++i)
      if (rs.instances[i].id == id)
        return i;
    return rs.instances.size();
  };
  EXPECT_EQ(t.record(index("i0"), false), quorum_verdict::pending);
  EXPECT_EQ(t.record(index("i3"), false), quorum_verdict::pending); // still zone-a only
  EXPECT_EQ(t.record(index("i1"), true), quorum_verdict::pending);
  EXPECT_EQ(t.record(index("i4"), true), quorum_verdict::pending); // zone-b done: 1 of 2
  EXPECT_EQ(t.record(index("i2"), true), quorum_verdict::pending);
  EXPECT_EQ(t.record(index("i5"), true), quorum_verdict::succeeded);
}

TEST(read_tracker, zones_failures_in_two_zones_fail) {
  auto rs = *read_set(make_ring(6, 0, 3), 3, true);
  read_tracker t{rs};
  auto index = [&](const std::string& id) {
    for (size_t i = 0; i < rs.instances.size(); ++i)
      if (rs.instances[i].id == id)
        return i;
    return rs.instances.size();
  };
  EXPECT_EQ(t.record(index("i0"), false), quorum_verdict::pending); // zone-a
  EXPECT_EQ(t.record(index("i1"), false), quorum_verdict::failed);  // zone-b
}

TEST(read_tracker, zones_a_zone_with_a_failure_does_not_count_as_succeeded) {
  auto rs = *read_set(make_ring(6, 0, 3), 3, true);
  read_tracker t{rs};
  auto index = [&](const std::string& id) {
    for (size_t i = 0; i < rs.instances.size(); ++i)
      if (rs.instances[i].id == id)
        return i;
    return rs.instances.size();
  };
  EXPECT_EQ(t.record(index("i0"), true), quorum_verdict::pending);
  EXPECT_EQ(t.record(index("i3"), false), quorum_verdict::pending); // zone-a failed
  EXPECT_EQ(t.record(index("i1"), true), quorum_verdict::pending);
  EXPECT_EQ(t.record(index("i4"), true), quorum_verdict::pending); // zone-b: 1 zone ok
  EXPECT_EQ(t.record(index("i2"), true), quorum_verdict::pending);
  EXPECT_EQ(t.record(index("i5"), true), quorum_verdict::succeeded);
}

TEST(read_tracker, zones_after_a_failed_zone_was_removed_everyone_is_needed) {
  auto rs = *read_set(make_ring(5, 1, 3), 3, true); // zone-c out, 0 more zones may fail
  read_tracker t{rs};
  EXPECT_FALSE(t.zone_aware());
  EXPECT_EQ(t.record(0, true), quorum_verdict::pending);
  EXPECT_EQ(t.record(1, false), quorum_verdict::failed);
}
