// runtime/model/entry.hpp — one log line of one stream.
//
// An entry owns its bytes; it is what queries return and what tests build.
// Hot paths (push decoding, chunk appends) use entry_view, which points into
// a buffer the caller keeps alive for the duration of the call.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/model/labels.hpp"

namespace skald::model {

/// Nanoseconds since the Unix epoch.
using timestamp_ns = int64_t;

struct entry {
  timestamp_ns ts = 0;
  std::string line;
  /// Structured metadata (Loki 3.x), normalised; usually empty.
  label_set metadata;

  friend bool operator==(const entry& a, const entry& b) {
    return a.ts == b.ts && a.line == b.line && a.metadata == b.metadata;
  }
};

/// A non-owning entry: `line` points into a caller-owned buffer.
struct entry_view {
  timestamp_ns ts = 0;
  std::string_view line;
  const label_set* metadata = nullptr;  // null = none
};

} // namespace skald::model
