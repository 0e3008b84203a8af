// runtime/query/outstanding.cpp — see outstanding.hpp.
#include "runtime/query/outstanding.hpp"

#include <utility>

namespace skald::query {

std::shared_ptr<void> outstanding_queries::try_acquire(const std::string& tenant) {
  {
    std::lock_guard<std::mutex> g{mu_};
    auto& n = counts_[tenant];
    if (limit_ > 0 && n >= limit_)
      return nullptr;
    ++n;
  }
  // The token keeps this object alive and gives the slot back when the last
  // copy of it goes.
  struct slot {
    slot(std::shared_ptr<outstanding_queries> o, std::string t)
        : owner(std::move(o)), tenant(std::move(t)) {}
    slot(const slot&) = delete;
    slot& operator=(const slot&) = delete;
    ~slot() { owner->release(tenant); }
    std::shared_ptr<outstanding_queries> owner;
    std::string tenant;
  };
  return std::make_shared<slot>(shared_from_this(), tenant);
}

size_t outstanding_queries::in_flight(const std::string& tenant) const {
  std::lock_guard<std::mutex> g{mu_};
  auto it = counts_.find(tenant);
  return it == counts_.end() ? 0 : it->second;
}

void outstanding_queries::release(const std::string& tenant) {
  std::lock_guard<std::mutex> g{mu_};
  auto it = counts_.find(tenant);
  if (it == counts_.end())
    return;
  if (--it->second == 0)
    counts_.erase(it);
}

} // namespace skald::query
