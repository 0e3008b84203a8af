// file_system: posix_fs and memory_fs behave alike; write_atomic is all or
// nothing; error_fs tears failed writes (G10).
#include "runtime/storage/file_system.hpp"

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
