// The config pipeline: defaults, YAML, flags, env expansion, derived values,
// validation, and the error messages for each failure (all name the key).
#include "runtime/config/loader.hpp"

#include <cstdlib>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/config/flags.hpp"
#include "runtime/config/output.hpp"
#include "tests/unit/config/config_test_util.hpp"

namespace skald::config {
namespace {

// Configs are values: copied into each module at start-up, moved around freely.
static_assert(std::is_copy_constructible_v<root_config>);
static_assert(std::is_nothrow_move_constructible_v<root_config>);
static_assert(std::is_nothrow_move_constructible_v<ingester_config>);

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::load_args;
using testing::load_yaml;
using testing::temp_file;

// Loads `yaml` and expects failure; returns the message.
std::string error_of(const std::string& yaml, std::vector<std::string> flags = {}) {
  auto r = load_yaml(yaml, std::move(flags));
  EXPECT_FALSE(r.ok()) << "expected an error for:\n" << yaml;
  return r.ok() ? std::string{} : r.error().message();
}

// ---- defaults --------------------------------------------------------------

TEST(config_defaults, match_loki_3x) {
  root_config c;
  EXPECT_EQ(c.target, "all");
  EXPECT_TRUE(c.auth_enabled);
  EXPECT_EQ(c.server.http_listen_address, "");
  EXPECT_EQ(c.server.http_listen_port, 3100);
  EXPECT_EQ(c.server.grpc_listen_port, 9095);
  EXPECT_EQ(c.server.log_level, "info");
  EXPECT_EQ(c.server.http_server_read_timeout, 30s);
  EXPECT_EQ(c.server.http_server_write_timeout, 30s);
  EXPECT_EQ(c.server.http_server_idle_timeout, 120s);
  EXPECT_EQ(c.common.replication_factor, 3);
  EXPECT_EQ(c.ingester.chunk_idle_period, 30min);
  EXPECT_EQ(c.ingester.chunk_block_size, 262144u);
  EXPECT_EQ(c.ingester.chunk_target_size, 1572864u);
  EXPECT_EQ(c.ingester.max_chunk_age, 2h);
  EXPECT_EQ(c.ingester.chunk_retain_period, 0s);
  EXPECT_EQ(c.ingester.flush_check_period, 30s);
  EXPECT_EQ(c.ingester.flush_op_timeout, 10min);
  EXPECT_EQ(c.ingester.flush_op_backoff.min_period, 10s);
  EXPECT_EQ(c.ingester.flush_op_backoff.max_period, 1min);
  EXPECT_EQ(c.ingester.flush_op_backoff.max_retries, 10);
  EXPECT_EQ(c.ingester.concurrent_flushes, 32u);
  EXPECT_EQ(c.ingester.sync_period, 1h);
  EXPECT_DOUBLE_EQ(c.ingester.sync_min_utilization, 0.1);
  EXPECT_TRUE(c.ingester.wal.enabled);
  EXPECT_EQ(c.ingester.wal.checkpoint_duration, 5min);
  EXPECT_FALSE(c.ingester.wal.flush_on_shutdown);
  EXPECT_EQ(c.ingester.wal.replay_memory_ceiling, gib(4));
  EXPECT_EQ(c.ingester.lifecycler.num_tokens, 128);
  EXPECT_EQ(c.ingester.lifecycler.heartbeat_period, 5s);
  EXPECT_EQ(c.ingester.lifecycler.join_after, 0s);
  EXPECT_EQ(c.ingester.lifecycler.ring.heartbeat_timeout, 1min);
  EXPECT_EQ(c.ingester.lifecycler.ring.replication_factor, 3);
  EXPECT_EQ(c.limits.ingestion_rate_strategy, "global");
  EXPECT_DOUBLE_EQ(c.limits.ingestion_rate_mb, 4);
  EXPECT_DOUBLE_EQ(c.limits.ingestion_burst_size_mb, 6);
  EXPECT_EQ(c.limits.max_label_name_length, 1024);
  EXPECT_EQ(c.limits.max_label_value_length, 2048);
  EXPECT_EQ(c.limits.max_label_names_per_series, 15);
  EXPECT_TRUE(c.limits.reject_old_samples);
  EXPECT_EQ(c.limits.reject_old_samples_max_age, 168h);
  EXPECT_EQ(c.limits.creation_grace_period, 10min);
  EXPECT_EQ(c.limits.max_line_size, kib(256));
  EXPECT_EQ(c.limits.max_global_streams_per_user, 5000);
  EXPECT_EQ(c.limits.max_streams_per_user, 0);
  EXPECT_EQ(c.limits.per_stream_rate_limit, mib(3));
  EXPECT_EQ(c.limits.per_stream_rate_limit_burst, mib(15));
  EXPECT_EQ(c.limits.max_entries_limit_per_query, 5000);
  EXPECT_EQ(c.limits.max_query_series, 500);
  EXPECT_EQ(c.limits.max_query_length, 721h);
  EXPECT_EQ(c.limits.query_timeout, 1min);
  EXPECT_EQ(c.limits.max_query_parallelism, 32);
  EXPECT_TRUE(c.limits.allow_structured_metadata);
  EXPECT_EQ(c.limits.max_structured_metadata_size, kib(64));
  EXPECT_EQ(c.limits.max_structured_metadata_entries_count, 128);
  EXPECT_EQ(c.memberlist.bind_port, 7946);
  EXPECT_EQ(c.memberlist.gossip_interval, 200ms);
  EXPECT_EQ(c.memberlist.left_ingesters_timeout, 5min);
  EXPECT_EQ(c.querier.query_ingesters_within, 3h);
  EXPECT_EQ(c.querier.max_concurrent, 4);
  EXPECT_EQ(c.querier.tail_max_duration, 1h);
  EXPECT_EQ(c.runtime_config.period, 10s);
  EXPECT_FALSE(c.admin.enable_actions);
  EXPECT_EQ(c.distributor.ring.heartbeat_timeout, 1min);
  EXPECT_EQ(c.ingester_client.remote_timeout, 5s);
}

TEST(config_defaults, validate_and_load_without_a_file) {
  EXPECT_TRUE(root_config{}.validate().ok());
  auto r = load_args({});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(r->config_file.empty());
  EXPECT_EQ(r->config.server.http_listen_port, 3100);
}

TEST(config_defaults, component_structs_default_construct_to_their_defaults) {
  ingester_config i;
  EXPECT_EQ(i.chunk_encoding, "snappy");
  EXPECT_EQ(i.wal.dir, "wal");
  wal_config w;
  EXPECT_EQ(w.fsync, "none");
  EXPECT_EQ(w.fsync_interval, 10ms);
  EXPECT_EQ(w.segment_size, mib(128));
}

// ---- YAML ------------------------------------------------------------------

TEST(config_yaml, values_are_read_with_loki_key_names) {
  auto r = load_yaml(R"(
target: ingester,querier
auth_enabled: false
server:
  http_listen_port: 3200
  log_level: debug
ingester:
  chunk_idle_period: 1h30m
  chunk_encoding: gzip
  wal:
    replay_memory_ceiling: 1.5GB
limits_config:
  ingestion_rate_mb: 12.5
  max_line_size: 512KB
memberlist:
  join_members: [a:7946, "b:7946"]
schema_config:
  configs:
    - from: 2020-10-24
      store: tsdb
      object_store: filesystem
      schema: v13
      index:
        prefix: index_
        period: 24h
)");
  ASSERT_TRUE(r.ok()) << r.error().message();
  const auto& c = r->config;
  EXPECT_EQ(c.target, "ingester,querier");
  EXPECT_TRUE(c.runs("ingester"));
  EXPECT_FALSE(c.runs("distributor"));
  EXPECT_FALSE(c.auth_enabled);
  EXPECT_EQ(c.server.http_listen_port, 3200);
  EXPECT_EQ(c.server.log_level, "debug");
  EXPECT_EQ(c.ingester.chunk_idle_period, 90min);
  EXPECT_EQ(c.ingester.chunk_encoding, "gzip");
  EXPECT_EQ(c.ingester.wal.replay_memory_ceiling.bytes, 1610612736u);
  EXPECT_DOUBLE_EQ(c.limits.ingestion_rate_mb, 12.5);
  EXPECT_EQ(c.limits.max_line_size, kib(512));
  EXPECT_EQ(c.memberlist.join_members, (std::vector<std::string>{"a:7946", "b:7946"}));
  ASSERT_EQ(c.schema.configs.size(), 1u);
  EXPECT_EQ(c.schema.configs[0].from, "2020-10-24");
  EXPECT_EQ(c.schema.configs[0].index.period, 24h);
  // Untouched keys keep their defaults.
  EXPECT_EQ(c.ingester.max_chunk_age, 2h);
}

TEST(config_yaml, empty_file_and_empty_values_keep_defaults) {
  auto r = load_yaml("");
  ASSERT_TRUE(r.ok()) << r.error().message();
  r = load_yaml("server:\ningester:\n  chunk_idle_period:\n");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->config.ingester.chunk_idle_period, 30min);
}

TEST(config_yaml, unknown_top_level_key_names_the_line_and_key) {
  auto msg = error_of("auth_enabled: false\nfoo: 1\n");
  EXPECT_THAT(msg, HasSubstr("failed parsing config: "));
  EXPECT_THAT(msg, HasSubstr("yaml: unmarshal errors:\n  line 2: field foo not found in type skald.config"));
}

TEST(config_yaml, unknown_nested_key_names_the_full_path) {
  auto msg = error_of("ingester:\n  chunk_idle_period: 1m\n  foo: bar\n");
  EXPECT_THAT(msg, HasSubstr("line 3: field ingester.foo not found in type ingester.config"));
  msg = error_of("ingester:\n  wal:\n    enabled: true\n    bogus: 1\n");
  EXPECT_THAT(msg, HasSubstr("line 4: field ingester.wal.bogus not found"));
}

TEST(config_yaml, all_unknown_keys_are_reported_in_line_order) {
  auto msg = error_of("zzz: 1\nserver:\n  nope: 2\naaa: 3\n");
  auto l1 = msg.find("line 1: field zzz");
  auto l3 = msg.find("line 3: field server.nope");
  auto l4 = msg.find("line 4: field aaa");
  ASSERT_NE(l1, std::string::npos) << msg;
  ASSERT_NE(l3, std::string::npos) << msg;
  ASSERT_NE(l4, std::string::npos) << msg;
  EXPECT_LT(l1, l3);
  EXPECT_LT(l3, l4);
}

TEST(config_yaml, wrong_type_names_the_type_and_path) {
  auto msg = error_of("server:\n  http_listen_port: abc\n");
  EXPECT_THAT(msg, HasSubstr("line 2: cannot unmarshal !!str `abc` into int at server.http_listen_port"));
  msg = error_of("auth_enabled: maybe\n");
  EXPECT_THAT(msg, HasSubstr("line 1: cannot unmarshal !!str `maybe` into boolean at auth_enabled"));
  msg = error_of("server:\n  http_listen_port: 1.5\n");
  EXPECT_THAT(msg, HasSubstr("cannot unmarshal !!float `1.5` into int at server.http_listen_port"));
  msg = error_of("server:\n  http_listen_port: [1, 2]\n");
  EXPECT_THAT(msg, HasSubstr("line 2: cannot unmarshal !!seq into int at server.http_listen_port"));
  msg = error_of("server: 5\n");
  EXPECT_THAT(msg, HasSubstr("line 1: cannot unmarshal !!int `5` into server.config"));
  msg = error_of("memberlist:\n  join_members:\n    - {a: b}\n");
  EXPECT_THAT(msg, HasSubstr("cannot unmarshal !!map into string at memberlist.join_members[0]"));
}

TEST(config_yaml, out_of_range_integer_names_the_value_and_path) {
  auto msg = error_of("ingester:\n  concurrent_flushes: -1\n");
  EXPECT_THAT(msg, HasSubstr("line 2: invalid value \"-1\" for ingester.concurrent_flushes: must not be negative"));
  msg = error_of("server:\n  http_listen_port: 99999999999\n");
  EXPECT_THAT(msg, HasSubstr("invalid value \"99999999999\" for server.http_listen_port: out of range"));
}

TEST(config_yaml, bad_duration_names_the_path_and_value) {
  auto msg = error_of("ingester:\n  chunk_idle_period: 5x\n");
  EXPECT_THAT(msg, HasSubstr("line 2: invalid value \"5x\" for ingester.chunk_idle_period: not a valid duration"));
  msg = error_of("ingester:\n  chunk_idle_period: 30\n");
  EXPECT_THAT(msg, HasSubstr("invalid value \"30\" for ingester.chunk_idle_period"));
  EXPECT_THAT(msg, HasSubstr("missing unit"));
}

TEST(config_yaml, negative_duration_is_rejected) {
  auto msg = error_of("ingester:\n  max_chunk_age: -1h\n");
  EXPECT_THAT(msg, HasSubstr("invalid value \"-1h\" for ingester.max_chunk_age: must not be negative"));
}

TEST(config_yaml, bad_size_names_the_path_and_value) {
  auto msg = error_of("limits_config:\n  max_line_size: 12QB\n");
  EXPECT_THAT(msg, HasSubstr("line 2: invalid value \"12QB\" for limits_config.max_line_size: not a valid size"));
}

TEST(config_yaml, bad_enum_lists_the_allowed_values) {
  auto msg = error_of("ingester:\n  chunk_encoding: brotli\n");
  EXPECT_THAT(msg, HasSubstr("line 2: invalid value \"brotli\" for ingester.chunk_encoding: must be one "
                             "of snappy, gzip, lz4, zstd, none"));
  msg = error_of("server:\n  log_level: verbose\n");
  EXPECT_THAT(msg, HasSubstr("invalid value \"verbose\" for server.log_level: must be one of debug, info, warn, error"));
}

TEST(config_yaml, errors_inside_lists_name_the_element) {
  auto msg = error_of("schema_config:\n  configs:\n    - from: 2020-10-24\n      index:\n        period: 1x\n");
  EXPECT_THAT(msg, HasSubstr("line 5: invalid value \"1x\" for schema_config.configs[0].index.period"));
  msg = error_of("schema_config:\n  configs:\n    - from: 2020-10-24\n      tables: 1\n");
  EXPECT_THAT(msg, HasSubstr("line 4: field schema_config.configs[0].tables not found"));
}

TEST(config_yaml, duplicate_keys_are_reported) {
  auto msg = error_of("server:\n  http_listen_port: 1\n  http_listen_port: 2\n");
  EXPECT_THAT(msg, HasSubstr("line 3: mapping key \"http_listen_port\" already defined at line 2"));
}

TEST(config_yaml, syntax_error_names_the_file_and_line) {
  temp_file f{"server:\n  http_listen_port: [1, 2\n"};
  auto r = load_args({"-config.file", f.path()});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message(), HasSubstr("failed parsing config: " + f.path() + ": yaml: line"));
}

