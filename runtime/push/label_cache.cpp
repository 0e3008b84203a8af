#include "runtime/push/label_cache.hpp"

#include <algorithm>

#include <xxhash.h>

#include "runtime/model/hash.hpp"
#include "runtime/model/label_parse.hpp"

namespace skald::push {

namespace {

constexpr std::string_view service_name_label = "service_name";
constexpr std::string_view unknown_service = "unknown_service";

/// Bytes an entry holds, roughly: key, canonical string, label strings and
/// the fixed parts.
size_t cost_of(std::string_view raw, const stream_labels& s) {
  size_t n = raw.size() + s.labels.size() + 128;
  for (const auto& l : s.label_set)
    n += sizeof(model::label) + l.name.size() + l.value.size();
  return n;
}

} // namespace

result<stream_labels> resolve_stream_labels(std::string_view raw,
                                            const std::vector<std::string>& discover) {
  auto parsed = model::parse_labels(raw);
  if (!parsed)
    return status{errc::invalid_argument, "couldn't parse labels: " + parsed.error().message()};
  stream_labels s;
  s.label_set = std::move(*parsed);
  if (!model::has(s.label_set, service_name_label) && !discover.empty() &&
      !model::is_internal_stream(s.label_set)) {
    std::string_view service = unknown_service;
    for (const auto& candidate : discover) {
      auto v = model::get(s.label_set, candidate);
      if (!v.empty()) {
        service = v;
        break;
      }
    }
    model::label l{std::string{service_name_label}, std::string{service}};
    auto pos = std::upper_bound(
        s.label_set.begin(), s.label_set.end(), l,
        [](const model::label& a, const model::label& b) { return a.name < b.name; });
    s.label_set.insert(pos, std::move(l));
  }
  s.labels = model::canonical_string(s.label_set);
  s.fingerprint = model::fingerprint(s.label_set);
  return s;
}

uint64_t discovery_tag(const std::vector<std::string>& discover) noexcept {
  XXH64_hash_t h = discover.size();
  for (const auto& name : discover)
    h = XXH3_64bits_withSeed(name.data(), name.size(), h);
  return h;
}

result<const stream_labels*>
label_cache::resolve(std::string_view raw, const std::vector<std::string>& discover, uint64_t tag) {
  auto* hit = lru_.find(raw);
  if (hit != nullptr && hit->tag == tag) {
    ++hits_;
    return &hit->value;
  }
  ++misses_;
  auto fresh = resolve_stream_labels(raw, discover);
  if (!fresh)
    return fresh.error();
  if (hit != nullptr) { // resolved with another discovery list: replace
    hit->value = std::move(*fresh);
    hit->tag = tag;
    return &hit->value;
  }
  const size_t cost = cost_of(raw, *fresh);
  return &lru_.insert(raw, entry{std::move(*fresh), tag}, cost).value;
}

} // namespace skald::push
