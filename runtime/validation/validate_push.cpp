#include "runtime/validation/validate_push.hpp"

#include <deque>
#include <memory>

#include "runtime/validation/reasons.hpp"

namespace skald::validation {

namespace {

/// What validate_push allocates beyond the decoded request.
struct rewritten_storage {
  std::deque<std::string> lines;
  std::deque<model::label_set> metadata;
  std::shared_ptr<const void> previous; // the input's extra_storage, if any
};

void count(validated_push& out, std::string_view reason, size_t entries, size_t bytes) {
  for (auto& d : out.discarded)
    if (d.reason == reason) {
      d.entries += entries;
      d.bytes += bytes;
      return;
    }
  out.discarded.push_back(discard_count{reason, entries, bytes});
}

} // namespace

validated_push validate_push(const validation_context& ctx, push::push_request req) {
  validated_push out;
  error_collector errors;
  std::shared_ptr<rewritten_storage> rewritten;
  auto extra = [&]() -> rewritten_storage& {
    if (!rewritten) {
      rewritten = std::make_shared<rewritten_storage>();
      rewritten->previous = req.extra_storage;
    }
    return *rewritten;
  };
  const auto& ident = ctx.limits.max_line_size_truncate_identifier;
  out.request.storage = req.storage;
  out.request.extra_storage = req.extra_storage;
  for (auto& s : req.streams) {
    if (s.entries.empty())
      continue;
    // Truncation comes first (Loki truncates before validating).
    for (auto& e : s.entries) {
      auto keep = truncation_length(ctx, e.line.size());
      if (!keep)
        continue;
      ++out.truncated_lines;
      out.truncated_bytes += e.line.size() - *keep;
      if (ident.empty()) {
        e.line = e.line.substr(0, *keep);
      } else {
        auto& owned = extra().lines.emplace_back(e.line.substr(0, *keep));
        owned += ident;
        e.line = owned;
      }
    }
    auto stream_verdict = validate_labels(ctx, s.label_set, s.labels);
    if (stream_verdict.ok())
      stream_verdict = validate_enforced_labels(ctx, s.label_set, s.labels);
    if (!stream_verdict.ok()) {
      size_t bytes = 0;
      for (const auto& e : s.entries)
        bytes += entry_size(e);
      count(out, stream_verdict.reason(), s.entries.size(), bytes);
      errors.add(stream_verdict);
      continue;
    }
    timestamp_incrementer inc{s.entries.front().ts};
    size_t n = 0;
    for (auto& e : s.entries) {
      auto v = validate_entry(ctx, s.labels, e);
      if (!v.ok()) {
        count(out, v.reason(), 1, entry_size(e));
        errors.add(v);
        continue;
      }
      if (e.metadata && needs_sanitizing(*e.metadata)) {
        auto& copy = extra().metadata.emplace_back(*e.metadata);
        out.sanitized_metadata += sanitize_structured_metadata(copy);
        e.metadata = &copy;
      }
      if (ctx.limits.increment_duplicate_timestamp)
        e.ts = inc.next(e.ts, e.line);
      out.valid_bytes += entry_size(e);
      ++out.valid_lines;
      s.entries[n++] = e;
    }
    s.entries.resize(n);
    if (n == 0)
      continue;
    for (const auto& e : s.entries) {
      ++out.request.lines;
      out.request.line_bytes += e.line.size();
      if (e.metadata)
        for (const auto& l : *e.metadata)
          out.request.metadata_bytes += l.name.size() + l.value.size();
    }
    out.request.streams.push_back(std::move(s));
  }
  if (rewritten) // keeps the input's extra storage alive through `previous`
    out.request.extra_storage = std::move(rewritten);
  out.error = errors.combined();
  return out;
}

} // namespace skald::validation
