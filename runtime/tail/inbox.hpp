// runtime/tail/inbox.hpp — where stream actors leave live-tail batches for
// one tailer, so that a busy tailer gets one wake-up per poll interval
// instead of one message per stream batch (messages/tail.hpp wires it).
//
// Owner: created by the tailer actor (actors/querier/tail.cpp) and shared
// with the stream actors it is attached to: streams put(), the tailer
// take()s everything at once, then polls again after a while or goes to
// sleep.
// Invariants: (1) a put() into a sleeping inbox answers true exactly once
// until the next take() (the caller then wakes the tailer), so no batch
// waits unseen; (2) the tailer sleeps only after a take(true) that found
// nothing; (3) past `urge_entries` waiting entries, one more wake-up is
// asked for before the next poll (a tailer behind its ticks catches up);
// (4) a closed inbox holds nothing and takes nothing.
// Thread safety: every member is safe from any thread (one mutex, held for
// a push_back or a swap). CAF-free.
#pragma once

#include <cstddef>
#include <mutex>
#include <utility>
#include <vector>

namespace skald::tail {

template <class Batch>
class inbox {
public:
  explicit inbox(size_t urge_entries = 5000) : urge_(urge_entries) {}

  /// Stream side: leaves `b` (holding `entries` entries); true when the
  /// caller must wake the tailer. A closed inbox takes nothing (false).
  bool put(Batch b, size_t entries) {
    std::lock_guard<std::mutex> guard{mtx_};
    if (closed_)
      return false;
    entries_ += entries;
    q_.push_back(std::move(b));
    if (!awake_) {
      awake_ = true;
      return true;
    }
    if (entries_ >= urge_ && !urged_) {
      urged_ = true;
      return true;
    }
    return false;
  }

  /// Tailer side: every waiting batch, oldest first. With `sleep_if_empty`
  /// and nothing waiting, the inbox goes to sleep: the next put wakes.
  std::vector<Batch> take(bool sleep_if_empty) {
    std::vector<Batch> out;
    std::lock_guard<std::mutex> guard{mtx_};
    out.swap(q_);
    entries_ = 0;
    urged_ = false;
    if (out.empty() && sleep_if_empty)
      awake_ = false;
    return out;
  }

  /// Tailer side, at the end: drops what waits and refuses later puts.
  void close() {
    std::vector<Batch> gone; // released after the lock
    std::lock_guard<std::mutex> guard{mtx_};
    closed_ = true;
    gone.swap(q_);
    entries_ = 0;
  }

private:
  std::mutex mtx_;
  std::vector<Batch> q_;
  size_t entries_ = 0;
  size_t urge_;
  bool awake_ = false;
  bool urged_ = false;
  bool closed_ = false;
};

} // namespace skald::tail
