// Actor tests of the admin console's actor registry (issue 9) on CAF's
// deterministic test coordinator: ingester, tenant and stream actors enlist
// themselves, listings filter/sort/page, `info` carries kind-specific state,
// actors leave the directory when they die, and an info request overtakes a
// backlog (message_priority::high with a caf::duration timeout).
#include <map>
#include <memory>
#include <set>
#include <string>

#include <caf/actor_registry.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "actors/admin/actor_registry.hpp"
#include "actors/admin/introspect.hpp"
#include "actors/ingester/ingester.hpp"
#include "runtime/config/limits_config.hpp"
#include "runtime/limits/overrides.hpp"
#include "runtime/metrics/registry.hpp"
#include "testutil/caf_fixture.hpp"
#include "testutil/push_builder.hpp"

namespace skald {
namespace {

using namespace std::chrono_literals;
using testing::HasSubstr;
using testutil::push_builder;

constexpr int64_t sec = 1'000'000'000;

class admin_registry : public testutil::caf_fixture {
protected:
  admin_registry() : limits_(std::make_shared<limits::overrides>(config::limits_config{})) {
    reg_ = keep(actors::spawn_actor_registry(sys(), 2000ms));
    sys().registry().put(actors::actor_registry_name(),
                         caf::actor_cast<caf::strong_actor_ptr>(reg_));
    actors::ingester_deps deps;
    deps.limits = limits_;
    deps.metrics = &metrics_;
    deps.timeout = 5s;
    ing_ = keep(actors::spawn_ingester(sys(), deps));
    sched().run();
  }

  void SetUp() override {
    if (!admin::introspection_enabled)
      GTEST_SKIP() << "built with SKALD_INTROSPECTION=OFF (bench/admin_cost_ir.sh's baseline): "
                      "actors neither enlist nor count messages";
  }

  ~admin_registry() override {
    // A named actor keeps ~actor_system waiting.
    sys().registry().erase(actors::actor_registry_name());
  }

  void push(const std::string& tenant, push::push_request req) {
    auto b = std::make_shared<push_batch>();
    b->tenant = tenant;
    b->request = std::move(req);
    auto rep = ask<ingest_reply>(ing_, push_atom_v, ingest_ptr{std::move(b)});
    ASSERT_TRUE(rep);
    ASSERT_EQ(rep->status, 0) << rep->message;
    sched().run(); // enlist messages
  }

  admin::actor_page list(admin::actor_query q) {
    auto p = ask<admin::actor_page>(reg_, list_atom_v, std::move(q));
    return p ? *p : admin::actor_page{};
  }

