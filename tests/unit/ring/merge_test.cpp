// CRDT merge of ring state (dskit merge_test.go, write-path spec §4.5),
// property tests (commutative, associative, idempotent over random states),
// lifecycle decisions (lifecycler_test.go) and the tokens file on disk.
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <unistd.h>

#include "runtime/ring/ring.hpp"
#include "runtime/storage/file_system.hpp"

using namespace skald::ring;

namespace {

constexpr int64_t now = 10'000'000;

instance_desc inst(const std::string& addr, int64_t ts, instance_state st,
                   std::vector<token_t> tokens) {
  instance_desc d;
  d.addr = addr;
  d.timestamp = ts;
  d.state = st;
  d.tokens = std::move(tokens);
  return d;
}

ring_desc desc(std::map<std::string, instance_desc> m) {
  ring_desc d;
  for (auto& [id, i] : m) {
    i.id = id;
    d.ingesters[id] = i;
  }
  return d;
}

ring_desc merged(ring_desc a, const ring_desc& b, merge_options o = {}) {
  merge(a, b, o);
  return a;
}

using s = instance_state;

ring_desc first_ring() {
  return desc({{"Ing 1", inst("addr1", now, s::active, {30, 40, 50})},
               {"Ing 2", inst("addr2", now, s::joining, {5, 10, 20, 100, 200})}});
}
ring_desc second_ring() {
  return desc({{"Ing 3", inst("addr3", now + 5, s::active, {150, 250, 350})},
               {"Ing 2", inst("addr2", now + 5, s::active, {5, 10, 20, 100, 200})}});
}
ring_desc third_ring() {
  return desc({{"Ing 1", inst("addr1", now + 10, s::leaving, {30, 40, 50})},
               {"Ing 2", inst("addr2", now, s::active, {5, 10, 20, 100, 200})}});
}
ring_desc fourth_ring() {
  return desc({{"Ing 1", inst("addr1", now + 10, s::left, {30, 40, 50})}});
}

} // namespace

TEST(ring_merge, TestMerge) {
  auto expected12 = desc({{"Ing 1", inst("addr1", now, s::active, {30, 40, 50})},
                          {"Ing 2", inst("addr2", now + 5, s::active, {5, 10, 20, 100, 200})},
                          {"Ing 3", inst("addr3", now + 5, s::active, {150, 250, 350})}});
  {
    auto our = first_ring();
    auto ch = merge(our, second_ring());
    EXPECT_EQ(our, expected12);
    EXPECT_EQ(ch, second_ring());
  }
  auto expected123 = expected12;
  expected123.ingesters["Ing 1"] = third_ring().ingesters["Ing 1"];
  {
    auto our = merged(first_ring(), second_ring());
    auto ch = merge(our, third_ring());
    EXPECT_EQ(our, expected123);
    EXPECT_EQ(ch, desc({{"Ing 1", inst("addr1", now + 10, s::leaving, {30, 40, 50})}}));
  }
  {
    auto our = expected123;
    auto ch = merge(our, fourth_ring());
    auto expected1234 = expected123;
    expected1234.ingesters["Ing 1"] = inst("addr1", now + 10, s::left, {});
    expected1234.ingesters["Ing 1"].id = "Ing 1";
    EXPECT_EQ(our, expected1234);
    EXPECT_EQ(ch, desc({{"Ing 1", inst("addr1", now + 10, s::left, {})}}));
  }
  {
    // Merging an older state changes nothing.
    auto our = expected12;
    auto ch = merge(our, first_ring());
    EXPECT_EQ(our, expected12);
    EXPECT_TRUE(ch.empty());
  }
}

TEST(ring_merge, TestMergeLeft) {
  auto second = desc({{"Ing 2", inst("addr2", now, s::left, {5, 10, 20, 100, 200})}});
  auto our = first_ring();
  auto ch = merge(our, second);
  // Same timestamp: LEFT wins the tie and loses its tokens.
  EXPECT_EQ(our.ingesters["Ing 2"].state, s::left);
  EXPECT_TRUE(our.ingesters["Ing 2"].tokens.empty());
  EXPECT_EQ(ch, desc({{"Ing 2", inst("addr2", now, s::left, {})}}));
  // ...and a non-LEFT state with the same timestamp does not win back.
  auto back = merge(our, first_ring());
  EXPECT_TRUE(back.empty());
  EXPECT_EQ(our.ingesters["Ing 2"].state, s::left);
  // A newer heartbeat does (the instance rejoined).
  auto rejoin = desc({{"Ing 2", inst("addr2", now + 1, s::active, {7})}});
  EXPECT_FALSE(merge(our, rejoin).empty());
  EXPECT_EQ(our.ingesters["Ing 2"].state, s::active);
}

