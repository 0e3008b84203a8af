// actors/http/router.hpp — maps (method, path) to a handler.
//
// Patterns are exact paths ("/ready") or paths with {name} segments
// ("/loki/api/v1/label/{name}/values"); a {name} segment matches one
// non-empty path segment and its value lands in request::path_params.
// Exact paths win over patterns; patterns are tried in registration order.
// A path that matches no pattern is 404 `404 page not found` (Go's text); a
// path that matches but not for this method is 405 with an Allow header.
//
// Each route has a metric label like Loki's (dskit MakeLabelValue): runs of
// non-alphanumerics become '_', leading and trailing '_' are trimmed, lower
// case; "/loki/api/v1/push" -> "loki_api_v1_push", "/" -> "root".
//
// Handlers run on an I/O thread and must never block: decode and validate,
// hand the responder to an actor, return (see responder.hpp).
//
// Owner: built by the node's main before the server starts, then shared
// read-only (std::shared_ptr<const router>) with the server.
// Threading: registration is single-threaded; find() is const and safe from
// any number of threads once registration is done.
// Registration errors (bad pattern, a method registered twice on a pattern)
// throw std::invalid_argument: they are bugs found at start-up.
#pragma once

#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <map>
#include <vector>

#include "actors/http/request.hpp"
#include "actors/http/responder.hpp"

namespace skald::http {

class router {
public:
  using handler = std::function<void(request&, responder)>;

  router();
  ~router();
  router(router&&) noexcept;
  router& operator=(router&&) noexcept;

  /// Registers `h` for `method` ("GET", "POST", ...) on `pattern`.
  router& handle(std::string_view method, std::string_view pattern, handler h);
  /// Registers one handler for several methods (Loki's query routes take GET
  /// and POST).
  router& handle(std::initializer_list<std::string_view> methods, std::string_view pattern,
                 const handler& h);
  router& get(std::string_view pattern, handler h) { return handle("GET", pattern, std::move(h)); }
  router& post(std::string_view pattern, handler h) {
    return handle("POST", pattern, std::move(h));
  }

  /// Overrides the metric label of an already registered pattern.
  router& label(std::string_view pattern, std::string route_label);

  struct match {
    /// 200 when `target` is set, else 404 or 405.
    unsigned status = 404;
    const handler* target = nullptr;
    /// The route's metric label; "notfound" for 404.
    std::string_view route = "notfound";
    /// For 405: the allowed methods, "GET, POST".
    std::string allow;
  };

  /// Looks up `path` (already percent-decoded) for `method`; on a pattern
  /// match appends the {name} values to `path_params`.
  match find(std::string_view method, std::string_view path, param_list& path_params) const;

  /// Loki's route label for a pattern (see above).
  static std::string route_label(std::string_view pattern);

private:
  struct route;
  route& route_for(std::string_view pattern);

  std::vector<std::unique_ptr<route>> routes_;
  std::map<std::string, route*, std::less<>> exact_; // no allocation per lookup
  std::vector<route*> patterns_;
};

} // namespace skald::http
