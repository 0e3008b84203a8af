// Actor tests of the WAL in the write path on CAF's deterministic test
// coordinator (G9, G10): ingester -> tenant -> stream -> WAL writer, with
// runtime/wal's in-memory and fault-injection file systems at the seam.
// Ack only after write, group commit, disk full -> 503 and recovery, replay
// restores streams without duplicates.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/event_based_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/ingester/checkpoint_writer.hpp"
#include "actors/ingester/flush_worker.hpp"
#include "actors/ingester/ingester.hpp"
#include "actors/ingester/wal_writer.hpp"
#include "runtime/ingester/wal_recovery.hpp"
#include "runtime/limits/overrides.hpp"
#include "runtime/metrics/registry.hpp"
#include "runtime/storage/chunk_store.hpp"
#include "runtime/storage/file_system.hpp"
#include "runtime/storage/index_store.hpp"
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

class wal_path : public testutil::caf_fixture {
protected:
  wal_path()
    : limits_(std::make_shared<limits::overrides>(config::limits_config{})), faults_(mem_) {}

  /// An ingester with a (non-detached) WAL writer on the fault-injection fs.
  ingester_actor make_ingester(bool replay_pending = false, double threshold = 0,
                               std::vector<flush_worker_actor> flushers = {},
                               checkpoint_writer_actor checkpoints = {}) {
    if (!checkpoints) {
      actors::checkpoint_writer_deps cd;
      cd.fs = &faults_;
      cd.settings.writer.dir = "/wal";
      cd.metrics = &reg_;
      cd.detached = false;
      checkpoints = keep(actors::spawn_checkpoint_writer(sys(), cd));
    }
    actors::wal_writer_deps wd;
    wd.checkpoints = checkpoints;
    wd.fs = &faults_;
    wd.settings.writer.dir = "/wal";
    wd.settings.disk_full_threshold = threshold;
    wd.settings.writer.preallocate = preallocate_;
    wd.settings.writer.segment_size = segment_size_;
    wd.space_check_interval = std::chrono::nanoseconds{0};
    wd.metrics = &reg_;
    wd.detached = false;
    auto w = actors::spawn_wal_writer(sys(), wd);
    EXPECT_TRUE(w.ok());
    wal_ = keep(*w);
    actors::ingester_deps deps;
    deps.limits = limits_;
    deps.metrics = &reg_;
    deps.timeout = 5s;
    deps.wal = wal_;
    deps.replay_pending = replay_pending;
    deps.flushers = std::move(flushers);
    deps.flush.chunk_retain_period = 1h;
    return keep(actors::spawn_ingester(sys(), deps));
  }

  ingest_ptr batch(const std::string& tenant, push::push_request req) {
    auto b = std::make_shared<push_batch>();
    b->tenant = tenant;
    b->request = std::move(req);
    return b;
  }

  /// A push whose reply records how many appends (write(2)s) the WAL had
  /// made when the reply arrived.
  using pending = testutil::wal_push_probe;

  std::shared_ptr<pending> send_push(const ingester_actor& ing, ingest_ptr b) {
    return testutil::send_probed_push(sys(), ing, std::move(b), faults_);
  }

  double metric(const std::string& needle) {
    auto text = "\n" + reg_.render();
    auto p = text.find("\n" + needle + " ");
    if (p == std::string::npos)
      return -1;
    return std::stod(text.substr(p + needle.size() + 2));
  }

  std::vector<std::string> lines(const ingester_actor& ing, const std::string& tenant,
                                 const std::string& labels) {
    auto d = ask<stream_dump>(ing, read_atom_v, tenant, labels);
    return d ? d->lines : std::vector<std::string>{};
  }

  /// Replays /wal into `ing` (as the ingester module does at start).
  ingester::recovery replay_into(const ingester_actor& ing) {
    auto rec = ingester::recover_from_wal(mem_, "/wal", ingester::stream_config{}, 100 * sec);
    EXPECT_TRUE(rec.ok());
    auto copy_stats = rec->stats;
    auto ptr = std::make_shared<ingester::recovery>(std::move(*rec));
    auto st = ask<ingester_stats>(ing, replay_atom_v, ptr);
    EXPECT_TRUE(st);
    ingester::recovery out;
    out.stats = copy_stats;
    out.entries_restored = ptr->entries_restored;
    return out;
  }

