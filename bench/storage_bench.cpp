// Benchmarks of runtime/storage (issue "Flush workers, filesystem chunk
// store and index"):
//   index lookup latency over 100k series (series_index in memory, and
//   index_store end to end on posix_fs), loading a 100k-series period,
//   chunk store write throughput on posix_fs (chunks/s, MB/s; each put is
//   temp file + fsync + rename + fsync dir), and a full flush (put + index
//   append with fdatasync).
//
//   build/bench/skald_bench --benchmark_filter=storage
// The posix benchmarks write under $TMPDIR (default /tmp).
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "runtime/storage/chunk_store.hpp"
#include "runtime/storage/index_store.hpp"
#include "runtime/storage/series_index.hpp"
#include "runtime/storage/store.hpp"

namespace {

using namespace skald;
using namespace skald::storage;

constexpr int64_t day_ms = 86'400'000;
constexpr int64_t t0_ms = 20'000 * day_ms;
constexpr int64_t ms_ns = 1'000'000;

/// Series i of a 100k-series tenant: 50 apps, 20 namespaces, 3 envs,
/// 5 containers, one pod per series.
model::label_set series_labels(uint32_t i) {
  model::label_set ls{{"app", "app-" + std::to_string(i % 50)},
                      {"container", "c" + std::to_string(i % 5)},
                      {"env", i % 3 == 0   ? "prod"
                              : i % 3 == 1 ? "dev"
                                           : "staging"},
                      {"namespace", "ns-" + std::to_string(i % 20)},
                      {"pod", "pod-" + std::to_string(i)}};
  model::normalise(ls);
  return ls;
}

series_chunks series_of(uint32_t i) {
  int64_t from = t0_ms + int64_t{i % 1000} * 60'000;
  return {series_labels(i),
          0x9e3779b97f4a7c15ULL * (i + 1),
          {chunk_ref{from, from + 3'600'000, i, 1'000'000, 5000},
           chunk_ref{from + 3'600'001, from + 7'200'000, i + 1, 1'000'000, 5000}}};
}

const series_index& index_100k() {
  static const series_index idx = [] {
    series_index x;
    for (uint32_t i = 0; i < 100'000; ++i)
      x.apply(series_of(i));
    return x;
  }();
  return idx;
}

label_matcher mk(const char* n, match_type t, const char* v) {
  return *make_matcher(n, t, v);
}

void run_lookup(benchmark::State& state, const std::vector<label_matcher>& ms) {
  const auto& idx = index_100k();
  size_t found = 0;
  for (auto _ : state) {
    std::vector<series_chunks> out;
    idx.series(idx.select(ms), t0_ms, t0_ms + day_ms, out);
    found = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["series_found"] = static_cast<double>(found);
}

void BM_storage_index_lookup_100k_eq_unique(benchmark::State& s) {
  run_lookup(s, {mk("pod", match_type::eq, "pod-54321")});
}
void BM_storage_index_lookup_100k_eq_app(benchmark::State& s) {
  run_lookup(s, {mk("app", match_type::eq, "app-7")});
}
void BM_storage_index_lookup_100k_eq_app_env(benchmark::State& s) {
  run_lookup(s, {mk("app", match_type::eq, "app-7"), mk("env", match_type::eq, "prod")});
}
void BM_storage_index_lookup_100k_re_app(benchmark::State& s) {
  run_lookup(s, {mk("app", match_type::re, "app-(1|2|3)"), mk("env", match_type::eq, "prod")});
}
void BM_storage_index_lookup_100k_neq(benchmark::State& s) {
  run_lookup(s, {mk("namespace", match_type::eq, "ns-3"), mk("env", match_type::neq, "dev")});
}
void BM_storage_index_lookup_100k_nre(benchmark::State& s) {
  run_lookup(s, {mk("namespace", match_type::eq, "ns-3"), mk("pod", match_type::nre, "pod-1.*")});
}
void BM_storage_index_lookup_100k_re_pod_scan(benchmark::State& s) {
  // Worst case: a regexp over a label with 100k distinct values.
  run_lookup(s, {mk("pod", match_type::re, "pod-4242.*")});
}
BENCHMARK(BM_storage_index_lookup_100k_eq_unique)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_storage_index_lookup_100k_eq_app)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_storage_index_lookup_100k_eq_app_env)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_storage_index_lookup_100k_re_app)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_storage_index_lookup_100k_neq)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_storage_index_lookup_100k_nre)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_storage_index_lookup_100k_re_pod_scan)->Unit(benchmark::kMicrosecond);

