// Benchmarks of runtime/chunkenc (issue "Write path on one node"):
//   append lines to a stream's chunk (ns/line, allocations/line),
//   compress / decompress a 256KiB block per encoding (MB/s, ratio),
//   iterate a full chunk (MB/s of lines), heap bytes held per line.
//
//   build/bench/skald_bench --benchmark_filter=chunkenc
#include <benchmark/benchmark.h>

#include <malloc.h>

#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "alloc_counter.hpp"
#include "runtime/chunkenc/encoding.hpp"
#include "runtime/chunkenc/iterator.hpp"
#include "runtime/chunkenc/mem_chunk.hpp"

namespace {

using namespace skald;
using namespace skald::chunkenc;

/// A ~200-byte access-log line in logfmt, varying like production logs.
std::string log_line(uint64_t i) {
  static const char* const paths[] = {"/api/v1/push", "/loki/api/v1/query_range",
                                      "/loki/api/v1/labels", "/ready", "/metrics"};
  static const char* const levels[] = {"info", "info", "info", "debug", "warn", "error"};
  static const char* const users[] = {"alice", "bob", "carol", "dave", "erin", "frank"};
  uint64_t x = i * 6364136223846793005ULL + 1442695040888963407ULL;
  uint64_t ms = i * 37 % 1000;
  std::string s;
  s.reserve(220);
  s += "ts=2026-11-21T09:";
  s += std::to_string(10 + i / 60000 % 50) + ":" + std::to_string(10 + i / 1000 % 50) + "."
       + std::to_string(100 + ms) + "Z level=" + levels[(x >> 7) % 6]
       + " caller=handler.go:" + std::to_string(100 + (x >> 13) % 40)
       + " user=" + users[(x >> 17) % 6] + " method=" + ((x >> 21) % 4 == 0 ? "GET" : "POST")
       + " path=" + paths[(x >> 23) % 5] + " status=" + ((x >> 27) % 20 == 0 ? "500" : "204")
       + " bytes=" + std::to_string((x >> 31) % 65536)
       + " duration=" + std::to_string((x >> 37) % 900) + "." + std::to_string((x >> 41) % 1000)
       + "ms traceID=" + std::to_string((x >> 11) % 100000000000ULL)
       + " msg=\"request completed\"";
  return s;
}

struct corpus {
  std::vector<std::string> lines;
  size_t bytes = 0;
  explicit corpus(size_t n) {
    lines.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      lines.push_back(log_line(i));
      bytes += lines.back().size();
    }
  }
};

const corpus& lines_1000() {
  static const corpus c{1000};
  return c;
}

constexpr model::timestamp_ns t0 = 1'763'716'200'000'000'000;

/// "append 1000 lines to a stream": a fresh chunk per iteration (includes the
/// head's buffer growing from nothing).
void BM_chunkenc_append_1000_lines(benchmark::State& state) {
  const auto& c = lines_1000();
  uint64_t allocs = 0;
  for (auto _ : state) {
    mem_chunk chunk{encoding::snappy};
    auto before = bench::alloc_calls();
    for (size_t i = 0; i < c.lines.size(); ++i) {
      auto r = chunk.append({t0 + static_cast<int64_t>(i) * 1'000'000, c.lines[i], nullptr});
      benchmark::DoNotOptimize(r);
    }
    allocs += bench::alloc_calls() - before;
    benchmark::DoNotOptimize(chunk);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * c.lines.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.bytes));
  state.counters["line_bytes"] = static_cast<double>(c.bytes) / c.lines.size();
  state.counters["allocs_per_line"] =
    static_cast<double>(allocs) / static_cast<double>(state.iterations() * c.lines.size());
}
BENCHMARK(BM_chunkenc_append_1000_lines);

/// Steady state: one long-lived chunk, appends including the block cuts
/// (snappy) they trigger. The chunk is recreated when it reaches the target
/// size, outside the timed region.
void BM_chunkenc_append_steady(benchmark::State& state) {
  const auto enc = static_cast<encoding>(state.range(0));
  const auto& c = lines_1000();
  auto chunk = std::make_unique<mem_chunk>(enc);
  int64_t ts = t0;
  uint64_t allocs = 0;
  uint64_t lines = 0;
  for (auto _ : state) {
    if (chunk->is_full()) {
      state.PauseTiming();
      chunk = std::make_unique<mem_chunk>(enc);
      // Warm the new head so only the steady state is counted.
      for (size_t i = 0; i < 1400; ++i)
        (void) chunk->append({ts++, c.lines[i % c.lines.size()], nullptr});
      state.ResumeTiming();
    }
    auto before = bench::alloc_calls();
    for (size_t i = 0; i < c.lines.size(); ++i) {
      auto r = chunk->append({ts, c.lines[i], nullptr});
      ts += 1'000'000;
      benchmark::DoNotOptimize(r);
    }
    allocs += bench::alloc_calls() - before;
    lines += c.lines.size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(lines));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.bytes));
  state.counters["allocs_per_line"] = static_cast<double>(allocs) / static_cast<double>(lines);
  state.SetLabel(std::string{to_string(enc)});
}
BENCHMARK(BM_chunkenc_append_steady)
  ->Arg(static_cast<int>(encoding::snappy))
  ->Arg(static_cast<int>(encoding::none));