  /// ingester.wal.preallocate for make_ingester() (zero-filled spares).
  bool preallocate_ = false;
  uint64_t segment_size_ = 128ull << 20;
  metrics::registry reg_;
  std::shared_ptr<limits::overrides> limits_;
  wal::memory_file_system mem_;
  wal::fault_injection_file_system faults_;
  wal_writer_actor wal_;
};

TEST_F(wal_path, push_is_acked_only_after_its_record_was_written) {
  auto ing = make_ingester();
  auto p = send_push(ing, batch("t1", push_builder{}.stream("{app=\"a\"}").entry(1 * sec, "one").build()));
  sched().run();
  ASSERT_TRUE(p->reply);
  EXPECT_EQ(p->reply->status, 0);
  EXPECT_EQ(p->appends_at_reply, 1u) << "the reply came before the WAL write";
  EXPECT_EQ(metric("loki_ingester_wal_records_logged_total"), 2); // series + entries
  EXPECT_GT(metric("loki_ingester_wal_logged_bytes_total"), 0);
}

TEST_F(wal_path, group_commit_batches_appends_of_many_pushes_into_one_write) {
  auto ing = make_ingester();
  std::vector<std::shared_ptr<pending>> ps;
  for (int i = 0; i < 6; ++i) {
    auto labels = "{app=\"s" + std::to_string(i % 3) + "\"}";
    ps.push_back(send_push(
      ing, batch("t1", push_builder{}.stream(labels).entry((10 + i) * sec, "l" + std::to_string(i)).build())));
  }
  sched().run();
  for (auto& p : ps) {
    ASSERT_TRUE(p->reply);
    EXPECT_EQ(p->reply->status, 0);
    EXPECT_EQ(p->appends_at_reply, 1u);
  }
  EXPECT_EQ(faults_.calls(wal::fs_op::append), 1u) << "one write(2) for all six pushes";
}

TEST_F(wal_path, disk_full_answers_503_and_recovers_when_space_returns) {
  auto ing = make_ingester();
  wal::fault_spec f;
  f.code = errc::disk_full;
  faults_.inject(wal::fs_op::append, f);
  auto p = send_push(ing, batch("t1", push_builder{}.stream("{app=\"a\"}").entry(1 * sec, "lost").build()));
  sched().run();
  ASSERT_TRUE(p->reply);
  EXPECT_EQ(p->reply->status, 503);
  EXPECT_THAT(p->reply->message, HasSubstr("disk full"));
  EXPECT_EQ(metric("loki_ingester_wal_disk_full_failures_total"), 1);

  faults_.clear();
  auto q = send_push(ing, batch("t1", push_builder{}.stream("{app=\"a\"}").entry(2 * sec, "kept").build()));
  sched().run();
  ASSERT_TRUE(q->reply);
  EXPECT_EQ(q->reply->status, 0);

  // Only the acked line is guaranteed; the nacked one was never written.
  auto ing2 = make_ingester(true);
  replay_into(ing2);
  EXPECT_EQ(lines(ing2, "t1", "{app=\"a\"}"), (std::vector<std::string>{"kept"}));
}

