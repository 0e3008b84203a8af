// chunk_store: put/get round trip, replica dedupe, checksum and metadata
// verification, atomic writes under injected failures.
#include "runtime/storage/chunk_store.hpp"

#include <gtest/gtest.h>

#include "runtime/chunkenc/mem_chunk.hpp"
#include "storage_test_util.hpp"

namespace skald::storage {
namespace {

using testing::chunk_bytes;
using testing::labels_of;

constexpr int64_t t0 = 1'700'000'000'000'000'000;

class chunk_store_test : public ::testing::Test {
protected:
  void SetUp() override { ASSERT_TRUE(mem_.create_dirs("/data/chunks").ok()); }
  memory_fs mem_;
  model::label_set labels_ = labels_of({{"app", "api"}, {"env", "prod"}});
};

TEST_F(chunk_store_test, put_then_get_returns_the_chunk) {
  chunk_store store{mem_, "/data/chunks"};
  auto bytes = chunk_bytes(100, t0 + 123);
  auto put = store.put("t1", 0xabc, labels_, t0 + 123, t0 + 99'000'123, 100, bytes);
  ASSERT_TRUE(put.ok()) << put.error().to_string();
  EXPECT_FALSE(put->deduped);
  EXPECT_EQ(put->ref.from_ms, t0 / 1'000'000);
  EXPECT_EQ(put->ref.through_ms, t0 / 1'000'000 + 100);
  EXPECT_EQ(put->ref.entries, 100u);
  auto got = store.get("t1", 0xabc, put->ref);
  ASSERT_TRUE(got.ok()) << got.error().to_string();
  EXPECT_EQ(got->chunk_bytes, bytes);
  EXPECT_EQ(got->header.labels, labels_);
  EXPECT_EQ(got->header.tenant, "t1");
  auto chunk = chunkenc::mem_chunk::decode(got->chunk_bytes);
  ASSERT_TRUE(chunk.ok());
  EXPECT_EQ(chunk->entries(), 100u);
  // The file sits at Loki's FSEncoder path; nothing else (no temp files).
  auto path = store.path_of(id_of("t1", 0xabc, put->ref));
  EXPECT_EQ(path, "/data/chunks/" + fs_key(id_of("t1", 0xabc, put->ref)));
  EXPECT_EQ(mem_.files(), std::vector<std::string>{path});
  auto raw = mem_.read_file(path);
  EXPECT_EQ(raw->size(), put->ref.size);
}

TEST_F(chunk_store_test, identical_chunks_from_replicas_share_one_object) {
  chunk_store a{mem_, "/data/chunks"};
  chunk_store b{mem_, "/data/chunks"};
  auto bytes = chunk_bytes(10, t0);
  auto p1 = a.put("t1", 7, labels_, t0, t0 + 9'000'000, 10, bytes);
  auto p2 = b.put("t1", 7, labels_, t0, t0 + 9'000'000, 10, bytes);
  ASSERT_TRUE(p1.ok() && p2.ok());
  EXPECT_FALSE(p1->deduped);
  EXPECT_TRUE(p2->deduped);
  EXPECT_EQ(p1->ref, p2->ref);
  EXPECT_EQ(mem_.files().size(), 1u);
  // Different bytes, different key.
  auto p3 = a.put("t1", 7, labels_, t0, t0 + 9'000'000, 10, chunk_bytes(10, t0, "other"));
  ASSERT_TRUE(p3.ok());
  EXPECT_NE(p3->ref.checksum, p1->ref.checksum);
  EXPECT_EQ(mem_.files().size(), 2u);
}

TEST_F(chunk_store_test, flipped_byte_is_a_checksum_mismatch) {
  chunk_store store{mem_, "/data/chunks"};
  auto put = store.put("t1", 1, labels_, t0, t0, 1, chunk_bytes(1, t0));
  ASSERT_TRUE(put.ok());
  auto path = store.path_of(id_of("t1", 1, put->ref));
  std::string raw = *mem_.read_file(path);
  for (size_t i : {size_t{0}, size_t{20}, raw.size() / 2, raw.size() - 1}) {
    std::string bad = raw;
    bad[i] ^= 0x01;
    mem_.put(path, bad);
    auto got = store.get("t1", 1, put->ref);
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.error().code(), errc::corrupt_record);
    EXPECT_NE(got.error().message().find("invalid chunk checksum"), std::string::npos);
  }
  mem_.put(path, raw.substr(0, raw.size() - 1)); // truncated
  EXPECT_EQ(store.get("t1", 1, put->ref).error().code(), errc::corrupt_record);
}

TEST_F(chunk_store_test, object_under_the_wrong_key_is_wrong_metadata) {
  chunk_store store{mem_, "/data/chunks"};
  auto put = store.put("t1", 1, labels_, t0, t0, 1, chunk_bytes(1, t0));
  ASSERT_TRUE(put.ok());
  // The same (valid, checksummed) object placed under another series' key.
  auto raw = *mem_.read_file(store.path_of(id_of("t1", 1, put->ref)));
  auto other = store.path_of(id_of("t1", 2, put->ref));
  ASSERT_TRUE(mem_.create_dirs(std::string{parent_path(other)}).ok());
  mem_.put(other, raw);
  auto got = store.get("t1", 2, put->ref);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code(), errc::corrupt_record);
  EXPECT_NE(got.error().message().find("wrong chunk metadata"), std::string::npos);
}

TEST_F(chunk_store_test, missing_chunk_is_not_found) {
  chunk_store store{mem_, "/data/chunks"};
  chunk_ref ref{1, 2, 3, 4, 5};
  EXPECT_EQ(store.get("t1", 1, ref).error().code(), errc::not_found);
  EXPECT_FALSE(*store.contains("t1", 1, ref));
}

