// Hot paths of runtime/metrics: what one increment, one observation, one
// child lookup and one /metrics render cost.
#include <string>

#include <benchmark/benchmark.h>

#include "runtime/metrics/registry.hpp"

namespace {

using namespace skald::metrics;

void BM_counter_inc(benchmark::State& state) {
  static registry reg;
  static auto& c = reg.counter("bench_counter_total", "C.").get();
  for (auto _ : state)
    c.inc();
}
BENCHMARK(BM_counter_inc)->ThreadRange(1, 2);

void BM_counter_add_fraction(benchmark::State& state) {
  static registry reg;
  static auto& c = reg.counter("bench_counter_frac_total", "C.").get();
  for (auto _ : state)
    c.add(0.5);
}
BENCHMARK(BM_counter_add_fraction)->ThreadRange(1, 2);

void BM_histogram_observe(benchmark::State& state) {
  static registry reg;
  static auto& h = reg.histogram("bench_seconds", "H.").get();
  double v = 0.0001;
  for (auto _ : state) {
    h.observe(v);
    v = v > 50 ? 0.0001 : v * 1.7;
  }
}
BENCHMARK(BM_histogram_observe)->ThreadRange(1, 2);

// What the HTTP edge does per request: a lookup by four label values.
void BM_family_with_lookup(benchmark::State& state) {
  static registry reg;
  static auto& fam = reg.histogram("bench_request_duration_seconds", "H.",
                                   {"method", "route", "status_code", "ws"});
  for (int r = 0; r < 20; ++r)
    fam.with({"GET", "route_" + std::to_string(r), "200", "false"});
  for (auto _ : state)
    benchmark::DoNotOptimize(&fam.with({"POST", "route_7", "200", "false"}));
}
BENCHMARK(BM_family_with_lookup)->ThreadRange(1, 2);

void BM_render(benchmark::State& state) {
  registry reg;
  auto& fam = reg.histogram("bench_render_seconds", "H.", {"route", "status_code"});
  auto& cnt = reg.counter("bench_render_total", "C.", {"tenant"});
  for (int i = 0; i < state.range(0); ++i) {
    fam.with({"route_" + std::to_string(i % 50), std::to_string(200 + i / 50)}).observe(0.1);
    cnt.with({"tenant-" + std::to_string(i)}).inc();
  }
  size_t bytes = 0;
  for (auto _ : state)
    bytes = reg.render().size();
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_render)->Arg(100)->Arg(1000);

} // namespace
