// Unit: the admin console's ring rows (runtime/admin/ring_summary): states
// (UNHEALTHY from a stale heartbeat), heartbeat age, token counts, ownership
// shares of the hash space, LEFT tombstones left out, and the JSON shape.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "runtime/admin/ring_summary.hpp"

namespace skald::admin {
namespace {

ring::ring_desc two_members() {
  ring::ring_desc d;
  // a owns [3/4 of the space, 1/4) wrapping: tokens 0x40000000 and 0xC0000000
  // split the space in halves; b's token 0x80000000 takes [1/4, 1/2).
  d.add_instance("a", "10.0.0.1:9095", "z1", {0x40000000u, 0xC0000000u},
                 ring::instance_state::active, 10'000, 1'000);
  d.add_instance("b", "10.0.0.2:9095", "z2", {0x80000000u}, ring::instance_state::joining, 9'000,
                 2'000);
  d.add_instance("gone", "10.0.0.3:9095", "", {}, ring::instance_state::left, 5'000, 0);
  return d;
}

TEST(ring_summary, rows_with_state_age_tokens_and_share) {
  ring::ring_options o;
  o.heartbeat_timeout_ms = 60'000;
  auto s = summarize_ring(two_members(), o, "b", 12'000);
  ASSERT_EQ(s.members.size(), 2u) << "LEFT tombstones are not listed";
  EXPECT_EQ(s.tokens, 3u);
  EXPECT_EQ(s.self_id, "b");
  const auto& a = s.members[0];
  const auto& b = s.members[1];
  EXPECT_EQ(a.id, "a");
  EXPECT_EQ(a.state, "ACTIVE");
  EXPECT_EQ(a.address, "10.0.0.1:9095");
  EXPECT_EQ(a.zone, "z1");
  EXPECT_EQ(a.heartbeat_age_ms, 2'000);
  EXPECT_EQ(a.tokens, 2u);
  EXPECT_FALSE(a.self);
  EXPECT_EQ(b.state, "JOINING");
  EXPECT_EQ(b.heartbeat_age_ms, 3'000);
  EXPECT_TRUE(b.self);
  // b's token 0x80000000 owns keys in [0x40000000, 0x80000000): a quarter.
  EXPECT_DOUBLE_EQ(b.ownership, 0.25);
  EXPECT_DOUBLE_EQ(a.ownership, 0.75);
}

TEST(ring_summary, stale_heartbeat_is_unhealthy_and_no_tokens_share_nothing) {
  ring::ring_desc d;
  d.add_instance("a", "x:1", "", {}, ring::instance_state::joining, 0, 0);
  ring::ring_options o;
  o.heartbeat_timeout_ms = 1'000;
  auto s = summarize_ring(d, o, "", 5'000);
  ASSERT_EQ(s.members.size(), 1u);
  EXPECT_EQ(s.members[0].state, "UNHEALTHY");
  EXPECT_EQ(s.members[0].ownership, 0.0);
  EXPECT_EQ(s.tokens, 0u);
}

TEST(ring_summary, json_shape) {
  ring::ring_options o;
  auto s = summarize_ring(two_members(), o, "a", 12'000);
  rapidjson::Document doc;
  doc.Parse(to_json(s, R"({"id":7,"kind":"ring_member"})").c_str());
  ASSERT_FALSE(doc.HasParseError());
  EXPECT_STREQ(doc["ring"].GetString(), "ring");
  EXPECT_STREQ(doc["self"].GetString(), "a");
  EXPECT_EQ(doc["tokens"].GetUint64(), 3u);
  ASSERT_EQ(doc["members"].Size(), 2u);
  EXPECT_STREQ(doc["members"][0]["registered"].GetString(), "1970-01-01T00:00:01.000Z");
  EXPECT_DOUBLE_EQ(doc["members"][0]["ownership"].GetDouble(), 0.75);
  EXPECT_TRUE(doc["members"][0]["self"].GetBool());
  EXPECT_EQ(doc["member"]["id"].GetUint64(), 7u);

  doc.Parse(to_json(ring_summary{}, "").c_str());
  EXPECT_STREQ(doc["ring"].GetString(), "single node: no ring members");
  EXPECT_TRUE(doc["member"].IsNull());
  EXPECT_EQ(doc["members"].Size(), 0u);
}

} // namespace
} // namespace skald::admin
