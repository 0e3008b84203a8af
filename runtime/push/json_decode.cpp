#include "runtime/push/json_decode.hpp"

#include <map>
#include <string>

#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

#include "runtime/model/label_parse.hpp"
#include "runtime/model/time_format.hpp"

namespace skald::push {

namespace {

// jsonparser's error texts, reused by Loki as generic type errors.
constexpr const char* malformed_string = "Value is string, but can't find closing '\"' symbol";
constexpr const char* malformed_object =
    "Value looks like object, but can't find closing '}' symbol";
constexpr const char* malformed_value =
    "Value looks like Number/Boolean/None, but can't find its end: ',' or '}' symbol";
constexpr const char* overflow_integer = "Value is number, but overflowed while parsing";

// Go's zero time.Time in ns, saturated (see proto_decode.hpp).
const model::timestamp_ns zero_time_ns = to_unix_nanos(-62135596800, 0);

enum class frame : uint8_t {
  // v1
  root,
  streams,
  stream,
  labels,
  values,
  entry,
  sm,
  // legacy
  l_root,
  l_streams,
  l_stream,
  l_entries,
  l_entry,
  l_sm_list,
  l_sm_pair,
};

enum class kind : uint8_t { null, scalar, string, object, array };

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z')
      x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z')
      y = static_cast<char>(y - 'A' + 'a');
    if (x != y)
      return false;
  }
  return true;
}

/// jsonparser.ParseInt: optional '-', decimal digits, int64 range.
status parse_ns(std::string_view s, model::timestamp_ns& out) {
  bool neg = !s.empty() && s[0] == '-';
  if (neg)
    s.remove_prefix(1);
  if (s.empty())
    return status{errc::invalid_argument, malformed_value};
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9')
      return status{errc::invalid_argument, malformed_value};
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (uint64_t{1} << 63) / 10 || v * 10 > (uint64_t{1} << 63) - d)
      return status{errc::invalid_argument, overflow_integer};
    v = v * 10 + d;
  }
  if (!neg && v > static_cast<uint64_t>(INT64_MAX))
    return status{errc::invalid_argument, overflow_integer};
  out = neg ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
  return {};
}

/// Extent of the raw JSON value starting at p (after "key":). Best effort on
/// malformed input: the reader reports the real error afterwards.
std::string_view raw_value_at(const char* p) {
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
    ++p;
  if (*p != ':')
    return {};
  ++p;
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
    ++p;
  const char* start = p;
  if (*p == '{' || *p == '[') {
    int depth = 0;
    bool in_str = false;
    for (; *p; ++p) {
      char c = *p;
      if (in_str) {
        if (c == '\\' && p[1])
          ++p;
        else if (c == '"')
          in_str = false;
        continue;
      }
      if (c == '"')
        in_str = true;
      else if (c == '{' || c == '[')
        ++depth;
      else if (c == '}' || c == ']') {
        if (--depth == 0)
          return {start, static_cast<size_t>(p + 1 - start)};
      }
    }
    return {start, static_cast<size_t>(p - start)};
  }
  while (*p && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\t' && *p != '\n' &&
         *p != '\r')
    ++p;
  return {start, static_cast<size_t>(p - start)};
}

/// The in-situ stream, used by reference: rapidjson copies streams whose
/// StreamTraits allow it (InsituStringStream does) into locals while parsing a
/// string, which would hide the position after a key from the handler. A
/// distinct type gets the default traits (no copy), so src_ is current in Key().
struct insitu_stream : rapidjson::InsituStringStream {
  explicit insitu_stream(char* p) : rapidjson::InsituStringStream(p) {}
};

class handler : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, handler> {
public:
  handler(json_format fmt, insitu_stream& in, std::deque<model::label_set>& metadata)
      : v1_(fmt == json_format::v1), in_(in), metadata_(metadata) {}

  std::vector<json_stream> streams;
  std::string error;

