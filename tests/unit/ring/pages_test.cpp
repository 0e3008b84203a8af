// /ring and /memberlist bodies (runtime/ring/pages.hpp; dskit ring/http.go).
#include <gtest/gtest.h>

#include <rapidjson/document.h>

#include "runtime/ring/pages.hpp"

using namespace skald::ring;

namespace {

ring_desc sample(int64_t now) {
  ring_desc d;
  d.add_instance("ing-1", "127.0.0.1:3100", "", {0x40000000u}, instance_state::active, now,
                 now - 5000);
  d.add_instance("ing-2", "127.0.0.1:3200", "z", {0xC0000000u}, instance_state::active,
                 now - 120'000, now - 5000);
  d.add_instance("ing-3", "127.0.0.1:3300", "", {}, instance_state::left, now, 0);
  d.add_instance("<x>", "a&b", "", {5}, instance_state::joining, now, 0);
  return d;
}

} // namespace

TEST(ring_pages, time_format_is_rfc3339_utc_with_ms) {
  EXPECT_EQ(format_time_ms(0), "");
  EXPECT_EQ(format_time_ms(1'700'000'000'123), "2023-11-14T22:13:20.123Z");
}

TEST(ring_pages, json_lists_shards_with_derived_unhealthy_state_and_no_tombstones) {
  const int64_t now = 1'700'000'000'000;
  auto body = ring_json(sample(now), ring_options{3, 60'000, false}, now);
  rapidjson::Document doc;
  doc.Parse(body.c_str());
  ASSERT_FALSE(doc.HasParseError()) << body;
  const auto& shards = doc["shards"];
  ASSERT_EQ(shards.Size(), 3u); // LEFT ing-3 is not shown
  EXPECT_STREQ(shards[0]["id"].GetString(), "<x>");
  EXPECT_STREQ(shards[0]["state"].GetString(), "JOINING");
  EXPECT_STREQ(shards[1]["id"].GetString(), "ing-1");
  EXPECT_STREQ(shards[1]["state"].GetString(), "ACTIVE");
  EXPECT_STREQ(shards[1]["address"].GetString(), "127.0.0.1:3100");
  EXPECT_STREQ(shards[1]["timestamp"].GetString(), "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(shards[1]["tokens"].Size(), 1u);
  EXPECT_STREQ(shards[2]["state"].GetString(), "UNHEALTHY");
  EXPECT_STREQ(shards[2]["zone"].GetString(), "z");
  EXPECT_STREQ(doc["now"].GetString(), "2023-11-14T22:13:20.000Z");
}

TEST(ring_pages, html_has_a_forget_button_per_instance_and_escapes) {
  const int64_t now = 1'700'000'000'000;
  auto html = ring_html(sample(now), ring_options{}, now, "Ingester Ring Status", "/ring", false);
  EXPECT_NE(html.find("<form action=\"/ring\" method=\"POST\">"), std::string::npos);
  EXPECT_NE(html.find("<button name=\"forget\" value=\"ing-1\" type=\"submit\">Forget</button>"),
            std::string::npos);
  EXPECT_NE(html.find("&lt;x&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<x>"), std::string::npos);
  EXPECT_NE(html.find("a&amp;b"), std::string::npos);
  EXPECT_NE(html.find("UNHEALTHY"), std::string::npos);
  EXPECT_EQ(html.find("ing-3"), std::string::npos);
  auto with_tokens = ring_html(sample(now), ring_options{}, now, "t", "/ring", true);
  EXPECT_NE(with_tokens.find(std::to_string(0x40000000u)), std::string::npos);
}

TEST(ring_pages, memberlist_shows_peers_and_last_gossip) {
  const int64_t now = 1'700'000'000'000;
  std::vector<peer_status> peers{{"127.0.0.1:7947", true, now - 200, 0, ""},
                                 {"127.0.0.1:7948", false, 0, 3, "connect: refused"}};
  auto json = memberlist_json("127.0.0.1:7946", "n1", peers, sample(now), now);
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  ASSERT_FALSE(doc.HasParseError()) << json;
  ASSERT_EQ(doc["members"].Size(), 2u);
  EXPECT_STREQ(doc["members"][0]["state"].GetString(), "alive");
  EXPECT_STREQ(doc["members"][0]["last_gossip"].GetString(), "2023-11-14T22:13:19.800Z");
  EXPECT_STREQ(doc["members"][1]["state"].GetString(), "unreachable");
  EXPECT_EQ(doc["members"][1]["failures"].GetUint(), 3u);
  auto html = memberlist_html("127.0.0.1:7946", "n1", peers, sample(now), ring_options{}, now);
  EXPECT_NE(html.find("connect: refused"), std::string::npos);
  EXPECT_NE(html.find("127.0.0.1:7948"), std::string::npos);
}
