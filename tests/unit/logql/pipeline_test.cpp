// Unit tests for each pipeline stage, run through the real parser.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "runtime/logql/engine.hpp"
#include "runtime/logql/parser.hpp"
#include "runtime/logql/pipeline.hpp"
#include "runtime/logql/template.hpp"

using namespace skald;
using namespace skald::logql;

namespace {

struct outcome {
  bool kept = false;
  std::string line;
  std::string labels;
};

/// Runs the pipeline of `query` over one line of stream `stream`.
outcome run(const std::string& query, const std::string& line,
            const model::label_set& stream = {{"app", "a"}},
            const model::label_set* metadata = nullptr) {
  auto e = parse_log_selector(query);
  EXPECT_TRUE(e.ok()) << query << ": " << (e.ok() ? "" : e.error().message());
  if (!e.ok())
    return {};
  pipeline_runner pr(e->stages);
  outcome o;
  o.kept = pr.run(1000000000, line, stream, metadata);
  o.line = std::string(pr.state().line());
  o.labels = labels_string(pr.state().lbs.labels());
  return o;
}

} // namespace

TEST(logql_line_filter, contains_is_case_sensitive_and_empty_matches_all) {
  EXPECT_TRUE(run(R"({app="a"} |= "err")", "an error").kept);
  EXPECT_FALSE(run(R"({app="a"} |= "ERR")", "an error").kept);
  EXPECT_TRUE(run(R"({app="a"} |= "")", "anything").kept);
  EXPECT_FALSE(run(R"({app="a"} != "err")", "an error").kept);
  EXPECT_TRUE(run(R"({app="a"} |= "a" |= "n" != "zzz")", "an").kept);
}

TEST(logql_line_filter, leading_literals_run_inline_with_the_same_result_as_later_ones) {
  // pipeline_runner runs leading one-literal |= and != filters inline; the
  // same filters after other stages, or ip() ones, go through the stages.
  EXPECT_TRUE(run(R"({app="a"} |= "x=1" != "y" | logfmt | x="1" |= "x=1" != "y")", "x=1 z").kept);
  EXPECT_FALSE(run(R"({app="a"} |= "x=1" != "z" | logfmt | x="1")", "x=1 z").kept);
  EXPECT_FALSE(run(R"({app="a"} |= "x=1" | logfmt | x="1" != "z")", "x=1 z").kept);
  auto kept = run(R"({app="a"} |= "x=1" | logfmt | line_format "{{.x}}")", "x=1 z");
  EXPECT_TRUE(kept.kept);
  EXPECT_EQ(kept.line, "1");
  EXPECT_TRUE(run(R"({app="a"} |= ip("10.0.0.0/8") |= "GET")", "GET from 10.1.2.3").kept);
  EXPECT_FALSE(run(R"({app="a"} |= ip("10.0.0.0/8") |= "GET")", "GET from 11.1.2.3").kept);
}

TEST(logql_line_filter, or_chains_keep_any_and_negations_drop_any) {
  EXPECT_TRUE(run(R"({app="a"} |= "x" or "warn")", "warn y").kept);
  EXPECT_FALSE(run(R"({app="a"} != "x" or "warn")", "warn y").kept);
  EXPECT_TRUE(run(R"({app="a"} != "x" or "warn")", "info z").kept);
  EXPECT_TRUE(run(R"({app="a"} |~ "err.r" or "wa.n")", "warn").kept);
}

TEST(logql_line_filter, regex_is_unanchored_re2) {
  EXPECT_TRUE(run(R"({app="a"} |~ "code=5..")", "x code=503 y").kept);
  EXPECT_TRUE(run(R"({app="a"} |~ "(?i)CODE")", "code").kept);
  EXPECT_FALSE(run(R"({app="a"} !~ "5\\d\\d")", "500").kept);
}

