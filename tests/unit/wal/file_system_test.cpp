// wal::posix_file_system's direct I/O files (create_direct, read_file_direct)
// on a real directory: appends of any size at any offset, truncate back into
// a block, and what the file holds afterwards (the appended bytes, then zero
// padding to a block boundary, or nothing where the file system has no
// O_DIRECT and the file is written buffered).
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

#include "runtime/wal/aligned_buffer.hpp"
#include "runtime/wal/file_system.hpp"

namespace skald::wal {
namespace {

class wal_direct_file : public ::testing::Test {
protected:
  void SetUp() override {
    // In the working directory (the build tree, on disk): /tmp may be a
    // tmpfs, which has no O_DIRECT and would test only the buffered fallback.
    char tmpl[] = "./skald-wal-direct-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { EXPECT_TRUE(fs_.remove_all(dir_).ok()); }

  /// The file's bytes, checked to be `want` plus zero padding (< one block,
  /// ending on a block boundary) or exactly `want`.
  void expect_content(const std::string& path, const std::string& want) {
    std::string got, direct;
    ASSERT_TRUE(fs_.read_file(path, got).ok());
    ASSERT_TRUE(fs_.read_file_direct(path, direct).ok());
    EXPECT_EQ(got, direct) << "read_file and read_file_direct disagree";
    ASSERT_GE(got.size(), want.size());
    EXPECT_EQ(got.compare(0, want.size(), want), 0) << "appended bytes differ";
    if (got.size() != want.size()) {
      EXPECT_EQ(got.size() % direct_io_block, 0u);
      EXPECT_LT(got.size() - want.size(), direct_io_block);
      EXPECT_EQ(got.find_first_not_of('\0', want.size()), std::string::npos);
    }
  }

  file_system& fs_ = posix_file_system();
  std::string dir_;
};

std::string random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng{seed};
  std::string s(n, '\0');
  for (auto& c : s)
    c = static_cast<char>(rng() % 255 + 1); // no zeros: padding stays visible
  return s;
}

TEST_F(wal_direct_file, appends_of_any_size_land_at_the_logical_end) {
  auto path = join_path(dir_, "00000001");
  auto f = fs_.create_direct(path);
  ASSERT_TRUE(f.ok()) << f.error().to_string();
  std::string want;
  // Sizes below, at and across block boundaries, and a large one.
  size_t sizes[] = {3, 1, 4092, 4096, 5000, 1, 8191, 3 << 20, 17};
  uint32_t seed = 1;
  for (size_t n : sizes) {
    auto data = random_bytes(n, seed++);
    ASSERT_TRUE((*f)->append(data).ok());
    want += data;
    expect_content(path, want);
  }
  EXPECT_TRUE((*f)->sync().ok());
  EXPECT_TRUE((*f)->close().ok());
  expect_content(path, want);
  EXPECT_FALSE(fs_.create_direct(path).ok()) << "create_direct must not open an existing file";
}

TEST_F(wal_direct_file, truncate_back_into_a_block_then_append_again) {
  auto path = join_path(dir_, "00000002");
  auto f = fs_.create_direct(path);
  ASSERT_TRUE(f.ok()) << f.error().to_string();
  auto a = random_bytes(6000, 7);
  ASSERT_TRUE((*f)->append(a).ok());
  // What the writer does after a failed batch: cut back to the size before.
  auto tr = (*f)->truncate(4100);
  ASSERT_TRUE(tr.ok()) << tr.to_string();
  auto b = random_bytes(10, 8);
  ASSERT_TRUE((*f)->append(b).ok());
  expect_content(path, a.substr(0, 4100) + b);
  ASSERT_TRUE((*f)->truncate(4096).ok()); // on a boundary
  auto c = random_bytes(3, 9);
  ASSERT_TRUE((*f)->append(c).ok());
  expect_content(path, a.substr(0, 4096) + c);
  ASSERT_TRUE((*f)->truncate(0).ok());
  ASSERT_TRUE((*f)->append(c).ok());
  expect_content(path, c);
  EXPECT_TRUE((*f)->close().ok());
  EXPECT_FALSE((*f)->append(c).ok());
}

TEST_F(wal_direct_file, aligned_appends_write_from_the_callers_buffer) {
  // The WAL writer's way: it lays out [last partial block][new bytes] in its
  // own aligned buffer (aligned_prefix() bytes of prefix), mixed here with
  // plain appends and a truncate back into a block.
  auto path = join_path(dir_, "00000004");
  auto f = fs_.create_direct(path);
  ASSERT_TRUE(f.ok()) << f.error().to_string();
  aligned_buffer buf;
  std::string want;
  uint32_t seed = 20;
  auto aligned_append = [&](size_t n) {
    auto data = random_bytes(n, seed++);
    size_t prefix = (*f)->aligned_prefix();
    ASSERT_LE(prefix, want.size());
    ASSERT_TRUE(buf.reserve(round_up_to_block(prefix + n), 0));
    std::memcpy(buf.data, want.data() + want.size() - prefix, prefix);
    std::memcpy(buf.data + prefix, data.data(), n);
    ASSERT_TRUE((*f)->append_aligned(buf.data, n).ok());
    EXPECT_EQ(std::string(buf.data + prefix, n), data) << "the caller's bytes stay as they were";
    want += data;
    expect_content(path, want);
  };
  aligned_append(8);
  aligned_append(4000);
  aligned_append(4096);
  auto plain = random_bytes(5, 99);
  ASSERT_TRUE((*f)->append(plain).ok()); // reads the last block back first
  want += plain;
  expect_content(path, want);
  aligned_append(9000);
  ASSERT_TRUE((*f)->truncate(want.size() - 100).ok());
  want.resize(want.size() - 100);
  aligned_append(1);
  aligned_append(3 << 20);
  // Direct: the last partial block; buffered fallback (no O_DIRECT): none.
  auto prefix = (*f)->aligned_prefix();
  EXPECT_TRUE(prefix == 0 || prefix == want.size() % direct_io_block) << prefix;
  EXPECT_TRUE((*f)->close().ok());
  expect_content(path, want);
}

TEST_F(wal_direct_file, empty_and_missing_files_read_as_expected) {
  auto path = join_path(dir_, "00000003");
  auto f = fs_.create_direct(path);
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE((*f)->close().ok());
  std::string out = "stale";
  ASSERT_TRUE(fs_.read_file_direct(path, out).ok());
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(fs_.read_file_direct(join_path(dir_, "missing"), out).code(), errc::not_found);
}

} // namespace
} // namespace skald::wal