TEST_F(wal_path, the_writer_keeps_a_zero_filled_spare_and_writes_segments_into_it) {
  preallocate_ = true;
  segment_size_ = 1 << 20;
  auto ing = make_ingester();
  auto writer = wal_;
  sched().run(); // the zero-filler makes a spare before any push
  ASSERT_TRUE(mem_.exists("/wal/prealloc.00000001"));
  auto p = send_push(ing, batch("t1", push_builder{}.stream("{app=\"a\"}").entry(1 * sec, "one").build()));
  sched().run();
  ASSERT_TRUE(p->reply);
  EXPECT_EQ(p->reply->status, 0);
  // The spare became segment 0 (its length kept: the records, then zeros);
  // the next spare was asked for after the write.
  EXPECT_FALSE(mem_.exists("/wal/prealloc.00000001"));
  ASSERT_TRUE(mem_.exists("/wal/00000000"));
  EXPECT_EQ(mem_.contents("/wal/00000000")->size(), 1u << 20);
  EXPECT_TRUE(mem_.exists("/wal/prealloc.00000002"));
  auto q = send_push(ing, batch("t1", push_builder{}.stream("{app=\"a\"}").entry(2 * sec, "two").build()));
  sched().run();
  ASSERT_TRUE(q->reply);
  EXPECT_EQ(q->reply->status, 0);
  // A crash now: the segment ends in zeros, a clean end for replay.
  auto ing2 = make_ingester(true);
  auto r = replay_into(ing2);
  EXPECT_EQ(r.stats.segment_corruptions, 0u);
  EXPECT_EQ(lines(ing2, "t1", "{app=\"a\"}"), (std::vector<std::string>{"one", "two"}));
  // Closing cuts the segment back to its records (and must happen while
  // the memory file system still exists).
  caf::anon_send_exit(writer, caf::exit_reason::user_shutdown);
  sched().run();
  EXPECT_LT(mem_.contents("/wal/00000000")->size(), 4096u);
}

TEST_F(wal_path, a_failed_zero_fill_leaves_pushes_working) {
  preallocate_ = true;
  segment_size_ = 1 << 20;
  wal::fault_spec f;
  f.code = errc::disk_full;
  f.times = 1; // the zero-filler's create
  faults_.inject(wal::fs_op::create, f);
  auto ing = make_ingester();
  sched().run();
  EXPECT_FALSE(mem_.exists("/wal/prealloc.00000001"));
  auto p = send_push(ing, batch("t1", push_builder{}.stream("{app=\"a\"}").entry(1 * sec, "one").build()));
  sched().run();
  ASSERT_TRUE(p->reply);
  EXPECT_EQ(p->reply->status, 0);
  // Segment 0 was created and grown as before; the zero-filler tries again
  // once a segment was opened.
  EXPECT_LE(mem_.contents("/wal/00000000")->size(), 4096u);
  EXPECT_TRUE(mem_.exists("/wal/prealloc.00000002"));
  auto ing2 = make_ingester(true);
  replay_into(ing2);
  EXPECT_EQ(lines(ing2, "t1", "{app=\"a\"}"), (std::vector<std::string>{"one"}));
}

TEST_F(wal_path, disk_full_threshold_refuses_pushes_until_usage_drops) {
  auto ing = make_ingester(false, 0.9);
  auto push_one = [&](int i) {
    auto p = send_push(ing, batch("t1", push_builder{}.stream("{app=\"a\"}").entry(i * sec, "l" + std::to_string(i)).build()));
    sched().run();
    EXPECT_TRUE(p->reply);
    return p->reply ? p->reply->status : uint16_t{0};
  };
  EXPECT_EQ(push_one(1), 0);
  uint64_t used = 0;
  for (auto& [k, v] : mem_.files())
    used += v.data.size();
  mem_.set_capacity(used + 1); // > 90 % full
  ASSERT_GT(faults_.space("/wal")->used_fraction(), 0.9) << used;
  EXPECT_EQ(push_one(2), 503);
  EXPECT_EQ(metric("loki_ingester_wal_disk_full_failures_total"), 1);
  mem_.set_capacity(uint64_t{1} << 30);
  EXPECT_EQ(push_one(3), 0);
  auto ing2 = make_ingester(true);
  replay_into(ing2);
  EXPECT_EQ(lines(ing2, "t1", "{app=\"a\"}"), (std::vector<std::string>{"l1", "l3"}));
}

TEST_F(wal_path, pushes_answer_503_while_replaying) {
  auto ing = make_ingester(true);
  auto p = send_push(ing, batch("t1", push_builder{}.stream("{app=\"a\"}").entry(1 * sec, "x").build()));
  sched().run();
  ASSERT_TRUE(p->reply);
  EXPECT_EQ(p->reply->status, 503);
  EXPECT_THAT(p->reply->message, HasSubstr("replaying WAL"));
}