TEST(config_yaml, missing_file_is_not_found) {
  auto r = load_args({"-config.file=/nonexistent/skald.yaml"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), errc::not_found);
  EXPECT_THAT(r.error().message(),
              HasSubstr("failed parsing config: open /nonexistent/skald.yaml: no such file or directory"));
}

TEST(config_yaml, top_level_must_be_a_mapping) {
  auto msg = error_of("- a\n- b\n");
  EXPECT_THAT(msg, HasSubstr("line 1: cannot unmarshal !!seq into skald.config"));
}

TEST(config_yaml, lokis_own_local_config_loads_with_warnings_for_ignored_keys) {
  auto r = load_yaml(R"(
auth_enabled: false
server:
  http_listen_port: 3100
  grpc_listen_port: 9096
  log_level: debug
  grpc_server_max_concurrent_streams: 1000
common:
  instance_addr: 127.0.0.1
  path_prefix: /tmp/loki
  storage:
    filesystem:
      chunks_directory: /tmp/loki/chunks
      rules_directory: /tmp/loki/rules
  replication_factor: 1
  ring:
    kvstore:
      store: inmemory
query_range:
  results_cache:
    cache:
      embedded_cache:
        enabled: true
        max_size_mb: 100
limits_config:
  metric_aggregation_enabled: true
schema_config:
  configs:
    - from: 2020-10-24
      store: tsdb
      object_store: filesystem
      schema: v13
      index:
        prefix: index_
        period: 24h
pattern_ingester:
  enabled: true
ruler:
  alertmanager_url: http://localhost:9093
frontend:
  encoding: protobuf
)");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->config.storage.filesystem.directory, "/tmp/loki/chunks");
  EXPECT_EQ(r->config.ingester.wal.dir, "/tmp/loki/wal");
  std::string all;
  for (const auto& w : r->warnings)
    all += w + "\n";
  EXPECT_EQ(r->warnings.size(), 5u) << all;
  EXPECT_THAT(all, HasSubstr("line 20: ignoring query_range.results_cache: "));
  EXPECT_LT(all.find("line 20:"), all.find("line 26:"));
  EXPECT_THAT(all, HasSubstr("ignoring ruler: skald has no ruler."));
  EXPECT_THAT(all, HasSubstr("ignoring frontend.encoding"));
  // Ignored keys are not printed back.
  EXPECT_EQ(to_yaml(r->config).find("ruler"), std::string::npos);
}

