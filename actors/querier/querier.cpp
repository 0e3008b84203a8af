// actors/querier/querier.cpp — the querier actor: joins a query's ingester
// (local or the ring's read set) and store answers and posts the evaluation to
// the worker pool. Its HTTP routes are in query_routes.cpp. Parameter parsing
// and JSON live in runtime/loghttp, the plan and the source in runtime/query,
// the evaluation in runtime/logql.
#include "actors/querier/querier.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/admin/introspect.hpp"
#include "actors/cluster/cluster.hpp"
#include "actors/querier/common.hpp"
#include "actors/http/responder.hpp"
#include "actors/http/router.hpp"
#include "messages/wire.hpp"
#include "runtime/limits/overrides.hpp"
#include "runtime/loghttp/json.hpp"
#include "runtime/loghttp/params.hpp"
#include "runtime/logql/engine.hpp"
#include "runtime/logql/parser.hpp"
#include "runtime/logql/strconv.hpp" // format_prom_duration
#include "runtime/model/label_parse.hpp"
#include "runtime/model/tenant.hpp"
#include "runtime/push/decode.hpp"
#include "runtime/query/chunk_source.hpp"
#include "runtime/query/collected_source.hpp"
#include "runtime/query/store_reader.hpp"
#include "runtime/query/volume.hpp"
#include "runtime/storage/chunk_key.hpp"
#include "runtime/query/worker_pool.hpp"
#include "runtime/ring/read.hpp"

namespace skald::actors {

namespace {

using querier_detail::steady_ns;
using querier_detail::timeout_text;
using querier_detail::wall_ns;

/// Joins the ingester's and the store's answers to one select; whichever
/// arrives last posts the job's evaluation to the worker pool.
struct select_join {
  std::mutex mu;
  int pending = 1; // released after both requests were sent
  select_reply_ptr reply = std::make_shared<select_reply>();
  uint16_t status = 0;
  std::string error;
  /// The job was answered (evaluation posted, or 504 at its deadline):
  /// whatever arrives later is dropped.
  bool answered = false;
  /// Set at the deadline: the store reader stops between chunks.
  std::atomic<bool> cancel{false};
  query_job_ptr job;