void BM_storage_index_label_values_100k(benchmark::State& state) {
  const auto& idx = index_100k();
  for (auto _ : state) {
    std::vector<std::string> out;
    idx.label_values("app", t0_ms, t0_ms + day_ms, nullptr, out);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_storage_index_label_values_100k)->Unit(benchmark::kMicrosecond);

void BM_storage_index_label_names_100k(benchmark::State& state) {
  const auto& idx = index_100k();
  for (auto _ : state) {
    std::vector<std::string> out;
    idx.label_names(t0_ms, t0_ms + day_ms, nullptr, out);
    benchmark::DoNotOptimize(out.data());
  }
}
BENCHMARK(BM_storage_index_label_names_100k)->Unit(benchmark::kMicrosecond);

// -- on disk -------------------------------------------------------------------

class temp_root {
public:
  temp_root() {
    const char* base = std::getenv("TMPDIR");
    std::string t = std::string{base ? base : "/tmp"} + "/skald-bench-XXXXXX";
    path_ = ::mkdtemp(t.data()) ? t : std::string{};
  }
  ~temp_root() {
    std::string cmd = "rm -rf '" + path_ + "'";
    (void)std::system(cmd.c_str());
  }
  const std::string& path() const { return path_; }

private:
  std::string path_;
};

/// A 100k-series period written, compacted and reopened from posix_fs.
struct disk_index {
  temp_root root;
  posix_fs fs;
  std::unique_ptr<index_store> store;
  disk_index() {
    index_options o;
    o.root = root.path();
    o.compact_log_bytes = SIZE_MAX;
    {
      index_store w{fs, o};
      std::vector<series_chunks> batch;
      for (uint32_t i = 0; i < 100'000; ++i) {
        batch.push_back(series_of(i));
        if (batch.size() == 5000) {
          (void)w.add("bench", batch).ok();
          batch.clear();
        }
      }
      (void)w.compact_all().ok();
    }
    o.read_only = true;
    store = std::make_unique<index_store>(fs, o);
  }
};

disk_index& disk_100k() {
  static disk_index d;
  return d;
}

void BM_storage_index_store_load_period_100k(benchmark::State& state) {
  auto& d = disk_100k();
  for (auto _ : state) {
    d.store->refresh();
    auto r = d.store->label_names("bench", t0_ms * ms_ns, (t0_ms + 1) * ms_ns);
    benchmark::DoNotOptimize(r.ok());
  }
}
BENCHMARK(BM_storage_index_store_load_period_100k)->Unit(benchmark::kMillisecond)->Iterations(5);

void BM_storage_index_store_series_100k(benchmark::State& state) {
  auto& d = disk_100k();
  auto ms = std::vector<label_matcher>{mk("app", match_type::eq, "app-7"),
                                       mk("env", match_type::eq, "prod")};
  size_t found = 0;
  for (auto _ : state) {
    auto r = d.store->series("bench", ms, t0_ms * ms_ns, (t0_ms + day_ms - 1) * ms_ns);
    found = r.ok() ? r->size() : 0;
  }
  state.counters["series_found"] = static_cast<double>(found);
}
BENCHMARK(BM_storage_index_store_series_100k)->Unit(benchmark::kMicrosecond);

std::string payload(size_t n) {
  std::string s(n, '\0');
  uint64_t x = 88172645463325252ULL;
  for (auto& c : s) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    c = static_cast<char>(x);
  }
  return s;
}

/// One store shared by all benchmark threads (flush workers share one).
struct shared_chunk_store {
  temp_root root;
  posix_fs fs;
  chunk_store store{fs, root.path()};
  std::atomic<uint64_t> next{0};
};

void BM_storage_chunk_store_put_posix(benchmark::State& state) {
  static shared_chunk_store shared;
  auto bytes = payload(static_cast<size_t>(state.range(0)));
  auto labels = series_labels(1);
  for (auto _ : state) {
    // New content each time (no dedupe); 100 series directories.
    uint64_t i = shared.next.fetch_add(1);
    std::memcpy(bytes.data(), &i, sizeof i);
    auto r = shared.store.put("bench", i % 100, labels, (t0_ms + int64_t(i)) * ms_ns,
                              (t0_ms + int64_t(i) + 3'600'000) * ms_ns, 5000, bytes);
    if (!r.ok())
      state.SkipWithError(r.error().to_string().c_str());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_storage_chunk_store_put_posix)
    ->Arg(64 << 10)
    ->Arg(1536 << 10)
    ->Threads(1)
    ->Threads(8)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

void BM_storage_flush_put_and_index_posix(benchmark::State& state) {
  temp_root root;
  posix_fs fs;
  chunk_store chunks{fs, root.path()};
  index_options o;
  o.root = root.path();
  index_store index{fs, o};
  auto bytes = payload(static_cast<size_t>(state.range(0)));
  uint64_t i = 0;
  for (auto _ : state) {
    std::memcpy(bytes.data(), &i, sizeof i);
    int64_t ts = (t0_ms + int64_t(i)) * ms_ns;
    auto labels = series_labels(static_cast<uint32_t>(i % 1000));
    auto r = write_chunks(chunks, index, "bench", labels, i % 1000,
                          {flush_chunk{ts, ts + 3'600'000 * ms_ns, 5000, bytes}});
    if (!r.ok())
      state.SkipWithError(r.error().to_string().c_str());
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_storage_flush_put_and_index_posix)
    ->Arg(256 << 10)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

} // namespace