TEST(config_yaml, ignored_keys_do_not_hide_typos_next_to_them) {
  auto msg = error_of("ruler:\n  anything: [1, 2]\nrulr: {}\n");
  EXPECT_THAT(msg, HasSubstr("line 3: field rulr not found in type skald.config"));
}

// ---- flags -----------------------------------------------------------------

TEST(config_flags, override_yaml) {
  auto r = load_yaml("server:\n  http_listen_port: 3200\n  log_level: warn\n",
                     {"-server.http-listen-port=3300", "-log.level", "debug",
                      "--ingester.chunk-idle-period=1h", "-memberlist.join=a:1,b:2"});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->config.server.http_listen_port, 3300);
  EXPECT_EQ(r->config.server.log_level, "debug");
  EXPECT_EQ(r->config.ingester.chunk_idle_period, 1h);
  EXPECT_EQ(r->config.memberlist.join_members, (std::vector<std::string>{"a:1", "b:2"}));
}

// The actor scheduler: one thread per core and no sleep-polling by default
// (runtime/system/node.cpp hands both to CAF; docs/benchmarks.md, pushsched).
TEST(config_flags, actor_scheduler_keys_have_defaults_and_are_set_by_yaml_and_flags) {
  auto d = load_yaml("", {});
  ASSERT_TRUE(d.ok()) << d.error().message();
  EXPECT_EQ(d->config.server.actor_threads, 0u);
  EXPECT_EQ(d->config.server.actor_moderate_poll_attempts, 20u);
  auto r = load_yaml("server:\n  actor_threads: 3\n  actor_moderate_poll_attempts: 7\n",
                     {"-server.actor-moderate-poll-attempts=500"});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->config.server.actor_threads, 3u);
  EXPECT_EQ(r->config.server.actor_moderate_poll_attempts, 500u);
}

