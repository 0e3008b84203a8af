// Unit tests of the admin console's pure parts (runtime/admin): listing
// queries (parse, filter, sort, page), message rates, JSON shapes and
// skaldctl's tables.
#include <map>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "runtime/admin/directory.hpp"
#include "runtime/admin/table.hpp"

namespace skald::admin {
namespace {

using testing::HasSubstr;

result<actor_query> parse(std::map<std::string, std::string> params) {
  return parse_actor_query([&](std::string_view name) -> const std::string* {
    auto i = params.find(std::string{name});
    return i == params.end() ? nullptr : &i->second;
  });
}

actor_row row(uint64_t id, std::string kind, std::string name, uint64_t mailbox = 0,
              uint64_t handled = 0, double rate = 0) {
  actor_row r;
  r.entry.id = id;
  r.entry.kind = std::move(kind);
  r.entry.name = std::move(name);
  r.info.mailbox = mailbox;
  r.info.handled = handled;
  r.rate = rate;
  r.answered = true;
  return r;
}

TEST(admin_query, defaults_and_orders) {
  auto q = parse({});
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->sort, sort_key::id);
  EXPECT_FALSE(q->descending);
  EXPECT_EQ(q->offset, 0u);
  EXPECT_EQ(q->limit, default_page_limit);

  q = parse({{"sort", "mailbox"}});
  ASSERT_TRUE(q.ok());
  EXPECT_TRUE(q->descending) << "mailbox, rate and handled sort largest first";
  q = parse({{"sort", "rate"},
             {"order", "asc"},
             {"offset", "20"},
             {"limit", "1000"},
             {"kind", "stream"},
             {"tenant", "fake"},
             {"name", "app"}});
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->sort, sort_key::rate);
  EXPECT_FALSE(q->descending);
  EXPECT_EQ(q->offset, 20u);
  EXPECT_EQ(q->limit, 1000u);
  EXPECT_EQ(q->kind, "stream");
  EXPECT_EQ(q->tenant, "fake");
  EXPECT_EQ(q->name, "app");
}

TEST(admin_query, bad_parameters_name_the_parameter) {
  auto q = parse({{"sort", "size"}});
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.error().message(),
            "invalid sort 'size': expected id, name, started, mailbox, rate or handled");
  q = parse({{"order", "up"}});
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.error().message(), "invalid order 'up': expected asc or desc");
  q = parse({{"limit", "1001"}});
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.error().message(), "invalid limit '1001': expected an integer between 0 and 1000");
  q = parse({{"limit", "0"}});
  ASSERT_FALSE(q.ok());
  EXPECT_THAT(q.error().message(), HasSubstr("between 1 and 1000"));
  q = parse({{"offset", "-1"}});
  ASSERT_FALSE(q.ok());
  EXPECT_THAT(q.error().message(), HasSubstr("invalid offset '-1'"));
  q = parse({{"offset", "12abc"}});
  ASSERT_FALSE(q.ok());
}

TEST(admin_query, filters) {
  actor_entry e;
  e.kind = "stream";
  e.tenant = "fake";
  e.name = "stream {app=\"api\"} tenant=fake";
  actor_query q;
  EXPECT_TRUE(matches(q, e));
  q.kind = "stream";
  q.tenant = "fake";
  q.name = "app=\"api\"";
  EXPECT_TRUE(matches(q, e));
  q.name = "app=\"web\"";
  EXPECT_FALSE(matches(q, e));
  q.name.clear();
  q.tenant = "other";
  EXPECT_FALSE(matches(q, e));
  q.tenant.clear();
  q.kind = "tenant";
  EXPECT_FALSE(matches(q, e));
}

