// bench/wal_bench.cpp — the WAL's hot paths:
//   encode: one entries record into the reusable batch buffer (ns/record,
//           allocations/record: must be 0 once warm);
//   append: group-committed write() of 256-record batches to a real segment
//           file in /tmp (records/s, MB/s), with and without fsync per batch;
//   replay: a 64 MiB WAL directory read back with replayer (MB/s; goal >= 500).
// Lines are ~200-byte logfmt lines, 1 or 10 entries per record.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>
#include <vector>

#include <unistd.h>

#include "alloc_counter.hpp"
#include "runtime/model/entry.hpp"
#include "runtime/util/crc32c.hpp"
#include "runtime/wal/format.hpp"
#include "runtime/wal/replay.hpp"
#include "runtime/wal/writer.hpp"

namespace {

using namespace skald;

std::string log_line(uint64_t i) {
  static const char* const paths[] = {"/api/v1/push", "/loki/api/v1/query_range", "/ready",
                                      "/metrics", "/api/prom/tail"};
  uint64_t x = i * 2654435761u + 12345;
  return "level=info ts=2026-11-21T09:10:" + std::to_string(10 + i % 50) + "." +
         std::to_string(100000 + x % 900000) + "Z caller=http.go:" + std::to_string(100 + x % 300) +
         " org_id=tenant-" + std::to_string(x % 7) + " traceID=" + std::to_string(x * 7919) +
         " method=POST path=" + paths[(x >> 3) % 5] +
         " status=204 duration=" + std::to_string(x % 5000) +
         "us size=" + std::to_string(x % 100000) + " msg=\"request served\"";
}

struct lines {
  std::vector<std::string> text;
  std::vector<model::entry_view> views;
  size_t bytes = 0;
  explicit lines(size_t n) {
    text.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      text.push_back(log_line(i));
      bytes += text.back().size();
    }
    for (size_t i = 0; i < n; ++i)
      views.push_back(model::entry_view{1700000000000000000 + static_cast<int64_t>(i) * 1000,
                                        text[i], nullptr});
  }
};

std::string temp_dir() {
  char tmpl[] = "/tmp/skald-wal-bench-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr)
    std::abort();
  return tmpl;
}

void BM_wal_encode_entries_record(benchmark::State& state) {
  auto per_record = static_cast<size_t>(state.range(0));
  lines ls{1024};
  std::string buf;
  buf.reserve(1 << 20);
  uint64_t counter = 0, records = 0, allocs = 0, bytes = 0;
  size_t i = 0;
  for (auto _ : state) {
    if (buf.size() > (1 << 20) - 65536)
      buf.clear();
    auto before = bench::alloc_calls();
    size_t start = buf.size();
    counter += per_record;
    wal::append_entries(buf, 42, counter, ls.views.data() + i, per_record);
    allocs += bench::alloc_calls() - before;
    bytes += buf.size() - start;
    i = (i + per_record) % (1024 - per_record);
    ++records;
  }
  state.SetItemsProcessed(static_cast<int64_t>(records));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["allocs_per_record"] = static_cast<double>(allocs) / static_cast<double>(records);
}
BENCHMARK(BM_wal_encode_entries_record)->Arg(1)->Arg(10)->Arg(100);

