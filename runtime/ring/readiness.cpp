// runtime/ring/readiness.cpp — see readiness.hpp.
#include "runtime/ring/readiness.hpp"

#include <cstdio>

namespace skald::ring {

namespace {

/// dskit InstanceDesc.IsReady.
std::string instance_problem(const instance_desc& inst, int64_t now_ms, int64_t timeout_ms) {
  if (!inst.heartbeat_healthy(now_ms, timeout_ms))
    return "instance " + inst.addr + " past heartbeat timeout";
  if (inst.state != instance_state::active)
    return "instance " + inst.addr + " in state " + std::string{to_string(inst.state)};
  return {};
}

/// Go's fmtFrac + fmtInt on a value with `prec` fractional digits:
/// trailing zeros of the fraction are dropped, and the dot with them.
std::string with_fraction(uint64_t v, int prec) {
  uint64_t div = 1;
  for (int i = 0; i < prec; ++i)
    div *= 10;
  std::string out = std::to_string(v / div);
  uint64_t frac = v % div;
  if (frac == 0)
    return out;
  std::string digits(static_cast<size_t>(prec), '0');
  for (int i = prec - 1; i >= 0; --i) {
    digits[static_cast<size_t>(i)] = static_cast<char>('0' + frac % 10);
    frac /= 10;
  }
  while (!digits.empty() && digits.back() == '0')
    digits.pop_back();
  return out + "." + digits;
}

} // namespace

std::string readiness_tracker::check(const ring_desc& ring, const std::string& self_id,
                                     int64_t now_ms) {
  if (ready_)
    return {};
  std::string problem;
  const auto* self = ring.find(self_id);
  if (self == nullptr || self->state == instance_state::left || self->tokens.empty())
    problem = "this instance owns no tokens";
  else if (opts_.check_ring_health)
    problem = ready_problem(ring, now_ms, opts_.heartbeat_timeout_ms);
  else
    problem = instance_problem(*self, now_ms, opts_.heartbeat_timeout_ms);
  if (!problem.empty()) {
    ready_since_ms_ = -1;
    return problem;
  }
  if (ready_since_ms_ < 0)
    ready_since_ms_ = now_ms;
  if (now_ms - ready_since_ms_ < opts_.min_ready_duration_ms)
    return "waiting for " +
           go_duration_string(std::chrono::milliseconds{opts_.min_ready_duration_ms}) +
           " after being ready";
  ready_ = true;
  return {};
}

std::string go_duration_string(std::chrono::nanoseconds d) {
  int64_t ns = d.count();
  if (ns == 0)
    return "0s";
  std::string sign = ns < 0 ? "-" : "";
  uint64_t u = ns < 0 ? static_cast<uint64_t>(-(ns + 1)) + 1 : static_cast<uint64_t>(ns);
  if (u < 1'000'000'000ULL) {
    // Below a second: one unit, with a fraction.
    if (u < 1'000ULL)
      return sign + std::to_string(u) + "ns";
    if (u < 1'000'000ULL)
      return sign + with_fraction(u, 3) + "\xC2\xB5s"; // µs, as Go prints it
    return sign + with_fraction(u, 6) + "ms";
  }
  std::string out = with_fraction(u % 60'000'000'000ULL, 9) + "s";
  uint64_t minutes = u / 60'000'000'000ULL;
  if (minutes > 0) {
    out = std::to_string(minutes % 60) + "m" + out;
    uint64_t hours = minutes / 60;
    if (hours > 0)
      out = std::to_string(hours) + "h" + out;
  }
  return sign + out;
}

} // namespace skald::ring
