// index_format: log records and segments round-trip, every checksum and
// structural check fires, a torn log tail is ignored, and golden files
// (G11) pin format v1.
#include "runtime/storage/index_format.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "runtime/storage/chunk_store.hpp"
#include "runtime/util/crc32c.hpp"
#include "storage_test_util.hpp"

namespace skald::storage {
namespace {

using testing::labels_of;

std::vector<series_chunks> sample_batch() {
  return {
      {labels_of({{"app", "api"}, {"env", "prod"}}),
       0x1111,
       {chunk_ref{1'700'000'000'000, 1'700'000'060'000, 0xdeadbeef, 4096, 120, 30000},
        chunk_ref{1'700'000'060'001, 1'700'000'120'000, 0x01020304, 5000, 99, 24000}}},
      {labels_of({{"app", "web"}}), 0x2222, {chunk_ref{-5, 3, 7, 1, 1, 20}}},
  };
}

series_index sample_index() {
  series_index idx;
  for (auto& s : sample_batch())
    idx.apply(s);
  idx.apply({labels_of({{"app", "api"}, {"env", "dev"}, {"team", "a"}}),
             0x3333,
             {chunk_ref{10, 20, 30, 40, 50}}});
  return idx;
}

void expect_same(const series_index& a, const series_index& b) {
  // Compare by labels: ids may differ (segments sort series).
  auto key = [](const series_index& x) {
    std::map<model::label_set, std::pair<uint64_t, std::vector<chunk_ref>>> m;
    for (auto& e : x.entries())
      m[e.labels] = {e.fingerprint, e.chunks};
    return m;
  };
  EXPECT_EQ(key(a), key(b));
  EXPECT_EQ(a.chunk_count(), b.chunk_count());
}

TEST(index_format, log_record_round_trip) {
  auto batch = sample_batch();
  auto bytes = encode_log_record(batch) + encode_log_record({batch[1]});
  auto log = decode_log(bytes);
  EXPECT_FALSE(log.torn);
  EXPECT_EQ(log.valid_bytes, bytes.size());
  ASSERT_EQ(log.records.size(), 2u);
  ASSERT_EQ(log.records[0].size(), 2u);
  EXPECT_EQ(log.records[0][0].labels, batch[0].labels);
  EXPECT_EQ(log.records[0][0].chunks, batch[0].chunks);
  EXPECT_EQ(log.records[1][0].fingerprint, 0x2222u);
}

TEST(index_format, torn_log_tail_is_ignored_at_every_cut) {
  auto one = encode_log_record(sample_batch());
  auto two = one + encode_log_record({sample_batch()[1]});
  for (size_t cut = one.size() + 1; cut < two.size(); ++cut) {
    auto log = decode_log(std::string_view{two}.substr(0, cut));
    EXPECT_TRUE(log.torn);
    EXPECT_EQ(log.records.size(), 1u) << cut;
    EXPECT_EQ(log.valid_bytes, one.size());
  }
}

TEST(index_format, log_record_checksum_mismatch_stops_replay) {
  auto bytes = encode_log_record(sample_batch()) + encode_log_record(sample_batch());
  for (size_t i : {size_t{0}, size_t{5}, size_t{9}, size_t{30}}) {
    auto bad = bytes;
    bad[i] ^= 0x40;
    auto log = decode_log(bad);
    EXPECT_TRUE(log.torn) << i;
    EXPECT_EQ(log.records.size(), 0u) << i;
  }
}

TEST(index_format, segment_round_trip_and_log_seq) {
  auto idx = sample_index();
  auto bytes = encode_segment(idx, 42);
  auto seg = decode_segment(bytes);
  ASSERT_TRUE(seg.ok()) << seg.error().to_string();
  EXPECT_EQ(seg->log_seq, 42u);
  series_index back;
  ASSERT_TRUE(back.restore(std::move(seg->series), std::move(seg->postings)).ok());
  expect_same(idx, back);
  // Postings from the file answer lookups like rebuilt ones.
  auto api = make_matcher("app", match_type::eq, "api").value();
  EXPECT_EQ(back.select({api}).size(), 2u);
  // Re-encoding the decoded index gives the same bytes (deterministic).
  EXPECT_EQ(encode_segment(back, 42), bytes);
}

TEST(index_format, every_segment_byte_is_covered_by_the_checksum) {
  auto bytes = encode_segment(sample_index(), 1);
  for (size_t i = 0; i < bytes.size(); ++i) {
    auto bad = bytes;
    bad[i] ^= 0x01;
    auto seg = decode_segment(bad);
    ASSERT_FALSE(seg.ok()) << i;
    EXPECT_EQ(seg.error().code(), errc::corrupt_record);
  }
  EXPECT_FALSE(decode_segment(bytes.substr(0, bytes.size() - 1)).ok());
  EXPECT_FALSE(decode_segment("").ok());
}

TEST(index_format, structural_checks_behind_a_valid_checksum) {
  auto bytes = encode_segment(sample_index(), 1);
  auto with_crc = [](std::string b) {
    auto n = b.size() - 4;
    uint32_t c = util::crc32c(b.data(), n);
    b[n] = char(c >> 24), b[n + 1] = char(c >> 16), b[n + 2] = char(c >> 8), b[n + 3] = char(c);
    return b;
  };
  auto reserved = bytes;
  reserved[5] = 1;
  EXPECT_EQ(decode_segment(with_crc(reserved)).error().code(), errc::corrupt_record);
  auto version = bytes;
  version[4] = 3;
  EXPECT_EQ(decode_segment(with_crc(version)).error().code(), errc::corrupt_record);
  auto offsets = bytes;
  offsets[bytes.size() - 28 + 7] ^= 0x10; // symbols offset
  EXPECT_EQ(decode_segment(with_crc(offsets)).error().code(), errc::corrupt_record);
  // Random mutations with a repaired CRC never crash and fail cleanly or
  // decode to something restore() accepts or rejects.
  std::mt19937_64 rng{3};
  for (int i = 0; i < 3000; ++i) {
    auto b = bytes;
    b[16 + rng() % (b.size() - 16 - 28)] = char(rng());
    auto seg = decode_segment(with_crc(b));
    if (seg.ok()) {
      series_index idx;
      status_ignored(idx.restore(std::move(seg->series), std::move(seg->postings)), "fuzz");
    }
  }
}

// -- golden files (G11) ------------------------------------------------------
// Written once per format version and checked in. If a check fails, the
// format changed: bump the version instead of editing the files. Regenerate
// (only for a new version) with SKALD_UPDATE_GOLDEN=1. Files of older
// versions stay and must still decode.

std::string golden_path(const char* name) {
  return std::string{SKALD_SOURCE_DIR} + "/tests/testdata/storage/" + name;
}

std::string read_golden(const char* name) {
  std::ifstream in{golden_path(name), std::ios::binary};
  std::stringstream ss;
  ss << in.rdbuf();
  auto bytes = ss.str();
  EXPECT_FALSE(bytes.empty()) << "missing " << golden_path(name);
  return bytes;
}

std::string check_golden(const char* name, const std::string& fresh) {
  auto path = golden_path(name);
  if (std::getenv("SKALD_UPDATE_GOLDEN") != nullptr) {
    std::ofstream out{path, std::ios::binary};
    out << fresh;
  }
  auto bytes = read_golden(name);
  EXPECT_EQ(bytes, fresh) << name << " no longer encodes byte for byte";
  return bytes;
}

/// The refs of the series labelled like sample_batch()[0] in a segment.
std::vector<chunk_ref> prod_refs(const decoded_segment& seg) {
  for (const auto& e : seg.series)
    if (e.labels == sample_batch()[0].labels)
      return e.chunks;
  return {};
}

/// The sample's refs as format v1 stored them (no uncompressed size).
std::vector<chunk_ref> without_uncompressed(std::vector<chunk_ref> refs) {
  for (auto& r : refs)
    r.uncompressed = 0;
  return refs;
}

TEST(index_format, golden_v2_segment) {
  auto bytes = check_golden("index_v2.idx", encode_segment(sample_index(), 7));
  auto seg = decode_segment(bytes);
  ASSERT_TRUE(seg.ok());
  EXPECT_EQ(seg->log_seq, 7u);
  ASSERT_EQ(seg->series.size(), 3u);
  EXPECT_EQ(prod_refs(*seg), sample_batch()[0].chunks);
}

TEST(index_format, golden_v2_log) {
  auto bytes = check_golden("index_v2.wal", encode_log_record(sample_batch()));
  auto log = decode_log(bytes);
  EXPECT_FALSE(log.torn);
  ASSERT_EQ(log.records.size(), 1u);
  EXPECT_EQ(log.records[0][0].chunks, sample_batch()[0].chunks);
}

TEST(index_format, v1_files_still_decode_with_unknown_uncompressed_sizes) {
  auto seg = decode_segment(read_golden("index_v1.idx"));
  ASSERT_TRUE(seg.ok()) << seg.error().to_string();
  EXPECT_EQ(seg->log_seq, 7u);
  ASSERT_EQ(seg->series.size(), 3u);
  EXPECT_EQ(prod_refs(*seg), without_uncompressed(sample_batch()[0].chunks));
  auto log = decode_log(read_golden("index_v1.wal"));
  EXPECT_FALSE(log.torn);
  ASSERT_EQ(log.records.size(), 1u);
  EXPECT_EQ(log.records[0][0].chunks, without_uncompressed(sample_batch()[0].chunks));
}

TEST(index_format, golden_v1_chunk_object) {
  chunk_object_header h{"fake",
                        456,
                        1'700'000'000'000,
                        1'700'000'060'000,
                        3,
                        labels_of({{"app", "api"}, {"env", "prod"}})};
  auto bytes = check_golden("chunk_object_v1.bin", encode_chunk_object(h, "chunk-bytes"));
  auto dec = decode_chunk_object(bytes);
  ASSERT_TRUE(dec.ok());
  EXPECT_EQ(dec->chunk_bytes, "chunk-bytes");
  EXPECT_EQ(util::crc32c(bytes), util::crc32c(encode_chunk_object(h, "chunk-bytes")));
}

} // namespace
} // namespace skald::storage
