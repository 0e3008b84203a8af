// runtime/ring/codec.cpp — see codec.hpp.
#include "runtime/ring/codec.hpp"

#include <cstdint>

namespace skald::ring {

namespace {

constexpr std::string_view magic = "SKR1";
constexpr std::string_view keys_magic = "SKK1";

void put_varint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_zigzag(std::string& out, int64_t v) {
  put_varint(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

void put_str(std::string& out, const std::string& s) {
  put_varint(out, s.size());
  out += s;
}

struct reader {
  std::string_view in;
  bool ok = true;

  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (in.empty()) {
        ok = false;
        return 0;
      }
      auto b = static_cast<uint8_t>(in.front());
      in.remove_prefix(1);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0)
        return v;
    }
    ok = false;
    return 0;
  }
  int64_t zigzag() {
    auto v = varint();
    return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
  }
  std::string str() {
    auto n = varint();
    if (!ok || n > in.size()) {
      ok = false;
      return {};
    }
    std::string s{in.substr(0, n)};
    in.remove_prefix(n);
    return s;
  }
};

status bad(const char* what) {
  return make_status(errc::invalid_argument, std::string{"ring state: "} + what);
}

} // namespace

std::string encode(const ring_desc& d) {
  std::string out{magic};
  put_varint(out, d.ingesters.size());
  for (auto& [id, inst] : d.ingesters) {
    put_str(out, id);
    put_str(out, inst.addr);
    put_str(out, inst.zone);
    out.push_back(static_cast<char>(inst.state));
    put_zigzag(out, inst.timestamp);
    put_zigzag(out, inst.registered_timestamp);
    put_varint(out, inst.tokens.size());
    token_t prev = 0;
    for (auto t : inst.tokens) {
      put_varint(out, t - prev);
      prev = t;
    }
  }
  return out;
}

result<ring_desc> decode(std::string_view bytes) {
  if (bytes.substr(0, magic.size()) != magic)
    return bad("bad magic");
  reader r{bytes.substr(magic.size())};
  auto count = r.varint();
  if (!r.ok || count > r.in.size())
    return bad("truncated");
  ring_desc d;
  for (uint64_t k = 0; k < count; ++k) {
    instance_desc inst;
    inst.id = r.str();
    inst.addr = r.str();
    inst.zone = r.str();
    if (!r.ok || r.in.empty())
      return bad("truncated");
    auto st = static_cast<uint8_t>(r.in.front());
    r.in.remove_prefix(1);
    if (st > static_cast<uint8_t>(instance_state::left))
      return bad("unknown instance state");
    inst.state = static_cast<instance_state>(st);
    inst.timestamp = r.zigzag();
    inst.registered_timestamp = r.zigzag();
    auto n = r.varint();
    if (!r.ok || n > r.in.size())
      return bad("truncated");
    inst.tokens.reserve(n);
    uint64_t acc = 0;
    for (uint64_t j = 0; j < n; ++j) {
      auto delta = r.varint();
      if (!r.ok)
        return bad("truncated");
      if (j > 0 && delta == 0)
        return bad("tokens not strictly ascending");
      acc += delta;
      if (acc > UINT32_MAX)
        return bad("token out of range");
      inst.tokens.push_back(static_cast<token_t>(acc));
    }
    auto id = inst.id;
    if (!d.ingesters.emplace(id, std::move(inst)).second)
      return bad("duplicate instance id");
  }
  if (!r.ok)
    return bad("truncated");
  if (!r.in.empty())
    return bad("trailing bytes");
  return d;
}

std::string encode_keys(const std::vector<std::pair<std::string_view, const ring_desc*>>& kv) {
  std::string out{keys_magic};
  put_varint(out, kv.size());
  for (auto& [key, desc] : kv) {
    put_varint(out, key.size());
    out += key;
    put_str(out, encode(*desc));
  }
  return out;
}

std::string encode_keys(const ring_kv& kv) {
  std::vector<std::pair<std::string_view, const ring_desc*>> refs;
  refs.reserve(kv.size());
  for (auto& [key, desc] : kv)
    refs.emplace_back(key, &desc);
  return encode_keys(refs);
}

result<ring_kv> decode_keys(std::string_view bytes) {
  if (bytes.substr(0, keys_magic.size()) != keys_magic)
    return bad("bad magic");
  reader r{bytes.substr(keys_magic.size())};
  auto count = r.varint();
  if (!r.ok || count > r.in.size())
    return bad("truncated");
  ring_kv kv;
  for (uint64_t k = 0; k < count; ++k) {
    auto key = r.str();
    auto value = r.str();
    if (!r.ok)
      return bad("truncated");
    if (key.empty())
      return bad("empty ring key");
    if (!kv.empty() && key <= kv.rbegin()->first)
      return bad("ring keys not strictly ascending");
    auto desc = decode(value);
    if (!desc.ok())
      return desc.error();
    kv.emplace_hint(kv.end(), std::move(key), std::move(*desc));
  }
  if (!r.in.empty())
    return bad("trailing bytes");
  return kv;
}

} // namespace skald::ring
