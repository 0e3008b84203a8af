// The encoded chunk format (docs/chunk-format.md): layout, every checksum,
// truncation and the golden files. Loki: TestCorruptChunk, TestReadFormatV1.
#include "runtime/chunkenc/format.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>

#include "chunk_test_util.hpp"
#include "runtime/chunkenc/buffer.hpp"
#include "runtime/chunkenc/mem_chunk.hpp"
#include "runtime/util/crc32c.hpp"

namespace skald::chunkenc {
namespace {

using namespace testing;

/// A small chunk with 3 blocks (one with structured metadata), closed.
mem_chunk golden_chunk(encoding enc) {
  mem_chunk c{enc, 150, 0};
  model::label_set md{{"trace_id", "0af7651916cd43dd"}};
  for (int i = 0; i < 12; ++i) {
    std::string line = "level=info msg=\"golden line " + std::to_string(i) + "\"";
    model::entry_view v{1'700'000'000'000'000'000 + i * 1000, line, i == 5 ? &md : nullptr};
    EXPECT_EQ(c.append(v), append_result::appended);
  }
  EXPECT_TRUE(c.close().ok());
  return c;
}

std::string encoded(encoding enc) {
  auto bytes = golden_chunk(enc).encode();
  EXPECT_TRUE(bytes.ok());
  return *bytes;
}

TEST(chunk_format, header_and_footer_follow_the_documented_layout) {
  auto bytes = encoded(encoding::snappy);
  ASSERT_GE(bytes.size(), 29u);
  EXPECT_EQ(bytes.substr(0, 4), "SKCH");
  EXPECT_EQ(bytes[4], 1);                                       // version
  EXPECT_EQ(bytes[5], static_cast<char>(encoding::snappy));     // encoding
  EXPECT_EQ(bytes[6], 0);                                       // flags
  EXPECT_EQ(bytes[7], 0);                                       // reserved
  auto metas_offset = load_be64(bytes.data() + bytes.size() - 16);
  auto metas_len = load_be64(bytes.data() + bytes.size() - 8);
  EXPECT_EQ(metas_offset + metas_len + 4 + 16, bytes.size());
  auto crc = util::crc32c(bytes.data(), 8);
  crc = util::crc32c_extend(crc, bytes.data() + metas_offset, metas_len);
  EXPECT_EQ(crc, load_be32(bytes.data() + metas_offset + metas_len));
  auto d = mem_chunk::decode(bytes);
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d->blocks().size(), 3u);
  uint64_t expect = 8;
  for (const auto& b : d->blocks()) {
    EXPECT_EQ(b.meta.offset, expect);
    EXPECT_EQ(util::crc32c(bytes.data() + expect, b.meta.compressed_size),
              load_be32(bytes.data() + expect + b.meta.compressed_size));
    expect += b.meta.compressed_size + 4;
  }
  EXPECT_EQ(expect, metas_offset);
}

// Loki TestCorruptChunk: every single-byte change anywhere is detected,
// whether it lands in the header, a block, a block CRC, the metadata, the
// metadata CRC or the footer.
class corruption : public ::testing::TestWithParam<encoding> {};

TEST_P(corruption, every_flipped_byte_is_detected) {
  auto bytes = encoded(GetParam());
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (uint8_t mask : {0x01, 0x80, 0xFF}) {
      auto bad = bytes;
      bad[i] = static_cast<char>(bad[i] ^ mask);
      auto d = mem_chunk::decode(bad);
      ASSERT_FALSE(d.ok()) << "byte " << i << " mask " << int{mask};
      EXPECT_EQ(d.error().code(), errc::corrupt_record) << i;
    }
  }
}

TEST_P(corruption, every_truncation_is_detected) {
  auto bytes = encoded(GetParam());
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto d = mem_chunk::decode(std::string_view{bytes}.substr(0, n));
    ASSERT_FALSE(d.ok()) << n;
    EXPECT_EQ(d.error().code(), errc::corrupt_record) << n;
  }
  // Extra bytes at the end move the footer: also rejected.
  auto d = mem_chunk::decode(bytes + '\0');
  EXPECT_FALSE(d.ok());
}

