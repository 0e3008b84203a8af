// The config -> validation/decode limit adapters: defaults line up with Loki's.
#include "runtime/validation/from_config.hpp"

#include <gtest/gtest.h>

namespace skald::validation {
namespace {

TEST(from_config, default_limits_config_gives_the_validation_defaults) {
  config::limits_config cfg;
  auto got = to_validation_limits(cfg);
  validation_limits want;
  EXPECT_EQ(got.max_label_name_length, want.max_label_name_length);
  EXPECT_EQ(got.max_label_value_length, want.max_label_value_length);
  EXPECT_EQ(got.max_label_names_per_series, want.max_label_names_per_series);
  EXPECT_EQ(got.reject_old_samples, want.reject_old_samples);
  EXPECT_EQ(got.reject_old_samples_max_age, want.reject_old_samples_max_age);
  EXPECT_EQ(got.creation_grace_period, want.creation_grace_period);
  EXPECT_EQ(got.max_line_size, want.max_line_size);
  EXPECT_EQ(got.max_line_size_truncate, want.max_line_size_truncate);
  EXPECT_EQ(got.increment_duplicate_timestamp, want.increment_duplicate_timestamp);
  EXPECT_EQ(got.allow_structured_metadata, want.allow_structured_metadata);
  EXPECT_EQ(got.max_structured_metadata_size, want.max_structured_metadata_size);
  EXPECT_EQ(got.max_structured_metadata_entries_count, want.max_structured_metadata_entries_count);
  EXPECT_EQ(got.ingestion_rate_mb, want.ingestion_rate_mb);
  EXPECT_EQ(got.ingestion_burst_size_mb, want.ingestion_burst_size_mb);
  EXPECT_EQ(to_rate_strategy(cfg), rate_strategy::global);
  cfg.ingestion_rate_strategy = "local";
  EXPECT_EQ(to_rate_strategy(cfg), rate_strategy::local);
}

TEST(from_config, decode_limits_come_from_server_distributor_and_tenant) {
  config::server_config server;
  config::distributor_config distributor;
  config::limits_config tenant;
  auto got = to_decode_limits(server, distributor, tenant);
  EXPECT_EQ(got.max_recv_msg_size, size_t{100} << 20);
  EXPECT_EQ(got.max_decompressed_size, size_t{100} << 20);
  EXPECT_EQ(got.discover_service_name, push::decode_limits::default_discover_service_name());
  tenant.discover_service_name.clear();
  EXPECT_TRUE(to_decode_limits(server, distributor, tenant).discover_service_name.empty());
}

} // namespace
} // namespace skald::validation
