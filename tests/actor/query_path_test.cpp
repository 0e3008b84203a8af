// Actor tests of the read path's select on CAF's deterministic test
// coordinator: ingester -> tenant instance -> stream actors answer
// (select_atom, select_request_ptr) with the matching streams' entries.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "actors/ingester/ingester.hpp"
#include "runtime/limits/overrides.hpp"
#include "runtime/logql/parser.hpp"
#include "runtime/metrics/registry.hpp"
#include "testutil/caf_fixture.hpp"
#include "testutil/push_builder.hpp"

namespace skald {
namespace {

using namespace std::chrono_literals;
using testutil::push_builder;

constexpr int64_t sec = 1'000'000'000;

class query_path : public testutil::caf_fixture {
protected:
  query_path() : limits_(std::make_shared<limits::overrides>(config::limits_config{})) {
    actors::ingester_deps deps;
    deps.limits = limits_;
    deps.metrics = &reg_;
    ing_ = keep(actors::spawn_ingester(sys(), deps));
    auto req = push_builder{}
                   .stream("{app=\"a\", env=\"prod\"}")
                   .entry(1 * sec, "a1")
                   .entry(2 * sec, "a2")
                   .entry(3 * sec, "a3")
                   .stream("{app=\"b\", env=\"dev\"}")
                   .entry(2 * sec, "b2")
                   .build();
    auto b = std::make_shared<push_batch>();
    b->tenant = "t1";
    b->request = std::move(req);
    auto rep = ask<ingest_reply>(ing_, push_atom_v, ingest_ptr{b});
    EXPECT_TRUE(rep && rep->status == 0);
  }

  select_reply_ptr select(select_request r) {
    auto rep = ask<select_reply_ptr>(ing_, select_atom_v,
                                     select_request_ptr{std::make_shared<select_request>(r)});
    EXPECT_TRUE(rep);
    return rep ? *rep : nullptr;
  }

  static std::vector<logql::label_matcher> matchers(const std::string& sel) {
    return *logql::parse_matchers(sel);
  }

  metrics::registry reg_;
  std::shared_ptr<limits::overrides> limits_;
  ingester_actor ing_;
};

TEST_F(query_path, select_returns_matching_streams_in_range_ascending) {
  select_request r;
  r.tenant = "t1";
  r.groups.push_back(matchers("{env=\"prod\"}"));
  r.from = 2 * sec;
  r.through = 4 * sec;
  auto rep = select(r);
  ASSERT_TRUE(rep);
  ASSERT_EQ(rep->streams.size(), 1u);
  const auto& s = rep->streams[0];
  EXPECT_EQ(s.data.labels, (model::label_set{{"app", "a"}, {"env", "prod"}}));
  ASSERT_EQ(s.data.size(), 2u);
  EXPECT_EQ(s.data.line(0), "a2");
  EXPECT_EQ(s.data.line(1), "a3");
  EXPECT_EQ(s.count, 2u);
}

TEST_F(query_path, any_group_matches_and_unknown_tenant_is_empty) {
  select_request r;
  r.tenant = "t1";
  r.groups.push_back(matchers("{app=\"a\"}"));
  r.groups.push_back(matchers("{app=\"b\"}"));
  r.from = 0;
  r.through = 10 * sec;
  EXPECT_EQ(select(r)->streams.size(), 2u);
  r.tenant = "nobody";
  EXPECT_TRUE(select(r)->streams.empty());
}

TEST_F(query_path, per_stream_limit_keeps_the_first_entries_in_direction) {
  select_request r;
  r.tenant = "t1";
  r.groups.push_back(matchers("{app=\"a\"}"));
  r.from = 0;
  r.through = 10 * sec;
  r.per_stream_limit = 2;
  r.dir = logql::direction::backward;
  auto rep = select(r);
  ASSERT_EQ(rep->streams.size(), 1u);
  ASSERT_EQ(rep->streams[0].data.size(), 2u);
  EXPECT_EQ(rep->streams[0].data.line(0), "a2"); // still ascending
  EXPECT_EQ(rep->streams[0].data.line(1), "a3");
  r.dir = logql::direction::forward;
  rep = select(r);
  EXPECT_EQ(rep->streams[0].data.line(0), "a1");
  EXPECT_EQ(rep->streams[0].data.line(1), "a2");
}

TEST_F(query_path, labels_only_counts_without_copying) {
  select_request r;
  r.tenant = "t1";
  r.groups.emplace_back(); // every stream
  r.from = 2 * sec;
  r.through = 3 * sec;
  r.labels_only = true;
  auto rep = select(r);
  ASSERT_EQ(rep->streams.size(), 2u);
  for (const auto& s : rep->streams) {
    EXPECT_EQ(s.data.size(), 0u);
    EXPECT_EQ(s.count, 1u);
  }
  r.from = 5 * sec;
  r.through = 6 * sec;
  EXPECT_TRUE(select(r)->streams.empty());
}

TEST_F(query_path, a_select_after_a_push_sees_the_pushed_line) {
  auto b = std::make_shared<push_batch>();
  b->tenant = "t1";
  b->request = push_builder{}.stream("{app=\"a\", env=\"prod\"}").entry(4 * sec, "a4").build();
  auto rep = ask<ingest_reply>(ing_, push_atom_v, ingest_ptr{b});
  ASSERT_TRUE(rep);
  select_request r;
  r.tenant = "t1";
  r.groups.push_back(matchers("{app=\"a\"}"));
  r.from = 4 * sec;
  r.through = 5 * sec;
  auto s = select(r);
  ASSERT_EQ(s->streams.size(), 1u);
  EXPECT_EQ(s->streams[0].data.line(0), "a4");
}

TEST_F(query_path, a_snapshot_select_hands_out_chunks_later_pushes_do_not_change) {
  select_request r;
  r.tenant = "t1";
  r.groups.push_back(matchers("{app=\"a\"}"));
  r.from = 0;
  r.through = 10 * sec;
  r.snapshot = true;
  auto s = select(r);
  ASSERT_EQ(s->streams.size(), 1u);
  const auto& sl = s->streams[0];
  EXPECT_EQ(sl.data.labels, (model::label_set{{"app", "a"}, {"env", "prod"}}));
  EXPECT_EQ(sl.data.size(), 0u); // nothing copied out
  ASSERT_EQ(sl.snapshot.size(), 1u);
  EXPECT_EQ(sl.snapshot[0]->entries(), 3u);
  // The stream goes on appending; the query's snapshot stays as it was.
  auto b = std::make_shared<push_batch>();
  b->tenant = "t1";
  b->request = push_builder{}.stream("{app=\"a\", env=\"prod\"}").entry(4 * sec, "a4").build();
  auto rep = ask<ingest_reply>(ing_, push_atom_v, ingest_ptr{b});
  ASSERT_TRUE(rep);
  EXPECT_EQ(sl.snapshot[0]->entries(), 3u);
  auto n = sl.snapshot[0]->count(0, 10 * sec);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 3u);
  EXPECT_EQ(select(r)->streams[0].snapshot[0]->entries(), 4u);
}

} // namespace
} // namespace skald
