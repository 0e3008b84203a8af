// actors/ingester/ingester.cpp — behaviours of the ingester and tenant
// instance actors (the stream actor is in stream_actor.cpp).
// Decisions live in runtime/ingester (stream rules, limit math); this file
// routes messages, keeps the maps and updates metrics.
#include "actors/ingester/ingester.hpp"
#include "actors/ingester/ingester_internal.hpp"
#include "actors/ingester/wal_writer.hpp"

#include <algorithm>
#include <atomic>
#include <functional>
#include <random>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/exit_reason.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/admin/introspect.hpp"
#include "runtime/chunkenc/iterator.hpp"
#include "runtime/ingester/flush_queue.hpp"
#include "runtime/ingester/limiter.hpp"
#include "runtime/ingester/wal_recovery.hpp"
#include "runtime/limits/overrides.hpp"
#include "runtime/logql/source.hpp"
#include "runtime/metrics/registry.hpp"
#include "runtime/util/logging.hpp"
#include "runtime/wal/format.hpp"
#include "runtime/model/label_parse.hpp"

namespace skald::actors {

namespace {

using namespace ingester_detail;

/// Wall-clock ns: WAL epochs must grow across restarts.
uint64_t wall_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count());
}



// -- tenant instance ---------------------------------------------------------

struct stream_slot {
  std::string labels;
  stream_actor handle;
  /// Appends sent to the stream: it is removed only if it had applied all of
  /// them when it reported no chunks left (flush_reply::appends).
  uint64_t sent = 0;
  /// WAL on: the incarnation's id and epoch, its entry counter (entries
  /// logged so far; never reused, not even for nacked records) and whether
  /// its series record was handed to the writer.
  uint64_t wal_id = 0;
  uint64_t epoch = 0;
  uint64_t counter = 0;
  bool series_logged = false;
};

struct tenant_state {
  static inline const char* name = "skald.tenant";
  admin::actor_stats admin;
  std::string tenant;
  ctx_ptr ctx;
  std::unordered_map<uint64_t, std::vector<stream_slot>> streams;
  size_t count = 0;
  metrics::gauge* memory_streams = nullptr;
  metrics::counter* streams_created = nullptr;
  metrics::counter* streams_removed = nullptr;
  /// Parsed label sets of the streams' canonical strings, for selects (a
  /// stream that exits leaves its entry: same labels parse the same).
  std::unordered_map<std::string, model::label_set> parsed;
  /// Live tails of this tenant (closed ones are pruned on the next tail).
  std::vector<tail_request_ptr> tailers;

  /// The open tails that a stream with these labels feeds.
  std::vector<tail_request_ptr> tailers_for(const model::label_set& ls) const {
    std::vector<tail_request_ptr> out;
    for (const auto& t : tailers)
      if (!t->sub->closed() && t->sub->matches(ls))
        out.push_back(t);
    return out;
  }

  const model::label_set& labels_of(const std::string& canonical) {
    auto i = parsed.find(canonical);
    if (i == parsed.end()) {
      auto ls = model::parse_labels(canonical);
      i = parsed.emplace(canonical, ls.ok() ? std::move(*ls) : model::label_set{}).first;
    }
    return i->second;
  }

  stream_slot* find(uint64_t fp, const std::string& labels) {
    auto i = streams.find(fp);
    if (i == streams.end())
      return nullptr;
    for (auto& s : i->second)
      if (s.labels == labels)
        return &s;
    return nullptr;
  }
};

/// Sums a round's slots into the push's answer: entries stored, and the
/// status and text of the last failing stream (Loki: the last error wins).
/// A failed WAL write wins over the streams' errors: nothing of the push is
/// acknowledged as logged.
ingest_reply sum_round(push_round& r) {
  ingest_reply out;
  for (auto& x : r.replies) {
    out.stored += x.stored;
    if (x.status != 0) {
      out.status = x.status;
      out.message = std::move(x.message);
    }
  }
  if (r.wal_status != 0) {
    out.status = r.wal_status;
    out.message = std::move(r.wal_message);
  }
  return out;
}