TEST_F(wal_path, replay_restores_streams_without_duplicates_across_restarts) {
  auto ing = make_ingester();
  for (int i = 0; i < 3; ++i) {
    send_push(ing, batch("t1", push_builder{}
                                 .stream("{app=\"a\"}").entry((1 + i) * sec, "a" + std::to_string(i))
                                 .stream("{app=\"b\"}").entry((1 + i) * sec, "b" + std::to_string(i))
                                 .build()));
    // Same labels in another tenant: same label fingerprint, separate stream.
    send_push(ing, batch("t2", push_builder{}.stream("{app=\"a\"}").entry((1 + i) * sec, "t2-" + std::to_string(i)).build()));
  }
  sched().run();

  // Restart 1: replay, then push more into a replayed stream.
  auto ing2 = make_ingester(true);
  auto r1 = replay_into(ing2);
  EXPECT_EQ(r1.entries_restored, 9u);
  EXPECT_EQ(lines(ing2, "t1", "{app=\"a\"}"), (std::vector<std::string>{"a0", "a1", "a2"}));
  EXPECT_EQ(lines(ing2, "t2", "{app=\"a\"}"), (std::vector<std::string>{"t2-0", "t2-1", "t2-2"}));
  auto p = send_push(ing2, batch("t1", push_builder{}.stream("{app=\"a\"}").entry(9 * sec, "a3").build()));
  sched().run();
  ASSERT_TRUE(p->reply);
  EXPECT_EQ(p->reply->status, 0);

  // Restart 2: everything exactly once, in order.
  auto ing3 = make_ingester(true);
  auto r2 = replay_into(ing3);
  EXPECT_EQ(r2.entries_restored, 10u);
  EXPECT_EQ(r2.stats.duplicate_entries, 0u);
  EXPECT_EQ(lines(ing3, "t1", "{app=\"a\"}"), (std::vector<std::string>{"a0", "a1", "a2", "a3"}));
  EXPECT_EQ(lines(ing3, "t1", "{app=\"b\"}"), (std::vector<std::string>{"b0", "b1", "b2"}));
  EXPECT_EQ(lines(ing3, "t2", "{app=\"a\"}"), (std::vector<std::string>{"t2-0", "t2-1", "t2-2"}));
}

// Issue 4 Deliver 4: stream limits are not enforced during replay (Loki's
// recovery skips them); new streams after the replay still meet them.
TEST_F(wal_path, replay_ignores_the_stream_limit_and_new_streams_still_meet_it) {
  auto ing = make_ingester();
  for (const char* app : {"a", "b", "c"})
    send_push(ing, batch("t1", push_builder{}
                                 .stream(std::string{"{app=\""} + app + "\"}")
                                 .entry(1 * sec, app)
                                 .build()));
  sched().run();

  config::limits_config l;
  l.max_streams_per_user = 1;
  std::map<std::string, config::limits_config, std::less<>> m;
  m.emplace("t1", l);
  limits_->set(std::move(m));
  auto ing2 = make_ingester(true);
  auto r = replay_into(ing2);
  EXPECT_EQ(r.entries_restored, 3u);
  for (const char* app : {"a", "b", "c"})
    EXPECT_EQ(lines(ing2, "t1", std::string{"{app=\""} + app + "\"}"),
              (std::vector<std::string>{app}));

  auto fresh = send_push(ing2, batch("t1", push_builder{}.stream("{app=\"d\"}").entry(2 * sec, "d").build()));
  auto old = send_push(ing2, batch("t1", push_builder{}.stream("{app=\"a\"}").entry(2 * sec, "a2").build()));
  sched().run();
  ASSERT_TRUE(fresh->reply);
  EXPECT_EQ(fresh->reply->status, 429);
  EXPECT_THAT(fresh->reply->message, HasSubstr("maximum active stream limit exceeded when trying to "
                                               "create stream {app=\"d\"}"));
  ASSERT_TRUE(old->reply);
  EXPECT_EQ(old->reply->status, 0);
}