INSTANTIATE_TEST_SUITE_P(all, corruption, ::testing::ValuesIn(all_encodings),
                         [](const auto& info) { return std::string{to_string(info.param)}; });

TEST(chunk_format, errors_name_the_broken_part) {
  auto bytes = encoded(encoding::gzip);
  auto bad_magic = bytes;
  bad_magic[0] = 'X';
  auto d = mem_chunk::decode(bad_magic);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message().find("invalid magic number 584b4348"), std::string::npos)
    << d.error().message();

  auto v0 = bytes;
  v0[4] = 0;
  d = mem_chunk::decode(v0);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message().find("unsupported format version 0"), std::string::npos);

  auto v2 = bytes;
  v2[4] = 2;
  d = mem_chunk::decode(v2);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message().find("unsupported format version 2"), std::string::npos);

  auto bad_block = bytes;
  bad_block[10] ^= 0x10; // inside block 0
  d = mem_chunk::decode(bad_block);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message().find("block 0: invalid block checksum"), std::string::npos)
    << d.error().message();

  auto bad_meta = bytes;
  auto metas_offset = load_be64(bytes.data() + bytes.size() - 16);
  bad_meta[metas_offset + 1] ^= 0x01;
  d = mem_chunk::decode(bad_meta);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message().find("invalid metadata checksum"), std::string::npos);
}

// A valid checksum over a payload that does not decode (a writer bug, not
// bit rot) is reported by the iterator, not by a crash.
TEST(chunk_format, inconsistent_payload_with_valid_crcs_fails_iteration) {
  mem_chunk c{encoding::none, 1 << 20, 0};
  ASSERT_EQ(c.append({10, "abc", nullptr}), append_result::appended);
  ASSERT_EQ(c.append({20, "def", nullptr}), append_result::appended);
  ASSERT_TRUE(c.close().ok());
  auto bytes = *c.encode();
  // Payload (none): [varint 10][3]abc[0] [varint 10][3]def[0]; set the second
  // line length to 9, then fix the block CRC.
  ASSERT_EQ(bytes[8 + 7], 3);
  bytes[8 + 7] = 9;
  auto block_len = c.blocks()[0].meta.compressed_size;
  auto crc = util::crc32c(bytes.data() + 8, block_len);
  for (int i = 0; i < 4; ++i)
    bytes[8 + block_len + i] = static_cast<char>(crc >> (24 - 8 * i));
  auto d = mem_chunk::decode(bytes);
  ASSERT_TRUE(d.ok()) << d.error().to_string();
  auto it = d->iterate(min_time, max_time, direction::forward);
  while (it.next()) {
  }
  EXPECT_EQ(it.error().code(), errc::corrupt_record);
  EXPECT_FALSE(d->count(0, 15).ok());
}

void store_be32(std::string& s, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    s[at + i] = static_cast<char>(v >> (24 - 8 * i));
}

/// Recomputes the metadata CRC and every block CRC (trusting the footer and
/// the block metadata as far as they parse), so mutations reach the parsers
/// behind the checksums.
void fix_crcs(std::string& s) {
  if (s.size() < 29)
    return;
  auto metas_offset = load_be64(s.data() + s.size() - 16);
  auto metas_len = load_be64(s.data() + s.size() - 8);
  if (metas_offset + metas_len + 20 != s.size())
    return;
  const char* p = s.data() + metas_offset;
  const char* end = p + metas_len;
  uint64_t n;
  if (get_uvarint(p, end, n)) {
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t entries, offset, raw, len;
      int64_t lo, hi;
      if (!get_uvarint(p, end, entries) || !get_varint(p, end, lo) || !get_varint(p, end, hi)
          || !get_uvarint(p, end, offset) || !get_uvarint(p, end, raw)
          || !get_uvarint(p, end, len))
        break;
      if (offset + len + 4 > metas_offset)
        break;
      store_be32(s, offset + len, util::crc32c(s.data() + offset, len));
    }
  }
  auto crc = util::crc32c(s.data(), 8);
  crc = util::crc32c_extend(crc, s.data() + metas_offset, metas_len);
  store_be32(s, metas_offset + metas_len, crc);
}

