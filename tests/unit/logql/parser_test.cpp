// Parser table tests: valid queries round-trip through to_string(), invalid
// ones fail with Loki's message text (and line:column for syntax errors).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "runtime/logql/lexer.hpp"
#include "runtime/logql/parser.hpp"

using namespace skald::logql;

namespace {

const std::vector<std::string> valid_queries = {
    R"({app="foo"})",
    R"({app="foo", env!="dev", pod=~"web-.*", ns!~"kube-.*"})",
    R"({app="foo"} |= "x")",
    R"({app="foo"} |= "x" != "y" |~ "a.c" !~ "d+" |> "<_> GET <_>" !> "<_> 200")",
    R"({app="foo"} |= "a" or "b" or ip("10.0.0.0/8"))",
    R"({app="foo"} != ip("192.168.0.1-192.168.0.9"))",
    R"({app="foo"} | json)",
    R"({app="foo"} | json a="b.c", d, e="f[0]")",
    R"({app="foo"} | logfmt)",
    R"({app="foo"} | logfmt --strict --keep-empty a, b="c")",
    R"q({app="foo"} | regexp "(?P<m>\\w+)")q",
    R"({app="foo"} | pattern "<ip> - <_> <status>")",
    R"({app="foo"} | unpack | decolorize)",
    R"({app="foo"} | line_format "{{.a}} {{ .b | upper }}")",
    R"({app="foo"} | label_format a=b, c="{{.d}}")",
    R"({app="foo"} | drop a, b="c", d=~"e.*" | keep x, y!="z")",
    R"({app="foo"} | logfmt | level="error" and status >= 500 or duration > 1.5s)",
    R"({app="foo"} | logfmt | (a="1" or b="2"), c="3" d!="4")",
    R"({app="foo"} | logfmt | size > 20MB and size <= 1.5KiB)",
    R"({app="foo"} | logfmt | code == 200 | code != -5 | x < 1e3)",
    R"({app="foo"} | logfmt | addr = ip("10.0.0.0/8") | addr != ip("::1"))",
    R"({app="foo"} | __error__="" | __error__!="JSONParserErr")",
    R"({app="foo"} | rate="a" | ip="1.2.3.4" | bytes > 1)",
    R"(count_over_time({app="foo"}[5m]))",
    R"(count_over_time({app="foo"} |= "x" [5m] offset 1h))",
    R"(count_over_time({app="foo"}[5m] |= "x"))",
    R"(count_over_time(({app="foo"} | json)[5m]))",
    R"(rate({app="foo"}[1m]))",
    R"(bytes_over_time({app="foo"}[1h30m]))",
    R"(bytes_rate({app="foo"}[1d]))",
    R"(absent_over_time({app="foo"}[2w]))",
    R"(rate_counter({app="foo"} | logfmt | unwrap c [1m]))",
    R"(sum_over_time({app="foo"} | logfmt | unwrap bytes(size) [5m]))",
    R"(avg_over_time({app="foo"} | logfmt | unwrap duration(d) | __error__="" [5m]) by (a))",
    R"(max_over_time({app="foo"} | json | unwrap duration_seconds(d) [5m]) without (b))",
    R"(quantile_over_time(0.99, {app="foo"} | json | unwrap latency [5m]) by (a, b))",
    R"(first_over_time({app="foo"} | logfmt | unwrap v [5m]))",
    R"(last_over_time({app="foo"} | logfmt | unwrap v [5m] offset 5m))",
    R"(stddev_over_time({app="foo"} | logfmt | unwrap v [5m]))",
    R"(stdvar_over_time({app="foo"} | logfmt | unwrap v [5m]))",
    R"(min_over_time({app="foo"} | logfmt | unwrap v [500ms]))",
    R"(sum(rate({app="foo"}[1m])))",
    R"(sum by (level) (count_over_time({app="foo"} | logfmt [1m])))",
    R"(sum(count_over_time({app="foo"}[1m])) by (level))",
    R"(avg without (pod) (rate({app="foo"}[1m])))",
    R"(count(rate({app="foo"}[1m])))",
    R"(min(rate({app="foo"}[1m])) + max(rate({app="foo"}[1m])))",
    R"(stddev(rate({app="foo"}[1m])) - stdvar(rate({app="foo"}[1m])))",
    R"(topk(3, rate({app="foo"}[1m])))",
    R"(bottomk by (a) (2, rate({app="foo"}[1m])))",
    R"(sort(rate({app="foo"}[1m])))",
    R"(sort_desc(rate({app="foo"}[1m])))",
    R"(approx_topk(2, rate({app="foo"}[1m])))",
    R"(rate({app="foo"}[1m]) * 2 + 1)",
    R"(rate({app="foo"}[1m]) > bool 0.5)",
    R"(rate({app="foo"}[1m]) / on (a) group_left (b) rate({app="bar"}[1m]))",
    R"(rate({app="foo"}[1m]) + ignoring (c) group_right rate({app="bar"}[1m]))",
    R"(rate({app="foo"}[1m]) and rate({app="bar"}[1m]) or rate({app="baz"}[1m]) unless rate({app="q"}[1m]))",
    R"(rate({app="foo"}[1m]) ^ 2 ^ 3)",
    R"(-1 + rate({app="foo"}[1m]))",
    R"(vector(1) + vector(1))",
    R"q(label_replace(rate({app="foo"}[1m]), "dst", "$1", "src", "(.*)"))q",
    R"(sum by (a) (rate({app="foo"}[1m])) / ignoring (a) sum(rate({app="foo"}[1m])))",
    R"(2)",
    R"(-2.5)",
};

} // namespace

