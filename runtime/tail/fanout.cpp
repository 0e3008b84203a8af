// runtime/tail/fanout.cpp — see fanout.hpp.
#include "runtime/tail/fanout.hpp"

namespace skald::tail {

fanout_plan plan_fanout(fanout_member& m, const std::vector<tail_response>& responses,
                        const std::vector<std::shared_ptr<const std::string>>& shared,
                        size_t queued, const render_fn& render) {
  fanout_plan plan;
  auto keep_dropped = [&m](int64_t ts, const model::label_set& labels) {
    if (m.dropped.size() < max_dropped_per_response)
      m.dropped.push_back(dropped_entry{ts, labels});
  };
  for (size_t i = 0; i < responses.size(); ++i) {
    const auto& r = responses[i];
    if (queued + plan.frames.size() >= max_buffered_responses) {
      // Behind: this response's entries (and what it reported) are lost
      // for this client; it hears of them with its next frame.
      plan.dropped += r.entries.size();
      for (const auto& e : r.entries)
        keep_dropped(e->ts, e->final_labels());
      for (const auto& d : r.dropped)
        keep_dropped(d.ts, d.labels);
      continue;
    }
    for (const auto& e : r.entries)
      plan.line_bytes += e->line.size();
    if (m.dropped.empty()) {
      plan.frames.push_back(shared[i]);
      continue;
    }
    tail_response own;
    own.entries = r.entries;
    own.dropped.swap(m.dropped);
    for (const auto& d : r.dropped) {
      if (own.dropped.size() >= max_dropped_per_response)
        break;
      own.dropped.push_back(d);
    }
    plan.frames.push_back(std::make_shared<const std::string>(render(own)));
  }
  return plan;
}

} // namespace skald::tail