  metrics::registry metrics_;
  std::shared_ptr<limits::overrides> limits_;
  actor_registry_actor reg_;
  ingester_actor ing_;
};

TEST_F(admin_registry, ingester_tenants_and_streams_enlist_with_their_state) {
  push("t1", push_builder{}
                 .stream("{app=\"a\"}")
                 .entry(1 * sec, "one")
                 .entry(2 * sec, "two")
                 .stream("{app=\"b\"}")
                 .entry(3 * sec, "b1")
                 .build());
  push("t2", push_builder{}.stream("{app=\"c\"}").entry(5 * sec, "c1").build());

  admin::actor_query all;
  all.limit = 100;
  auto page = list(all);
  EXPECT_EQ(page.kinds["ingester"], 1u);
  EXPECT_EQ(page.kinds["tenant"], 2u);
  EXPECT_EQ(page.kinds["stream"], 3u);
  EXPECT_EQ(page.kinds["actor_registry"], 1u);
  EXPECT_EQ(page.total, 7u);

  admin::actor_query q;
  q.kind = "stream";
  q.tenant = "t1";
  q.name = "app=\"a\"";
  page = list(q);
  ASSERT_EQ(page.rows.size(), 1u);
  const auto& row = page.rows[0];
  EXPECT_TRUE(row.answered);
  EXPECT_EQ(row.entry.name, "stream {app=\"a\"} tenant=t1");
  EXPECT_EQ(row.entry.tenant, "t1");
  EXPECT_EQ(row.info.numbers.at("entries"), 2);
  EXPECT_EQ(row.info.numbers.at("chunks"), 1);
  EXPECT_EQ(row.info.numbers.at("first_ts"), 1 * sec);
  EXPECT_EQ(row.info.numbers.at("last_ts"), 2 * sec);
  EXPECT_GT(row.info.numbers.at("bytes"), 0);
  EXPECT_EQ(row.info.handled, 1u); // one append; info itself is not counted
  EXPECT_GT(row.info.last_activity_ns, 0);

  // The stream's parent is its tenant, whose parent is the ingester.
  q = admin::actor_query{};
  q.kind = "tenant";
  q.tenant = "t1";
  page = list(q);
  ASSERT_EQ(page.rows.size(), 1u);
  EXPECT_EQ(row.entry.parent, page.rows[0].entry.id);
  EXPECT_EQ(page.rows[0].entry.parent, ing_.id());
  EXPECT_EQ(page.rows[0].info.numbers.at("streams"), 2);
}

TEST_F(admin_registry, listings_sort_and_page_without_repeats) {
  auto b = push_builder{};
  for (int i = 0; i < 7; ++i)
    b.stream("{app=\"s" + std::to_string(i) + "\"}").entry(1 * sec, "x");
  push("t1", b.build());
  // s3 gets three more appends: the most handled messages.
  for (int i = 0; i < 3; ++i)
    push("t1", push_builder{}.stream("{app=\"s3\"}").entry((2 + i) * sec, "y").build());

  admin::actor_query q;
  q.kind = "stream";
  q.limit = 3;
  std::set<uint64_t> seen;
  for (uint64_t off = 0; off < 9; off += 3) {
    q.offset = off;
    auto page = list(q);
    EXPECT_EQ(page.total, 7u);
    EXPECT_LE(page.rows.size(), 3u);
    for (const auto& r : page.rows)
      EXPECT_TRUE(seen.insert(r.entry.id).second) << "id repeated across pages: " << r.entry.id;
  }
  EXPECT_EQ(seen.size(), 7u);

  q = admin::actor_query{};
  q.kind = "stream";
  q.sort = admin::sort_key::handled;
  q.descending = true;
  q.limit = 1;
  auto top = list(q);
  ASSERT_EQ(top.rows.size(), 1u);
  EXPECT_THAT(top.rows[0].entry.name, HasSubstr("app=\"s3\""));
  EXPECT_EQ(top.rows[0].info.handled, 4u);
}

TEST_F(admin_registry, lookup_by_id_and_kind) {
  push("t1", push_builder{}.stream("{app=\"a\"}").entry(1 * sec, "x").build());
  auto h = ask<caf::actor>(reg_, lookup_atom_v, std::string{"ingester"});
  ASSERT_TRUE(h);
  EXPECT_EQ(h->id(), ing_.id());
  auto none = ask<caf::actor>(reg_, lookup_atom_v, std::string{"ring_member"});
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);

