// file_system: posix_fs and memory_fs behave alike; write_atomic is all or
// nothing; error_fs tears failed writes (G10).
#include "runtime/storage/file_system.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <memory>

#include "storage_test_util.hpp"

namespace skald::storage {
namespace {

class fs_contract : public ::testing::TestWithParam<bool> {
protected:
  void SetUp() override {
    if (GetParam()) {
      fs_ = std::make_unique<posix_fs>();
      root_ = dir_.path();
    } else {
      fs_ = std::make_unique<memory_fs>();
      root_ = "/root";
      ASSERT_TRUE(fs_->create_dirs(root_).ok());
    }
  }
  std::string p(std::string_view rel) { return join_path(root_, rel); }

  testing::temp_dir dir_;
  std::unique_ptr<file_system> fs_;
  std::string root_;
};

TEST_P(fs_contract, write_append_read_rename_remove) {
  ASSERT_TRUE(fs_->create_dirs(p("a/b")).ok());
  ASSERT_TRUE(fs_->create_dirs(p("a/b")).ok()); // idempotent
  ASSERT_TRUE(fs_->write_file(p("a/b/f"), "hello", true).ok());
  ASSERT_TRUE(fs_->append_file(p("a/b/f"), " world", true).ok());
  EXPECT_EQ(*fs_->read_file(p("a/b/f")), "hello world");
  ASSERT_TRUE(fs_->write_file(p("a/b/f"), "x", false).ok()); // truncates
  EXPECT_EQ(*fs_->read_file(p("a/b/f")), "x");
  ASSERT_TRUE(fs_->rename(p("a/b/f"), p("a/g")).ok());
  EXPECT_FALSE(*fs_->exists(p("a/b/f")));
  EXPECT_TRUE(*fs_->exists(p("a/g")));
  EXPECT_TRUE(*fs_->exists(p("a/b")));
  auto names = fs_->list_dir(p("a"));
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"b", "g"}));
  ASSERT_TRUE(fs_->sync_dir(p("a")).ok());
  ASSERT_TRUE(fs_->remove(p("a/g")).ok());
  EXPECT_EQ(fs_->remove(p("a/g")).code(), errc::not_found);
  EXPECT_EQ(fs_->read_file(p("a/g")).error().code(), errc::not_found);
  EXPECT_EQ(fs_->list_dir(p("nope")).error().code(), errc::not_found);
}

TEST_P(fs_contract, writing_into_a_missing_directory_fails) {
  EXPECT_FALSE(fs_->write_file(p("missing/f"), "x", false).ok());
}

TEST_P(fs_contract, write_atomic_replaces_whole_file_and_leaves_no_temp) {
  ASSERT_TRUE(write_atomic(*fs_, p("obj"), "old").ok());
  ASSERT_TRUE(write_atomic(*fs_, p("obj"), "new content").ok());
  EXPECT_EQ(*fs_->read_file(p("obj")), "new content");
  EXPECT_EQ(*fs_->list_dir(root_), (std::vector<std::string>{"obj"}));
}

INSTANTIATE_TEST_SUITE_P(impl, fs_contract, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "posix" : "memory"; });

TEST(error_fs, failed_write_is_torn_and_reported) {
  memory_fs mem;
  ASSERT_TRUE(mem.create_dirs("/d").ok());
  error_fs fs{mem, error_fs::fail_from(0)};
  auto st = fs.write_file("/d/f", "abcdef", true);
  EXPECT_EQ(st.code(), errc::io_error);
  EXPECT_EQ(*mem.read_file("/d/f"), "abc");
  EXPECT_EQ(fs.failures(), 1u);
}

TEST(error_fs, failed_write_atomic_leaves_old_content_visible) {
  memory_fs mem;
  ASSERT_TRUE(mem.create_dirs("/d").ok());
  ASSERT_TRUE(write_atomic(mem, "/d/f", "old").ok());
  for (uint64_t k = 0; k < 3; ++k) { // fail the write, the rename, the dir sync
    error_fs fs{mem, [k](error_fs::op, const std::string&, uint64_t seq) { return seq == k; }};
    auto st = write_atomic(fs, "/d/f", "new!");
    EXPECT_FALSE(st.ok());
    auto now = *mem.read_file("/d/f");
    if (k < 2)
      EXPECT_EQ(now, "old") << k;
    else
      EXPECT_EQ(now, "new!") << k; // renamed; only durability unconfirmed
    for (auto& f : mem.files())
      EXPECT_FALSE(is_temp_name(f)) << f;
    ASSERT_TRUE(write_atomic(mem, "/d/f", "old").ok());
  }
}

TEST(error_fs, fail_every_fails_every_kth_operation) {
  memory_fs mem;
  ASSERT_TRUE(mem.create_dirs("/d").ok());
  error_fs fs{mem, error_fs::fail_every(2)};
  int failed = 0;
  for (int i = 0; i < 10; ++i)
    failed += fs.append_file("/d/f", "x", false).ok() ? 0 : 1;
  EXPECT_EQ(failed, 5);
  EXPECT_EQ(fs.ops(), 10u);
}

// Synced writes of >= 64 KiB go around the page cache (O_DIRECT from a
// padded, aligned copy, then ftruncate): every size around the page and
// threshold boundaries reads back byte for byte with its exact length, and
// a shorter rewrite truncates. Where the temp dir's file system takes
// O_DIRECT (ext4, xfs) the write must have been direct.
TEST(posix_fs, large_synced_writes_are_direct_and_exact) {
  testing::temp_dir dir;
  posix_fs fs;
  const auto path = join_path(dir.path(), "obj");
  int probe = ::open(join_path(dir.path(), "probe").c_str(),
                     O_WRONLY | O_CREAT | O_CLOEXEC | O_DIRECT, 0644);
  const bool direct_supported = probe >= 0;
  if (probe >= 0)
    ::close(probe);
  const size_t k = posix_fs::direct_min_size;
  for (size_t n : {k - 1, k, k + 1, k + 4095, k + 4096, size_t{1536 * 1024 + 123},
                   size_t{9 << 20} /* above the kept buffer */, k + 7}) {
    std::string data(n, '\0');
    for (size_t i = 0; i < n; ++i)
      data[i] = static_cast<char>('a' + (i * 7 + n) % 26);
    const auto before = posix_fs::direct_writes();
    ASSERT_TRUE(fs.write_file(path, data, true).ok()) << n;
    auto back = fs.read_file(path);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->size(), n);
    EXPECT_TRUE(*back == data) << "content differs at size " << n;
    if (direct_supported) {
      EXPECT_EQ(posix_fs::direct_writes(), before + (n >= k ? 1 : 0)) << n;
    }
  }
  // Unsynced writes stay buffered.
  const auto before = posix_fs::direct_writes();
  ASSERT_TRUE(fs.write_file(path, std::string(k * 2, 'z'), false).ok());
  EXPECT_EQ(posix_fs::direct_writes(), before);
  EXPECT_EQ(fs.read_file(path)->size(), k * 2);
}

TEST(file_system, path_helpers) {
  EXPECT_EQ(join_path("/a", "b"), "/a/b");
  EXPECT_EQ(join_path("/a/", "b"), "/a/b");
  EXPECT_EQ(join_path("", "b"), "b");
  EXPECT_EQ(parent_path("/a/b/c"), "/a/b");
  EXPECT_EQ(parent_path("/a"), "/");
  EXPECT_EQ(parent_path("a"), "");
  EXPECT_TRUE(is_temp_name("x.tmp-12-3"));
  EXPECT_FALSE(is_temp_name("log-0001.wal"));
}

} // namespace
} // namespace skald::storage
