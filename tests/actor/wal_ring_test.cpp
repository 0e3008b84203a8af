// Actor tests of the WAL's staging ring (ingester.wal.ring_size, fsync none)
// on CAF's deterministic test coordinator (G9, G10): ingester -> tenant ->
// ring (inline) or front actor -> drainer -> segments. The ring is a real
// mapped file, so these tests use a real temporary WAL directory through
// the fault-injection file system (to count and fail segment writes).
// The drainer re-arms itself with a 5 ms delayed_send: time only moves when
// a test advances it, so "the drainer has not run yet" is a state a test
// can hold the ring in.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/event_based_actor.hpp>

#include "actors/ingester/checkpoint_writer.hpp"
#include "actors/ingester/ingester.hpp"
#include "actors/ingester/wal_writer.hpp"
#include "runtime/ingester/wal_recovery.hpp"
#include "runtime/limits/overrides.hpp"
#include "runtime/metrics/registry.hpp"
#include "runtime/wal/file_system.hpp"
#include "runtime/wal/ring.hpp"
#include "runtime/wal/test_fs.hpp"
#include "testutil/caf_fixture.hpp"
#include "testutil/push_builder.hpp"
#include "testutil/wal_push_probe.hpp"

namespace skald {
namespace {

using namespace std::chrono_literals;
using testing::HasSubstr;
using testutil::push_builder;

constexpr int64_t sec = 1'000'000'000;

class wal_ring_path : public testutil::caf_fixture {
protected:
  wal_ring_path()
      : limits_(std::make_shared<limits::overrides>(config::limits_config{})),
        faults_(wal::posix_file_system()) {
    char tmpl[] = "/tmp/skald-wal-ring-actor-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr)
      std::abort();
    dir_ = tmpl;
  }

  ~wal_ring_path() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  /// An ingester whose WAL uses a staging ring of the smallest size (1 MiB
  /// of data: records above 256 KiB are split by the front).
  ingester_actor make_ingester(bool replay_pending = false) {
    actors::checkpoint_writer_deps cd;
    cd.fs = &faults_;
    cd.settings.writer.dir = dir_;
    cd.metrics = &reg_;
    cd.detached = false;
    auto checkpoints = keep(actors::spawn_checkpoint_writer(sys(), cd));
    actors::wal_writer_deps wd;
    wd.checkpoints = checkpoints;
    wd.fs = &faults_;
    wd.settings.writer.dir = dir_;
    wd.settings.writer.direct_io = false;
    wd.settings.ring_size = wal::ring_min_data_size;
    wd.space_check_interval = std::chrono::nanoseconds{0};
    wd.metrics = &reg_;
    wd.detached = false;
    std::shared_ptr<actors::wal_ring_appender> appender;
    auto w = actors::spawn_wal_writer(sys(), wd, &appender);
    EXPECT_TRUE(w.ok());
    EXPECT_TRUE(appender != nullptr);
    auto front = keep(*w);
    actors::ingester_deps deps;
    deps.limits = limits_;
    deps.metrics = &reg_;
    deps.timeout = 5s;
    deps.wal = front;
    deps.wal_ring = appender;
    deps.replay_pending = replay_pending;
    deps.flush.chunk_retain_period = 1h;
    auto ing = keep(actors::spawn_ingester(sys(), deps));
    sched().run(); // the drainer's first round (nothing left from before)
    return ing;
  }

  ingest_ptr batch(push::push_request req) {
    auto b = std::make_shared<push_batch>();
    b->tenant = "t1";
    b->request = std::move(req);
    return b;
  }

  /// A push of one entry per line to {app="a"}, at 1s, 2s, ...
  ingest_ptr lines_push(const std::vector<std::string>& lines) {
    push_builder b;
    b.stream("{app=\"a\"}");
    for (const auto& l : lines)
      b.entry(++ts_ * sec, l);
    return batch(b.build());
  }

  /// A push whose reply records how many appends (write(2)s) the WAL had
  /// made when the reply arrived.
  using pending = testutil::wal_push_probe;

  std::shared_ptr<pending> send_push(const ingester_actor& ing, ingest_ptr b) {
    return testutil::send_probed_push(sys(), ing, std::move(b), faults_);
  }

  /// Lets the drainer's 5 ms timer fire `rounds` times.
  void drain(int rounds = 1) {
    for (int i = 0; i < rounds; ++i) {
      sched().advance_time(5ms);
      sched().run();
    }
  }

  /// The lines of {app="a"} after a restart: a new ingester on the same
  /// directory replays it (segments, then the ring).
  std::vector<std::string> replayed_lines() {
    auto ing = make_ingester(true);
    auto rec = ingester::recover_from_wal(faults_, dir_, ingester::stream_config{}, 100 * sec);
    EXPECT_TRUE(rec.ok());
    if (!rec.ok())
      return {};
    EXPECT_EQ(rec->stats.duplicate_entries, 0u);
    auto ptr = std::make_shared<ingester::recovery>(std::move(*rec));
    EXPECT_TRUE(ask<ingester_stats>(ing, replay_atom_v, ptr));
    auto d = ask<stream_dump>(ing, read_atom_v, std::string{"t1"}, std::string{"{app=\"a\"}"});
    return d ? d->lines : std::vector<std::string>{};
  }