TEST(logql_parser, valid_queries_round_trip_through_to_string) {
  for (const auto& q : valid_queries) {
    auto e = parse(q);
    ASSERT_TRUE(e.ok()) << q << ": " << e.error().message();
    std::string s1 = e->to_string();
    auto e2 = parse(s1);
    ASSERT_TRUE(e2.ok()) << q << " -> " << s1 << ": " << e2.error().message();
    EXPECT_EQ(e2->to_string(), s1) << q;
  }
}

TEST(logql_parser, canonical_form_of_common_queries) {
  auto canon = [](const std::string& q) {
    auto e = parse(q);
    return e.ok() ? e->to_string() : "ERR " + e.error().message();
  };
  EXPECT_EQ(canon(R"({app="foo"}|="x"|json)"), R"({app="foo"} |= "x" | json)");
  EXPECT_EQ(canon(R"(SUM BY(a, b)(RATE({app="foo"}[5m])))"), R"(sum by (a,b)(rate({app="foo"}[5m])))");
  EXPECT_EQ(canon(R"(count_over_time({app="foo"}[1h30m] offset 90m))"),
            R"(count_over_time({app="foo"}[1h30m] offset 1h30m))");
  EXPECT_EQ(canon(R"(quantile_over_time(0.99, {a="b"} | json | unwrap duration(d) | x > 1 [5m]) by (a))"),
            R"(quantile_over_time(0.99,{a="b"} | json | unwrap duration(d) | x>1[5m]) by (a))");
  EXPECT_EQ(canon(R"(topk(10, rate({a="b"}[1m])) / on (x) group_left (y) vector(1))"),
            R"((topk(10,rate({a="b"}[1m])) / on (x) group_left (y) vector(1)))");
  EXPECT_EQ(canon(R"q(label_replace(rate({a="b"}[1m]), "d", "$1", "s", "(.*)"))q"),
            R"q(label_replace(rate({a="b"}[1m]),"d","$1","s","(.*)"))q");
  EXPECT_EQ(canon(R"({a="b"} | logfmt | size > 10GB and size < 2048KiB or size != 1500B)"),
            R"({a="b"} | logfmt | ( ( size>10GB , size<2MiB ) or size!=1500B ))");
  EXPECT_EQ(canon(R"({a="b"} | label_format x=y, z="{{.w}}" | drop a, b | json p="q.r", s)"),
            R"({a="b"} | label_format x=y,z="{{.w}}" | drop a,b | json p="q.r",s)");
  EXPECT_EQ(canon("0.00001"), "0.00001");
  EXPECT_EQ(canon("{app=`a\"b`}"), R"({app="a\"b"})");
  EXPECT_EQ(canon(R"({app="foo"} # a comment |= "x")"), R"({app="foo"})");
  EXPECT_EQ(canon(R"({app="foo"} | logfmt | a="1" or b="2" and c="3")"),
            R"({app="foo"} | logfmt | ( a="1" or ( b="2" , c="3" ) ))");
  EXPECT_EQ(canon(R"({app="foo"} | logfmt | d > 90s)"), R"({app="foo"} | logfmt | d>1m30s)");
}