TEST(config_flags, repeated_list_flags_accumulate_and_replace_the_yaml_list) {
  auto r = load_yaml("memberlist:\n  join_members: [old:1]\n",
                     {"-memberlist.join=a:1", "-memberlist.join", "b:2,c:3"});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->config.memberlist.join_members, (std::vector<std::string>{"a:1", "b:2", "c:3"}));
  r = load_args({"-server.http-listen-port=1", "-server.http-listen-port=2"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->config.server.http_listen_port, 2);
}

TEST(config_flags, flag_before_config_file_still_wins) {
  temp_file f{"server:\n  http_listen_port: 3200\n"};
  auto r = load_args({"-server.http-listen-port=4000", "-config.file", f.path()});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->config.server.http_listen_port, 4000);
}

TEST(config_flags, bare_bool_flag_means_true_and_explicit_values_work) {
  auto r = load_args({"-auth.enabled=false", "-ingester.wal.flush-on-shutdown", "-admin.enable-actions=true"});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_FALSE(r->config.auth_enabled);
  EXPECT_TRUE(r->config.ingester.wal.flush_on_shutdown);
  EXPECT_TRUE(r->config.admin.enable_actions);
}

TEST(config_flags, loki_flag_names_are_kept_where_they_differ) {
  auto r = load_args({"-target=querier", "-server.http-read-timeout=1m", "-log.format=json"});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->config.target, "querier");
  EXPECT_EQ(r->config.server.http_server_read_timeout, 1min);
  EXPECT_EQ(r->config.server.log_format, "json");
}

