// chunk_key: Loki's TestParseExternalKey and TestFSEncoder vectors, round
// trips, and the escaping of keys into file names.
#include "runtime/storage/chunk_key.hpp"

#include <gtest/gtest.h>

#include <random>

namespace skald::storage {
namespace {

TEST(chunk_key, parses_lokis_external_key_vector) {
  auto id = parse_external_key("userID/2/270d8f00:270d8f00:f84c5745");
  ASSERT_TRUE(id.ok()) << id.error().to_string();
  EXPECT_EQ(id->tenant, "userID");
  EXPECT_EQ(id->fingerprint, 2u);
  EXPECT_EQ(id->from_ms, 655200000);
  EXPECT_EQ(id->through_ms, 655200000);
  EXPECT_EQ(id->checksum, 4165752645u);
  EXPECT_EQ(external_key(*id), "userID/2/270d8f00:270d8f00:f84c5745");
}

TEST(chunk_key, parses_the_pre_v12_form) {
  auto id = parse_external_key("userID/2:270d8f00:270d8f00:f84c5745");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->fingerprint, 2u);
  EXPECT_EQ(id->checksum, 4165752645u);
  EXPECT_EQ(external_key(*id, key_schema::v11), "userID/2:270d8f00:270d8f00:f84c5745");
}

TEST(chunk_key, file_names_match_lokis_fs_encoder) {
  chunk_id v12{"fake", 456, 0x17e1815f800, 0x17e1d3c5400, 123};
  EXPECT_EQ(fs_key(v12), "fake/1c8/MTdlMTgxNWY4MDA6MTdlMWQzYzU0MDA6N2I=");
  chunk_id v11{"fake", 456, 0x16f638d4400, 0x16f68b3a000, 123};
  EXPECT_EQ(fs_key(v11, key_schema::v11), "ZmFrZS8xYzg6MTZmNjM4ZDQ0MDA6MTZmNjhiM2EwMDA6N2I=");
}

TEST(chunk_key, escaped_file_name_never_contains_a_separator) {
  std::mt19937_64 rng{1};
  for (int i = 0; i < 2000; ++i) {
    chunk_id id{"t", rng(), static_cast<int64_t>(rng()), static_cast<int64_t>(rng()),
                static_cast<uint32_t>(rng())};
    auto k = fs_key(id);
    auto last = k.substr(k.rfind('/') + 1);
    EXPECT_EQ(last.find(':'), std::string::npos);
    auto dec = base64_decode(last);
    ASSERT_TRUE(dec.ok());
    auto back = parse_external_key("t/" + std::to_string(0) + "/" + *dec);
    ASSERT_TRUE(back.ok()) << *dec;
    EXPECT_EQ(back->from_ms, id.from_ms);
    EXPECT_EQ(back->through_ms, id.through_ms);
    EXPECT_EQ(back->checksum, id.checksum);
    auto v11 = fs_key(id, key_schema::v11);
    EXPECT_EQ(v11.find('/'), std::string::npos) << v11;
  }
}

TEST(chunk_key, round_trips_extreme_values_both_forms) {
  for (auto schema : {key_schema::v11, key_schema::v12}) {
    for (int64_t t : {INT64_MIN, int64_t{-1}, int64_t{0}, int64_t{1}, INT64_MAX}) {
      chunk_id id{"tenant-1", UINT64_MAX, t, t, UINT32_MAX};
      auto back = parse_external_key(external_key(id, schema));
      ASSERT_TRUE(back.ok()) << external_key(id, schema);
      EXPECT_EQ(*back, id);
    }
  }
  EXPECT_EQ(external_key({"t", 0, -1, 0x10, 0}), "t/0/-1:10:0");
}

TEST(chunk_key, rejects_malformed_keys) {
  for (const char* k : {"", "nokey", "/2/1:2:3", "t/2/1:2", "t/2/1:2:3:4", "t/zz/1:2:3",
                        "t/2/1:2:100000000", "t/2/1:G:3", "t/2/:1:2", "t/2/1:2:3x",
                        "t/11111111111111111/1:2:3", "t/2/-8000000000000001:1:2"})
    EXPECT_EQ(parse_external_key(k).error().code(), errc::invalid_argument) << k;
}

TEST(chunk_key, tenants_that_are_not_directory_names_are_rejected) {
  EXPECT_TRUE(valid_tenant("fake").ok());
  EXPECT_TRUE(valid_tenant("team-a_b.c!*'()").ok());
  for (const std::string& t : {std::string{}, std::string{"."}, std::string{".."},
                               std::string{"a/b"}, std::string{"a\0b", 3}, std::string(151, 'x')})
    EXPECT_EQ(valid_tenant(t).code(), errc::invalid_argument);
}

TEST(chunk_key, bounds_round_outward_to_milliseconds) {
  EXPECT_EQ(floor_ms(1'999'999), 1);
  EXPECT_EQ(ceil_ms(1'000'001), 2);
  EXPECT_EQ(ceil_ms(2'000'000), 2);
  EXPECT_EQ(floor_ms(-1), -1);
  EXPECT_EQ(ceil_ms(-1), 0);
  EXPECT_EQ(floor_ms(-1'000'000), -1);
}

TEST(chunk_key, base64_round_trips_and_rejects_garbage) {
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"})
    EXPECT_EQ(*base64_decode(base64_encode(s)), s);
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_FALSE(base64_decode("Zm9").ok());
  EXPECT_FALSE(base64_decode("Zm=v").ok());
  EXPECT_FALSE(base64_decode("Z*9v").ok());
}

} // namespace
} // namespace skald::storage
