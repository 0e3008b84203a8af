// Integration: the real skald binary on 127.0.0.1 — start, ops endpoints,
// configuration errors, and a clean exit on SIGTERM.
#include <chrono>
#include <csignal>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testutil/http_client.hpp"
#include "testutil/process.hpp"

namespace skald {
namespace {

using namespace std::chrono_literals;
using testing::HasSubstr;
using testutil::child_process;
using testutil::http_client;

class node_lifecycle : public testing::Test {
protected:
  void SetUp() override {
    port_ = testutil::free_port();
    data_dir_ = testutil::make_temp_dir("skald-it");
  }

  std::vector<std::string> base_args() const {
    return {"-config.file=" + std::string{SKALD_SOURCE_DIR} + "/configs/skald-local.yaml",
            "-server.http-listen-port=" + std::to_string(port_),
            "-common.path-prefix=" + data_dir_};
  }

  uint16_t port_ = 0;
  std::string data_dir_;
};

TEST_F(node_lifecycle, serves_ops_endpoints_and_exits_cleanly_on_sigterm) {
  child_process skald{SKALD_BINARY, base_args()};
  auto ready = testutil::wait_for_status_200(port_, "/ready", 10s);
  ASSERT_EQ(ready.status, 200) << skald.output();
  EXPECT_EQ(ready.body, "ready\n");

  http_client c{port_};
  auto metrics = c.get("/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_THAT(metrics.headers["content-type"], HasSubstr("text/plain"));
  EXPECT_THAT(metrics.body, HasSubstr("# TYPE process_resident_memory_bytes gauge"));
  EXPECT_THAT(metrics.body, HasSubstr("loki_build_info{"));

  auto config = c.get("/config");
  EXPECT_EQ(config.status, 200);
  EXPECT_THAT(config.body, HasSubstr("http_listen_port: " + std::to_string(port_)));
  EXPECT_THAT(config.body, HasSubstr("path_prefix: " + data_dir_));

  auto services = c.get("/services");
  EXPECT_EQ(services.status, 200);
  EXPECT_THAT(services.body, HasSubstr("server => Running\n"));
  EXPECT_THAT(services.body, HasSubstr("ingester => Running\n"));

  auto build = c.get("/loki/api/v1/status/buildinfo");
  EXPECT_EQ(build.status, 200);
  EXPECT_THAT(build.body, HasSubstr("\"version\":\""));
  EXPECT_THAT(build.body, HasSubstr("\"revision\":\""));

  EXPECT_EQ(c.get("/no/such/path").status, 404);
  EXPECT_EQ(c.request("DELETE", "/ready").status, 405);

  auto start = std::chrono::steady_clock::now();
  skald.signal(SIGTERM);
  auto code = skald.wait_for(5s);
  ASSERT_TRUE(code.has_value()) << "skald did not exit within 5 s of SIGTERM";
  EXPECT_EQ(*code, 0) << skald.output();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_THAT(skald.output(), HasSubstr("level=info"));
}

TEST_F(node_lifecycle, config_diffs_show_only_changed_keys) {
  child_process skald{SKALD_BINARY, base_args()};
  ASSERT_EQ(testutil::wait_for_status_200(port_, "/ready", 10s).status, 200) << skald.output();
  http_client c{port_};
  auto diffs = c.get("/config?mode=diffs");
  EXPECT_EQ(diffs.status, 200);
  EXPECT_THAT(diffs.body, HasSubstr("auth_enabled: false"));
  EXPECT_THAT(diffs.body, testing::Not(HasSubstr("chunk_block_size")));
  auto defaults = c.get("/config?mode=defaults");
  EXPECT_THAT(defaults.body, HasSubstr("auth_enabled: true"));
}

TEST_F(node_lifecycle, log_level_can_be_read_and_changed_at_runtime) {
  child_process skald{SKALD_BINARY, base_args()};
  ASSERT_EQ(testutil::wait_for_status_200(port_, "/ready", 10s).status, 200) << skald.output();
  http_client c{port_};
  EXPECT_THAT(c.get("/log_level").body, HasSubstr("\"data\":\"info\""));
  EXPECT_THAT(c.request("POST", "/log_level?log_level=debug").body, HasSubstr("\"data\":\"debug\""));
  EXPECT_EQ(c.request("POST", "/log_level?log_level=loud").status, 400);
}

TEST_F(node_lifecycle, unknown_yaml_key_is_named_and_exits_1) {
  auto path = data_dir_ + "/bad.yaml";
  std::ofstream{path} << "ingester:\n  chunk_idle_period: 1m\n  no_such_key: 3\n";
  child_process skald{SKALD_BINARY, {"-config.file=" + path}};
  auto code = skald.wait_for(5s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 1);
  EXPECT_THAT(skald.output(), HasSubstr("field ingester.no_such_key not found"));
}

TEST_F(node_lifecycle, unknown_target_is_named_and_exits_1) {
  auto args = base_args();
  args.push_back("-target=compactor");
  child_process skald{SKALD_BINARY, args};
  auto code = skald.wait_for(5s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 1);
  EXPECT_THAT(skald.output(), HasSubstr("compactor"));
}

TEST_F(node_lifecycle, busy_port_fails_start_with_exit_1) {
  child_process first{SKALD_BINARY, base_args()};
  ASSERT_EQ(testutil::wait_for_status_200(port_, "/ready", 10s).status, 200) << first.output();
  child_process second{SKALD_BINARY, base_args()};
  auto code = second.wait_for(5s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 1) << second.output();
}

TEST_F(node_lifecycle, version_flag_prints_version) {
  child_process skald{SKALD_BINARY, {"-version"}};
  auto code = skald.wait_for(5s);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0);
  EXPECT_THAT(skald.output(), HasSubstr("skald, version " SKALD_VERSION));
}

TEST_F(node_lifecycle, distributor_only_target_runs_just_its_modules) {
  auto args = base_args();
  args.push_back("-target=distributor");
  child_process skald{SKALD_BINARY, args};
  ASSERT_EQ(testutil::wait_for_status_200(port_, "/ready", 10s).status, 200) << skald.output();
  http_client c{port_};
  auto services = c.get("/services").body;
  EXPECT_THAT(services, HasSubstr("distributor => Running"));
  EXPECT_THAT(services, testing::Not(HasSubstr("ingester")));
}

} // namespace
} // namespace skald
