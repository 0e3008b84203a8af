// What the admin console costs (issue 9). While nobody looks: every message an
// actor handles pays admin::actor_stats::tick() — one increment and one
// CLOCK_MONOTONIC_COARSE read. While someone looks: a listing sorted by
// mailbox over 100k stream actors sorts and pages 100k rows in the registry.
#include <cstdint>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "runtime/admin/directory.hpp"

namespace {

using namespace skald::admin;

void BM_actor_stats_tick(benchmark::State& state) {
  actor_stats s;
  for (auto _ : state) {
    s.tick();
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_actor_stats_tick);

void BM_coarse_clock(benchmark::State& state) {
  for (auto _ : state)
    benchmark::DoNotOptimize(coarse_now_ns());
}
BENCHMARK(BM_coarse_clock);

void BM_sort_and_page_100k_by_mailbox(benchmark::State& state) {
  std::vector<actor_row> rows(100000);
  for (size_t i = 0; i < rows.size(); ++i) {
    rows[i].entry.id = i;
    rows[i].info.mailbox = (i * 2654435761u) % 1000;
  }
  actor_query q;
  q.sort = sort_key::mailbox;
  q.descending = true;
  q.limit = 50;
  for (auto _ : state) {
    auto page = rows;
    sort_rows(page, q);
    cut_page(page, q);
    benchmark::DoNotOptimize(page.data());
  }
}
BENCHMARK(BM_sort_and_page_100k_by_mailbox)->Unit(benchmark::kMillisecond);

} // namespace
