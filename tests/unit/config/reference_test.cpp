// docs/configuration.md must equal reference_markdown(); the failure message
// says how to regenerate it. Also checks the reference covers every key.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/config/flags.hpp"
#include "runtime/config/output.hpp"

namespace skald::config {
namespace {

using ::testing::HasSubstr;

const std::string doc_path = std::string{SKALD_SOURCE_DIR} + "/docs/configuration.md";

TEST(config_reference, committed_doc_matches_generated) {
  const std::string want = reference_markdown();
  if (const char* update = std::getenv("SKALD_UPDATE_DOCS"); update && std::string{update} == "1") {
    std::ofstream out(doc_path, std::ios::binary | std::ios::trunc);
    out << want;
    ASSERT_TRUE(out.good()) << "could not write " << doc_path;
    return;
  }
  std::ifstream in(doc_path, std::ios::binary);
  std::stringstream have;
  have << in.rdbuf();
  EXPECT_TRUE(in.good() && have.str() == want)
    << doc_path << " is out of date with the bind() functions in runtime/config/.\n"
    << "Regenerate it with:\n"
    << "  SKALD_UPDATE_DOCS=1 build/tests/unit_tests --gtest_filter='config_reference.*'\n"
    << "and commit the result.";
}

TEST(config_reference, lists_every_field_with_flag_type_and_default) {
  auto doc = reference_markdown();
  for (const auto& [path, value] : flatten(root_config{})) {
    if (path.find('[') != std::string::npos || path.find(".length") != std::string::npos)
      continue;
    SCOPED_TRACE(path);
    EXPECT_THAT(doc, HasSubstr("| `" + path + "` |"));
  }
  EXPECT_THAT(doc, HasSubstr("| `server.http_listen_port` | `-server.http-listen-port` | int | `3100` |"));
  EXPECT_THAT(doc, HasSubstr("| `server.log_level` | `-log.level` |"));
  EXPECT_THAT(doc, HasSubstr("| `ingester.chunk_idle_period` | `-ingester.chunk-idle-period` | duration | `30m` |"));
  EXPECT_THAT(doc, HasSubstr("| `schema_config.configs[].index.period` | — | duration | `1d` |"));
  EXPECT_THAT(doc, HasSubstr("`-config.file`"));
}

TEST(config_reference, every_flag_name_is_unique_and_derived_from_its_path) {
  root_config cfg;
  builtin_flags builtins;
  auto registry = make_flag_registry(cfg, builtins);
  size_t fields = 0;
  for (const auto& [path, value] : flatten(cfg))
    if (path.find('[') == std::string::npos && path.find(".length") == std::string::npos)
      ++fields;
  size_t field_flags = 0;
  for (const auto& [name, e] : registry)
    if (!e.path.empty())
      ++field_flags;
  // A collision would have dropped an entry from the map.
  EXPECT_EQ(field_flags, fields);
  EXPECT_EQ(registry.at("ingester.chunk-idle-period").path, "ingester.chunk_idle_period");
  EXPECT_EQ(registry.at("auth.enabled").path, "auth_enabled");
  EXPECT_EQ(registry.at("target").path, "target");
}

} // namespace
} // namespace skald::config