TEST(ring_merge, TestMergeRemoveMissing) {
  auto first = desc({{"Ing 1", inst("addr1", now, s::active, {30, 40, 50})},
                     {"Ing 2", inst("addr2", now, s::active, {5, 10, 20, 100, 200})},
                     {"Ing 3", inst("addr3", now, s::leaving, {})}});
  auto second = desc({{"Ing 1", inst("addr1", now + 5, s::active, {30, 40, 50})},
                      {"Ing 2", inst("addr2", now, s::active, {5, 10, 20, 100, 200})}});
  merge_options cas{true, now + 7};
  auto our = first;
  auto ch = merge(our, second, cas);
  auto expected = desc({{"Ing 1", inst("addr1", now + 5, s::active, {30, 40, 50})},
                        {"Ing 2", inst("addr2", now, s::active, {5, 10, 20, 100, 200})},
                        {"Ing 3", inst("addr3", now + 7, s::left, {})}});
  EXPECT_EQ(our, expected);
  EXPECT_EQ(ch, desc({{"Ing 1", inst("addr1", now + 5, s::active, {30, 40, 50})},
                      {"Ing 3", inst("addr3", now + 7, s::left, {})}}));
  // Re-applying is idempotent, even at a later time.
  auto again = merge(our, second, merge_options{true, now + 100});
  EXPECT_TRUE(again.empty());
  EXPECT_EQ(our, expected);
}

TEST(ring_merge, TestMergeMissingIntoLeft) {
  auto our = desc({{"Ing 1", inst("addr1", now + 5, s::active, {30, 40, 50})},
                   {"Ing 2", inst("addr2", now, s::active, {5, 10, 20, 100, 200})},
                   {"Ing 3", inst("addr3", now, s::left, {})}});
  auto incoming = desc({{"Ing 1", inst("addr1", now + 10, s::active, {30, 40, 50})},
                        {"Ing 2", inst("addr2", now, s::active, {5, 10, 20, 100, 200})}});
  auto ch = merge(our, incoming, merge_options{true, now + 20});
  // The LEFT entry stays as it was: not re-tombstoned with a new time.
  EXPECT_EQ(our.ingesters["Ing 3"].state, s::left);
  EXPECT_EQ(our.ingesters["Ing 3"].timestamp, now);
  EXPECT_EQ(ch, desc({{"Ing 1", inst("addr1", now + 10, s::active, {30, 40, 50})}}));
}

TEST(ring_merge, TestTokensTakeover) {
  // Ing 2 (newer) claims 40, still owned by Ing 1: the smaller id keeps it.
  auto our = first_ring();
  auto incoming = desc({{"Ing 2", inst("addr2", now + 5, s::active, {5, 10, 20, 40, 100})}});
  merge(our, incoming);
  auto view = resolve_token_conflicts(our);
  EXPECT_EQ(view.ingesters["Ing 1"].tokens, (std::vector<token_t>{30, 40, 50}));
  EXPECT_EQ(view.ingesters["Ing 2"].tokens, (std::vector<token_t>{5, 10, 20, 100}));
  // Stored state keeps both claims (resolution happens on read).
  EXPECT_EQ(our.ingesters["Ing 2"].tokens, (std::vector<token_t>{5, 10, 20, 40, 100}));
  // Once Ing 1 is LEAVING, the ACTIVE Ing 2 takes the token over.
  merge(our, desc({{"Ing 1", inst("addr1", now + 6, s::leaving, {30, 40, 50})}}));
  auto view2 = resolve_token_conflicts(our);
  EXPECT_EQ(view2.ingesters["Ing 1"].tokens, (std::vector<token_t>{30, 50}));
  EXPECT_EQ(view2.ingesters["Ing 2"].tokens, (std::vector<token_t>{5, 10, 20, 40, 100}));
}