  void fail(uint16_t st, std::string err) {
    std::lock_guard<std::mutex> g{mu};
    if (status == 0) {
      status = st;
      error = std::move(err);
    }
  }
};

using select_join_ptr = std::shared_ptr<select_join>;

/// One select fanned out to the ingesters of the ring's read set; the
/// tracker (runtime/ring/read.hpp, dskit DoUntilQuorum) decides when enough
/// answered or too many failed.
struct fan_in {
  explicit fan_in(const ring::replication_set& rs) : tracker(rs) {}
  ring::read_tracker tracker;
  bool labels_only = false;
  bool finished = false;
  select_reply merged;
};

/// Total uncompressed bytes of a labels_only slice's chunk list.
uint64_t listed_bytes(const stream_slice& s) {
  uint64_t n = 0;
  for (const auto& c : s.chunk_meta)
    n += c.uncompressed;
  return n;
}

/// Adds one ingester's streams; labels-only answers keep one slice per label
/// set (replicas report the same stream), with the chunk list of the replica
/// that holds the most (index/stats and volume count one replica, like a
/// single node).
void merge_into(fan_in& f, select_reply&& r) {
  for (auto& s : r.streams) {
    if (f.labels_only) {
      auto it = std::find_if(f.merged.streams.begin(), f.merged.streams.end(),
                             [&](const stream_slice& x) { return x.data.labels == s.data.labels; });
      if (it != f.merged.streams.end()) {
        if (listed_bytes(s) > listed_bytes(*it))
          it->chunk_meta = std::move(s.chunk_meta);
        it->count = std::max(it->count, s.count);
        it->bytes = std::max(it->bytes, s.bytes);
        it->chunks = std::max(it->chunks, s.chunks);
        continue;
      }
    }
    f.merged.streams.push_back(std::move(s));
  }
}

/// Asks every ingester of the ring's read set, each with
/// ingester_client.remote_timeout (capped by what is left of the query's
/// deadline) kept by this actor's clock: a dead or hung node never fails an
/// in-flight CAF request by itself (caf-0.17.md §4). Answers once the
/// tracker succeeded; fails (never partial data) once it failed, with the
/// failure that decided it: a timeout 504 with Loki's text, else 500.
template <class Finish>
void select_from_ring(querier_actor::pointer self, const querier_deps& deps,
                      const select_request_ptr& req, int64_t deadline_ns, Finish finish) {
  auto snap = deps.ring->get();
  if (!snap) {
    finish(nullptr, 500, "empty ring");
    return;
  }
  auto rs = snap->view.get_all_healthy(ring::operation::read, snap->now_ms);
  if (!rs.ok()) {
    finish(nullptr, 500, rs.error().message());
    return;
  }
  auto f = std::make_shared<fan_in>(*rs);
  f->labels_only = req->labels_only;
  auto done_one = [f, finish](size_t index, select_reply* r, const std::string& err, bool timeout) {
    if (f->finished)
      return;
    if (r != nullptr)
      merge_into(*f, std::move(*r));
    switch (f->tracker.record(index, r != nullptr)) {
    case ring::quorum_verdict::pending:
      return;
    case ring::quorum_verdict::failed:
      f->finished = true;
      if (timeout)
        finish(nullptr, 504, timeout_text);
      else
        finish(nullptr, 500, "querying ingesters failed: " + err);
      return;
    case ring::quorum_verdict::succeeded:
      f->finished = true;
      finish(std::make_shared<select_reply>(std::move(f->merged)), 0, {});
      return;
    }
  };
  if (f->tracker.verdict() == ring::quorum_verdict::succeeded) {
    finish(std::make_shared<select_reply>(), 0, {}); // nothing to ask
    return;
  }
  auto left = std::max<int64_t>(deadline_ns - steady_ns(), 1'000'000);
  if (deps.remote_timeout.count() > 0)
    left = std::min<int64_t>(left, deps.remote_timeout.count());
  const auto timeout = caf::duration{std::chrono::nanoseconds{left}};
  select_wire wire; // encoded once, shared by every remote ingester
  for (size_t i = 0; i < rs->instances.size(); ++i) {
    const auto& inst = rs->instances[i];
    auto ep_it = snap->endpoints.find(inst.id);
    const actors::ingester_endpoint ep =
        ep_it == snap->endpoints.end() ? actors::ingester_endpoint{} : ep_it->second;
    auto on_error = [self, done_one, i, addr = inst.addr](caf::error& err) {
      done_one(i, nullptr, addr + ": " + self->system().render(err),
               err == caf::sec::request_timeout);
    };
    if (ep.local) {
      self->request(ep.local, timeout, select_atom_v, req)
        .then([done_one, i](select_reply_ptr& r) { done_one(i, r.get(), {}, false); }, on_error);
    } else if (ep.remote) {
      if (!wire.bytes)
        wire = encode_select(*req);
      self->request(ep.remote, timeout, select_atom_v, wire)
        .then(
          [done_one, i, addr = inst.addr](select_reply_wire& w) {
            auto r = w.bytes ? decode_select_reply(*w.bytes)
                             : result<select_reply>{status{errc::invalid_argument, "empty reply"}};
            if (r.ok())
              done_one(i, &*r, {}, false);
            else
              done_one(i, nullptr, addr + ": " + r.error().message(), false);
          },
          on_error);
    } else {
      done_one(i, nullptr, inst.addr + ": no endpoint", false);
    }
  }
}

struct querier_state {
  static inline const char* name = "skald.querier";
  admin::actor_stats admin;
  /// Queries whose store part is running, by id, until their deadline
  /// message (select_atom, id) comes (weak: a finished query is not held).
  std::unordered_map<uint64_t, std::weak_ptr<select_join>> deadlines;
  uint64_t next_id = 0;
};

/// The deadline of a query with a store part: answer 504 now if it has not
/// been answered, and cancel its store read (the thread is free after at
/// most one more chunk read; runtime/query/store_reader.hpp).
void expire(querier_state& st, uint64_t id) {
  auto it = st.deadlines.find(id);
  if (it == st.deadlines.end())
    return;
  auto j = it->second.lock();
  st.deadlines.erase(it);
  if (!j)
    return;
  query_job_ptr job;
  {
    std::lock_guard<std::mutex> g{j->mu};
    if (j->answered)
      return;
    j->answered = true;
    job = std::move(j->job);
  }
  j->cancel.store(true, std::memory_order_release);
  // Only an error answer (the responder's send does not block): fine on
  // this thread, and prompt even when every worker is busy.
  if (job)
    job->done(nullptr, 504, timeout_text);
}

querier_actor::behavior_type querier_fn(querier_actor::stateful_pointer<querier_state> self,
                                        querier_deps deps) {
  enlist(self, "querier", "querier");
  return admin_behavior<querier_actor::behavior_type>(
      self, [](admin::actor_info&) {},
      [self](select_atom, uint64_t id) { expire(self->state, id); },
      [self, deps](select_atom, const query_job_ptr& job) {
        auto pool = deps.pool;
        auto j = std::make_shared<select_join>();
        j->job = job;
        auto done_one = [pool, job, j] {
          {
            std::lock_guard<std::mutex> g{j->mu};
            if (--j->pending > 0 || j->answered)
              return;
            j->answered = true;
            j->job = nullptr;
          }
          auto task = [job, j]() {
            if (j->status != 0)
              job->done(nullptr, j->status, std::move(j->error));
            else
              job->done(std::move(j->reply), 0, {});
          };
          if (!pool->post(std::move(task)))
            job->done(nullptr, 503, "querier is shutting down");
        };
        const select_request& req = *job->request;
        if (req.groups.empty()) {
          done_one();
          return;
        }
        // Loki's buildQueryIntervals: the ingesters only for the part of
        // the range within query_ingesters_within of now; the store always.
        select_request_ptr ingester_req = job->request;
        if (deps.query_ingesters_within_ns > 0) {
          const int64_t cut = wall_ns() - deps.query_ingesters_within_ns;
          if (req.through <= cut) {
            ingester_req = nullptr;
          } else if (req.from < cut) {
            auto r = std::make_shared<select_request>(req);
            r->from = cut;
            ingester_req = std::move(r);
          }
        }
        if (deps.index && deps.chunks && deps.store_pool) {
          ++j->pending;
          query::store_query q;
          q.tenant = req.tenant;
          q.groups = req.groups;
          q.from = req.from;
          q.through = req.through;
          q.labels_only = req.labels_only;
          q.per_stream_limit = req.per_stream_limit;
          q.dir = req.dir;
          q.cancel = &j->cancel; // j outlives the task (captured below)
          auto chunks = deps.chunks;
          auto index = deps.index;
          auto task = [chunks, index, q = std::move(q), j, done_one]() {
            auto r = query::read_store(*chunks, *index, q);
            if (!r.ok()) {
              j->fail(500, "querying the store failed: " + r.error().message());
            } else {
              auto data = std::make_shared<query::store_data>(std::move(*r));
              std::lock_guard<std::mutex> g{j->mu};
              j->reply->store = std::move(data);
            }
            done_one();
          };
          if (!deps.store_pool->post(std::move(task))) {
            j->fail(503, "querier is shutting down");
            done_one();
          } else {
            // Store reads cannot be interrupted by the ingester request's
            // timeout: a timer answers 504 at the deadline and cancels them.
            const auto id = ++self->state.next_id;
            self->state.deadlines.emplace(id, j);
            auto left = std::max<int64_t>(job->deadline_ns - steady_ns(), 0);
            self->delayed_send(self, std::chrono::nanoseconds{left}, select_atom_v, id);
          }
        }
        if (deps.ring && ingester_req) {
          // Cluster: every ingester of the ring's read set (docs/cluster.md).
          ++j->pending;
          auto fin = [j, done_one](select_reply_ptr r, uint16_t status, std::string err) {
            if (status != 0) {
              j->fail(status, std::move(err));
            } else if (r) {
              std::lock_guard<std::mutex> g{j->mu};
              j->reply->streams = std::move(r->streams);
            }
            done_one();
          };
          select_from_ring(self, deps, ingester_req, job->deadline_ns, fin);
        } else if (deps.ingester && ingester_req) {
          ++j->pending;
          auto left = std::max<int64_t>(job->deadline_ns - steady_ns(), 1'000'000);
          self->request(deps.ingester, caf::duration{std::chrono::nanoseconds{left}},
                        select_atom_v, std::move(ingester_req))
              .then(
                  [j, done_one](select_reply_ptr& r) {
                    if (r) {
                      std::lock_guard<std::mutex> g{j->mu};
                      j->reply->streams = std::move(r->streams);
                    }
                    done_one();
                  },
                  [self, j, done_one](caf::error& err) {
                    if (err == caf::sec::request_timeout)
                      j->fail(504, timeout_text);
                    else
                      j->fail(500, "querying ingesters failed: " + self->system().render(err));
                    done_one();
                  });
        }
        done_one();
      });
}

} // namespace

querier_actor spawn_querier(caf::actor_system& sys, querier_deps deps) {
  return sys.spawn(querier_fn, std::move(deps));
}

} // namespace skald::actors