TEST_F(wal_path, flushed_chunks_are_left_out_of_checkpoints) {
  auto store = std::make_shared<actors::flush_store>();
  auto fs = std::make_shared<storage::memory_fs>();
  ASSERT_TRUE(fs->create_dirs("/store").ok());
  store->base = fs;
  store->fs = fs;
  store->chunks = std::make_unique<storage::chunk_store>(*fs, "/store");
  storage::index_options io;
  io.root = "/store";
  store->index = std::make_unique<storage::index_store>(*fs, io);
  actors::flush_worker_deps fd;
  fd.store = store;
  fd.metrics = &reg_;
  fd.detached = false;
  auto ing = make_ingester(false, 0, {keep(actors::spawn_flush_worker(sys(), fd))});
  send_push(ing, batch("t1", push_builder{}.stream("{app=\"a\"}").entry(1 * sec, "a0").build()));
  sched().run();
  auto r = ask<flush_reply>(ing, flush_atom_v, static_cast<uint8_t>(ingester::flush_mode::immediate),
                            std::string{});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->chunks, 1u);
  // Retained (1h): still in memory and queryable, in a closed chunk; the
  // next line starts a new chunk.
  send_push(ing, batch("t1", push_builder{}.stream("{app=\"a\"}").entry(2 * sec, "a1").build()));
  sched().run();
  EXPECT_EQ(lines(ing, "t1", "{app=\"a\"}"), (std::vector<std::string>{"a0", "a1"}));
  caf::anon_send(ing, checkpoint_atom_v);
  sched().run();
  EXPECT_EQ(metric("loki_ingester_checkpoint_creations_total"), 1);
  // The checkpoint holds only the unflushed chunk: a0 is in the store.
  auto ing2 = make_ingester(true);
  replay_into(ing2);
  EXPECT_EQ(lines(ing2, "t1", "{app=\"a\"}"), (std::vector<std::string>{"a1"}));
}

TEST_F(wal_path, checkpoint_covers_old_segments_and_replay_has_no_duplicates) {
  auto ing = make_ingester();
  for (int i = 0; i < 3; ++i)
    send_push(ing, batch("t1", push_builder{}
                                 .stream("{app=\"a\"}").entry((1 + i) * sec, "a" + std::to_string(i))
                                 .build()));
  sched().run();
  caf::anon_send(ing, checkpoint_atom_v);
  sched().run();
  EXPECT_EQ(metric("loki_ingester_checkpoint_creations_total"), 1);
  EXPECT_TRUE(mem_.exists("/wal/checkpoint.00000000/00000000")) << [&] {
    std::string names;
    for (auto& [k, v] : mem_.files())
      names += k + " ";
    return names;
  }();
  EXPECT_FALSE(mem_.exists("/wal/00000000")) << "segment covered by the checkpoint";
  // After the checkpoint: more entries, in a new segment.
  auto p = send_push(ing, batch("t1", push_builder{}.stream("{app=\"a\"}").entry(9 * sec, "a3").build()));
  sched().run();
  ASSERT_TRUE(p->reply);
  EXPECT_EQ(p->reply->status, 0);

  auto ing2 = make_ingester(true);
  auto r = replay_into(ing2);
  EXPECT_EQ(r.stats.checkpoint_series, 1u);
  EXPECT_EQ(lines(ing2, "t1", "{app=\"a\"}"), (std::vector<std::string>{"a0", "a1", "a2", "a3"}));
  // The replayed stream keeps appending (restored open chunk, counter continues).
  auto q = send_push(ing2, batch("t1", push_builder{}.stream("{app=\"a\"}").entry(10 * sec, "a4").build()));
  sched().run();
  ASSERT_TRUE(q->reply);
  EXPECT_EQ(q->reply->status, 0);
  caf::anon_send(ing2, checkpoint_atom_v);
  sched().run();
  auto ing3 = make_ingester(true);
  replay_into(ing3);
  EXPECT_EQ(lines(ing3, "t1", "{app=\"a\"}"),
            (std::vector<std::string>{"a0", "a1", "a2", "a3", "a4"}));
}

