// tests/fuzz/wal_replay_fuzz.cpp — libFuzzer target: WAL replay of arbitrary bytes.
//
// Input: byte 0 = flags, the rest = up to 8 files separated by "\xfe\xfe":
//   flags bit 0: prepend a valid file header to each file (gets the fuzzer
//                past the header check quickly); otherwise files are raw.
//   flags bit 1: the first file is part 00000000 of checkpoint.00000000;
//                the others are segments 00000001, 00000002, ...
// The files go into a memory_file_system and are replayed. Checked (a
// violation traps):
//   * replay never fails and ends; yielded items keep their invariants
//     (entries items non-empty, counter >= entries, metadata pointers valid);
//   * every corruption is counted, and counts match the kept descriptions;
//   * round trip: everything replay yielded, written back with
//     checkpoint_writer + writer into a fresh directory and replayed again,
//     yields exactly the same items with no corruption.
// Plus the decoders and frame_reader run directly on the raw input.
//
// Build (clang only):
//   cmake -S . -B build-fuzz -G Ninja -DCMAKE_C_COMPILER=clang
//     -DCMAKE_CXX_COMPILER=clang++ -DSKALD_BUILD_FUZZ=ON -DSKALD_BUILD_TESTS=ON   (one command)
//   cmake --build build-fuzz --target wal_replay_fuzz
//   build-fuzz/tests/wal_replay_fuzz -max_total_time=300 /tmp/wal-corpus tests/fuzz/corpus/wal
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/wal/checkpoint.hpp"
#include "runtime/wal/format.hpp"
#include "runtime/wal/layout.hpp"
#include "runtime/wal/replay.hpp"
#include "runtime/wal/test_fs.hpp"
#include "runtime/wal/writer.hpp"

namespace {

using namespace skald;
using namespace skald::wal;

void check(bool ok) {
  if (!ok)
    __builtin_trap();
}

/// An owning copy of one replay item, comparable.
struct event {
  replay_kind kind = replay_kind::entries;
  uint64_t fp = 0;
  uint64_t epoch = 0;
  uint64_t counter = 0; // entry_ct for snapshots
  model::timestamp_ns highest_ts = 0;
  std::string tenant;
  std::string last_line;
  model::label_set labels;
  std::vector<std::pair<uint8_t, std::string>> chunks;
  std::vector<model::entry> entries;

  friend bool operator==(const event& a, const event& b) {
    return a.kind == b.kind && a.fp == b.fp && a.epoch == b.epoch && a.counter == b.counter &&
           a.highest_ts == b.highest_ts && a.tenant == b.tenant && a.last_line == b.last_line &&
           a.labels == b.labels && a.chunks == b.chunks && a.entries == b.entries;
  }
};

std::vector<event> replay_events(file_system& fs, const std::string& dir, replay_stats& stats,
                                 size_t& kept_corruptions) {
  std::vector<event> out;
  replayer r{fs, dir};
  check(r.open().ok());
  replay_item it;
  while (r.next(it)) {
    event e;
    e.kind = it.kind;
    switch (it.kind) {
    case replay_kind::checkpoint_series: {
      check(it.snapshot != nullptr);
      auto& s = *it.snapshot;
      e.fp = s.fingerprint;
      e.epoch = s.epoch;
      e.counter = s.entry_ct;
      e.highest_ts = s.highest_ts;
      e.tenant = s.tenant;
      e.last_line = s.last_line;
      e.labels = s.labels;
      for (auto& c : s.chunks)
        e.chunks.emplace_back(c.flags, std::string{c.data});
      break;
    }
    case replay_kind::series:
      check(it.series != nullptr);
      e.fp = it.series->fingerprint;
      e.epoch = it.series->epoch;
      e.tenant = it.series->tenant;
      e.labels = it.series->labels;
      break;
    case replay_kind::block: {
      // Checked, not compared: write_back() has no block records to write
      // (entries items after it are yielded the same without it).
      check(it.block != nullptr);
      check(it.block_skip < it.block->entries);
      check(it.block->first <= it.block->last);
      continue;
    }
    case replay_kind::entries: {
      check(it.entries != nullptr);
      auto& r2 = *it.entries;
      check(!r2.entries.empty());
      check(r2.counter >= r2.entries.size());
      e.fp = r2.fingerprint;
      e.counter = r2.counter;
      for (auto& x : r2.entries)
        e.entries.push_back(
            model::entry{x.ts, std::string{x.line}, x.metadata ? *x.metadata : model::label_set{}});
      break;
    }
    }
    out.push_back(std::move(e));
  }
  stats = r.stats();
  kept_corruptions = r.corruptions().size();
  for (auto& c : r.corruptions())
    check(!to_string(c).empty());
  return out;
}

void write_back(file_system& fs, const std::string& dir, const std::vector<event>& events) {
  check(fs.create_dirs(dir).ok());
  bool any_snapshot = false;
  for (auto& e : events)
    any_snapshot |= e.kind == replay_kind::checkpoint_series;
  if (any_snapshot) {
    auto cw = checkpoint_writer::begin(fs, dir, 0, 4096, 512);
    check(cw.ok());
    for (auto& e : events) {
      if (e.kind != replay_kind::checkpoint_series)
        continue;
      series_snapshot s;
      s.fingerprint = e.fp;
      s.epoch = e.epoch;
      s.entry_ct = e.counter;
      s.highest_ts = e.highest_ts;
      s.tenant = e.tenant;
      s.last_line = e.last_line;
      s.labels = e.labels;
      for (auto& [flags, data] : e.chunks)
        s.chunks.push_back(checkpoint_chunk{flags, data});
      check(cw->add(s).ok());
    }
    check(cw->commit().ok());
  }
  auto w = writer::open(fs, writer_options{dir, 4096, false});
  check(w.ok());
  for (auto& e : events) {
    if (e.kind == replay_kind::series)
      w->add_series(e.fp, e.epoch, e.tenant, e.labels);
    else if (e.kind == replay_kind::entries)
      check(w->add_entries(e.fp, e.counter, e.entries.data(), e.entries.size()).ok());
    else
      continue;
    if (w->pending_bytes() > 1024)
      check(w->write().ok());
  }
  check(w->write().ok());
  check(w->sync().ok());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0)
    return 0;
  std::string_view in{reinterpret_cast<const char*>(data), size};
  uint8_t flags = static_cast<uint8_t>(in[0]);
  in.remove_prefix(1);

