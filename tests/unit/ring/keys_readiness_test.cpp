// Several rings in one gossip message (codec encode_keys/decode_keys) and
// the ingester's /ready decision (readiness_tracker: ports of dskit's
// TestCheckReady_MinReadyDuration and TestCheckReady_CheckRingHealth,
// write-path spec §4.4), plus Go's Duration.String used in its text.
#include <gtest/gtest.h>

#include "runtime/ring/codec.hpp"
#include "runtime/ring/pages.hpp"
#include "runtime/ring/readiness.hpp"

using namespace skald::ring;
using namespace std::chrono_literals;

namespace {

constexpr int64_t t0 = 1'700'000'000'000;

instance_desc inst(std::string id, instance_state st, int64_t ts, std::vector<token_t> tokens) {
  instance_desc d;
  d.addr = id + ":9095";
  d.id = std::move(id);
  d.state = st;
  d.timestamp = ts;
  d.tokens = std::move(tokens);
  return d;
}

ring_kv two_rings() {
  ring_kv kv;
  kv[std::string{ingester_ring_key}].ingesters["ing-1"] =
      inst("ing-1", instance_state::active, t0, {5, 9, 4000000000u});
  kv[std::string{ingester_ring_key}].ingesters["ing-2"] =
      inst("ing-2", instance_state::left, t0 - 10, {});
  kv[std::string{distributor_ring_key}].ingesters["dist-1"] =
      inst("dist-1", instance_state::active, t0 + 1, {77});
  return kv;
}

TEST(ring_keys_codec, round_trips_every_key) {
  auto kv = two_rings();
  auto back = decode_keys(encode_keys(kv));
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(*back, kv);
  auto none = decode_keys(encode_keys(ring_kv{}));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  // A key with an empty ring survives too (a ring everybody left).
  ring_kv empty_ring;
  empty_ring["collectors/x"];
  auto e = decode_keys(encode_keys(empty_ring));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->size(), 1u);
}

TEST(ring_keys_codec, rejects_truncated_trailing_and_malformed_input) {
  auto bytes = encode_keys(two_rings());
  for (size_t n = 0; n < bytes.size(); ++n)
    EXPECT_FALSE(decode_keys(bytes.substr(0, n)).ok()) << n;
  EXPECT_FALSE(decode_keys(bytes + "x").ok());
  // A single ring's encoding is not a key set.
  EXPECT_FALSE(decode_keys(encode(ring_desc{})).ok());
  // Keys out of order, duplicated or empty.
  auto frame = [](std::vector<std::string> keys) {
    std::string out = "SKK1";
    out.push_back(static_cast<char>(keys.size()));
    for (auto& k : keys) {
      out.push_back(static_cast<char>(k.size()));
      out += k;
      auto v = encode(ring_desc{});
      out.push_back(static_cast<char>(v.size()));
      out += v;
    }
    return out;
  };
  EXPECT_TRUE(decode_keys(frame({"a", "b"})).ok());
  EXPECT_EQ(decode_keys(frame({"b", "a"})).error().message(),
            "ring state: ring keys not strictly ascending");
  EXPECT_EQ(decode_keys(frame({"a", "a"})).error().message(),
            "ring state: ring keys not strictly ascending");
  EXPECT_EQ(decode_keys(frame({""})).error().message(), "ring state: empty ring key");
  // A bad value inside a key fails the whole message.
  auto bad = frame({"a"});
  bad[bad.size() - 2] = 'X'; // the value's magic "SKR1" -> "SKRX"
  EXPECT_EQ(decode_keys(bad).error().message(), "ring state: bad magic");
}

TEST(ring_keys_pages, memberlist_lists_every_ring_key) {
  std::vector<kv_key_status> keys{{"collectors/distributor", 4, 2}, {"collectors/ring", 9, 3}};
  auto json = memberlist_json("127.0.0.1:7946", "n1", {}, ring_desc{}, t0, keys);
  EXPECT_NE(json.find(R"("keys":[{"key":"collectors/distributor","version":4,"instances":2},)"
                      R"({"key":"collectors/ring","version":9,"instances":3}])"),
            std::string::npos)
      << json;
  auto html = memberlist_html("127.0.0.1:7946", "n1", {}, ring_desc{}, ring_options{}, t0, keys);
  EXPECT_NE(html.find("<tr><td>collectors/distributor</td><td>4</td><td>2</td></tr>"),
            std::string::npos)
      << html;
}

// -- readiness -------------------------------------------------------------------

ring_desc ring_of(std::initializer_list<instance_desc> list) {
  ring_desc d;
  for (auto& i : list)
    d.ingesters[i.id] = i;
  return d;
}