// Loki's ast_test.go Test_SampleExpr_String: each parses, and its
// canonical form parses back to the same canonical form.
TEST(logql_parser, loki_sample_expr_string_cases_round_trip) {
  const std::vector<std::string> cases = {
      R"q(rate( ( {job="mysql"} |="error" !="timeout" ) [10s] ))q",
      R"q(absent_over_time( ( {job="mysql"} |="error" !="timeout" ) [10s] ))q",
      R"q(absent_over_time( ( {job="mysql"} |="error" !="timeout" ) [10s] offset 10d ))q",
      R"q(vector(123))q",
      R"q(sort(sum by(a) (rate( ( {job="mysql"} |="error" !="timeout" ) [10s] ) )))q",
      R"q(sort_desc(sum by(a) (rate( ( {job="mysql"} |="error" !="timeout" ) [10s] ) )))q",
      R"q(sum without(a) ( rate ( ( {job="mysql"} |="error" !="timeout" ) [10s] ) ))q",
      R"q(sum(count_over_time({job="mysql"}[5m] offset 10m)))q",
      R"q(sum(count_over_time({job="mysql"} | json [5m] offset 10m)))q",
      R"q(sum(count_over_time({job="mysql"} | logfmt --strict [5m] offset 10m)))q",
      R"q(sum(count_over_time({job="mysql"} | pattern "<foo> bar <buzz>" | json [5m])))q",
      R"q(sum(count_over_time({job="mysql"} | unpack | json [5m])))q",
      R"q(sum(count_over_time({job="mysql"} | regexp "(?P<foo>foo|bar)" [5m] offset 10y)))q",
      R"q(topk(10,sum(rate({region="us-east1"}[5m])) by (name)))q",
      R"q(topk by (name)(10,sum(rate({region="us-east1"}[5m]))))q",
      R"q(avg( rate( ( {job="nginx"} |= "GET" ) [10s] ) ) by (region))q",
      R"q(avg(min_over_time({job="nginx"} |= "GET" | unwrap foo[10s] offset 10m)) by (region))q",
      R"q(sum by (cluster) (count_over_time({job="mysql"}[5m] offset 10m)) / sum by (cluster) (count_over_time({job="postgres"}[5m] offset 10m)) )q",
      R"q(sum by (job) (
            count_over_time({namespace="tns"} |= "level=error"[5m])
          /
            count_over_time({namespace="tns"}[5m])
          ))q",
      R"q(stdvar_over_time({app="foo"} |= "bar" | json | latency >= 250ms or ( status_code < 500 and status_code > 200)
          | line_format "blip{{ .foo }}blop {{.status_code}}" | label_format foo=bar,status_code="buzz{{.bar}}" | unwrap foo [5m] offset 10m))q",
      R"q(sum_over_time({namespace="tns"} |= "level=error" | json |foo>=5,bar<25ms|unwrap latency [5m]))q",
      R"q(sum by (job) (
            sum_over_time({namespace="tns"} |= "level=error" | json | foo=5 and bar<25ms | unwrap bytes(latency)[5m])
          /
            count_over_time({namespace="tns"} | logfmt | label_format foo=bar[5m])
          ))q",
      R"q(sum_over_time({namespace="tns"} |= "level=error" | json |foo>=5,bar<25ms | unwrap latency | __error__!~".*" | foo >5[5m]))q",
      R"q(absent_over_time({namespace="tns"} |= "level=error" | json |foo>=5,bar<25ms | unwrap latency | __error__!~".*" | foo >5[5m]))q",
      R"q(label_replace(
            sum by (job) (
              sum_over_time(
                {namespace="tns"} |= "level=error" | json | avg=5 and bar<25ms | unwrap duration(latency)  | __error__!~".*" [5m] offset 1h
              )
            /
              count_over_time({namespace="tns"} | logfmt | label_format foo=bar[5m] offset 1h)
            ),
            "foo",
            "$1",
            "service",
            "(.*):.*"
          ))q",
      R"q(10 / (5/2))q",
      R"q((count_over_time({job="postgres"}[5m])/2) or vector(2))q",
      R"q(10 / (count_over_time({job="postgres"}[5m])/2))q",
      R"q({app="foo"} | json response_status="response.status.code", first_param="request.params[0]")q",
      R"q(((sum by(typename,pool,commandname,colo)(sum_over_time({_namespace_="appspace", _schema_="appspace-1min", pool=~"r1testlvs", colo=~"slc|lvs|rno", env!~"(pre-production|sandbox)"} | logfmt | status!="0" | ( ( type=~"(?i)^(Error|Exception|Fatal|ERRPAGE|ValidationError)$" or typename=~"(?i)^(Error|Exception|Fatal|ERRPAGE|ValidationError)$" ) or status=~"(?i)^(Error|Exception|Fatal|ERRPAGE|ValidationError)$" ) | commandname=~"(?i).*|UNSET" | unwrap sumcount[5m])) / 60)
          or on ()
          ((sum by(typename,pool,commandname,colo)(sum_over_time({_namespace_="appspace", _schema_="appspace-15min", pool=~"r1testlvs", colo=~"slc|lvs|rno", env!~"(pre-production|sandbox)"} | logfmt | status!="0" | commandname=~"(?i).*|UNSET" | unwrap sumcount[5m])) / 15) / 60)))q",
      R"q({app="foo"} | logfmt code="response.code", IPAddress="host")q",
  };
  for (const auto& q : cases) {
    auto e = parse(q);
    ASSERT_TRUE(e.ok()) << q << ": " << e.error().message();
    std::string s1 = e->to_string();
    auto e2 = parse(s1);
    ASSERT_TRUE(e2.ok()) << s1 << ": " << e2.error().message();
    EXPECT_EQ(e2->to_string(), s1);
  }
}