TEST(logql_line_filter, pattern_filter_follows_loki_test_semantics) {
  EXPECT_TRUE(run(R"({app="a"} |> "GET <_> 200")", "GET /api 200").kept);
  EXPECT_FALSE(run(R"({app="a"} |> "GET /api")", "GET /api 200").kept);
  EXPECT_TRUE(run(R"({app="a"} |> "<_> 200")", "GET /api 200").kept);
  EXPECT_FALSE(run(R"({app="a"} |> "<_> bar")", "foo bar baz").kept);
  EXPECT_TRUE(run(R"({app="a"} !> "POST <_>")", "GET /api 200").kept);
}

TEST(logql_line_filter, ip_matches_addresses_inside_the_line) {
  EXPECT_TRUE(run(R"({app="a"} |= ip("192.168.1.0/24"))", "src 192.168.1.10 ok").kept);
  EXPECT_FALSE(run(R"({app="a"} |= ip("10.0.0.0/8"))", "src 192.168.1.10 ok").kept);
  EXPECT_TRUE(run(R"({app="a"} |= ip("10.0.0.1-10.0.0.9"))", "peer=10.0.0.7:80").kept);
  EXPECT_TRUE(run(R"({app="a"} |= ip("2001:db8::/32"))", "v6 2001:db8::1 here").kept);
  EXPECT_TRUE(run(R"({app="a"} != ip("10.0.0.0/8"))", "no ip here").kept);
}

TEST(logql_logfmt, extracts_sanitises_and_keeps_first_duplicate) {
  auto o = run(R"({app="a"} | logfmt)", R"(a-b=1 9x=2 dup=first dup=second msg="hi there" empty=)");
  EXPECT_EQ(o.labels, R"({_9x="2", a_b="1", app="a", dup="first", msg="hi there"})");
  o = run(R"({app="a"} | logfmt --keep-empty)", "k= other=1 standalone");
  EXPECT_EQ(o.labels, R"({app="a", k="", other="1", standalone=""})");
}

TEST(logql_logfmt, strict_mode_flags_malformed_lines) {
  auto o = run(R"({app="a"} | logfmt)", R"(good=1 bad="unterminated)");
  EXPECT_EQ(o.labels, R"({app="a", good="1"})");
  o = run(R"({app="a"} | logfmt --strict)", R"(good=1 bad="unterminated)");
  EXPECT_NE(o.labels.find(R"(__error__="LogfmtParserErr")"), std::string::npos) << o.labels;
}

TEST(logql_logfmt, parameters_select_and_rename_keys) {
  auto o = run(R"({app="a"} | logfmt level, code="status")", "level=info status=200 msg=hi");
  EXPECT_EQ(o.labels, R"({app="a", code="200", level="info"})");
}

TEST(logql_json, flattens_objects_and_skips_arrays_and_nulls) {
  auto o = run(R"({app="a"} | json)",
               R"({"lvl":"warn","obj":{"x":1,"y":{"z":2}},"ok":true,"nil":null,"arr":[1,2],"f":1.5,"a.b":"c"})");
  EXPECT_EQ(o.labels, R"({a_b="c", app="a", f="1.5", lvl="warn", obj_x="1", obj_y_z="2", ok="true"})");
}

TEST(logql_json, collisions_go_to_extracted_and_errors_are_labels) {
  auto o = run(R"({app="a"} | json)", R"({"app":"parsed"})");
  EXPECT_EQ(o.labels, R"({app="a", app_extracted="parsed"})");
  o = run(R"({app="a"} | json)", "broken");
  EXPECT_TRUE(o.kept);
  EXPECT_NE(o.labels.find(R"(__error__="JSONParserErr")"), std::string::npos);
}

TEST(logql_json, expressions_read_paths_and_missing_paths_are_empty) {
  auto o = run(R"({app="a"} | json who="user.id", tag="tags[0]", age="user.age", obj="user")",
               R"({"user":{"id":"u1"},"tags":["x","y"]})");
  EXPECT_EQ(o.labels, R"({age="", app="a", obj="{\"id\":\"u1\"}", tag="x", who="u1"})");
}