// Random byte changes with checksums repaired: decode and iteration either
// succeed or fail with corrupt_record, never crash or read out of bounds
// (run under ASan/UBSan with -DSKALD_SANITIZE=ON).
TEST(chunk_format, mutations_behind_valid_checksums_fail_cleanly) {
  std::mt19937 rng{31337};
  for (auto enc : {encoding::none, encoding::snappy, encoding::lz4}) {
    auto original = encoded(enc);
    int decoded_ok = 0;
    for (int round = 0; round < 1500; ++round) {
      auto bytes = original;
      int changes = 1 + static_cast<int>(rng() % 3);
      for (int k = 0; k < changes; ++k) {
        auto at = rng() % (bytes.size() - 20 - 4); // header, blocks, metas
        bytes[at] = static_cast<char>(rng());
      }
      fix_crcs(bytes);
      auto d = mem_chunk::decode(bytes);
      if (!d.ok()) {
        ASSERT_EQ(d.error().code(), errc::corrupt_record) << d.error().to_string();
        continue;
      }
      ++decoded_ok;
      for (auto dir : {direction::forward, direction::backward}) {
        auto it = d->iterate(min_time, max_time, dir);
        size_t n = 0;
        while (it.next())
          n += it.at().line.size() + (it.at().metadata ? it.at().metadata->size() : 0);
        if (!it.error().ok()) {
          ASSERT_EQ(it.error().code(), errc::corrupt_record);
        }
      }
      auto cnt = d->count(0, max_time);
      if (!cnt.ok()) {
        ASSERT_EQ(cnt.error().code(), errc::corrupt_record);
      }
    }
    EXPECT_GT(decoded_ok, 0) << to_string(enc); // the parsers behind the CRCs were reached
  }
}

// Golden files (G11): written once by format v1, checked in. If this test
// fails, the format changed: bump format_v1::version instead of editing
// the files. Regenerate (only for a new version) with SKALD_UPDATE_GOLDEN=1.
std::string golden_path(const char* name) {
  return std::string{SKALD_SOURCE_DIR} + "/tests/testdata/chunkenc/" + name;
}

std::string slurp(const std::string& path) {
  std::ifstream in{path, std::ios::binary};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void check_golden(encoding enc, const char* name) {
  auto path = golden_path(name);
  if (std::getenv("SKALD_UPDATE_GOLDEN") != nullptr) {
    std::ofstream out{path, std::ios::binary};
    out << encoded(enc);
  }
  auto bytes = slurp(path);
  ASSERT_FALSE(bytes.empty()) << "missing " << path;
  auto d = mem_chunk::decode(bytes);
  ASSERT_TRUE(d.ok()) << d.error().to_string();
  EXPECT_EQ(d->enc(), enc);
  EXPECT_EQ(read(*d), read(golden_chunk(enc)));
  ASSERT_EQ(d->blocks().size(), 3u);
  EXPECT_EQ(d->entries(), 12u);
  EXPECT_EQ(d->bounds().min_ts, 1'700'000'000'000'000'000);
  EXPECT_EQ(d->bounds().max_ts, 1'700'000'000'000'011'000);
  auto again = d->encode();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, bytes); // decode → encode is the identity
}

TEST(chunk_format, golden_v1_none_decodes_and_matches_a_fresh_encode) {
  check_golden(encoding::none, "v1_none.chunk");
  // No codec involved: the writer must still produce these exact bytes.
  EXPECT_EQ(encoded(encoding::none), slurp(golden_path("v1_none.chunk")));
}

TEST(chunk_format, golden_v1_snappy_decodes) {
  check_golden(encoding::snappy, "v1_snappy.chunk");
}

TEST(chunk_format, golden_v1_gzip_decodes) {
  check_golden(encoding::gzip, "v1_gzip.chunk");
}

} // namespace
} // namespace skald::chunkenc
