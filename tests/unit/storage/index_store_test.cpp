// index_store: persistence (log + compaction + reload), periods, read-only
// readers, and the crash-safety rule — after a failure or crash at ANY file
// operation of a flush, a restarted store never shows a chunk ref whose
// chunk is missing, and a retry completes the flush. Also a real kill -9.
#include "runtime/storage/index_store.hpp"

#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <random>
#include <thread>

#include "runtime/config/storage_config.hpp"
#include "runtime/storage/store.hpp"
#include "storage_test_util.hpp"

namespace skald::storage {
namespace {

using testing::chunk_bytes;
using testing::labels_of;

constexpr int64_t day_ms = 86'400'000;
constexpr int64_t ms_ns = 1'000'000;
constexpr int64_t t0_ms = 20'000 * day_ms; // midnight, period 20000

label_matcher m(const char* name, match_type t, const char* value) {
  return *make_matcher(name, t, value);
}

series_chunks one(model::label_set ls, uint64_t fp, int64_t from_ms, int64_t through_ms,
                  uint32_t checksum) {
  return {std::move(ls), fp, {chunk_ref{from_ms, through_ms, checksum, 100, 10}}};
}

index_options opts(std::string root = "/s") {
  index_options o;
  o.root = std::move(root);
  return o;
}

std::vector<uint64_t> fps(index_store& s, const std::vector<label_matcher>& ms,
                          int64_t from_ms = t0_ms - day_ms,
                          int64_t through_ms = t0_ms + 3 * day_ms) {
  auto r = s.series("t1", ms, from_ms * ms_ns, through_ms * ms_ns);
  EXPECT_TRUE(r.ok()) << r.error().to_string();
  std::vector<uint64_t> out;
  for (auto& x : *r)
    out.push_back(x.fingerprint);
  std::sort(out.begin(), out.end());
  return out;
}

class index_store_test : public ::testing::Test {
protected:
  void SetUp() override { ASSERT_TRUE(fs_.create_dirs("/s").ok()); }
  void fill(index_store& s) {
    ASSERT_TRUE(
        s.add("t1", {one(labels_of({{"app", "api"}, {"env", "prod"}}), 1, t0_ms, t0_ms + 1000, 11),
                     one(labels_of({{"app", "web"}}), 2, t0_ms + 500, t0_ms + 2000, 22)})
            .ok());
    ASSERT_TRUE(s.add("t1", {one(labels_of({{"app", "api"}, {"env", "dev"}}), 3, t0_ms + 10,
                                 t0_ms + 20, 33)})
                    .ok());
    ASSERT_TRUE(s.add("t2", {one(labels_of({{"app", "api"}}), 9, t0_ms, t0_ms, 99)}).ok());
  }
  using V = std::vector<uint64_t>;
  memory_fs fs_;
};

TEST_F(index_store_test, lookups_after_add_and_after_reopen) {
  {
    index_store s{fs_, opts()};
    fill(s);
    EXPECT_EQ(fps(s, {m("app", match_type::eq, "api")}), (V{1, 3}));
  }
  index_store s{fs_, opts()};
  EXPECT_EQ(fps(s, {m("app", match_type::eq, "api")}), (V{1, 3}));
  EXPECT_EQ(fps(s, {m("app", match_type::neq, "api")}), (V{2}));
  EXPECT_EQ(fps(s, {m("app", match_type::re, "a.+")}), (V{1, 3}));
  EXPECT_EQ(fps(s, {m("env", match_type::nre, "d.*")}), (V{1, 2}));
  EXPECT_EQ(fps(s, {m("env", match_type::eq, "")}), (V{2}));
  EXPECT_EQ(fps(s, {}, t0_ms + 1500, t0_ms + 1600), (V{2}));
  auto names = s.label_names("t1", t0_ms * ms_ns, (t0_ms + 5000) * ms_ns);
  EXPECT_EQ(*names, (std::vector<std::string>{"app", "env"}));
  auto vals = s.label_values("t1", "app", t0_ms * ms_ns, (t0_ms + 5000) * ms_ns,
                             {m("env", match_type::eq, "prod")});
  EXPECT_EQ(*vals, (std::vector<std::string>{"api"}));
  auto t2 = s.label_values("t2", "app", t0_ms * ms_ns, t0_ms * ms_ns);
  EXPECT_EQ(*t2, (std::vector<std::string>{"api"}));
  auto none = s.series("nobody", {}, 0, INT64_MAX);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(index_store_test, layout_is_tenant_then_period_directory_with_a_log) {
  index_store s{fs_, opts()};
  fill(s);
  EXPECT_EQ(s.period_of(t0_ms), 20000);
  EXPECT_EQ(s.period_of(-1), -1);
  EXPECT_EQ(s.period_dir("t1", 20000), "/s/index/t1/index_20000");
  EXPECT_EQ(*fs_.list_dir("/s/index/t1/index_20000"),
            (std::vector<std::string>{"log-0000000000000001.wal"}));
}

TEST_F(index_store_test, duplicate_refs_from_replicas_are_not_written_twice) {
  index_store s{fs_, opts()};
  auto batch = std::vector<series_chunks>{one(labels_of({{"app", "api"}}), 1, t0_ms, t0_ms + 5, 7)};
  ASSERT_TRUE(s.add("t1", batch).ok());
  auto size1 = fs_.read_file("/s/index/t1/index_20000/log-0000000000000001.wal")->size();
  ASSERT_TRUE(s.add("t1", batch).ok());
  EXPECT_EQ(fs_.read_file("/s/index/t1/index_20000/log-0000000000000001.wal")->size(), size1);
  auto r = s.series("t1", {}, 0, INT64_MAX);
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].chunks.size(), 1u);
}

TEST_F(index_store_test, chunk_spanning_two_periods_is_in_both_and_returned_once) {
  index_store s{fs_, opts()};
  ASSERT_TRUE(s.add("t1", {one(labels_of({{"app", "api"}}), 1, t0_ms + day_ms - 10,
                               t0_ms + day_ms + 10, 5)})
                  .ok());
  EXPECT_TRUE(*fs_.exists(s.period_dir("t1", 20000)));
  EXPECT_TRUE(*fs_.exists(s.period_dir("t1", 20001)));
  auto r = s.series("t1", {}, 0, INT64_MAX);
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].chunks.size(), 1u);
  // A range inside the second period still finds it.
  EXPECT_EQ(fps(s, {}, t0_ms + day_ms + 5, t0_ms + day_ms + 6), (V{1}));
  EXPECT_EQ(fps(s, {}, t0_ms + 2 * day_ms, t0_ms + 3 * day_ms), V{});
}

