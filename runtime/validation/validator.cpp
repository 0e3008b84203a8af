#include "runtime/validation/validator.hpp"

#include <algorithm>
#include <limits>

#include "runtime/model/label_parse.hpp"
#include "runtime/model/time_format.hpp"
#include "runtime/validation/reasons.hpp"

namespace skald::validation {

namespace {

constexpr std::string_view service_name_label = "service_name";
constexpr std::string_view detected_level_key = "detected_level";

model::timestamp_ns add_saturating(model::timestamp_ns a, int64_t b) noexcept {
  if (b > 0 && a > std::numeric_limits<int64_t>::max() - b)
    return std::numeric_limits<int64_t>::max();
  if (b < 0 && a < std::numeric_limits<int64_t>::min() - b)
    return std::numeric_limits<int64_t>::min();
  return a + b;
}

std::string quoted(std::string_view labels) {
  std::string out = "'";
  out.append(labels);
  out += "'";
  return out;
}

} // namespace

validation_context make_context(const validation_limits& limits,
                                std::chrono::system_clock::time_point now, std::string tenant) {
  validation_context ctx;
  ctx.tenant = std::move(tenant);
  ctx.limits = limits;
  auto now_ns = static_cast<int64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count());
  ctx.reject_before =
      add_saturating(now_ns, -static_cast<int64_t>(limits.reject_old_samples_max_age.count()));
  ctx.reject_after =
      add_saturating(now_ns, static_cast<int64_t>(limits.creation_grace_period.count()));
  return ctx;
}

verdict validate_labels(const validation_context& ctx, const model::label_set& ls,
                        std::string_view labels) {
  if (ls.empty())
    return {reason::missing_labels, "error at least one label pair is required per stream"};
  // Internal streams (aggregated metrics, patterns) skip the remaining checks.
  if (model::is_internal_stream(ls))
    return {};
  size_t names = ls.size();
  if (model::has(ls, service_name_label))
    --names; // often added by Loki itself: allow one extra
  const auto& lim = ctx.limits;
  if (names > lim.max_label_names_per_series)
    return {reason::max_label_names_per_series, "entry for stream " + quoted(labels) + " has " +
                                                    std::to_string(names) + " label names; limit " +
                                                    std::to_string(lim.max_label_names_per_series)};
  std::string_view last; // Go starts from "": an empty first name is a "duplicate"
  for (const auto& l : ls) {
    if (l.name.size() > lim.max_label_name_length)
      return {reason::label_name_too_long,
              "stream " + quoted(labels) + " has label name too long: '" + l.name + "'"};
    if (l.value.size() > lim.max_label_value_length)
      return {reason::label_value_too_long,
              "stream " + quoted(labels) + " has label value too long: '" + l.value + "'"};
    if (l.name == last)
      return {reason::duplicate_label_names,
              "stream " + quoted(labels) + " has duplicate label name: '" + l.name + "'"};
    last = l.name;
  }
  return {};
}

verdict validate_enforced_labels(const validation_context& ctx, const model::label_set& ls,
                                 std::string_view labels, std::string_view policy) {
  std::string missing;
  for (const auto& name : ctx.limits.enforced_labels)
    if (!model::has(ls, name)) {
      if (!missing.empty())
        missing += ",";
      missing += name;
    }
  if (missing.empty())
    return {};
  return {reason::missing_enforced_labels, "missing required labels '" + missing + "' for user '" +
                                               ctx.tenant + "' for stream " + quoted(labels) +
                                               " (policy: '" + std::string{policy} + "')"};
}

size_t structured_metadata_size(const model::label_set* metadata) noexcept {
  if (!metadata)
    return 0;
  size_t n = 0;
  for (const auto& l : *metadata)
    if (l.name != detected_level_key)
      n += l.name.size() + l.value.size();
  return n;
}

verdict validate_entry(const validation_context& ctx, std::string_view labels,
                       const model::entry_view& e) {
  const auto& lim = ctx.limits;
  if (lim.reject_old_samples && e.ts < ctx.reject_before)
    return {reason::greater_than_max_sample_age,
            "entry for stream " + quoted(labels) +
                " has timestamp too old: " + model::format_rfc3339(e.ts) +
                ", oldest acceptable timestamp is: " + model::format_rfc3339(ctx.reject_before)};
  if (e.ts > ctx.reject_after)
    return {reason::too_far_in_future,
            "entry for stream " + quoted(labels) +
                " has timestamp too new: " + model::format_rfc3339(e.ts)};
  if (lim.max_line_size != 0 && e.line.size() > lim.max_line_size)
    return {reason::line_too_long, "max entry size '" + std::to_string(lim.max_line_size) +
                                       "' bytes exceeded for stream " + quoted(labels) +
                                       " while adding an entry with length '" +
                                       std::to_string(e.line.size()) + "' bytes"};
  const size_t sm_count = e.metadata ? e.metadata->size() : 0;
  if (sm_count > 0) {
    if (!lim.allow_structured_metadata)
      return {reason::disallowed_structured_metadata,
              "stream " + quoted(labels) +
                  " includes structured metadata, but this feature is disallowed. Please see "
                  "`limits_config.allow_structured_metadata` or contact your Loki administrator to "
                  "enable it."};
    const size_t sm_size = structured_metadata_size(e.metadata);
    if (lim.max_structured_metadata_size != 0 && sm_size > lim.max_structured_metadata_size)
      return {reason::structured_metadata_too_large,
              "stream " + quoted(labels) + " has structured metadata too large: '" +
                  std::to_string(sm_size) + "' bytes, limit: '" +
                  std::to_string(lim.max_structured_metadata_size) +
                  "' bytes. Please see `limits_config.max_structured_metadata_size` or contact "
                  "your Loki "
                  "administrator to increase it."};
    if (lim.max_structured_metadata_entries_count != 0 &&
        sm_count > lim.max_structured_metadata_entries_count)
      return {reason::structured_metadata_too_many,
              "stream " + quoted(labels) + " has too many structured metadata labels: '" +
                  std::to_string(sm_count) + "', limit: '" +
                  std::to_string(lim.max_structured_metadata_entries_count) +
                  "'. Please see `limits_config.max_structured_metadata_entries_count` or contact "
                  "your Loki "
                  "administrator to increase it."};
  }
  return {};
}