TEST(logql_regexp, named_groups_become_labels) {
  auto o = run(R"({app="a"} | regexp `(?P<method>\w+) (?P<path>\S+)`)", "GET /home 200");
  EXPECT_EQ(o.labels, R"({app="a", method="GET", path="/home"})");
  o = run(R"({app="a"} | regexp `(?P<num>\d+)`)", "no digits");
  EXPECT_EQ(o.labels, R"({app="a"})");
}

TEST(logql_pattern, captures_fields_and_short_lines_fill_leading_captures) {
  auto o = run(R"({app="a"} | pattern `<method> <_> <status>`)", "GET /home 200");
  EXPECT_EQ(o.labels, R"({app="a", method="GET", status="200"})");
  o = run(R"({app="a"} | pattern `<method> <path>`)", "POST");
  EXPECT_EQ(o.labels, R"({app="a", method="POST"})");
}

TEST(logql_unpack, promotes_string_fields_and_entry_replaces_line) {
  auto o = run(R"({app="a"} | unpack)", R"({"lvl":"info","num":5,"_entry":"code=42"})");
  EXPECT_EQ(o.labels, R"({app="a", lvl="info"})");
  EXPECT_EQ(o.line, "code=42");
}

TEST(logql_label_filter, string_numeric_duration_bytes_and_ip) {
  EXPECT_TRUE(run(R"({app="a"} | logfmt | s="x" and n > 5 and d >= 1s and b < 1MB)", "s=x n=6 d=2s b=10KB").kept);
  EXPECT_FALSE(run(R"({app="a"} | logfmt | n > 5)", "n=5").kept);
  EXPECT_TRUE(run(R"({app="a"} | logfmt | n == 5)", "n=5.0").kept);
  EXPECT_FALSE(run(R"({app="a"} | logfmt | missing > 1)", "n=5").kept);
  EXPECT_TRUE(run(R"({app="a"} | logfmt | missing="")", "n=5").kept);
  EXPECT_TRUE(run(R"({app="a"} | logfmt | addr=ip("10.0.0.0/8"))", "addr=10.1.2.3").kept);
  EXPECT_TRUE(run(R"({app="a"} | logfmt | a="1" or b="2")", "a=0 b=2").kept);
}

TEST(logql_label_filter, conversion_failure_keeps_line_with_first_error) {
  auto o = run(R"({app="a"} | logfmt | x > 1s and y > 1s)", "x=nope y=90");
  EXPECT_TRUE(o.kept);
  EXPECT_NE(o.labels.find(R"(__error__="LabelFilterErr")"), std::string::npos);
  EXPECT_NE(o.labels.find("invalid duration"), std::string::npos) << o.labels;
  EXPECT_FALSE(run(R"({app="a"} | logfmt | x > 1s | __error__="")", "x=nope").kept);
  EXPECT_FALSE(run(R"({app="a"} | logfmt | x > 1s | __error__ > 0)", "x=nope").kept);
}

TEST(logql_label_filter, metadata_joins_labels_and_conflicts_extract) {
  model::label_set md = {{"lvl", "error"}, {"app", "m"}};
  auto o = run(R"({app="a"} | lvl="error")", "x", {{"app", "a"}}, &md);
  EXPECT_TRUE(o.kept);
  EXPECT_EQ(o.labels, R"({app="a", app_extracted="m", lvl="error"})");
}

TEST(logql_formatters, line_format_and_label_format) {
  auto o = run(R"({app="a", level="error"} | line_format "L={{.level | upper}} {{.missing}}!")", "x",
               {{"app", "a"}, {"level", "error"}});
  EXPECT_EQ(o.line, "L=ERROR !");
  // As Loki's LabelsFormatter: renames apply in order on the live labels;
  // templates read a snapshot taken at the first template item.
  o = run(R"({app="a"} | label_format route="{{.app}}-ok", verb=app)", "x");
  EXPECT_EQ(o.labels, R"({route="a-ok", verb="a"})");
  o = run(R"({app="a"} | label_format verb=app, route="{{.app}}-ok")", "x");
  EXPECT_EQ(o.labels, R"({route="-ok", verb="a"})");
}