// Loki's ast_test.go TestStringer and Test_SampleExpr_String_Fail / _Sort_Fail.
TEST(logql_parser, loki_stringer_cases) {
  auto canon = [](const std::string& q) {
    auto e = parse(q);
    return e.ok() ? e->to_string() : "ERR " + e.error().message();
  };
  EXPECT_EQ(canon("1 > 1 > 1"), "0");
  EXPECT_EQ(canon("1.6"), "1.6");
  EXPECT_EQ(canon("1 > 1 > bool 1"), "0");
  EXPECT_EQ(canon(R"(1 > bool 1 > count_over_time({foo="bar"}[1m]))"), R"((0 > count_over_time({foo="bar"}[1m])))");
  EXPECT_EQ(canon(R"(1 > bool 1 > bool count_over_time({foo="bar"}[1m]))"),
            R"((0 > bool count_over_time({foo="bar"}[1m])))");
  EXPECT_EQ(canon(R"(0 > count_over_time({foo="bar"}[1m]))"), R"((0 > count_over_time({foo="bar"}[1m])))");
  for (const char* q : {R"(topk(0, sum(rate({region="us-east1"}[5m])) by (name)))",
                        R"(bottomk by (name)(0,sum(rate({region="us-east1"}[5m]))))"}) {
    auto e = parse(q);
    ASSERT_FALSE(e.ok());
    EXPECT_NE(e.error().message().find("parse error : invalid parameter (must be greater than 0)"), std::string::npos);
  }
  auto e = parse(R"q(sort(sum by(a) (rate( ( {job="mysql"} |="error" !="timeout" ) [10s] ) )) by (app))q");
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message().find("sort and sort_desc doesn't allow grouping by"), std::string::npos);
}

