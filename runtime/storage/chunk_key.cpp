#include "runtime/storage/chunk_key.hpp"

#include <charconv>

namespace skald::storage {

int64_t floor_ms(model::timestamp_ns ts) noexcept {
  int64_t q = ts / 1'000'000;
  if (ts % 1'000'000 < 0)
    --q;
  return q;
}

int64_t ceil_ms(model::timestamp_ns ts) noexcept {
  int64_t q = ts / 1'000'000;
  if (ts % 1'000'000 > 0)
    ++q;
  return q;
}

status valid_tenant(std::string_view tenant) {
  if (tenant.empty() || tenant == "." || tenant == ".." || tenant.size() > 150 ||
      tenant.find('/') != std::string_view::npos || tenant.find('\0') != std::string_view::npos)
    return {errc::invalid_argument,
            "tenant id not usable as a directory name: " + std::string{tenant.substr(0, 160)}};
  return {};
}

namespace {

void append_hex(std::string& out, uint64_t v) {
  char buf[17];
  auto r = std::to_chars(buf, buf + sizeof buf, v, 16);
  out.append(buf, r.ptr);
}

void append_hex_signed(std::string& out, int64_t v) {
  if (v < 0) {
    out += '-';
    append_hex(out, uint64_t{0} - static_cast<uint64_t>(v));
  } else {
    append_hex(out, static_cast<uint64_t>(v));
  }
}

bool parse_hex(std::string_view s, uint64_t& out) {
  if (s.empty() || s.size() > 16)
    return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
      return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out, 16);
  return r.ec == std::errc{} && r.ptr == s.data() + s.size();
}

bool parse_hex_signed(std::string_view s, int64_t& out) {
  bool neg = !s.empty() && s[0] == '-';
  uint64_t u = 0;
  if (!parse_hex(neg ? s.substr(1) : s, u))
    return false;
  if (neg) {
    if (u > uint64_t{1} << 63)
      return false;
    out = static_cast<int64_t>(uint64_t{0} - u);
  } else {
    if (u > static_cast<uint64_t>(INT64_MAX))
      return false;
    out = static_cast<int64_t>(u);
  }
  return true;
}

std::string tail(const chunk_id& id) {
  std::string out;
  append_hex_signed(out, id.from_ms);
  out += ':';
  append_hex_signed(out, id.through_ms);
  out += ':';
  append_hex(out, id.checksum);
  return out;
}

constexpr char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

} // namespace

std::string external_key(const chunk_id& id, key_schema schema) {
  std::string out = id.tenant;
  out += '/';
  append_hex(out, id.fingerprint);
  out += schema == key_schema::v11 ? ':' : '/';
  out += tail(id);
  return out;
}

result<chunk_id> parse_external_key(std::string_view key) {
  auto bad = [&] {
    return status{errc::invalid_argument, "invalid chunk key: " + std::string{key.substr(0, 200)}};
  };
  auto slash = key.find('/');
  if (slash == std::string_view::npos || slash == 0)
    return bad();
  chunk_id id;
  id.tenant = std::string{key.substr(0, slash)};
  std::string_view rest = key.substr(slash + 1);
  std::string_view fp, times;
  if (auto s2 = rest.find('/'); s2 != std::string_view::npos) { // v12+
    fp = rest.substr(0, s2);
    times = rest.substr(s2 + 1);
  } else { // v11: fp:from:through:checksum
    auto c = rest.find(':');
    if (c == std::string_view::npos)
      return bad();
    fp = rest.substr(0, c);
    times = rest.substr(c + 1);
  }
  auto c1 = times.find(':');
  auto c2 = c1 == std::string_view::npos ? c1 : times.find(':', c1 + 1);
  if (c2 == std::string_view::npos || times.find(':', c2 + 1) != std::string_view::npos)
    return bad();
  uint64_t checksum = 0;
  if (!parse_hex(fp, id.fingerprint) || !parse_hex_signed(times.substr(0, c1), id.from_ms) ||
      !parse_hex_signed(times.substr(c1 + 1, c2 - c1 - 1), id.through_ms) ||
      !parse_hex(times.substr(c2 + 1), checksum) || checksum > UINT32_MAX)
    return bad();
  id.checksum = static_cast<uint32_t>(checksum);
  return id;
}

std::string fs_key(const chunk_id& id, key_schema schema) {
  if (schema == key_schema::v11)
    return base64_encode(external_key(id, schema));
  std::string out = id.tenant;
  out += '/';
  append_hex(out, id.fingerprint);
  out += '/';
  out += base64_encode(tail(id));
  return out;
}

std::string base64_encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  auto byte = [&](size_t k) { return static_cast<uint32_t>(static_cast<unsigned char>(in[k])); };
  for (; i + 3 <= in.size(); i += 3) {
    uint32_t v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
    out += b64[v >> 18 & 63];
    out += b64[v >> 12 & 63];
    out += b64[v >> 6 & 63];
    out += b64[v & 63];
  }
  if (size_t left = in.size() - i; left > 0) {
    uint32_t v = byte(i) << 16 | (left == 2 ? byte(i + 1) << 8 : 0);
    out += b64[v >> 18 & 63];
    out += b64[v >> 12 & 63];
    out += left == 2 ? b64[v >> 6 & 63] : '=';
    out += '=';
  }
  return out;
}

result<std::string> base64_decode(std::string_view in) {
  auto bad = [] { return status{errc::invalid_argument, "invalid base64"}; };
  if (in.size() % 4 != 0)
    return bad();
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z')
      return c - 'A';
    if (c >= 'a' && c <= 'z')
      return c - 'a' + 26;
    if (c >= '0' && c <= '9')
      return c - '0' + 52;
    if (c == '+')
      return 62;
    if (c == '/')
      return 63;
    return -1;
  };
  std::string out;
  out.reserve(in.size() / 4 * 3);
  for (size_t i = 0; i < in.size(); i += 4) {
    bool last = i + 4 == in.size();
    int pad = last ? (in[i + 3] == '=') + (in[i + 2] == '=') : 0;
    if (pad == 1 && in[i + 2] == '=')
      return bad();
    uint32_t v = 0;
    for (int k = 0; k < 4 - pad; ++k) {
      int d = val(in[i + static_cast<size_t>(k)]);
      if (d < 0)
        return bad();
      v |= static_cast<uint32_t>(d) << (18 - 6 * k);
    }
    out += static_cast<char>(v >> 16 & 0xFF);
    if (pad < 2)
      out += static_cast<char>(v >> 8 & 0xFF);
    if (pad < 1)
      out += static_cast<char>(v & 0xFF);
  }
  return out;
}

} // namespace skald::storage