TEST_F(wal_path, pushes_are_acked_while_a_checkpoint_is_being_written) {
  // A checkpoint writer that holds on to the checkpoint (as if still
  // writing a large one): group commits must go on meanwhile.
  auto held = std::make_shared<std::optional<caf::typed_response_promise<uint64_t>>>();
  auto slow = sys().spawn([held](checkpoint_writer_actor::pointer self)
                            -> checkpoint_writer_actor::behavior_type {
    return {
      [self, held](checkpoint_atom, uint64_t, const snapshot_list_ptr&) -> caf::result<uint64_t> {
        *held = self->make_response_promise<uint64_t>();
        return **held;
      },
    };
  });
  keep(slow);
  auto ing = make_ingester(false, 0, {}, slow);
  send_push(ing, batch("t1", push_builder{}.stream("{app=\"a\"}").entry(1 * sec, "a0").build()));
  sched().run();
  caf::anon_send(ing, checkpoint_atom_v);
  sched().run();
  ASSERT_TRUE(held->has_value()) << "the checkpoint reached the checkpoint writer";
  auto p = send_push(ing, batch("t1", push_builder{}.stream("{app=\"a\"}").entry(2 * sec, "a1").build()));
  sched().run();
  ASSERT_TRUE(p->reply) << "the push waited for the checkpoint";
  EXPECT_EQ(p->reply->status, 0);
  // The checkpoint never completes here: the segments stay and hold both.
  auto ing2 = make_ingester(true);
  replay_into(ing2);
  EXPECT_EQ(lines(ing2, "t1", "{app=\"a\"}"), (std::vector<std::string>{"a0", "a1"}));
}

// The tenant logs every entry it sends a stream while the stream applies
// them (messages/wal.hpp): what the stream refuses is in the WAL too, and
// replay, applying the same rules in the same order, refuses it again.
TEST_F(wal_path, entries_a_stream_refuses_are_refused_again_on_replay) {
  auto ing = make_ingester();
  // Second entry of the second push is a last-line duplicate (dropped
  // silently); the third push's first entry is older than the stream's
  // validity window (max_chunk_age / 2 = 1h behind its newest entry): 400.
  auto p1 = send_push(ing, batch("t1", push_builder{}
                                         .stream("{app=\"a\"}").entry(7200 * sec, "x")
                                         .stream("{app=\"b\"}").entry(1 * sec, "b0")
                                         .build()));
  auto p2 = send_push(ing, batch("t1", push_builder{}
                                         .stream("{app=\"a\"}").entry(7201 * sec, "y")
                                         .entry(7201 * sec, "y").entry(7202 * sec, "z")
                                         .build()));
  auto p3 = send_push(ing, batch("t1", push_builder{}
                                         .stream("{app=\"a\"}").entry(1 * sec, "too old")
                                         .entry(7203 * sec, "w")
                                         .build()));
  sched().run();
  ASSERT_TRUE(p1->reply && p2->reply && p3->reply);
  EXPECT_EQ(p1->reply->status, 0);
  EXPECT_EQ(p2->reply->status, 0);
  EXPECT_EQ(p3->reply->status, 400);
  EXPECT_NE(p3->reply->message.find("too far behind"), std::string::npos) << p3->reply->message;
  EXPECT_EQ(faults_.calls(wal::fs_op::append), 1u) << "the pushes in one group commit";
  const std::vector<std::string> want_a{"x", "y", "z", "w"};
  ASSERT_EQ(lines(ing, "t1", "{app=\"a\"}"), want_a);
  auto ing2 = make_ingester(true);
  auto r = replay_into(ing2);
  EXPECT_EQ(r.stats.duplicate_entries, 0u);
  EXPECT_EQ(lines(ing2, "t1", "{app=\"a\"}"), want_a);
  EXPECT_EQ(lines(ing2, "t1", "{app=\"b\"}"), (std::vector<std::string>{"b0"}));
}