TEST_F(chunk_store_test, unusable_tenant_is_rejected) {
  chunk_store store{mem_, "/data/chunks"};
  EXPECT_EQ(store.put("../x", 1, labels_, t0, t0, 1, "x").error().code(), errc::invalid_argument);
  EXPECT_EQ(store.put("t", 1, labels_, t0, t0 - 1, 1, "x").error().code(), errc::invalid_argument);
}

TEST_F(chunk_store_test, failed_put_leaves_nothing_visible_and_retry_succeeds) {
  auto bytes = chunk_bytes(5, t0);
  // The object is deterministic: learn its final path and content once.
  memory_fs clean;
  ASSERT_TRUE(clean.create_dirs("/c").ok());
  chunk_store ref_store{clean, "/c"};
  auto expected = ref_store.put("t1", 9, labels_, t0, t0 + 4'000'000, 5, bytes);
  ASSERT_TRUE(expected.ok());
  const auto final_path = ref_store.path_of(id_of("t1", 9, expected->ref));
  const auto final_bytes = *clean.read_file(final_path);
  for (uint64_t fail_at = 0; fail_at < 12; ++fail_at) {
    memory_fs mem;
    ASSERT_TRUE(mem.create_dirs("/c").ok());
    error_fs efs{mem, error_fs::fail_from(fail_at)};
    chunk_store store{efs, "/c"};
    auto put = store.put("t1", 9, labels_, t0, t0 + 4'000'000, 5, bytes);
    efs.set_decider({});
    // Whatever is on disk is a temp file or the complete object: the final
    // path never holds a partial one (it may hold the whole object when only
    // the closing directory fsync failed).
    for (auto& f : mem.files()) {
      if (is_temp_name(f))
        continue;
      EXPECT_EQ(f, final_path);
      EXPECT_EQ(*mem.read_file(f), final_bytes) << fail_at;
    }
    if (put.ok())
      continue;
    auto retry = store.put("t1", 9, labels_, t0, t0 + 4'000'000, 5, bytes);
    ASSERT_TRUE(retry.ok()) << fail_at << ": " << retry.error().to_string();
    EXPECT_EQ(retry->ref, expected->ref);
    chunk_store reader{mem, "/c"};
    EXPECT_TRUE(reader.get("t1", 9, retry->ref).ok());
  }
}

TEST_F(chunk_store_test, temp_files_of_crashed_puts_are_swept_at_startup) {
  {
    error_fs efs{mem_, error_fs::fail_from(0)};
    // Let directory creation through; crash at the temp file write.
    efs.set_decider([](error_fs::op o, const std::string&, uint64_t) {
      return o == error_fs::op::write || o == error_fs::op::remove;
    });
    chunk_store store{efs, "/data/chunks"};
    EXPECT_FALSE(store.put("t1", 5, labels_, t0, t0, 1, chunk_bytes(1, t0)).ok());
  }
  ASSERT_TRUE(mem_.create_dirs("/data/chunks/index/t1").ok());
  mem_.put("/data/chunks/index/t1/x.tmp-1-1", "index temp: not ours");
  size_t temps = 0;
  for (auto& f : mem_.files())
    temps += is_temp_name(f) ? 1 : 0;
  EXPECT_EQ(temps, 2u);
  chunk_store store{mem_, "/data/chunks"};
  auto removed = store.remove_temp_files();
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 1u);
  EXPECT_EQ(mem_.files(), std::vector<std::string>{"/data/chunks/index/t1/x.tmp-1-1"});
  memory_fs empty;
  chunk_store nothing{empty, "/nothing"};
  auto none = nothing.remove_temp_files();
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0u);
}

TEST_F(chunk_store_test, posix_store_writes_real_files) {
  testing::temp_dir dir;
  posix_fs fs;
  chunk_store store{fs, dir.path() + "/chunks"};
  auto bytes = chunk_bytes(50, t0);
  auto put = store.put("fake", 456, labels_, t0, t0 + 49'000'000, 50, bytes);
  ASSERT_TRUE(put.ok()) << put.error().to_string();
  auto got = store.get("fake", 456, put->ref);
  ASSERT_TRUE(got.ok()) << got.error().to_string();
  EXPECT_EQ(got->chunk_bytes, bytes);
  auto names = fs.list_dir(dir.path() + "/chunks/fake/1c8");
  ASSERT_TRUE(names.ok());
  ASSERT_EQ(names->size(), 1u);
  EXPECT_EQ((*names)[0], fs_key(id_of("fake", 456, put->ref)).substr(9));
}

TEST(chunk_object, encode_decode_round_trip_and_reserved_bytes) {
  chunk_object_header h{"t", 42, -5, 7, 3, labels_of({{"a", "b"}})};
  auto obj = encode_chunk_object(h, "payload");
  auto dec = decode_chunk_object(obj);
  ASSERT_TRUE(dec.ok());
  EXPECT_EQ(dec->header.fingerprint, 42u);
  EXPECT_EQ(dec->header.from_ms, -5);
  EXPECT_EQ(dec->header.through_ms, 7);
  EXPECT_EQ(dec->header.entries, 3u);
  EXPECT_EQ(dec->header.labels, h.labels);
  EXPECT_EQ(dec->chunk_bytes, "payload");
  auto bad = obj;
  bad[6] = 1; // reserved
  EXPECT_EQ(decode_chunk_object(bad).error().code(), errc::corrupt_record);
  EXPECT_EQ(decode_chunk_object(obj + "x").error().code(), errc::corrupt_record);
  EXPECT_EQ(decode_chunk_object(obj.substr(0, 30)).error().code(), errc::corrupt_record);
  EXPECT_EQ(decode_chunk_object("").error().code(), errc::corrupt_record);
}

} // namespace
} // namespace skald::storage
