// tests/fuzz/push_decoder_fuzz.cpp — libFuzzer target for the push write path.
//
// The first input byte picks what the rest is fed to:
//   0  protobuf PushRequest bytes, snappy-compressed here, decode_push(x-protobuf)
//   1  raw body, decode_push(x-protobuf): the snappy block decoder
//   2  JSON v1 body           3  JSON legacy body
//   4  gzip body (JSON)       5  raw-deflate body (protobuf)
//   6  JSON v1, gzip-compressed here
//   7  label text: parse_labels + canonical round trip
// On success the decoder's invariants are checked (canonical labels, hash,
// views inside the owned buffer; a violation traps) and the request goes
// through validation::validate_push with limits derived from the input.
//
// Build (clang only):
//   cmake -S . -B build-fuzz -G Ninja -DCMAKE_C_COMPILER=clang
//     -DCMAKE_CXX_COMPILER=clang++ -DSKALD_BUILD_FUZZ=ON -DSKALD_BUILD_TESTS=ON   (one command)
//   cmake --build build-fuzz --target push_decoder_fuzz
//   build-fuzz/tests/push_decoder_fuzz -max_total_time=300 tests/fuzz/corpus/push
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <snappy.h>
#include <zlib.h>

#include "runtime/model/hash.hpp"
#include "runtime/model/label_parse.hpp"
#include "runtime/push/decode.hpp"
#include "runtime/validation/validate_push.hpp"

namespace {

void check(bool ok) {
  if (!ok)
    __builtin_trap();
}

std::string gzip(std::string_view in) {
  z_stream s{};
  deflateInit2(&s, 1, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&s, in.size()) + 64, '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  s.avail_in = static_cast<uInt>(in.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  deflate(&s, Z_FINISH);
  out.resize(s.total_out);
  deflateEnd(&s);
  return out;
}

void check_request(const skald::push::push_request& r) {
  using namespace skald;
  size_t lines = 0;
  for (const auto& s : r.streams) {
    check(s.labels == model::canonical_string(s.label_set));
    check(s.fingerprint == model::fingerprint(s.label_set));
    for (size_t i = 1; i < s.label_set.size(); ++i)
      check(s.label_set[i - 1].name <= s.label_set[i].name);
    for (const auto& e : s.entries) {
      ++lines;
      if (!e.line.empty()) {
        const char* lo = r.storage->bytes.get();
        check(e.line.data() >= lo && e.line.data() + e.line.size() <= lo + r.storage->size);
      }
    }
  }
  check(lines == r.lines);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace skald;
  if (size == 0)
    return 0;
  const uint8_t mode = data[0] % 8;
  std::string_view body{reinterpret_cast<const char*>(data + 1), size - 1};
  push::decode_limits limits;
  limits.max_recv_msg_size = 1 << 20;
  limits.max_decompressed_size = 4 << 20;
  result<push::push_request> r = status{errc::invalid_argument, "unused"};
  switch (mode) {
  case 0: {
    std::string compressed;
    snappy::Compress(body.data(), body.size(), &compressed);
    r = push::decode_push("application/x-protobuf", "", compressed, limits);
    break;
  }
  case 1:
    r = push::decode_push("application/x-protobuf", "", body, limits);
    break;
  case 2:
    r = push::decode_push("application/json", "", body, limits, push::json_format::v1);
    break;
  case 3:
    r = push::decode_push("application/json", "", body, limits, push::json_format::legacy);
    break;
  case 4:
    r = push::decode_push("application/json", "gzip", body, limits);
    break;
  case 5:
    r = push::decode_push("application/x-protobuf", "deflate", body, limits);
    break;
  case 6:
    r = push::decode_push("application/json; charset=utf-8", "gzip", gzip(body), limits);
    break;
  case 7: {
    auto ls = model::parse_labels(body);
    if (ls) {
      auto canon = model::canonical_string(*ls);
      auto again = model::parse_labels(canon);
      check(again.ok());
      check(*again == *ls);
      check(model::canonical_string(*again) == canon);
      (void)model::fingerprint(*ls);
      (void)model::stream_token("tenant", canon);
    }
    return 0;
  }
  }
  if (r.ok()) {
    check_request(*r);
    // Validation with small limits chosen by the input, at a fixed "now".
    validation::validation_limits lim;
    lim.max_line_size = data[0] & 0x40 ? 16 : 0;
    lim.max_line_size_truncate = data[0] & 0x20;
    lim.max_line_size_truncate_identifier = data[0] & 0x10 ? "..." : "";
    lim.increment_duplicate_timestamp = data[0] & 0x08;
    lim.max_label_names_per_series = 3;
    lim.max_label_value_length = 32;
    lim.max_structured_metadata_entries_count = 2;
    lim.max_structured_metadata_size = 16;
    auto ctx = validation::make_context(
        lim, std::chrono::system_clock::time_point{std::chrono::seconds{1700000000}});
    const size_t before = r->lines;
    auto v = validation::validate_push(ctx, std::move(*r));
    size_t discarded = 0;
    for (const auto& d : v.discarded)
      discarded += d.entries;
    size_t empty_stream_lines = 0; // skipped silently: none (empty streams have no lines)
    check(v.valid_lines + discarded + empty_stream_lines == before);
    check(v.error.empty() == (discarded == 0));
    for (const auto& s : v.request.streams)
      for (const auto& e : s.entries)
        check(lim.max_line_size == 0 || e.line.size() <= lim.max_line_size);
  } else {
    check(!r.error().message().empty() && r.error().code() != errc::none);
  }
  return 0;
}
