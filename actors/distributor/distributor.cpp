// actors/distributor/distributor.cpp — the distributor behaviour. Decisions
// are pure (runtime/validation::validate_push, the shared rate buckets,
// runtime/ring quorum);
// this file sequences them and talks to the ingesters.
#include "actors/distributor/distributor.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <utility>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/admin/introspect.hpp"
#include "actors/cluster/cluster.hpp"
#include "messages/wire.hpp"
#include "runtime/distributor/distributor_ring.hpp"
#include "runtime/distributor/prepare.hpp"
#include "runtime/distributor/rate_limiters.hpp"
#include "runtime/limits/overrides.hpp"
#include "runtime/metrics/registry.hpp"
#include "runtime/ring/quorum.hpp"
#include "runtime/validation/from_config.hpp"
#include "runtime/validation/reasons.hpp"
#include "runtime/validation/validate_push.hpp"
#include "runtime/validation/validator.hpp"

namespace skald::actors {

namespace {

struct distributor_metrics {
  metrics::counter_family* lines;
  metrics::counter_family* bytes;
  metrics::counter_family* discarded_samples;
  metrics::counter_family* discarded_bytes;

  explicit distributor_metrics(metrics::registry& r)
    : lines(&r.counter("loki_distributor_lines_received_total",
                       "The total number of lines received per tenant.", {"tenant"})),
      bytes(&r.counter("loki_distributor_bytes_received_total",
                       "The total number of uncompressed bytes received per tenant.",
                       {"tenant"})),
      discarded_samples(&r.counter("loki_discarded_samples_total",
                                   "The total number of samples that were discarded.",
                                   {"reason", "tenant"})),
      discarded_bytes(&r.counter("loki_discarded_bytes_total",
                                 "The total number of bytes that were discarded.",
                                 {"reason", "tenant"})) {}
};

/// One request to a local ingester that has not been answered yet: its
/// error handler, called at most once (by the answer or by the deadline).
/// `answered` is claimed with exchange(): with one replica the answer comes
/// on the thread that finished the push, the deadline on this actor's.
struct pending_call {
  std::atomic<bool> answered{false};
  std::function<void(caf::error&)> on_error;
};

struct distributor_state {
  static inline const char* name = "skald.distributor";
  std::shared_ptr<const distributor_deps> deps;
  std::unique_ptr<distributor_metrics> m;
  admin::actor_stats admin;
  /// Deadlines of the requests to local ingesters, in issue order (one
  /// timeout for all, so also in deadline order). A CAF request timeout per
  /// push cost the clock thread a wake-up and this actor a stale timeout
  /// message per push; one sweep timer serves them all (see sweep_deadlines).
  std::deque<std::pair<caf::actor_clock::time_point, std::shared_ptr<pending_call>>> deadlines;
  bool sweep_armed = false;
};

/// The state of one push between fan-out and completion.
struct inflight {
  push_job_ptr job;
  ring::batch_tracker tracker;
  std::vector<uint32_t> all_streams;
  std::string validation_error;
  bool finished = false;

