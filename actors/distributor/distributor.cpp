// actors/distributor/distributor.cpp — the distributor behaviour. Decisions
// are pure (runtime/distributor::prepare, rate_limiters, runtime/ring quorum);
// this file sequences them and talks to the ingesters.
#include "actors/distributor/distributor.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

#include <caf/actor_system.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "runtime/distributor/prepare.hpp"
#include "runtime/distributor/rate_limiters.hpp"
#include "runtime/limits/overrides.hpp"
#include "runtime/metrics/registry.hpp"
#include "runtime/ring/quorum.hpp"

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

struct distributor_state {
  static inline const char* name = "skald.distributor";
  std::shared_ptr<const distributor_deps> deps;
  std::unique_ptr<distributor_metrics> m;
};

int64_t mono_ns(caf::local_actor* self) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
           self->clock().now().time_since_epoch())
    .count();
}

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
  auto prep = distributor::prepare(batch.request, tenant, lim, now);
  for (const auto& [why, n] : prep.discarded) {
    st.m->discarded_samples->with({why, tenant}).inc(n.samples);
    st.m->discarded_bytes->with({why, tenant}).inc(n.bytes);
  }
  if (prep.streams_received == 0) {
    job->complete(push_result{422, std::string{distributor::no_streams_error}});
    return;
  }
  if (prep.lines == 0) {
    if (prep.error.empty())
      job->complete(push_result{204, {}});
    else
      job->complete(push_result{400, std::move(prep.error)});
    return;
  }

  // Tenant ingestion rate: all-or-nothing for the valid bytes.
  const double mib = 1024.0 * 1024.0;
  double rate = lim.ingestion_rate_mb * mib;
  const double burst = static_cast<double>(static_cast<int64_t>(lim.ingestion_burst_size_mb * mib));
  if (lim.ingestion_rate_strategy == "global" && deps.distributors > 1)
    rate /= deps.distributors;
  if (!deps.rate->allow(tenant, rate, burst, mono_ns(self), prep.bytes)) {
    auto why = std::string{distributor::reason::rate_limited};
    st.m->discarded_samples->with({why, tenant}).inc(prep.lines);
    st.m->discarded_bytes->with({why, tenant}).inc(prep.bytes);
    job->complete(push_result{429, distributor::rate_limit_error(tenant, static_cast<uint64_t>(rate),
                                                                 prep.lines, prep.bytes)});
    return;
  }
  st.m->lines->with({tenant}).inc(prep.lines);
  st.m->bytes->with({tenant}).inc(prep.bytes);

  if (deps.ingesters.empty()) {
    job->complete(push_result{500, "empty ring"});
    return;
  }
  // Replication set. Without a ring every stream goes to the same
  // min(RF, #ingesters) ingesters, so each receives the whole batch; the
  // cluster issue groups streams by the ring's replication sets instead.
  const int replicas =
    std::max(1, std::min<int>(deps.replication_factor, static_cast<int>(deps.ingesters.size())));
  ring::replication_need need;
  need.min_success = static_cast<uint16_t>(replicas / 2 + 1);
  need.max_failures = static_cast<uint16_t>(replicas - need.min_success);
  const size_t n_streams = batch.request.streams.size();
  batch.tokens = std::move(prep.tokens);
  auto fl = std::make_shared<inflight>(job, std::vector<ring::replication_need>(n_streams, need));
  fl->validation_error = std::move(prep.error);
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
  for (int r = 0; r < replicas; ++r) {
    self->request(deps.ingesters[static_cast<size_t>(r)], caf::duration{deps.timeout}, push_atom_v,
                  ingest)
      .then(
        [fl, finish](ingest_reply& rep) {
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
        [self, fl, finish](caf::error& err) {
          auto v = fl->tracker.record(fl->all_streams, false);
          if (v == ring::quorum_verdict::failed)
            finish(push_result{500, "failed to push to ingester: " + self->system().render(err)});
        });
  }
}

distributor_actor::behavior_type
distributor_fn(distributor_actor::stateful_pointer<distributor_state> self,
               std::shared_ptr<const distributor_deps> deps) {
  auto& reg = deps->metrics ? *deps->metrics : metrics::default_registry();
  self->state.m = std::make_unique<distributor_metrics>(reg);
  self->state.deps = std::move(deps);
  return {
    [=](push_atom, push_job_ptr job) { handle_push(self, std::move(job)); },
  };
}

} // namespace

distributor_actor spawn_distributor(caf::actor_system& sys, distributor_deps deps) {
  auto d = std::make_shared<const distributor_deps>(std::move(deps));
  return sys.spawn(distributor_fn, d);
}

} // namespace skald::actors