/// Out-of-order appends (Loki 3.x unordered writes): two producers feed one
/// stream, one of them 500ms behind, so every other append is older than the
/// head's newest entry and needs the duplicate check.
void BM_chunkenc_append_out_of_order(benchmark::State& state) {
  const auto& c = lines_1000();
  auto chunk = std::make_unique<mem_chunk>(encoding::snappy);
  int64_t ts = t0;
  uint64_t lines = 0;
  for (auto _ : state) {
    if (chunk->is_full()) {
      state.PauseTiming();
      chunk = std::make_unique<mem_chunk>(encoding::snappy);
      state.ResumeTiming();
    }
    for (size_t i = 0; i < c.lines.size(); ++i) {
      int64_t when = (i % 2 == 0) ? ts : ts - 500'000'000;
      auto r = chunk->append({when, c.lines[i], nullptr});
      ts += 1'000'000;
      benchmark::DoNotOptimize(r);
    }
    lines += c.lines.size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(lines));
}
BENCHMARK(BM_chunkenc_append_out_of_order);

/// A 256KiB block payload built from the line corpus, as a head would hold it.
std::string block_payload() {
  mem_chunk chunk{encoding::none, default_block_size + 1024 * 1024, 0};
  std::string payload;
  for (uint64_t i = 0; chunk.head().size() < default_block_size; ++i) {
    auto line = log_line(i);
    (void) chunk.append({t0 + static_cast<int64_t>(i) * 1'000'000, line, nullptr});
  }
  auto raw = chunk.head().raw();
  return std::string{raw.substr(0, default_block_size)};
}

const std::string& payload_256k() {
  static const std::string p = block_payload();
  return p;
}

void BM_chunkenc_compress_256k_block(benchmark::State& state) {
  const auto enc = static_cast<encoding>(state.range(0));
  const auto& in = payload_256k();
  buffer out;
  for (auto _ : state) {
    auto st = compress(enc, in, out);
    benchmark::DoNotOptimize(st);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.size()));
  state.counters["ratio"] = static_cast<double>(in.size()) / static_cast<double>(out.size());
  state.counters["compressed_bytes"] = static_cast<double>(out.size());
  state.SetLabel(std::string{to_string(enc)});
}

void BM_chunkenc_decompress_256k_block(benchmark::State& state) {
  const auto enc = static_cast<encoding>(state.range(0));
  const auto& in = payload_256k();
  buffer compressed;
  if (!compress(enc, in, compressed).ok()) {
    state.SkipWithError("compress failed");
    return;
  }
  std::string c{compressed.view()};
  buffer out;
  for (auto _ : state) {
    auto st = decompress(enc, c, in.size(), out);
    benchmark::DoNotOptimize(st);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * in.size()));
  state.SetLabel(std::string{to_string(enc)});
}

void each_encoding(benchmark::internal::Benchmark* b) {
  for (auto e : all_encodings)
    b->Arg(static_cast<int>(e));
}
BENCHMARK(BM_chunkenc_compress_256k_block)->Apply(each_encoding);
BENCHMARK(BM_chunkenc_decompress_256k_block)->Apply(each_encoding);

/// A chunk filled to the 1.5MiB target with the corpus.
mem_chunk full_chunk(encoding enc, size_t* lines_out = nullptr, size_t* bytes_out = nullptr) {
  mem_chunk chunk{enc};
  size_t bytes = 0;
  size_t i = 0;
  for (;; ++i) {
    auto line = log_line(i);
    model::entry_view e{t0 + static_cast<int64_t>(i) * 1'000'000, line, nullptr};
    if (!chunk.space_for(e))
      break;
    (void) chunk.append(e);
    bytes += line.size();
  }
  if (lines_out != nullptr)
    *lines_out = i;
  if (bytes_out != nullptr)
    *bytes_out = bytes;
  return chunk;
}