TEST(config_flags, unknown_flag_is_reported_like_go) {
  auto r = load_args({"-foo=1"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "flag provided but not defined: -foo");
  r = load_args({"--ingester.nope"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "flag provided but not defined: -ingester.nope");
}

TEST(config_flags, bad_flag_value_names_flag_and_value) {
  auto r = load_args({"-server.http-listen-port=abc"});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message(),
              HasSubstr("invalid value \"abc\" for flag -server.http-listen-port: not an integer"));
  r = load_args({"-ingester.chunk-encoding", "brotli"});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message(),
              HasSubstr("invalid value \"brotli\" for flag -ingester.chunk-encoding: must be one of"));
  r = load_args({"-limits-config.max-line-size=lots"});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message(), HasSubstr("for flag -limits-config.max-line-size: not a valid size"));
}

TEST(config_flags, missing_argument_and_positional_arguments_are_errors) {
  auto r = load_args({"-server.http-listen-port"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message(), "flag needs an argument: -server.http-listen-port");
  r = load_args({"stray"});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message(), HasSubstr("unexpected argument \"stray\""));
}

TEST(config_flags, special_flags_are_reported_without_reading_the_file) {
  auto r = load_args({"-version", "-config.file=/nonexistent.yaml"});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_TRUE(r->print_version);
  r = load_args({"-h"});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->show_help);
  r = load_args({"-help"});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->show_help);
  r = load_args({"-config.dump-reference"});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->dump_reference);
  r = load_args({"-print-config-stderr"});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->print_config_stderr);
}