TEST(logql_parser, literal_arithmetic_is_folded_with_precedence) {
  auto v = [](const std::string& q) {
    auto e = parse(q);
    EXPECT_TRUE(e.ok()) << q;
    return e.ok() && !e->is_log && e->metric->k == sample_expr::kind::literal ? e->metric->value : -999;
  };
  EXPECT_EQ(v("1 + 2 * 3"), 7);
  EXPECT_EQ(v("(1 + 2) * 3"), 9);
  EXPECT_EQ(v("2 ^ 3 ^ 2"), 512);  // right-associative
  EXPECT_EQ(v("10 - 2 - 3"), 5);   // left-associative
  EXPECT_EQ(v("7 % 4"), 3);
  EXPECT_EQ(v("1 < bool 2"), 1);
  EXPECT_EQ(v("-1 + 3"), 2);
}

TEST(logql_parser, binary_operators_bind_by_loki_precedence) {
  auto e = parse(R"(rate({a="b"}[1m]) + rate({a="c"}[1m]) * rate({a="d"}[1m]) > 1 and vector(1) or vector(2))");
  ASSERT_TRUE(e.ok()) << e.error().message();
  // or binds loosest, then and, then comparison, then +, then *.
  const sample_expr& top = *e->metric;
  ASSERT_EQ(top.k, sample_expr::kind::binary);
  EXPECT_EQ(top.bop, bin_op::or_);
  ASSERT_EQ(top.lhs->bop, bin_op::and_);
  ASSERT_EQ(top.lhs->lhs->bop, bin_op::gt);
  ASSERT_EQ(top.lhs->lhs->lhs->bop, bin_op::add);
  EXPECT_EQ(top.lhs->lhs->lhs->rhs->bop, bin_op::mul);
}

TEST(logql_parser, function_words_are_label_names_unless_called) {
  for (const char* q : {R"({app="foo"} | rate="a")", R"({app="foo"} | ip="1.2.3.4")",
                        R"({app="foo"} | json | sum > 1)", R"({app="foo"} | logfmt | duration > 1s)",
                        R"({app="foo"} | label_format vector=ip)"}) {
    auto e = parse(q);
    EXPECT_TRUE(e.ok()) << q << ": " << (e.ok() ? "" : e.error().message());
  }
}

