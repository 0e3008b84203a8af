// actors/ring/routes.hpp — GET/POST /ring and GET /memberlist of a node
// (dskit ring/http.go and the memberlist status page; docs/ring.md).
//
// The handlers run on HTTP I/O threads and never block: each request spawns
// a short-lived actor that asks the ring member (with a timeout) and sends
// the page rendered by runtime/ring/pages.hpp.
//   GET  /ring          HTML table; JSON with Accept: application/json;
//                       ?tokens=true lists every token
//   POST /ring          forget=<id>: tombstone for that instance, then 302
//                       to "#" (dskit's Post/Redirect/Get)
//   GET  /memberlist    gossip peers (alive/unreachable, last gossip), the
//                       ring keys and the ingester ring's entries; JSON with
//                       Accept: application/json
//   GET/POST /distributor/ring  the same page as /ring for the distributor
//                       ring (key collectors/distributor), added by the
//                       distributor module with add_ring_page
// Owner: the ring module adds the routes while it is built; the member is
// set in `slot` when the module starts (503 "ring not started" before).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include <caf/fwd.hpp>

#include "messages/interfaces/ring_actor.hpp"

namespace skald::http {
class router;
} // namespace skald::http

namespace skald::actors {

/// The ring member handle, set once the module started; read by handlers.
class ring_slot {
public:
  void set(ring_actor h) {
    std::lock_guard<std::mutex> guard{mu_};
    h_ = std::move(h);
  }
  ring_actor get() const {
    std::lock_guard<std::mutex> guard{mu_};
    return h_;
  }

private:
  mutable std::mutex mu_;
  ring_actor h_;
};

/// GET /ring, POST /ring (ingester ring) and GET /memberlist.
void add_ring_routes(http::router& r, caf::actor_system& sys, std::shared_ptr<ring_slot> slot,
                     std::string title);

/// GET `path` (HTML, or JSON with Accept: application/json; ?tokens=true)
/// and POST `path` (forget=<id>, then 302) for the ring of `key`.
void add_ring_page(http::router& r, caf::actor_system& sys, std::shared_ptr<ring_slot> slot,
                   std::string path, std::string key, std::string title);

} // namespace skald::actors
