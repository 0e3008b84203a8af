// The shipped example configs must load: configs/skald-local.yaml (the
// single-node default) and configs/cluster/node-{1,2,3}.yaml.
#include <set>

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

TEST(config_local, cluster_examples_load_with_distinct_ports_and_dirs) {
  std::set<int> http_ports;
  std::set<int> gossip_ports;
  std::set<std::string> wal_dirs;
  for (int n = 1; n <= 3; ++n) {
    SCOPED_TRACE(n);
    auto r = testing::load_args({"-config.file=" + std::string{SKALD_SOURCE_DIR}
                                 + "/configs/cluster/node-" + std::to_string(n) + ".yaml"});
    ASSERT_TRUE(r.ok()) << r.error().message();
    const auto& c = r->config;
    EXPECT_TRUE(r->warnings.empty());
    EXPECT_EQ(c.ingester.lifecycler.ring.replication_factor, 3);
    EXPECT_EQ(c.ingester.lifecycler.ring.kvstore.store, "memberlist");
    EXPECT_EQ(c.memberlist.join_members.size(), 3u);
    http_ports.insert(c.server.http_listen_port);
    gossip_ports.insert(c.memberlist.bind_port);
    wal_dirs.insert(c.ingester.wal.dir);
  }
  EXPECT_EQ(http_ports.size(), 3u);
  EXPECT_EQ(gossip_ports.size(), 3u);
  EXPECT_EQ(wal_dirs.size(), 3u);
}

} // namespace
} // namespace skald::config
