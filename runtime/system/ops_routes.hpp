// runtime/system/ops_routes.hpp — the ops endpoints every skald node serves.
//
// GET /ready, /metrics, /config (?mode=defaults|diffs), /services,
// GET|POST /log_level, GET /loki/api/v1/status/buildinfo — with Loki's status
// codes and bodies (loki-read-path.md, "Status and ops endpoints").
// Handlers answer at once on the I/O thread: they only read atomics and
// render text.
#pragma once

namespace skald::http {
class router;
} // namespace skald::http

namespace skald::metrics {
class registry;
} // namespace skald::metrics

namespace skald::system {

class node;

/// Adds the ops routes; `n` and `reg` must outlive the router's server.
void add_ops_routes(http::router& r, const node& n, metrics::registry& reg);

} // namespace skald::system