  // Decoders straight on the input: must not crash or over-read.
  {
    series_record sr;
    entries_record er;
    series_snapshot sn;
    status_ignored(decode_series(in, sr), "fuzz");
    status_ignored(decode_entries(in, er), "fuzz");
    status_ignored(decode_checkpoint_series(in, sn), "fuzz");
    block_record br;
    status_ignored(decode_block(in, br), "fuzz");
    frame_reader fr{in};
    frame f;
    while (fr.next(f) == frame_status::ok)
      check(f.payload.data() >= in.data() &&
            f.payload.data() + f.payload.size() <= in.data() + in.size());
  }

  // Split into files.
  std::vector<std::string_view> pieces;
  while (pieces.size() < 7) {
    auto sep = in.find("\xfe\xfe");
    if (sep == std::string_view::npos)
      break;
    pieces.push_back(in.substr(0, sep));
    in.remove_prefix(sep + 2);
  }
  pieces.push_back(in);

  memory_file_system fs;
  check(fs.create_dirs("/wal").ok());
  bool with_checkpoint = (flags & 2) != 0;
  for (size_t i = 0; i < pieces.size(); ++i) {
    bool is_cp = with_checkpoint && i == 0;
    std::string file;
    if (flags & 1)
      append_file_header(file, is_cp ? file_kind::checkpoint : file_kind::segment);
    file.append(pieces[i]);
    if (is_cp)
      fs.put("/wal/checkpoint.00000000/00000000", std::move(file));
    else
      fs.put("/wal/" + segment_name(i + (with_checkpoint ? 0 : 1)), std::move(file));
  }

  replay_stats stats;
  size_t kept = 0;
  auto events = replay_events(fs, "/wal", stats, kept);
  check(kept == stats.segment_corruptions + stats.checkpoint_corruptions);
  check(stats.entries_records + stats.series_records + stats.checkpoint_series <= stats.records);

  // Round trip through the writers.
  memory_file_system fs2;
  write_back(fs2, "/again", events);
  replay_stats stats2;
  size_t kept2 = 0;
  auto events2 = replay_events(fs2, "/again", stats2, kept2);
  check(stats2.segment_corruptions == 0 && stats2.checkpoint_corruptions == 0);
  check(stats2.duplicate_entries == 0 && stats2.unknown_series_entries == 0);
  check(events2 == events);
  return 0;
}
