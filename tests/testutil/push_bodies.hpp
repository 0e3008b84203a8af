// tests/testutil/push_bodies.hpp — builds push bodies for unit tests and benchmarks
// (header-only): logproto via the generated classes, snappy, gzip, raw deflate.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <snappy.h>
#include <zlib.h>

#include "push.pb.h"

namespace skald::push::testing {

struct test_entry {
  int64_t ts_ns = 0;
  std::string line;
  std::vector<std::pair<std::string, std::string>> metadata;
};

struct test_stream {
  std::string labels;
  std::vector<test_entry> entries;
};

inline logproto::PushRequest make_proto(const std::vector<test_stream>& streams) {
  logproto::PushRequest req;
  for (const auto& s : streams) {
    auto* ps = req.add_streams();
    ps->set_labels(s.labels);
    for (const auto& e : s.entries) {
      auto* pe = ps->add_entries();
      int64_t secs = e.ts_ns / 1000000000;
      int64_t nanos = e.ts_ns % 1000000000;
      if (nanos < 0) {
        nanos += 1000000000;
        --secs;
      }
      pe->mutable_timestamp()->set_seconds(secs);
      pe->mutable_timestamp()->set_nanos(static_cast<int32_t>(nanos));
      pe->set_line(e.line);
      for (const auto& [k, v] : e.metadata) {
        auto* lp = pe->add_structuredmetadata();
        lp->set_name(k);
        lp->set_value(v);
      }
    }
  }
  return req;
}

inline std::string snappy_compress(const std::string& raw) {
  std::string out;
  snappy::Compress(raw.data(), raw.size(), &out);
  return out;
}

/// snappy(protobuf(PushRequest)): the body Promtail/Alloy send.
inline std::string proto_body(const std::vector<test_stream>& streams) {
  std::string raw;
  make_proto(streams).SerializeToString(&raw);
  return snappy_compress(raw);
}

/// window_bits: 16+15 = gzip, -15 = raw deflate, 15 = zlib.
inline std::string zlib_compress(const std::string& raw, int window_bits, int level = 6) {
  z_stream s{};
  if (deflateInit2(&s, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("deflateInit2");
  std::string out(deflateBound(&s, raw.size()) + 64, '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(raw.data()));
  s.avail_in = static_cast<uInt>(raw.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  if (deflate(&s, Z_FINISH) != Z_STREAM_END)
    throw std::runtime_error("deflate");
  out.resize(s.total_out);
  deflateEnd(&s);
  return out;
}

inline std::string gzip_compress(const std::string& raw) {
  return zlib_compress(raw, 16 + 15);
}
inline std::string deflate_compress(const std::string& raw) {
  return zlib_compress(raw, -15);
}

} // namespace skald::push::testing
