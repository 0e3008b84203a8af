// Per-tenant overrides (runtime_config.file): parsing, defaults, bad files.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "runtime/limits/overrides.hpp"

using namespace skald;

TEST(overrides, bad_file_keeps_the_previous_values) {
  std::string path = ::testing::TempDir() + "/skald_overrides_test.yaml";
  {
    std::ofstream f{path};
    f << "overrides:\n  t1:\n    max_streams_per_user: 7\n";
  }
  limits::overrides o{config::limits_config{}, path};
  ASSERT_TRUE(o.reload().ok());
  auto v = o.version();
  EXPECT_EQ(o.current()->for_tenant("t1").max_streams_per_user, 7);
  EXPECT_EQ(o.current()->for_tenant("other").max_streams_per_user, 0);
  {
    std::ofstream f{path};
    f << "overrides:\n  t1:\n    max_streams_per_user: [broken\n";
  }
  EXPECT_FALSE(o.reload().ok());
  EXPECT_EQ(o.version(), v);
  EXPECT_EQ(o.current()->for_tenant("t1").max_streams_per_user, 7);
  std::remove(path.c_str());
}
