#include "runtime/ingester/flush_policy.hpp"

#include "runtime/config/ingester_config.hpp"

namespace skald::ingester {

std::string_view to_string(flush_reason r) noexcept {
  switch (r) {
  case flush_reason::none:
    return "";
  case flush_reason::full:
    return "full";
  case flush_reason::synced:
    return "synced";
  case flush_reason::idle:
    return "idle";
  case flush_reason::max_age:
    return "max_age";
  case flush_reason::forced:
    return "forced";
  case flush_reason::not_owned:
    return "not_owned";
  }
  return "";
}

flush_config flush_config::from(const config::ingester_config& cfg) noexcept {
  flush_config out;
  out.chunk_idle_period = cfg.chunk_idle_period;
  out.max_chunk_age = cfg.max_chunk_age;
  out.chunk_retain_period = cfg.chunk_retain_period;
  return out;
}

namespace {

// Differences of int64 ns without signed overflow (extreme timestamps).
bool exceeds(int64_t later, int64_t earlier, std::chrono::nanoseconds limit) noexcept {
  int64_t diff = 0;
  if (__builtin_sub_overflow(later, earlier, &diff))
    return later > earlier;
  return diff > limit.count();
}

flush_reason own_reason(const chunk_state& c, int64_t now_ns, const flush_config& cfg) noexcept {
  if (c.closed)
    return c.synced ? flush_reason::synced : flush_reason::full;
  if (exceeds(now_ns, c.last_updated_ns, cfg.chunk_idle_period))
    return flush_reason::idle;
  if (exceeds(c.max_ts, c.min_ts, cfg.max_chunk_age))
    return flush_reason::max_age;
  return flush_reason::none;
}

} // namespace

flush_reason should_flush(const chunk_state& c, int64_t now_ns, const flush_config& cfg,
                          flush_mode mode) noexcept {
  if (c.flushed_ns)
    return flush_reason::none;
  auto r = own_reason(c, now_ns, cfg);
  if (r == flush_reason::none && mode == flush_mode::not_owned)
    r = flush_reason::not_owned;
  if (mode == flush_mode::immediate)
    r = flush_reason::forced;
  return r;
}

bool should_enqueue(const std::vector<chunk_state>& chunks, int64_t now_ns, const flush_config& cfg,
                    flush_mode mode) noexcept {
  if (chunks.empty())
    return false;
  if (chunks.size() > 1 || mode != flush_mode::normal)
    return true;
  return own_reason(chunks.back(), now_ns, cfg) != flush_reason::none;
}

std::vector<flush_pick> collect_flush(std::vector<chunk_state>& chunks, int64_t now_ns,
                                      const flush_config& cfg, flush_mode mode) {
  std::vector<flush_pick> out;
  for (size_t i = 0; i < chunks.size(); ++i) {
    auto& c = chunks[i];
    if (c.flushed_ns)
      continue;
    auto r = should_flush(c, now_ns, cfg, mode);
    if (r == flush_reason::none)
      continue;
    c.closed = true;
    out.push_back({i, r});
  }
  return out;
}

namespace {
double clamp01(double r) noexcept {
  if (!(r >= 0))
    return 0;
  return r >= 1 ? 0.999999999 : r;
}
} // namespace

std::chrono::nanoseconds initial_sweep_delay(std::chrono::nanoseconds period, double r) noexcept {
  return std::chrono::nanoseconds{
      static_cast<int64_t>(static_cast<double>(period.count()) * 0.8 * clamp01(r))};
}

std::chrono::nanoseconds sweep_interval(std::chrono::nanoseconds period, double r) noexcept {
  return std::chrono::nanoseconds{
      static_cast<int64_t>(static_cast<double>(period.count()) * (0.8 + 0.4 * clamp01(r)))};
}

bool flush_op_expired(int64_t started_ns, int64_t now_ns,
                      std::chrono::nanoseconds timeout) noexcept {
  // now - started >= timeout  <=>  now - started > timeout - 1ns
  return exceeds(now_ns, started_ns, timeout - std::chrono::nanoseconds{1});
}

bool should_drop(const chunk_state& c, int64_t now_ns, const flush_config& cfg) noexcept {
  if (!c.flushed_ns)
    return false;
  // now - flushed >= retain  <=>  now - flushed > retain - 1ns
  return exceeds(now_ns, *c.flushed_ns, cfg.chunk_retain_period - std::chrono::nanoseconds{1});
}

} // namespace skald::ingester