TEST_F(index_store_test, compaction_replaces_logs_with_a_segment_and_keeps_everything) {
  auto o = opts();
  o.compact_log_bytes = 300;
  std::mt19937_64 rng{5};
  std::map<uint64_t, size_t> expect; // fp -> refs
  {
    index_store s{fs_, o};
    for (uint32_t i = 0; i < 200; ++i) {
      uint64_t fp = rng() % 40;
      std::string pod = "pod-" + std::to_string(fp);
      auto b = one(labels_of({{"app", fp % 2 ? "api" : "web"}, {"pod", pod.c_str()}}), fp,
                   t0_ms + i, t0_ms + i + 5, i);
      ASSERT_TRUE(s.add("t1", {b}).ok());
      ++expect[fp];
    }
    EXPECT_GT(s.stats().compactions, 3u);
    EXPECT_EQ(s.stats().chunks, 200u);
  }
  auto names = *fs_.list_dir("/s/index/t1/index_20000");
  size_t segs = 0;
  for (auto& n : names)
    segs += n.rfind("seg-", 0) == 0 ? 1 : 0;
  EXPECT_EQ(segs, 1u) << ::testing::PrintToString(names);
  EXPECT_LE(names.size(), 2u);
  index_store s{fs_, o};
  auto r = s.series("t1", {}, 0, INT64_MAX);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), expect.size());
  for (auto& x : *r)
    EXPECT_EQ(x.chunks.size(), expect[x.fingerprint]);
  EXPECT_EQ(
      fps(s, {m("app", match_type::eq, "api")}).size(),
      size_t(std::count_if(expect.begin(), expect.end(), [](auto& e) { return e.first % 2; })));
  // Explicit compaction of what is left, then reload again.
  ASSERT_TRUE(s.add("t1", {one(labels_of({{"app", "new"}}), 999, t0_ms, t0_ms, 1)}).ok());
  ASSERT_TRUE(s.compact_all().ok());
  index_store again{fs_, o};
  EXPECT_EQ(fps(again, {m("app", match_type::eq, "new")}), (V{999}));
}

