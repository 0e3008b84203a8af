// Stream ownership after a ring change (runtime/ring/owned.hpp; Loki's
// ownedStreamsIngesterStrategy, write-path spec §5.7 reason not_owned).
#include <gtest/gtest.h>

#include "runtime/ring/ring.hpp"

using namespace skald::ring;

namespace {

constexpr int64_t now = 1'000'000;
constexpr int64_t hb_timeout = 60'000;

ring_desc four_instances() {
  ring_desc d;
  // Tokens 100, 200, 300, 400: key 150 -> b, c, d (RF 3), not a.
  d.add_instance("a", "a:1", "", {100}, instance_state::active, now, 1);
  d.add_instance("b", "b:1", "", {200}, instance_state::active, now, 1);
  d.add_instance("c", "c:1", "", {300}, instance_state::active, now, 1);
  d.add_instance("d", "d:1", "", {400}, instance_state::active, now, 1);
  return d;
}

} // namespace

TEST(ring_owned, instances_of_the_keys_replication_set_own_it) {
  ring_view v{four_instances(), ring_options{3, hb_timeout, false}};
  EXPECT_FALSE(owns(v, 150, "a", now));
  EXPECT_TRUE(owns(v, 150, "b", now));
  EXPECT_TRUE(owns(v, 150, "c", now));
  EXPECT_TRUE(owns(v, 150, "d", now));
  EXPECT_TRUE(owns(v, 50, "a", now)); // 50 -> a, b, c
  EXPECT_FALSE(owns(v, 50, "d", now));
}

TEST(ring_owned, an_unhealthy_replica_does_not_extend_the_set) {
  // WriteNoExtend: b unhealthy leaves {c, d} for key 150; a still not owner.
  auto d = four_instances();
  d.ingesters["b"].timestamp = now - 2 * hb_timeout;
  ring_view v{d, ring_options{3, hb_timeout, false}};
  EXPECT_FALSE(owns(v, 150, "a", now));
  EXPECT_TRUE(owns(v, 150, "c", now));
}

TEST(ring_owned, undecidable_or_own_state_changes_keep_ownership) {
  auto d = four_instances();
  // Too few healthy replicas for key 150: no decision, owned.
  d.ingesters["b"].timestamp = 0;
  d.ingesters["c"].timestamp = 0;
  ring_view v{d, ring_options{3, hb_timeout, false}};
  EXPECT_TRUE(owns(v, 150, "a", now));
  // The instance itself LEAVING or unknown: its own state, owned.
  auto e = four_instances();
  e.ingesters["d"].state = instance_state::leaving;
  ring_view w{e, ring_options{3, hb_timeout, false}};
  EXPECT_TRUE(owns(w, 50, "d", now));
  EXPECT_TRUE(owns(w, 150, "nobody", now));
}
