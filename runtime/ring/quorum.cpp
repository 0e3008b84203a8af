#include "runtime/ring/quorum.hpp"

namespace skald::ring {

quorum_verdict quorum_tracker::record(bool ok) noexcept {
  if (verdict_ != quorum_verdict::pending)
    return verdict_;
  if (ok) {
    if (++ok_ >= min_success_)
      verdict_ = quorum_verdict::succeeded;
  } else if (++failed_ > max_failures_) {
    verdict_ = quorum_verdict::failed;
  }
  return verdict_;
}

batch_tracker::batch_tracker(std::vector<replication_need> needs) : pending_(needs.size()) {
  streams_.reserve(needs.size());
  for (auto& n : needs)
    streams_.push_back(tally{n, 0, 0, false});
  if (pending_ == 0)
    verdict_ = quorum_verdict::succeeded;
}

quorum_verdict batch_tracker::record(const std::vector<uint32_t>& streams, bool ok) {
  if (verdict_ != quorum_verdict::pending)
    return verdict_;
  for (auto i : streams) {
    if (i >= streams_.size())
      continue;
    auto& t = streams_[i];
    if (ok) {
      if (++t.ok == t.need.min_success && !t.done) {
        t.done = true;
        --pending_;
      }
    } else if (++t.failed > t.need.max_failures) {
      verdict_ = quorum_verdict::failed;
      return verdict_;
    }
  }
  if (pending_ == 0)
    verdict_ = quorum_verdict::succeeded;
  return verdict_;
}

} // namespace skald::ring