TEST(admin_query, sort_is_total_and_pages_cover_every_row_once) {
  std::vector<actor_row> rows;
  // Many ties on mailbox: ids break them.
  for (uint64_t id = 1; id <= 23; ++id)
    rows.push_back(row(id * 7 % 23 + 1, "stream", "s", id % 3, id, 0));
  actor_query q;
  q.sort = sort_key::mailbox;
  q.descending = true;
  q.limit = 5;
  std::vector<uint64_t> seen;
  for (q.offset = 0; q.offset < 30; q.offset += 5) {
    auto page = rows;
    sort_rows(page, q);
    cut_page(page, q);
    EXPECT_LE(page.size(), 5u);
    for (const auto& r : page)
      seen.push_back(r.entry.id);
  }
  ASSERT_EQ(seen.size(), 23u);
  std::vector<uint64_t> sorted = seen;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::unique(sorted.begin(), sorted.end()), sorted.end()) << "a row repeated";

  auto all = rows;
  sort_rows(all, q);
  for (size_t i = 1; i < all.size(); ++i) {
    EXPECT_GE(all[i - 1].info.mailbox, all[i].info.mailbox);
    if (all[i - 1].info.mailbox == all[i].info.mailbox) {
      EXPECT_LT(all[i - 1].entry.id, all[i].entry.id);
    }
  }
}