  auto one = ask<admin::actor_page>(reg_, lookup_atom_v, uint64_t{ing_.id()});
  ASSERT_TRUE(one);
  ASSERT_EQ(one->rows.size(), 1u);
  EXPECT_EQ(one->rows[0].entry.kind, "ingester");
  EXPECT_EQ(one->rows[0].info.numbers.at("tenants"), 1);
  auto missing = ask<admin::actor_page>(reg_, lookup_atom_v, uint64_t{987654321});
  ASSERT_TRUE(missing);
  EXPECT_TRUE(missing->rows.empty());
}

TEST_F(admin_registry, a_dead_actor_leaves_the_directory) {
  push("t1", push_builder{}
                 .stream("{app=\"a\"}")
                 .entry(1 * sec, "x")
                 .stream("{app=\"b\"}")
                 .entry(1 * sec, "y")
                 .build());
  admin::actor_query q;
  q.kind = "stream";
  auto page = list(q);
  ASSERT_EQ(page.total, 2u);
  auto any = ask<caf::actor>(reg_, lookup_atom_v, std::string{"stream"});
  ASSERT_TRUE(any && *any);
  auto victim = (*any).id();
  // Not `kill`: that would bypass the tenant's exit handler and take the
  // whole tenant down through the link.
  caf::anon_send_exit(*any, caf::exit_reason::user_shutdown);
  sched().run();
  page = list(q);
  EXPECT_EQ(page.total, 1u);
  ASSERT_EQ(page.rows.size(), 1u);
  EXPECT_NE(page.rows[0].entry.id, victim);
  EXPECT_EQ(page.kinds["stream"], 1u);
}

TEST_F(admin_registry, flush_closes_the_open_chunks_of_a_tenant) {
  push("t1", push_builder{}
                 .stream("{app=\"a\"}")
                 .entry(1 * sec, "x")
                 .stream("{app=\"b\"}")
                 .entry(1 * sec, "y")
                 .build());
  auto n = ask<uint32_t>(ing_, admin_flush_atom_v, std::string{"t1"}, std::string{});
  ASSERT_TRUE(n);
  EXPECT_EQ(*n, 2u);
  auto none = ask<uint32_t>(ing_, admin_flush_atom_v, std::string{"nobody"}, std::string{});
  ASSERT_TRUE(none);
  EXPECT_EQ(*none, 0u);
  // The next push to a flushed stream cuts a new chunk.
  push("t1", push_builder{}.stream("{app=\"a\"}").entry(2 * sec, "z").build());
  admin::actor_query q;
  q.kind = "stream";
  q.name = "app=\"a\"";
  auto page = list(q);
  ASSERT_EQ(page.rows.size(), 1u);
  EXPECT_EQ(page.rows[0].info.numbers.at("chunks"), 2);
  EXPECT_EQ(page.rows[0].info.numbers.at("flushes"), 1);
  auto ing = ask<admin::actor_page>(reg_, lookup_atom_v, uint64_t{ing_.id()});
  ASSERT_TRUE(ing && !ing->rows.empty());
  EXPECT_EQ(ing->rows[0].info.numbers.at("flushes"), 1);
}

TEST_F(admin_registry, info_overtakes_a_backlog) {
  push("t1", push_builder{}.stream("{app=\"a\"}").entry(1 * sec, "x").build());
  auto stream = ask<caf::actor>(reg_, lookup_atom_v, std::string{"stream"});
  ASSERT_TRUE(stream && *stream);
  // The registry gets the listing first; then 200 ordinary messages queue up
  // at the stream before the registry's info request reaches it.
  admin::actor_query q;
  q.kind = "stream";
  auto rh = self()->request(reg_, caf::infinite, list_atom_v, q);
  for (int i = 0; i < 200; ++i)
    caf::anon_send(*stream, status_atom_v);
  ASSERT_TRUE(sched().try_run_once()); // the registry: sends info (high priority)
  sched().run();
  std::optional<admin::actor_page> page;
  rh.receive([&](admin::actor_page& p) { page = std::move(p); },
             [&](caf::error& e) { FAIL() << sys().render(e); });
  ASSERT_TRUE(page);
  ASSERT_EQ(page->rows.size(), 1u);
  // Answered ahead of the backlog: it saw (most of) the 200 messages still
  // queued; with the priority dropped it would have seen 0.
  EXPECT_GT(page->rows[0].info.mailbox, 100u);
}

TEST_F(admin_registry, sort_by_mailbox_samples_every_match_then_fetches_the_page) {
  push("t1", push_builder{}
                 .stream("{app=\"a\"}")
                 .entry(1 * sec, "x")
                 .stream("{app=\"b\"}")
                 .entry(1 * sec, "y")
                 .stream("{app=\"c\"}")
                 .entry(1 * sec, "z")
                 .build());
  // The stream with the lowest id gets a backlog; ascending by mailbox it
  // must come last (with every mailbox equal, ties would put it first).
  auto busy = ask<caf::actor>(reg_, lookup_atom_v, std::string{"stream"});
  ASSERT_TRUE(busy && *busy);
  admin::actor_query q;
  q.kind = "stream";
  q.sort = admin::sort_key::mailbox;
  q.descending = false;
  auto rh = self()->request(reg_, caf::infinite, list_atom_v, q);
  for (int i = 0; i < 50; ++i)
    caf::anon_send(*busy, status_atom_v);
  ASSERT_TRUE(sched().try_run_once()); // the registry samples all three
  sched().run();
  std::optional<admin::actor_page> page;
  rh.receive([&](admin::actor_page& p) { page = std::move(p); },
             [&](caf::error& e) { FAIL() << sys().render(e); });
  ASSERT_TRUE(page);
  EXPECT_EQ(page->total, 3u);
  ASSERT_EQ(page->rows.size(), 3u);
  EXPECT_EQ(page->rows[2].entry.id, busy->id()) << "the stream with the backlog last";
  for (const auto& r : page->rows) {
    EXPECT_TRUE(r.answered);
    EXPECT_EQ(r.info.numbers.count("entries"), 1u) << "page rows carry full state";
    EXPECT_FALSE(r.entry.name.empty());
  }
}

TEST_F(admin_registry, a_silent_actor_is_listed_unanswered_at_the_deadline) {
  // Enlists, then never answers info (a dropped promise sends nothing in 0.17).
  keep(sys().spawn([](caf::event_based_actor* self) -> caf::behavior {
    actors::enlist(self, "silent", "silent one");
    return {[self](info_atom) -> caf::result<admin::actor_info> {
      return self->make_response_promise<admin::actor_info>();
    }};
  }));
  sched().run();
  admin::actor_query q;
  q.kind = "silent";
  auto rh = self()->request(reg_, caf::infinite, list_atom_v, q);
  sched().run();
  sched().advance_time(std::chrono::milliseconds{2000}); // the registry's deadline
  sched().run();
  std::optional<admin::actor_page> page;
  rh.receive([&](admin::actor_page& p) { page = std::move(p); },
             [&](caf::error& e) { FAIL() << sys().render(e); });
  ASSERT_TRUE(page);
  ASSERT_EQ(page->rows.size(), 1u);
  EXPECT_EQ(page->rows[0].entry.name, "silent one");
  EXPECT_FALSE(page->rows[0].answered);
}

TEST_F(admin_registry, sorting_more_than_1000_actors_uses_the_shared_sample) {
  auto b = push_builder{};
  for (int i = 0; i < 1200; ++i)
    b.stream("{app=\"s" + std::to_string(i) + "\"}").entry(1 * sec, "x");
  push("t1", b.build());
  auto busy = ask<caf::actor>(reg_, lookup_atom_v, std::string{"stream"});
  ASSERT_TRUE(busy && *busy);
  admin::actor_query q;
  q.kind = "stream";
  q.sort = admin::sort_key::mailbox;
  q.descending = true;
  q.limit = 5;
  auto rh = self()->request(reg_, caf::infinite, list_atom_v, q);
  for (int i = 0; i < 50; ++i)
    caf::anon_send(*busy, status_atom_v);
  ASSERT_TRUE(sched().try_run_once()); // the registry samples every actor
  sched().run();
  std::optional<admin::actor_page> page;
  rh.receive([&](admin::actor_page& p) { page = std::move(p); },
             [&](caf::error& e) { FAIL() << sys().render(e); });
  ASSERT_TRUE(page);
  EXPECT_EQ(page->total, 1200u);
  ASSERT_EQ(page->rows.size(), 5u);
  EXPECT_EQ(page->rows[0].entry.id, busy->id()) << "the stream with the backlog first";
  for (const auto& r : page->rows)
    EXPECT_TRUE(r.answered && r.info.numbers.count("entries") == 1);
  // A second listing within the sample's lifetime is served from it.
  q.descending = false;
  auto again = list(q);
  ASSERT_EQ(again.rows.size(), 5u);
  EXPECT_NE(again.rows[0].entry.id, busy->id());
}

TEST_F(admin_registry, a_silent_actor_does_not_hold_a_sweep_over_1000_actors) {
  auto b = push_builder{};
  for (int i = 0; i < 1100; ++i)
    b.stream("{app=\"s" + std::to_string(i) + "\"}").entry(1 * sec, "x");
  push("t1", b.build());
  // Enlisted first in id order after the streams; never answers info.
  keep(sys().spawn([](caf::event_based_actor* self) -> caf::behavior {
    actors::enlist(self, "silent", "silent one");
    return {[self](info_atom) -> caf::result<admin::actor_info> {
      return self->make_response_promise<admin::actor_info>();
    }};
  }));
  sched().run();
  admin::actor_query q;
  q.kind = "stream";
  q.sort = admin::sort_key::rate;
  q.limit = 3;
  auto rh = self()->request(reg_, caf::infinite, list_atom_v, q);
  sched().run();
  // The sweep waits for the silent actor; the listing is released after 1 s
  // with what the sweep has (every stream answered).
  std::optional<admin::actor_page> page;
  sched().advance_time(std::chrono::milliseconds{1000});
  sched().run();
  rh.receive([&](admin::actor_page& p) { page = std::move(p); },
             [&](caf::error& e) { FAIL() << sys().render(e); });
  ASSERT_TRUE(page);
  EXPECT_EQ(page->total, 1100u);
  ASSERT_EQ(page->rows.size(), 3u);
  for (const auto& r : page->rows)
    EXPECT_TRUE(r.answered);
  // Progress ticks every timeout (2 s): the first (at 2 s) sees answers
  // since the start, the second (at 4 s) none, gives up on the silent actor
  // and ends the sweep; the next listing is served from its sample at once
  // (were the sweep still running, it would wait for its release).
  sched().advance_time(std::chrono::milliseconds{1000});
  sched().run();
  sched().advance_time(std::chrono::milliseconds{2000});
  sched().run();
  auto again = list(q);
  EXPECT_EQ(again.rows.size(), 3u);
}

} // namespace
} // namespace skald
