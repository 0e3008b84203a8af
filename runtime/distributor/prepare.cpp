#include "runtime/distributor/prepare.hpp"

#include <utility>

#include "runtime/ingester/time_text.hpp"
#include "runtime/model/hash.hpp"

namespace skald::distributor {

namespace {

using ingester::append_go_rfc3339;

bool is_internal(const model::label_set& ls) {
  for (const auto& l : ls)
    if (l.name == "__aggregated_metric__" || l.name == "__pattern__")
      return true;
  return false;
}

/// ValidateLabels: empty string when valid, else the message; sets `why`.
std::string validate_labels(const push::push_stream& s, const config::limits_config& lim,
                            std::string_view& why) {
  const auto& ls = s.label_set;
  if (ls.empty()) {
    why = reason::missing_labels;
    return "error at least one label pair is required per stream";
  }
  if (is_internal(ls))
    return {};
  int n = static_cast<int>(ls.size());
  for (const auto& l : ls)
    if (l.name == "service_name") {
      --n;
      break;
    }
  if (n > lim.max_label_names_per_series) {
    why = reason::max_label_names;
    return "entry for stream '" + s.labels + "' has " + std::to_string(n) + " label names; limit "
           + std::to_string(lim.max_label_names_per_series);
  }
  const std::string* prev = nullptr;
  for (const auto& l : ls) {
    if (static_cast<int>(l.name.size()) > lim.max_label_name_length) {
      why = reason::label_name_too_long;
      return "stream '" + s.labels + "' has label name too long: '" + l.name + "'";
    }
    if (static_cast<int>(l.value.size()) > lim.max_label_value_length) {
      why = reason::label_value_too_long;
      return "stream '" + s.labels + "' has label value too long: '" + l.value + "'";
    }
    if (prev && *prev == l.name) {
      why = reason::duplicate_label_names;
      return "stream '" + s.labels + "' has duplicate label name: '" + l.name + "'";
    }
    prev = &l.name;
  }
  return {};
}

uint64_t metadata_bytes(const model::entry_view& e) {
  uint64_t n = 0;
  if (e.metadata)
    for (const auto& l : *e.metadata)
      n += l.name.size() + l.value.size();
  return n;
}

} // namespace

void error_grouper::add(std::string msg) {
  auto i = counts_.find(msg);
  if (i != counts_.end()) {
    ++i->second;
    return;
  }
  order_.push_back(msg);
  counts_.emplace(std::move(msg), 1);
}

std::string error_grouper::text() const {
  if (order_.size() == 1 && counts_.begin()->second == 1)
    return order_.front();
  std::string out;
  for (const auto& m : order_) {
    if (!out.empty())
      out += "; ";
    out += std::to_string(counts_.find(m)->second);
    out += " errors like: ";
    out += m;
  }
  return out;
}

std::string rate_limit_error(std::string_view tenant, uint64_t limit, uint64_t lines,
                             uint64_t bytes) {
  std::string s = "ingestion rate limit exceeded for user ";
  s += tenant;
  s += " (limit: " + std::to_string(limit) + " bytes/sec) while attempting to ingest '";
  s += std::to_string(lines) + "' lines totaling '" + std::to_string(bytes);
  s += "' bytes, reduce log volume or contact your Loki administrator to see if the limit can be "
       "increased";
  return s;
}

prepared prepare(push::push_request& req, std::string_view tenant,
                 const config::limits_config& lim, int64_t now_ns) {
  prepared out;
  error_grouper errors;
  out.streams_received = req.streams.size();
  const int64_t oldest = now_ns - lim.reject_old_samples_max_age.count();
  const int64_t newest = now_ns + lim.creation_grace_period.count();
  const uint64_t max_line = lim.max_line_size.bytes;
  const uint64_t max_sm_size = lim.max_structured_metadata_size.bytes;
  const auto max_sm_count = static_cast<size_t>(std::max(0, lim.max_structured_metadata_entries_count));
  auto discard = [&](std::string_view why, uint64_t samples, uint64_t bytes) {
    auto i = out.discarded.find(why);
    if (i == out.discarded.end())
      i = out.discarded.emplace(std::string{why}, discard_count{}).first;
    i->second.samples += samples;
    i->second.bytes += bytes;
  };

  size_t keep = 0;
  for (size_t si = 0; si < req.streams.size(); ++si) {
    auto& s = req.streams[si];
    if (s.entries.empty())
      continue;
    std::string_view why;
    if (auto msg = validate_labels(s, lim, why); !msg.empty()) {
      uint64_t bytes = 0;
      for (const auto& e : s.entries)
        bytes += e.line.size() + metadata_bytes(e);
      discard(why, s.entries.size(), bytes);
      errors.add(std::move(msg));
      continue;
    }
    // Entries: compact the valid ones to the front, in request order.
    size_t kept = 0;
    bool has_prev = false;
    int64_t prev_ts = 0;
    int64_t prev_original_ts = 0;
    std::string_view prev_line;
    for (size_t ei = 0; ei < s.entries.size(); ++ei) {
      auto e = s.entries[ei];
      const uint64_t sm_bytes = metadata_bytes(e);
      const uint64_t size = e.line.size() + sm_bytes;
      std::string_view bad;
      std::string msg;
      if (lim.reject_old_samples && e.ts < oldest) {
        bad = reason::too_old;
        msg = "entry for stream '" + s.labels + "' has timestamp too old: ";
        append_go_rfc3339(msg, e.ts);
        msg += ", oldest acceptable timestamp is: ";
        append_go_rfc3339(msg, oldest);
      } else if (e.ts > newest) {
        bad = reason::too_new;
        msg = "entry for stream '" + s.labels + "' has timestamp too new: ";
        append_go_rfc3339(msg, e.ts);
      } else if (max_line > 0 && e.line.size() > max_line) {
        bad = reason::line_too_long;
        msg = "max entry size '" + std::to_string(max_line) + "' bytes exceeded for stream '"
              + s.labels + "' while adding an entry with length '"
              + std::to_string(e.line.size()) + "' bytes";
      } else if (e.metadata && !e.metadata->empty()) {
        if (!lim.allow_structured_metadata) {
          bad = reason::sm_disallowed;
          msg = "stream '" + s.labels
                + "' includes structured metadata, but this feature is disallowed. Please see "
                  "`limits_config.allow_structured_metadata` or contact your Loki administrator "
                  "to enable it";
        } else if (max_sm_size > 0 && sm_bytes > max_sm_size) {
          bad = reason::sm_too_large;
          msg = "stream '" + s.labels + "' has structured metadata too large: '"
                + std::to_string(sm_bytes) + "' bytes, limit: '" + std::to_string(max_sm_size)
                + "' bytes. Please see `limits_config.max_structured_metadata_size` or contact "
                  "your Loki administrator to increase it";
        } else if (max_sm_count > 0 && e.metadata->size() > max_sm_count) {
          bad = reason::sm_too_many;
          msg = "stream '" + s.labels + "' has too many structured metadata labels: '"
                + std::to_string(e.metadata->size()) + "', limit: '"
                + std::to_string(max_sm_count)
                + "'. Please see `limits_config.max_structured_metadata_entries_count` or "
                  "contact your Loki administrator to increase it";
        }
      }
      if (!bad.empty()) {
        discard(bad, 1, size);
        errors.add(std::move(msg));
        continue;
      }
      // Loki chains increments: t, t, t -> t, t+1ns, t+2ns (the original
      // timestamp of the previous entry is compared too).
      const int64_t original_ts = e.ts;
      if (lim.increment_duplicate_timestamp && has_prev && e.line != prev_line
          && (e.ts == prev_ts || e.ts == prev_original_ts))
        e.ts = prev_ts + 1;
      prev_original_ts = original_ts;
      has_prev = true;
      prev_ts = e.ts;
      prev_line = e.line;
      s.entries[kept++] = e;
      ++out.lines;
      out.bytes += size;
    }
    s.entries.resize(kept);
    if (kept == 0)
      continue;
    if (keep != si)
      req.streams[keep] = std::move(s);
    ++keep;
  }
  req.streams.resize(keep);
  out.tokens.reserve(keep);
  for (const auto& s : req.streams)
    out.tokens.push_back(model::stream_token(tenant, s.labels));
  if (!errors.empty())
    out.error = errors.text();
  return out;
}

} // namespace skald::distributor