TEST_F(index_store_test, torn_log_tail_is_dropped_and_writing_continues_in_a_new_log) {
  {
    index_store s{fs_, opts()};
    fill(s);
  }
  const std::string log = "/s/index/t1/index_20000/log-0000000000000001.wal";
  fs_.put(log, *fs_.read_file(log) + std::string("\x00\x00\x00\x30garbage", 11));
  {
    index_store s{fs_, opts()};
    EXPECT_EQ(fps(s, {}), (V{1, 2, 3}));
    EXPECT_EQ(s.stats().torn_logs, 1u);
    ASSERT_TRUE(s.add("t1", {one(labels_of({{"app", "late"}}), 4, t0_ms, t0_ms, 4)}).ok());
  }
  EXPECT_TRUE(*fs_.exists("/s/index/t1/index_20000/log-0000000000000002.wal"));
  index_store s{fs_, opts()};
  EXPECT_EQ(fps(s, {}), (V{1, 2, 3, 4}));
}

TEST_F(index_store_test, corrupt_segment_falls_back_to_the_logs_it_did_not_delete) {
  auto o = opts();
  {
    index_store s{fs_, o};
    fill(s);
  }
  // A segment that claims to cover log 1 but is corrupt: the loader skips it
  // and still replays log 1 (it never deletes a log a bad segment covers).
  fs_.put("/s/index/t1/index_20000/seg-0000000000000001.idx", "junk");
  index_store s{fs_, o};
  EXPECT_EQ(fps(s, {}), (V{1, 2, 3}));
  EXPECT_EQ(s.stats().corrupt_segments, 1u);
}

TEST_F(index_store_test, read_only_reader_sees_new_writes_after_refresh) {
  index_store writer{fs_, opts()};
  auto ro = opts();
  ro.read_only = true;
  index_store reader{fs_, ro};
  fill(writer);
  EXPECT_EQ(fps(reader, {}), (V{1, 2, 3}));
  ASSERT_TRUE(writer.add("t1", {one(labels_of({{"app", "x"}}), 5, t0_ms, t0_ms, 5)}).ok());
  EXPECT_EQ(fps(reader, {}), (V{1, 2, 3}));
  reader.refresh();
  EXPECT_EQ(fps(reader, {}), (V{1, 2, 3, 5}));
  EXPECT_EQ(reader.add("t1", {}).code(), errc::invalid_argument);
}

TEST_F(index_store_test, invalid_input_is_rejected) {
  index_store s{fs_, opts()};
  EXPECT_EQ(s.add("a/b", {one(labels_of({{"a", "b"}}), 1, 0, 0, 0)}).code(),
            errc::invalid_argument);
  series_chunks unsorted{{{"b", "1"}, {"a", "2"}}, 1, {chunk_ref{0, 0, 0, 0, 0}}};
  EXPECT_EQ(s.add("t", {unsorted}).code(), errc::invalid_argument);
  EXPECT_EQ(s.add("t", {one(labels_of({{"a", "b"}}), 1, 10, 5, 0)}).code(), errc::invalid_argument);
}

TEST(index_options, come_from_the_storage_and_schema_config) {
  config::storage_config sc;
  sc.filesystem.directory = "/var/skald/chunks";
  config::schema_config schema;
  auto o = index_options::from(sc, schema);
  EXPECT_EQ(o.root, "/var/skald/chunks");
  EXPECT_EQ(o.period, std::chrono::hours{24});
  config::period_config p;
  p.index.prefix = "idx_";
  p.index.period = std::chrono::hours{168};
  schema.configs.push_back(p);
  o = index_options::from(sc, schema);
  EXPECT_EQ(o.prefix, "idx_");
  EXPECT_EQ(o.period, std::chrono::hours{168});
}

TEST(index_store_threads, concurrent_flush_workers_and_queriers_share_one_store) {
  memory_fs mem;
  ASSERT_TRUE(mem.create_dirs("/s").ok());
  auto o = opts();
  o.compact_log_bytes = 2048; // compactions while others add and query
  index_store s{mem, o};
  constexpr int writers = 4, per_writer = 200;
  std::vector<std::thread> threads;
  std::atomic<bool> stop{false};
  std::atomic<size_t> queries{0};
  for (int w = 0; w < writers; ++w)
    threads.emplace_back([&, w] {
      for (int i = 0; i < per_writer; ++i) {
        std::string pod = "w" + std::to_string(w) + "-" + std::to_string(i % 20);
        auto b = one(labels_of({{"app", "api"}, {"pod", pod.c_str()}}), uint64_t(w * 100 + i % 20),
                     t0_ms + i, t0_ms + i + 1, uint32_t(w * 1000 + i));
        EXPECT_TRUE(s.add("t1", {b}).ok());
      }
    });
  for (int r = 0; r < 2; ++r)
    threads.emplace_back([&] {
      do { // at least one query, even if the writers finish first
        auto res = s.series("t1", {m("app", match_type::eq, "api")}, 0, INT64_MAX);
        EXPECT_TRUE(res.ok());
        auto vals = s.label_values("t1", "pod", 0, INT64_MAX);
        EXPECT_TRUE(vals.ok());
        queries.fetch_add(1);
      } while (!stop.load());
    });
  for (int w = 0; w < writers; ++w)
    threads[size_t(w)].join();
  stop = true;
  for (size_t i = writers; i < threads.size(); ++i)
    threads[i].join();
  EXPECT_GT(queries.load(), 0u);
  EXPECT_EQ(s.stats().chunks, size_t{writers * per_writer});
  index_store reopened{mem, o};
  auto all = reopened.series("t1", {}, 0, INT64_MAX);
  ASSERT_TRUE(all.ok());
  size_t refs = 0;
  for (auto& x : *all)
    refs += x.chunks.size();
  EXPECT_EQ(all->size(), size_t{writers * 20});
  EXPECT_EQ(refs, size_t{writers * per_writer});
}