  // ---- rapidjson SAX interface ----
  bool Null() { return value(kind::null, {}); }
  bool Bool(bool) { return value(kind::scalar, {}); }
  bool Int(int) { return value(kind::scalar, {}); }
  bool Uint(unsigned) { return value(kind::scalar, {}); }
  bool Int64(int64_t) { return value(kind::scalar, {}); }
  bool Uint64(uint64_t) { return value(kind::scalar, {}); }
  bool Double(double) { return value(kind::scalar, {}); }
  bool RawNumber(const char*, rapidjson::SizeType, bool) { return value(kind::scalar, {}); }
  bool String(const char* s, rapidjson::SizeType n, bool) { return value(kind::string, {s, n}); }
  bool StartObject() { return value(kind::object, {}); }
  bool StartArray() { return value(kind::array, {}); }
  bool EndObject(rapidjson::SizeType) { return end(); }
  bool EndArray(rapidjson::SizeType) { return end(); }

  bool Key(const char* s, rapidjson::SizeType n, bool) {
    if (skip_ > 0)
      return true;
    key_ = {s, n};
    // Non-string label values are kept as raw JSON text: grab it now, before
    // the in-situ reader rewrites strings inside it.
    if (!stack_.empty() && stack_.back() == frame::labels)
      raw_ = std::string{raw_value_at(in_.src_)};
    return true;
  }

private:
  bool fail(std::string msg) {
    error = std::move(msg);
    return false;
  }

  void push(frame f) {
    stack_.push_back(f);
    index_.push_back(0);
  }

  /// Starts skipping the value whose first event has kind k.
  bool skip(kind k) {
    if (k == kind::object || k == kind::array)
      skip_ = 1;
    return true;
  }

  bool end() {
    if (skip_ > 0) {
      --skip_;
      return true;
    }
    frame f = stack_.back();
    stack_.pop_back();
    index_.pop_back();
    switch (f) {
    case frame::stream:
      finish_v1_stream();
      break;
    case frame::entry:
    case frame::l_entry:
      streams.back().entries.push_back(entry_);
      break;
    default:
      break;
    }
    return true;
  }

  bool value(kind k, std::string_view s) {
    if (skip_ > 0) {
      if (k == kind::object || k == kind::array)
        ++skip_;
      return true;
    }
    if (stack_.empty()) {
      if (k != kind::object)
        return fail("push request must be a JSON object");
      push(v1_ ? frame::root : frame::l_root);
      return true;
    }
    return v1_ ? value_v1(k, s) : value_legacy(k, s);
  }

  // ---- v1 ----
  bool value_v1(kind k, std::string_view s) {
    switch (stack_.back()) {
    case frame::root:
      if (key_ != "streams")
        return skip(k);
      if (k == kind::null)
        return true;
      if (k != kind::array)
        return fail("streams: expected an array");
      push(frame::streams);
      return true;
    case frame::streams:
      if (k == kind::null)
        return true;
      if (k != kind::object)
        return fail("streams: each stream must be an object");
      streams.emplace_back();
      labels_.clear();
      push(frame::stream);
      return true;
    case frame::stream:
      if (key_ == "stream") {
        if (k != kind::object)
          return fail(malformed_object);
        push(frame::labels);
        return true;
      }
      if (key_ == "values") {
        if (k == kind::null)
          return true;
        if (k != kind::array)
          return fail("values: expected an array");
        push(frame::values);
        return true;
      }
      return skip(k);
    case frame::labels:
      labels_[std::string{key_}] = k == kind::string ? std::string{s} : std::move(raw_);
      return skip(k);
    case frame::values:
      if (k == kind::null)
        return true;
      if (k != kind::array)
        return fail("values: each entry must be an array");
      entry_ = model::entry_view{zero_time_ns, {}, nullptr};
      push(frame::entry);
      return true;
    case frame::entry: {
      auto i = index_.back()++;
      if (i == 0) {
        if (k != kind::string)
          return fail(malformed_string);
        if (auto st = parse_ns(s, entry_.ts); !st.ok())
          return fail(st.message());
        return true;
      }
      if (i == 1) {
        if (k != kind::string)
          return fail(malformed_string);
        entry_.line = s;
        return true;
      }
      if (i == 2) {
        if (k != kind::object)
          return fail(malformed_object);
        sm_ = &metadata_.emplace_back();
        entry_.metadata = sm_;
        push(frame::sm);
        return true;
      }
      return skip(k);
    }
    case frame::sm:
      if (k != kind::string)
        return fail(malformed_string);
      sm_->push_back(model::label{std::string{key_}, std::string{s}});
      return true;
    default:
      return fail("internal: bad frame");
    }
  }