TEST(ring_merge, TestNormalizationAndConflictResolution) {
  auto our = desc({{"Ing 1", inst("addr1", now, s::active, {50, 40, 40, 30})},
                   {"Ing 2", inst("addr2", now, s::leaving, {50})}});
  normalize_tokens(our.ingesters["Ing 1"].tokens);
  auto incoming = desc({{"Ing 3", inst("addr3", now, s::left, {1, 2, 3})},
                        {"Ing 4", inst("addr4", now, s::active, {30, 20, 20, 10, 30})},
                        {"Ing 5", inst("addr5", now, s::active, {})}});
  auto ch = merge(our, incoming);
  EXPECT_TRUE(our.ingesters["Ing 3"].tokens.empty()); // LEFT: no tokens
  EXPECT_EQ(our.ingesters["Ing 4"].tokens, (std::vector<token_t>{10, 20, 30}));
  EXPECT_EQ(ch.ingesters.size(), 3u);
  auto view = resolve_token_conflicts(our);
  EXPECT_EQ(view.ingesters["Ing 1"].tokens,
            (std::vector<token_t>{30, 40, 50})); // 50: Ing 2 LEAVING
  EXPECT_TRUE(view.ingesters["Ing 2"].tokens.empty());
  EXPECT_EQ(view.ingesters["Ing 4"].tokens, (std::vector<token_t>{10, 20})); // 30: smaller id Ing 1
}