// -- crash safety ------------------------------------------------------------

struct flush_job {
  std::string tenant;
  model::label_set labels;
  uint64_t fp;
  std::string bytes;
  int64_t min_ts, max_ts;
};

std::vector<flush_job> jobs(int n) {
  std::vector<flush_job> out;
  for (int i = 0; i < n; ++i) {
    int64_t ts = (t0_ms + int64_t{i} * 60'000) * ms_ns;
    std::string pod = "p" + std::to_string(i % 5);
    out.push_back({i % 3 ? "t1" : "t2", labels_of({{"app", "api"}, {"pod", pod.c_str()}}),
                   uint64_t(100 + i % 5), chunk_bytes(3 + i % 4, ts, "j" + std::to_string(i)), ts,
                   ts + (2 + i % 4) * ms_ns});
  }
  return out;
}

status run(chunk_store& cs, index_store& is, const flush_job& j) {
  flush_chunk c{j.min_ts, j.max_ts, 3, j.bytes};
  auto r = write_chunks(cs, is, j.tenant, j.labels, j.fp, {c});
  return r.ok() ? status{} : r.error();
}

/// Opens the store from scratch (as after a restart) and checks that every
/// visible ref has a readable, verified chunk. Returns the number of refs.
size_t check_no_dangling_refs(file_system& fs, const std::string& root) {
  index_store is{fs, opts(root)};
  chunk_store cs{fs, root};
  size_t refs = 0;
  for (const char* tenant : {"t1", "t2"}) {
    auto series = is.series(tenant, {}, INT64_MIN, INT64_MAX);
    EXPECT_TRUE(series.ok()) << series.error().to_string();
    if (!series.ok())
      continue;
    for (auto& s : *series)
      for (auto& r : s.chunks) {
        ++refs;
        auto got = cs.get(tenant, s.fingerprint, r);
        EXPECT_TRUE(got.ok()) << "dangling ref " << external_key(id_of(tenant, s.fingerprint, r))
                              << ": " << got.error().to_string();
      }
  }
  return refs;
}

class index_crash_at : public ::testing::TestWithParam<size_t> {};

// Param: compact_log_bytes (large: logs only; small: compactions happen
// between the flushes, so crashes also hit segment writes and log deletes).
TEST_P(index_crash_at, any_file_operation_never_exposes_a_ref_without_its_chunk) {
  auto js = jobs(8);
  auto o = opts();
  o.compact_log_bytes = GetParam();
  // Count the operations of a clean run, then crash after each of them.
  uint64_t total = 0;
  {
    memory_fs mem;
    ASSERT_TRUE(mem.create_dirs("/s").ok());
    error_fs efs{mem};
    chunk_store cs{efs, "/s"};
    index_store is{efs, o};
    for (auto& j : js)
      ASSERT_TRUE(run(cs, is, j).ok());
    total = efs.ops();
    if (GetParam() < 1000) {
      EXPECT_GT(is.stats().compactions, 1u);
    }
  }
  ASSERT_GT(total, 30u);
  for (uint64_t crash_at = 0; crash_at <= total; ++crash_at) {
    memory_fs mem;
    ASSERT_TRUE(mem.create_dirs("/s").ok());
    size_t done = 0;
    {
      error_fs efs{mem, error_fs::fail_from(crash_at)};
      chunk_store cs{efs, "/s"};
      index_store is{efs, o};
      for (auto& j : js) {
        if (!run(cs, is, j).ok())
          break; // the process "dies" here
        ++done;
      }
    }
    size_t refs = check_no_dangling_refs(mem, "/s");
    EXPECT_GE(refs, done) << "crash at op " << crash_at << ": a completed flush was lost";
    // Restart and retry everything: all refs end up visible exactly once.
    {
      chunk_store cs{mem, "/s"};
      index_store is{mem, o};
      for (auto& j : js)
        ASSERT_TRUE(run(cs, is, j).ok()) << "retry after crash at " << crash_at;
    }
    EXPECT_EQ(check_no_dangling_refs(mem, "/s"), js.size()) << "crash at op " << crash_at;
  }
}

INSTANTIATE_TEST_SUITE_P(compaction, index_crash_at,
                         ::testing::Values(size_t{8} << 20, size_t{150}), [](const auto& info) {
                           return info.param > 1000 ? "logs_only" : "compacting";
                         });

TEST(index_crash, store_failing_half_its_writes_converges_with_retries) {
  memory_fs mem;
  ASSERT_TRUE(mem.create_dirs("/s").ok());
  // Each mutating operation fails with probability 1/2 (seeded): strict
  // alternation would fail every multi-step write forever.
  auto rng = std::make_shared<std::mt19937_64>(2026);
  error_fs efs{mem,
               [rng](error_fs::op, const std::string&, uint64_t) { return (*rng)() % 2 == 0; }};
  auto o = opts();
  o.compact_log_bytes = 400; // compactions fail and retry too
  chunk_store cs{efs, "/s"};
  index_store is{efs, o};
  auto js = jobs(30);
  size_t failures = 0;
  for (auto& j : js) {
    int attempts = 0;
    while (true) {
      ASSERT_LT(++attempts, 500);
      if (run(cs, is, j).ok())
        break;
      ++failures;
      // At every failure point, a restarted reader sees no dangling ref.
      check_no_dangling_refs(mem, "/s");
    }
  }
  EXPECT_GT(failures, 10u);
  EXPECT_GE(efs.failures(), failures);
  EXPECT_GT(efs.failures() * 3, efs.ops()); // about half of all writes failed
  efs.set_decider({});
  EXPECT_EQ(check_no_dangling_refs(mem, "/s"), js.size());
  // No duplicates in the live store either.
  size_t live = 0;
  for (const char* t : {"t1", "t2"}) {
    auto series = is.series(t, {}, INT64_MIN, INT64_MAX);
    ASSERT_TRUE(series.ok());
    for (auto& s : *series)
      live += s.chunks.size();
  }
  EXPECT_EQ(live, js.size());
}

TEST(index_crash, kill_9_during_flushes_leaves_no_dangling_ref) {
  testing::temp_dir dir;
  const std::string root = dir.path() + "/chunks";
  auto js = jobs(40);
  std::mt19937_64 rng{11};
  for (int round = 0; round < 3; ++round) {
    // The child reports every finished flush on a pipe; the parent kills it
    // after a random number of them, so the kill lands inside a later flush
    // (no sleeps: progress, not time, picks the moment).
    int progress[2];
    ASSERT_EQ(::pipe(progress), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(progress[0]);
      // Child: flush forever (new chunk bytes each pass), never exits cleanly.
      posix_fs fs;
      if (!fs.create_dirs(root).ok())
        ::_exit(2);
      chunk_store cs{fs, root};
      auto o = opts(root);
      o.compact_log_bytes = 2048;
      index_store is{fs, o};
      // Every fourth chunk object is > 64 KiB (an incompressible prefix), so
      // kills also land in posix_fs's O_DIRECT writes.
      std::string big;
      std::mt19937 noise{7};
      for (size_t i = 0; i < 80'000; ++i)
        big += static_cast<char>('!' + noise() % 90);
      for (int pass = 0;; ++pass)
        for (size_t i = 0; i < js.size(); ++i) {
          auto& j = js[i];
          auto k = j;
          auto prefix = "r" + std::to_string(round) + "p" + std::to_string(pass);
          k.bytes = chunk_bytes(3, j.min_ts, i % 4 == 0 ? prefix + big : prefix);
          status_ignored(run(cs, is, k), "child keeps going");
          char one = 1;
          if (::write(progress[1], &one, 1) != 1)
            ::_exit(3);
        }
    }
    ::close(progress[1]);
    const size_t flushes = 10 + rng() % 60;
    for (size_t seen = 0; seen < flushes;) {
      char buf[64];
      auto n = ::read(progress[0], buf, std::min(sizeof(buf), flushes - seen));
      ASSERT_GT(n, 0) << "child stopped early";
      seen += static_cast<size_t>(n);
    }
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int wstatus = 0;
    ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(wstatus));
    ::close(progress[0]);
    posix_fs fs;
    size_t refs = check_no_dangling_refs(fs, root);
    EXPECT_GT(refs, 0u) << "round " << round;
  }
}

} // namespace
} // namespace skald::storage
