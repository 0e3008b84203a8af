// actors/http/server.hpp — the HTTP edge: Boost.Beast over an Asio
// io_context run by a few I/O threads (ARCHITECTURE.md §5). Not an actor.
//
// Usage (the node's main):
//   auto routes = std::make_shared<http::router>();
//   routes->get("/ready", [](http::request&, http::responder r) {
//     r.send(http::response::text(200, "ready\n"));
//   });
//   http::server srv{opts, routes, metrics::default_registry()};
//   if (auto st = srv.start(); !st) { ... }   // binds, starts the I/O threads
//   ... srv.port() ...
//   srv.stop();                                // before the actor system goes
//
// What a connection does: async accept/read/write, HTTP/1.1 keep-alive,
// TCP_NODELAY, `Expect: 100-continue`, one request at a time per connection
// (pipelined requests are read after the previous response is written, so
// they are answered in order). Limits: a body over max_request_body_size is
// answered 413 `request body too large` and the connection closes; headers
// over max_header_bytes 431; a malformed request 400 `400 Bad Request` and
// close. Timeouts: a request not fully read within read_timeout, a response
// not written within write_timeout, or a keep-alive connection idle for
// idle_timeout is closed. No timeout runs while a handler holds the request.
//
// Metrics (Loki's names, on the registry given): loki_request_duration_seconds
// {method,route,status_code,ws}, loki_inflight_requests{method,route},
// loki_request_message_bytes / loki_response_message_bytes{method,route},
// loki_tcp_connections{protocol="http"}. Access lines are logged at debug
// level on the "http" logger.
//
// Owner: the node's main. The router is shared read-only; the registry must
// outlive the server. Destroy (or stop) the server before the actor system.
// Threading: start(), stop() and the destructor are called from one control
// thread, never from a handler. Handlers run on I/O threads and must never
// block. port() is safe from any thread after start().
// Invariant: after stop() returns no I/O thread runs, no handler runs, and
// every pending responder's send() is a no-op.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "actors/http/fwd.hpp"
#include "runtime/metrics/fwd.hpp"
#include "runtime/util/status.hpp"

namespace skald::http {

struct server_options {
  /// IP address to bind (server.http_listen_address); "" means 0.0.0.0.
  std::string address = "0.0.0.0";
  /// server.http_listen_port; 0 binds an ephemeral port (see server::port()).
  uint16_t port = 3100;
  /// I/O threads (server.http_threads); 0 = hardware concurrency.
  unsigned threads = 0;
  /// Largest accepted request body; larger is answered 413.
  std::size_t max_request_body_size = 100u << 20;
  /// Largest request line plus headers (Go's default MaxHeaderBytes, 1 MiB:
  /// LogQL in a GET query string can be long).
  std::size_t max_header_bytes = 1u << 20;
  /// dskit's server.http_server_{read,write,idle}_timeout defaults.
  std::chrono::milliseconds read_timeout{std::chrono::seconds{30}};
  std::chrono::milliseconds write_timeout{std::chrono::seconds{30}};
  std::chrono::milliseconds idle_timeout{std::chrono::seconds{120}};
  /// How long stop() waits for connections to close before it stops the
  /// io_context hard.
  std::chrono::milliseconds stop_timeout{std::chrono::seconds{2}};
  /// listen(2) backlog.
  int backlog = 1024;
};

class server {
public:
  server(server_options opts, std::shared_ptr<const router> routes, metrics::registry& reg);
  ~server(); // calls stop()
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds and listens (SO_REUSEADDR), starts the I/O threads. Fails with
  /// invalid_argument (not an IP address), io_error (socket, bind, listen;
  /// Go-like text "listen tcp 0.0.0.0:3100: bind: Address already in use"),
  /// or internal when called twice.
  status start();

  /// The bound port (the ephemeral one when options.port was 0); 0 before start().
  uint16_t port() const noexcept;

  /// Stops accepting, closes every connection (pending requests are dropped),
  /// joins the I/O threads. Bounded by about stop_timeout. Idempotent.
  void stop();

private:
  class impl;
  std::unique_ptr<impl> impl_;
};

} // namespace skald::http
