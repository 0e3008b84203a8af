#include "runtime/push/proto_decode.hpp"

#include <cstdint>
#include <limits>
#include <string>

namespace skald::push {

namespace {

enum wire : uint32_t { varint = 0, fixed64 = 1, len = 2, sgroup = 3, egroup = 4, fixed32 = 5 };

// Go time: seconds of 0001-01-01T00:00:00Z and 10000-01-01T00:00:00Z.
constexpr int64_t min_valid_seconds = -62135596800;
constexpr int64_t max_valid_seconds = 253402300800;

status err(std::string msg) {
  return status{errc::invalid_argument, std::move(msg)};
}
status unexpected_eof() {
  return err("unexpected EOF");
}

class reader {
public:
  reader(const char* p, const char* end) : p_(p), end_(end) {}
  bool done() const { return p_ >= end_; }

  status read_varint(uint64_t& v) {
    v = 0;
    for (unsigned shift = 0;; shift += 7) {
      if (shift >= 64)
        return err("proto: integer overflow");
      if (p_ >= end_)
        return unexpected_eof();
      auto b = static_cast<uint8_t>(*p_++);
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      if (b < 0x80)
        return {};
    }
  }

  status read_tag(const char* msg, uint32_t& field, uint32_t& wt) {
    uint64_t key = 0;
    if (auto st = read_varint(key); !st.ok())
      return st;
    wt = static_cast<uint32_t>(key & 7);
    auto fn = static_cast<int64_t>(key >> 3);
    if (wt == egroup)
      return err(std::string{"proto: "} + msg + ": wiretype end group for non-group");
    if (fn <= 0 || fn > std::numeric_limits<int32_t>::max())
      return err(std::string{"proto: "} + msg + ": illegal tag " +
                 std::to_string(static_cast<int32_t>(key >> 3)) + " (wire type " +
                 std::to_string(wt) + ")");
    field = static_cast<uint32_t>(fn);
    return {};
  }

  status read_bytes(std::string_view& out) {
    uint64_t n = 0;
    if (auto st = read_varint(n); !st.ok())
      return st;
    if (static_cast<int64_t>(n) < 0)
      return err("proto: negative length found during unmarshaling");
    if (n > static_cast<uint64_t>(end_ - p_))
      return unexpected_eof();
    out = std::string_view{p_, static_cast<size_t>(n)};
    p_ += n;
    return {};
  }

