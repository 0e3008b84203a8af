#include "runtime/wal/layout.hpp"

#include <algorithm>
#include <cstdio>

namespace skald::wal {

namespace {

constexpr std::string_view checkpoint_prefix = "checkpoint.";
constexpr std::string_view tmp_suffix = ".tmp";
constexpr std::string_view prealloc_prefix = "prealloc.";

std::optional<uint64_t> parse_digits(std::string_view s) {
  if (s.size() < 8 || s.size() > 19)
    return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9')
      return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

} // namespace

std::string segment_name(uint64_t index) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "%08llu", static_cast<unsigned long long>(index));
  return buf;
}

std::string checkpoint_name(uint64_t index) {
  return std::string{checkpoint_prefix} + segment_name(index);
}

std::optional<uint64_t> parse_segment_name(std::string_view name) {
  return parse_digits(name);
}

namespace {

/// "<prefix><digits>" or, with tmp, "<prefix><digits>.tmp".
std::optional<uint64_t> parse_prefixed(std::string_view name, std::string_view prefix, bool tmp) {
  if (name.substr(0, prefix.size()) != prefix)
    return std::nullopt;
  name.remove_prefix(prefix.size());
  if (tmp) {
    if (name.size() < tmp_suffix.size() ||
        name.substr(name.size() - tmp_suffix.size()) != tmp_suffix)
      return std::nullopt;
    name.remove_suffix(tmp_suffix.size());
  }
  return parse_digits(name);
}

} // namespace

std::optional<uint64_t> parse_checkpoint_name(std::string_view name, bool tmp) {
  return parse_prefixed(name, checkpoint_prefix, tmp);
}

std::string prealloc_name(uint64_t seq) {
  return std::string{prealloc_prefix} + segment_name(seq);
}

std::optional<uint64_t> parse_prealloc_name(std::string_view name, bool tmp) {
  return parse_prefixed(name, prealloc_prefix, tmp);
}

result<dir_listing> list_wal_dir(file_system& fs, const std::string& dir) {
  dir_listing out;
  auto names = fs.list_dir(dir);
  if (!names) {
    if (names.error().code() == errc::not_found)
      return out;
    return names.error();
  }
  uint64_t next = 0;
  for (auto& n : *names) {
    if (auto i = parse_segment_name(n)) {
      out.segments.push_back(*i);
      next = std::max(next, *i + 1);
    } else if (auto c = parse_checkpoint_name(n, false)) {
      out.checkpoints.push_back(*c);
      next = std::max(next, *c + 1);
    } else if (auto t = parse_checkpoint_name(n, true)) {
      out.tmp_checkpoints.push_back(n);
      next = std::max(next, *t + 1);
    } else if (auto z = parse_prealloc_name(n, false)) {
      out.preallocated.push_back(*z);
    } else if (parse_prealloc_name(n, true)) {
      out.tmp_preallocated.push_back(n);
    } else {
      out.other.push_back(n);
    }
  }
  std::sort(out.segments.begin(), out.segments.end());
  std::sort(out.checkpoints.begin(), out.checkpoints.end());
  std::sort(out.tmp_checkpoints.begin(), out.tmp_checkpoints.end());
  std::sort(out.preallocated.begin(), out.preallocated.end());
  out.next_index = next;
  return out;
}

result<cleanup_stats> remove_obsolete(file_system& fs, const std::string& dir, uint64_t index) {
  auto listing = list_wal_dir(fs, dir);
  if (!listing)
    return listing.error();
  cleanup_stats out;
  for (auto& t : listing->tmp_checkpoints)
    if (auto st = fs.remove_all(join_path(dir, t)); !st)
      return st;
  for (auto c : listing->checkpoints) {
    if (c >= index)
      continue;
    if (auto st = fs.remove_all(join_path(dir, checkpoint_name(c))); !st)
      return st;
    ++out.checkpoints_removed;
  }
  for (auto s : listing->segments) {
    if (s > index)
      continue;
    if (auto st = fs.remove_file(join_path(dir, segment_name(s)));
        !st && st.code() != errc::not_found)
      return st;
    ++out.segments_removed;
  }
  if (auto st = fs.sync_dir(dir); !st)
    return st;
  return out;
}

} // namespace skald::wal
