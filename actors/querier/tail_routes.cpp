// actors/querier/tail_routes.cpp — GET /loki/api/v1/tail and /api/prom/tail
// (see tail.hpp): on the HTTP I/O thread, the tenant and Loki's
// ParseTailQuery (plain 400s before the upgrade), then the WebSocket upgrade
// whose open spawns the session's tailer actor (tail.cpp) and whose close
// stops it. No CAF state here beyond the tailer handle in session_link.
#include "actors/querier/tail.hpp"

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include <caf/send.hpp>

#include "actors/http/responder.hpp"
#include "actors/http/router.hpp"
#include "actors/http/websocket.hpp"
#include "actors/querier/common.hpp"
#include "actors/querier/tail_internal.hpp"
#include "runtime/loghttp/params.hpp"
#include "runtime/logql/parser.hpp"
#include "runtime/model/label_parse.hpp"
#include "runtime/model/tenant.hpp"
#include "runtime/push/decode.hpp"
#include "runtime/tail/tail.hpp"
#include "runtime/util/logging.hpp"

namespace skald::actors {

namespace {

using namespace tail_detail;
using querier_detail::wall_ns;

/// Loki's ParseTailQuery: query (+ legacy regexp), limit, start, delay_for.
bool parse_tail(const http::request& req, const http::responder& rsp, tail_params& p) {
  auto bad = [&rsp](const std::string& msg) {
    rsp.send(http::response::error(400, msg));
    return false;
  };
  const auto* q = req.param("query");
  std::string text = q ? *q : std::string{};
  auto parsed = logql::parse(text);
  if (!parsed.ok())
    return bad(parsed.error().message());
  if (const auto* re = req.param("regexp"); re != nullptr && !re->empty()) {
    // parseRegexQuery: the legacy regexp becomes a |~ filter.
    std::string quoted;
    model::append_go_quote(quoted, *re);
    parsed = logql::parse(text + " |~ " + quoted);
    if (!parsed.ok())
      return bad(parsed.error().message());
  }
  if (!parsed->is_log)
    return bad("only log queries are supported for tailing");
  p.expr = std::make_shared<const logql::expr>(std::move(*parsed));
  auto limit = loghttp::parse_limit(req.param("limit"));
  if (!limit.ok())
    return bad(limit.error().message());
  p.limit = *limit;
  auto b =
      loghttp::determine_bounds([&req](std::string_view n) { return req.param(n); }, wall_ns());
  if (!b.ok())
    return bad(b.error().message());
  p.start_ns = b->start_ns;
  auto delay = tail::parse_delay_for(req.param("delay_for"));
  if (!delay.ok())
    return bad(delay.error().message());
  p.delay_ns = *delay * 1'000'000'000;
  return true;
}

/// Connects the websocket's lifetime to the tailer actor's.
struct session_link {
  std::mutex mtx;
  caf::actor tailer;
  bool closed = false;
};

void handle_tail(const route_ptr& rs, http::request& req, http::responder rsp, bool legacy) {
  tail_params p;
  if (!querier_detail::resolve_tenant(rs->opts.auth_enabled, req, rsp, p.tenant))
    return;
  if (!parse_tail(req, rsp, p))
    return;
  p.legacy = legacy;
  p.categorize =
      req.header("X-Loki-Response-Encoding-Flags").find("categorize-labels") != std::string::npos;
  auto link = std::make_shared<session_link>();
  auto up = std::make_shared<http::websocket_upgrade>();
  up->ping_interval = rs->opts.ping_interval;
  up->stall_timeout = rs->opts.stall_timeout;
  up->on_open = [rs, p, link](std::shared_ptr<http::websocket> ws) {
    std::lock_guard<std::mutex> guard{link->mtx};
    if (link->closed)
      return;
    std::lock_guard<std::mutex> live_guard{rs->mtx};
    if (rs->stopped) {
      ws->close(1001, "server is stopping");
      return;
    }
    link->tailer = spawn_tailer(*rs->sys, rs, p, std::move(ws));
    rs->live.push_back(link->tailer);
  };
  up->on_closed = [link](const std::string& reason) {
    static auto logger = log::get("querier");
    SKALD_LOG_INFO(logger, "ended tailing logs: {}", reason);
    std::lock_guard<std::mutex> guard{link->mtx};
    link->closed = true;
    if (link->tailer)
      caf::anon_send(link->tailer, stop_atom_v, false);
    link->tailer = nullptr;
  };
  rsp.send(http::response::upgrade_to(std::move(up)));
}

} // namespace

std::shared_ptr<tail_service> add_tail_routes(http::router& r, caf::actor_system& sys,
                                              tail_route_options opts) {
  auto rs = std::make_shared<route_state>();
  rs->sys = &sys;
  rs->m =
      std::make_shared<tail_metrics>(opts.metrics ? *opts.metrics : metrics::default_registry());
  rs->opts = std::move(opts);
  route_ptr cst = rs;
  r.get("/loki/api/v1/tail", [cst](http::request& req, http::responder rsp) {
    handle_tail(cst, req, std::move(rsp), false);
  });
  r.get("/api/prom/tail", [cst](http::request& req, http::responder rsp) {
    handle_tail(cst, req, std::move(rsp), true);
  });
  return rs;
}

} // namespace skald::actors
