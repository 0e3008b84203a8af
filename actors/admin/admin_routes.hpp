// actors/admin/admin_routes.hpp — the admin console's HTTP side (issue 9):
// the page at /admin and the JSON API under /admin/api/.
//
//   GET  /admin                         the web console (one page compiled into
//                                       the binary from web/admin/, no CDN)
//   GET  /admin/api/nodes               this node and every gossip peer (asked
//                                       over CAF; unreachable after peer_timeout)
//   GET  /admin/api/actors              ?kind=&tenant=&name=&sort=id|name|started|
//                                        mailbox|rate|handled&order=asc|desc&
//                                        offset=&limit= (<= 1000, default 50)
//   GET  /admin/api/actor/{id}          one actor, 404 if unknown
//   GET  /admin/api/tenants             tenant actors (same paging params)
//   GET  /admin/api/streams             ?tenant= stream actors (same params)
//   GET  /admin/api/flush               flush-worker actors (flush issue)
//   GET  /admin/api/wal                 the WAL writer
//        every listing and actor/{id} take ?node=ID (a node id as
//        /admin/api/nodes lists it, or a gossip endpoint): that node's
//        actors, asked over CAF through its ring member with the query
//        parameters as given (filter, sort and paging run there; one page
//        crosses the wire); the body gets "node":ID. Unknown node: 404;
//        peer unreachable: 502; no answer within `timeout`: 504.
//   GET  /admin/api/ring                the ring from this node's ring member:
//                                       state, heartbeat age, tokens, ownership
//   GET  /admin/api/log_level           the current log level
//   POST /admin/api/flush               ?tenant=T[&stream={labels}]
//   POST /admin/api/ring/forget         ?member=ID
//   POST /admin/api/log_level           ?level=debug|info|warn|error
//
// Actions are POST only (GET on them lists state or is a 405) and answer 403
// unless admin.enable_actions is on. Handlers never block: each request is
// one short-lived actor asking the actor registry (high priority,
// caf::duration timeout) and completing the responder.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include <caf/fwd.hpp>

#include "messages/interfaces/admin_actor.hpp"
#include "runtime/admin/directory.hpp"

namespace skald::http {
class router;
} // namespace skald::http

namespace skald::actors {

struct admin_route_options {
  /// admin.enable_actions.
  bool enable_actions = false;
  /// Bound of one API request (registry and actors answering).
  std::chrono::milliseconds timeout{5000};
  /// Bound of asking the peers for /admin/api/nodes; a peer that has not
  /// answered by then is listed unreachable.
  std::chrono::milliseconds peer_timeout{1500};
};

void add_admin_routes(http::router& r, caf::actor_system& sys, actor_registry_actor registry,
                      admin_route_options opts);

/// The web console page (generated from web/admin/index.html at build time).
std::string_view admin_page();

} // namespace skald::actors
