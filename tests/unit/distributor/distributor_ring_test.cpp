// The distributor ring's count for the global ingestion rate strategy
// (write-path spec §3.4): Loki's TestInstanceCountDelegateCounting and
// TestIngestionRateStrategy, combined: the limit one distributor enforces
// for a ring state.
#include <gtest/gtest.h>

#include "runtime/distributor/distributor_ring.hpp"
#include "runtime/validation/rate_limiter.hpp"

namespace skald::distributor {
namespace {

using ring::instance_state;

constexpr int64_t now = 1'700'000'000'000;
constexpr int64_t timeout = 1'000; // Loki's test: time.Second

ring::ring_desc ring_of(std::vector<std::pair<std::string, instance_state>> members,
                        int64_t ts = now) {
  ring::ring_desc d;
  for (auto& [id, st] : members)
    d.add_instance(id, id + ":9095", "", {1}, st, ts, ts);
  return d;
}

TEST(distributor_ring, TestInstanceCountDelegateCounting) {
  auto all = ring_of({{"ingester-0", instance_state::active},
                      {"ingester-1", instance_state::active},
                      {"ingester-2", instance_state::active},
                      {"ingester-3", instance_state::active},
                      {"ingester-4", instance_state::active}});
  EXPECT_EQ(healthy_distributors(all, now, timeout), 5u);
  auto mixed = ring_of({{"ingester-0", instance_state::joining},
                        {"ingester-1", instance_state::leaving},
                        {"ingester-2", instance_state::active},
                        {"ingester-3", instance_state::pending},
                        {"ingester-4", instance_state::active},
                        {"ingester-5", instance_state::left}});
  EXPECT_EQ(healthy_distributors(mixed, now, timeout), 2u);
}

TEST(distributor_ring, a_stale_heartbeat_is_not_counted) {
  auto d = ring_of({{"a", instance_state::active}});
  d.add_instance("b", "b:9095", "", {2}, instance_state::active, now - timeout - 1, now);
  EXPECT_EQ(healthy_distributors(d, now, timeout), 1u);
  EXPECT_EQ(healthy_distributors(d, now - 1, timeout), 2u); // exactly at the timeout: healthy
  EXPECT_EQ(healthy_distributors(d, now, 0), 2u);           // timeout 0: never unhealthy
}

validation::rate_limit limit_for(double rate_bytes, double burst_bytes,
                                 validation::rate_strategy strategy, const ring::ring_desc& d,
                                 int64_t at = now) {
  validation::validation_limits lim;
  lim.ingestion_rate_mb = rate_bytes / 1048576;
  lim.ingestion_burst_size_mb = burst_bytes / 1048576;
  return validation::rate_limit_for(lim, strategy, healthy_distributors(d, at, timeout));
}

TEST(distributor_ring, TestIngestionRateStrategy_global_divides_the_rate_not_the_burst) {
  using validation::rate_strategy;
  auto two = ring_of({{"d1", instance_state::active}, {"d2", instance_state::active}});
  auto r = limit_for(1000, 2000, rate_strategy::global, two);
  EXPECT_EQ(r.bytes_per_second, 500);
  EXPECT_EQ(r.burst, 2000u);
  // local ignores the ring.
  auto l = limit_for(1000, 2000, rate_strategy::local, two);
  EXPECT_EQ(l.bytes_per_second, 1000);
  EXPECT_EQ(l.burst, 2000u);
  // One of the two stops heartbeating: after the timeout the survivor takes
  // the full rate again.
  auto stale = two;
  stale.ingesters["d2"].timestamp = now - 5 * timeout;
  EXPECT_EQ(limit_for(1000, 2000, rate_strategy::global, stale).bytes_per_second, 1000);
  // Nobody healthy (or no ring seen yet): the full rate, as in Loki.
  EXPECT_EQ(limit_for(1000, 2000, rate_strategy::global, ring::ring_desc{}).bytes_per_second, 1000);
}

TEST(distributor_ring, distributor_count_starts_at_zero) {
  distributor_count c;
  EXPECT_EQ(c.get(), 0u);
  c.set(3);
  EXPECT_EQ(c.get(), 3u);
}

} // namespace
} // namespace skald::distributor