/// push_round::on_last: every stream applied its entries (and, WAL on, the
/// writer logged them); the push is answered from the thread that finished
/// last.
void answer_round(const push_round_ptr& r, caf::execution_unit*) {
  r->done->finish(sum_round(*r));
}

/// Removes the stream (fp, labels) after it reported no chunks left having
/// applied `applied` appends, unless more were sent to it (it may hold chunks
/// by now). True if removed.
bool remove_stream(tenant_actor::stateful_pointer<tenant_state> self, uint64_t fp,
                   const std::string& labels, uint64_t applied) {
  auto& st = self->state;
  auto i = st.streams.find(fp);
  if (i == st.streams.end())
    return false;
  auto& v = i->second;
  for (auto j = v.begin(); j != v.end(); ++j) {
    if (j->labels != labels)
      continue;
    if (j->sent != applied)
      return false;
    auto h = j->handle;
    v.erase(j);
    if (v.empty())
      st.streams.erase(i);
    --st.count;
    st.memory_streams->dec();
    st.streams_removed->inc();
    self->unlink_from(h.address());
    caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
    return true;
  }
  return false;
}

using tenant_ptr = tenant_actor::stateful_pointer<tenant_state>;

tenant_actor::behavior_type tenant_fn(tenant_actor::stateful_pointer<tenant_state> self,
                                      ctx_ptr ctx, std::string tenant, uint64_t parent) {
  auto& st = self->state;
  st.ctx = ctx;
  st.tenant = std::move(tenant);
  st.memory_streams = &ctx->m.memory_streams->with({st.tenant});
  st.streams_created = &ctx->m.streams_created->with({st.tenant});
  st.streams_removed = &ctx->m.streams_removed->with({st.tenant});
  self->set_exit_handler([self](caf::exit_msg& msg) {
    auto& st = self->state;
    for (auto i = st.streams.begin(); i != st.streams.end(); ++i) {
      auto& v = i->second;
      for (auto j = v.begin(); j != v.end(); ++j) {
        if (j->handle.address() == msg.source) {
          v.erase(j);
          if (v.empty())
            st.streams.erase(i);
          --st.count;
          st.memory_streams->dec();
          return;
        }
      }
    }
    self->quit(msg.reason); // not a child: our parent (or the system) stops us
  });
  enlist(self, "tenant", "tenant " + st.tenant, parent, st.tenant);
  auto info = [self](admin::actor_info& out) {
    out.numbers["streams"] = static_cast<int64_t>(self->state.count);
  };
  return admin_behavior<tenant_actor::behavior_type>(
    self, info,
    [=](push_atom, const ingest_ptr& batch, const ingest_done_ptr& done) {
      auto& st = self->state;
      auto snap = st.ctx->deps.limits->current();
      const auto& lim = snap->for_tenant(st.tenant);
      ingester::stream_limit_inputs in;
      in.max_streams_per_user = lim.max_streams_per_user;
      in.max_global_streams_per_user = lim.max_global_streams_per_user;
      in.healthy_ingesters = st.ctx->deps.healthy_ingesters;
      in.replication_factor = st.ctx->deps.replication_factor;
      const auto max_streams = ingester::max_streams_allowed(in);

      const auto& streams = batch->request.streams;
      auto round = std::make_shared<push_round>();
      round->batch = batch;
      round->done = done;
      round->replies.resize(streams.size());
      round->on_last = &answer_round;
      const bool wal = static_cast<bool>(st.ctx->deps.wal);
      std::shared_ptr<wal_append> log;
      if (wal) {
        log = std::make_shared<wal_append>();
        log->round = round;
      }
      for (uint32_t i = 0; i < streams.size(); ++i) {
        const auto& ps = streams[i];
        if (ps.entries.empty())
          continue;
        auto* slot = st.find(ps.fingerprint, ps.labels);
        if (slot == nullptr) {
          if (static_cast<int64_t>(st.count) >= max_streams) {
            uint64_t bytes = 0;
            for (const auto& e : ps.entries)
              bytes += ingester::entry_size(e);
            auto reason = std::string{ingester::reason_stream_limit};
            st.ctx->m.discarded_samples->with({reason, st.tenant}).inc(ps.entries.size());
            st.ctx->m.discarded_bytes->with({reason, st.tenant}).inc(bytes);
            round->replies[i].status = 429;
            round->replies[i].message = ingester::stream_limit_error(ps.labels, st.tenant);
            continue;
          }
          auto init = std::make_shared<stream_init>();
          init->parent = self->id();
          if (wal) {
            init->label_set = ps.label_set;
            init->wal_id = st.ctx->next_wal_id.fetch_add(1);
            init->epoch = wall_ns();
          }
          if (!st.tailers.empty())
            init->tailers = st.tailers_for(ps.label_set);
          auto h = self->spawn<caf::linked>(stream_fn, st.ctx, st.tenant, ps.labels,
                                            ps.fingerprint, init);
          auto& v = st.streams[ps.fingerprint];
          v.push_back(stream_slot{ps.labels, h});
          slot = &v.back();
          slot->wal_id = init->wal_id;
          slot->epoch = init->epoch;
          ++st.count;
          st.memory_streams->inc();
          st.streams_created->inc();
        }
        // One message per stream and no reply: the stream writes slot i and
        // the last one completes the round (messages/push.hpp). No timer
        // either: a stream actor never blocks, and one that terminates drops
        // the message, whose destructor fails the slot; the distributor's
        // deadline bounds what the client waits.
        round->pending.fetch_add(1, std::memory_order_relaxed);
        ++slot->sent;
        uint64_t counter = 0;
        if (log) {
          // Logged while the stream applies them (messages/wal.hpp).
          stream_wal_record rec;
          rec.wal_id = slot->wal_id;
          rec.epoch = slot->epoch;
          slot->counter += ps.entries.size();
          counter = rec.counter = slot->counter;
          rec.count = static_cast<uint32_t>(ps.entries.size());
          rec.series = !slot->series_logged;
          slot->series_logged = true;
          log->records.emplace_back(i, rec);
        }
        self->send(slot->handle, append_atom_v,
                   std::make_shared<stream_append>(round, i, counter));
      }
      if (log && !log->records.empty()) {
        // After the stream appends (messages/wal.hpp, invariant 3). Local,
        // never blocking; a writer that is gone drops the message and the
        // push is never acked (its ingest_done answers request_receiver_down).
        round->pending.fetch_add(1, std::memory_order_relaxed);
        wal_append_ptr app{std::move(log)};
        const auto& ring = st.ctx->deps.wal_ring;
        if (!ring || !try_ring_append(*ring, app))
          self->send(st.ctx->deps.wal, append_atom_v, std::move(app));
      }
      if (round->count_down())
        answer_round(round, nullptr); // every stream applied already (or none got an append)
    },
    [=](status_atom) -> ingester_stats {
      return ingester_stats{1, static_cast<uint32_t>(self->state.count)};
    },
    [=](read_atom, const std::string& labels) -> caf::result<stream_dump> {
      auto& st = self->state;
      for (auto& [fp, v] : st.streams)
        for (auto& s : v)
          if (s.labels == labels)
            return self->delegate(s.handle, read_atom_v);
      return stream_dump{};
    },
    [=](checkpoint_atom) -> caf::result<snapshot_list_ptr> {
      auto& st = self->state;
      auto rp = self->make_response_promise<snapshot_list_ptr>();
      auto acc = std::make_shared<std::vector<stream_snapshot>>();
      auto pending = std::make_shared<size_t>(1);
      auto failed = std::make_shared<bool>(false);
      auto done = [rp, acc, pending, failed]() mutable {
        if (--*pending == 0)
          rp.deliver(*failed ? snapshot_list_ptr{} : acc);
      };
      for (auto& [fp, v] : st.streams)
        for (auto& s : v) {
          ++*pending;
          self->request(s.handle, caf::duration{st.ctx->deps.timeout}, checkpoint_atom_v)
            .then(
              [acc, failed, done](snapshot_list_ptr& p) mutable {
                if (!p)
                  *failed = true;
                else
                  for (auto& x : *p)
                    acc->push_back(std::move(x));
                done();
              },
              [failed, done](caf::error&) mutable {
                *failed = true;
                done();
              });
        }
      done();
      return rp;
    },
    [=](replay_atom, const recovery_ptr& rec) -> ingester_stats {
      // Adopts the streams replayed from the WAL (no stream limit).
      auto& st = self->state;
      for (auto& rs : rec->streams) {
        if (rs.s) // the replayed chunks are in memory now (loki_ingester_memory_chunks)
          st.ctx->m.memory_chunks->add(static_cast<double>(rs.s->chunks().size()));
        auto init = std::make_shared<stream_init>();
        init->s = std::move(rs.s);
        init->label_set = std::move(rs.label_set);
        init->wal_id = rs.wal_id;
        init->epoch = rs.epoch;
        init->counter = rs.counter;
        init->parent = self->id();
        auto h = self->spawn<caf::linked>(stream_fn, st.ctx, st.tenant, rs.labels, rs.fingerprint,
                                          init);
        auto& slot = st.streams[rs.fingerprint].emplace_back(stream_slot{rs.labels, h});
        slot.wal_id = rs.wal_id;
        slot.epoch = rs.epoch;
        slot.counter = rs.counter;
        slot.series_logged = true;
        ++st.count;
        st.memory_streams->inc();
      }
      return ingester_stats{1, static_cast<uint32_t>(st.count)};
    },
    [=](select_atom, const select_request_ptr& req) -> caf::result<select_reply_ptr> {
      auto& st = self->state;
      struct tally {
        size_t pending = 1; // released after the loop
        select_reply_ptr reply = std::make_shared<select_reply>();
        caf::typed_response_promise<select_reply_ptr> rp;
        void done_one() {
          if (--pending == 0)
            rp.deliver(std::move(reply));
        }
      };
      auto t = std::make_shared<tally>();
      t->rp = self->make_response_promise<select_reply_ptr>();
      for (auto& [fp, v] : st.streams) {
        for (auto& slot : v) {
          const auto& ls = st.labels_of(slot.labels);
          bool match = req->groups.empty();
          for (const auto& g : req->groups)
            if (logql::matches_all(g, ls)) {
              match = true;
              break;
            }
          if (!match)
            continue;
          ++t->pending;
          // Local and never blocking, like appends: no timer per stream; the
          // querier's request timeout bounds the wait.
          self->request(slot.handle, caf::infinite, select_atom_v, req)
            .then(
              [t, ls](stream_slice_ptr& s) {
                if (s && s->count > 0) {
                  s->data.labels = ls;
                  t->reply->streams.push_back(std::move(*s));
                }
                t->done_one();
              },
              [t](caf::error&) { t->done_one(); });
        }
      }
      t->done_one();
      return t->rp;
    },
    [=](tail_atom, const tail_request_ptr& req) -> std::string {
      auto& st = self->state;
      auto& ts = st.tailers;
      ts.erase(
        std::remove_if(ts.begin(), ts.end(), [](const auto& t) { return t->sub->closed(); }),
        ts.end());
      auto snap = st.ctx->deps.limits->current();
      const auto limit = snap->for_tenant(st.tenant).max_concurrent_tail_requests;
      // A tail group's feed is not a session (its sessions are counted).
      const auto n = static_cast<size_t>(
        std::count_if(ts.begin(), ts.end(), [](const auto& t) { return t->sub->counted(); }));
      if (limit >= 0 && req->sub->counted() && n >= static_cast<size_t>(limit))
        return "max concurrent tail requests limit exceeded, count > limit ("
               + std::to_string(n + 1) + " > " + std::to_string(limit) + ")";
      ts.push_back(req);
      for (auto& [fp, v] : st.streams)
        for (auto& slot : v)
          if (req->sub->matches(st.labels_of(slot.labels)))
            self->send(slot.handle, tail_atom_v, req);
      return {};
    },
    [=](flush_atom, uint8_t mode) -> caf::result<flush_reply> {
      auto& st = self->state;
      auto rp = self->make_response_promise<flush_reply>();
      auto acc = std::make_shared<flush_reply>();
      auto pending = std::make_shared<size_t>(1);
      auto done = [rp, acc, pending]() mutable {
        if (--*pending == 0)
          rp.deliver(*acc);
      };
      const auto& owned = st.ctx->deps.owned;
      for (auto& [fp, v] : st.streams)
        for (auto& slot : v) {
          ++*pending;
          // The periodic sweep flushes a stream the ring moved elsewhere.
          auto m = mode;
          if (mode == static_cast<uint8_t>(ingester::flush_mode::normal) && owned &&
              !owned(st.tenant, slot.labels))
            m = static_cast<uint8_t>(ingester::flush_mode::not_owned);
          // Answered when the stream's op finished (the worker always answers).
          self->request(slot.handle, caf::infinite, flush_atom_v, m)
            .then(
              [self, acc, done, fp = fp, labels = slot.labels](flush_reply& r) mutable {
                *acc += r;
                if (r.removable && remove_stream(self, fp, labels, r.appends))
                  ++acc->removed;
                done();
              },
              [done](caf::error&) mutable { done(); });
        }
      done();
      return rp;
    },
    [=](admin_flush_atom, const std::string& labels) -> caf::result<uint32_t> {
      // Every stream of the tenant, or the one whose canonical labels match.
      // Replies the number of streams asked once each has answered.
      auto& st = self->state;
      auto rp = self->make_response_promise<uint32_t>();
      auto matched = std::make_shared<uint32_t>(0);
      auto pending = std::make_shared<size_t>(1);
      auto done = [rp, matched, pending]() mutable {
        if (--*pending == 0)
          rp.deliver(*matched);
      };
      for (auto& [fp, v] : st.streams)
        for (auto& slot : v)
          if (labels.empty() || slot.labels == labels) {
            ++*matched;
            ++*pending;
            self->request(slot.handle, caf::duration{st.ctx->deps.timeout}, admin_flush_atom_v)
              .then([done](uint32_t) mutable { done(); }, [done](caf::error&) mutable { done(); });
          }
      done();
      return rp;
    });
}

