// bench/push_bench.cpp — decode_push on realistic bodies: 1000 lines of ~200
// bytes over 4 streams, as snappy protobuf (Promtail/Alloy), gzip'd protobuf
// and JSON v1. items/s = lines/s; ns/line = 1e9 / (items/s).
#include <benchmark/benchmark.h>

#include <random>
#include <string>

#include "alloc_counter.hpp"
#include "runtime/push/decode.hpp"
#include "runtime/push/proto_decode.hpp"
#include "tests/testutil/push_bodies.hpp"

namespace {

using namespace skald;

std::vector<push::testing::test_stream> make_streams(size_t lines) {
  std::mt19937 gen{7};
  auto rng = [&gen] { return static_cast<unsigned>(gen()); };
  const char* levels[] = {"info", "warn", "error", "debug"};
  const char* paths[] = {"/api/v1/users", "/api/v1/orders", "/healthz", "/static/app.js"};
  std::vector<push::testing::test_stream> streams = {
      {R"({app="checkout", env="prod", namespace="shop", pod="checkout-7d9f8b6c5-x2v4q"})", {}},
      {R"({app="payments", env="prod", namespace="shop", pod="payments-5c6d7e8f9-a1b2c"})", {}},
      {R"({app="frontend", env="prod", namespace="web", pod="frontend-6b7c8d9e0-q9w8e"})", {}},
      {R"({app="gateway", env="prod", namespace="edge", pod="gateway-8e9f0a1b2-z7x6c"})", {}},
  };
  int64_t ts = 1700000000000000000;
  for (size_t i = 0; i < lines; ++i) {
    char buf[512];
    std::snprintf(buf, sizeof(buf),
                  "ts=2023-11-14T22:13:20.%06zuZ level=%s caller=handler.go:%u msg=\"request "
                  "served\" method=GET "
                  "path=%s status=%u duration_ms=%u trace_id=%016llx user_agent=\"Mozilla/5.0 "
                  "(X11; Linux x86_64)\"",
                  i, levels[rng() % 4], 100 + rng() % 400, paths[rng() % 4], 200 + rng() % 4 * 100,
                  rng() % 900, static_cast<unsigned long long>(rng()) << 32 | rng());
    streams[i % streams.size()].entries.push_back({ts + static_cast<int64_t>(i), buf, {}});
  }
  return streams;
}

std::string json_body(const std::vector<push::testing::test_stream>& streams) {
  std::string out = R"({"streams":[)";
  for (size_t s = 0; s < streams.size(); ++s) {
    if (s)
      out += ",";
    out += R"({"stream":{"app":"a)" + std::to_string(s) +
           R"(","env":"prod","namespace":"shop"},"values":[)";
    for (size_t i = 0; i < streams[s].entries.size(); ++i) {
      if (i)
        out += ",";
      out += "[\"" + std::to_string(streams[s].entries[i].ts_ns) + "\",\"";
      for (char c : streams[s].entries[i].line) {
        if (c == '"' || c == '\\')
          out += '\\';
        out += c;
      }
      out += "\"]";
    }
    out += "]}";
  }
  out += "]}";
  return out;
}

void run(benchmark::State& state, std::string_view ct, std::string_view enc,
         const std::string& body, size_t lines) {
  push::decode_limits limits;
  uint64_t allocs = 0;
  for (auto _ : state) {
    auto before = bench::alloc_calls();
    auto r = push::decode_push(ct, enc, body, limits);
    allocs += bench::alloc_calls() - before;
    if (!r.ok()) {
      state.SkipWithError(r.error().message().c_str());
      return;
    }
    benchmark::DoNotOptimize(r->lines);
  }
  state.counters["allocs_per_line"] =
      static_cast<double>(allocs) / static_cast<double>(state.iterations() * lines);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * lines));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}

void BM_decode_push_snappy_protobuf_1000_lines(benchmark::State& state) {
  static const std::string body = push::testing::proto_body(make_streams(1000));
  run(state, "application/x-protobuf", "", body, 1000);
}
BENCHMARK(BM_decode_push_snappy_protobuf_1000_lines);

void BM_decode_push_gzip_snappy_protobuf_1000_lines(benchmark::State& state) {
  static const std::string body =
      push::testing::gzip_compress(push::testing::proto_body(make_streams(1000)));
  run(state, "application/x-protobuf", "gzip", body, 1000);
}
BENCHMARK(BM_decode_push_gzip_snappy_protobuf_1000_lines);

void BM_decode_push_json_v1_1000_lines(benchmark::State& state) {
  static const std::string body = json_body(make_streams(1000));
  run(state, "application/json", "", body, 1000);
}
BENCHMARK(BM_decode_push_json_v1_1000_lines);

void BM_decode_push_gzip_json_v1_1000_lines(benchmark::State& state) {
  static const std::string body = push::testing::gzip_compress(json_body(make_streams(1000)));
  run(state, "application/json", "gzip", body, 1000);
}
BENCHMARK(BM_decode_push_gzip_json_v1_1000_lines);

/// The zero-copy wire decoder alone on the decompressed bytes (no snappy, no
/// label parsing): what decode_push spends per line outside the codec.
void BM_decode_push_request_proto_1000_lines(benchmark::State& state) {
  static const std::string raw = [] {
    std::string out;
    push::testing::make_proto(make_streams(1000)).SerializeToString(&out);
    return out;
  }();
  for (auto _ : state) {
    std::deque<model::label_set> metadata;
    auto r = push::decode_push_request_proto(raw, metadata);
    if (!r.ok()) {
      state.SkipWithError(r.error().message().c_str());
      return;
    }
    benchmark::DoNotOptimize(r->data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * 1000));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * raw.size()));
}
BENCHMARK(BM_decode_push_request_proto_1000_lines);

/// Reference: libprotobuf's generated parser on the same (decompressed) bytes.
void BM_reference_libprotobuf_parse_1000_lines(benchmark::State& state) {
  static const std::string raw = [] {
    std::string out;
    push::testing::make_proto(make_streams(1000)).SerializeToString(&out);
    return out;
  }();
  for (auto _ : state) {
    logproto::PushRequest req;
    benchmark::DoNotOptimize(req.ParseFromString(raw));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * 1000));
}
BENCHMARK(BM_reference_libprotobuf_parse_1000_lines);

} // namespace
