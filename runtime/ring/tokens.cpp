// runtime/ring/tokens.cpp — see tokens.hpp.
#include "runtime/ring/tokens.hpp"

#include <algorithm>
#include <unordered_set>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "runtime/storage/file_system.hpp"

namespace skald::ring {

std::vector<token_t> generate_tokens(int n, const std::vector<token_t>& taken,
                                     std::mt19937_64& rng) {
  std::vector<token_t> out;
  if (n <= 0)
    return out;
  std::unordered_set<token_t> used(taken.begin(), taken.end());
  used.reserve(taken.size() + static_cast<size_t>(n));
  std::uniform_int_distribution<token_t> dist;
  out.reserve(static_cast<size_t>(n));
  while (out.size() < static_cast<size_t>(n)) {
    auto t = dist(rng);
    if (used.insert(t).second)
      out.push_back(t);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string encode_tokens_json(const std::vector<token_t>& tokens) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  w.StartObject();
  w.Key("tokens");
  w.StartArray();
  for (auto t : tokens)
    w.Uint(t);
  w.EndArray();
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

result<std::vector<token_t>> decode_tokens_json(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject())
    return make_status(errc::invalid_argument, "tokens file: not a JSON object");
  auto it = doc.FindMember("tokens");
  if (it == doc.MemberEnd() || !it->value.IsArray())
    return make_status(errc::invalid_argument, "tokens file: no \"tokens\" array");
  std::vector<token_t> out;
  out.reserve(it->value.Size());
  for (auto& v : it->value.GetArray()) {
    if (!v.IsUint())
      return make_status(errc::invalid_argument, "tokens file: a token is not a uint32");
    out.push_back(v.GetUint());
  }
  normalize_tokens(out);
  return out;
}

result<std::vector<token_t>> load_tokens_file(storage::file_system& fs, const std::string& path) {
  auto data = fs.read_file(path);
  if (!data)
    return data.error();
  return decode_tokens_json(*data);
}

status store_tokens_file(storage::file_system& fs, const std::string& path,
                         const std::vector<token_t>& tokens) {
  auto dir = storage::parent_path(path);
  if (!dir.empty())
    if (auto st = fs.create_dirs(std::string{dir}); !st)
      return st;
  return storage::write_atomic(fs, path, encode_tokens_json(tokens));
}

} // namespace skald::ring