// -- ingester ----------------------------------------------------------------

/// Sends `msg` as the response to request `id` of `source` from any thread.
/// CAF's response_promise::deliver enqueues on the promising actor's
/// execution unit (its worker's queue, without waking anyone) and drops the
/// response when the promise has no actor: neither fits a push finished by a
/// stream actor or the WAL writer. A null execution unit goes through the
/// scheduler, which wakes an idle worker.
void respond_from(const caf::strong_actor_ptr& sender, caf::strong_actor_ptr source,
                  caf::response_promise::forwarding_stack stages, caf::message_id id,
                  caf::message msg) {
  if (!stages.empty()) {
    auto next = std::move(stages.back());
    stages.pop_back();
    next->enqueue(caf::make_mailbox_element(std::move(source), id, std::move(stages),
                                            std::move(msg)),
                  nullptr);
  } else if (source) {
    source->enqueue(sender, id.response_id(), std::move(msg), nullptr);
  }
}

struct ingester_state {
  static inline const char* name = "skald.ingester";
  admin::actor_stats admin;
  uint64_t admin_flushes = 0;
  ctx_ptr ctx;
  std::unordered_map<std::string, tenant_actor> tenants;
  uint32_t streams_hint = 0;
  /// True until the WAL replay was adopted: pushes answer 503.
  bool replaying = false;
  /// A WAL checkpoint is in progress (one at a time).
  bool checkpointing = false;
  bool timer_started = false;
  bool flush_timer_started = false;
  /// Shutting down: pushes are refused.
  bool stopping = false;
  std::mt19937_64 rng;