TEST(config_flags, usage_lists_flags_with_defaults) {
  auto usage = flags_usage();
  EXPECT_THAT(usage, HasSubstr("-server.http-listen-port int"));
  EXPECT_THAT(usage, HasSubstr("(default 3100)"));
  EXPECT_THAT(usage, HasSubstr("-config.file string"));
  EXPECT_THAT(usage, HasSubstr("-log.level string"));
}

// ---- env expansion ---------------------------------------------------------

std::optional<std::string> fake_env(const std::string& name) {
  if (name == "PORT")
    return std::string{"3456"};
  if (name == "EMPTY")
    return std::string{};
  return std::nullopt;
}

TEST(config_env, expands_vars_with_and_without_default) {
  auto r = expand_env("a: ${PORT}\nb: ${UNSET:-7}\nc: ${PORT:-9}\nd: ${UNSET}\ne: ${EMPTY:-x}\n"
                      "f: $PORT\ng: $$PORT\nh: cost $5\n",
                      fake_env);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(*r, "a: 3456\nb: 7\nc: 3456\nd: \ne: x\nf: 3456\ng: $PORT\nh: cost $5\n");
}

TEST(config_env, unterminated_brace_names_the_line) {
  auto r = expand_env("a: 1\nb: ${PORT\n", fake_env);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message(), HasSubstr("line 2: unterminated ${"));
}

TEST(config_env, expand_env_flag_applies_to_the_file) {
  ::setenv("SKALD_TEST_PORT", "3999", 1);
  ::unsetenv("SKALD_TEST_UNSET");
  const std::string yaml = "server:\n  http_listen_port: ${SKALD_TEST_PORT}\n  grpc_listen_port: "
                           "${SKALD_TEST_UNSET:-9200}\n";
  auto r = load_yaml(yaml, {"-config.expand-env=true"});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->config.server.http_listen_port, 3999);
  EXPECT_EQ(r->config.server.grpc_listen_port, 9200);
  // Without the flag the text is taken literally, which is not an int.
  auto msg = error_of(yaml);
  EXPECT_THAT(msg, HasSubstr("server.http_listen_port"));
  ::unsetenv("SKALD_TEST_PORT");
}

TEST(config_env, unset_var_without_default_expands_to_empty_and_keeps_the_default) {
  ::unsetenv("SKALD_TEST_UNSET");
  auto r = load_yaml("server:\n  http_listen_port: ${SKALD_TEST_UNSET}\n", {"-config.expand-env"});
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->config.server.http_listen_port, 3100);
}

// ---- derived values --------------------------------------------------------

TEST(config_derived, default_paths_go_under_path_prefix) {
  auto r = load_yaml("common:\n  path_prefix: /var/skald\n");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->config.ingester.wal.dir, "/var/skald/wal");
  EXPECT_EQ(r->config.storage.filesystem.directory, "/var/skald/chunks");
}

TEST(config_derived, explicit_paths_are_kept) {
  auto r = load_yaml("common:\n  path_prefix: ./data\ningester:\n  wal:\n    dir: /fast/wal\n"
                     "storage_config:\n  filesystem:\n    directory: ./data/chunks\n");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->config.ingester.wal.dir, "/fast/wal");
  EXPECT_EQ(r->config.storage.filesystem.directory, "./data/chunks");
}

TEST(config_derived, common_chunks_directory_sets_the_store_directory) {
  auto r = load_yaml("common:\n  path_prefix: /p\n  storage:\n    filesystem:\n"
                     "      chunks_directory: /c/chunks\n      rules_directory: /c/rules\n");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->config.storage.filesystem.directory, "/c/chunks");
  EXPECT_EQ(r->config.ingester.wal.dir, "/p/wal");
}

