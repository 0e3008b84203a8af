// actors/querier/query_routes.cpp — Loki's query HTTP API on the HTTP I/O
// threads (read-path spec §1.3): tenant, parameters, LogQL parse and limits
// are checked here (400/401 at once), then the query goes to the querier
// actor (querier.cpp) as a query_job and its answer is rendered as Loki's
// JSON. Owned by no actor: route_state holds the querier handle and the
// route options only, shared by the routes for the node's lifetime.
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
#include "actors/http/responder.hpp"
#include "actors/http/router.hpp"
#include "actors/querier/common.hpp"
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
#include "runtime/query/outstanding.hpp"
#include "runtime/query/store_reader.hpp"
#include "runtime/query/volume.hpp"
#include "runtime/query/worker_pool.hpp"
#include "runtime/ring/read.hpp"
#include "runtime/ring/readiness.hpp" // go_duration_string
#include "runtime/storage/chunk_key.hpp"

namespace skald::actors {

namespace {

using querier_detail::steady_ns;
using querier_detail::timeout_text;
using querier_detail::wall_ns;

// -- HTTP routes ---------------------------------------------------------------

struct route_state {
  querier_actor querier;
  query_route_options opts;
  /// Queries in flight per tenant (opts.max_in_flight_per_tenant).
  std::shared_ptr<query::outstanding_queries> outstanding;
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

/// Sends a job; `on_reply` runs on the worker pool with the reply.
void dispatch(const route_state& rs, const std::string& tenant, select_request req,
              http::responder rsp,
              std::function<void(select_reply&, const http::responder&, int64_t)> on_reply) {
  // Loki's frontend queue limit: 429 when the tenant has too many queries waiting.
  auto slot = rs.outstanding->try_acquire(tenant);
  if (!slot) {
    send_error(rsp, 429, query::too_many_outstanding_text);
    return;
  }
  const auto& lim = rs.opts.limits->current()->for_tenant(tenant);
  auto timeout =
      lim.query_timeout.count() > 0 ? lim.query_timeout.count() : int64_t{60'000'000'000};
  auto job = std::make_shared<query_job>();
  req.tenant = tenant;
  job->request = std::make_shared<const select_request>(std::move(req));
  job->deadline_ns = steady_ns() + timeout;
  const int64_t deadline = job->deadline_ns;
  // The slot goes with the job (answered, or dropped unanswered).
  job->done = [rsp, on_reply = std::move(on_reply), deadline,
               slot = std::move(slot)](select_reply_ptr r, uint16_t status, std::string err) {
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
    // Loki 3.x (queryrange limits): the length is a Go time.Duration of the
    // millisecond bounds ("833h20m0s"), the limit a model.Duration ("30d1h").
    const int64_t len_ms = p.end_ns / 1'000'000 - p.start_ns / 1'000'000;
    send_error(rsp, 400,
               "the query time range exceeds the limit (query length: " +
                   ring::go_duration_string(std::chrono::milliseconds{len_ms}) +
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
  if (!querier_detail::resolve_tenant(rs.opts.auth_enabled, req, rsp, tenant))
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
  if (!querier_detail::resolve_tenant(rs.opts.auth_enabled, req, rsp, tenant))
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
  if (!querier_detail::resolve_tenant(rs.opts.auth_enabled, req, rsp, tenant))
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

/// The chunk metadata of a labels_only answer, for index/stats and volume
/// (runtime/query/volume.hpp): the streams' in-memory chunks (local and
/// remote ingesters list them alike, messages/wire.hpp) and the store's refs.
std::vector<query::volume_series> volume_input(const select_reply& r) {
  std::vector<query::volume_series> series;
  for (const auto& s : r.streams) {
    query::volume_series vs;
    vs.labels = s.data.labels;
    for (const auto& c : s.chunk_meta)
      vs.chunks.push_back(
          {storage::floor_ms(c.min_ts), storage::ceil_ms(c.max_ts), c.entries, c.uncompressed});
    series.push_back(std::move(vs));
  }
  if (r.store)
    for (const auto& s : r.store->series) {
      query::volume_series vs;
      vs.labels = s.labels;
      for (const auto& ref : s.refs)
        vs.chunks.push_back({ref.from_ms, ref.through_ms, ref.entries,
                             ref.uncompressed != 0 ? ref.uncompressed : ref.size});
      series.push_back(std::move(vs));
    }
  return series;
}

void handle_index_stats(const route_state& rs, http::request& req, http::responder rsp) {
  std::vector<std::vector<logql::label_matcher>> groups;
  if (!selector_groups(req, rsp, groups))
    return;
  // Loki 3.x's counting, like volume: chunks overlapping the range (one in
  // memory and in the store once), entries and uncompressed bytes scaled by
  // each chunk's time share.
  auto b = loghttp::determine_bounds(lookup(req), wall_ns());
  const int64_t from_ms = b.ok() ? storage::floor_ms(b->start_ns) : 0;
  const int64_t through_ms = b.ok() ? storage::floor_ms(b->end_ns) : 0;
  handle_metadata(rs, req, std::move(rsp), std::move(groups),
                  [from_ms, through_ms](select_reply& r) {
                    auto st = query::compute_index_stats(volume_input(r), from_ms, through_ms);
                    return loghttp::render_index_stats(st.streams, st.chunks, st.bytes,
                                                       st.entries);
                  });
}

// -- legacy /api/prom read routes (pkg/util/marshal/legacy) ---------------------

/// /api/prom/query: a range query (streams only), plus the legacy regexp=
/// parameter as a |~ filter (Loki's parseRegexQuery).
void handle_legacy_query(const route_state& rs, http::request& req, http::responder rsp) {
  std::string tenant;
  if (!querier_detail::resolve_tenant(rs.opts.auth_enabled, req, rsp, tenant))
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

// -- index/volume and volume_range (read-path spec §1.3) -------------------------

/// Bytes per series from chunk metadata, the ingesters' and the store's
/// (runtime/query/volume.hpp: Loki's counting, a chunk in both counted
/// once), aggregated like Loki's seriesvolume: by the selector's label names
/// (or targetLabels), per series or per label name (aggregateBy=labels),
/// largest first, top `limit`.
void handle_volume(const route_state& rs, http::request& req, http::responder rsp, bool range) {
  std::string tenant;
  if (!querier_detail::resolve_tenant(rs.opts.auth_enabled, req, rsp, tenant))
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
  // The first point of the range form covers [start - step, start].
  sr.from = range ? start - step : start;
  sr.through = end + 1;
  sr.labels_only = true; // chunk metadata only: nothing is read or copied
  query::volume_params vp;
  vp.start_ns = start;
  vp.end_ns = end;
  vp.step_ns = range ? step : 0;
  vp.targets = std::move(targets);
  vp.by_labels = aggregate == "labels";
  vp.limit = limit;
  dispatch(rs, tenant, std::move(sr), std::move(rsp),
           [vp](select_reply& r, const http::responder& out, int64_t) {
             loghttp::query_stats st;
             send_json(out, loghttp::render_query(query::compute_volume(volume_input(r), vp), st));
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

void add_query_routes(http::router& r, querier_actor querier, query_route_options opts) {
  auto rs = std::make_shared<route_state>();
  rs->querier = std::move(querier);
  rs->opts = std::move(opts);
  rs->outstanding = std::make_shared<query::outstanding_queries>(rs->opts.max_in_flight_per_tenant);
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