  tenant_actor& tenant(ingester_actor::stateful_pointer<ingester_state> self,
                       const std::string& id) {
    auto i = tenants.find(id);
    if (i == tenants.end()) {
      auto h = self->spawn<caf::linked>(tenant_fn, ctx, id, self->id());
      i = tenants.emplace(id, h).first;
    }
    return i->second;
  }
};

using ingester_ptr = ingester_actor::stateful_pointer<ingester_state>;

void start_checkpoint_timer(ingester_ptr self) {
  auto& st = self->state;
  auto every = st.ctx->deps.checkpoint_interval;
  if (st.timer_started || !st.ctx->deps.wal || every.count() <= 0)
    return;
  st.timer_started = true;
  self->delayed_send(self, every, checkpoint_atom_v);
}

/// One WAL checkpoint: roll (segments <= N are covered by snapshots taken
/// after it: a record's stream appends are queued before it, messages/wal.hpp
/// invariant 3), gather every stream's snapshot,
/// have the writer write checkpoint.N and remove what it covers. On any
/// error the segments stay and the next cycle tries again.
void run_checkpoint(ingester_ptr self) {
  auto& st = self->state;
  if (st.timer_started)
    self->delayed_send(self, st.ctx->deps.checkpoint_interval, checkpoint_atom_v);
  const auto& wal = st.ctx->deps.wal;
  if (!wal || st.checkpointing || st.replaying)
    return;
  st.checkpointing = true;
  auto fail = [self](const std::string& what) {
    self->state.checkpointing = false;
    static auto logger = log::get("ingester");
    SKALD_LOG_WARN(logger, "WAL checkpoint abandoned: {}", what);
  };
  self->request(wal, caf::infinite, checkpoint_atom_v)
    .then(
      [self, fail](uint64_t n) {
        auto& st = self->state;
        auto acc = std::make_shared<std::vector<stream_snapshot>>();
        auto pending = std::make_shared<size_t>(1);
        auto failed = std::make_shared<bool>(false);
        auto done = [self, acc, pending, failed, n, fail]() {
          if (--*pending != 0)
            return;
          if (*failed) {
            fail("a stream could not be snapshotted");
            return;
          }
          self->request(self->state.ctx->deps.wal, caf::infinite, checkpoint_atom_v, n, acc)
            .then([self](uint64_t) { self->state.checkpointing = false; },
                  [self, fail](caf::error& e) { fail(self->system().render(e)); });
        };
        for (auto& [id, h] : st.tenants) {
          ++*pending;
          self->request(h, caf::duration{st.ctx->deps.timeout}, checkpoint_atom_v)
            .then(
              [acc, failed, done](snapshot_list_ptr& p) {
                if (!p)
                  *failed = true;
                else
                  for (auto& x : *p)
                    acc->push_back(std::move(x));
                done();
              },
              [failed, done](caf::error&) {
                *failed = true;
                done();
              });
        }
        done();
      },
      [self, fail](caf::error& e) { fail(self->system().render(e)); });
}