TEST(logql_formatters, drop_keep_and_decolorize) {
  model::label_set ls = {{"app", "a"}, {"code", "500"}, {"zone", "eu"}};
  EXPECT_EQ(run(R"({app="a"} | drop code, zone)", "x", ls).labels, R"({app="a"})");
  EXPECT_EQ(run(R"({app="a"} | drop code="200")", "x", ls).labels, R"({app="a", code="500", zone="eu"})");
  EXPECT_EQ(run(R"({app="a"} | keep zone)", "x", ls).labels, R"({zone="eu"})");
  EXPECT_EQ(run(R"({app="a"} | keep code="200")", "x", ls).labels, R"({})");
  auto o = run(R"({app="a"} | json | drop __error__)", "broken");
  EXPECT_EQ(o.labels, R"({app="a"})");
  EXPECT_EQ(run(R"({app="a"} | decolorize)", "\x1b[31mred\x1b[0m plain").line, "red plain");
}

TEST(logql_template, functions_conditionals_and_errors) {
  label_builder lbs;
  model::label_set ls = {{"a", "Hello"}, {"n", "42"}, {"empty", ""}};
  lbs.reset(ls, nullptr);
  auto exec = [&](const std::string& t) {
    auto tt = text_template::parse(t);
    if (!tt.ok())
      return "PARSE " + tt.error().message();
    std::string out;
    template_data d{lbs, "the line", 1500000000};
    auto s = tt->execute(d, out);
    return s.ok() ? out : "EXEC " + s.message();
  };
  EXPECT_EQ(exec("{{.a | lower}}-{{ToUpper .a}}"), "hello-HELLO");
  EXPECT_EQ(exec(R"({{ printf "%s=%d" .a 7 }})"), "Hello=7");
  EXPECT_EQ(exec(R"({{ if eq .n "42" }}yes{{ else }}no{{ end }})"), "yes");
  EXPECT_EQ(exec(R"({{ if .empty }}x{{ else if .a }}y{{ end }})"), "y");
  EXPECT_EQ(exec(R"({{ .empty | default "dflt" }})"), "dflt");
  EXPECT_EQ(exec(R"({{ replace "l" "L" .a }} {{ trunc 2 .a }} {{ substr 1 3 .a }})"), "HeLLo He el");
  EXPECT_EQ(exec(R"({{ regexReplaceAll "l+" .a "_" }})"), "He_o");
  EXPECT_EQ(exec(R"({{ __line__ }} {{ __timestamp__ | unixEpoch }})"), "the line 1");
  EXPECT_EQ(exec("a  {{- .a -}}  b"), "aHellob");
  EXPECT_EQ(exec("{{ add 1 .n }}"), "43");
  EXPECT_EQ(exec("{{/* comment */}}ok"), "ok");
  EXPECT_EQ(exec("{{"), "PARSE template: line:1: unclosed action");
  EXPECT_EQ(exec("{{ nosuch }}"), "PARSE template: line:1: function \"nosuch\" not defined");
}

TEST(logql_json, multibyte_key_runes_sanitise_to_one_underscore) {
  auto o = run(R"({app="a"} | json)", "{\"caf\xc3\xa9\":\"x\"}");
  EXPECT_EQ(o.labels, R"({app="a", caf_="x"})");
}

