// Helpers shared by the chunkenc unit tests: realistic lines and readers.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "runtime/chunkenc/iterator.hpp"
#include "runtime/chunkenc/mem_chunk.hpp"
#include "runtime/model/entry.hpp"

namespace skald::chunkenc::testing {

inline constexpr model::timestamp_ns min_time = std::numeric_limits<model::timestamp_ns>::min();
inline constexpr model::timestamp_ns max_time = std::numeric_limits<model::timestamp_ns>::max();

/// A ~200-byte logfmt line that varies with i, like a real access log.
inline std::string log_line(uint64_t i) {
  static const char* const paths[] = {"/api/v1/push", "/loki/api/v1/query_range",
                                      "/ready", "/metrics", "/api/prom/tail"};
  static const char* const levels[] = {"info", "debug", "warn", "error"};
  uint64_t x = i * 2654435761u + 12345;
  std::string s = "level=" + std::string{levels[x % 4]} + " ts=2026-11-21T09:"
                  + std::to_string(10 + (i / 60) % 50) + ":" + std::to_string(10 + i % 50)
                  + "." + std::to_string(100000 + x % 900000) + "Z caller=http.go:"
                  + std::to_string(100 + x % 300) + " org_id=tenant-" + std::to_string(x % 7)
                  + " traceID=" + std::to_string(x * 7919 % 1000000007) + std::to_string(x % 97)
                  + " method=POST path=" + paths[(x >> 3) % 5]
                  + " status=" + std::to_string(x % 11 == 0 ? 500 : 204)
                  + " duration=" + std::to_string(x % 5000) + "us"
                  + " size=" + std::to_string(x % 100000) + " msg=\"request served\"";
  return s;
}

inline model::entry make_entry(model::timestamp_ns ts, std::string line,
                               model::label_set md = {}) {
  return model::entry{ts, std::move(line), std::move(md)};
}

inline model::entry_view view_of(const model::entry& e) {
  return {e.ts, e.line, e.metadata.empty() ? nullptr : &e.metadata};
}

inline model::entry to_entry(const model::entry_view& v) {
  return {v.ts, std::string{v.line}, v.metadata ? *v.metadata : model::label_set{}};
}

/// Every entry in [from, through) in the given direction; fails the test on
/// an iterator error.
inline std::vector<model::entry> read(const mem_chunk& c, model::timestamp_ns from = min_time,
                                      model::timestamp_ns through = max_time,
                                      direction dir = direction::forward) {
  std::vector<model::entry> out;
  auto it = c.iterate(from, through, dir);
  while (it.next())
    out.push_back(to_entry(it.at()));
  EXPECT_TRUE(it.error().ok()) << it.error().to_string();
  return out;
}

} // namespace skald::chunkenc::testing
