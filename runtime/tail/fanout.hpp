// runtime/tail/fanout.hpp — one query's tail responses handed to several
// sessions: the frames are rendered once and the same bytes go to every
// client that keeps up; a client that is behind loses those responses'
// entries (reported to it alone, in its next frame, as Loki's tailer does).
//
// Owner: the tail group actor (actors/querier/tail.cpp) keeps one
// fanout_member per session of its query and calls plan_fanout at each
// flush, for each member in turn.
// Invariants: (1) a member is handed at most max_buffered_responses frames
// queued at once (`queued` + what the plan adds): the entries of the
// responses beyond that are dropped for it; (2) a member's dropped entries
// are capped at max_dropped_per_response and leave with its next frame,
// which is then rendered for it alone (with the response's own dropped
// entries after them); (3) every other frame is the shared one, unchanged.
// Thread safety: none (one actor). CAF-free.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runtime/tail/tail.hpp"

namespace skald::tail {

/// What one session of a shared tail still owes its client.
struct fanout_member {
  /// Entries dropped for this session only (its client was behind).
  std::vector<dropped_entry> dropped;
};

/// What to hand one session's websocket at a flush.
struct fanout_plan {
  std::vector<std::shared_ptr<const std::string>> frames;
  /// Entries dropped now for this session (its client is behind).
  size_t dropped = 0;
  /// Line bytes in the frames (loki_querier_tail_bytes_total).
  size_t line_bytes = 0;
};

using render_fn = std::function<std::string(const tail_response&)>;

/// The frames for one member: `shared[i]` is `responses[i]` rendered;
/// `queued` is how many frames its connection has not written yet;
/// `render` renders a response for this member alone (its own drops).
fanout_plan plan_fanout(fanout_member& m, const std::vector<tail_response>& responses,
                        const std::vector<std::shared_ptr<const std::string>>& shared,
                        size_t queued, const render_fn& render);

} // namespace skald::tail
