#include "runtime/chunkenc/mem_chunk.hpp"

#include <algorithm>
#include <cassert>
#include <limits>
#include <string>

#include "runtime/chunkenc/entry_codec.hpp"
#include "runtime/chunkenc/iterator.hpp"

namespace skald::chunkenc {

namespace {

/// Format v1: blocks start after the 8-byte header.
constexpr uint64_t first_block_offset = 8;

/// Per-thread scratch for cutting: the sorted payload of an unordered head
/// and the compressed bytes. Reused, so cutting does not allocate scratch.
struct cut_scratch {
  buffer sorted;
  buffer compressed;
};

cut_scratch& thread_scratch() {
  thread_local cut_scratch s;
  return s;
}

} // namespace

mem_chunk::mem_chunk(encoding enc, size_t block_size, size_t target_size)
  : enc_(enc), block_size_(block_size), target_size_(target_size), head_(block_size) {
  assert(is_valid(enc));
  assert(block_size > 0);
}

append_result mem_chunk::append(const model::entry_view& e) {
  if (closed_)
    return append_result::closed;
  if (head_.contains(e))
    return append_result::duplicate;
  head_.append(e);
  if (e.metadata != nullptr && !e.metadata->empty())
    metadata_ = true;
  if (head_.size() >= block_size_)
    status_ignored(cut_block_impl(), "a failed cut keeps the head; the next append retries");
  return append_result::appended;
}

bool mem_chunk::space_for(const model::entry_view& e) const noexcept {
  if (target_size_ > 0) {
    // A record without metadata is at most 21 bytes + the line: far from
    // the target (every append but the last few of a chunk), that bound
    // decides without sizing the varints.
    if (e.metadata == nullptr && size() + e.line.size() + 21 < target_size_)
      return true;
    return size() + detail::record_size(head_.max_ts(), e) < target_size_;
  }
  return blocks_.size() < blocks_per_chunk;
}

bool mem_chunk::is_full() const noexcept {
  if (target_size_ > 0)
    return size() >= target_size_;
  return blocks_.size() >= blocks_per_chunk;
}

double mem_chunk::utilization() const noexcept {
  if (target_size_ > 0)
    return static_cast<double>(size()) / static_cast<double>(target_size_);
  return static_cast<double>(uncompressed_size())
         / static_cast<double>(blocks_per_chunk * block_size_);
}

time_bounds mem_chunk::bounds() const noexcept {
  bool any = false;
  time_bounds b;
  auto widen = [&](model::timestamp_ns lo, model::timestamp_ns hi) {
    if (!any) {
      b = {lo, hi};
      any = true;
    } else {
      b.min_ts = std::min(b.min_ts, lo);
      b.max_ts = std::max(b.max_ts, hi);
    }
  };
  for (const auto& blk : blocks_)
    widen(blk.meta.min_ts, blk.meta.max_ts);
  if (!head_.empty())
    widen(head_.min_ts(), head_.max_ts());
  return b;
}

size_t mem_chunk::memory_usage() const noexcept {
  size_t n = head_.memory_usage() + blocks_.capacity() * sizeof(block);
  for (const auto& blk : blocks_)
    n += blk.data.capacity() + 1;
  return n;
}

status mem_chunk::cut_block() {
  if (closed_)
    return {};
  return cut_block_impl();
}

status mem_chunk::cut_block_impl() {
  if (head_.empty())
    return {};
  auto& scratch = thread_scratch();
  auto payload = head_.sorted_payload(scratch.sorted);
  if (auto st = compress(enc_, payload, scratch.compressed); !st.ok())
    return st;
  block b;
  b.meta.min_ts = head_.min_ts();
  b.meta.max_ts = head_.max_ts();
  b.meta.entries = head_.entries();
  b.meta.raw_size = static_cast<uint32_t>(payload.size());
  b.meta.compressed_size = static_cast<uint32_t>(scratch.compressed.size());
  b.meta.offset = blocks_.empty()
                    ? first_block_offset
                    : blocks_.back().meta.offset + blocks_.back().meta.compressed_size + 4;
  b.data.assign(scratch.compressed.data(), scratch.compressed.size());
  blocks_entries_ += b.meta.entries;
  blocks_compressed_ += b.meta.compressed_size;
  blocks_raw_ += b.meta.raw_size;
  blocks_.push_back(std::move(b));
  head_.clear();
  return {};
}

status mem_chunk::add_block(block b, encoding enc, bool metadata) {
  if (closed_)
    return status{errc::invalid_argument, "add_block: the chunk is closed"};
  if (enc != enc_)
    return status{errc::invalid_argument, "add_block: the block's encoding is not the chunk's"};
  if (b.meta.entries == 0 || b.meta.min_ts > b.meta.max_ts ||
      b.meta.compressed_size != b.data.size() || b.data.empty())
    return status{errc::invalid_argument, "add_block: inconsistent block metadata"};
  if (auto st = cut_block_impl(); !st.ok())
    return st;
  b.meta.offset = blocks_.empty()
                      ? first_block_offset
                      : blocks_.back().meta.offset + blocks_.back().meta.compressed_size + 4;
  blocks_entries_ += b.meta.entries;
  blocks_compressed_ += b.meta.compressed_size;
  blocks_raw_ += b.meta.raw_size;
  metadata_ = metadata_ || metadata;
  blocks_.push_back(std::move(b));
  return {};
}

status mem_chunk::close() {
  if (closed_)
    return {};
  if (auto st = cut_block_impl(); !st.ok())
    return st;
  bool overlapping = false;
  for (size_t i = 1; i < blocks_.size() && !overlapping; ++i)
    overlapping = blocks_[i].meta.min_ts < blocks_[i - 1].meta.max_ts;
  if (overlapping)
    if (auto st = reorder(); !st.ok())
      return st;
  head_.release();
  blocks_.shrink_to_fit();
  closed_ = true;
  return {};
}

status mem_chunk::reorder() {
  // Read everything in timestamp order and cut it again into a fresh chunk.
  // Duplicates are kept: only the head's duplicate check drops entries.
  mem_chunk fresh{enc_, block_size_, target_size_};
  {
    auto it = iterate(std::numeric_limits<model::timestamp_ns>::min(), unbounded,
                      direction::forward);
    while (it.next()) {
      fresh.head_.append(it.at());
      if (fresh.head_.size() >= block_size_)
        if (auto st = fresh.cut_block_impl(); !st.ok())
          return st;
    }
    if (!it.error().ok())
      return it.error();
  }
  if (auto st = fresh.cut_block_impl(); !st.ok())
    return st;
  if (fresh.entries() != entries())
    return status{errc::internal, "reorder: entry count changed"};
  blocks_ = std::move(fresh.blocks_);
  blocks_entries_ = fresh.blocks_entries_;
  blocks_compressed_ = fresh.blocks_compressed_;
  blocks_raw_ = fresh.blocks_raw_;
  return {};
}

status mem_chunk::block_entries(size_t i, std::vector<model::timestamp_ns>& ts,
                                std::vector<uint32_t>& line_sizes) const {
  ts.clear();
  line_sizes.clear();
  std::string_view payload;
  if (i < blocks_.size()) {
    auto& raw = thread_scratch().sorted;
    const auto& b = blocks_[i];
    if (auto st = decompress(enc_, b.data, b.meta.raw_size, raw); !st.ok())
      return st;
    payload = raw.view();
  } else if (i == blocks_.size()) {
    payload = head_.raw();
  } else {
    return status{errc::invalid_argument, "no block " + std::to_string(i)};
  }
  const char* p = payload.data();
  const char* end = p + payload.size();
  model::timestamp_ns prev = 0;
  detail::record r;
  bool sorted = true;
  while (p < end) {
    if (!detail::get_record(p, end, prev, r))
      return status{errc::corrupt_record, "block " + std::to_string(i) + ": malformed entry record"};
    prev = r.ts;
    if (!ts.empty() && r.ts < ts.back())
      sorted = false;
    ts.push_back(r.ts);
    line_sizes.push_back(static_cast<uint32_t>(r.line.size()));
  }
  if (!sorted) { // an unordered head: sort both by ts
    std::vector<size_t> idx(ts.size());
    for (size_t k = 0; k < idx.size(); ++k)
      idx[k] = k;
    std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return ts[a] < ts[b]; });
    std::vector<model::timestamp_ns> t2(ts.size());
    std::vector<uint32_t> s2(ts.size());
    for (size_t k = 0; k < idx.size(); ++k) {
      t2[k] = ts[idx[k]];
      s2[k] = line_sizes[idx[k]];
    }
    ts.swap(t2);
    line_sizes.swap(s2);
  }
  return {};
}

