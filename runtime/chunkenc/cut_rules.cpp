#include "runtime/chunkenc/cut_rules.hpp"

namespace skald::chunkenc {

std::string_view to_string(cut_reason r) noexcept {
  switch (r) {
    case cut_reason::none: return "none";
    case cut_reason::closed: return "closed";
    case cut_reason::full: return "full";
    case cut_reason::synced: return "synced";
    case cut_reason::max_age: return "max_age";
  }
  return "unknown";
}

chunk_facts facts_of(const mem_chunk& chunk, const model::entry_view& e) noexcept {
  return {chunk.closed(), chunk.empty(), chunk.space_for(e), chunk.utilization()};
}

bool crosses_sync_boundary(model::timestamp_ns ts, model::timestamp_ns highest_ts,
                           uint64_t fingerprint, std::chrono::nanoseconds sync_period) noexcept {
  if (sync_period.count() <= 0)
    return false;
  // Go computes (ts + fp) % period on uint64 (the fingerprint is uint64);
  // unsigned wrap-around keeps this identical for any input.
  auto period = static_cast<uint64_t>(sync_period.count());
  uint64_t cts = (static_cast<uint64_t>(ts) + fingerprint) % period;
  uint64_t pts = (static_cast<uint64_t>(highest_ts) + fingerprint) % period;
  return cts < pts;
}

cut_reason should_cut(const chunk_facts& chunk, model::timestamp_ns ts, const stream_state& stream,
                      const cut_config& cfg) noexcept {
  if (chunk.closed)
    return cut_reason::closed;
  if (chunk.empty)
    return cut_reason::none;
  if (!chunk.has_space)
    return cut_reason::full;
  if (cfg.sync_period.count() > 0 && stream.highest_ts && ts >= *stream.highest_ts
      && crosses_sync_boundary(ts, *stream.highest_ts, stream.fingerprint, cfg.sync_period)
      && (cfg.sync_min_utilization <= 0 || chunk.utilization > cfg.sync_min_utilization))
    return cut_reason::synced;
  return cut_reason::none;
}

bool exceeds_max_age(const time_bounds& bounds, std::chrono::nanoseconds max_chunk_age) noexcept {
  // In uint64: the span of extreme timestamps does not fit int64.
  if (bounds.max_ts < bounds.min_ts)
    return false;
  auto span = static_cast<uint64_t>(bounds.max_ts) - static_cast<uint64_t>(bounds.min_ts);
  return max_chunk_age.count() < 0 || span > static_cast<uint64_t>(max_chunk_age.count());
}

} // namespace skald::chunkenc
