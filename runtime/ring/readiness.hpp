// runtime/ring/readiness.hpp — an ingester's /ready decision (dskit
// Lifecycler.CheckReady, write-path spec §4.4), as a pure state machine.
//
// Owner: the ring module of a node that runs an ingester keeps one
// readiness_tracker (behind a mutex: /ready runs on HTTP threads) and feeds
// it the ring member's latest snapshot of the ingester ring and the wall
// clock on every /ready request, as dskit does on every CheckReady call.
//
// Rules, in dskit's order and words:
//  1. own entry without tokens (or missing): "this instance owns no tokens";
//  2. readiness_check_ring_health: every instance of the ring (LEFT
//     tombstones ignored, as memberlist readers never see them) must be
//     heartbeat-healthy and ACTIVE — "instance <addr> past heartbeat
//     timeout", "instance <addr> in state <S>", "no tokens in the ring";
//     without it only the own entry is checked the same way;
//  3. the checks must pass for min_ready_duration, counted from the first
//     call that saw them pass (reset by a failing call): "waiting for <d>
//     after being ready" (<d> as Go prints a time.Duration: 15s, 1m0s);
//  4. once ready, always ready (later ring problems do not flip it back).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "runtime/ring/model.hpp"

namespace skald::ring {

struct readiness_options {
  bool check_ring_health = true;
  int64_t heartbeat_timeout_ms = 60'000;
  int64_t min_ready_duration_ms = 15'000;
};

class readiness_tracker {
public:
  explicit readiness_tracker(readiness_options o = {}) : opts_(o) {}

  /// Empty when ready; otherwise the reason (see the file comment).
  std::string check(const ring_desc& ring, const std::string& self_id, int64_t now_ms);

  bool ready() const noexcept { return ready_; }

private:
  readiness_options opts_;
  bool ready_ = false;
  /// When the checks first passed (since the last failure); -1 = not yet.
  int64_t ready_since_ms_ = -1;
};

/// Go's time.Duration.String(): "0s", "500ms", "1.5s", "15s", "1m0s",
/// "1h2m3.5s", "1.2µs".
std::string go_duration_string(std::chrono::nanoseconds d);

} // namespace skald::ring