// With one replica the distributor's ingest_done is finished by whoever
// counts the push's round down last — the last stream actor or the WAL
// writer after the write (messages/wal.hpp): no reply goes back through the
// tenant, and the write overlaps the appends. A push = ingester, tenant, one
// append per stream, the writer's append and its group commit.
TEST_F(wal_path, the_push_is_answered_after_its_write_without_a_reply_message) {
  auto ing = make_ingester();
  auto push_once = [&](int64_t ts) {
    auto at_answer = std::make_shared<std::optional<size_t>>();
    auto* f = &faults_;
    caf::anon_send(ing, push_atom_v,
                   batch("t1", push_builder{}
                                 .stream("{app=\"a\"}").entry(ts, "a")
                                 .stream("{app=\"b\"}").entry(ts, "b")
                                 .build()),
                   std::make_shared<ingest_done>([at_answer, f](caf::expected<ingest_reply> r) {
                     EXPECT_TRUE(r && r->status == 0);
                     *at_answer = f->calls(wal::fs_op::append);
                   }));
    const size_t handled = sched().run();
    return std::make_pair(handled, *at_answer);
  };
  auto first = push_once(1 * sec); // spawns the tenant and its streams
  ASSERT_TRUE(first.second);
  EXPECT_EQ(*first.second, 1u) << "answered before the WAL write";
  auto second = push_once(2 * sec);
  ASSERT_TRUE(second.second);
  EXPECT_EQ(*second.second, 2u) << "answered before the WAL write";
  EXPECT_EQ(second.first, 6u) << "ingester, tenant, 2 appends, writer append, commit";
}

// The write may end before the streams applied the entries: then the last
// stream actor answers, not the writer (a push is acked only when applied
// and logged).
TEST_F(wal_path, a_push_whose_write_ends_first_is_answered_by_its_last_stream) {
  auto ing = make_ingester();
  auto p0 = send_push(ing, batch("t1", push_builder{}.stream("{app=\"a\"}").entry(1 * sec, "a").build()));
  sched().run(); // spawns the tenant and the stream
  ASSERT_TRUE(p0->reply);
  std::optional<caf::expected<ingest_reply>> got;
  caf::anon_send(ing, push_atom_v,
                 batch("t1", push_builder{}.stream("{app=\"a\"}").entry(2 * sec, "b").build()),
                 std::make_shared<ingest_done>([&got](caf::expected<ingest_reply> r) { got = r; }));
  ASSERT_TRUE(sched().try_run_once()); // the ingester
  ASSERT_TRUE(sched().try_run_once()); // the tenant: the stream's append, then the writer's
  ASSERT_TRUE(sched().prioritize(wal_));
  ASSERT_TRUE(sched().try_run_once()); // the writer encodes the records
  ASSERT_TRUE(sched().prioritize(wal_));
  ASSERT_TRUE(sched().try_run_once()); // its group commit
  EXPECT_EQ(faults_.calls(wal::fs_op::append), 2u);
  EXPECT_FALSE(got) << "answered before the stream applied the entries";
  sched().run();
  ASSERT_TRUE(got && *got);
  EXPECT_EQ((*got)->status, 0);
  EXPECT_EQ(lines(ing, "t1", "{app=\"a\"}"), (std::vector<std::string>{"a", "b"}));
}

// A WAL writer that is gone drops the tenant's wal_append: its pushes are
// not acknowledged (the ingest_done answers request_receiver_down).
TEST_F(wal_path, a_push_is_not_acked_when_the_wal_writer_is_gone) {
  auto ing = make_ingester();
  caf::anon_send_exit(wal_, caf::exit_reason::user_shutdown);
  sched().run();
  std::optional<caf::expected<ingest_reply>> got;
  caf::anon_send(ing, push_atom_v,
                 batch("t1", push_builder{}.stream("{app=\"a\"}").entry(1 * sec, "x").build()),
                 std::make_shared<ingest_done>([&got](caf::expected<ingest_reply> r) { got = r; }));
  sched().run();
  ASSERT_TRUE(got);
  ASSERT_FALSE(*got);
  EXPECT_EQ(got->error(), caf::make_error(caf::sec::request_receiver_down));
  EXPECT_EQ(faults_.calls(wal::fs_op::append), 0u);
}

} // namespace
} // namespace skald