TEST(config_derived, derived_values_are_idempotent) {
  auto r = load_yaml("common:\n  path_prefix: ./data\n  replication_factor: 1\n");
  ASSERT_TRUE(r.ok()) << r.error().message();
  root_config again = r->config;
  apply_derived(again);
  EXPECT_TRUE(equal(again, r->config));
}

TEST(config_derived, no_prefix_leaves_relative_defaults) {
  auto r = load_args({});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->config.ingester.wal.dir, "wal");
  EXPECT_EQ(r->config.storage.filesystem.directory, "chunks");
}

TEST(config_derived, common_ring_settings_fill_the_ingester_ring) {
  auto r = load_yaml("common:\n  replication_factor: 1\n  ring:\n    kvstore:\n      store: inmemory\n");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->config.ingester.lifecycler.ring.replication_factor, 1);
  EXPECT_EQ(r->config.ingester.lifecycler.ring.kvstore.store, "inmemory");
  EXPECT_EQ(r->config.distributor.ring.kvstore.store, "inmemory");
  r = load_yaml("common:\n  replication_factor: 1\ningester:\n  lifecycler:\n    ring:\n"
                "      replication_factor: 2\n");
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(r->config.ingester.lifecycler.ring.replication_factor, 2);
}

// ---- validation ------------------------------------------------------------

TEST(config_validate, failures_name_the_key) {
  struct vcase {
    const char* yaml;
    const char* want;
  };
  const vcase cases[] = {
    {"ingester:\n  chunk_target_size: 0\n", "invalid configuration: ingester.chunk_target_size: must be greater than 0"},
    {"ingester:\n  chunk_block_size: 0\n", "ingester.chunk_block_size: must be greater than 0"},
    {"common:\n  replication_factor: 0\n", "common.replication_factor: must be at least 1"},
    {"server:\n  http_listen_port: 70000\n", "server.http_listen_port: 70000 is not a port number"},
    {"memberlist:\n  bind_port: -1\n", "memberlist.bind_port: -1 is not a port number"},
    {"target: all,compactor\n", "target: unrecognised module name \"compactor\""},
    {"target: ' , '\n", "target: must name at least one module"},
    {"ingester:\n  lifecycler:\n    num_tokens: 0\n", "ingester.lifecycler.num_tokens: must be greater than 0"},
    {"ingester:\n  sync_min_utilization: 1.5\n", "ingester.sync_min_utilization: must be between 0 and 1"},
    {"ingester:\n  wal:\n    dir: ''\n", "ingester.wal.dir: must be set when the WAL is enabled"},
    {"ingester:\n  wal:\n    writer_nice: -21\n", "ingester.wal.writer_nice: must be between -20 and 19"},
    {"ingester:\n  flush_op_backoff:\n    min_period: 2m\n", "ingester.flush_op_backoff.min_period: must not exceed"},
    {"ingester:\n  lifecycler:\n    ring:\n      replication_factor: 0\n", "ingester.lifecycler.ring.replication_factor: must be at least 1"},
    {"distributor:\n  ring:\n    heartbeat_period: 0s\n", "distributor.ring.heartbeat_period: must be greater than 0"},
    {"storage_config:\n  filesystem:\n    directory: ''\n", "storage_config.filesystem.directory: must be set"},
    {"limits_config:\n  max_entries_limit_per_query: 0\n", "limits_config.max_entries_limit_per_query: must be greater than 0"},
    {"limits_config:\n  ingestion_rate_mb: -1\n", "limits_config.ingestion_rate_mb: must not be negative"},
    {"schema_config:\n  configs:\n    - from: yesterday\n", "schema_config.configs[0].from: \"yesterday\" is not a date"},
    {"schema_config:\n  configs:\n    - from: 2024-01-02\n    - from: 2024-01-01\n",
     "schema_config.configs[1].from: \"2024-01-01\" must be after"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.yaml);
    auto msg = error_of(c.yaml);
    EXPECT_THAT(msg, HasSubstr(c.want));
  }
}

TEST(config_validate, flag_values_are_validated_too) {
  auto r = load_args({"-ingester.chunk-target-size=0"});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message(), HasSubstr("ingester.chunk_target_size: must be greater than 0"));
  r = load_args({"-target=ruler"});
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message(), HasSubstr("unrecognised module name \"ruler\""));
}

// ---- output ----------------------------------------------------------------