TEST(logql_template, go_time_layouts_format_and_parse) {
  label_builder lbs;
  model::label_set ls = {{"t", "2021-12-01"}};
  lbs.reset(ls, nullptr);
  auto exec = [&](const std::string& t) {
    auto tt = text_template::parse(t);
    if (!tt.ok())
      return "PARSE " + tt.error().message();
    std::string out;
    // 2023-03-04T05:06:07.089Z
    template_data d{lbs, "", 1677906367089000000};
    auto s = tt->execute(d, out);
    return s.ok() ? out : "EXEC " + s.message();
  };
  EXPECT_EQ(exec(R"({{ __timestamp__ | date "2006-01-02T15:04:05.000Z07:00" }})"), "2023-03-04T05:06:07.089Z");
  EXPECT_EQ(exec(R"({{ __timestamp__ | date "Jan _2 3:04PM Mon" }})"), "Mar  4 5:06AM Sat");
  EXPECT_EQ(exec(R"({{ __timestamp__ | date "02/01/06 15h.999999999" }})"), "04/03/23 05h.089");
  EXPECT_EQ(exec(R"({{ toDate "2006-01-02" .t | unixEpoch }})"), "1638316800");
  EXPECT_EQ(exec(R"({{ unixToTime "1677906367" | date "2006" }})"), "2023");
}

TEST(logql_template, trunc_and_substr_count_runes) {
  label_builder lbs;
  model::label_set ls = {{"s", "h\xc3\xa9llo"}};  // héllo
  lbs.reset(ls, nullptr);
  auto exec = [&](const std::string& t) {
    auto tt = text_template::parse(t);
    std::string out;
    template_data d{lbs, "", 0};
    auto s = tt->execute(d, out);
    return s.ok() ? out : "EXEC " + s.message();
  };
  EXPECT_EQ(exec("{{ trunc 2 .s }}"), "h\xc3\xa9");
  EXPECT_EQ(exec("{{ trunc -3 .s }}"), "llo");
  EXPECT_EQ(exec("{{ substr 1 3 .s }}"), "\xc3\xa9l");
}

TEST(logql_pipeline, random_lines_never_break_any_stage) {
  const char* queries[] = {
      R"({app="a"} | json | logfmt --strict | unpack)",
      R"({app="a"} | json a="b[0].c", d="e" | logfmt --keep-empty x, y="z")",
      R"q({app="a"} | regexp "(?P<k>\\w+)=(?P<v>\\S*)" | pattern "<a> <_> <b>")q",
      R"({app="a"} | decolorize | line_format "{{ .k | upper }}{{ __line__ | trunc 5 }}" | label_format q="{{.v}}")",
      R"({app="a"} |~ "[a-z]+" |> "<_>=<_>" != ip("10.0.0.0/8") | n > 5 or d > 1s or b > 1KB | drop k | keep v)",
  };
  const std::string alphabet = "{}[]\":,=. \\\x1b[m0123456789abcxyzKBms-_\xc3\xa9\xff";
  uint64_t state = 42;
  auto rnd = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<size_t>(state >> 33);
  };
  for (const char* q : queries) {
    auto e = parse_log_selector(q);
    ASSERT_TRUE(e.ok()) << q << ": " << e.error().message();
    pipeline_runner pr(e->stages);
    model::label_set stream = {{"app", "a"}};
    for (int i = 0; i < 2000; ++i) {
      std::string line;
      size_t n = rnd() % 80;
      for (size_t k = 0; k < n; ++k)
        line.push_back(alphabet[rnd() % alphabet.size()]);
      if (pr.run(i, line, stream, nullptr))
        (void)pr.state().lbs.labels();
    }
  }
}

TEST(logql_logfmt, escaped_quotes_and_trailing_backslashes_in_values) {
  auto o = run(R"({app="a"} | logfmt)", R"(msg="say \"hi\" now" k=v)");
  EXPECT_EQ(o.labels, R"({app="a", k="v", msg="say \"hi\" now"})");
  o = run(R"({app="a"} | logfmt)", R"(a="x\\" b=1)");
  EXPECT_EQ(o.labels, R"({a="x\\", app="a", b="1"})");
}
