// Helpers shared by the WAL unit tests: a tiny "ingester" that applies a
// replay to plain maps, and record builders.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "runtime/chunkenc/iterator.hpp"
#include "runtime/chunkenc/mem_chunk.hpp"
#include "runtime/model/entry.hpp"
#include "runtime/wal/replay.hpp"

namespace skald::wal::testing {

inline model::label_set labels_of(std::string app) {
  return {{"app", std::move(app)}, {"env", "prod"}};
}

inline std::vector<model::entry> make_entries(model::timestamp_ns first, size_t n,
                                              const std::string& prefix = "line") {
  std::vector<model::entry> out;
  for (size_t i = 0; i < n; ++i)
    out.push_back(model::entry{first + static_cast<model::timestamp_ns>(i),
                               prefix + " " + std::to_string(first) + "/" + std::to_string(i),
                               {}});
  return out;
}

/// What an ingester would hold after replay.
struct replayed_stream {
  std::string tenant;
  model::label_set labels;
  uint64_t epoch = 0;
  uint64_t counter = 0;
  std::vector<model::entry> entries;
};

struct replay_result {
  std::map<uint64_t, replayed_stream> streams;
  replay_stats stats;
  std::vector<corruption> corruptions;
};

/// Entries of an encoded chunk, in time order.
inline std::vector<model::entry> chunk_entries(std::string_view bytes) {
  std::vector<model::entry> out;
  auto c = chunkenc::mem_chunk::decode_open(bytes);
  EXPECT_TRUE(c.ok()) << c.error().to_string();
  if (!c)
    return out;
  auto it = c->iterate(std::numeric_limits<model::timestamp_ns>::min(),
                       std::numeric_limits<model::timestamp_ns>::max());
  while (it.next()) {
    auto& e = it.at();
    out.push_back(
        model::entry{e.ts, std::string{e.line}, e.metadata ? *e.metadata : model::label_set{}});
  }
  return out;
}

inline replay_result replay_all(file_system& fs, const std::string& dir,
                                replay_options opts = {}) {
  replay_result out;
  replayer r{fs, dir, opts};
  auto st = r.open();
  EXPECT_TRUE(st.ok()) << st.to_string();
  replay_item it;
  while (r.next(it)) {
    switch (it.kind) {
    case replay_kind::checkpoint_series: {
      auto& s = *it.snapshot;
      auto& rs = out.streams[s.fingerprint];
      rs = replayed_stream{std::string{s.tenant}, s.labels, s.epoch, s.entry_ct, {}};
      for (auto& c : s.chunks)
        for (auto& e : chunk_entries(c.data))
          rs.entries.push_back(std::move(e));
      break;
    }
    case replay_kind::series: {
      auto& s = *it.series;
      auto& rs = out.streams[s.fingerprint];
      if (rs.epoch != s.epoch || rs.tenant.empty())
        rs = replayed_stream{std::string{s.tenant}, s.labels, s.epoch, 0, {}};
      break;
    }
    case replay_kind::entries: {
      auto& r2 = *it.entries;
      auto& rs = out.streams[r2.fingerprint];
      for (auto& e : r2.entries)
        rs.entries.push_back(
            model::entry{e.ts, std::string{e.line}, e.metadata ? *e.metadata : model::label_set{}});
      rs.counter = r2.counter;
      break;
    }
    }
  }
  out.stats = r.stats();
  out.corruptions = r.corruptions();
  return out;
}

} // namespace skald::wal::testing
