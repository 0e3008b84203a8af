// configs/skald-local.yaml, the embedded single-node default, must load.
#include <gtest/gtest.h>

#include "runtime/config/output.hpp"
#include "tests/unit/config/config_test_util.hpp"

namespace skald::config {
namespace {

using namespace std::chrono_literals;

TEST(config_local, skald_local_yaml_loads_as_a_single_node) {
  auto r = testing::load_args(
    {"-config.file=" + std::string{SKALD_SOURCE_DIR} + "/configs/skald-local.yaml"});
  ASSERT_TRUE(r.ok()) << r.error().message();
  const auto& c = r->config;
  EXPECT_FALSE(c.auth_enabled);
  EXPECT_TRUE(c.runs("ingester"));
  EXPECT_EQ(c.server.http_listen_address, "127.0.0.1");
  EXPECT_EQ(c.server.http_listen_port, 3100);
  EXPECT_EQ(c.common.replication_factor, 1);
  EXPECT_EQ(c.ingester.lifecycler.ring.replication_factor, 1);
  EXPECT_EQ(c.ingester.lifecycler.ring.kvstore.store, "inmemory");
  EXPECT_EQ(c.ingester.wal.dir, "./data/wal");
  EXPECT_EQ(c.storage.filesystem.directory, "./data/chunks");
  ASSERT_EQ(c.schema.configs.size(), 1u);
  EXPECT_EQ(c.schema.configs[0].schema, "v13");
  EXPECT_GE(c.limits.ingestion_rate_mb, 1024);
}

} // namespace
} // namespace skald::config
