#include "messages/push.hpp"

#include <caf/sec.hpp>

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

ingest_done::~ingest_done() {
  if (claim() && cb_)
    cb_(caf::make_error(caf::sec::request_receiver_down));
}

bool ingest_done::claim() noexcept {
  bool expected = false;
  return finished_.compare_exchange_strong(expected, true, std::memory_order_acq_rel);
}

void ingest_done::finish(ingest_reply r) {
  if (claim() && cb_)
    cb_(std::move(r));
}

stream_append::~stream_append() {
  if (applied || !round)
    return;
  // Dropped unhandled: the stream actor exited with this still queued.
  auto& slot = round->replies[index];
  slot = stream_reply{};
  slot.status = 500;
  slot.message = "stream append failed: the stream actor exited";
  if (round->count_down() && round->on_last != nullptr)
    round->on_last(round, nullptr);
}

} // namespace skald
