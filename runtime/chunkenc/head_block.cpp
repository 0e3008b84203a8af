#include "runtime/chunkenc/head_block.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include "runtime/chunkenc/entry_codec.hpp"

namespace skald::chunkenc {

namespace {

/// Slack above block_size for the record that crosses the cut threshold.
constexpr size_t head_slack = 4096;

/// Two 14-bit probes from one multiplicative hash of the timestamp.
inline void probes(model::timestamp_ns ts, uint32_t& a, uint32_t& b) noexcept {
  uint64_t h = static_cast<uint64_t>(ts) * 0x9E3779B97F4A7C15ull;
  a = static_cast<uint32_t>(h >> 50);
  b = static_cast<uint32_t>((h >> 36) & 0x3FFF);
}

} // namespace

void head_block::filter_add(model::timestamp_ns ts) noexcept {
  uint32_t a;
  uint32_t b;
  probes(ts, a, b);
  ts_filter_[a >> 6] |= uint64_t{1} << (a & 63);
  ts_filter_[b >> 6] |= uint64_t{1} << (b & 63);
}

bool head_block::filter_may_contain(model::timestamp_ns ts) const noexcept {
  uint32_t a;
  uint32_t b;
  probes(ts, a, b);
  return ((ts_filter_[a >> 6] >> (a & 63)) & 1) != 0 && ((ts_filter_[b >> 6] >> (b & 63)) & 1) != 0;
}

void head_block::start_filter() {
  if (!ts_filter_)
    ts_filter_ = std::make_unique<uint64_t[]>(filter_words); // zeroed
  const char* p = buf_.data();
  const char* end = p + buf_.size();
  model::timestamp_ns prev = 0;
  detail::record r;
  while (p < end && detail::get_record(p, end, prev, r)) {
    prev = r.ts;
    filter_add(r.ts);
  }
}

head_block::head_block(size_t block_size) {
  if (block_size != 0)
    buf_.set_soft_cap(block_size + head_slack);
}

head_block head_block::copy() const {
  head_block h;
  h.buf_.append(buf_.view());
  h.min_ts_ = min_ts_;
  h.max_ts_ = max_ts_;
  h.last_ts_ = last_ts_;
  h.tail_run_ = tail_run_;
  h.entries_ = entries_;
  h.ordered_ = ordered_;
  if (ts_filter_) {
    h.ts_filter_ = std::make_unique<uint64_t[]>(filter_words);
    std::memcpy(h.ts_filter_.get(), ts_filter_.get(), filter_words * sizeof(uint64_t));
  }
  return h;
}

void head_block::append(const model::entry_view& e) {
  auto offset = static_cast<uint32_t>(buf_.size());
  detail::put_record(buf_, last_ts_, e);
  if (entries_ == 0) {
    min_ts_ = max_ts_ = e.ts;
    tail_run_ = offset;
  } else {
    if (e.ts < max_ts_ && ordered_) {
      ordered_ = false;
      start_filter(); // covers the record just written too
    } else if (!ordered_) {
      filter_add(e.ts);
    }
    if (e.ts > max_ts_)
      tail_run_ = offset;
    min_ts_ = std::min(min_ts_, e.ts);
    max_ts_ = std::max(max_ts_, e.ts);
  }
  last_ts_ = e.ts;
  ++entries_;
}

bool head_block::contains_in_range(const model::entry_view& e) const {
  const char* p = buf_.data();
  const char* end = p + buf_.size();
  model::timestamp_ns prev = 0;
  if (!ordered_ && !filter_may_contain(e.ts))
    return false;
  // In an ordered head, records with ts == max_ts are the trailing run.
  const bool run_only = ordered_ && e.ts == max_ts_;
  if (run_only)
    p += tail_run_;
  detail::record r;
  while (p < end) {
    if (!detail::get_record(p, end, prev, r))
      return false; // cannot happen: we wrote the buffer
    if (run_only)
      r.ts = max_ts_; // the run's first delta is relative to a record we skipped
    prev = r.ts;
    if (r.ts == e.ts && r.line == e.line && detail::metadata_equals(r, e.metadata))
      return true;
  }
  return false;
}

std::string_view head_block::sorted_payload(buffer& scratch) const {
  if (ordered_)
    return buf_.view();
  struct rec {
    model::timestamp_ns ts;
    uint32_t begin;
    uint32_t end;
  };
  std::vector<rec> recs;
  recs.reserve(entries_);
  const char* base = buf_.data();
  const char* p = base;
  const char* end = p + buf_.size();
  model::timestamp_ns prev = 0;
  detail::record r;
  while (p < end) {
    const char* begin = p;
    if (!detail::get_record(p, end, prev, r))
      break; // cannot happen: we wrote the buffer
    prev = r.ts;
    recs.push_back({r.ts, static_cast<uint32_t>(begin - base), static_cast<uint32_t>(p - base)});
  }
  std::stable_sort(recs.begin(), recs.end(),
                   [](const rec& a, const rec& b) { return a.ts < b.ts; });
  scratch.clear();
  scratch.reserve_exact(buf_.size() + entries_ * 2);
  prev = 0;
  for (const auto& x : recs) {
    detail::put_record_rebased(scratch, prev, x.ts, base + x.begin, base + x.end);
    prev = x.ts;
  }
  return scratch.view();
}

void head_block::clear() noexcept {
  buf_.clear();
  min_ts_ = max_ts_ = last_ts_ = 0;
  entries_ = 0;
  tail_run_ = 0;
  if (!ordered_ && ts_filter_)
    std::memset(ts_filter_.get(), 0, filter_words * sizeof(uint64_t));
  ordered_ = true;
}

void head_block::release() noexcept {
  clear();
  buf_.release();
  ts_filter_.reset();
}

} // namespace skald::chunkenc