TEST(logql_parser, invalid_queries_fail_with_loki_messages) {
  struct tc {
    const char* q;
    const char* msg;
  };
  const std::vector<tc> cases = {
      {R"({app="foo")", "parse error at line 1, col 11: syntax error: unexpected $end, expecting } or ,"},
      {R"({app="foo"} |= )", "parse error at line 1, col 16: syntax error: unexpected $end, expecting STRING or ip"},
      {R"({app="foo"}[5m])", "parse error at line 0, col 12: syntax error: unexpected RANGE"},
      {R"(rate({app="foo"}))", "parse error at line 1, col 17: syntax error: unexpected ), expecting RANGE"},
      {"bool 1 > 1", "parse error at line 1, col 1: syntax error: unexpected bool"},
      {R"({app="foo"} | unwrap x)", "parse error at line 1, col 15: syntax error: unexpected unwrap"},
      {R"({app="foo"} | logfmt | addr == ip("1.2.3.4"))",
       "parse error at line 1, col 32: syntax error: unexpected ip"},
      {R"({app="foo"} | logfmt | code == "200")",
       "parse error at line 1, col 32: syntax error: unexpected STRING"},
      {R"({app="foo"} | logfmt | size > 1mb)", "parse error at line 1, col 33: syntax error: unexpected IDENTIFIER"},
      {R"({app="foo"} | drop)", "parse error at line 1, col 19: syntax error: unexpected $end, expecting IDENTIFIER"},
      {"quantile_over_time(-0.1, {a=\"b\"} | unwrap v [1m])",
       "parse error at line 1, col 20: syntax error: unexpected -, expecting {"},
      {"count_over_time({a=\"b\"}[1.5h])",
       "parse error at line 0, col 24: unknown unit \".\" in duration \"1.5h\""},
      {"count_over_time({a=\"b\"}[5m)", "parse error at line 0, col 24: missing closing ']' in duration"},
      {"{a=\"b\"} | logfmt | code > 0x10",
       "parse error at line 1, col 27: unable to parse literal as a float: strconv.ParseFloat: parsing \"0x10\": invalid syntax"},
      {"{a=\"b\"}\n  |= \"x\" | logfmt |", "parse error at line 2, col 20: syntax error: unexpected $end, expecting IDENTIFIER"},
      {R"({app=~".*"})",
       "parse error : queries require at least one regexp or equality matcher that does not have an "
       "empty-compatible value. For instance, app=~\".*\" does not meet this requirement, but app=~\".+\" will"},
      {R"({})",
       "parse error : queries require at least one regexp or equality matcher that does not have an "
       "empty-compatible value. For instance, app=~\".*\" does not meet this requirement, but app=~\".+\" will"},
      {R"(rate({a!="b"}[1m]))",
       "parse error : queries require at least one regexp or equality matcher that does not have an "
       "empty-compatible value. For instance, app=~\".*\" does not meet this requirement, but app=~\".+\" will"},
      {R"(sum_over_time({a="b"}[1m]))", "parse error : invalid aggregation sum_over_time without unwrap"},
      {R"(count_over_time({a="b"} | unwrap v [1m]))", "parse error : invalid aggregation count_over_time with unwrap"},
      {R"(bytes_rate({a="b"} | unwrap v [1m]))", "parse error : invalid aggregation bytes_rate with unwrap"},
      {R"(rate({a="b"}[1m]) by (a))", "parse error : grouping not allowed for rate aggregation"},
      {R"(sum_over_time({a="b"} | unwrap v [1m]) by (a))", "parse error : grouping not allowed for sum_over_time aggregation"},
      {R"(quantile_over_time({a="b"} | unwrap v [1m]))", "parse error : parameter required for operation quantile_over_time"},
      {R"(topk(rate({a="b"}[1m])))", "parse error : parameter required for operation topk"},
      {R"(topk(1.5, rate({a="b"}[1m])))", "parse error : invalid parameter topk(1.5,"},
      {R"(sum(3, rate({a="b"}[1m])))", "parse error : unsupported parameter for operation sum(3,"},
      {R"(sort by (a) (rate({a="b"}[1m])))", "parse error : sort and sort_desc doesn't allow grouping by"},
      {R"(rate({a="b"}[1m]) + {a="b"})", "parse error : unexpected type for right leg of binary operation (+): *syntax.MatchersExpr"},
      {R"({a="b"} |= "x" + 1)", "parse error : unexpected type for left leg of binary operation (+): *syntax.PipelineExpr"},
      {R"(rate({a="b"}[1m]) or 1)", "parse error : unexpected literal for right leg of logical/set binary operation (or): 1"},
      {R"(rate({a="b"}[1m]) + bool 1)", "parse error at line 1, col 21: bool modifier can only be used on comparison operators"},
      {R"q({a="b"} |~ "(")q", "parse error : error parsing regexp: missing closing ): `(`"},
      {R"({a="b"} | regexp "nocapture")", "parse error : at least one named capture must be supplied"},
      {R"({a="b"} | pattern "nothing")", "parse error : at least one capture is required"},
      {R"({a="b"} |> "<x> y")", "parse error : named captures are not allowed in a pattern line filter"},
      {R"({a="b"} |~ ip("1.2.3.4"))", "parse error : ip: invalid operation"},
      {R"({a="b"} |= ip("bogus"))", "parse error : ip: invalid pattern: bogus"},
      {R"({a="b"} | line_format "{{")", "parse error : template: line:1: unclosed action"},
      {R"({a="b"} | line_format "{{ nosuchfunc }}")", "parse error : template: line:1: function \"nosuchfunc\" not defined"},
      {R"({a="b"} | json x="a[")", "parse error : cannot parse expression [a[]: syntax error"},
      {R"({a="b"} | label_format a=b, a=c)", "parse error : label_format: multiple label name 'a' not allowed in a single format operation"},
      {R"q(label_replace(rate({a="b"}[1m]), "x", "$1", "a", "("))q",
       "parse error : invalid regex in label_replace: error parsing regexp: missing closing ): `(`"},
  };
  for (const auto& c : cases) {
    auto e = parse(c.q);
    ASSERT_FALSE(e.ok()) << c.q << " parsed as " << e->to_string();
    EXPECT_EQ(e.error().message(), c.msg) << c.q;
  }
}

// Error cases copied from Loki's pkg/logql/syntax/parser_test.go
// (ParseTestCases), with Loki's expected message, line and column.
TEST(logql_parser, loki_parse_test_cases_errors_match_exactly) {
  struct tc {
    std::string q;
    std::string msg;
  };
  const std::vector<tc> cases = {
      {R"q(unk({ foo = "bar" }[5m]))q", "parse error at line 1, col 1: syntax error: unexpected IDENTIFIER"},
      {R"q(absent_over_time({ foo = "bar" }[5h]) by (foo))q",
       "parse error : grouping not allowed for absent_over_time aggregation"},
      {R"q(rate({ foo = "bar" }[5minutes]))q",
       "parse error at line 0, col 21: unknown unit \"minutes\" in duration \"5minutes\""},
      {R"q(label_replace(rate({ foo = "bar" }[5m]),""))q",
       "parse error at line 1, col 43: syntax error: unexpected ), expecting ,"},
      {R"q(label_replace(rate({ foo = "bar" }[5m]),"foo","$1","bar","^^^^x43\\q"))q",
       "parse error : invalid regex in label_replace: error parsing regexp: invalid escape sequence: `\\q`"},
      {R"q(rate({ foo = "bar" }[5))q", "parse error at line 0, col 21: missing closing ']' in duration"},
      {R"q(min({ foo = "bar" }[5m]))q", "parse error at line 0, col 20: syntax error: unexpected RANGE"},
      {R"q({ foo = "bar" }|logfmt|addr>=ip("1.2.3.4"))q", "parse error at line 1, col 30: syntax error: unexpected ip"},
      {R"q({ foo = "bar" }|logfmt|addr>ip("1.2.3.4"))q", "parse error at line 1, col 29: syntax error: unexpected ip"},
      {R"q({ foo = "bar" }|logfmt|addr<=ip("1.2.3.4"))q", "parse error at line 1, col 30: syntax error: unexpected ip"},
      {R"q({ foo = "bar" }|logfmt|addr<ip("1.2.3.4"))q", "parse error at line 1, col 29: syntax error: unexpected ip"},
      {R"q(sum(3 ,count_over_time({ foo = "bar" }[5h])))q", "parse error : unsupported parameter for operation sum(3,"},
      {R"q(topk(count_over_time({ foo = "bar" }[5h])))q", "parse error : parameter required for operation topk"},
      {R"q(bottomk(he,count_over_time({ foo = "bar" }[5h])))q", "parse error at line 1, col 9: syntax error: unexpected IDENTIFIER"},
      {R"q(bottomk(1.2,count_over_time({ foo = "bar" }[5h])))q", "parse error : invalid parameter bottomk(1.2,"},
      {R"q(stddev({ foo = "bar" }))q", "parse error at line 1, col 23: syntax error: unexpected )"},
      {R"q({foo="bar})q", "parse error at line 1, col 6: literal not terminated"},
      {R"q({foo="bar")q", "parse error at line 1, col 11: syntax error: unexpected $end, expecting } or ,"},
      {R"q({foo="bar"} |~)q", "parse error at line 1, col 15: syntax error: unexpected $end, expecting STRING or ip"},
      {R"q({foo="bar"} "foo")q", "parse error at line 1, col 13: syntax error: unexpected STRING"},
      {R"q({foo="bar"} foo)q", "parse error at line 1, col 13: syntax error: unexpected IDENTIFIER"},
      {"{app=~\"\xa0\xa1\"}", "parse error at line 1, col 7: invalid UTF-8 encoding"},
      {R"q(count_over_time({app="foo"} |= "foo" | json | unwrap foo [5m]))q",
       "parse error : invalid aggregation count_over_time with unwrap"},
      {R"q(count_over_time({ foo = "bar" }[12m]) > { foo = "bar" })q",
       "parse error : unexpected type for right leg of binary operation (>): *syntax.MatchersExpr"},
      {R"q(rate(0.99, {app="x"}[5m]))q", "parse error : parameter 0.99 not supported for operation rate"},
      {R"q(approx_topk(2, count_over_time({ foo = "bar" }[5h])) by (foo))q",
       "parse error : grouping not allowed for approx_topk aggregation"},
      {R"q(topk(0, rate({app="x"}[5m])))q", "parse error : invalid parameter (must be greater than 0) topk(0"},
  };
  for (const auto& c : cases) {
    auto e = parse(c.q);
    ASSERT_FALSE(e.ok()) << c.q << " parsed as " << e->to_string();
    EXPECT_EQ(e.error().message(), c.msg) << c.q;
  }
}

TEST(logql_parser, label_filter_commas_and_spaces_group_like_lokis_grammar) {
  auto canon = [](const std::string& q) {
    auto e = parse(q);
    return e.ok() ? e->to_string() : "ERR " + e.error().message();
  };
  // From Loki's parser_test.go: a b, c or d is a and (b and (c or d)).
  EXPECT_EQ(canon(R"({app="foo"} | foo="bar" buzz!="blip", blop=~"boop" or fuzz==5)"),
            R"({app="foo"} | ( foo="bar" , ( buzz!="blip" , ( blop=~"boop" or fuzz==5 ) ) ))");
  EXPECT_EQ(canon(R"({app="foo"} | a="1" and b="2" or c="3")"),
            R"({app="foo"} | ( ( a="1" , b="2" ) or c="3" ))");
  EXPECT_EQ(canon(R"({app="foo"} | x="1" or y="1", z="1")"),
            R"({app="foo"} | ( x="1" or ( y="1" , z="1" ) ))");
  EXPECT_EQ(canon(R"({app="foo"} | s < 500 or s > 200 and l >= 250ms)"),
            R"({app="foo"} | ( s<500 or ( s>200 , l>=250ms ) ))");
}

TEST(logql_parser, oversized_input_is_rejected) {
  std::string q = "{a=\"" + std::string(max_query_size, 'x') + "\"}";
  auto e = parse(q);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().message(),
            "parse error : input size too long (" + std::to_string(q.size()) + " > 131072)");
}

TEST(logql_lexer, numbers_with_suffixes_become_durations_or_bytes) {
  auto toks = tokenize("1h30m 1.5s 500ms 1d 2w 3MB 2048KiB 1mb 1e3 0x10 -5m 3600000000µs");
  ASSERT_TRUE(toks.ok()) << toks.error().message();
  std::vector<tok> kinds;
  for (const auto& t : *toks)
    kinds.push_back(t.kind);
  std::vector<tok> want = {tok::duration, tok::duration, tok::duration, tok::duration, tok::duration,
                           tok::bytes,    tok::bytes,    tok::duration, tok::ident,    tok::number,
                           tok::number,   tok::sub,      tok::duration, tok::duration, tok::eof};
  EXPECT_EQ(kinds, want);
  EXPECT_EQ((*toks)[0].duration_ns, 5400000000000LL);
  EXPECT_EQ((*toks)[5].bytes, 3000000u);
  EXPECT_EQ((*toks)[6].bytes, 2097152u);
}

TEST(logql_lexer, strings_unquote_go_escapes_and_backticks_are_raw) {
  auto toks = tokenize(R"("a\"b\n\x41\u00e9" `raw\n`)");
  ASSERT_TRUE(toks.ok());
  EXPECT_EQ((*toks)[0].str, "a\"b\nA\xc3\xa9");
  EXPECT_EQ((*toks)[1].str, "raw\\n");
}

TEST(logql_matchers, parse_matchers_accepts_a_selector_only) {
  auto m = parse_matchers(R"({a="b", c=~"d|e"})");
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->size(), 2u);
  EXPECT_TRUE((*m)[1].matches("e"));
  EXPECT_FALSE((*m)[1].matches("de"));  // anchored
  EXPECT_FALSE(parse_matchers(R"({a="b"} |= "x")").ok());
}

TEST(logql_parser, every_prefix_of_valid_queries_parses_or_fails_cleanly) {
  size_t failures = 0;
  for (const auto& q : valid_queries) {
    for (size_t n = 0; n <= q.size(); ++n) {
      auto e = parse(q.substr(0, n));
      if (!e.ok()) {
        ++failures;
        EXPECT_EQ(e.error().message().rfind("parse error", 0), 0u) << q.substr(0, n) << ": " << e.error().message();
      }
    }
  }
  EXPECT_GT(failures, 0u);
}