std::optional<size_t> truncation_length(const validation_context& ctx, size_t line_size) noexcept {
  const auto& lim = ctx.limits;
  if (!lim.max_line_size_truncate || lim.max_line_size == 0 || line_size <= lim.max_line_size)
    return std::nullopt;
  if (lim.max_line_size <= lim.max_line_size_truncate_identifier.size())
    return std::nullopt;
  return lim.max_line_size - lim.max_line_size_truncate_identifier.size();
}

model::timestamp_ns timestamp_incrementer::next(model::timestamp_ns ts, std::string_view line) {
  model::timestamp_ns out = ts;
  if (have_prev_) {
    if (prev_line_ != line && (ts == run_ts_ || ts == prev_ts_))
      out = add_saturating(prev_ts_, 1);
    else
      run_ts_ = ts;
  }
  have_prev_ = true;
  prev_ts_ = out;
  prev_line_ = line;
  return out;
}

void error_collector::add(std::string message) {
  ++total_;
  auto [it, inserted] = index_.try_emplace(message, groups_.size());
  if (!inserted) {
    ++groups_[it->second].second;
    return;
  }
  groups_.emplace_back(std::move(message), 1);
}

std::string error_collector::combined() const {
  if (total_ == 0)
    return {};
  if (groups_.size() == 1 && groups_[0].second == 1)
    return groups_[0].first;
  std::string out;
  for (const auto& [msg, n] : groups_) {
    if (!out.empty())
      out += "; ";
    out += std::to_string(n);
    out += " errors like: ";
    out += msg;
  }
  return out;
}

namespace {

std::string normalize_sm_name(const std::string& name) {
  if (name.empty())
    return name; // Loki's namer errors here; leave the pair alone
  std::string out = name;
  for (auto& c : out) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok)
      c = '_';
  }
  if (out[0] >= '0' && out[0] <= '9')
    out = "key_" + out;
  else if (out[0] == '_' && (out.size() < 2 || out[1] != '_'))
    out = "key" + out;
  return out;
}

/// Go strings.Map(r == RuneError ? ' ' : r): every invalid byte and every
/// U+FFFD becomes one space. Returns nullopt when the value has neither.
std::optional<std::string> replace_rune_errors(const std::string& v) {
  bool any = false;
  std::string out;
  for (size_t i = 0; i < v.size();) {
    auto b = static_cast<unsigned char>(v[i]);
    if (b < 0x80) {
      out.push_back(v[i++]);
      continue;
    }
    // Decode one rune; invalid sequences and U+FFFD map to ' '.
    size_t len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
    std::string_view rune = std::string_view{v}.substr(i, len);
    bool valid =
        len > 1 && rune.size() == len && model::is_valid_utf8(rune) && rune != "\xef\xbf\xbd";
    if (valid) {
      out.append(rune);
      i += len;
    } else {
      any = true;
      out.push_back(' ');
      // Invalid: Go consumes one byte; a well-formed U+FFFD consumes three.
      i += rune == "\xef\xbf\xbd" ? 3 : 1;
    }
  }
  if (!any)
    return std::nullopt;
  return out;
}

} // namespace

bool needs_sanitizing(const model::label_set& metadata) noexcept {
  for (const auto& l : metadata) {
    if (l.value.empty())
      return true;
    if (!l.name.empty() && normalize_sm_name(l.name) != l.name)
      return true;
    if (!model::is_valid_utf8(l.value) || l.value.find("\xef\xbf\xbd") != std::string::npos)
      return true;
  }
  return false;
}

size_t sanitize_structured_metadata(model::label_set& metadata) {
  // Emulates labels.NewBuilder(base) + Del/Set + Labels().
  std::vector<std::string> del;
  model::label_set add;
  auto builder_del = [&](const std::string& n) {
    del.push_back(n);
    add.erase(
        std::remove_if(add.begin(), add.end(), [&](const model::label& l) { return l.name == n; }),
        add.end());
  };
  auto builder_set = [&](const std::string& n, const std::string& v) {
    if (v.empty()) {
      builder_del(n);
      return;
    }
    for (auto& a : add)
      if (a.name == n) {
        a.value = v;
        return;
      }
    add.push_back(model::label{n, v});
  };
  for (const auto& l : metadata)
    if (l.value.empty())
      del.push_back(l.name);
  size_t count = 0;
  for (const auto& l : metadata) {
    std::string normalized = normalize_sm_name(l.name);
    if (normalized != l.name) {
      builder_del(l.name);
      builder_set(normalized, l.value);
      ++count;
    }
    if (auto fixed = replace_rune_errors(l.value)) {
      builder_set(normalized, *fixed);
      ++count;
    }
  }
  if (del.empty() && add.empty())
    return count;
  auto deleted = [&](const std::string& n) {
    return std::find(del.begin(), del.end(), n) != del.end();
  };
  model::label_set out;
  for (auto& l : metadata)
    if (!deleted(l.name) && !model::has(add, l.name))
      out.push_back(std::move(l));
  for (auto& a : add)
    out.push_back(std::move(a));
  std::stable_sort(out.begin(), out.end(),
                   [](const model::label& a, const model::label& b) { return a.name < b.name; });
  metadata = std::move(out);
  return count;
}

} // namespace skald::validation
