// bench/label_cache_bench.cpp — the distributor's label cache (spec §3.1 step
// 7): resolving one stream's raw label text by a fresh parse (parse,
// service_name discovery, canonical string, fingerprint) vs a cache hit.
// items/s = label strings resolved per second; allocs_per_op from
// alloc_counter (a hit must not allocate).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "alloc_counter.hpp"
#include "runtime/push/decode.hpp"
#include "runtime/push/label_cache.hpp"

namespace {

using namespace skald;

// loadgen's label shape and a larger Kubernetes-style set.
const std::vector<std::string>& raw_labels() {
  static const std::vector<std::string> v = [] {
    std::vector<std::string> out;
    for (int i = 0; i < 64; ++i) {
      out.push_back(R"({app="loadgen", env="prod", pod="p-)" + std::to_string(i % 4) + "-" +
                    std::to_string(i) + R"(", run="bench-run-1"})");
      out.push_back(R"({cluster="eu-west-1", container="checkout", job="shop/checkout", )"
                    R"(namespace="shop", node="ip-10-0-12-)" +
                    std::to_string(i) +
                    R"(.ec2.internal", pod="checkout-7d9f8b6c5-x2v4q", stream="stdout"})");
    }
    return out;
  }();
  return v;
}

template <class F>
void run(benchmark::State& state, F&& resolve_one) {
  const auto& raws = raw_labels();
  size_t i = 0;
  uint64_t allocs = 0;
  for (auto _ : state) {
    auto before = bench::alloc_calls();
    resolve_one(raws[i]);
    allocs += bench::alloc_calls() - before;
    i = (i + 1) % raws.size();
  }
  state.counters["allocs_per_op"] =
      static_cast<double>(allocs) / static_cast<double>(state.iterations());
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_stream_labels_fresh_parse(benchmark::State& state) {
  const auto discover = push::decode_limits::default_discover_service_name();
  run(state, [&](const std::string& raw) {
    auto r = push::resolve_stream_labels(raw, discover);
    benchmark::DoNotOptimize(r->fingerprint);
  });
}
BENCHMARK(BM_stream_labels_fresh_parse);

void BM_stream_labels_cache_hit(benchmark::State& state) {
  const auto discover = push::decode_limits::default_discover_service_name();
  const auto tag = push::discovery_tag(discover);
  push::label_cache cache;
  for (const auto& raw : raw_labels()) // warm: every lookup below hits
    benchmark::DoNotOptimize(cache.resolve(raw, discover, tag).ok());
  run(state, [&](const std::string& raw) {
    auto r = cache.resolve(raw, discover, tag);
    benchmark::DoNotOptimize((*r)->fingerprint);
  });
  if (cache.misses() != raw_labels().size())
    state.SkipWithError("unexpected misses");
}
BENCHMARK(BM_stream_labels_cache_hit);

} // namespace
