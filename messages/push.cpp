#include "messages/push.hpp"

namespace skald {

push_job::~push_job() {
  if (!completed())
    complete(push_result{503, "The server cannot accept more requests at this time."});
}

void push_job::complete(push_result r) {
  bool expected = false;
  if (!completed_.compare_exchange_strong(expected, true, std::memory_order_acq_rel))
    return;
  if (done_)
    done_(std::move(r));
}

} // namespace skald