/// CRC-32C of one record's bytes (Arg: bytes; a push's record of 100
/// ~200-byte lines is ~20 KB).
void BM_wal_crc32c(benchmark::State& state) {
  std::string data(static_cast<size_t>(state.range(0)), '\0');
  for (size_t i = 0; i < data.size(); ++i)
    data[i] = static_cast<char>((i * 2654435761u) >> 13);
  uint32_t c = 0;
  for (auto _ : state) {
    c = util::crc32c_extend(c, data.data(), data.size());
    benchmark::DoNotOptimize(c);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_wal_crc32c)->Arg(200)->Arg(20000);

/// Args: entries per record, direct_io (1) or buffered (0).
void append_bench(benchmark::State& state, bool sync) {
  auto per_record = static_cast<size_t>(state.range(0));
  bool direct = state.range(1) != 0;
  constexpr size_t batch = 256;
  lines ls{1024};
  auto dir = temp_dir();
  auto& fs = wal::posix_file_system();
  auto w = wal::writer::open(fs, wal::writer_options{dir + "/wal", 128ull << 20, sync, direct});
  if (!w)
    std::abort();
  w->add_series(42, 1, "tenant", {{"app", "bench"}});
  uint64_t counter = 0, records = 0;
  size_t i = 0;
  uint64_t bytes0 = w->stats().bytes;
  for (auto _ : state) {
    for (size_t r = 0; r < batch; ++r) {
      counter += per_record;
      status_ignored(w->add_entries(42, counter, ls.views.data() + i, per_record), "valid");
      i = (i + per_record) % (1024 - per_record);
    }
    if (!w->write().ok())
      state.SkipWithError("write failed");
    if (sync && !w->sync().ok())
      state.SkipWithError("sync failed");
    records += batch;
  }
  state.SetItemsProcessed(static_cast<int64_t>(records));
  state.SetBytesProcessed(static_cast<int64_t>(w->stats().bytes - bytes0));
  state.counters["segments"] = static_cast<double>(w->stats().segments_created);
  status_ignored(w->close(), "bench");
  status_ignored(fs.remove_all(dir), "bench cleanup");
}

void BM_wal_append_batch256_nosync(benchmark::State& state) {
  append_bench(state, false);
}
BENCHMARK(BM_wal_append_batch256_nosync)->ArgsProduct({{1, 10}, {0, 1}});

void BM_wal_append_batch256_fsync(benchmark::State& state) {
  append_bench(state, true);
}
BENCHMARK(BM_wal_append_batch256_fsync)->Args({10, 0})->Args({10, 1})->Iterations(200);

/// Args: entries per record; segments written with direct_io (1: replay
/// reads them from the device with O_DIRECT) or buffered (0: replay
/// reads them from the page cache, as v1 did).
void BM_wal_replay_64MiB(benchmark::State& state) {
  auto per_record = static_cast<size_t>(state.range(0));
  bool direct = state.range(1) != 0;
  lines ls{1024};
  auto dir = temp_dir();
  auto& fs = wal::posix_file_system();
  auto wal_dir = dir + "/wal";
  {
    auto w = wal::writer::open(fs, wal::writer_options{wal_dir, 16ull << 20, false, direct});
    if (!w)
      std::abort();
    uint64_t counters[16] = {};
    for (uint64_t fp = 0; fp < 16; ++fp)
      w->add_series(fp, 1, "tenant", {{"app", "bench"}, {"pod", std::to_string(fp)}});
    size_t i = 0;
    while (w->stats().bytes < (64ull << 20)) {
      for (size_t r = 0; r < 256; ++r) {
        auto fp = r % 16;
        counters[fp] += per_record;
        status_ignored(w->add_entries(fp, counters[fp], ls.views.data() + i, per_record), "valid");
        i = (i + per_record) % (1024 - per_record);
      }
      if (!w->write().ok())
        std::abort();
    }
    status_ignored(w->close(), "bench");
  }
  uint64_t bytes = 0, entries = 0;
  for (auto _ : state) {
    wal::replayer r{fs, wal_dir};
    if (!r.open().ok())
      state.SkipWithError("open failed");
    wal::replay_item it;
    size_t lines_bytes = 0;
    while (r.next(it))
      if (it.kind == wal::replay_kind::entries)
        for (auto& e : it.entries->entries)
          lines_bytes += e.line.size();
    benchmark::DoNotOptimize(lines_bytes);
    bytes += r.stats().bytes;
    entries += r.stats().entries;
    if (r.stats().segment_corruptions != 0)
      state.SkipWithError("corruption");
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(static_cast<int64_t>(entries));
  status_ignored(fs.remove_all(dir), "bench cleanup");
}
BENCHMARK(BM_wal_replay_64MiB)->ArgsProduct({{1, 10}, {0, 1}})->Unit(benchmark::kMillisecond);

} // namespace