void BM_chunkenc_iterate_full_chunk(benchmark::State& state) {
  const auto enc = static_cast<encoding>(state.range(0));
  const bool backward = state.range(1) != 0;
  size_t lines = 0;
  size_t bytes = 0;
  auto chunk = full_chunk(enc, &lines, &bytes);
  (void) chunk.close();
  for (auto _ : state) {
    auto it = chunk.iterate(std::numeric_limits<int64_t>::min(),
                            std::numeric_limits<int64_t>::max(),
                            backward ? direction::backward : direction::forward);
    size_t n = 0;
    while (it.next())
      n += it.at().line.size();
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * lines));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["lines"] = static_cast<double>(lines);
  state.SetLabel(std::string{to_string(enc)} + (backward ? " backward" : " forward"));
}
BENCHMARK(BM_chunkenc_iterate_full_chunk)
  ->Args({static_cast<int>(encoding::snappy), 0})
  ->Args({static_cast<int>(encoding::snappy), 1})
  ->Args({static_cast<int>(encoding::gzip), 0})
  ->Args({static_cast<int>(encoding::lz4), 0})
  ->Args({static_cast<int>(encoding::zstd), 0});

void BM_chunkenc_encode_decode_full_chunk(benchmark::State& state) {
  const auto enc = static_cast<encoding>(state.range(0));
  auto chunk = full_chunk(enc);
  (void) chunk.close();
  size_t size = 0;
  for (auto _ : state) {
    auto bytes = chunk.encode();
    auto d = mem_chunk::decode(*bytes);
    size = bytes->size();
    benchmark::DoNotOptimize(d);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * size));
  state.SetLabel(std::string{to_string(enc)});
}
BENCHMARK(BM_chunkenc_encode_decode_full_chunk)
  ->Arg(static_cast<int>(encoding::snappy))
  ->Arg(static_cast<int>(encoding::gzip));

/// Heap bytes held per line: fill n full chunks of one stream to the target
/// size (closed, as a stream cuts them) plus one open chunk filled to half
/// the target, and divide the heap growth by the lines held.
/// Args: encoding, n (number of full chunks).
void BM_chunkenc_memory_per_line(benchmark::State& state) {
  const auto enc = static_cast<encoding>(state.range(0));
  const auto n_chunks = static_cast<size_t>(state.range(1));
  double per_line_heap = 0;
  double per_line_malloc = 0;
  double per_line_self = 0;
  double line_bytes = 0;
  for (auto _ : state) {
    auto heap0 = bench::live_heap_bytes();
    auto m0 = mallinfo2().uordblks;
    std::vector<mem_chunk> chunks;
    chunks.reserve(n_chunks + 1);
    chunks.emplace_back(enc);
    size_t lines = 0;
    size_t bytes = 0;
    for (uint64_t i = 0;; ++i) {
      auto line = log_line(i);
      model::entry_view e{t0 + static_cast<int64_t>(i) * 1'000'000, line, nullptr};
      // Stop with the open chunk half full (head buffer live), as a live
      // stream would be between cuts.
      if (chunks.size() == n_chunks + 1 && chunks.back().size() >= default_target_size / 2)
        break;
      if (!chunks.back().space_for(e)) {
        (void) chunks.back().close();
        chunks.emplace_back(enc);
      }
      (void) chunks.back().append(e);
      ++lines;
      bytes += line.size();
    }
    size_t self = 0;
    for (const auto& c : chunks)
      self += c.memory_usage();
    per_line_heap = static_cast<double>(bench::live_heap_bytes() - heap0) / lines;
    per_line_malloc = static_cast<double>(mallinfo2().uordblks - m0) / lines;
    per_line_self = static_cast<double>(self) / lines;
    line_bytes = static_cast<double>(bytes) / lines;
    state.counters["lines"] = static_cast<double>(lines);
  }
  state.counters["heap_bytes_per_line"] = per_line_heap;
  state.counters["malloc_bytes_per_line"] = per_line_malloc;
  state.counters["memory_usage_per_line"] = per_line_self;
  state.counters["line_bytes"] = line_bytes;
  state.SetLabel(std::string{to_string(enc)});
}
BENCHMARK(BM_chunkenc_memory_per_line)
  ->Args({static_cast<int>(encoding::snappy), 1})
  ->Args({static_cast<int>(encoding::snappy), 4})
  ->Args({static_cast<int>(encoding::gzip), 1})
  ->Args({static_cast<int>(encoding::zstd), 1})
  ->Args({static_cast<int>(encoding::lz4), 1})
  ->Iterations(1);

} // namespace
