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

/// Appends a block record (docs/wal-format.md §4.4) made from a real chunk
/// block: `es` (in timestamp order) appended to a fresh snappy mem_chunk
/// and cut into one block, standing for counters from `first` on as
/// `runs` say (their run lengths must add up to es.size()). Returns the
/// block's last counter.
inline uint64_t append_chunk_block(std::string& out, uint64_t fingerprint,
                                   const std::vector<model::entry>& es, uint64_t first,
                                   std::vector<counter_run> runs) {
  chunkenc::mem_chunk c{chunkenc::encoding::snappy, 1 << 20, 0};
  bool md = false;
  for (const auto& e : es) {
    EXPECT_EQ(c.append(model::entry_view{e.ts, e.line, e.metadata.empty() ? nullptr : &e.metadata}),
              chunkenc::append_result::appended);
    md = md || !e.metadata.empty();
  }
  EXPECT_TRUE(c.cut_block().ok());
  EXPECT_EQ(c.blocks().size(), 1u);
  const auto& b = c.blocks().front();
  block_record r;
  r.fingerprint = fingerprint;
  r.first = first;
  uint64_t cur = first;
  for (const auto& run : runs)
    cur += run.skip + run.run;
  r.last = cur - 1;
  r.runs = std::move(runs);
  r.encoding = static_cast<uint8_t>(chunkenc::encoding::snappy);
  r.flags = md ? block_flag_metadata : 0;
  r.min_ts = b.meta.min_ts;
  r.max_ts = b.meta.max_ts;
  r.entries = b.meta.entries;
  r.raw_size = b.meta.raw_size;
  r.last_ts = es.back().ts;
  r.last_line = es.back().line;
  r.data = b.data.view();
  append_block(out, r);
  return r.last;
}

/// Appends an entries record of es[from, to) with counter `counter`.
inline void append_entries_of(std::string& out, uint64_t fingerprint, uint64_t counter,
                              const std::vector<model::entry>& es, size_t from, size_t to) {
  append_entries(out, fingerprint, counter, es.data() + from, to - from);
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
  /// Block items yielded.
  size_t blocks = 0;
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
    case replay_kind::block: {
      // What an ingester applies of a block: its entries from block_skip on.
      auto& b = *it.block;
      auto& rs = out.streams[b.fingerprint];
      chunkenc::buffer raw;
      std::vector<model::entry_view> es;
      std::vector<model::label_set> md;
      auto ds = chunkenc::decode_block_entries(static_cast<chunkenc::encoding>(b.encoding), b.data,
                                               b.raw_size, raw, es, md);
      EXPECT_TRUE(ds.ok()) << ds.to_string();
      EXPECT_EQ(es.size(), b.entries);
      EXPECT_LT(it.block_skip, es.size());
      for (size_t i = it.block_skip; i < es.size(); ++i)
        rs.entries.push_back(model::entry{es[i].ts, std::string{es[i].line},
                                          es[i].metadata ? *es[i].metadata : model::label_set{}});
      rs.counter = b.last;
      ++out.blocks;
      break;
    }
    }
  }
  out.stats = r.stats();
  out.corruptions = r.corruptions();
  return out;
}

} // namespace skald::wal::testing