double draw(ingester_ptr self) {
  return std::uniform_real_distribution<double>{0.0, 1.0}(self->state.rng);
}

/// Loki's sweep timing: first after 0-0.8x the period, then period +-20%.
void start_flush_timer(ingester_ptr self) {
  auto& st = self->state;
  auto every = st.ctx->deps.flush_check_period;
  if (st.flush_timer_started || st.ctx->deps.flushers.empty() || every.count() <= 0)
    return;
  st.flush_timer_started = true;
  self->delayed_send(self, ingester::initial_sweep_delay(every, draw(self)), flush_atom_v);
}

/// Sweeps the tenants (all when `tenant` is empty); `done` gets the sum.
void sweep_tenants(ingester_ptr self, ingester::flush_mode mode, const std::string& tenant,
                   std::function<void(const flush_reply&)> done) {
  auto& st = self->state;
  auto acc = std::make_shared<flush_reply>();
  auto pending = std::make_shared<size_t>(1);
  auto one = [acc, pending, done]() {
    if (--*pending == 0)
      done(*acc);
  };
  for (auto& [id, h] : st.tenants) {
    if (!tenant.empty() && id != tenant)
      continue;
    ++*pending;
    self->request(h, caf::infinite, flush_atom_v, static_cast<uint8_t>(mode))
      .then(
        [acc, one](flush_reply& r) {
          *acc += r;
          one();
        },
        [one](caf::error&) { one(); });
  }
  one();
}