  static std::string line(int i, size_t size) {
    auto s = "line-" + std::to_string(i) + ":";
    s.resize(size, 'x');
    return s;
  }

  std::string dir_;
  int64_t ts_ = 0;
  metrics::registry reg_;
  std::shared_ptr<limits::overrides> limits_;
  wal::fault_injection_file_system faults_;
};

TEST_F(wal_ring_path, a_push_is_acked_from_the_ring_and_its_records_survive_a_failed_drain) {
  auto ing = make_ingester();
  const auto writes_before = faults_.calls(wal::fs_op::append);
  // Every segment write fails from now on: the push is acked anyway (its
  // records are in the ring), and nothing reached a segment.
  wal::fault_spec f;
  f.code = errc::io_error;
  faults_.inject(wal::fs_op::append, f);
  auto p = send_push(ing, lines_push({"one"}));
  sched().run();
  ASSERT_TRUE(p->reply);
  EXPECT_EQ(p->reply->status, 0) << p->reply->message;
  EXPECT_GT(faults_.calls(wal::fs_op::append), writes_before) << "the drainer did not try";
  EXPECT_EQ(faults_.failures(), faults_.calls(wal::fs_op::append) - writes_before)
      << "a segment write succeeded";

  // The failed drain refuses new pushes (500, the writer's I/O error) ...
  auto q = send_push(ing, lines_push({"refused"}));
  sched().run();
  ASSERT_TRUE(q->reply);
  EXPECT_EQ(q->reply->status, 500);

  // ... until a retry (every 100 ms) succeeds.
  faults_.clear();
  sched().advance_time(100ms);
  sched().run();
  auto r = send_push(ing, lines_push({"three"}));
  sched().run();
  ASSERT_TRUE(r->reply);
  EXPECT_EQ(r->reply->status, 0) << r->reply->message;

  EXPECT_EQ(replayed_lines(), (std::vector<std::string>{"one", "three"}));
}

TEST_F(wal_ring_path, a_full_ring_holds_pushes_at_the_front_until_the_drainer_made_room) {
  auto ing = make_ingester();
  // 30 pushes of ~100 KB into a 1 MiB ring, all sent before anything runs.
  // The drainer drains when first woken, then waits for its timer: the ring
  // fills, and the rest wait at the front, unanswered.
  std::vector<std::shared_ptr<pending>> ps;
  std::vector<std::string> expected;
  for (int i = 0; i < 30; ++i) {
    expected.push_back(line(i, 100 << 10));
    ps.push_back(send_push(ing, lines_push({expected.back()})));
  }
  sched().run();
  size_t answered = 0;
  for (auto& p : ps)
    answered += p->reply ? 1 : 0;
  EXPECT_GT(answered, 0u);
  EXPECT_LT(answered, ps.size()) << "the ring never filled";
  // Answers come in push order: the front keeps the order of arrival.
  for (size_t i = 0; i < answered; ++i)
    EXPECT_TRUE(ps[i]->reply) << "push " << i << " was passed by a later one";

  // Each drain makes room; the front then copies what waits.
  for (int round = 0; round < 20 && answered < ps.size(); ++round) {
    drain();
    answered = 0;
    for (auto& p : ps)
      answered += p->reply ? 1 : 0;
  }
  ASSERT_EQ(answered, ps.size());
  for (auto& p : ps)
    EXPECT_EQ(p->reply->status, 0) << p->reply->message;

  // Later pushes take the inline path again once the front is empty.
  auto last = send_push(ing, lines_push({"after"}));
  sched().run();
  ASSERT_TRUE(last->reply);
  EXPECT_EQ(last->reply->status, 0);
  expected.push_back("after");

  EXPECT_EQ(replayed_lines(), expected);
}

TEST_F(wal_ring_path, a_record_above_a_quarter_of_the_ring_is_split_and_replays_whole) {
  auto ing = make_ingester();
  // One stream, 5 entries of 100 KB: one record of 500 KB > 256 KiB.
  std::vector<std::string> expected;
  for (int i = 0; i < 5; ++i)
    expected.push_back(line(i, 100 << 10));
  auto p = send_push(ing, lines_push(expected));
  sched().run();
  drain(4);
  ASSERT_TRUE(p->reply);
  EXPECT_EQ(p->reply->status, 0) << p->reply->message;
  EXPECT_EQ(replayed_lines(), expected);
}

TEST_F(wal_ring_path, an_entry_larger_than_the_ring_is_refused_and_the_ring_goes_on) {
  auto ing = make_ingester();
  auto p = send_push(ing, lines_push({line(0, (1 << 20) + 1)}));
  sched().run();
  drain(2);
  ASSERT_TRUE(p->reply);
  EXPECT_EQ(p->reply->status, 500);
  EXPECT_THAT(p->reply->message, HasSubstr("does not fit the staging ring"));

  auto q = send_push(ing, lines_push({"small"}));
  sched().run();
  ASSERT_TRUE(q->reply);
  EXPECT_EQ(q->reply->status, 0) << q->reply->message;
}

} // namespace
} // namespace skald