  /// Skips one field's payload of wire type wt (gogo skipPush semantics).
  status skip(uint32_t wt) {
    int depth = 0;
    for (;;) {
      switch (wt) {
      case varint: {
        uint64_t v;
        if (auto st = read_varint(v); !st.ok())
          return st;
        break;
      }
      case fixed64:
        if (end_ - p_ < 8)
          return unexpected_eof();
        p_ += 8;
        break;
      case fixed32:
        if (end_ - p_ < 4)
          return unexpected_eof();
        p_ += 4;
        break;
      case len: {
        std::string_view ignored;
        if (auto st = read_bytes(ignored); !st.ok())
          return st;
        break;
      }
      case sgroup:
        ++depth;
        break;
      case egroup:
        if (depth == 0)
          return err("proto: unexpected end of group");
        --depth;
        break;
      default:
        return err("proto: illegal wireType " + std::to_string(wt));
      }
      if (depth == 0)
        return {};
      uint64_t key = 0;
      if (auto st = read_varint(key); !st.ok())
        return st;
      wt = static_cast<uint32_t>(key & 7);
    }
  }

private:
  const char* p_;
  const char* end_;
};

status wrong_wire(uint32_t wt, const char* field) {
  return err("proto: wrong wireType = " + std::to_string(wt) + " for field " + field);
}

#define SKALD_TRY(expr)                                                                            \
  do {                                                                                             \
    if (auto st_ = (expr); !st_.ok())                                                              \
      return st_;                                                                                  \
  } while (false)

status decode_timestamp(std::string_view b, model::timestamp_ns& ts) {
  reader r{b.data(), b.data() + b.size()};
  int64_t seconds = 0;
  int32_t nanos = 0;
  while (!r.done()) {
    uint32_t f, wt;
    SKALD_TRY(r.read_tag("Timestamp", f, wt));
    if (f == 1 || f == 2) {
      if (wt != varint)
        return wrong_wire(wt, f == 1 ? "Seconds" : "Nanos");
      uint64_t v;
      SKALD_TRY(r.read_varint(v));
      if (f == 1)
        seconds = static_cast<int64_t>(v);
      else
        nanos = static_cast<int32_t>(static_cast<uint32_t>(v));
    } else {
      SKALD_TRY(r.skip(wt));
    }
  }
  auto describe = [&] {
    return "seconds:" + std::to_string(seconds) + " nanos:" + std::to_string(nanos);
  };
  if (seconds < min_valid_seconds)
    return err("timestamp: " + describe() + " before 0001-01-01");
  if (seconds >= max_valid_seconds)
    return err("timestamp: " + describe() + " after 10000-01-01");
  if (nanos < 0 || nanos >= 1000000000)
    return err("timestamp: " + describe() + ": nanos not in range [0, 1e9)");
  ts = to_unix_nanos(seconds, nanos);
  return {};
}

status decode_label_pair(std::string_view b, model::label* out) {
  reader r{b.data(), b.data() + b.size()};
  while (!r.done()) {
    uint32_t f, wt;
    SKALD_TRY(r.read_tag("LabelPairAdapter", f, wt));
    if (f == 1 || f == 2) {
      if (wt != len)
        return wrong_wire(wt, f == 1 ? "Name" : "Value");
      std::string_view s;
      SKALD_TRY(r.read_bytes(s));
      if (out)
        (f == 1 ? out->name : out->value).assign(s.data(), s.size());
    } else {
      SKALD_TRY(r.skip(wt));
    }
  }
  return {};
}

status decode_entry(std::string_view b, model::entry_view& e,
                    std::deque<model::label_set>& metadata) {
  reader r{b.data(), b.data() + b.size()};
  // gogo stdtime non-nullable: absent timestamp = Go's zero time (0001-01-01).
  e.ts = to_unix_nanos(min_valid_seconds, 0);
  e.line = {};
  e.metadata = nullptr;
  model::label_set* sm = nullptr;
  while (!r.done()) {
    uint32_t f, wt;
    SKALD_TRY(r.read_tag("EntryAdapter", f, wt));
    switch (f) {
    case 1: {
      if (wt != len)
        return wrong_wire(wt, "Timestamp");
      std::string_view ts;
      SKALD_TRY(r.read_bytes(ts));
      SKALD_TRY(decode_timestamp(ts, e.ts));
      break;
    }
    case 2:
      if (wt != len)
        return wrong_wire(wt, "Line");
      SKALD_TRY(r.read_bytes(e.line));
      break;
    case 3: {
      if (wt != len)
        return wrong_wire(wt, "StructuredMetadata");
      std::string_view pair;
      SKALD_TRY(r.read_bytes(pair));
      if (!sm) {
        sm = &metadata.emplace_back();
        e.metadata = sm;
      }
      SKALD_TRY(decode_label_pair(pair, &sm->emplace_back()));
      break;
    }
    case 4: {
      if (wt != len)
        return wrong_wire(wt, "Parsed");
      std::string_view pair;
      SKALD_TRY(r.read_bytes(pair));
      SKALD_TRY(decode_label_pair(pair, nullptr)); // validated, dropped
      break;
    }
    default:
      SKALD_TRY(r.skip(wt));
      break;
    }
  }
  return {};
}

status decode_stream(std::string_view b, raw_stream& s, std::deque<model::label_set>& metadata) {
  reader r{b.data(), b.data() + b.size()};
  while (!r.done()) {
    uint32_t f, wt;
    SKALD_TRY(r.read_tag("StreamAdapter", f, wt));
    switch (f) {
    case 1:
      if (wt != len)
        return wrong_wire(wt, "Labels");
      SKALD_TRY(r.read_bytes(s.labels));
      break;
    case 2: {
      if (wt != len)
        return wrong_wire(wt, "Entries");
      std::string_view eb;
      SKALD_TRY(r.read_bytes(eb));
      SKALD_TRY(decode_entry(eb, s.entries.emplace_back(), metadata));
      break;
    }
    case 3: {
      if (wt != varint)
        return wrong_wire(wt, "Hash");
      uint64_t ignored;
      SKALD_TRY(r.read_varint(ignored));
      break;
    }
    default:
      SKALD_TRY(r.skip(wt));
      break;
    }
  }
  return {};
}

} // namespace

model::timestamp_ns to_unix_nanos(int64_t seconds, int64_t nanos) noexcept {
  constexpr int64_t max_s = std::numeric_limits<int64_t>::max() / 1000000000;
  constexpr int64_t min_s = std::numeric_limits<int64_t>::min() / 1000000000;
  if (seconds > max_s)
    return std::numeric_limits<int64_t>::max();
  if (seconds < min_s)
    return std::numeric_limits<int64_t>::min();
  int64_t base = seconds * 1000000000;
  if (nanos > 0 && base > std::numeric_limits<int64_t>::max() - nanos)
    return std::numeric_limits<int64_t>::max();
  if (nanos < 0 && base < std::numeric_limits<int64_t>::min() - nanos)
    return std::numeric_limits<int64_t>::min();
  return base + nanos;
}

result<std::vector<raw_stream>> decode_push_request_proto(std::string_view buf,
                                                          std::deque<model::label_set>& metadata) {
  std::vector<raw_stream> streams;
  reader r{buf.data(), buf.data() + buf.size()};
  while (!r.done()) {
    uint32_t f, wt;
    SKALD_TRY(r.read_tag("PushRequest", f, wt));
    switch (f) {
    case 1: {
      if (wt != len)
        return wrong_wire(wt, "Streams");
      std::string_view sb;
      SKALD_TRY(r.read_bytes(sb));
      SKALD_TRY(decode_stream(sb, streams.emplace_back(), metadata));
      break;
    }
    case 2: {
      if (wt != len)
        return wrong_wire(wt, "Format");
      std::string_view ignored;
      SKALD_TRY(r.read_bytes(ignored));
      break;
    }
    default:
      SKALD_TRY(r.skip(wt));
      break;
    }
  }
  return streams;
}

#undef SKALD_TRY

} // namespace skald::push
