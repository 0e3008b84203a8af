// tests/unit/config/config_test_util.hpp — helpers shared by the config tests:
// temporary YAML files and load() with a vector of arguments.
#pragma once

#include <atomic>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

#include <unistd.h>

#include <gtest/gtest.h>

#include "runtime/config/loader.hpp"

namespace skald::config::testing {

/// A file under the gtest temp dir, removed when the object goes away.
class temp_file {
public:
  explicit temp_file(const std::string& content) {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::path{::testing::TempDir()}
            / ("skald_config_test_" + std::to_string(::getpid()) + "_"
               + std::to_string(counter++) + ".yaml");
    std::ofstream out(path_, std::ios::binary);
    out << content;
  }
  ~temp_file() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;

  std::string path() const { return path_.string(); }

private:
  std::filesystem::path path_;
};

/// load() with argv = {"skald", args...}.
inline result<load_outcome> load_args(std::vector<std::string> args) {
  args.insert(args.begin(), "skald");
  std::vector<const char*> argv;
  for (const auto& a : args)
    argv.push_back(a.c_str());
  return load(static_cast<int>(argv.size()), argv.data());
}

/// Loads YAML text (as a file) plus extra flags.
inline result<load_outcome> load_yaml(const std::string& yaml, std::vector<std::string> flags = {}) {
  temp_file f{yaml};
  flags.insert(flags.begin(), "-config.file=" + f.path());
  return load_args(std::move(flags));
}

} // namespace skald::config::testing
