// actors/http/metrics_handler.hpp — the GET /metrics handler: renders a
// metrics registry in Prometheus text format 0.0.4.
//
// Owner: the node's main registers it: routes->get("/metrics",
// http::metrics_handler(metrics::default_registry())). The registry must
// outlive the router.
// Threading: runs on an I/O thread; rendering takes the registry's locks for
// the duration of one render (microseconds to a few ms for many series).
#pragma once

#include "actors/http/router.hpp"
#include "runtime/metrics/fwd.hpp"

namespace skald::http {

router::handler metrics_handler(const metrics::registry& reg);

} // namespace skald::http
