// bench/logql_bench.cpp — LogQL engine throughput over realistic lines.
//
// Generates ~128 MiB of logfmt-style application log lines in memory (one
// stream {app="x"}, 1 ms apart, ~0.1% of lines contain "needle") and
// measures, per core (single-threaded):
//   - BM_literal_filter_stage: the `|= "needle"` stage alone over every line;
//   - BM_log_query_literal:    `{app="x"} |= "needle"` through the engine;
//   - BM_metric_sum_by_level:  `sum by (level) (count_over_time({app="x"} | logfmt [1m]))`
//                              as an instant query whose window covers all lines.
// Throughput is reported as bytes/s of decompressed line data.
// Run: ./build/bench/skald_bench --benchmark_filter=logql
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "runtime/logql/engine.hpp"
#include "runtime/logql/parser.hpp"
#include "runtime/logql/pipeline.hpp"

using namespace skald;
using namespace skald::logql;

namespace {

constexpr size_t target_bytes = 128u << 20;
constexpr int64_t ms = 1000000;

struct dataset {
  memory_source src;
  std::vector<std::string> lines;
  size_t bytes = 0;
  int64_t last_ts = 0;
};

const dataset& data() {
  static const dataset* d = [] {
    auto* ds = new dataset;
    std::mt19937_64 rng(42);
    const char* levels[] = {"debug", "info", "info", "info", "warn", "error"};
    const char* methods[] = {"GET", "GET", "POST", "PUT", "DELETE"};
    const char* paths[] = {"/api/v1/users", "/api/v1/orders", "/healthz", "/api/v1/push",
                           "/loki/api/v1/query_range", "/static/app.js"};
    const char* msgs[] = {"request handled", "cache miss for key", "slow query detected",
                          "upstream connection reset by peer", "user session refreshed"};
    int64_t ts = 0;
    char buf[512];
    while (ds->bytes < target_bytes) {
      uint64_t r = rng();
      int n = std::snprintf(
          buf, sizeof buf,
          "ts=2024-05-01T12:%02d:%02d.%03dZ level=%s caller=server/handler.go:%d msg=\"%s\" "
          "method=%s path=%s/%u status=%d duration=%u.%ums bytes=%u trace_id=%016llx%s",
          static_cast<int>((r >> 8) % 60), static_cast<int>((r >> 14) % 60), static_cast<int>((r >> 20) % 1000),
          levels[(r >> 30) % 6], static_cast<int>(100 + (r >> 33) % 400), msgs[(r >> 40) % 5],
          methods[(r >> 43) % 5], paths[(r >> 46) % 6], static_cast<unsigned>((r >> 49) % 10000),
          (r >> 52) % 10 == 0 ? 500 : 200, static_cast<unsigned>((r >> 3) % 900),
          static_cast<unsigned>((r >> 11) % 10), static_cast<unsigned>((r >> 17) % 65536),
          static_cast<unsigned long long>(rng()), (r % 1000) == 0 ? " needle=1" : "");
      std::string line(buf, static_cast<size_t>(n));
      ds->bytes += line.size();
      ds->src.add({{"app", "x"}}, model::entry{ts, line, {}});
      ds->lines.push_back(std::move(line));
      ts += ms;
    }
    ds->last_ts = ts - ms;
    return ds;
  }();
  return *d;
}

void BM_logql_literal_filter_stage(benchmark::State& state) {
  const dataset& d = data();
  auto sel = parse_log_selector(R"({app="x"} |= "needle")");
  pipeline_runner pr(sel->stages);
  model::label_set stream = {{"app", "x"}};
  size_t kept = 0;
  for (auto _ : state) {
    for (const auto& l : d.lines)
      kept += pr.run(0, l, stream, nullptr);
  }
  benchmark::DoNotOptimize(kept);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * d.bytes));
  state.counters["lines"] = static_cast<double>(d.lines.size());
}
BENCHMARK(BM_logql_literal_filter_stage)->Unit(benchmark::kMillisecond);

void BM_logql_log_query_literal(benchmark::State& state) {
  dataset& d = const_cast<dataset&>(data());
  auto e = parse(R"({app="x"} |= "needle")");
  engine eng(d.src);
  query_params p;
  p.start_ns = 0;
  p.end_ns = d.last_ts + 1;
  p.limit = 5000;
  p.dir = direction::forward;
  size_t n = 0;
  for (auto _ : state) {
    auto r = eng.query(*e, p);
    n += r->streams.empty() ? 0 : r->streams[0].entries.size();
  }
  benchmark::DoNotOptimize(n);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * d.bytes));
}
BENCHMARK(BM_logql_log_query_literal)->Unit(benchmark::kMillisecond);

void BM_logql_metric_sum_by_level(benchmark::State& state) {
  dataset& d = const_cast<dataset&>(data());
  auto e = parse(R"(sum by (level) (count_over_time({app="x"} | logfmt [1h])))");
  engine eng(d.src);
  query_params p;
  p.start_ns = p.end_ns = d.last_ts;
  size_t n = 0;
  for (auto _ : state) {
    auto r = eng.query(*e, p);
    if (!r.ok())
      state.SkipWithError(r.error().message().c_str());
    else
      n += r->vector.size();
  }
  benchmark::DoNotOptimize(n);
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * d.bytes));
}
BENCHMARK(BM_logql_metric_sum_by_level)->Unit(benchmark::kMillisecond);

} // namespace
