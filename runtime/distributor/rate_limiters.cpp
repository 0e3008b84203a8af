#include "runtime/distributor/rate_limiters.hpp"

namespace skald::distributor {

bool rate_limiters::allow(std::string_view tenant, validation::rate_clock::time_point now,
                          size_t bytes, const validation::rate_limit& current) {
  std::lock_guard<std::mutex> guard{mtx_};
  return limiter_.allow(tenant, now, bytes, current);
}

validation::rate_limit rate_limiters::limit(std::string_view tenant,
                                            validation::rate_clock::time_point now,
                                            const validation::rate_limit& current) {
  std::lock_guard<std::mutex> guard{mtx_};
  return limiter_.limit(tenant, now, current);
}

} // namespace skald::distributor