TEST(ring_readiness, TestCheckReady_MinReadyDuration) {
  auto ring = ring_of({inst("self", instance_state::active, t0, {1})});
  // Disabled: ready at once.
  readiness_tracker off{readiness_options{true, 60'000, 0}};
  EXPECT_EQ(off.check(ring, "self", t0), "");
  EXPECT_TRUE(off.ready());
  // 1s: not before one second of passing checks, counted from the first.
  readiness_tracker on{readiness_options{true, 60'000, 1'000}};
  EXPECT_EQ(on.check(ring, "self", t0), "waiting for 1s after being ready");
  EXPECT_EQ(on.check(ring, "self", t0 + 999), "waiting for 1s after being ready");
  EXPECT_EQ(on.check(ring, "self", t0 + 1'000), "");
  EXPECT_TRUE(on.ready());
}

TEST(ring_readiness, a_failing_check_restarts_the_min_ready_duration) {
  readiness_tracker r{readiness_options{true, 60'000, 15'000}};
  auto good = ring_of({inst("self", instance_state::active, t0, {1})});
  auto bad = ring_of({inst("self", instance_state::active, t0, {1}),
                      inst("other", instance_state::joining, t0, {})});
  EXPECT_EQ(r.check(good, "self", t0), "waiting for 15s after being ready");
  EXPECT_EQ(r.check(bad, "self", t0 + 10'000), "instance other:9095 in state JOINING");
  EXPECT_EQ(r.check(good, "self", t0 + 16'000), "waiting for 15s after being ready");
  EXPECT_EQ(r.check(good, "self", t0 + 30'999), "waiting for 15s after being ready");
  EXPECT_EQ(r.check(good, "self", t0 + 31'000), "");
}

TEST(ring_readiness, TestCheckReady_CheckRingHealth) {
  const int64_t timeout = 60'000;
  // The other instance joins later than this one.
  auto only_self = ring_of({inst("self", instance_state::active, t0, {1}),
                            inst("other", instance_state::pending, t0, {})});
  auto both = ring_of({inst("self", instance_state::active, t0, {1}),
                       inst("other", instance_state::active, t0, {2})});
  // Disabled: only this instance has to be ACTIVE and healthy.
  readiness_tracker self_only{readiness_options{false, timeout, 0}};
  EXPECT_EQ(self_only.check(only_self, "self", t0), "");
  // Enabled: every instance.
  readiness_tracker all{readiness_options{true, timeout, 0}};
  EXPECT_EQ(all.check(only_self, "self", t0), "instance other:9095 in state PENDING");
  EXPECT_EQ(all.check(both, "self", t0), "");
}

TEST(ring_readiness, texts_for_each_problem_and_once_ready_stays_ready) {
  const int64_t timeout = 60'000;
  readiness_tracker r{readiness_options{true, timeout, 0}};
  // Own entry missing, without tokens, or a tombstone: no tokens.
  EXPECT_EQ(r.check(ring_desc{}, "self", t0), "this instance owns no tokens");
  EXPECT_EQ(r.check(ring_of({inst("self", instance_state::joining, t0, {})}), "self", t0),
            "this instance owns no tokens");
  EXPECT_EQ(r.check(ring_of({inst("self", instance_state::left, t0, {})}), "self", t0),
            "this instance owns no tokens");
  // A stale member (a killed node not forgotten yet).
  auto stale = ring_of({inst("self", instance_state::active, t0, {1}),
                        inst("dead", instance_state::active, t0 - timeout - 1, {2})});
  EXPECT_EQ(r.check(stale, "self", t0), "instance dead:9095 past heartbeat timeout");
  // LEFT tombstones are ignored.
  auto left = ring_of({inst("self", instance_state::active, t0, {1}),
                       inst("gone", instance_state::left, t0 - 2 * timeout, {})});
  EXPECT_EQ(r.check(left, "self", t0), "");
  EXPECT_TRUE(r.ready());
  EXPECT_EQ(r.check(stale, "self", t0), "");
  // Without the ring check only the own entry counts, with the same texts.
  readiness_tracker own{readiness_options{false, timeout, 0}};
  EXPECT_EQ(
      own.check(ring_of({inst("self", instance_state::active, t0 - timeout - 1, {1})}), "self", t0),
      "instance self:9095 past heartbeat timeout");
  EXPECT_EQ(own.check(ring_of({inst("self", instance_state::leaving, t0, {1})}), "self", t0),
            "instance self:9095 in state LEAVING");
}

TEST(ring_readiness, go_duration_strings) {
  EXPECT_EQ(go_duration_string(0s), "0s");
  EXPECT_EQ(go_duration_string(15s), "15s");
  EXPECT_EQ(go_duration_string(1min), "1m0s");
  EXPECT_EQ(go_duration_string(90s), "1m30s");
  EXPECT_EQ(go_duration_string(1h), "1h0m0s");
  EXPECT_EQ(go_duration_string(1h + 2min + 3500ms), "1h2m3.5s");
  EXPECT_EQ(go_duration_string(1500ms), "1.5s");
  EXPECT_EQ(go_duration_string(500ms), "500ms");
  EXPECT_EQ(go_duration_string(1200ns), "1.2\xC2\xB5s");
  EXPECT_EQ(go_duration_string(7ns), "7ns");
  EXPECT_EQ(go_duration_string(-2s), "-2s");
}

} // namespace