TEST(config_output, defaults_round_trip_through_yaml) {
  root_config defaults;
  auto text = to_yaml(defaults);
  root_config reloaded;
  auto st = apply_yaml(reloaded, text, "to_yaml");
  ASSERT_TRUE(st.ok()) << st.message() << "\n" << text;
  EXPECT_TRUE(equal(defaults, reloaded));
}

TEST(config_output, changed_values_round_trip_through_yaml) {
  auto r = load_yaml(R"(
target: distributor, ingester
auth_enabled: false
server:
  http_listen_address: "127.0.0.1"
  log_level: "true"
common:
  path_prefix: /tmp/skald data
ingester:
  chunk_idle_period: 1s500ms
  sync_min_utilization: 0.3333333333333333
  wal:
    fsync: batch
limits_config:
  max_line_size: 1000B
  discover_service_name: []
memberlist:
  join_members: ["a:1", "b: 2"]
schema_config:
  configs:
    - from: 2020-10-24
    - from: 2024-04-01
      schema: v12
)");
  ASSERT_FALSE(r.ok()); // "true" is not a log level
  r = load_yaml(R"(
target: distributor, ingester
auth_enabled: false
server:
  http_listen_address: "127.0.0.1"
common:
  path_prefix: /tmp/skald data
ingester:
  chunk_idle_period: 1s500ms
  sync_min_utilization: 0.3333333333333333
  wal:
    fsync: batch
limits_config:
  max_line_size: 1000B
  discover_service_name: []
memberlist:
  join_members: ["a:1", "b: 2", "true", ""]
schema_config:
  configs:
    - from: 2020-10-24
    - from: 2024-04-01
      schema: v12
)");
  ASSERT_TRUE(r.ok()) << r.error().message();
  auto text = to_yaml(r->config);
  root_config reloaded;
  auto st = apply_yaml(reloaded, text, "to_yaml");
  ASSERT_TRUE(st.ok()) << st.message() << "\n" << text;
  EXPECT_TRUE(equal(r->config, reloaded)) << text;
  EXPECT_EQ(reloaded.memberlist.join_members.size(), 4u);
  EXPECT_EQ(reloaded.schema.configs.size(), 2u);
  EXPECT_FALSE(equal(r->config, root_config{}));
}

TEST(config_output, equal_sees_every_field_and_list_element) {
  root_config a;
  root_config b;
  EXPECT_TRUE(equal(a, b));
  b.ingester.wal.fsync_interval = 11ms;
  EXPECT_FALSE(equal(a, b));
  b = a;
  b.schema.configs.emplace_back();
  EXPECT_FALSE(equal(a, b));
  a.schema.configs.emplace_back();
  EXPECT_TRUE(equal(a, b));
  a.schema.configs[0].index.prefix = "x_";
  EXPECT_FALSE(equal(a, b));
}

TEST(config_output, diff_prints_only_changed_keys_and_reloads) {
  EXPECT_EQ(to_yaml_diff(root_config{}, root_config{}), "{}\n");
  auto r = load_yaml("server:\n  http_listen_port: 4000\ningester:\n  wal:\n    fsync: batch\n"
                     "schema_config:\n  configs:\n    - from: 2020-10-24\n");
  ASSERT_TRUE(r.ok()) << r.error().message();
  auto diff = to_yaml_diff(r->config, root_config{});
  EXPECT_EQ(diff, "server:\n  http_listen_port: 4000\ningester:\n  wal:\n    fsync: batch\n"
                  "schema_config:\n  configs:\n    - from: 2020-10-24\n      store: tsdb\n"
                  "      object_store: filesystem\n      schema: v13\n      index:\n"
                  "        prefix: index_\n        period: 1d\n");
  root_config reloaded;
  ASSERT_TRUE(apply_yaml(reloaded, diff, "diff").ok());
  EXPECT_TRUE(equal(reloaded, r->config));
}

TEST(config_output, print_config_shows_effective_values) {
  auto r = load_args({"-server.http-listen-port=4100"});
  ASSERT_TRUE(r.ok());
  auto text = to_yaml(r->config);
  EXPECT_THAT(text, HasSubstr("http_listen_port: 4100"));
  EXPECT_THAT(text, HasSubstr("chunk_idle_period: 30m"));
  EXPECT_THAT(text, HasSubstr("max_line_size: 256KB"));
}

} // namespace
} // namespace skald::config
