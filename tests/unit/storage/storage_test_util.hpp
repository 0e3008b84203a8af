// Helpers of the storage unit tests: temp directories and small chunks.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "runtime/chunkenc/mem_chunk.hpp"
#include "runtime/model/labels.hpp"

namespace skald::storage::testing {

/// A fresh directory under $TMPDIR, removed (rm -rf) by the destructor.
class temp_dir {
public:
  temp_dir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string{base ? base : "/tmp"} + "/skald-storage-XXXXXX";
    char* p = ::mkdtemp(tmpl.data());
    EXPECT_NE(p, nullptr);
    path_ = tmpl;
  }
  ~temp_dir() {
    std::string cmd = "rm -rf '" + path_ + "'";
    (void)std::system(cmd.c_str());
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::string& path() const { return path_; }

private:
  std::string path_;
};

inline model::label_set labels_of(std::initializer_list<std::pair<const char*, const char*>> ls) {
  model::label_set out;
  for (auto& [n, v] : ls)
    out.push_back({n, v});
  model::normalise(out);
  return out;
}

/// An encoded, closed chunk of n lines starting at ts0, one per ms.
inline std::string chunk_bytes(int n, int64_t ts0, const std::string& prefix = "line") {
  chunkenc::mem_chunk c;
  for (int i = 0; i < n; ++i) {
    std::string line = prefix + " " + std::to_string(i);
    model::entry_view e{ts0 + int64_t{i} * 1'000'000, line, nullptr};
    (void)c.append(e);
  }
  EXPECT_TRUE(c.close().ok());
  auto enc = c.encode();
  EXPECT_TRUE(enc.ok());
  return enc.ok() ? *enc : std::string{};
}

} // namespace skald::storage::testing
