// The WAL byte format: record round trips (Loki's Test_Encoding_Series /
// Test_Encoding_Entries), exact framing checks, every single-bit flip, torn
// tails, v2's zero padding, v3's zero tails, and the golden files of formats
// v1, v2 and v3 (G11).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>
#include <type_traits>

#include "runtime/util/crc32c.hpp"
#include "runtime/wal/format.hpp"
#include "runtime/wal/test_fs.hpp"
#include "tests/unit/wal/wal_test_util.hpp"

namespace skald::wal {
namespace {

using testing::labels_of;
using testing::make_entries;

static_assert(static_cast<uint8_t>(record_type::zero) == 0, "zero is reserved");
static_assert(static_cast<uint8_t>(file_kind::zero) == 0, "zero is reserved");
static_assert(std::is_nothrow_move_constructible_v<entries_record>);
static_assert(frame_header_size == 10 && file_header_size == 8, "docs/wal-format.md");

/// The single frame in `bytes` (no file header).
frame only_frame(const std::string& bytes) {
  frame_reader r{bytes, 0, file_version};
  frame f;
  EXPECT_EQ(r.next(f), frame_status::ok) << r.reason();
  frame g;
  EXPECT_EQ(r.next(g), frame_status::end);
  return f;
}

std::vector<model::entry> to_entries(const entries_record& r) {
  std::vector<model::entry> out;
  for (auto& e : r.entries)
    out.push_back(
        model::entry{e.ts, std::string{e.line}, e.metadata ? *e.metadata : model::label_set{}});
  return out;
}

TEST(wal_format, series_record_round_trips) {
  std::string buf;
  auto ls = labels_of("api");
  append_series(buf, 0xdeadbeefcafef00dull, 42, "tenant-1", ls);
  auto f = only_frame(buf);
  EXPECT_EQ(f.type, record_type::series);
  series_record r;
  ASSERT_TRUE(decode_series(f.payload, r).ok());
  EXPECT_EQ(r.fingerprint, 0xdeadbeefcafef00dull);
  EXPECT_EQ(r.epoch, 42u);
  EXPECT_EQ(r.tenant, "tenant-1");
  EXPECT_EQ(r.labels, ls);
  // decode -> encode is byte-identical.
  std::string again;
  append_series(again, r);
  EXPECT_EQ(again, buf);
}

TEST(wal_format, series_record_with_no_labels_and_empty_tenant_round_trips) {
  std::string buf;
  append_series(buf, 1, 0, "", {});
  series_record r;
  ASSERT_TRUE(decode_series(only_frame(buf).payload, r).ok());
  EXPECT_EQ(r.tenant, "");
  EXPECT_TRUE(r.labels.empty());
}

TEST(wal_format, entries_record_round_trips_with_structured_metadata) {
  std::vector<model::entry> in = make_entries(1700000000000000000, 5);
  in[1].metadata = {{"trace_id", "abc"}, {"user", "u1"}};
  in[3].metadata = {{"pod", "p-0"}};
  in[4].line = ""; // empty lines are legal
  std::string buf;
  append_entries(buf, 7, 105, in.data(), in.size());
  auto f = only_frame(buf);
  EXPECT_EQ(f.type, record_type::entries);
  entries_record r;
  ASSERT_TRUE(decode_entries(f.payload, r).ok());
  EXPECT_EQ(r.fingerprint, 7u);
  EXPECT_EQ(r.counter, 105u);
  EXPECT_EQ(to_entries(r), in);

  // The entry_view overload writes the same bytes.
  std::vector<model::entry_view> views;
  for (auto& e : in)
    views.push_back(model::entry_view{e.ts, e.line, e.metadata.empty() ? nullptr : &e.metadata});
  std::string buf2;
  append_entries(buf2, 7, 105, views.data(), views.size());
  EXPECT_EQ(buf2, buf);

  // So does the in-place encoder the writer uses, for both entry types,
  // touching exactly entries_frame_size() bytes.
  for (int kind = 0; kind < 2; ++kind) {
    size_t n = kind == 0 ? entries_frame_size(views.data(), views.size())
                         : entries_frame_size(in.data(), in.size());
    ASSERT_EQ(n, buf.size());
    std::string place(n + 2, '\x7f');
    char* end = kind == 0
                    ? put_entries_frame(place.data() + 1, n, 7, 105, views.data(), views.size())
                    : put_entries_frame(place.data() + 1, n, 7, 105, in.data(), in.size());
    EXPECT_EQ(end, place.data() + 1 + n);
    EXPECT_EQ(place.substr(1, n), buf) << "kind " << kind;
    EXPECT_EQ(place.front(), '\x7f');
    EXPECT_EQ(place.back(), '\x7f');
  }
}

TEST(wal_format, entries_record_keeps_extreme_and_unordered_timestamps) {
  constexpr auto lo = std::numeric_limits<model::timestamp_ns>::min();
  constexpr auto hi = std::numeric_limits<model::timestamp_ns>::max();
  std::vector<model::entry> in = {{hi, "max", {}},
                                  {lo, "min", {}},
                                  {0, "zero", {}},
                                  {-5, "negative", {}},
                                  {hi, "max again", {}}};
  std::string buf;
  append_entries(buf, 1, 5, in.data(), in.size());
  entries_record r;
  ASSERT_TRUE(decode_entries(only_frame(buf).payload, r).ok());
  EXPECT_EQ(to_entries(r), in);
}

TEST(wal_format, decoding_reuses_the_record_without_stale_metadata) {
  entries_record r;
  std::vector<model::entry> a = make_entries(10, 3);
  a[0].metadata = {{"k", "v"}};
  std::vector<model::entry> b = make_entries(20, 2);
  std::string ba, bb;
  append_entries(ba, 1, 3, a.data(), a.size());
  append_entries(bb, 2, 5, b.data(), b.size());
  ASSERT_TRUE(decode_entries(only_frame(ba).payload, r).ok());
  ASSERT_TRUE(decode_entries(only_frame(bb).payload, r).ok());
  EXPECT_EQ(to_entries(r), b);
  EXPECT_EQ(r.fingerprint, 2u);
}

TEST(wal_format, checkpoint_series_round_trips) {
  series_snapshot s;
  s.fingerprint = 99;
  s.epoch = 1234;
  s.entry_ct = 77;
  s.highest_ts = -3;
  s.last_line = "the last line";
  s.tenant = "t";
  s.labels = labels_of("db");
  s.chunks = {{chunk_closed, "closed chunk bytes"}, {chunk_open, "open chunk bytes"}};
  std::string buf;
  append_checkpoint_series(buf, s);
  auto f = only_frame(buf);
  EXPECT_EQ(f.type, record_type::checkpoint_series);
  series_snapshot d;
  ASSERT_TRUE(decode_checkpoint_series(f.payload, d).ok());
  EXPECT_EQ(d.fingerprint, 99u);
  EXPECT_EQ(d.epoch, 1234u);
  EXPECT_EQ(d.entry_ct, 77u);
  EXPECT_EQ(d.highest_ts, -3);
  EXPECT_EQ(d.last_line, "the last line");
  EXPECT_EQ(d.tenant, "t");
  EXPECT_EQ(d.labels, s.labels);
  ASSERT_EQ(d.chunks.size(), 2u);
  EXPECT_EQ(d.chunks[0].flags, chunk_closed);
  EXPECT_EQ(d.chunks[0].data, "closed chunk bytes");
  EXPECT_EQ(d.chunks[1].flags, chunk_open);
  std::string again;
  append_checkpoint_series(again, d);
  EXPECT_EQ(again, buf);
}

TEST(wal_format, reserved_chunk_flags_are_rejected) {
  series_snapshot s;
  s.chunks = {{2, "x"}};
  std::string buf;
  append_checkpoint_series(buf, s);
  series_snapshot d;
  EXPECT_EQ(decode_checkpoint_series(only_frame(buf).payload, d).code(), errc::corrupt_record);
}

TEST(wal_format, every_truncation_and_trailing_byte_of_a_payload_is_rejected) {
  std::vector<model::entry> in = make_entries(5, 3);
  in[2].metadata = {{"a", "b"}};
  std::string es, ss, cs;
  append_entries(es, 1, 3, in.data(), in.size());
  append_series(ss, 1, 2, "tenant", labels_of("x"));
  series_snapshot snap;
  snap.tenant = "t";
  snap.labels = labels_of("y");
  snap.chunks = {{chunk_open, "abc"}};
  append_checkpoint_series(cs, snap);
  auto ep = std::string{only_frame(es).payload};
  auto sp = std::string{only_frame(ss).payload};
  auto cp = std::string{only_frame(cs).payload};
  entries_record er;
  series_record sr;
  series_snapshot sn;
  for (size_t n = 0; n < ep.size(); ++n)
    EXPECT_FALSE(decode_entries(std::string_view{ep}.substr(0, n), er).ok()) << n;
  for (size_t n = 0; n < sp.size(); ++n)
    EXPECT_FALSE(decode_series(std::string_view{sp}.substr(0, n), sr).ok()) << n;
  for (size_t n = 0; n < cp.size(); ++n)
    EXPECT_FALSE(decode_checkpoint_series(std::string_view{cp}.substr(0, n), sn).ok()) << n;
  EXPECT_FALSE(decode_entries(ep + '\0', er).ok());
  EXPECT_FALSE(decode_series(sp + '\0', sr).ok());
  EXPECT_FALSE(decode_checkpoint_series(cp + '\0', sn).ok());
}

TEST(wal_format, entries_counter_below_entry_count_is_corrupt) {
  // Hand-made payload: fp, counter 1, 2 entries.
  std::vector<model::entry> in = make_entries(5, 2);
  std::string buf;
  append_entries(buf, 1, 2, in.data(), in.size());
  std::string payload{only_frame(buf).payload};
  payload[8] = 1; // counter (u64le) = 1 < n = 2
  entries_record r;
  EXPECT_EQ(decode_entries(payload, r).code(), errc::corrupt_record);
}

// -- block records ---------------------------------------------------------------

/// A consistent block record (the data need not be a real block here).
block_record sample_block() {
  block_record b;
  b.fingerprint = 0x0102030405060708;
  b.first = 300;
  b.runs = {{0, 2}, {3, 1}, {1, 200}};
  b.last = 300 + 2 + 3 + 1 + 1 + 200 - 1;
  b.encoding = static_cast<uint8_t>(chunkenc::encoding::snappy);
  b.flags = block_flag_metadata;
  b.min_ts = -5;
  b.max_ts = std::numeric_limits<model::timestamp_ns>::max();
  b.entries = 203;
  b.raw_size = 70000;
  b.last_ts = std::numeric_limits<model::timestamp_ns>::max();
  b.last_line = "the last line";
  b.data = "compressed bytes";
  return b;
}

void expect_same_block(const block_record& a, const block_record& b) {
  EXPECT_EQ(a.fingerprint, b.fingerprint);
  EXPECT_EQ(a.first, b.first);
  EXPECT_EQ(a.last, b.last);
  EXPECT_EQ(a.runs, b.runs);
  EXPECT_EQ(a.encoding, b.encoding);
  EXPECT_EQ(a.flags, b.flags);
  EXPECT_EQ(a.min_ts, b.min_ts);
  EXPECT_EQ(a.max_ts, b.max_ts);
  EXPECT_EQ(a.entries, b.entries);
  EXPECT_EQ(a.raw_size, b.raw_size);
  EXPECT_EQ(a.last_ts, b.last_ts);
  EXPECT_EQ(a.last_line, b.last_line);
  EXPECT_EQ(a.data, b.data);
}

TEST(wal_format, block_record_round_trips_in_place_and_appended) {
  auto in = sample_block();
  std::string buf;
  append_block(buf, in);
  ASSERT_EQ(buf.size(), block_frame_size(in));
  std::string in_place(block_frame_size(in), '\0');
  EXPECT_EQ(put_block_frame(in_place.data(), in_place.size(), in),
            in_place.data() + in_place.size());
  EXPECT_EQ(in_place, buf);
  auto f = only_frame(buf);
  EXPECT_EQ(f.type, record_type::block);
  block_record out;
  out.runs = {{9, 9}}; // reused storage is replaced
  ASSERT_TRUE(decode_block(f.payload, out).ok());
  expect_same_block(in, out);
  // A single run covering everything, no flags.
  in.runs = {{0, 1}};
  in.first = in.last = 1;
  in.entries = 1;
  in.flags = 0;
  in.min_ts = in.max_ts = in.last_ts = 0;
  in.last_line = "";
  buf.clear();
  append_block(buf, in);
  ASSERT_TRUE(decode_block(only_frame(buf).payload, out).ok());
  expect_same_block(in, out);
}

TEST(wal_format, every_inconsistent_block_record_is_rejected) {
  auto decode = [](const block_record& b) {
    std::string buf;
    append_block(buf, b);
    block_record out;
    return decode_block(only_frame(buf).payload, out);
  };
  ASSERT_TRUE(decode(sample_block()).ok());
  auto bad = [&](const char* what, auto change) {
    auto b = sample_block();
    change(b);
    auto st = decode(b);
    EXPECT_EQ(st.code(), errc::corrupt_record) << what;
  };
  bad("first 0", [](block_record& b) {
    b.first = 0;
    b.last -= 300;
  });
  bad("runs cover fewer counters", [](block_record& b) { b.last += 1; });
  bad("runs cover more counters", [](block_record& b) { b.last -= 1; });
  bad("runs end in skipped counters", [](block_record& b) {
    b.runs.push_back({2, 0});
    b.last += 2;
  });
  bad("a run of 0", [](block_record& b) { b.runs[1].run = 0, b.runs[1].skip = 4; });
  bad("no runs", [](block_record& b) {
    b.runs.clear();
    b.last = b.first;
  });
  bad("entries not the runs' sum", [](block_record& b) { b.entries = 202; });
  bad("entries not the runs' sum", [](block_record& b) { b.entries = 204; });
  bad("encoding 0", [](block_record& b) { b.encoding = 0; });
  bad("encoding 6", [](block_record& b) { b.encoding = 6; });
  bad("reserved flag", [](block_record& b) { b.flags = 2; });
  bad("reserved flag", [](block_record& b) { b.flags = 0x81; });
  bad("min_ts > max_ts", [](block_record& b) { b.min_ts = b.max_ts, b.max_ts = 0; });
  bad("empty data", [](block_record& b) { b.data = ""; });
  bad("last before first", [](block_record& b) { b.last = b.first - 1; });
  // Every truncation, and a trailing byte.
  std::string buf;
  append_block(buf, sample_block());
  auto payload = std::string{only_frame(buf).payload};
  block_record out;
  for (size_t n = 0; n < payload.size(); ++n)
    EXPECT_FALSE(decode_block(std::string_view{payload}.substr(0, n), out).ok()) << n;
  EXPECT_EQ(decode_block(payload + '\0', out).code(), errc::corrupt_record);
  EXPECT_TRUE(decode_block(payload, out).ok());
}

TEST(wal_format, zero_record_type_and_unknown_version_are_corrupt) {
  std::string buf;
  append_series(buf, 1, 1, "t", {});
  auto reframe = [](std::string b, uint8_t version, uint8_t type) {
    b[8] = static_cast<char>(version);
    b[9] = static_cast<char>(type);
    uint32_t crc = util::crc32c(b.data() + 4, b.size() - 4);
    for (int i = 0; i < 4; ++i)
      b[i] = static_cast<char>(crc >> (8 * i));
    return b;
  };
  for (auto [v, t] : {std::pair<uint8_t, uint8_t>{1, 0}, {1, 5}, {0, 1}, {2, 1}}) {
    auto b = reframe(buf, v, t);
    frame_reader r{b};
    frame f;
    EXPECT_EQ(r.next(f), frame_status::corrupt) << int(v) << "/" << int(t);
  }
}

TEST(wal_format, file_header_is_checked_exactly) {
  std::string h;
  append_file_header(h, file_kind::segment);
  EXPECT_EQ(h, std::string("SKWL\x04\x01\x00\x00", 8));
  uint8_t version = 0;
  EXPECT_TRUE(check_file_header(h, file_kind::segment, &version).ok());
  EXPECT_EQ(version, 4u);
  EXPECT_FALSE(check_file_header(h, file_kind::checkpoint).ok());
  // No single-bit flip of a v4 header is read (04 flips to 05, 06, 00, ...).
  for (size_t bit = 0; bit < h.size() * 8; ++bit) {
    auto b = h;
    b[bit / 8] ^= static_cast<char>(1 << (bit % 8));
    EXPECT_FALSE(check_file_header(b, file_kind::segment).ok()) << bit;
  }
  // In a v3 header, 3 -> 2 or 1: an older version, read with its stricter
  // tail rules.
  auto v3 = h;
  v3[4] = 3;
  for (size_t bit : {32, 33}) {
    auto b = v3;
    b[bit / 8] ^= static_cast<char>(1 << (bit % 8));
    EXPECT_TRUE(check_file_header(b, file_kind::segment, &version).ok()) << bit;
    EXPECT_EQ(version, bit == 32 ? 2u : 1u);
  }
  EXPECT_FALSE(check_file_header(h.substr(0, 7), file_kind::segment).ok());
}

TEST(wal_format, version_1_files_are_read_and_unknown_versions_refused) {
  std::string v1;
  append_file_header(v1, file_kind::segment, 1);
  EXPECT_EQ(v1, std::string("SKWL\x01\x01\x00\x00", 8));
  uint8_t version = 0;
  EXPECT_TRUE(check_file_header(v1, file_kind::segment, &version).ok());
  EXPECT_EQ(version, 1u);
  for (uint8_t v : {uint8_t{2}, uint8_t{3}, uint8_t{4}}) {
    std::string h;
    append_file_header(h, file_kind::segment, v);
    EXPECT_TRUE(check_file_header(h, file_kind::segment, &version).ok()) << int(v);
    EXPECT_EQ(version, v);
  }
  for (uint8_t v : {uint8_t{0}, uint8_t{5}, uint8_t{255}}) {
    std::string h;
    append_file_header(h, file_kind::segment, v);
    auto st = check_file_header(h, file_kind::segment);
    EXPECT_EQ(st.code(), errc::corrupt_record) << int(v);
    EXPECT_EQ(st.message(), "file header: unknown version") << int(v);
  }
}

// -- a whole segment -------------------------------------------------------------

struct built_segment {
  std::string bytes;
  /// End offset of each record.
  std::vector<size_t> ends;
};

built_segment sample_segment(uint8_t version = file_version) {
  built_segment s;
  append_file_header(s.bytes, file_kind::segment, version);
  append_series(s.bytes, 1, 100, "tenant-a", labels_of("api"));
  s.ends.push_back(s.bytes.size());
  auto e1 = make_entries(1000, 3);
  e1[1].metadata = {{"trace_id", "t1"}};
  append_entries(s.bytes, 1, 3, e1.data(), e1.size());
  s.ends.push_back(s.bytes.size());
  append_series(s.bytes, 2, 101, "tenant-b", labels_of("db"));
  s.ends.push_back(s.bytes.size());
  auto e2 = make_entries(2000, 2);
  append_entries(s.bytes, 2, 2, e2.data(), e2.size());
  s.ends.push_back(s.bytes.size());
  auto e3 = make_entries(1003, 1);
  append_entries(s.bytes, 1, 4, e3.data(), e3.size());
  s.ends.push_back(s.bytes.size());
  return s;
}

/// Records yielded by a replay of `bytes` as the only segment, and the stats.
std::pair<size_t, replay_stats> replay_segment(const std::string& bytes) {
  memory_file_system fs;
  fs.put("/wal/00000000", bytes);
  replayer r{fs, "/wal"};
  EXPECT_TRUE(r.open().ok());
  replay_item it;
  size_t n = 0;
  while (r.next(it))
    ++n;
  return {n, r.stats()};
}

TEST(wal_format, sample_segment_replays_completely) {
  auto s = sample_segment();
  auto [n, stats] = replay_segment(s.bytes);
  EXPECT_EQ(n, 5u);
  EXPECT_EQ(stats.segment_corruptions, 0u);
  EXPECT_EQ(stats.entries, 6u);
}

TEST(wal_format, every_single_bit_flip_in_a_segment_is_detected) {
  // A v4 and a v3 segment with a zero tail (as a crash leaves a
  // preallocated one).
  for (uint8_t version : {uint8_t{4}, uint8_t{3}}) {
    auto s = sample_segment(version);
    const auto file = s.bytes + std::string(100, '\0');
    for (size_t bit = 0; bit < file.size() * 8; ++bit) {
      auto b = file;
      size_t byte = bit / 8;
      b[byte] ^= static_cast<char>(1 << (bit % 8));
      // Records ending at or before the flipped byte are intact; the flipped
      // one and everything after it are not replayed. A flip in the zero tail
      // is a torn tail after every record.
      size_t intact = 0;
      while (intact < s.ends.size() && s.ends[intact] <= byte)
        ++intact;
      if (byte < file_header_size)
        intact = 0;
      // Version 3 -> 2 or 1 (the header has no checksum): the records read
      // the same, and the zero tail, not padding in those versions, is torn.
      // (4 -> 5, 6 or 0 is unknown: the whole file is skipped.)
      if (version == 3 && (bit == 32 || bit == 33))
        intact = s.ends.size();
      auto [n, stats] = replay_segment(b);
      ASSERT_EQ(n, intact) << "v" << int(version) << " bit " << bit;
      ASSERT_EQ(stats.segment_corruptions, 1u) << "v" << int(version) << " bit " << bit;
    }
  }
}

TEST(wal_format, every_single_bit_flip_of_a_block_segment_is_detected) {
  std::string seg;
  append_file_header(seg, file_kind::segment);
  std::vector<size_t> ends;
  append_series(seg, 1, 1, "t", labels_of("a"));
  ends.push_back(seg.size());
  auto es = make_entries(100, 8);
  testing::append_chunk_block(seg, 1, es, 1, {{0, 4}, {1, 4}});
  ends.push_back(seg.size());
  testing::append_entries_of(seg, 1, 10, es, 7, 8);
  ends.push_back(seg.size());
  auto [n0, st0] = replay_segment(seg);
  ASSERT_EQ(n0, 3u);
  ASSERT_EQ(st0.blocks, 1u);
  ASSERT_EQ(st0.segment_corruptions, 0u);
  for (size_t bit = file_header_size * 8; bit < seg.size() * 8; ++bit) {
    auto b = seg;
    size_t byte = bit / 8;
    b[byte] ^= static_cast<char>(1 << (bit % 8));
    size_t intact = 0;
    while (intact < ends.size() && ends[intact] <= byte)
      ++intact;
    auto [n, stats] = replay_segment(b);
    ASSERT_EQ(n, intact) << "bit " << bit;
    ASSERT_EQ(stats.segment_corruptions, 1u) << "bit " << bit;
  }
}

TEST(wal_format, truncated_tail_is_ignored_and_counted_at_every_length) {
  auto s = sample_segment();
  for (size_t len = file_header_size; len < s.bytes.size(); ++len) {
    size_t intact = 0;
    while (intact < s.ends.size() && s.ends[intact] <= len)
      ++intact;
    bool boundary =
        len == file_header_size || std::find(s.ends.begin(), s.ends.end(), len) != s.ends.end();
    auto [n, stats] = replay_segment(s.bytes.substr(0, len));
    EXPECT_EQ(n, intact) << len;
    EXPECT_EQ(stats.segment_corruptions, boundary ? 0u : 1u) << len;
  }
}

TEST(wal_format, zero_filled_tail_is_a_torn_tail_before_v3) {
  auto s = sample_segment(2);
  memory_file_system fs;
  fs.put("/wal/00000000", s.bytes + std::string(4096, '\0'));
  auto res = testing::replay_all(fs, "/wal");
  EXPECT_EQ(res.stats.records, 5u);
  ASSERT_EQ(res.corruptions.size(), 1u);
  EXPECT_TRUE(res.corruptions[0].torn);
  EXPECT_EQ(res.corruptions[0].offset, s.bytes.size());
  EXPECT_EQ(res.corruptions[0].reason, "zero-filled tail");
}

/// s padded with zeros to the next pad_block boundary (what a direct I/O
/// segment holds after a crash), plus `extra` more zero bytes.
std::string padded(const std::string& s, size_t extra = 0) {
  return s + std::string(pad_block - s.size() % pad_block + extra, '\0');
}

TEST(wal_format, v2_zero_padding_to_a_block_boundary_is_a_clean_end) {
  auto s = sample_segment(2);
  ASSERT_NE(s.bytes.size() % pad_block, 0u);
  auto [n, stats] = replay_segment(padded(s.bytes));
  EXPECT_EQ(n, 5u);
  EXPECT_EQ(stats.segment_corruptions, 0u);
  EXPECT_EQ(stats.entries, 6u);
  // Cut after any record and padded: a clean end there too.
  for (size_t cut : s.ends) {
    auto [m, st] = replay_segment(padded(s.bytes.substr(0, cut)));
    EXPECT_EQ(st.segment_corruptions, 0u) << cut;
    EXPECT_EQ(
        m, static_cast<size_t>(std::find(s.ends.begin(), s.ends.end(), cut) - s.ends.begin() + 1))
        << cut;
  }
}

TEST(wal_format, padding_rules_are_exact) {
  auto s = sample_segment(2);
  // v1 has no padding: the same zeros are a torn tail.
  auto v1 = sample_segment(1);
  auto [n1, st1] = replay_segment(padded(v1.bytes));
  EXPECT_EQ(n1, 5u);
  EXPECT_EQ(st1.segment_corruptions, 1u);
  // A whole block or more of zeros is not padding: a write went missing.
  auto [n2, st2] = replay_segment(padded(s.bytes, pad_block));
  EXPECT_EQ(n2, 5u);
  EXPECT_EQ(st2.segment_corruptions, 1u);
  // Zeros that do not end on a block boundary are not padding.
  auto cut = padded(s.bytes);
  cut.pop_back();
  auto [n3, st3] = replay_segment(cut);
  EXPECT_EQ(n3, 5u);
  EXPECT_EQ(st3.segment_corruptions, 1u);
  // A non-zero byte anywhere in the padding is corruption.
  auto dirty = padded(s.bytes);
  for (size_t at : {s.bytes.size(), s.bytes.size() + 100, dirty.size() - 1}) {
    auto d = dirty;
    d[at] = 1;
    auto [n4, st4] = replay_segment(d);
    EXPECT_EQ(n4, 5u) << at;
    EXPECT_EQ(st4.segment_corruptions, 1u) << at;
  }
}

TEST(wal_format, all_zero_finds_any_non_zero_byte) {
  for (size_t n : {size_t{0}, size_t{1}, size_t{15}, size_t{16}, size_t{17}, size_t{100},
                   size_t{4096}, size_t{70000}}) {
    std::string z(n, '\0');
    EXPECT_TRUE(all_zero(z.data(), n)) << n;
    for (size_t at : {size_t{0}, n / 2, n - 1}) {
      if (n == 0)
        break;
      auto d = z;
      d[at] = static_cast<char>(0x80);
      EXPECT_FALSE(all_zero(d.data(), n)) << n << " at " << at;
    }
  }
}

TEST(wal_format, v3_zero_tail_of_any_length_is_a_clean_end) {
  // A preallocated segment: the records, then the zeros not yet overwritten.
  auto s = sample_segment(3);
  ASSERT_EQ(static_cast<uint8_t>(s.bytes[4]), 3u);
  std::vector<size_t> cuts{file_header_size};
  cuts.insert(cuts.end(), s.ends.begin(), s.ends.end());
  for (size_t cut : cuts) {
    for (size_t zeros : {size_t{0}, size_t{1}, size_t{9}, size_t{10}, size_t{11}, size_t{4095},
                         size_t{4096}, size_t{3 * 4096 + 5}, size_t{1} << 20}) {
      auto [n, st] = replay_segment(s.bytes.substr(0, cut) + std::string(zeros, '\0'));
      EXPECT_EQ(st.segment_corruptions, 0u) << cut << " + " << zeros;
      EXPECT_EQ(n, static_cast<size_t>(std::count_if(s.ends.begin(), s.ends.end(),
                                                     [&](size_t e) { return e <= cut; })))
          << cut << " + " << zeros;
    }
  }
}

TEST(wal_format, v3_zeros_followed_by_data_are_a_torn_write) {
  // Blocks of a write landed after blocks that did not (a crash during an
  // O_DIRECT write into a preallocated segment): the file ends at the last
  // good record, counted as a torn tail.
  auto s = sample_segment(3);
  for (size_t gap : {size_t{10}, size_t{4096}, size_t{1} << 16}) {
    for (size_t at : {size_t{0}, gap / 2, gap - 1}) {
      auto b = s.bytes + std::string(gap, '\0') + std::string(100, '\0');
      b[s.bytes.size() + at + (at < 10 ? gap : 0)] = 7; // after the zero header
      memory_file_system fs;
      fs.put("/wal/00000000", b);
      auto res = testing::replay_all(fs, "/wal");
      EXPECT_EQ(res.stats.records, 5u) << gap << " " << at;
      ASSERT_EQ(res.corruptions.size(), 1u) << gap << " " << at;
      EXPECT_TRUE(res.corruptions[0].torn);
      EXPECT_EQ(res.corruptions[0].offset, s.bytes.size());
      EXPECT_EQ(res.corruptions[0].reason, "zero bytes before the end of the file");
    }
  }
  // A record whose bytes were zeroed in part is still a checksum failure.
  auto b = s.bytes + std::string(8192, '\0');
  std::fill(b.begin() + static_cast<std::ptrdiff_t>(s.ends[2] + 12),
            b.begin() + static_cast<std::ptrdiff_t>(s.ends[3]), '\0');
  auto [n, st] = replay_segment(b);
  EXPECT_EQ(n, 3u);
  EXPECT_EQ(st.segment_corruptions, 1u);
}

TEST(wal_format, v3_header_and_zeros_only_is_an_empty_segment) {
  // A zero-filled spare renamed to a segment, never written: no records, no
  // corruption.
  std::string f;
  append_file_header(f, file_kind::segment, 3);
  f.resize(1 << 20, '\0');
  auto [n, st] = replay_segment(f);
  EXPECT_EQ(n, 0u);
  EXPECT_EQ(st.segment_corruptions, 0u);
  // The same zeros in a v1 file are a torn tail.
  f[4] = 1;
  auto [n1, st1] = replay_segment(f);
  EXPECT_EQ(n1, 0u);
  EXPECT_EQ(st1.segment_corruptions, 1u);
}

// -- golden files ------------------------------------------------------------------

std::string golden_path(const char* name) {
  return std::string{SKALD_SOURCE_DIR} + "/tests/testdata/wal/" + name;
}

std::string slurp(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void check_golden(const std::string& fresh, const char* name) {
  auto path = golden_path(name);
  if (std::getenv("SKALD_UPDATE_GOLDEN") != nullptr) {
    std::ofstream out{path, std::ios::binary};
    out << fresh;
  }
  auto golden = slurp(path);
  ASSERT_FALSE(golden.empty()) << "missing " << path << " (run with SKALD_UPDATE_GOLDEN=1)";
  EXPECT_EQ(golden, fresh) << "format bytes changed: " << name;
}

TEST(wal_format, golden_segment_v1_matches_a_fresh_encode_and_replays) {
  auto s = sample_segment(1);
  check_golden(s.bytes, "segment_v1.bin");
  memory_file_system fs;
  fs.put("/wal/00000000", slurp(golden_path("segment_v1.bin")));
  auto res = testing::replay_all(fs, "/wal");
  EXPECT_EQ(res.stats.segment_corruptions, 0u);
  ASSERT_EQ(res.streams.size(), 2u);
  EXPECT_EQ(res.streams[1].tenant, "tenant-a");
  EXPECT_EQ(res.streams[1].entries.size(), 4u);
  EXPECT_EQ(res.streams[1].entries[1].metadata, (model::label_set{{"trace_id", "t1"}}));
  EXPECT_EQ(res.streams[1].counter, 4u);
  EXPECT_EQ(res.streams[2].labels, labels_of("db"));
  EXPECT_EQ(res.streams[2].entries, make_entries(2000, 2));
}

TEST(wal_format, golden_segment_v2_with_padding_matches_and_replays) {
  // A v2 segment as a crash leaves it: the records, then zero padding.
  auto s = sample_segment(2);
  check_golden(padded(s.bytes), "segment_v2.bin");
  memory_file_system fs;
  fs.put("/wal/00000000", slurp(golden_path("segment_v2.bin")));
  auto res = testing::replay_all(fs, "/wal");
  EXPECT_EQ(res.stats.segment_corruptions, 0u);
  ASSERT_EQ(res.streams.size(), 2u);
  EXPECT_EQ(res.streams[1].entries.size(), 4u);
  EXPECT_EQ(res.streams[2].entries, make_entries(2000, 2));
}

TEST(wal_format, golden_segment_v3_with_a_zero_tail_matches_and_replays) {
  // A v3 segment as a crash leaves a preallocated one: the records, then
  // zeros for more than a block (12 KiB in all).
  auto s = sample_segment(3);
  ASSERT_LT(s.bytes.size(), 4096u);
  auto bytes = s.bytes + std::string(3 * 4096 - s.bytes.size(), '\0');
  check_golden(bytes, "segment_v3.bin");
  memory_file_system fs;
  fs.put("/wal/00000000", slurp(golden_path("segment_v3.bin")));
  auto res = testing::replay_all(fs, "/wal");
  EXPECT_EQ(res.stats.segment_corruptions, 0u);
  ASSERT_EQ(res.streams.size(), 2u);
  EXPECT_EQ(res.streams[1].entries.size(), 4u);
  EXPECT_EQ(res.streams[1].counter, 4u);
  EXPECT_EQ(res.streams[2].entries, make_entries(2000, 2));
}

TEST(wal_format, golden_segment_v4_with_a_block_record_matches_and_replays) {
  // v4: block records (§4.4). Stream 1's entries 5..7 only in a block.
  auto s = sample_segment(4);
  std::vector<model::entry> es = make_entries(1004, 3);
  testing::append_chunk_block(s.bytes, 1, es, 5, {{0, 3}});
  auto bytes = s.bytes + std::string(4096 - s.bytes.size() % 4096, '\0');
  check_golden(bytes, "segment_v4.bin");
  memory_file_system fs;
  fs.put("/wal/00000000", slurp(golden_path("segment_v4.bin")));
  auto res = testing::replay_all(fs, "/wal");
  EXPECT_EQ(res.stats.segment_corruptions, 0u);
  EXPECT_EQ(res.stats.blocks, 1u);
  // The same bytes behind a v3 header: the block is a corruption there.
  auto v3 = bytes;
  v3[4] = 3;
  memory_file_system fs3;
  fs3.put("/wal/00000000", v3);
  auto res3 = testing::replay_all(fs3, "/wal");
  EXPECT_EQ(res3.stats.segment_corruptions, 1u);
  EXPECT_EQ(res3.stats.blocks, 0u);
}

TEST(wal_format, golden_checkpoint_v1_matches_a_fresh_encode_and_replays) {
  chunkenc::mem_chunk chunk{chunkenc::encoding::snappy, 1024, 4096};
  auto es = make_entries(5000, 20);
  for (auto& e : es)
    (void)chunk.append(model::entry_view{e.ts, e.line, nullptr});
  auto bytes = chunk.encode();
  ASSERT_TRUE(bytes.ok());
  std::string cp;
  append_file_header(cp, file_kind::checkpoint, 1);
  series_snapshot s;
  s.fingerprint = 11;
  s.epoch = 5;
  s.entry_ct = 20;
  s.highest_ts = es.back().ts;
  s.last_line = es.back().line;
  s.tenant = "tenant-a";
  s.labels = labels_of("api");
  s.chunks = {{chunk_open, *bytes}};
  append_checkpoint_series(cp, s);
  check_golden(cp, "checkpoint_v1.bin");
  memory_file_system fs;
  fs.put("/wal/checkpoint.00000003/00000000", slurp(golden_path("checkpoint_v1.bin")));
  auto res = testing::replay_all(fs, "/wal");
  EXPECT_EQ(res.stats.checkpoint_corruptions, 0u);
  ASSERT_EQ(res.streams.size(), 1u);
  EXPECT_EQ(res.streams[11].entries, es);
  EXPECT_EQ(res.streams[11].counter, 20u);
}

} // namespace
} // namespace skald::wal
