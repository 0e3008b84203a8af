// bench/store_fill/store_fill.cpp — writes synthetic log streams straight
// into a store directory (chunk objects + index, exactly what the flush
// workers write through runtime/storage), so query benchmarks can put a
// known share of their data in the store without pushing and flushing it.
//
//   skald_store_fill DIR TENANT RUN STREAMS LINES FROM_S THROUGH_S
// STREAMS streams {app="storefill", pod="s-<i>", run="RUN"}, LINES lines in
// all, evenly spaced over [FROM_S, THROUGH_S) (Unix seconds), logfmt-ish
// lines of ~200 bytes; chunks cut like an ingester's (snappy, 256 KiB
// blocks, 1.5 MiB target). Prints lines, chunks and seconds taken.
// Not a test: a benchmark helper (bench/query_latency.sh).
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "runtime/chunkenc/mem_chunk.hpp"
#include "runtime/model/hash.hpp"
#include "runtime/storage/chunk_store.hpp"
#include "runtime/storage/file_system.hpp"
#include "runtime/storage/index_store.hpp"
#include "runtime/storage/store.hpp"

using namespace skald;

int main(int argc, char** argv) {
  if (argc != 8) {
    std::fprintf(stderr, "usage: %s DIR TENANT RUN STREAMS LINES FROM_S THROUGH_S\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  const std::string tenant = argv[2];
  const std::string run = argv[3];
  const int64_t streams = std::atoll(argv[4]);
  const int64_t lines = std::atoll(argv[5]);
  const int64_t from = std::atoll(argv[6]) * 1'000'000'000;
  const int64_t through = std::atoll(argv[7]) * 1'000'000'000;
  if (streams <= 0 || lines <= 0 || through <= from) {
    std::fprintf(stderr, "bad arguments\n");
    return 2;
  }
  const auto t0 = std::chrono::steady_clock::now();
  storage::posix_fs fs;
  if (auto st = fs.create_dirs(dir); !st.ok()) {
    std::fprintf(stderr, "%s\n", st.to_string().c_str());
    return 1;
  }
  storage::chunk_store chunks{fs, dir};
  storage::index_options o;
  o.root = dir;
  storage::index_store index{fs, o};
  std::mt19937_64 rng{42};
  const char* words[] = {"GET", "POST", "cache", "db", "kafka", "commit", "warn", "retry"};
  const int64_t per_stream = lines / streams;
  const int64_t gap = (through - from) / std::max<int64_t>(per_stream, 1);
  uint64_t total_chunks = 0;
  for (int64_t s = 0; s < streams; ++s) {
    model::label_set ls{{"app", "storefill"}, {"pod", "s-" + std::to_string(s)}, {"run", run}};
    const uint64_t fp = model::fingerprint(ls);
    std::vector<std::string> bytes;
    std::vector<storage::flush_chunk> batch;
    chunkenc::mem_chunk c{chunkenc::encoding::snappy};
    auto cut = [&] {
      if (c.entries() == 0)
        return true;
      if (!c.close().ok())
        return false;
      auto e = c.encode();
      if (!e.ok())
        return false;
      bytes.push_back(std::move(*e));
      storage::flush_chunk f;
      f.min_ts = c.bounds().min_ts;
      f.max_ts = c.bounds().max_ts;
      f.entries = static_cast<uint32_t>(c.entries());
      batch.push_back(f);
      c = chunkenc::mem_chunk{chunkenc::encoding::snappy};
      return true;
    };
    std::string line;
    char buf[256];
    for (int64_t i = 0; i < per_stream; ++i) {
      const int64_t ts = from + i * gap + s;
      uint64_t r = rng();
      std::snprintf(
          buf, sizeof buf,
          "ts=%" PRId64 " level=info msg=\"%s %s request\" path=/api/v1/items/%" PRIu64
          " status=%d duration_ms=%d trace_id=%016" PRIx64 "%016" PRIx64 " user=u%05d bytes=%d",
          ts, words[r % 8], words[(r >> 3) % 8], (r >> 6) % 100000,
          200 + static_cast<int>((r >> 20) % 5) * 100, static_cast<int>((r >> 24) % 2000), rng(),
          rng(), static_cast<int>((r >> 36) % 100000), static_cast<int>((r >> 44) % 65536));
      line = buf;
      model::entry_view v{ts, line, nullptr};
      if (!c.space_for(v) && !cut())
        return 1;
      c.append(v);
    }
    if (!cut())
      return 1;
    for (size_t i = 0; i < batch.size(); ++i)
      batch[i].bytes = bytes[i];
    auto w = storage::write_chunks(chunks, index, tenant, ls, fp, batch);
    if (!w.ok()) {
      std::fprintf(stderr, "write: %s\n", w.error().to_string().c_str());
      return 1;
    }
    total_chunks += batch.size();
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("store_fill: %" PRId64 " lines, %" PRIu64 " chunks, %.1f s\n", per_stream * streams,
              total_chunks, secs);
  return 0;
}
