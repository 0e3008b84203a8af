// Validation tables (TestValidator_ValidateLabels / ValidateEntry,
// TestDistributor error grouping, Test_IncrementTimestamp, Test_TruncateLogLines).
#include "runtime/validation/validator.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "runtime/model/label_parse.hpp"
#include "runtime/model/time_format.hpp"
#include "runtime/validation/reasons.hpp"

namespace skald::validation {
namespace {

using namespace std::chrono_literals;

// 2023-11-14T22:13:20Z
const auto test_now = std::chrono::system_clock::time_point{std::chrono::seconds{1700000000}};
constexpr int64_t sec = 1000000000;
constexpr int64_t now_ns = 1700000000 * sec;

model::label_set parse(std::string_view s) {
  auto r = model::parse_labels(s);
  EXPECT_TRUE(r.ok()) << r.error().message();
  return r.ok() ? *r : model::label_set{};
}

struct labels_case {
  const char* name;
  std::function<void(validation_limits&)> tweak;
  std::string labels;
  std::string_view reason; // empty = valid
  std::string message;
};

TEST(validate_labels, loki_table) {
  const labels_case cases[] = {
      {"valid", {}, R"({foo="bar"})", {}, {}},
      {"empty",
       {},
       "{}",
       reason::missing_labels,
       "error at least one label pair is required per stream"},
      {"too many labels", [](auto& l) { l.max_label_names_per_series = 2; },
       R"({foo="bar",food="bars",fed="bears"})", reason::max_label_names_per_series,
       R"(entry for stream '{foo="bar",food="bars",fed="bears"}' has 3 label names; limit 2)"},
      {"service_name does not count",
       [](auto& l) { l.max_label_names_per_series = 2; },
       R"({foo="bar",food="bars",service_name="svc"})",
       {},
       {}},
      {"label name too long", [](auto& l) { l.max_label_name_length = 5; }, R"({fooooo="bar"})",
       reason::label_name_too_long, R"(stream '{fooooo="bar"}' has label name too long: 'fooooo')"},
      {"label value too long", [](auto& l) { l.max_label_value_length = 5; }, R"({foo="barrrrrr"})",
       reason::label_value_too_long,
       R"(stream '{foo="barrrrrr"}' has label value too long: 'barrrrrr')"},
      {"duplicate label names",
       {},
       R"({foo="bar", foo="barf"})",
       reason::duplicate_label_names,
       R"(stream '{foo="bar", foo="barf"}' has duplicate label name: 'foo')"},
      {"label value contains %",
       {},
       R"({foo="bar", foo="barf%s"})",
       reason::duplicate_label_names,
       R"(stream '{foo="bar", foo="barf%s"}' has duplicate label name: 'foo')"},
      {"name checked before value, per label in sorted order",
       [](auto& l) {
         l.max_label_name_length = 3;
         l.max_label_value_length = 3;
       },
       R"({zzzz="b", a="long"})", reason::label_value_too_long,
       R"(stream '{zzzz="b", a="long"}' has label value too long: 'long')"},
      {"internal streams skip the checks",
       [](auto& l) { l.max_label_names_per_series = 1; },
       R"({__pattern__="x", a="b", c="d"})",
       {},
       {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    validation_limits lim;
    if (c.tweak)
      c.tweak(lim);
    auto ctx = make_context(lim, test_now, "user");
    auto v = validate_labels(ctx, parse(c.labels), c.labels);
    EXPECT_EQ(v.reason(), c.reason);
    EXPECT_EQ(v.message(), c.message);
    EXPECT_EQ(v.ok(), c.reason.empty());
  }
}

TEST(validate_labels, enforced_labels) {
  validation_limits lim;
  lim.enforced_labels = {"app", "env", "team"};
  auto ctx = make_context(lim, test_now, "tenant-a");
  auto v = validate_enforced_labels(ctx, parse(R"({env="prod"})"), R"({env="prod"})", "p1");
  EXPECT_EQ(v.reason(), reason::missing_enforced_labels);
  EXPECT_EQ(
      v.message(),
      R"(missing required labels 'app,team' for user 'tenant-a' for stream '{env="prod"}' (policy: 'p1'))");
  EXPECT_TRUE(validate_enforced_labels(ctx, parse(R"({app="a", env="e", team="t"})"), "x").ok());
}

struct entry_case {
  const char* name;
  std::function<void(validation_limits&)> tweak;
  int64_t ts;
  std::string line;
  model::label_set metadata;
  std::string_view reason;
  std::string message;
};

TEST(validate_entry, loki_table) {
  const std::string labels = R"({foo="bar"})";
  const entry_case cases[] = {
      {"valid", {}, now_ns, "test", {}, {}, {}},
      {"too old",
       [](auto& l) { l.reject_old_samples_max_age = 1h; },
       now_ns - 5 * 3600 * sec,
       "test",
       {},
       reason::greater_than_max_sample_age,
       R"(entry for stream '{foo="bar"}' has timestamp too old: 2023-11-14T17:13:20Z, oldest acceptable timestamp is: 2023-11-14T21:13:20Z)"},
      {"old accepted when reject_old_samples is off",
       [](auto& l) {
         l.reject_old_samples = false;
         l.reject_old_samples_max_age = 1h;
       },
       now_ns - 5 * 3600 * sec,
       "test",
       {},
       {},
       {}},
      {"exactly at the cutoff is accepted",
       [](auto& l) { l.reject_old_samples_max_age = 1h; },
       now_ns - 3600 * sec,
       "test",
       {},
       {},
       {}},
      {"too new",
       [](auto& l) { l.creation_grace_period = 1h; },
       now_ns + 5 * 3600 * sec,
       "test",
       {},
       reason::too_far_in_future,
       R"(entry for stream '{foo="bar"}' has timestamp too new: 2023-11-15T03:13:20Z)"},
      {"inside the grace period",
       [](auto& l) { l.creation_grace_period = 10min; },
       now_ns + 599 * sec,
       "test",
       {},
       {},
       {}},
      {"line too long",
       [](auto& l) { l.max_line_size = 10; },
       now_ns,
       "12345678901",
       {},
       reason::line_too_long,
       R"(max entry size '10' bytes exceeded for stream '{foo="bar"}' while adding an entry with length '11' bytes)"},
      {"max_line_size 0 is unlimited",
       [](auto& l) { l.max_line_size = 0; },
       now_ns,
       std::string(1 << 20, 'x'),
       {},
       {},
       {}},
      {"disallowed structured metadata",
       [](auto& l) { l.allow_structured_metadata = false; },
       now_ns,
       "test",
       {{"foo", "bar"}},
       reason::disallowed_structured_metadata,
       "stream '{foo=\"bar\"}' includes structured metadata, but this feature is disallowed. "
       "Please see "
       "`limits_config.allow_structured_metadata` or contact your Loki administrator to enable "
       "it."},
      {"structured metadata too large",
       [](auto& l) { l.max_structured_metadata_size = 4; },
       now_ns,
       "test",
       {{"foo", "bar"}},
       reason::structured_metadata_too_large,
       "stream '{foo=\"bar\"}' has structured metadata too large: '6' bytes, limit: '4' bytes. "
       "Please see "
       "`limits_config.max_structured_metadata_size` or contact your Loki administrator to "
       "increase it."},
      {"structured metadata too many",
       [](auto& l) { l.max_structured_metadata_entries_count = 1; },
       now_ns,
       "test",
       {{"foo", "bar"}, {"too", "many"}},
       reason::structured_metadata_too_many,
       "stream '{foo=\"bar\"}' has too many structured metadata labels: '2', limit: '1'. Please "
       "see "
       "`limits_config.max_structured_metadata_entries_count` or contact your Loki administrator "
       "to increase it."},
      {"detected_level does not count toward the size",
       [](auto& l) { l.max_structured_metadata_size = 6; },
       now_ns,
       "test",
       {{"foo", "bar"}, {"detected_level", "info"}},
       {},
       {}},
      {"too old wins over too long",
       [](auto& l) {
         l.reject_old_samples_max_age = 1h;
         l.max_line_size = 1;
       },
       0,
       "long line",
       {},
       reason::greater_than_max_sample_age,
       R"(entry for stream '{foo="bar"}' has timestamp too old: 1970-01-01T00:00:00Z, oldest acceptable timestamp is: 2023-11-14T21:13:20Z)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    validation_limits lim;
    if (c.tweak)
      c.tweak(lim);
    auto ctx = make_context(lim, test_now, "user");
    model::entry_view e{c.ts, c.line, c.metadata.empty() ? nullptr : &c.metadata};
    auto v = validate_entry(ctx, labels, e);
    EXPECT_EQ(v.reason(), c.reason);
    EXPECT_EQ(v.message(), c.message);
  }
}

TEST(validate_entry, entry_size_is_line_plus_metadata_without_detected_level) {
  model::label_set md{{"trace_id", "abc"}, {"detected_level", "warn"}};
  EXPECT_EQ(entry_size(model::entry_view{0, "hello", &md}), 5u + 8 + 3);
  EXPECT_EQ(entry_size(model::entry_view{0, "hello", nullptr}), 5u);
}

TEST(error_collector, hundred_too_long_lines_are_grouped_like_loki) {
  validation_limits lim;
  lim.max_line_size = 1;
  auto ctx = make_context(lim, test_now);
  error_collector errs;
  for (int i = 0; i < 100; ++i)
    errs.add(validate_entry(
        ctx, R"({foo="bar"})",
        model::entry_view{now_ns, "line " + std::to_string(i % 10) + "xxxx", nullptr}));
  EXPECT_EQ(errs.count(), 100u);
  EXPECT_EQ(
      errs.combined(),
      R"(100 errors like: max entry size '1' bytes exceeded for stream '{foo="bar"}' while adding an entry with length '10' bytes)");
}

TEST(error_collector, single_error_is_returned_as_is_and_groups_join_with_semicolons) {
  error_collector one;
  EXPECT_TRUE(one.empty());
  EXPECT_EQ(one.combined(), "");
  one.add("boom");
  EXPECT_EQ(one.combined(), "boom");
  error_collector mixed;
  mixed.add("a");
  mixed.add("b");
  mixed.add("a");
  mixed.add(verdict{}); // accepted verdicts are ignored
  EXPECT_EQ(mixed.combined(), "2 errors like: a; 1 errors like: b");
  EXPECT_EQ(mixed.count(), 3u);
}

TEST(timestamp_incrementer, loki_increment_rules) {
  struct in {
    int64_t ts;
    const char* line;
  };
  struct c {
    const char* name;
    std::vector<in> entries;
    std::vector<int64_t> want;
  };
  const c cases[] = {
      {"no duplicates", {{1, "a"}, {2, "b"}}, {1, 2}},
      {"duplicate ts, different line", {{1, "a"}, {1, "b"}}, {1, 2}},
      {"duplicate ts, same line is left for the ingester", {{1, "a"}, {1, "a"}}, {1, 1}},
      {"chained",
       {{1 * sec, "a"}, {1 * sec, "b"}, {1 * sec, "c"}},
       {1 * sec, 1 * sec + 1, 1 * sec + 2}},
      {"out of order kept", {{2 * sec, "a"}, {1 * sec, "b"}}, {2 * sec, 1 * sec}},
      {"run ends, new run starts",
       {{1 * sec, "a"}, {1 * sec, "b"}, {2 * sec, "c"}, {2 * sec, "d"}},
       {1 * sec, 1 * sec + 1, 2 * sec, 2 * sec + 1}},
  };
  for (const auto& k : cases) {
    SCOPED_TRACE(k.name);
    timestamp_incrementer inc{k.entries.front().ts};
    std::vector<int64_t> got;
    for (const auto& e : k.entries)
      got.push_back(inc.next(e.ts, e.line));
    EXPECT_EQ(got, k.want);
  }
}

TEST(truncation, cuts_to_max_line_size_minus_identifier) {
  validation_limits lim;
  lim.max_line_size = 10;
  auto off = make_context(lim, test_now);
  EXPECT_FALSE(truncation_length(off, 100).has_value());
  lim.max_line_size_truncate = true;
  auto plain = make_context(lim, test_now);
  EXPECT_EQ(truncation_length(plain, 100), std::optional<size_t>{10});
  EXPECT_FALSE(truncation_length(plain, 10).has_value());
  lim.max_line_size_truncate_identifier = "...";
  auto ident = make_context(lim, test_now);
  EXPECT_EQ(truncation_length(ident, 100), std::optional<size_t>{7});
  lim.max_line_size_truncate_identifier = std::string(10, '.');
  auto no_room = make_context(lim, test_now);
  EXPECT_FALSE(truncation_length(no_room, 100).has_value());
}

TEST(time_format, rfc3339_round_trip) {
  EXPECT_EQ(model::format_rfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(model::format_rfc3339(now_ns + 999999999), "2023-11-14T22:13:20Z");
  EXPECT_EQ(model::format_rfc3339(-1), "1969-12-31T23:59:59Z");
  EXPECT_EQ(model::parse_rfc3339_nano("2023-11-14T22:13:20Z"), std::optional<int64_t>{now_ns});
  EXPECT_EQ(model::parse_rfc3339_nano("2023-11-14T22:13:20.5-01:30"),
            std::optional<int64_t>{now_ns + 5400 * sec + 500000000});
  EXPECT_FALSE(model::parse_rfc3339_nano("2023-02-30T00:00:00Z").has_value());
  EXPECT_FALSE(model::parse_rfc3339_nano("2023-11-14 22:13:20Z").has_value());
  EXPECT_FALSE(model::parse_rfc3339_nano("2023-11-14T22:13:20").has_value());
}

} // namespace
} // namespace skald::validation

namespace skald::validation {
namespace {

TEST(sanitize_structured_metadata, untouched_sets_keep_their_order) {
  model::label_set sm{{"zeta", "1"}, {"alpha", "2"}};
  EXPECT_FALSE(needs_sanitizing(sm));
  EXPECT_EQ(sanitize_structured_metadata(sm), 0u);
  EXPECT_EQ(sm, (model::label_set{{"zeta", "1"}, {"alpha", "2"}}));
}

TEST(sanitize_structured_metadata, names_are_normalised_like_the_otlp_namer) {
  model::label_set sm{{"http.method", "GET"}, {"trace_id", "x"}};
  EXPECT_TRUE(needs_sanitizing(sm));
  EXPECT_EQ(sanitize_structured_metadata(sm), 1u);
  EXPECT_EQ(sm, (model::label_set{{"http_method", "GET"}, {"trace_id", "x"}}));
  model::label_set digits{{"1abc", "v"}, {"_x", "w"}, {"__y", "z"}};
  EXPECT_EQ(sanitize_structured_metadata(digits), 2u);
  EXPECT_EQ(digits, (model::label_set{{"__y", "z"}, {"key_1abc", "v"}, {"key_x", "w"}}));
}

TEST(sanitize_structured_metadata, invalid_utf8_and_replacement_chars_become_spaces) {
  model::label_set sm{{"b", "ok\xff\xfe!"},
                      {"a", "r\xef\xbf\xbd"
                            "d"}};
  EXPECT_TRUE(needs_sanitizing(sm));
  EXPECT_EQ(sanitize_structured_metadata(sm), 2u);
  EXPECT_EQ(sm, (model::label_set{{"a", "r d"}, {"b", "ok  !"}}));
}

TEST(sanitize_structured_metadata, empty_values_are_dropped_and_the_set_sorted) {
  model::label_set sm{{"z", "1"}, {"e", ""}, {"a", "2"}};
  EXPECT_TRUE(needs_sanitizing(sm));
  EXPECT_EQ(sanitize_structured_metadata(sm), 0u);
  EXPECT_EQ(sm, (model::label_set{{"a", "2"}, {"z", "1"}}));
}

} // namespace
} // namespace skald::validation
