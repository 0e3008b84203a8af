// tests/testutil/push_builder.hpp — builds runtime/push push_requests in tests,
// the way decode_push leaves them: labels parsed and canonical, fingerprint
// set, lines as views into one owned storage buffer.
//
//   push_builder b;
//   b.stream("{app=\"a\"}").entry(1 * sec, "line").entry(2 * sec, "other");
//   push::push_request req = b.build();
#pragma once

#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "runtime/model/hash.hpp"
#include "runtime/model/label_parse.hpp"
#include "runtime/push/push_request.hpp"

namespace skald::testutil {

class push_builder {
public:
  /// Starts a stream; `labels` must parse (bad label sets: set label_set by hand).
  push_builder& stream(const std::string& labels) {
    streams_.push_back({labels, {}});
    return *this;
  }
  push_builder& entry(int64_t ts, std::string line) {
    streams_.back().entries.emplace_back(ts, std::move(line));
    return *this;
  }

  push::push_request build() const {
    auto storage = std::make_shared<push::push_storage>();
    size_t total = 0;
    for (const auto& s : streams_)
      for (const auto& e : s.entries)
        total += e.second.size();
    storage->bytes.reset(new char[total + 1]);
    storage->size = total;
    push::push_request req;
    size_t off = 0;
    for (const auto& s : streams_) {
      push::push_stream ps;
      auto parsed = model::parse_labels(s.labels);
      if (parsed.ok()) {
        ps.label_set = *parsed;
        ps.labels = model::canonical_string(ps.label_set);
      } else {
        ps.labels = s.labels;
      }
      ps.fingerprint = model::fingerprint(ps.label_set);
      for (const auto& [ts, line] : s.entries) {
        std::memcpy(storage->bytes.get() + off, line.data(), line.size());
        ps.entries.push_back(
          model::entry_view{ts, std::string_view{storage->bytes.get() + off, line.size()}, nullptr});
        off += line.size();
        ++req.lines;
        req.line_bytes += line.size();
      }
      req.streams.push_back(std::move(ps));
    }
    req.storage = std::move(storage);
    return req;
  }

private:
  struct spec {
    std::string labels;
    std::vector<std::pair<int64_t, std::string>> entries;
  };
  std::vector<spec> streams_;
};

} // namespace skald::testutil
