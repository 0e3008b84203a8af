// Actor tests of one live tail session of a single node (actors/querier/
// tail.cpp) on CAF's deterministic test coordinator: the session subscribes
// to a stand-in ingester, joins a stand-in tail group (pre-registered in the
// route state, so no real group is spawned) and gets its history and the
// group's shares as messages the test sends, in the orders the real actors
// can produce. Frames are caught by a recording websocket.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include <caf/actor_cast.hpp>
#include <caf/event_based_actor.hpp>

#include "actors/http/websocket.hpp"
#include "actors/querier/tail_actor.hpp"
#include "actors/querier/tail_internal.hpp"
#include "runtime/limits/overrides.hpp"
#include "runtime/logql/parser.hpp"
#include "runtime/metrics/registry.hpp"
#include "testutil/caf_fixture.hpp"

namespace skald {
namespace {

using namespace actors::tail_detail;

constexpr int64_t sec = 1'000'000'000;

/// Records every frame the session queues.
class recording_ws final : public http::websocket {
public:
  bool send_text(std::string frame) override {
    frames.push_back(std::move(frame));
    return true;
  }
  bool send_texts(std::vector<std::string> fs) override {
    for (auto& f : fs)
      frames.push_back(std::move(f));
    return true;
  }
  bool send_shared(std::vector<std::shared_ptr<const std::string>> fs) override {
    for (auto& f : fs)
      frames.push_back(*f);
    return true;
  }
  void close(uint16_t code, std::string) override { closed_with = code; }
  size_t queued() const override { return 0; }
  bool open() const override { return closed_with < 0; }

  /// How many times `line` was sent, over all frames.
  size_t count(const std::string& line) const {
    size_t n = 0;
    for (const auto& f : frames)
      for (auto at = f.find(line); at != std::string::npos; at = f.find(line, at + line.size()))
        ++n;
    return n;
  }

  std::vector<std::string> frames;
  int closed_with = -1;
};

class tail_session : public testutil::caf_fixture {
protected:
  tail_session() {
    auto rs = std::make_shared<route_state>();
    rs->sys = &sys();
    rs->m = std::make_shared<tail_metrics>(reg_);
    rs->opts.auth_enabled = false;
    rs->opts.limits = std::make_shared<limits::overrides>(config::limits_config{});
    // The ingester accepts the session's subscription; the querier takes
    // the history job and never answers (the test sends the history).
    rs->opts.ingester = caf::actor_cast<ingester_actor>(keep(sys().spawn([] {
      return caf::behavior{[](tail_atom, const tail_request_ptr&) { return std::string{}; }};
    })));
    rs->opts.querier = caf::actor_cast<querier_actor>(
        keep(sys().spawn([] { return caf::behavior{[](select_atom, const query_job_ptr&) {}}; })));
    params_.tenant = "fake";
    auto parsed = logql::parse("{app=\"a\"}");
    EXPECT_TRUE(parsed.ok());
    params_.expr = std::make_shared<const logql::expr>(std::move(*parsed));
    // The group of this session's key: answers the join, keeps the member.
    auto member = member_;
    rs->groups[group_key(params_)].group = keep(sys().spawn([member] {
      return caf::behavior{[member](tail_atom, const tail_member_ptr& m) {
        *member = m;
        return std::string{};
      }};
    }));
    rs_ = rs;
  }

  ~tail_session() override {
    // The session's exit functor counts down a gauge of reg_: stop it
    // while reg_ is still alive (the base class stops the rest later).
    if (tailer_)
      caf::anon_send_exit(tailer_, caf::exit_reason::user_shutdown);
    sched().run();
  }

  static tail::entry_ptr entry(int64_t ts, std::string line) {
    auto e = std::make_shared<tail::tail_entry>();
    e->ts = ts;
    e->line = std::move(line);
    e->labels = model::label_set{{"app", "a"}};
    return e;
  }

  static tail_share_ptr share(std::vector<tail::entry_ptr> entries) {
    auto s = std::make_shared<tail_share>();
    s->entries = std::move(entries);
    return s;
  }

  /// Spawns the session and runs it until it joined the group and asked
  /// for its history.
  caf::actor start() {
    auto t = keep(spawn_tailer(sys(), rs_, params_, ws_));
    tailer_ = t;
    sched().run();
    EXPECT_TRUE(*member_) << "the session did not join its group";
    return t;
  }

  metrics::registry reg_;
  caf::actor tailer_;
  std::shared_ptr<const route_state> rs_;
  tail_params params_;
  std::shared_ptr<recording_ws> ws_ = std::make_shared<recording_ws>();
  std::shared_ptr<tail_member_ptr> member_ = std::make_shared<tail_member_ptr>();
};

TEST_F(tail_session, a_share_sent_before_the_group_saw_ready_repeats_no_history_line) {
  auto t = start();
  // The history holds "old" and "both"; the group, not yet seeing `ready`,
  // had shared "both" (stored before the history was read) and "new".
  auto hist = std::make_shared<std::vector<tail::tail_entry>>();
  hist->push_back(*entry(1 * sec, "line-old"));
  hist->push_back(*entry(2 * sec, "line-both"));
  caf::anon_send(t, tail_hist_atom_v, hist, std::string{});
  sched().run();
  ASSERT_TRUE((*member_)->ready.load());
  caf::anon_send(t, tail_atom_v, share({entry(2 * sec, "line-both"), entry(3 * sec, "line-new")}));
  sched().run();
  EXPECT_EQ(ws_->count("line-old"), 1u);
  EXPECT_EQ(ws_->count("line-both"), 1u);
  EXPECT_EQ(ws_->count("line-new"), 1u);
  EXPECT_LT(ws_->closed_with, 0);
}

TEST_F(tail_session, a_share_before_the_history_is_merged_without_repeats) {
  auto t = start();
  caf::anon_send(t, tail_atom_v, share({entry(2 * sec, "line-both"), entry(3 * sec, "line-new")}));
  sched().run();
  EXPECT_TRUE(ws_->frames.empty()) << "nothing goes out before the history";
  auto hist = std::make_shared<std::vector<tail::tail_entry>>();
  hist->push_back(*entry(2 * sec, "line-both"));
  caf::anon_send(t, tail_hist_atom_v, hist, std::string{});
  sched().run();
  EXPECT_EQ(ws_->count("line-both"), 1u);
  EXPECT_EQ(ws_->count("line-new"), 1u);
  // The same line at another time is another entry: it goes out.
  caf::anon_send(t, tail_atom_v, share({entry(4 * sec, "line-both")}));
  sched().run();
  EXPECT_EQ(ws_->count("line-both"), 2u);
}

} // namespace
} // namespace skald
