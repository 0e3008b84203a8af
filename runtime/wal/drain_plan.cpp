#include "runtime/wal/drain_plan.hpp"

#include <algorithm>

#include "runtime/util/little_endian.hpp"
#include "runtime/util/varint.hpp"
#include "runtime/wal/format.hpp"

namespace skald::wal {

bool parse_record_keys(std::string_view frame, record_keys& out) noexcept {
  if (frame.size() < frame_header_size + 8)
    return false;
  out.type = static_cast<uint8_t>(frame[9]);
  const char* p = frame.data() + frame_header_size;
  const char* end = frame.data() + frame.size();
  out.id = util::load_u64le(p);
  p += 8;
  switch (static_cast<record_type>(out.type)) {
  case record_type::series:
    out.lo = out.hi = 0;
    return true;
  case record_type::entries: {
    uint64_t n;
    if (end - p < 8)
      return false;
    out.hi = util::load_u64le(p);
    p += 8;
    if (!util::get_uvarint(p, end, n) || n == 0 || n > out.hi)
      return false;
    out.lo = out.hi - n + 1;
    return true;
  }
  case record_type::block: {
    uint64_t span;
    if (!util::get_uvarint(p, end, out.lo) || !util::get_uvarint(p, end, span) || out.lo == 0 ||
        span > UINT64_MAX - out.lo)
      return false;
    out.hi = out.lo + span;
    return true;
  }
  default:
    return false;
  }
}

drain_frame make_drain_frame(const ring_frame& f) noexcept {
  drain_frame d;
  d.logical = f.logical;
  d.frame = f.frame;
  d.keyed = parse_record_keys(f.frame, d.keys);
  return d;
}

void drain_planner::reset() noexcept {
  hi_.clear();
  early_.clear();
}

void drain_planner::plan(const std::vector<drain_frame>& frames, size_t n_drain,
                         std::vector<std::string_view>& out, drain_stats& stats) {
  if (hi_.size() > max_streams)
    hi_.clear(); // forgetting costs bytes only
  // The round's block records by stream, in ring order.
  blocks_.clear();
  for (size_t i = 0; i < frames.size(); ++i)
    if (frames[i].keyed && frames[i].keys.type == static_cast<uint8_t>(record_type::block))
      blocks_.emplace_back(frames[i].keys.id, static_cast<uint32_t>(i));
  std::sort(blocks_.begin(), blocks_.end());

  const auto block_type = static_cast<uint8_t>(record_type::block);
  for (size_t i = 0; i < n_drain && i < frames.size(); ++i) {
    const auto& f = frames[i];
    if (!f.keyed) {
      out.push_back(f.frame);
      continue;
    }
    const auto& k = f.keys;
    if (k.type == static_cast<uint8_t>(record_type::series)) {
      // A new incarnation (or the same stream again): known from 0 on.
      hi_[k.id] = 0;
      out.push_back(f.frame);
      continue;
    }
    auto it = hi_.find(k.id);
    if (k.type == block_type) {
      if (early_.erase(f.logical) > 0)
        continue; // written early, at the place of an entries record
      if (it != hi_.end() && k.lo <= it->second + 1 && k.hi > it->second) {
        out.push_back(f.frame);
        it->second = k.hi;
        ++stats.blocks_written;
      } else {
        ++stats.blocks_dropped;
      }
      continue;
    }
    // An entries record [lo, hi].
    if (it == hi_.end()) {
      out.push_back(f.frame);
      hi_[k.id] = k.hi;
      continue;
    }
    uint64_t& hi = it->second;
    if (k.hi <= hi) {
      ++stats.entries_covered;
      continue;
    }
    // Blocks further on that continue the written counters up to k.hi?
    chain_.clear();
    uint64_t cur = hi;
    auto b = std::lower_bound(blocks_.begin(), blocks_.end(),
                              std::make_pair(k.id, static_cast<uint32_t>(i + 1)));
    for (; b != blocks_.end() && b->first == k.id && cur < k.hi; ++b) {
      const auto& bf = frames[b->second];
      if (early_.count(bf.logical) > 0)
        continue;
      const auto& bk = bf.keys;
      if (bk.lo > cur + 1)
        break;
      if (bk.hi > cur) {
        cur = bk.hi;
        chain_.push_back(b->second);
      }
    }
    if (cur < k.hi) {
      out.push_back(f.frame);
      hi = k.hi;
      continue;
    }
    // Written here; passed over at their own place (this round or later).
    for (auto j : chain_) {
      out.push_back(frames[j].frame);
      early_.insert(frames[j].logical);
      ++stats.blocks_written;
    }
    hi = cur;
    ++stats.entries_covered;
  }
}

} // namespace skald::wal