TEST(admin_query, sort_keys) {
  std::vector<actor_row> rows{row(3, "stream", "b", 5, 10, 2.5), row(1, "stream", "c", 9, 1, 0.5),
                              row(2, "stream", "a", 1, 50, 9.0)};
  auto ids = [](std::vector<actor_row> v, sort_key k, bool desc) {
    actor_query q;
    q.sort = k;
    q.descending = desc;
    sort_rows(v, q);
    std::vector<uint64_t> out;
    for (const auto& r : v)
      out.push_back(r.entry.id);
    return out;
  };
  EXPECT_EQ(ids(rows, sort_key::id, false), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(ids(rows, sort_key::name, false), (std::vector<uint64_t>{2, 3, 1}));
  EXPECT_EQ(ids(rows, sort_key::mailbox, true), (std::vector<uint64_t>{1, 3, 2}));
  EXPECT_EQ(ids(rows, sort_key::rate, true), (std::vector<uint64_t>{2, 3, 1}));
  EXPECT_EQ(ids(rows, sort_key::handled, true), (std::vector<uint64_t>{2, 3, 1}));
  EXPECT_TRUE(sort_needs_info(sort_key::mailbox));
  EXPECT_FALSE(sort_needs_info(sort_key::name));
}

TEST(admin_query, cut_page_past_the_end_is_empty) {
  std::vector<actor_row> rows{row(1, "a", "a"), row(2, "a", "b")};
  actor_query q;
  q.offset = 2;
  cut_page(rows, q);
  EXPECT_TRUE(rows.empty());
}

TEST(admin_rates, rate_over_the_interval_since_the_baseline) {
  rate_tracker t{500'000'000};
  const int64_t s = 1'000'000'000;
  EXPECT_EQ(t.observe(7, 100, 10 * s), 0.0); // first sight: no rate yet
  EXPECT_EQ(t.observe(7, 150, 10 * s + s / 10), 0.0) << "too soon: keeps the last rate";
  EXPECT_DOUBLE_EQ(t.observe(7, 300, 12 * s), 100.0); // 200 messages in 2 s
  EXPECT_DOUBLE_EQ(t.observe(7, 320, 12 * s + s / 5), 100.0);
  EXPECT_DOUBLE_EQ(t.observe(7, 400, 13 * s), 100.0);
  EXPECT_DOUBLE_EQ(t.observe(7, 400, 14 * s), 0.0); // idle
  t.forget(7);
  EXPECT_EQ(t.size(), 0u);
}

TEST(admin_json, page_and_row_shapes) {
  actor_page p;
  p.total = 3;
  p.offset = 1;
  p.limit = 1;
  p.kinds = {{"stream", 3}, {"tenant", 1}};
  auto r = row(42, "stream", "stream {app=\"a\\\"b\"} tenant=fake", 4, 17, 2.345);
  r.entry.parent = 41;
  r.entry.tenant = "fake";
  r.entry.started_ns = 1'700'000'000'123'000'000;
  r.info.last_activity_ns = 1'700'000'001'000'000'000;
  r.info.numbers = {{"chunks", 2}, {"entries", 1000}};
  r.info.strings = {{"segment", "00000003"}};
  p.rows.push_back(r);
  rapidjson::Document d;
  auto text = to_json(p);
  d.Parse(text.c_str());
  ASSERT_FALSE(d.HasParseError()) << text;
  EXPECT_EQ(d["total"].GetUint64(), 3u);
  EXPECT_EQ(d["kinds"]["stream"].GetUint64(), 3u);
  const auto& a = d["actors"][0];
  EXPECT_EQ(a["id"].GetUint64(), 42u);
  EXPECT_STREQ(a["name"].GetString(), "stream {app=\"a\\\"b\"} tenant=fake");
  EXPECT_EQ(a["parent"].GetUint64(), 41u);
  EXPECT_STREQ(a["started"].GetString(), "2023-11-14T22:13:20.123Z");
  EXPECT_STREQ(a["last_activity"].GetString(), "2023-11-14T22:13:21.000Z");
  EXPECT_EQ(a["mailbox"].GetUint64(), 4u);
  EXPECT_DOUBLE_EQ(a["rate"].GetDouble(), 2.3);
  EXPECT_TRUE(a["answered"].GetBool());
  EXPECT_EQ(a["state"]["entries"].GetInt64(), 1000);
  EXPECT_STREQ(a["state"]["segment"].GetString(), "00000003");

  actor_row silent = row(5, "stream", "x");
  silent.answered = false;
  d.Parse(to_json(silent).c_str());
  EXPECT_TRUE(d["last_activity"].IsNull());
  EXPECT_FALSE(d["answered"].GetBool());
}

TEST(admin_json, nodes) {
  node_summary n;
  n.id = "abc";
  n.hostname = "h";
  n.address = "127.0.0.1:3100";
  n.roles = {"all"};
  n.version = "0.1.0";
  n.started_ns = 1'000'000'000'000'000'000;
  n.ready = true;
  n.modules = {{"server", "Running"}, {"ingester", "Starting"}};
  n.actors = {{"stream", 5}, {"tenant", 2}};
  rapidjson::Document d;
  auto text = to_json(std::vector<node_summary>{n}, n.started_ns + 90'500'000'000);
  d.Parse(text.c_str());
  ASSERT_FALSE(d.HasParseError()) << text;
  const auto& j = d["nodes"][0];
  EXPECT_EQ(j["uptime_seconds"].GetInt64(), 90);
  EXPECT_EQ(j["actors_total"].GetUint64(), 7u);
  EXPECT_STREQ(j["modules"]["ingester"].GetString(), "Starting");
  EXPECT_STREQ(j["roles"][0].GetString(), "all");
  EXPECT_TRUE(j["self"].GetBool());
}

TEST(admin_table, columns_align_and_long_cells_are_cut) {
  text_table t;
  t.header = {"ID", "NAME", "MAILBOX"};
  t.numeric = {true, false, true};
  t.max_width = 10;
  t.rows = {{"1", "short", "5"}, {"123", "a very long stream name", "12345"}};
  EXPECT_EQ(render(t), " ID  NAME        MAILBOX\n"
                       "  1  short             5\n"
                       "123  a very lo\u2026    12345\n");
}

TEST(admin_table, human_units) {
  EXPECT_EQ(human_count(999), "999");
  EXPECT_EQ(human_count(12345), "12.3k");
  EXPECT_EQ(human_count(2500000), "2.5M");
  EXPECT_EQ(human_count(1.5), "1.5");
  EXPECT_EQ(human_bytes(512), "512 B");
  EXPECT_EQ(human_bytes(1536), "1.5 KiB");
  EXPECT_EQ(human_bytes(3 * 1024 * 1024), "3.0 MiB");
  EXPECT_EQ(human_duration(42), "42s");
  EXPECT_EQ(human_duration(300), "5m");
  EXPECT_EQ(human_duration(12000), "3h20m");
  EXPECT_EQ(human_duration(187200), "2d4h");
}

} // namespace
} // namespace skald::admin