  void finish_v1_stream() {
    // loghttp.LabelSet.String(): keys sorted, unquoted; values Go-quoted.
    std::string& out = streams.back().labels;
    out.push_back('{');
    bool first = true;
    for (const auto& [k, v] : labels_) {
      if (!first)
        out += ", ";
      first = false;
      out += k;
      out.push_back('=');
      model::append_go_quote(out, v);
    }
    out.push_back('}');
    labels_.clear();
  }

  // ---- legacy ----
  bool value_legacy(kind k, std::string_view s) {
    switch (stack_.back()) {
    case frame::l_root:
      if (!iequals(key_, "streams"))
        return skip(k);
      if (k == kind::null)
        return true;
      if (k != kind::array)
        return fail("streams: expected an array");
      push(frame::l_streams);
      return true;
    case frame::l_streams:
      if (k == kind::null)
        return true;
      if (k != kind::object)
        return fail("streams: each stream must be an object");
      streams.emplace_back();
      push(frame::l_stream);
      return true;
    case frame::l_stream:
      if (iequals(key_, "labels")) {
        if (k == kind::null)
          return true;
        if (k != kind::string)
          return fail("labels: expected a string");
        streams.back().labels.assign(s.data(), s.size());
        return true;
      }
      if (iequals(key_, "entries")) {
        if (k == kind::null)
          return true;
        if (k != kind::array)
          return fail("entries: expected an array");
        push(frame::l_entries);
        return true;
      }
      return skip(k);
    case frame::l_entries:
      if (k == kind::null)
        return true; // Go leaves a zero entry; skip it instead of storing year 1
      if (k != kind::object)
        return fail("entries: each entry must be an object");
      entry_ = model::entry_view{zero_time_ns, {}, nullptr};
      sm_ = nullptr;
      push(frame::l_entry);
      return true;
    case frame::l_entry:
      if (iequals(key_, "ts") || iequals(key_, "timestamp")) {
        if (k == kind::null)
          return true;
        if (k != kind::string)
          return fail("ts: expected an RFC3339 string");
        auto ts = model::parse_rfc3339_nano(s);
        if (!ts)
          return fail("parsing time \"" + std::string{s} + "\" as RFC3339: cannot parse");
        entry_.ts = *ts;
        return true;
      }
      if (iequals(key_, "line")) {
        if (k == kind::null)
          return true;
        if (k != kind::string)
          return fail("line: expected a string");
        entry_.line = s;
        return true;
      }
      if (iequals(key_, "structuredMetadata")) {
        if (k == kind::null)
          return true;
        if (k != kind::array)
          return fail("structuredMetadata: expected an array");
        if (!sm_) {
          sm_ = &metadata_.emplace_back();
          entry_.metadata = sm_;
        }
        push(frame::l_sm_list);
        return true;
      }
      return skip(k);
    case frame::l_sm_list:
      if (k != kind::object)
        return fail("structuredMetadata: each pair must be an object");
      sm_->emplace_back();
      push(frame::l_sm_pair);
      return true;
    case frame::l_sm_pair:
      if (iequals(key_, "name") || iequals(key_, "value")) {
        if (k == kind::null)
          return true;
        if (k != kind::string)
          return fail("structuredMetadata: name and value must be strings");
        (iequals(key_, "name") ? sm_->back().name : sm_->back().value).assign(s.data(), s.size());
        return true;
      }
      return skip(k);
    default:
      return fail("internal: bad frame");
    }
  }

