// tokens_for_id: stable, distinct, sorted, and spread well enough over the
// ring that three instances own a fair share each (runtime/ring lookup).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "runtime/cluster/instance_tokens.hpp"
#include "runtime/ring/lookup.hpp"

using namespace skald;

TEST(instance_tokens, stable_distinct_and_sorted) {
  auto a = cluster::tokens_for_id("ingester-1", 128);
  EXPECT_EQ(a.size(), 128u);
  EXPECT_TRUE(std::is_sorted(a.begin(), a.end()));
  EXPECT_EQ(std::set<uint32_t>(a.begin(), a.end()).size(), 128u);
  EXPECT_EQ(a, cluster::tokens_for_id("ingester-1", 128));
  EXPECT_NE(a, cluster::tokens_for_id("ingester-2", 128));
  EXPECT_TRUE(cluster::tokens_for_id("x", 0).empty());
}

TEST(instance_tokens, three_instances_share_the_ring) {
  ring::ring_desc d;
  for (std::string id : {"i1", "i2", "i3"})
    d.add_instance(id, id + ":9095", "", cluster::tokens_for_id(id, 128),
                   ring::instance_state::active, 1000, 1000);
  ring::ring_options opts;
  opts.replication_factor = 1;
  ring::ring_view v{d, opts};
  std::map<std::string, int> owner;
  for (uint32_t k = 0; k < 3000; ++k) {
    auto rs = v.get(k * 1431655u, ring::operation::write_no_extend, 1000);
    ASSERT_TRUE(rs.ok());
    ++owner[rs->instances[0].id];
  }
  ASSERT_EQ(owner.size(), 3u);
  for (auto& [id, n] : owner)
    EXPECT_GT(n, 600) << id; // 1000 expected each
}