mem_chunk mem_chunk::snapshot() const {
  mem_chunk s{enc_, block_size_, target_size_};
  s.closed_ = closed_;
  s.metadata_ = metadata_;
  s.head_ = head_.copy();
  s.blocks_ = blocks_;
  s.blocks_entries_ = blocks_entries_;
  s.blocks_compressed_ = blocks_compressed_;
  s.blocks_raw_ = blocks_raw_;
  return s;
}

entry_iterator mem_chunk::iterate(model::timestamp_ns from, model::timestamp_ns through,
                                  direction dir) const {
  return entry_iterator{*this, from, through, dir};
}

result<size_t> mem_chunk::count(model::timestamp_ns from, model::timestamp_ns through) const {
  auto count_payload = [&](std::string_view payload, size_t& n) {
    const char* p = payload.data();
    const char* end = p + payload.size();
    model::timestamp_ns prev = 0;
    detail::record r;
    while (p < end) {
      if (!detail::get_record(p, end, prev, r))
        return false;
      prev = r.ts;
      if (in_range(r.ts, from, through))
        ++n;
    }
    return true;
  };
  size_t n = 0;
  for (size_t i = 0; i < blocks_.size(); ++i) {
    const auto& b = blocks_[i];
    if (b.meta.inside(from, through)) {
      n += b.meta.entries;
    } else if (b.meta.overlaps(from, through)) {
      auto& raw = thread_scratch().sorted;
      if (auto st = decompress(enc_, b.data, b.meta.raw_size, raw); !st.ok())
        return st;
      if (!count_payload(raw.view(), n))
        return status{errc::corrupt_record,
                      "block " + std::to_string(i) + ": malformed entry record"};
    }
  }
  if (!head_.empty() && span_overlaps(head_.min_ts(), head_.max_ts(), from, through)) {
    if (span_inside(head_.min_ts(), head_.max_ts(), from, through))
      n += head_.entries();
    else if (!count_payload(head_.raw(), n))
      return status{errc::internal, "head block: malformed entry record"};
  }
  return n;
}