  bool v1_;
  insitu_stream& in_;
  std::deque<model::label_set>& metadata_;
  std::vector<frame> stack_;
  std::vector<uint32_t> index_;
  int skip_ = 0;
  std::string_view key_;
  std::string raw_;
  std::map<std::string, std::string> labels_;
  model::entry_view entry_;
  model::label_set* sm_ = nullptr;
};

} // namespace

result<std::vector<json_stream>> decode_push_request_json(char* buf, size_t size, json_format fmt,
                                                          std::deque<model::label_set>& metadata,
                                                          bool* control_char) {
  (void)size;
  if (control_char)
    *control_char = false;
  insitu_stream in{buf};
  handler h{fmt, in, metadata};
  rapidjson::Reader reader;
  constexpr unsigned flags = rapidjson::kParseInsituFlag | rapidjson::kParseIterativeFlag |
                             rapidjson::kParseStopWhenDoneFlag |
                             rapidjson::kParseNumbersAsStringsFlag;
  auto res = reader.Parse<flags>(in, h);
  if (res.IsError()) {
    if (res.Code() == rapidjson::kParseErrorTermination && !h.error.empty())
      return status{errc::invalid_argument, h.error};
    // rapidjson reports a raw byte < 0x20 inside a string as an invalid
    // escape at that byte, which the in-situ copy has not overwritten yet.
    if (control_char && res.Code() == rapidjson::kParseErrorStringEscapeInvalid &&
        res.Offset() < size) {
      auto c = static_cast<unsigned char>(buf[res.Offset()]);
      *control_char = c > 0 && c < 0x20;
    }
    return status{errc::invalid_argument, std::string{"invalid JSON: "} +
                                              rapidjson::GetParseError_En(res.Code()) +
                                              " at offset " + std::to_string(res.Offset())};
  }
  return std::move(h.streams);
}

byte_buffer escape_control_chars_in_strings(std::string_view in) {
  size_t extra = 0;
  bool in_str = false;
  for (size_t i = 0; i < in.size(); ++i) {
    auto c = static_cast<unsigned char>(in[i]);
    if (!in_str) {
      in_str = c == '"';
    } else if (c == '\\') {
      ++i;
    } else if (c == '"') {
      in_str = false;
    } else if (c < 0x20) {
      extra += 5; // at most \u00XX (6 bytes) for 1
    }
  }
  byte_buffer out;
  out.data.reset(new char[in.size() + extra + 1]);
  char* p = out.data.get();
  in_str = false;
  static constexpr char hex[] = "0123456789abcdef";
  for (size_t i = 0; i < in.size(); ++i) {
    auto c = static_cast<unsigned char>(in[i]);
    if (!in_str) {
      in_str = c == '"';
    } else if (c == '\\') {
      *p++ = in[i];
      if (i + 1 < in.size())
        *p++ = in[++i];
      continue;
    } else if (c == '"') {
      in_str = false;
    } else if (c < 0x20) {
      *p++ = '\\';
      switch (c) {
      case '\b':
        *p++ = 'b';
        break;
      case '\f':
        *p++ = 'f';
        break;
      case '\n':
        *p++ = 'n';
        break;
      case '\r':
        *p++ = 'r';
        break;
      case '\t':
        *p++ = 't';
        break;
      default:
        *p++ = 'u';
        *p++ = '0';
        *p++ = '0';
        *p++ = hex[c >> 4];
        *p++ = hex[c & 0xF];
      }
      continue;
    }
    *p++ = in[i];
  }
  out.size = static_cast<size_t>(p - out.data.get());
  *p = '\0';
  return out;
}

} // namespace skald::push
