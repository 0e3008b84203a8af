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

/// reader::read_varint() without a status: true and `v` set exactly when
/// read_varint() would succeed (at most 10 bytes, the last one's excess
/// bits ignored, as gogo does).
inline bool fast_varint(const char*& p, const char* end, uint64_t& v) noexcept {
  if (end - p >= 2) { // one- and two-byte varints (tags, lengths) without a loop
    auto b0 = static_cast<uint8_t>(p[0]);
    if (b0 < 0x80) {
      v = b0;
      p += 1;
      return true;
    }
    auto b1 = static_cast<uint8_t>(p[1]);
    if (b1 < 0x80) {
      v = (b0 & 0x7Fu) | (static_cast<uint64_t>(b1) << 7);
      p += 2;
      return true;
    }
  }
  uint64_t r = 0;
  for (unsigned shift = 0; shift < 64; shift += 7) {
    if (p >= end)
      return false;
    auto b = static_cast<uint8_t>(*p++);
    r |= static_cast<uint64_t>(b & 0x7F) << shift;
    if (b < 0x80) {
      v = r;
      return true;
    }
  }
  return false;
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

  /// Consumes the next byte if it is `b` (a one-byte tag).
  bool take_byte(uint8_t b) noexcept {
    if (p_ < end_ && static_cast<uint8_t>(*p_) == b) {
      ++p_;
      return true;
    }
    return false;
  }

  /// read_bytes() without building a status: false where read_bytes() would
  /// fail, leaving the position unspecified (the caller then reports the
  /// error through the general path from a saved position).
  bool try_bytes(std::string_view& out) noexcept {
    uint64_t n = 0;
    if (!fast_varint(p_, end_, n) || n > static_cast<uint64_t>(end_ - p_))
      return false;
    out = std::string_view{p_, static_cast<size_t>(n)};
    p_ += n;
    return true;
  }

  const char* position() const noexcept { return p_; }
  void rewind(const char* p) noexcept { p_ = p; }

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

// The fast path. Nearly every EntryAdapter a client sends is a Timestamp
// (seconds, nanos) and a line, each with a one-byte tag: fast_entry() decodes
// exactly that shape with plain bools. Anything else (structured metadata,
// unknown fields, multi-byte tags, wrong wire types, truncation, an invalid
// timestamp) makes it return false without touching the output, and the
// general decoder above decodes the entry again from its first byte: the
// result, and every error text, is the general decoder's.

constexpr uint8_t tag_ts_seconds = 0x08; // field 1, varint
constexpr uint8_t tag_ts_nanos = 0x10;   // field 2, varint
constexpr uint8_t tag_field1_len = 0x0a; // field 1, length-delimited
constexpr uint8_t tag_field2_len = 0x12; // field 2, length-delimited

bool fast_timestamp(const char* p, const char* end, model::timestamp_ns& ts) noexcept {
  int64_t seconds = 0;
  int32_t nanos = 0;
  while (p < end) {
    auto tag = static_cast<uint8_t>(*p++);
    uint64_t v = 0;
    if ((tag != tag_ts_seconds && tag != tag_ts_nanos) || !fast_varint(p, end, v))
      return false;
    if (tag == tag_ts_seconds)
      seconds = static_cast<int64_t>(v);
    else
      nanos = static_cast<int32_t>(static_cast<uint32_t>(v));
  }
  if (seconds < min_valid_seconds || seconds >= max_valid_seconds || nanos < 0 ||
      nanos >= 1000000000)
    return false;
  ts = to_unix_nanos(seconds, nanos);
  return true;
}

bool fast_entry(std::string_view b, model::entry_view& e) noexcept {
  const char* p = b.data();
  const char* end = p + b.size();
  static const model::timestamp_ns go_zero_time = to_unix_nanos(min_valid_seconds, 0);
  model::timestamp_ns ts = go_zero_time; // absent: Go's zero time, as decode_entry()
  std::string_view line;
  while (p < end) {
    auto tag = static_cast<uint8_t>(*p++);
    uint64_t n = 0;
    if ((tag != tag_field1_len && tag != tag_field2_len) || !fast_varint(p, end, n) ||
        n > static_cast<uint64_t>(end - p))
      return false;
    if (tag == tag_field1_len) {
      if (!fast_timestamp(p, p + n, ts))
        return false;
    } else {
      line = std::string_view{p, static_cast<size_t>(n)};
    }
    p += n;
  }
  e.ts = ts;
  e.line = line;
  e.metadata = nullptr;
  return true;
}

/// Entries (field 2, one-byte tag) in a StreamAdapter, counted up to the
/// first field that is not a one-byte-tagged labels/entries field: a
/// reservation hint only, never an error.
size_t count_entries(std::string_view b) noexcept {
  const char* p = b.data();
  const char* end = p + b.size();
  size_t n = 0;
  while (p < end) {
    auto tag = static_cast<uint8_t>(*p++);
    uint64_t len = 0;
    if ((tag != tag_field1_len && tag != tag_field2_len) || !fast_varint(p, end, len) ||
        len > static_cast<uint64_t>(end - p))
      break;
    n += tag == tag_field2_len;
    p += len;
  }
  return n;
}

status decode_stream(std::string_view b, raw_stream& s, std::deque<model::label_set>& metadata) {
  reader r{b.data(), b.data() + b.size()};
  s.entries.reserve(count_entries(b));
  while (!r.done()) {
    const char* field_start = r.position();
    std::string_view eb;
    if (r.take_byte(tag_field2_len) && r.try_bytes(eb)) {
      auto& e = s.entries.emplace_back();
      if (!fast_entry(eb, e))
        SKALD_TRY(decode_entry(eb, e, metadata));
      continue;
    }
    r.rewind(field_start);
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
