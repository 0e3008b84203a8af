// actors/querier/querier.cpp — the querier actor and the query routes (one
// TU: CAF translation units are slow to compile). Parameter parsing and JSON
// live in runtime/loghttp, the plan and the source in runtime/query, the
// evaluation in runtime/logql; this file wires them to actors and HTTP.
#include "actors/querier/querier.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "actors/admin/introspect.hpp"
#include "actors/cluster/cluster.hpp"
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
#include "runtime/query/worker_pool.hpp"
#include "runtime/ring/read.hpp"

namespace skald::actors {

namespace {

constexpr const char* timeout_text =
    "request timed out, decrease the duration of the request or add more label matchers (prefer "
    "exact match over regex match) to reduce the amount of data processed";

int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// -- querier actor -----------------------------------------------------------

/// Joins the ingester's and the store's answers to one select; whichever
/// arrives last posts the job's evaluation to the worker pool.
struct select_join {
  std::mutex mu;
  int pending = 1; // released after both requests were sent
  select_reply_ptr reply = std::make_shared<select_reply>();
  uint16_t status = 0;
  std::string error;

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

/// Adds one ingester's streams; labels-only answers keep one slice per label
/// set (replicas report the same stream).
void merge_into(fan_in& f, select_reply&& r) {
  for (auto& s : r.streams) {
    if (f.labels_only) {
      auto it = std::find_if(f.merged.streams.begin(), f.merged.streams.end(),
                             [&](const stream_slice& x) { return x.data.labels == s.data.labels; });
      if (it != f.merged.streams.end()) {
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
};

querier_actor::behavior_type querier_fn(querier_actor::stateful_pointer<querier_state> self,
                                        querier_deps deps) {
  enlist(self, "querier", "querier");
  return admin_behavior<querier_actor::behavior_type>(
      self, [](admin::actor_info&) {},
      [self, deps](select_atom, const query_job_ptr& job) {
        auto pool = deps.pool;
        auto j = std::make_shared<select_join>();
        auto done_one = [pool, job, j] {
          {
            std::lock_guard<std::mutex> g{j->mu};
            if (--j->pending > 0)
              return;
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

// -- HTTP routes ---------------------------------------------------------------

struct route_state {
  querier_actor querier;
  query_route_options opts;
};

using route_ptr = std::shared_ptr<const route_state>;

loghttp::param_lookup lookup(const http::request& req) {
  return [&req](std::string_view name) { return req.param(name); };
}

void send_error(const http::responder& rsp, unsigned status, std::string_view text) {
  rsp.send(http::response::error(status, text));
}

void send_json(const http::responder& rsp, std::string body) {
  auto r = http::response::json(200, std::move(body));
  r.content_type = "application/json; charset=UTF-8";
  rsp.send(std::move(r));
}

/// The tenant like the push routes: X-Scope-OrgID with auth, else `fake`.
bool resolve_tenant(const route_state& rs, const http::request& req, const http::responder& rsp,
                    std::string& tenant) {
  if (!rs.opts.auth_enabled) {
    tenant = std::string{model::no_auth_tenant};
    return true;
  }
  const std::string* h = req.find_header("X-Scope-OrgID");
  auto t = model::tenant_from_org_id(h ? std::string_view{*h} : std::string_view{}, h != nullptr);
  if (!t.ok()) {
    send_error(rsp, static_cast<unsigned>(push::http_status_for(t.error().code())),
               t.error().message());
    return false;
  }
  tenant.assign(t->data(), t->size());
  return true;
}

/// Sends a job; `on_reply` runs on the worker pool with the reply.
void dispatch(const route_state& rs, const std::string& tenant, select_request req,
              http::responder rsp,
              std::function<void(select_reply&, const http::responder&, int64_t)> on_reply) {
  const auto& lim = rs.opts.limits->current()->for_tenant(tenant);
  auto timeout =
      lim.query_timeout.count() > 0 ? lim.query_timeout.count() : int64_t{60'000'000'000};
  auto job = std::make_shared<query_job>();
  req.tenant = tenant;
  job->request = std::make_shared<const select_request>(std::move(req));
  job->deadline_ns = steady_ns() + timeout;
  const int64_t deadline = job->deadline_ns;
  job->done = [rsp, on_reply = std::move(on_reply), deadline](select_reply_ptr r, uint16_t status,
                                                              std::string err) {
    if (!r) {
      send_error(rsp, status, err);
      return;
    }
    if (steady_ns() > deadline) {
      send_error(rsp, 504, timeout_text);
      return;
    }
    on_reply(*r, rsp, deadline);
  };
  caf::anon_send(rs.querier, select_atom_v, std::move(job));
}

/// The query's chunks: the ingesters' snapshots and the store's chunks.
void fill_source(select_reply& reply, query::chunk_source& src) {
  for (auto& s : reply.streams)
    src.add(s.data.labels, std::move(s.snapshot));
  if (reply.store)
    for (auto& s : reply.store->series)
      src.add(s.labels, std::move(s.chunks));
  src.finish();
}

/// Runs `e` over the reply and answers the query JSON (or 400 / 504).
void evaluate(select_reply& reply, const http::responder& rsp, int64_t deadline,
              const logql::expr& e, const logql::query_params& p, logql::engine_limits lim,
              bool categorize, bool legacy = false) {
  const auto t0 = steady_ns();
  query::chunk_source src;
  fill_source(reply, src);
  loghttp::query_stats st;
  st.ingesters_reached = 1;
  st.lines_processed = src.total_entries();
  st.bytes_processed = src.total_bytes();
  st.lines_sent = st.lines_processed;
  loghttp::categorize_input ci;
  if (categorize) {
    ci.dir = p.dir;
    for (const auto& s : src.streams())
      ci.sources.push_back(s.labels);
  }
  logql::engine eng(src, lim);
  auto r = eng.query(e, p);
  if (!r.ok()) {
    send_error(rsp, 400, r.error().message());
    return;
  }
  if (!src.error().ok()) {
    send_error(rsp, 500, "reading chunks failed: " + src.error().message());
    return;
  }
  if (steady_ns() > deadline) {
    send_error(rsp, 504, timeout_text);
    return;
  }
  for (const auto& s : r->streams)
    st.entries_returned += s.entries.size();
  st.exec_ns = steady_ns() - t0;
  if (legacy) {
    send_json(rsp, loghttp::render_legacy_query(*r, st));
    return;
  }
  send_json(rsp, loghttp::render_query(*r, st, categorize, categorize ? &ci : nullptr));
}

bool wants_categorize(const http::request& req) {
  auto flags = req.header("X-Loki-Response-Encoding-Flags");
  return flags.find("categorize-labels") != std::string_view::npos;
}

/// Shared by query and query_range once params are known.
void run_query(const route_state& rs, const http::request& req, http::responder rsp,
               const std::string& tenant, const std::string& text, logql::query_params p,
               bool instant, bool legacy = false) {
  auto parsed = logql::parse(text);
  if (!parsed.ok()) {
    send_error(rsp, 400, parsed.error().message());
    return;
  }
  auto e = std::make_shared<const logql::expr>(std::move(*parsed));
  if (legacy && !e->is_log) {
    send_error(rsp, 400, "legacy endpoints only support streams result type");
    return;
  }
  if (instant && e->is_log) {
    send_error(rsp, 400,
               "log queries are not supported as an instant query type, please change your "
               "query to a range query type");
    return;
  }
  const auto& lim = rs.opts.limits->current()->for_tenant(tenant);
  logql::engine_limits el;
  el.max_series = lim.max_query_series > 0 ? static_cast<size_t>(lim.max_query_series) : SIZE_MAX;
  el.max_entries_limit_per_query = lim.max_entries_limit_per_query > 0
                                       ? static_cast<uint32_t>(lim.max_entries_limit_per_query)
                                       : UINT32_MAX;
  if (e->is_log && p.limit > el.max_entries_limit_per_query) {
    send_error(rsp, 400,
               "max entries limit per query exceeded, limit > max_entries_limit_per_query (" +
                   std::to_string(p.limit) + " > " +
                   std::to_string(el.max_entries_limit_per_query) + ")");
    return;
  }
  const int64_t max_len = lim.max_query_length.count();
  if (max_len > 0 && p.end_ns - p.start_ns > max_len) {
    send_error(rsp, 400,
               "the query time range exceeds the limit (query length: " +
                   logql::format_prom_duration(p.end_ns - p.start_ns) +
                   ", limit: " + logql::format_prom_duration(max_len) + ")");
    return;
  }
  if (!instant && !e->is_log)
    p = logql::align_to_step(p);
  auto plan = query::plan_select(*e, p);
  select_request sr;
  sr.groups = std::move(plan.groups);
  sr.from = plan.from;
  sr.through = plan.through;
  sr.per_stream_limit = plan.per_stream_limit;
  sr.dir = p.dir;
  sr.snapshot = true;
  const bool categorize = wants_categorize(req);
  dispatch(
      rs, tenant, std::move(sr), std::move(rsp),
      [e, p, el, categorize, legacy](select_reply& r, const http::responder& out,
                                     int64_t deadline) {
        evaluate(r, out, deadline, *e, p, el, categorize, legacy);
      });
}

void handle_query_range(const route_state& rs, http::request& req, http::responder rsp) {
  std::string tenant;
  if (!resolve_tenant(rs, req, rsp, tenant))
    return;
  auto q = loghttp::parse_range_query(lookup(req), wall_ns());
  if (!q.ok()) {
    send_error(rsp, 400, q.error().message());
    return;
  }
  logql::query_params p;
  p.start_ns = q->start_ns;
  p.end_ns = q->end_ns;
  p.step_ns = q->step_ns;
  p.dir = q->dir;
  p.limit = q->limit;
  p.interval_ns = q->interval_ns;
  run_query(rs, req, std::move(rsp), tenant, q->query, p, false);
}

void handle_query(const route_state& rs, http::request& req, http::responder rsp) {
  std::string tenant;
  if (!resolve_tenant(rs, req, rsp, tenant))
    return;
  auto q = loghttp::parse_instant_query(lookup(req), wall_ns());
  if (!q.ok()) {
    send_error(rsp, 400, q.error().message());
    return;
  }
  logql::query_params p;
  p.start_ns = q->time_ns;
  p.end_ns = q->time_ns;
  p.step_ns = 0;
  p.dir = q->dir;
  p.limit = q->limit;
  run_query(rs, req, std::move(rsp), tenant, q->query, p, true);
}

/// labels, label values, index/stats: one optional `query` selector.
bool selector_groups(const http::request& req, const http::responder& rsp,
                     std::vector<std::vector<logql::label_matcher>>& groups) {
  const auto* q = req.param("query");
  if (q == nullptr || q->empty())
    return true;
  auto parsed = logql::parse(*q);
  if (!parsed.ok()) {
    send_error(rsp, 400, parsed.error().message());
    return false;
  }
  if (!parsed->is_log || !parsed->log.stages.empty()) {
    send_error(rsp, 400, "only label matchers are supported");
    return false;
  }
  groups.push_back(parsed->log.matchers);
  return true;
}

/// The metadata endpoints: bounds, selector groups, labels_only select.
void handle_metadata(const route_state& rs, http::request& req, http::responder rsp,
                     std::vector<std::vector<logql::label_matcher>> groups,
                     std::function<std::string(select_reply&)> render) {
  std::string tenant;
  if (!resolve_tenant(rs, req, rsp, tenant))
    return;
  auto b = loghttp::determine_bounds(lookup(req), wall_ns());
  if (!b.ok()) {
    send_error(rsp, 400, b.error().message());
    return;
  }
  select_request sr;
  sr.groups = std::move(groups);
  sr.from = b->start_ns;
  sr.through = b->end_ns;
  sr.labels_only = true;
  if (sr.groups.empty())
    sr.groups.emplace_back(); // every stream (an empty group matches all)
  dispatch(rs, tenant, std::move(sr), std::move(rsp),
           [render = std::move(render)](select_reply& r, const http::responder& out,
                                        int64_t) { send_json(out, render(r)); });
}

/// Label names of the streams in memory and the series in the store, sorted
/// and distinct (labels and the legacy label route).
std::vector<std::string> label_names(const select_reply& r) {
  std::set<std::string> names;
  for (const auto& s : r.streams)
    for (const auto& l : s.data.labels)
      names.insert(l.name);
  if (r.store)
    for (const auto& s : r.store->series)
      for (const auto& l : s.labels)
        names.insert(l.name);
  return {names.begin(), names.end()};
}

/// The non-empty values of label `name`, sorted and distinct.
std::vector<std::string> label_values(const select_reply& r, const std::string& name) {
  std::set<std::string> values;
  for (const auto& s : r.streams) {
    auto v = model::get(s.data.labels, name);
    if (!v.empty())
      values.emplace(v);
  }
  if (r.store)
    for (const auto& s : r.store->series) {
      auto v = model::get(s.labels, name);
      if (!v.empty())
        values.emplace(v);
    }
  return {values.begin(), values.end()};
}

void handle_labels(const route_state& rs, http::request& req, http::responder rsp) {
  std::vector<std::vector<logql::label_matcher>> groups;
  if (!selector_groups(req, rsp, groups))
    return;
  handle_metadata(rs, req, std::move(rsp), std::move(groups), [](select_reply& r) {
    return loghttp::render_strings(label_names(r));
  });
}

void handle_label_values(const route_state& rs, http::request& req, http::responder rsp) {
  std::vector<std::vector<logql::label_matcher>> groups;
  if (!selector_groups(req, rsp, groups))
    return;
  std::string name{req.path_param("name")};
  handle_metadata(rs, req, std::move(rsp), std::move(groups), [name](select_reply& r) {
    return loghttp::render_strings(label_values(r, name));
  });
}

void handle_series(const route_state& rs, http::request& req, http::responder rsp) {
  std::vector<std::vector<logql::label_matcher>> groups;
  auto selectors = req.param_values("match[]");
  for (auto v : req.param_values("match"))
    selectors.push_back(v);
  bool all = true;
  for (auto s : selectors)
    if (!loghttp::is_match_all(s))
      all = false;
  if (!all) {
    for (auto s : selectors) {
      auto m = logql::parse_matchers(s);
      if (!m.ok()) {
        send_error(rsp, 400, m.error().message());
        return;
      }
      groups.push_back(std::move(*m));
    }
  }
  handle_metadata(rs, req, std::move(rsp), std::move(groups), [](select_reply& r) {
    std::map<std::string, const model::label_set*> unique;
    for (const auto& s : r.streams)
      unique.emplace(model::canonical_string(s.data.labels), &s.data.labels);
    if (r.store)
      for (const auto& s : r.store->series)
        unique.emplace(model::canonical_string(s.labels), &s.labels);
    std::vector<model::label_set> out;
    out.reserve(unique.size());
    for (const auto& [k, ls] : unique)
      out.push_back(*ls);
    return loghttp::render_series(out);
  });
}

void handle_index_stats(const route_state& rs, http::request& req, http::responder rsp) {
  std::vector<std::vector<logql::label_matcher>> groups;
  if (!selector_groups(req, rsp, groups))
    return;
  handle_metadata(rs, req, std::move(rsp), std::move(groups), [](select_reply& r) {
    // Streams counted once whether in memory, in the store or both; chunks,
    // entries and bytes summed (a flushed chunk still in memory counts
    // twice, as in Loki, whose stats add ingester and index figures).
    std::set<std::string> streams;
    uint64_t chunks = 0;
    uint64_t entries = 0;
    uint64_t bytes = 0;
    for (const auto& s : r.streams) {
      streams.insert(model::canonical_string(s.data.labels));
      chunks += s.chunks;
      entries += s.count;
      bytes += s.bytes;
    }
    if (r.store)
      for (const auto& s : r.store->series) {
        streams.insert(model::canonical_string(s.labels));
        for (const auto& ref : s.refs) {
          ++chunks;
          entries += ref.entries;
          bytes += ref.size;
        }
      }
    return loghttp::render_index_stats(streams.size(), chunks, bytes, entries);
  });
}

// -- legacy /api/prom read routes (pkg/util/marshal/legacy) ---------------------

/// /api/prom/query: a range query (streams only), plus the legacy regexp=
/// parameter as a |~ filter (Loki's parseRegexQuery).
void handle_legacy_query(const route_state& rs, http::request& req, http::responder rsp) {
  std::string tenant;
  if (!resolve_tenant(rs, req, rsp, tenant))
    return;
  auto q = loghttp::parse_range_query(lookup(req), wall_ns());
  if (!q.ok()) {
    send_error(rsp, 400, q.error().message());
    return;
  }
  std::string text = q->query;
  if (const auto* re = req.param("regexp"); re != nullptr && !re->empty()) {
    text += " |~ ";
    model::append_go_quote(text, *re);
  }
  logql::query_params p;
  p.start_ns = q->start_ns;
  p.end_ns = q->end_ns;
  p.step_ns = q->step_ns;
  p.dir = q->dir;
  p.limit = q->limit;
  p.interval_ns = q->interval_ns;
  run_query(rs, req, std::move(rsp), tenant, text, p, false, true);
}

void handle_legacy_labels(const route_state& rs, http::request& req, http::responder rsp) {
  handle_metadata(rs, req, std::move(rsp), {}, [](select_reply& r) {
    return loghttp::render_legacy_values(label_names(r));
  });
}

void handle_legacy_label_values(const route_state& rs, http::request& req, http::responder rsp) {
  std::string name{req.path_param("name")};
  handle_metadata(rs, req, std::move(rsp), {}, [name](select_reply& r) {
    return loghttp::render_legacy_values(label_values(r, name));
  });
}

// -- index/volume and volume_range (read-path spec §1.3; basic) ------------------

/// Per-stream byte totals from the ingesters' memory, aggregated like Loki's
/// seriesvolume: by the selector's label names (or targetLabels), per series
/// or per label name (aggregateBy=labels), largest first, top `limit`.
void handle_volume(const route_state& rs, http::request& req, http::responder rsp, bool range) {
  std::string tenant;
  if (!resolve_tenant(rs, req, rsp, tenant))
    return;
  const auto* q = req.param("query");
  auto parsed = logql::parse(q ? std::string_view{*q} : std::string_view{});
  if (!parsed.ok()) {
    send_error(rsp, 400, parsed.error().message());
    return;
  }
  if (!parsed->is_log || !parsed->log.stages.empty()) {
    send_error(rsp, 400, "only label matchers are supported");
    return;
  }
  int64_t start = 0;
  int64_t end = 0;
  int64_t step = 0;
  if (range) {
    auto rq = loghttp::parse_range_query(lookup(req), wall_ns());
    if (!rq.ok()) {
      send_error(rsp, 400, rq.error().message());
      return;
    }
    start = rq->start_ns;
    end = rq->end_ns;
    step = rq->step_ns;
  } else {
    auto b = loghttp::determine_bounds(lookup(req), wall_ns());
    if (!b.ok()) {
      send_error(rsp, 400, b.error().message());
      return;
    }
    start = b->start_ns;
    end = b->end_ns;
  }
  uint32_t limit = 100;
  if (const auto* l = req.param("limit"); l != nullptr && !l->empty()) {
    auto v = loghttp::parse_limit(l);
    if (!v.ok() && *l != "0") {
      send_error(rsp, 400, v.error().message());
      return;
    }
    limit = v.ok() ? *v : 100;
  }
  const std::string aggregate{req.param_or("aggregateBy", "series")};
  if (aggregate != "series" && aggregate != "labels") {
    send_error(rsp, 400, "invalid aggregation option");
    return;
  }
  std::vector<std::string> targets;
  if (const auto* t = req.param("targetLabels"); t != nullptr) {
    std::string_view v = *t;
    while (!v.empty()) {
      auto comma = v.find(',');
      auto part = v.substr(0, comma);
      if (!part.empty())
        targets.emplace_back(part);
      if (comma == std::string_view::npos)
        break;
      v.remove_prefix(comma + 1);
    }
  }
  if (targets.empty())
    for (const auto& m : parsed->log.matchers)
      targets.push_back(m.name);
  std::sort(targets.begin(), targets.end());
  targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
  select_request sr;
  sr.groups.push_back(parsed->log.matchers);
  sr.from = start;
  sr.through = end + (range ? 0 : 1);
  sr.dir = logql::direction::forward;
  const bool by_labels = aggregate == "labels";
  dispatch(rs, tenant, std::move(sr), std::move(rsp),
           [=](select_reply& r, const http::responder& out, int64_t) {
             // key -> bucket -> bytes (bucket 0 for the instant form)
             std::map<model::label_set, std::map<int64_t, double>> acc;
             auto keys_of = [&](const model::label_set& ls) {
               std::vector<model::label_set> keys;
               if (by_labels) {
                 for (const auto& l : ls)
                   if (targets.empty() || std::binary_search(targets.begin(), targets.end(), l.name))
                     keys.push_back({{l.name, ""}});
               } else {
                 model::label_set k;
                 for (const auto& l : ls)
                   if (targets.empty() || std::binary_search(targets.begin(), targets.end(), l.name))
                     k.push_back(l);
                 keys.push_back(std::move(k));
               }
               return keys;
             };
             for (const auto& s : r.streams) {
               auto keys = keys_of(s.data.labels);
               for (size_t i = 0; i < s.data.size(); ++i) {
                 const auto ts = s.data.entries[i].ts;
                 int64_t bucket = 0;
                 if (range) {
                   // The point at t holds the bytes of (t - step, t].
                   auto k = (ts - start + step - 1) / step;
                   bucket = start + k * step;
                   if (bucket > end)
                     continue;
                 }
                 for (const auto& k : keys)
                   acc[k][bucket] += static_cast<double>(s.data.entries[i].len);
               }
             }
             std::vector<std::pair<double, model::label_set>> order;
             for (const auto& [k, b] : acc) {
               double total = 0;
               for (const auto& [t, v] : b)
                 total += v;
               order.emplace_back(total, k);
             }
             std::stable_sort(order.begin(), order.end(),
                              [](const auto& a, const auto& b) { return a.first > b.first; });
             if (order.size() > limit)
               order.resize(limit);
             logql::query_result res;
             loghttp::query_stats st;
             if (range) {
               res.type = logql::result_type::matrix;
               for (const auto& [total, k] : order) {
                 logql::series se;
                 se.labels = k;
                 for (const auto& [t, v] : acc[k])
                   se.points.push_back(logql::sample_point{t, v});
                 res.matrix.push_back(std::move(se));
               }
             } else {
               res.type = logql::result_type::vector;
               res.t_ns = end;
               for (const auto& [total, k] : order)
                 res.vector.push_back(logql::vector_sample{k, total});
             }
             send_json(out, loghttp::render_query(res, st));
           });
}

void handle_format_query(http::request& req, http::responder rsp) {
  const auto* q = req.param("query");
  auto parsed = logql::parse(q ? std::string_view{*q} : std::string_view{});
  if (!parsed.ok()) {
    send_error(rsp, 400, parsed.error().message());
    return;
  }
  send_json(rsp, loghttp::render_data_string(parsed->to_string()));
}

} // namespace

querier_actor spawn_querier(caf::actor_system& sys, querier_deps deps) {
  return sys.spawn(querier_fn, std::move(deps));
}

void add_query_routes(http::router& r, querier_actor querier, query_route_options opts) {
  auto rs = std::make_shared<route_state>();
  rs->querier = std::move(querier);
  rs->opts = std::move(opts);
  auto bind = [rs](void (*fn)(const route_state&, http::request&, http::responder)) {
    return [rs, fn](http::request& req, http::responder rsp) { fn(*rs, req, std::move(rsp)); };
  };
  const std::initializer_list<std::string_view> both{"GET", "POST"};
  r.handle(both, "/loki/api/v1/query", bind(handle_query));
  r.handle(both, "/loki/api/v1/query_range", bind(handle_query_range));
  r.handle(both, "/loki/api/v1/labels", bind(handle_labels));
  r.handle(both, "/loki/api/v1/label", bind(handle_labels));
  r.handle(both, "/loki/api/v1/label/{name}/values", bind(handle_label_values));
  r.handle(both, "/loki/api/v1/series", bind(handle_series));
  r.handle(both, "/loki/api/v1/index/stats", bind(handle_index_stats));
  r.handle(both, "/loki/api/v1/index/volume", [rs](http::request& req, http::responder rsp) {
    handle_volume(*rs, req, std::move(rsp), false);
  });
  r.handle(both, "/loki/api/v1/index/volume_range",
           [rs](http::request& req, http::responder rsp) {
             handle_volume(*rs, req, std::move(rsp), true);
           });
  r.handle(both, "/api/prom/query", bind(handle_legacy_query));
  r.handle(both, "/api/prom/label", bind(handle_legacy_labels));
  r.handle(both, "/api/prom/label/{name}/values", bind(handle_legacy_label_values));
  r.handle(both, "/api/prom/series", bind(handle_series));
  r.handle(both, "/loki/api/v1/format_query", [](http::request& req, http::responder rsp) {
    handle_format_query(req, std::move(rsp));
  });
}

} // namespace skald::actors
