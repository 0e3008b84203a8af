// actors/ring/routes.cpp — see routes.hpp.
#include "actors/ring/routes.hpp"

#include <chrono>

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include "actors/http/request.hpp"
#include "actors/http/responder.hpp"
#include "actors/http/router.hpp"
#include "runtime/ring/pages.hpp"

namespace skald::actors {

namespace {

constexpr std::chrono::seconds ask_timeout{5};

bool wants_json(const http::request& req) {
  return req.header("Accept").find("application/json") != std::string_view::npos;
}

http::response html(std::string body) {
  auto r = http::response::text(200, std::move(body));
  r.content_type = "text/html; charset=utf-8";
  return r;
}

void unavailable(const http::responder& rsp, caf::actor_system& sys, const caf::error& e) {
  rsp.send(http::response::error(503, "ring member did not answer: " + sys.render(e)));
}

} // namespace

void add_ring_page(http::router& r, caf::actor_system& sys, std::shared_ptr<ring_slot> slot,
                   std::string path, std::string key, std::string title) {
  r.get(path, [&sys, slot, title, path, key](http::request& req, http::responder rsp) {
    auto member = slot->get();
    if (!member) {
      rsp.send(http::response::error(503, "ring not started"));
      return;
    }
    bool json = wants_json(req);
    bool tokens = req.param_or("tokens", "") == "true";
    sys.spawn([member, rsp, json, tokens, title, path, key](caf::event_based_actor* self) {
      self->request(member, ask_timeout, ring_get_atom_v, key)
          .then(
              [rsp, json, tokens, title, path](const ring_snapshot& s) {
                if (json)
                  rsp.send(
                      http::response::json(200, ring::ring_json(s->desc, s->options, s->now_ms)));
                else
                  rsp.send(
                      html(ring::ring_html(s->desc, s->options, s->now_ms, title, path, tokens)));
              },
              [rsp, self](caf::error& e) { unavailable(rsp, self->system(), e); });
    });
  });
  r.post(path, [&sys, slot, key](http::request& req, http::responder rsp) {
    auto member = slot->get();
    if (!member) {
      rsp.send(http::response::error(503, "ring not started"));
      return;
    }
    const auto* id = req.param("forget");
    if (id == nullptr || id->empty()) {
      // dskit ignores a POST without forget and redirects as well.
      auto res = http::response::empty(302);
      res.headers.emplace_back("Location", "#");
      rsp.send(std::move(res));
      return;
    }
    sys.spawn([member, rsp, key, id = *id](caf::event_based_actor* self) {
      self->request(member, ask_timeout, ring_forget_atom_v, key, id)
          .then(
              [rsp](bool) {
                auto res = http::response::empty(302);
                res.headers.emplace_back("Location", "#");
                rsp.send(std::move(res));
              },
              [rsp, self](caf::error& e) { unavailable(rsp, self->system(), e); });
    });
  });
}

void add_ring_routes(http::router& r, caf::actor_system& sys, std::shared_ptr<ring_slot> slot,
                     std::string title) {
  add_ring_page(r, sys, slot, "/ring", std::string{ring::ingester_ring_key}, std::move(title));
  r.get("/memberlist", [&sys, slot](http::request& req, http::responder rsp) {
    auto member = slot->get();
    if (!member) {
      rsp.send(http::response::error(503, "ring not started"));
      return;
    }
    bool json = wants_json(req);
    sys.spawn([member, rsp, json](caf::event_based_actor* self) {
      self->request(member, ask_timeout, members_atom_v)
          .then(
              [self, member, rsp, json](const memberlist_snapshot& m) {
                self->request(member, ask_timeout, ring_get_atom_v)
                    .then(
                        [m, rsp, json](const ring_snapshot& s) {
                          if (json)
                            rsp.send(http::response::json(
                                200, ring::memberlist_json(m->self_endpoint, m->node_name, m->peers,
                                                           s->desc, m->now_ms, m->keys)));
                          else
                            rsp.send(html(ring::memberlist_html(m->self_endpoint, m->node_name,
                                                                m->peers, s->desc, s->options,
                                                                m->now_ms, m->keys)));
                        },
                        [rsp, self](caf::error& e) { unavailable(rsp, self->system(), e); });
              },
              [rsp, self](caf::error& e) { unavailable(rsp, self->system(), e); });
    });
  });
}

} // namespace skald::actors
