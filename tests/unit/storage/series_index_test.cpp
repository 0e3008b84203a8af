// series_index: lookups with every matcher type (Prometheus empty-value
// semantics, anchored RE2), time ranges, label names/values; a randomised
// cross-check of select() against evaluating every series directly.
#include "runtime/storage/series_index.hpp"

#include <gtest/gtest.h>

#include <random>

#include "storage_test_util.hpp"

namespace skald::storage {
namespace {

using testing::labels_of;

label_matcher m(const char* name, match_type t, const char* value) {
  auto r = make_matcher(name, t, value);
  EXPECT_TRUE(r.ok()) << r.error().to_string();
  return *r;
}

constexpr auto EQ = match_type::eq;
constexpr auto NEQ = match_type::neq;
constexpr auto RE = match_type::re;
constexpr auto NRE = match_type::nre;

class series_index_test : public ::testing::Test {
protected:
  void SetUp() override {
    add({{"app", "api"}, {"env", "prod"}}, 1, {100, 200});
    add({{"app", "api"}, {"env", "dev"}}, 2, {150, 250});
    add({{"app", "web"}, {"env", "prod"}, {"team", "a"}}, 3, {300, 400});
    add({{"app", "xapi"}}, 4, {50, 60});
    add({{"env", "prod"}, {"msg", "a\nb"}}, 5, {100, 100});
  }
  void add(std::initializer_list<std::pair<const char*, const char*>> ls, uint64_t fp,
           std::pair<int64_t, int64_t> range) {
    series_chunks s{labels_of(ls), fp, {chunk_ref{range.first, range.second, uint32_t(fp), 10, 1}}};
    idx_.apply(s);
  }
  std::vector<uint64_t> fps(const std::vector<label_matcher>& ms, int64_t from = INT64_MIN,
                            int64_t through = INT64_MAX) {
    std::vector<series_chunks> out;
    idx_.series(idx_.select(ms), from, through, out);
    std::vector<uint64_t> f;
    f.reserve(out.size());
    for (auto& s : out)
      f.push_back(s.fingerprint);
    std::sort(f.begin(), f.end());
    return f;
  }
  using V = std::vector<uint64_t>;
  series_index idx_;
};

TEST_F(series_index_test, equality) {
  EXPECT_EQ(fps({m("app", EQ, "api")}), (V{1, 2}));
  EXPECT_EQ(fps({m("app", EQ, "api"), m("env", EQ, "prod")}), (V{1}));
  EXPECT_EQ(fps({m("app", EQ, "nope")}), V{});
  EXPECT_EQ(fps({m("nolabel", EQ, "x")}), V{});
}

TEST_F(series_index_test, equality_with_empty_value_selects_series_lacking_the_label) {
  EXPECT_EQ(fps({m("team", EQ, "")}), (V{1, 2, 4, 5}));
  EXPECT_EQ(fps({m("app", EQ, "api"), m("team", EQ, "")}), (V{1, 2}));
  EXPECT_EQ(fps({m("nolabel", EQ, "")}), (V{1, 2, 3, 4, 5}));
}

TEST_F(series_index_test, inequality_includes_series_without_the_label) {
  EXPECT_EQ(fps({m("app", NEQ, "api")}), (V{3, 4, 5}));
  EXPECT_EQ(fps({m("env", EQ, "prod"), m("app", NEQ, "api")}), (V{3, 5}));
  // != "" means "has the label".
  EXPECT_EQ(fps({m("team", NEQ, "")}), (V{3}));
}

TEST_F(series_index_test, regex_is_fully_anchored) {
  EXPECT_EQ(fps({m("app", RE, "api")}), (V{1, 2})); // not xapi
  EXPECT_EQ(fps({m("app", RE, "a.*")}), (V{1, 2}));
  EXPECT_EQ(fps({m("app", RE, ".*api")}), (V{1, 2, 4}));
  EXPECT_EQ(fps({m("app", RE, "api|web")}), (V{1, 2, 3}));
  EXPECT_EQ(fps({m("app", RE, ".+")}), (V{1, 2, 3, 4}));
  // Matches "": also series without the label.
  EXPECT_EQ(fps({m("app", RE, ".*")}), (V{1, 2, 3, 4, 5}));
  EXPECT_EQ(fps({m("app", RE, "web|")}), (V{3, 5}));
  // (?s): '.' matches a newline.
  EXPECT_EQ(fps({m("msg", RE, "a.b")}), (V{5}));
}

TEST_F(series_index_test, negative_regex) {
  EXPECT_EQ(fps({m("app", NRE, "a.*")}), (V{3, 4, 5}));
  EXPECT_EQ(fps({m("app", NRE, ".+")}), (V{5}));
  EXPECT_EQ(fps({m("app", NRE, ".*")}), V{});
  EXPECT_EQ(fps({m("env", EQ, "prod"), m("app", NRE, "api|web")}), (V{5}));
}

TEST_F(series_index_test, no_matchers_selects_everything) {
  EXPECT_EQ(fps({}), (V{1, 2, 3, 4, 5}));
}

TEST_F(series_index_test, time_range_overlap_is_inclusive_on_both_ends) {
  EXPECT_EQ(fps({}, 200, 299), (V{1, 2}));
  EXPECT_EQ(fps({}, 201, 299), (V{2}));
  EXPECT_EQ(fps({}, 251, 299), V{});
  EXPECT_EQ(fps({}, 400, 500), (V{3}));
  EXPECT_EQ(fps({}, 0, 50), (V{4}));
  EXPECT_EQ(fps({m("app", EQ, "api")}, 0, 120), (V{1}));
}

TEST_F(series_index_test, label_names_and_values_respect_range_and_matchers) {
  std::vector<std::string> out;
  idx_.label_names(INT64_MIN, INT64_MAX, nullptr, out);
  EXPECT_EQ(out, (std::vector<std::string>{"app", "env", "msg", "team"}));
  out.clear();
  idx_.label_names(0, 250, nullptr, out);
  EXPECT_EQ(out, (std::vector<std::string>{"app", "env", "msg"}));
  out.clear();
  auto ids = idx_.select({m("app", EQ, "web")});
  idx_.label_names(INT64_MIN, INT64_MAX, &ids, out);
  EXPECT_EQ(out, (std::vector<std::string>{"app", "env", "team"}));
  out.clear();
  idx_.label_values("app", INT64_MIN, INT64_MAX, nullptr, out);
  EXPECT_EQ(out, (std::vector<std::string>{"api", "web", "xapi"}));
  out.clear();
  idx_.label_values("app", 300, 1000, nullptr, out);
  EXPECT_EQ(out, (std::vector<std::string>{"web"}));
  out.clear();
  auto prod = idx_.select({m("env", EQ, "prod")});
  idx_.label_values("app", INT64_MIN, INT64_MAX, &prod, out);
  EXPECT_EQ(out, (std::vector<std::string>{"api", "web"}));
  out.clear();
  idx_.label_values("nolabel", INT64_MIN, INT64_MAX, nullptr, out);
  EXPECT_TRUE(out.empty());
}

TEST_F(series_index_test, refs_are_deduplicated_and_sorted) {
  series_chunks again{labels_of({{"app", "api"}, {"env", "prod"}}),
                      1,
                      {chunk_ref{100, 200, 1, 10, 1}, chunk_ref{10, 20, 9, 1, 1}}};
  EXPECT_EQ(idx_.missing(again).chunks.size(), 1u);
  EXPECT_EQ(idx_.apply(again), 1u);
  EXPECT_EQ(idx_.apply(again), 0u);
  EXPECT_EQ(idx_.series_count(), 5u);
  EXPECT_EQ(idx_.chunk_count(), 6u);
  std::vector<series_chunks> out;
  idx_.series({0}, INT64_MIN, INT64_MAX, out);
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].chunks.size(), 2u);
  EXPECT_EQ(out[0].chunks[0].from_ms, 10);
}