status decode_block_entries(encoding enc, std::string_view data, size_t raw_size, buffer& raw,
                            std::vector<model::entry_view>& out,
                            std::vector<model::label_set>& metadata) {
  out.clear();
  if (auto st = decompress(enc, data, raw_size, raw); !st.ok())
    return st;
  const std::string_view payload = raw.view();
  const char* p = payload.data();
  const char* end = p + payload.size();
  model::timestamp_ns prev = 0;
  detail::record r;
  size_t with_md = 0;
  while (p < end) {
    if (!detail::get_record(p, end, prev, r))
      return status{errc::corrupt_record, "block: malformed entry record"};
    prev = r.ts;
    with_md += r.n_pairs != 0 ? 1 : 0;
    out.push_back(model::entry_view{r.ts, r.line, nullptr});
  }
  if (with_md == 0)
    return {};
  // Second pass for the metadata: `metadata` is sized once, so the
  // pointers taken below stay valid.
  if (metadata.size() < with_md)
    metadata.resize(with_md);
  p = payload.data();
  prev = 0;
  size_t k = 0;
  for (auto& e : out) {
    detail::get_record(p, end, prev, r); // validated above
    prev = r.ts;
    if (r.n_pairs == 0)
      continue;
    detail::decode_metadata(r, metadata[k]);
    e.metadata = &metadata[k++];
  }
  return {};
}

} // namespace skald::chunkenc
