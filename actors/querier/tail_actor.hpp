// actors/querier/tail_actor.hpp — internal to the tail actors: the state of
// a tailer actor (a tail session) and of a tail group actor, which share
// one state type and their batch, drain and flush handlers (tail.cpp), and
// the functions tail.cpp (sessions) and tail_group.cpp (groups) call in
// each other. Not for other units: tail.hpp and tail_internal.hpp are the
// interfaces.
//
// Owner: each tailer or group actor owns its tailer_state; the
// subscription, inbox and websocket it points to are shared with the
// streams and the HTTP session as their own headers say.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/behavior.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_response_promise.hpp>

#include "actors/querier/tail_internal.hpp"
#include "messages/tail.hpp"
#include "runtime/logql/pipeline.hpp"
#include "runtime/tail/fanout.hpp"
#include "runtime/tail/pacer.hpp"
#include "runtime/tail/replicas.hpp"
#include "runtime/tail/tail.hpp"
#include "runtime/util/logging.hpp"

namespace skald::actors::tail_detail {

struct tailer_state {
  static inline const char* name = "skald.tailer";
  route_ptr rs;
  tail_params p;
  std::shared_ptr<http::websocket> ws;
  std::shared_ptr<tail::subscription> sub;
  std::unique_ptr<logql::pipeline_runner> runner;
  std::unique_ptr<tail::tail_buffer> buf;
  /// This tailer's query identity (route_state::key_for).
  std::shared_ptr<const std::string> key;
  /// subscription::dropped_total() when flush() last took the drops.
  uint64_t dropped_seen = 0;
  /// Where the streams leave batches (messages/tail.hpp).
  std::shared_ptr<tail_inbox> inbox;
  /// Live entries that arrived before the history was sent.
  std::vector<tail::entry_ptr> early;
  bool history_done = false;
  /// A session of a group: (ts, line, labels) of each history entry, kept
  /// after the history went out, because a share the group sent before it
  /// saw `ready` may still come and must not repeat a history line.
  std::set<std::tuple<int64_t, std::string, std::string>> history_seen;
  bool tick_pending = false;
  /// When the pending tick comes (actor clock ns, see clock_ns).
  int64_t tick_due = 0;
  /// A group or cluster tailer: when its due entries go (bursts).
  tail::send_pacer pacer;
  /// A poll of the inbox is scheduled.
  bool poll_pending = false;
  bool ended = false;
  std::shared_ptr<spdlog::logger> log;
  // -- cluster mode (route_state::opts.ring) --
  /// One ingester this tailer is subscribed to (or asking), by ring id.
  struct source {
    bool local = false;
    /// The gateway asked (a restarted ingester has another one).
    caf::actor_addr gateway;
    /// The relay once subscribed (monitored); null while asking.
    caf::actor relay;
    /// Counted in `subscribed` (and the ingesters gauge).
    bool counted = false;
  };
  std::map<std::string, source> sources;
  /// This tail's subscription for remote gateways, encoded once.
  tail_sub_wire sub_wire;
  /// Drops the RF replicas of each entry (null outside cluster mode).
  std::unique_ptr<tail::replica_filter> replicas;
  /// Sources subscribed now; shared with the exit functor (gauge).
  std::shared_ptr<int64_t> subscribed = std::make_shared<int64_t>(0);
  /// Subscriptions of the first round not answered yet (history waits).
  size_t first_round = 0;
  bool history_started = false;
  // -- single node: a session of a tail group, or the group itself --------
  /// This actor is the tail group of one session key (messages/tail.hpp):
  /// fed by the streams, it renders each response once for all sessions.
  bool group = false;
  /// The group's sessions, each with what it still owes its client.
  std::vector<std::pair<tail_member_ptr, tail::fanout_member>> members;
  /// Joins answered once the feed is subscribed.
  std::vector<caf::typed_response_promise<std::string>> joins;
  bool feed_answered = false;
  /// The feed's subscription error ("" when subscribed).
  std::string feed_error;
  /// Key in route_state::groups (group and sessions).
  std::string group_key;
  /// A session: its entry in its group.
  tail_member_ptr member;
};

using tailer_ptr = caf::stateful_actor<tailer_state>*;

// -- tail.cpp: handlers a group shares with its sessions ------------------------

/// The actor clock in ns (the test coordinator's in actor tests).
int64_t clock_ns(tailer_ptr self);
/// Schedules a tick in `d` (from `now`, the actor clock) unless one comes
/// sooner.
void tick_in(tailer_ptr self, std::chrono::nanoseconds d, int64_t now);
/// Schedules a tick for the next entry to come due (delay_for).
void tick_for_pending(tailer_ptr self, int64_t now);
/// Moves what the subscription dropped into the buffer and counts it.
void take_dropped(tailer_state& st);
/// Sends what is due (a group: group_flush).
void flush(tailer_ptr self);
/// A batch sent as a message.
void on_batch(tailer_ptr self, const tail_batch_ptr& b);
/// Takes what waits in the inbox, sends what is due.
void drain(tailer_ptr self, bool poll);

// -- tail_group.cpp --------------------------------------------------------------

/// A group's flush: each due response rendered once for all its sessions.
void group_flush(tailer_ptr self);
/// The sessions that may share one group.
std::string group_key(const tail_params& p);
/// The tail group actor of one key.
caf::behavior group_fn(tailer_ptr self, route_ptr rs, tail_params p, std::string key);

} // namespace skald::actors::tail_detail