ingester_actor::behavior_type ingester_fn(ingester_actor::stateful_pointer<ingester_state> self,
                                          ctx_ptr ctx) {
  self->state.ctx = std::move(ctx);
  self->state.replaying = self->state.ctx->deps.replay_pending;
  self->state.rng.seed(self->state.ctx->deps.seed);
  if (!self->state.replaying) {
    start_checkpoint_timer(self);
    start_flush_timer(self);
  }
  self->set_exit_handler([self](caf::exit_msg& msg) {
    auto& ts = self->state.tenants;
    for (auto i = ts.begin(); i != ts.end(); ++i)
      if (i->second.address() == msg.source) {
        ts.erase(i);
        return;
      }
    self->quit(msg.reason);
  });
  enlist(self, "ingester", "ingester");
  auto info = [self](admin::actor_info& out) {
    const auto& st = self->state;
    out.numbers["tenants"] = static_cast<int64_t>(st.tenants.size());
    out.numbers["replaying"] = st.replaying ? 1 : 0;
    out.numbers["checkpointing"] = st.checkpointing ? 1 : 0;
    out.numbers["flushes"] = static_cast<int64_t>(st.admin_flushes);
  };
  return admin_behavior<ingester_actor::behavior_type>(
    self, info,
    [=](push_atom, const ingest_ptr& batch, const ingest_done_ptr& done) {
      if (self->state.replaying)
        return done->finish(ingest_reply{503, "replaying WAL", 0});
      if (self->state.stopping)
        return done->finish(ingest_reply{500, "Ingester is shutting down", 0});
      self->send(self->state.tenant(self, batch->tenant), push_atom_v, batch, done);
    },
    [=](push_atom, const ingest_ptr& batch) -> caf::result<ingest_reply> {
      if (self->state.replaying)
        return ingest_reply{503, "replaying WAL", 0};
      if (self->state.stopping)
        return ingest_reply{500, "Ingester is shutting down", 0};
      // The actor that finishes the push sends the response itself, from its
      // own thread (respond_from).
      auto rp = self->make_response_promise<ingest_reply>();
      const caf::response_promise& any = rp;
      auto done = std::make_shared<ingest_done>(
        [me = caf::actor_cast<caf::strong_actor_ptr>(self), src = any.source(),
         stages = any.stages(), id = any.id()](caf::expected<ingest_reply> r) {
          respond_from(me, src, stages, id,
                       r ? caf::make_message(std::move(*r)) : caf::make_message(r.error()));
        });
      self->send(self->state.tenant(self, batch->tenant), push_atom_v, batch, std::move(done));
      return rp;
    },
    [=](status_atom) -> caf::result<ingester_stats> {
      auto& st = self->state;
      auto rp = self->make_response_promise<ingester_stats>();
      auto acc = std::make_shared<ingester_stats>();
      acc->tenants = static_cast<uint32_t>(st.tenants.size());
      if (st.tenants.empty()) {
        rp.deliver(*acc);
        return rp;
      }
      auto pending = std::make_shared<size_t>(st.tenants.size());
      for (auto& [id, h] : st.tenants)
        self->request(h, caf::duration{st.ctx->deps.timeout}, status_atom_v)
          .then(
            [rp, acc, pending](ingester_stats& s) mutable {
              acc->streams += s.streams;
              if (--*pending == 0)
                rp.deliver(*acc);
            },
            [rp, acc, pending](caf::error&) mutable {
              if (--*pending == 0)
                rp.deliver(*acc);
            });
      return rp;
    },
    [=](read_atom, const std::string& tenant,
        const std::string& labels) -> caf::result<stream_dump> {
      auto& ts = self->state.tenants;
      auto i = ts.find(tenant);
      if (i == ts.end())
        return stream_dump{};
      return self->delegate(i->second, read_atom_v, labels);
    },
    [=](replay_atom, const recovery_ptr& rec) -> ingester_stats {
      // Split by tenant; each tenant instance adopts its streams before any
      // push reaches it (messages from here to it stay in order).
      auto& st = self->state;
      std::unordered_map<std::string, recovery_ptr> per_tenant;
      ingester_stats out;
      for (auto& rs : rec->streams) {
        auto& p = per_tenant[rs.tenant];
        if (!p)
          p = std::make_shared<ingester::recovery>();
        p->streams.push_back(std::move(rs));
        ++out.streams;
      }
      for (auto& [tenant, p] : per_tenant)
        caf::anon_send(st.tenant(self, tenant), replay_atom_v, p);
      uint64_t next = rec->max_wal_id + 1;
      auto cur = st.ctx->next_wal_id.load();
      while (cur < next && !st.ctx->next_wal_id.compare_exchange_weak(cur, next)) {
      }
      st.replaying = false;
      start_checkpoint_timer(self);
      start_flush_timer(self);
      out.tenants = static_cast<uint32_t>(st.tenants.size());
      return out;
    },
    [=](checkpoint_atom) { run_checkpoint(self); },
    [=](flush_atom) {
      auto& st = self->state;
      self->delayed_send(self, ingester::sweep_interval(st.ctx->deps.flush_check_period, draw(self)),
                         flush_atom_v);
      if (!st.replaying)
        sweep_tenants(self, ingester::flush_mode::normal, std::string{}, [](const flush_reply&) {});
    },
    [=](flush_atom, uint8_t mode, const std::string& tenant) -> caf::result<flush_reply> {
      auto rp = self->make_response_promise<flush_reply>();
      sweep_tenants(self, static_cast<ingester::flush_mode>(mode), tenant,
                    [rp](const flush_reply& r) mutable { rp.deliver(r); });
      return rp;
    },
    [=](stop_atom) -> bool {
      auto& st = self->state;
      bool first = !st.stopping;
      st.stopping = true;
      return first;
    },
    [=](select_atom, const select_request_ptr& req) -> caf::result<select_reply_ptr> {
      auto& ts = self->state.tenants;
      auto i = ts.find(req->tenant);
      if (i == ts.end())
        return std::make_shared<select_reply>();
      return self->delegate(i->second, select_atom_v, req);
    },
    [=](tail_atom, const tail_request_ptr& req) -> caf::result<std::string> {
      // The tenant is created if absent: a tail may start before any push.
      auto& t = self->state.tenant(self, req->sub->tenant());
      return self->delegate(t, tail_atom_v, req);
    },
    [=](admin_flush_atom, const std::string& tenant,
        const std::string& labels) -> caf::result<uint32_t> {
      auto& ts = self->state.tenants;
      auto i = ts.find(tenant);
      if (i == ts.end())
        return uint32_t{0};
      ++self->state.admin_flushes;
      return self->delegate(i->second, admin_flush_atom_v, labels);
    });
}

} // namespace

ingester_actor spawn_ingester(caf::actor_system& sys, ingester_deps deps) {
  auto& reg = deps.metrics ? *deps.metrics : metrics::default_registry();
  auto ctx = std::make_shared<const shared_ctx>(std::move(deps), reg);
  return sys.spawn(ingester_fn, ctx);
}

} // namespace skald::actors
