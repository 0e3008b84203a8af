// util::lru_cache: bounded size, recency order, cost budget, and the
// open-addressing table staying consistent through many evictions.
#include "runtime/util/lru_cache.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>

namespace skald::util {
namespace {

TEST(lru_cache, miss_then_hit_returns_the_stored_value) {
  lru_cache<int> c{4};
  EXPECT_EQ(c.find("a"), nullptr);
  c.insert("a", 1);
  ASSERT_NE(c.find("a"), nullptr);
  EXPECT_EQ(*c.find("a"), 1);
  EXPECT_EQ(c.find("b"), nullptr);
  EXPECT_EQ(c.size(), 1u);
}

TEST(lru_cache, evicts_the_least_recently_used_entry_when_full) {
  lru_cache<int> c{3};
  c.insert("a", 1);
  c.insert("b", 2);
  c.insert("c", 3);
  ASSERT_NE(c.find("a"), nullptr); // a is now the most recent; b the least
  c.insert("d", 4);
  EXPECT_EQ(c.size(), 3u);
  EXPECT_EQ(c.find("b"), nullptr);
  EXPECT_NE(c.find("a"), nullptr);
  EXPECT_NE(c.find("c"), nullptr);
  EXPECT_NE(c.find("d"), nullptr);
  EXPECT_EQ(c.keys_by_recency(), (std::vector<std::string>{"d", "c", "a"}));
}

TEST(lru_cache, cost_budget_evicts_oldest_until_it_holds) {
  lru_cache<int> c{100, 10};
  c.insert("a", 1, 4);
  c.insert("b", 2, 4);
  EXPECT_EQ(c.total_cost(), 8u);
  c.insert("c", 3, 4); // 12 > 10: a goes
  EXPECT_EQ(c.find("a"), nullptr);
  EXPECT_EQ(c.total_cost(), 8u);
  c.insert("big", 4, 50); // alone over budget: everything else goes, it stays
  EXPECT_EQ(c.size(), 1u);
  ASSERT_NE(c.find("big"), nullptr);
  EXPECT_EQ(*c.find("big"), 4);
  EXPECT_EQ(c.total_cost(), 50u);
}

TEST(lru_cache, clear_empties_and_the_cache_is_usable_again) {
  lru_cache<int> c{2};
  c.insert("a", 1);
  c.insert("b", 2);
  c.clear();
  EXPECT_EQ(c.size(), 0u);
  EXPECT_EQ(c.total_cost(), 0u);
  EXPECT_EQ(c.find("a"), nullptr);
  c.insert("a", 3);
  EXPECT_EQ(*c.find("a"), 3);
}

TEST(lru_cache, long_keys_and_keys_sharing_prefixes_are_distinct) {
  lru_cache<int> c{8};
  std::string long_a(1000, 'x');
  std::string long_b = long_a;
  long_b.back() = 'y';
  c.insert(long_a, 1);
  c.insert(long_b, 2);
  c.insert(std::string_view{"x"}, 3);
  EXPECT_EQ(*c.find(long_a), 1);
  EXPECT_EQ(*c.find(long_b), 2);
  EXPECT_EQ(*c.find("x"), 3);
  EXPECT_EQ(c.find(""), nullptr);
}

// Against a reference model: a map key -> last use, over random traffic with
// a small capacity (many evictions, table growth, backward shifts).
TEST(lru_cache, matches_a_reference_model_under_random_traffic) {
  constexpr size_t cap = 37;
  lru_cache<int> c{cap};
  std::map<std::string, std::pair<int, uint64_t>> model; // key -> (value, last use)
  std::mt19937 gen{42};
  uint64_t clock = 0;
  for (int step = 0; step < 200000; ++step) {
    auto key = "k" + std::to_string(gen() % 120);
    ++clock;
    auto* hit = c.find(key);
    auto it = model.find(key);
    ASSERT_EQ(hit != nullptr, it != model.end()) << "step " << step << " key " << key;
    if (hit) {
      ASSERT_EQ(*hit, it->second.first);
      it->second.second = clock;
      continue;
    }
    if (model.size() == cap) {
      auto oldest = model.begin();
      for (auto j = model.begin(); j != model.end(); ++j)
        if (j->second.second < oldest->second.second)
          oldest = j;
      model.erase(oldest);
    }
    int v = static_cast<int>(gen());
    c.insert(key, v);
    model[key] = {v, clock};
    ASSERT_EQ(c.size(), model.size());
  }
  // Same content, and recency order equals the model's.
  std::vector<std::pair<uint64_t, std::string>> order;
  for (auto& [k, v] : model)
    order.emplace_back(v.second, k);
  std::sort(order.rbegin(), order.rend());
  std::vector<std::string> expected;
  for (auto& [t, k] : order)
    expected.push_back(k);
  EXPECT_EQ(c.keys_by_recency(), expected);
}

} // namespace
} // namespace skald::util
