// actors/http/request.hpp — what a handler sees of one HTTP request and what
// it answers: request, response, and the URL decoding they need.
//
// A request is a value built by the connection from the parsed message; the
// handler gets it by reference and may move anything out (the body above
// all). Nothing here depends on Beast, so handler code includes only this and
// responder.hpp.
//
// Params follow Go's r.ParseForm(), which Loki uses: for POST, PUT and PATCH
// with Content-Type application/x-www-form-urlencoded the body's params come
// first, then the URL query's; repeated keys (match[]) are all kept, in order.
//
// Threading: a request belongs to the handler that received it; a response
// is a value moved into responder::send.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/util/status.hpp"

namespace skald::http {

struct websocket_upgrade; // actors/http/websocket.hpp

using param_list = std::vector<std::pair<std::string, std::string>>;

struct request {
  std::string method;         // "GET", as sent
  std::string target;         // "/loki/api/v1/query?query=..." as sent
  std::string path;           // percent-decoded path of target
  std::string query;          // raw query string (after '?'), not decoded
  param_list params;          // form params (see above), then decoded query params
  param_list path_params;     // {name} segments of the matched route pattern
  param_list headers;         // as received, in order
  std::string body;           // the whole body; move it out
  std::string remote_address; // peer IP, e.g. "127.0.0.1"
  uint16_t remote_port = 0;
  std::string route;          // the route's metric label, e.g. "loki_api_v1_push"

  /// The first header with this name (ASCII case-insensitive), or nullptr.
  const std::string* find_header(std::string_view name) const noexcept;
  /// The first header value, or "" when absent.
  std::string_view header(std::string_view name) const noexcept;

  /// The first value of param `name` (Go's FormValue), or nullptr.
  const std::string* param(std::string_view name) const noexcept;
  std::string_view param_or(std::string_view name, std::string_view fallback) const noexcept;
  /// Every value of a repeated param, e.g. all match[] selectors, in order.
  std::vector<std::string_view> param_values(std::string_view name) const;

  /// The value of a {name} segment, or "" when the pattern has none.
  std::string_view path_param(std::string_view name) const noexcept;
};

/// An answer: status, content type, body and extra headers. Content-Length is
/// set by the server.
struct response {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  param_list headers;
  /// Close the connection after writing this response.
  bool close = false;
  /// Set: upgrade the connection to a WebSocket instead (status and body
  /// unused; see actors/http/websocket.hpp).
  std::shared_ptr<websocket_upgrade> upgrade;

  static response text(unsigned status, std::string body);
  static response json(unsigned status, std::string body);
  /// Go's http.Error, which Loki's WriteError uses: plain text, the message
  /// plus "\n", X-Content-Type-Options: nosniff.
  static response error(unsigned status, std::string_view message);
  /// No body and no content type (204, 304, ...).
  static response empty(unsigned status);
  /// Upgrades the request's connection to a WebSocket (websocket.hpp).
  static response upgrade_to(std::shared_ptr<websocket_upgrade> u);
};

/// ASCII case-insensitive equality (header names).
bool iequals(std::string_view a, std::string_view b) noexcept;

/// Decodes %xx escapes (and '+' as space when `plus_is_space`, as in query
/// strings). Fails with Go's text `invalid URL escape "%zz"`.
status url_decode(std::string_view in, bool plus_is_space, std::string& out);

/// Go's url.ParseQuery: splits on '&', decodes keys and values, appends to
/// `out`. Keeps parsing after an error and reports the first one.
status parse_query(std::string_view query, param_list& out);

/// The content type without parameters, lowercased: "application/json".
std::string media_type(std::string_view content_type);

} // namespace skald::http