  inflight(push_job_ptr j, std::vector<ring::replication_need> needs)
    : job(std::move(j)), tracker(std::move(needs)) {}
};

/// Records one ingester's answer for `streams` and completes the job when
/// the quorum is decided (first failing stream: that ingester's error).
void record_answer(const std::shared_ptr<inflight>& fl, const std::vector<uint32_t>& streams,
                   bool ok, uint16_t status, const std::string& message) {
  auto v = fl->tracker.record(streams, ok);
  if (fl->finished)
    return;
  if (v == ring::quorum_verdict::succeeded) {
    fl->finished = true;
    if (fl->validation_error.empty())
      fl->job->complete(push_result{204, {}});
    else
      fl->job->complete(push_result{400, fl->validation_error});
  } else if (v == ring::quorum_verdict::failed) {
    fl->finished = true;
    fl->job->complete(push_result{status == 0 ? uint16_t{500} : status, message});
  }
}

/// A batch with only `streams` of `full` (entry views share its storage).
ingest_ptr sub_batch(const push_batch& full, const std::vector<uint32_t>& streams) {
  auto b = std::make_shared<push_batch>();
  b->tenant = full.tenant;
  b->wire_bytes = full.wire_bytes;
  b->request.storage = full.request.storage;
  b->request.extra_storage = full.request.extra_storage;
  b->request.streams.reserve(streams.size());
  b->tokens.reserve(streams.size());
  for (auto i : streams) {
    b->request.streams.push_back(full.request.streams[i]);
    b->tokens.push_back(full.tokens[i]);
  }
  return b;
}

/// Cluster mode: replication sets from the ring, one request per ingester.
void push_to_ring(distributor_actor::stateful_pointer<distributor_state> self, push_job_ptr job,
                  const std::shared_ptr<const cluster_view>& snap, std::string validation_error) {
  const auto& deps = *self->state.deps;
  if (!snap || snap->view.instance_count() == 0) {
    job->complete(push_result{500, "empty ring"});
    return;
  }
  auto& batch = job->batch;
  const size_t n_streams = batch.request.streams.size();
  std::vector<ring::replication_need> needs(n_streams);
  // Streams per instance id, in stream order.
  std::map<std::string, std::vector<uint32_t>> per_instance;
  for (uint32_t i = 0; i < n_streams; ++i) {
    auto rs = snap->view.get(batch.tokens[i], ring::operation::write_no_extend, snap->now_ms);
    if (!rs.ok()) {
      job->complete(push_result{500, rs.error().message()});
      return;
    }
    needs[i] = rs->need();
    for (const auto& inst : rs->instances)
      per_instance[inst.id].push_back(i);
  }
  auto fl = std::make_shared<inflight>(job, std::move(needs));
  fl->validation_error = std::move(validation_error);
  // Freeze the batch: shared read-only by every receiver from here on.
  auto frozen = std::make_shared<const push_batch>(std::move(batch));
  // One wire encoding per distinct stream set (RF = #ingesters: one in all).
  std::map<std::vector<uint32_t>, ingest_wire> encoded;
  const auto timeout = caf::duration{deps.timeout};
  for (auto& [id, list] : per_instance) {
    auto streams = std::make_shared<const std::vector<uint32_t>>(std::move(list));
    auto ep_it = snap->endpoints.find(id);
    const ingester_endpoint ep =
      ep_it == snap->endpoints.end() ? ingester_endpoint{} : ep_it->second;
    auto on_reply = [fl, streams](ingest_reply& rep) {
      record_answer(fl, *streams, rep.status == 0, rep.status, rep.message);
    };
    const auto* desc = snap->view.desc().find(id);
    auto addr = desc ? desc->addr : id;
    auto on_error = [self, fl, streams, addr](caf::error& err) {
      record_answer(fl, *streams, false, 500,
                    "failed to push to ingester " + addr + ": " + self->system().render(err));
    };
    if (ep.local) {
      ingest_ptr p = streams->size() == n_streams ? ingest_ptr{frozen} : sub_batch(*frozen, *streams);
      self->request(ep.local, timeout, push_atom_v, std::move(p)).then(on_reply, on_error);
    } else if (ep.remote) {
      auto it = encoded.find(*streams);
      if (it == encoded.end())
        it = encoded.emplace(*streams, encode_ingest(*frozen, *streams)).first;
      self->request(ep.remote, timeout, push_atom_v, it->second).then(on_reply, on_error);
    } else {
      caf::error none_err = caf::make_error(caf::sec::invalid_argument, "no endpoint");
      on_error(none_err);
    }
  }
}

/// How late a deadline may be noticed, beyond the first one the sweep
/// waits for: bounds the sweep to about 50 wake-ups per timeout period.
caf::timespan sweep_slack(std::chrono::nanoseconds timeout) {
  return std::min<caf::timespan>(caf::timespan{timeout / 50}, std::chrono::milliseconds{100});
}

void arm_sweep(distributor_actor::stateful_pointer<distributor_state> self) {
  auto& st = self->state;
  if (st.sweep_armed || st.deadlines.empty())
    return;
  st.sweep_armed = true;
  auto now = self->clock().now();
  auto due = st.deadlines.front().first;
  auto wait = due > now ? caf::timespan{due - now} : caf::timespan{0};
  self->delayed_send(self, wait, deadline_atom_v);
}

/// Fails every request whose deadline passed with the error CAF's own request
/// timeout would have given, then waits for the next deadline (at least the
/// slack later, so a steady stream of pushes costs a few timer wake-ups per
/// second instead of one per push).
void sweep_deadlines(distributor_actor::stateful_pointer<distributor_state> self) {
  auto& st = self->state;
  st.sweep_armed = false;
  auto now = self->clock().now();
  while (!st.deadlines.empty() && st.deadlines.front().first <= now) {
    auto call = std::move(st.deadlines.front().second);
    st.deadlines.pop_front();
    if (call->answered.exchange(true))
      continue;
    auto err = caf::make_error(caf::sec::request_timeout);
    call->on_error(err);
  }
  // Answered calls at the front need no timer.
  while (!st.deadlines.empty() && st.deadlines.front().second->answered)
    st.deadlines.pop_front();
  if (st.deadlines.empty())
    return;
  st.sweep_armed = true;
  auto due = std::max(st.deadlines.front().first, now + sweep_slack(st.deps->timeout));
  self->delayed_send(self, caf::timespan{due - now}, deadline_atom_v);
}

void handle_push(distributor_actor::stateful_pointer<distributor_state> self, push_job_ptr job) {
  auto& st = self->state;
  const auto& deps = *st.deps;
  auto& batch = job->batch;
  const std::string tenant = batch.tenant;
  auto snap = deps.limits->current();
  const auto& lim = snap->for_tenant(tenant);

  auto now = deps.wall_now ? deps.wall_now()
                           : std::chrono::duration_cast<std::chrono::nanoseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  const auto vlimits = validation::to_validation_limits(lim);
  const size_t received = batch.request.streams.size();
  auto ctx = validation::make_context(
    vlimits, std::chrono::system_clock::time_point{std::chrono::duration_cast<
               std::chrono::system_clock::duration>(std::chrono::nanoseconds{now})},
    tenant);
  auto v = validation::validate_push(ctx, std::move(batch.request));
  for (const auto& d : v.discarded) {
    st.m->discarded_samples->with({d.reason, std::string_view{tenant}}).inc(d.entries);
    st.m->discarded_bytes->with({d.reason, std::string_view{tenant}}).inc(d.bytes);
  }
  if (received == 0) {
    job->complete(push_result{static_cast<uint16_t>(validation::missing_streams_http_status),
                              std::string{validation::missing_streams_message}});
    return;
  }
  if (v.request.streams.empty()) {
    if (v.error.empty())
      job->complete(push_result{204, {}});
    else
      job->complete(push_result{400, std::move(v.error)});
    return;
  }

  // Tenant ingestion rate: all-or-nothing for the valid bytes, after validation.
  std::shared_ptr<const cluster_view> ring_snap;
  if (deps.ring)
    ring_snap = deps.ring->get();
  const size_t distributors = deps.distributors ? deps.distributors->get() : 0;
  const auto rl =
    validation::rate_limit_for(vlimits, validation::to_rate_strategy(lim), distributors);
  const validation::rate_clock::time_point mono{self->clock().now().time_since_epoch()};
  if (!deps.rate->allow(tenant, mono, v.valid_bytes, rl)) {
    auto why = validation::reason::rate_limited;
    st.m->discarded_samples->with({why, std::string_view{tenant}}).inc(v.valid_lines);
    st.m->discarded_bytes->with({why, std::string_view{tenant}}).inc(v.valid_bytes);
    auto in_force = deps.rate->limit(tenant, mono, rl);
    job->complete(push_result{429, validation::rate_limited_message(tenant, in_force.bytes_per_second,
                                                                    v.valid_lines, v.valid_bytes)});
    return;
  }
  st.m->lines->with({tenant}).inc(v.valid_lines);
  st.m->bytes->with({tenant}).inc(v.valid_bytes);
  batch.request = std::move(v.request);
  batch.tokens = distributor::stream_tokens(tenant, batch.request);

  if (deps.ring) {
    push_to_ring(self, std::move(job), ring_snap, std::move(v.error));
    return;
  }
  if (deps.ingesters.empty()) {
    job->complete(push_result{500, "empty ring"});
    return;
  }
  // Replication set. Without a ring every stream goes to the same
  // min(RF, #ingesters) ingesters, so each receives the whole batch; the
  // cluster issue groups streams by the ring's replication sets instead.
  const int replicas =
    std::max(1, std::min<int>(deps.replication_factor, static_cast<int>(deps.ingesters.size())));
  if (replicas == 1) {
    // One replica: no reply message. The actor that finishes the push (the
    // last stream actor, or the WAL writer) completes the job through the
    // ingest_done on its own thread, which posts the HTTP response; the
    // deadline sweep still fails it if that never happens.
    auto call = std::make_shared<pending_call>();
    auto* sys = &self->system();
    call->on_error = [sys, job](caf::error& err) {
      job->complete(push_result{500, "failed to push to ingester: " + sys->render(err)});
    };
    st.deadlines.emplace_back(self->clock().now() + deps.timeout, call);
    auto done = std::make_shared<ingest_done>(
      [call, job, verr = std::move(v.error)](caf::expected<ingest_reply> rep) {
        if (call->answered.exchange(true))
          return;
        if (!rep)
          call->on_error(rep.error());
        else if (rep->status != 0)
          job->complete(push_result{rep->status, std::move(rep->message)});
        else if (verr.empty())
          job->complete(push_result{204, {}});
        else
          job->complete(push_result{400, verr});
      });
    ingest_ptr ingest = std::make_shared<push_batch>(std::move(batch));
    self->send(deps.ingesters[0], push_atom_v, std::move(ingest), std::move(done));
    arm_sweep(self);
    return;
  }
  ring::replication_need need;
  need.min_success = static_cast<uint16_t>(replicas / 2 + 1);
  need.max_failures = static_cast<uint16_t>(replicas - need.min_success);
  const size_t n_streams = batch.request.streams.size();
  auto fl = std::make_shared<inflight>(job, std::vector<ring::replication_need>(n_streams, need));
  fl->validation_error = std::move(v.error);
  fl->all_streams.resize(n_streams);
  for (uint32_t i = 0; i < n_streams; ++i)
    fl->all_streams[i] = i;

  // Freeze the batch: from here on it is shared read-only by every receiver.
  auto frozen = std::make_shared<push_batch>(std::move(batch));
  ingest_ptr ingest = std::move(frozen);
  // Every replica gets the same shared_ptr: the batch is never copied (the
  // typed request API cannot take a prebuilt caf::message; copying one
  // shared_ptr per replica costs as little).

  auto finish = [fl](push_result r) {
    if (fl->finished)
      return;
    fl->finished = true;
    fl->job->complete(std::move(r));
  };
  // The ingesters are local actors: no CAF timeout per request (see
  // distributor_state::deadlines); the sweep fails the unanswered ones.
  const auto deadline = self->clock().now() + deps.timeout;
  for (int r = 0; r < replicas; ++r) {
    auto call = std::make_shared<pending_call>();
    call->on_error = [self, fl, finish](caf::error& err) {
      auto v = fl->tracker.record(fl->all_streams, false);
      if (v == ring::quorum_verdict::failed)
        finish(push_result{500, "failed to push to ingester: " + self->system().render(err)});
    };
    st.deadlines.emplace_back(deadline, call);
    self->request(deps.ingesters[static_cast<size_t>(r)], caf::infinite, push_atom_v, ingest)
      .then(
        [fl, finish, call](ingest_reply& rep) {
          if (call->answered.exchange(true))
            return;
          auto v = fl->tracker.record(fl->all_streams, rep.status == 0);
          if (v == ring::quorum_verdict::succeeded) {
            if (fl->validation_error.empty())
              finish(push_result{204, {}});
            else
              finish(push_result{400, fl->validation_error});
          } else if (v == ring::quorum_verdict::failed) {
            finish(push_result{rep.status == 0 ? uint16_t{500} : rep.status, rep.message});
          }
        },
        [call](caf::error& err) {
          if (call->answered.exchange(true))
            return;
          call->on_error(err);
        });
  }
  arm_sweep(self);
}

distributor_actor::behavior_type
distributor_fn(distributor_actor::stateful_pointer<distributor_state> self,
               std::shared_ptr<const distributor_deps> deps) {
  auto& reg = deps->metrics ? *deps->metrics : metrics::default_registry();
  self->state.m = std::make_unique<distributor_metrics>(reg);
  self->state.deps = std::move(deps);
  enlist(self, "distributor", "distributor " + std::to_string(self->id()));
  return admin_behavior<distributor_actor::behavior_type>(
    self, [](admin::actor_info&) {},
    [=](push_atom, push_job_ptr job) { handle_push(self, std::move(job)); },
    [=](deadline_atom) { sweep_deadlines(self); });
}

} // namespace

distributor_actor spawn_distributor(caf::actor_system& sys, distributor_deps deps) {
  auto d = std::make_shared<const distributor_deps>(std::move(deps));
  return sys.spawn(distributor_fn, d);
}

} // namespace skald::actors