TEST(ring_merge, TestSendingOldTombstoneShouldNotForwardMessage) {
  ring_desc our;
  auto old_tombstone = desc({{"Ing 1", inst("addr1", now - 6 * 60'000, s::left, {})}});
  auto ch = merge(our, old_tombstone, merge_options{false, now, now - 5 * 60'000});
  EXPECT_TRUE(ch.empty());
  EXPECT_TRUE(our.empty());
  // A fresh tombstone is kept and forwarded; it expires later.
  auto fresh = desc({{"Ing 1", inst("addr1", now - 1000, s::left, {})}});
  EXPECT_FALSE(merge(our, fresh, merge_options{false, now, now - 5 * 60'000}).empty());
  EXPECT_EQ(remove_expired_tombstones(our, now), 1u);
  EXPECT_TRUE(our.empty());
}

TEST(ring_merge, mark_left_and_without_tombstones) {
  auto our = first_ring();
  EXPECT_TRUE(mark_left(our, "Ing 1", now)); // same ms as its heartbeat: bumped
  EXPECT_EQ(our.ingesters["Ing 1"].timestamp, now + 1);
  EXPECT_FALSE(mark_left(our, "Ing 1", now + 5));
  EXPECT_FALSE(mark_left(our, "nope", now));
  auto readers = without_tombstones(our);
  EXPECT_EQ(readers.ingesters.size(), 1u);
  // The tombstone beats the instance's last state anywhere it arrives.
  auto peer = first_ring();
  merge(peer, our);
  EXPECT_EQ(peer.ingesters["Ing 1"].state, s::left);
}

// -- properties ---------------------------------------------------------------

namespace {

ring_desc random_state(std::mt19937_64& rng) {
  // Few ids, few timestamps, few token values: collisions and ties on
  // purpose, so every rule of the merge is exercised.
  std::uniform_int_distribution<int> n_inst{0, 5};
  std::uniform_int_distribution<int> id{0, 5};
  std::uniform_int_distribution<int> ts{0, 3};
  std::uniform_int_distribution<int> st{0, 4};
  std::uniform_int_distribution<int> n_tok{0, 3};
  std::uniform_int_distribution<int> tok{0, 9};
  std::uniform_int_distribution<int> addr{0, 1};
  ring_desc d;
  for (int k = n_inst(rng); k > 0; --k) {
    instance_desc i;
    i.id = "i" + std::to_string(id(rng));
    i.addr = "a" + std::to_string(addr(rng));
    i.state = static_cast<instance_state>(st(rng));
    i.timestamp = ts(rng);
    for (int t = n_tok(rng); t > 0; --t)
      i.tokens.push_back(static_cast<token_t>(tok(rng)));
    if (i.state == instance_state::left)
      i.tokens.clear();
    normalize_tokens(i.tokens);
    d.ingesters[i.id] = i;
  }
  return d;
}

} // namespace

TEST(ring_merge_property, commutative_associative_idempotent) {
  std::mt19937_64 rng{20261121};
  for (int round = 0; round < 5000; ++round) {
    auto a = random_state(rng);
    auto b = random_state(rng);
    auto c = random_state(rng);
    ASSERT_EQ(merged(a, b), merged(b, a)) << "round " << round;
    ASSERT_EQ(merged(merged(a, b), c), merged(a, merged(b, c))) << "round " << round;
    ASSERT_EQ(merged(a, a), a) << "round " << round;
    auto ab = merged(a, b);
    ring_desc copy = ab;
    ASSERT_TRUE(merge(copy, b).empty()) << "round " << round; // b already absorbed
    // The resolved (read) view is a function of the merged state only.
    ASSERT_EQ(resolve_token_conflicts(merged(a, b)), resolve_token_conflicts(merged(b, a)));
    // No token has two owners after resolution.
    std::map<token_t, int> owners;
    for (auto& [id, i] : resolve_token_conflicts(ab).ingesters)
      if (i.state != instance_state::left) {
        for (auto t : i.tokens) {
          ASSERT_EQ(++owners[t], 1) << "round " << round;
        }
      }
    // The encoding is lossless on every merged state.
    auto back = decode(encode(ab));
    ASSERT_TRUE(back.ok());
    ASSERT_EQ(*back, ab);
  }
}

TEST(ring_merge_property, change_applied_elsewhere_converges) {
  // Forwarding only the change (dskit gossip) gives the same state as
  // forwarding everything.
  std::mt19937_64 rng{99};
  for (int round = 0; round < 5000; ++round) {
    auto a = random_state(rng);
    auto b = random_state(rng);
    auto peer = random_state(rng);
    peer = merged(peer, a); // peer already knew a
    auto local = a;
    auto ch = merge(local, b);
    ASSERT_EQ(merged(peer, ch), merged(peer, local)) << "round " << round;
  }
}

// -- lifecycle ----------------------------------------------------------------

TEST(ring_lifecycle, transitions_follow_dskit) {
  EXPECT_TRUE(check_transition(s::joining, s::active).ok());
  EXPECT_TRUE(check_transition(s::pending, s::active).ok());
  EXPECT_TRUE(check_transition(s::active, s::leaving).ok());
  EXPECT_TRUE(check_transition(s::leaving, s::left).ok());
  auto bad = check_transition(s::active, s::joining);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.message(), "changing instance state from ACTIVE -> JOINING is disallowed");
}

TEST(ring_lifecycle, stamp_always_moves_forward) {
  ring_desc ring;
  auto self = make_joining("ing-1", "127.0.0.1:9095", "", {}, now);
  stamp(ring, self, now);
  EXPECT_EQ(ring.find("ing-1")->timestamp, now + 1); // make_joining used `now` already
  self.state = s::active;
  stamp(ring, self, now); // same millisecond: still newer
  EXPECT_EQ(ring.find("ing-1")->timestamp, now + 2);
  // Someone forgot us while we were partitioned: our next heartbeat wins back.
  mark_left(ring, "ing-1", now + 50);
  stamp(ring, self, now + 10);
  EXPECT_EQ(ring.find("ing-1")->state, s::active);
  EXPECT_EQ(ring.find("ing-1")->timestamp, now + 51);
  ring_desc peer;
  peer.ingesters["ing-1"] = ring.ingesters["ing-1"];
  mark_left(peer, "ing-1", now + 50);
  peer.ingesters["ing-1"].timestamp = now + 50;
  merge(peer, ring);
  EXPECT_EQ(peer.find("ing-1")->state, s::active);
}

TEST(ring_lifecycle, TestJoinInLeavingState_fixes_token_count) {
  std::mt19937_64 rng{5};
  ring_desc ring = desc({{"other", inst("o", now, s::active, {1, 2, 3, 4, 5})}});
  auto self = make_joining("me", "m", "", {2, 10}, now); // 2 collides: resolution decides
  EXPECT_EQ(fix_token_count(self, ring, 5, rng), 3);
  EXPECT_EQ(self.tokens.size(), 5u);
  for (auto t : self.tokens)
    if (t != 2) {
      EXPECT_TRUE(t < 1 || t > 5) << t; // new tokens avoid the others'
    }
  EXPECT_EQ(fix_token_count(self, ring, 3, rng), -2); // TestLifecycler_DecreasingTokens...
  EXPECT_EQ(self.tokens.size(), 3u);
  EXPECT_TRUE(std::is_sorted(self.tokens.begin(), self.tokens.end()));
  EXPECT_EQ(fix_token_count(self, ring, 3, rng), 0);
}

TEST(ring_lifecycle, TestLifecycler_ShouldHandleInstanceAbruptlyRestarted_adopts_tokens) {
  ring_desc seen = desc({{"me", inst("m", now - 1000, s::active, {7, 8, 9})}});
  auto self = make_joining("me", "m", "", {}, now);
  EXPECT_TRUE(adopt_previous_tokens(self, seen));
  EXPECT_EQ(self.tokens, (std::vector<token_t>{7, 8, 9}));
  EXPECT_FALSE(adopt_previous_tokens(self, seen)); // only while without tokens
  auto fresh = make_joining("me", "m", "", {}, now);
  ring_desc gone = desc({{"me", inst("m", now - 1000, s::left, {})}});
  EXPECT_FALSE(adopt_previous_tokens(fresh, gone));
}

TEST(ring_lifecycle, forget_unhealthy_after_period) {
  const int64_t hb = 60'000;
  ring_desc ring = desc({{"me", inst("m", now, s::active, {1})},
                         {"ok", inst("o", now - 1000, s::active, {2})},
                         {"dead", inst("d", now - 120'001, s::active, {3})},
                         {"gone", inst("g", now - 500'000, s::left, {})}});
  EXPECT_TRUE(forget_unhealthy(ring, "me", now, 0, hb).empty()); // disabled
  EXPECT_TRUE(forget_unhealthy(ring, "me", now, 200'000, hb).empty());
  auto ids = forget_unhealthy(ring, "me", now, 120'000, hb);
  EXPECT_EQ(ids, (std::vector<std::string>{"dead"}));
  EXPECT_EQ(ring.find("dead")->state, s::left);
  EXPECT_EQ(ring.find("dead")->timestamp, now);
  // Every other member unhealthy (two or more): this node is the odd one out.
  ring_desc lonely = desc({{"me", inst("m", now, s::active, {1})},
                           {"x", inst("x", now - 500'000, s::active, {2})},
                           {"y", inst("y", now - 500'000, s::active, {3})}});
  EXPECT_TRUE(forget_unhealthy(lonely, "me", now, 120'000, hb).empty());
}

// -- tokens file --------------------------------------------------------------

TEST(ring_tokens, TestTokensOnDisk) {
  skald::storage::memory_fs fs;
  std::vector<token_t> tokens{1, 5, 9};
  ASSERT_TRUE(store_tokens_file(fs, "/data/ring/tokens", tokens).ok());
  auto back = load_tokens_file(fs, "/data/ring/tokens");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, tokens);
  EXPECT_EQ(fs.files(), (std::vector<std::string>{"/data/ring/tokens"})); // no temp left
  auto missing = load_tokens_file(fs, "/data/none");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), skald::errc::not_found);
  fs.put("/data/bad", "{");
  EXPECT_EQ(load_tokens_file(fs, "/data/bad").error().code(), skald::errc::invalid_argument);
}

TEST(ring_tokens, tokens_file_on_a_real_disk_is_replaced_atomically) {
  char tmpl[] = "/tmp/skald-ring-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string path = std::string{tmpl} + "/sub/tokens";
  skald::storage::posix_fs fs;
  ASSERT_TRUE(store_tokens_file(fs, path, {1, 2}).ok());
  ASSERT_TRUE(store_tokens_file(fs, path, {3, 4, 5}).ok());
  auto back = load_tokens_file(fs, path);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, (std::vector<token_t>{3, 4, 5}));
  auto names = fs.list_dir(std::string{tmpl} + "/sub");
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"tokens"}));
  int rc = std::system((std::string{"rm -rf "} + tmpl).c_str());
  EXPECT_EQ(rc, 0);
}
