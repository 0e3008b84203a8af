// Router matching and the URL decoding of actors/http (no sockets).
#include "actors/http/router.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

namespace skald::http {
namespace {

router::handler noop() {
  return [](request&, responder) {};
}

TEST(http_router, route_labels_follow_dskit) {
  EXPECT_EQ(router::route_label("/loki/api/v1/push"), "loki_api_v1_push");
  EXPECT_EQ(router::route_label("/loki/api/v1/label/{name}/values"),
            "loki_api_v1_label_name_values");
  EXPECT_EQ(router::route_label("/ready"), "ready");
  EXPECT_EQ(router::route_label("/"), "root");
  EXPECT_EQ(router::route_label("/Foo--Bar/"), "foo_bar");
}

TEST(http_router, finds_exact_and_pattern_routes) {
  router r;
  r.get("/ready", noop());
  r.handle({"GET", "POST"}, "/loki/api/v1/label/{name}/values", noop());
  r.get("/loki/api/v1/labels", noop());
  param_list pp;
  auto m = r.find("GET", "/ready", pp);
  EXPECT_EQ(m.status, 200u);
  EXPECT_NE(m.target, nullptr);
  EXPECT_EQ(m.route, "ready");

  m = r.find("POST", "/loki/api/v1/label/app/values", pp);
  EXPECT_EQ(m.status, 200u);
  EXPECT_EQ(m.route, "loki_api_v1_label_name_values");
  ASSERT_EQ(pp.size(), 1u);
  EXPECT_EQ(pp[0].first, "name");
  EXPECT_EQ(pp[0].second, "app");
}

TEST(http_router, unknown_path_is_404_and_wrong_method_is_405_with_allow) {
  router r;
  r.handle({"POST", "GET"}, "/x", noop());
  r.get("/a/{v}/b", noop());
  param_list pp;
  EXPECT_EQ(r.find("GET", "/y", pp).status, 404u);
  EXPECT_EQ(r.find("GET", "/y", pp).route, "notfound");
  EXPECT_EQ(r.find("GET", "/x/", pp).status, 404u);
  EXPECT_EQ(r.find("GET", "/a//b", pp).status, 404u); // empty segment never matches
  auto m = r.find("DELETE", "/x", pp);
  EXPECT_EQ(m.status, 405u);
  EXPECT_EQ(m.allow, "GET, POST");
  EXPECT_EQ(m.route, "x");
}

TEST(http_router, rejects_bad_registrations) {
  router r;
  r.get("/x", noop());
  EXPECT_THROW(r.get("/x", noop()), std::invalid_argument);
  EXPECT_THROW(r.get("x", noop()), std::invalid_argument);
  EXPECT_THROW(r.get("/a{b}", noop()), std::invalid_argument);
  EXPECT_THROW(r.label("/nope", "n"), std::invalid_argument);
  r.label("/x", "custom");
  param_list pp;
  EXPECT_EQ(r.find("GET", "/x", pp).route, "custom");
}

TEST(http_url, decodes_percent_and_plus) {
  std::string out;
  ASSERT_TRUE(url_decode("%7Bapp%3D%22x%22%7D+a%2Bb", true, out).ok());
  EXPECT_EQ(out, "{app=\"x\"} a+b");
  ASSERT_TRUE(url_decode("/a+b%20c", false, out).ok());
  EXPECT_EQ(out, "/a+b c");
  auto st = url_decode("x%zz", true, out);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "invalid URL escape \"%zz\"");
  st = url_decode("x%4", true, out);
  EXPECT_EQ(st.message(), "invalid URL escape \"%4\"");
}

TEST(http_url, parses_queries_like_go) {
  param_list p;
  ASSERT_TRUE(parse_query("match[]=a&match%5B%5D=b&&flag&empty=&x=1=2", p).ok());
  ASSERT_EQ(p.size(), 5u);
  EXPECT_EQ(p[0], (std::pair<std::string, std::string>{"match[]", "a"}));
  EXPECT_EQ(p[1], (std::pair<std::string, std::string>{"match[]", "b"}));
  EXPECT_EQ(p[2], (std::pair<std::string, std::string>{"flag", ""}));
  EXPECT_EQ(p[3], (std::pair<std::string, std::string>{"empty", ""}));
  EXPECT_EQ(p[4], (std::pair<std::string, std::string>{"x", "1=2"}));
  p.clear();
  auto st = parse_query("a=1;b=2&c=%zz&d=4", p);
  EXPECT_EQ(st.message(), "invalid semicolon separator in query");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].first, "d");
}

TEST(http_request, header_lookup_is_case_insensitive_and_params_keep_repeats) {
  request req;
  req.headers = {{"Content-Type", "application/json"}, {"X-Scope-OrgID", "t1"}};
  req.params = {{"match[]", "a"}, {"limit", "5"}, {"match[]", "b"}};
  EXPECT_EQ(req.header("content-type"), "application/json");
  EXPECT_EQ(req.header("x-scope-orgid"), "t1");
  EXPECT_EQ(req.header("missing"), "");
  EXPECT_EQ(req.find_header("missing"), nullptr);
  EXPECT_EQ(req.param_values("match[]"), (std::vector<std::string_view>{"a", "b"}));
  EXPECT_EQ(req.param_or("limit", "100"), "5");
  EXPECT_EQ(req.param_or("direction", "backward"), "backward");
  EXPECT_EQ(media_type(" Application/X-WWW-Form-Urlencoded ; charset=utf-8"),
            "application/x-www-form-urlencoded");
}

TEST(http_response, error_is_go_http_error) {
  auto r = response::error(400, "bad");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.body, "bad\n");
  EXPECT_EQ(r.content_type, "text/plain; charset=utf-8");
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].first, "X-Content-Type-Options");
  EXPECT_TRUE(response::empty(204).content_type.empty());
}

} // namespace
} // namespace skald::http