TEST_F(series_index_test, same_fingerprint_different_labels_are_two_series) {
  series_chunks collide{labels_of({{"app", "other"}}), 1, {chunk_ref{1, 2, 3, 4, 5}}};
  idx_.apply(collide);
  EXPECT_EQ(idx_.series_count(), 6u);
  EXPECT_EQ(fps({m("app", EQ, "other")}), (V{1}));
}

TEST(matcher, bad_regex_and_empty_name_are_invalid) {
  EXPECT_EQ(make_matcher("a", match_type::re, "(").error().code(), errc::invalid_argument);
  EXPECT_EQ(make_matcher("", match_type::eq, "x").error().code(), errc::invalid_argument);
  EXPECT_EQ(make_matcher("a", match_type::nre, "x+").value().to_string(), "a!~\"x+\"");
}

// select() must agree with evaluating every matcher on every series.
TEST(series_index_random, select_agrees_with_brute_force) {
  std::mt19937_64 rng{42};
  const char* names[] = {"app", "env", "pod", "team", "zone"};
  const char* values[] = {"a", "b", "c", "ab", "abc", "x1", "x2"};
  series_index idx;
  std::vector<model::label_set> all;
  for (uint32_t i = 0; i < 400; ++i) {
    model::label_set ls;
    for (auto* n : names)
      if (rng() % 3 != 0)
        ls.push_back({n, values[rng() % 7]});
    model::normalise(ls);
    series_chunks s{ls, i, {chunk_ref{int64_t(i), int64_t(i), i, 1, 1}}};
    if (idx.missing(s).chunks.empty())
      continue;
    idx.apply(s);
    all.push_back(ls);
  }
  const char* patterns[] = {"a", "", "a.*", ".*", ".+", "x[12]", "b|c", "abc|"};
  for (int round = 0; round < 3000; ++round) {
    std::vector<label_matcher> ms;
    int n = static_cast<int>(rng() % 4);
    for (int k = 0; k < n; ++k) {
      auto t = static_cast<match_type>(rng() % 4);
      const char* v = (t == match_type::re || t == match_type::nre) ? patterns[rng() % 8]
                      : (rng() % 4 == 0)                            ? ""
                                                                    : values[rng() % 7];
      ms.push_back(m(names[rng() % 5], t, v));
    }
    std::vector<uint32_t> expect;
    for (uint32_t id = 0; id < idx.entries().size(); ++id) {
      bool ok = true;
      for (auto& mm : ms)
        ok = ok && mm.matches(model::get(idx.entries()[id].labels, mm.name));
      if (ok)
        expect.push_back(id);
    }
    ASSERT_EQ(idx.select(ms), expect) << "round " << round;
  }
}

} // namespace
} // namespace skald::storage
