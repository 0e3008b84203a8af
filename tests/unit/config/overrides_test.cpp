// Per-tenant limits from a runtime_config.file (parse_overrides).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/config/loader.hpp"

namespace skald::config {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

TEST(config_overrides, tenants_start_from_the_process_limits) {
  limits_config defaults;
  defaults.max_query_series = 1000;
  auto r = parse_overrides(R"(
overrides:
  tenant-a:
    ingestion_rate_mb: 10
    max_line_size: 1MB
  "tenant b":
    reject_old_samples_max_age: 2w
)",
                           defaults, "runtime.yaml");
  ASSERT_TRUE(r.ok()) << r.error().message();
  ASSERT_EQ(r->size(), 2u);
  const auto& a = r->at("tenant-a");
  EXPECT_DOUBLE_EQ(a.ingestion_rate_mb, 10);
  EXPECT_EQ(a.max_line_size, mib(1));
  EXPECT_EQ(a.max_query_series, 1000);
  EXPECT_EQ(r->at("tenant b").reject_old_samples_max_age, 336h);
}

TEST(config_overrides, empty_file_has_no_tenants) {
  auto r = parse_overrides("", limits_config{}, "runtime.yaml");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
  r = parse_overrides("overrides:\n", limits_config{}, "runtime.yaml");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

TEST(config_overrides, errors_name_tenant_and_key) {
  auto r = parse_overrides("overrides:\n  t1:\n    foo: 1\n", limits_config{}, "runtime.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message(), HasSubstr("failed parsing config: runtime.yaml: yaml: unmarshal errors:"));
  EXPECT_THAT(r.error().message(), HasSubstr("line 3: field overrides.t1.foo not found"));
  r = parse_overrides("overrides:\n  t1:\n    query_timeout: soon\n", limits_config{}, "runtime.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message(), HasSubstr("invalid value \"soon\" for overrides.t1.query_timeout"));
  r = parse_overrides("overrides:\n  t1:\n    max_entries_limit_per_query: 0\n", limits_config{}, "r");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message(),
              HasSubstr("overrides.t1.max_entries_limit_per_query: must be greater than 0"));
  r = parse_overrides("limits:\n  t1: {}\n", limits_config{}, "r");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message(), HasSubstr("line 1: field limits not found in type runtime.config"));
}

} // namespace
} // namespace skald::config
