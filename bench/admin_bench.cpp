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

// The listing path the registry takes now: sort keys only (no actor_row per
// actor) and the page picked with nth_element (select_page). Arg: offset.
void BM_select_page_100k_by_mailbox(benchmark::State& state) {
  std::vector<sort_item> items(100000);
  for (size_t i = 0; i < items.size(); ++i) {
    items[i].id = i;
    items[i].mailbox = (i * 2654435761u) % 1000;
  }
  actor_query q;
  q.sort = sort_key::mailbox;
  q.descending = true;
  q.limit = 50;
  q.offset = static_cast<uint64_t>(state.range(0));
  for (auto _ : state) {
    auto page = items;
    benchmark::DoNotOptimize(select_page(page, q).data());
  }
}
BENCHMARK(BM_select_page_100k_by_mailbox)->Arg(0)->Arg(99950)->Unit(benchmark::kMillisecond);

// Sorting 100k stream actors by name: the former path copied every entry
// into a row and sorted all of them; select_page sorts pointers' keys.
std::vector<actor_row> named_rows() {
  std::vector<actor_row> rows(100000);
  for (size_t i = 0; i < rows.size(); ++i) {
    rows[i].entry.id = i;
    rows[i].entry.name = "stream {app=\"a" + std::to_string((i * 2654435761u) % 100000) +
                         "\", job=\"listing\"} tenant=fake";
  }
  return rows;
}

void BM_sort_and_page_100k_by_name(benchmark::State& state) {
  auto rows = named_rows();
  actor_query q;
  q.sort = sort_key::name;
  q.limit = 50;
  for (auto _ : state) {
    auto page = rows;
    sort_rows(page, q);
    cut_page(page, q);
    benchmark::DoNotOptimize(page.data());
  }
}
BENCHMARK(BM_sort_and_page_100k_by_name)->Unit(benchmark::kMillisecond);

void BM_select_page_100k_by_name(benchmark::State& state) {
  auto rows = named_rows();
  std::vector<sort_item> items(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    items[i].id = rows[i].entry.id;
    items[i].name = &rows[i].entry.name;
  }
  actor_query q;
  q.sort = sort_key::name;
  q.limit = 50;
  q.offset = static_cast<uint64_t>(state.range(0));
  for (auto _ : state) {
    auto page = items;
    benchmark::DoNotOptimize(select_page(page, q).data());
  }
}
BENCHMARK(BM_select_page_100k_by_name)->Arg(0)->Arg(99950)->Unit(benchmark::kMillisecond);

} // namespace
