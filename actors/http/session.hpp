// actors/http/session.hpp — INTERNAL to actors/http: one accepted TCP
// connection (session), the per-request exchange behind a responder, and the
// state a server shares with its sessions. Includes Beast; only server.cpp
// and session.cpp include it.
//
// Owner: a session is held by shared_ptrs in its pending Asio operations and,
// while a handler holds its request, by itself (self_while_pending_). Nothing
// outside the server holds it strongly: an exchange points at it weakly, and
// the server tracks it weakly in server_state::sessions. So a session never
// outlives the io_context: the server closes every session (clearing the self
// reference) and then destroys the io_context, which destroys the rest.
//
// Threading: every member function of session except post_response(),
// close() and start() runs on the session's strand (the socket's executor).
// close_now() runs only when no I/O thread is running.
// The one exception, the direct 204: post_response() writes a bare
// "204 No Content" (the answer to every successful push) to the socket from
// the calling thread when the request allows it (HTTP/1.1, keep-alive, not
// HEAD, no upgrade), under direct_mtx_, instead of posting it. The strand
// then only does the bookkeeping (metrics, next read). Posting the answer
// made it wait for a free I/O thread, which on a busy node meant one still
// decoding another push: 125-205 µs on average at 4 connections
// (docs/benchmarks.md, "direct 204").
//
// Invariants:
//   (1) at most one request per session is read or pending at a time; the next
//       read starts after the previous response is written (in-order answers).
//   (2) awaiting_ is true exactly while a handler holds the current request;
//       then self_while_pending_ is set and no timer runs.
//   (3) once closed_, no further I/O is started and responses are dropped.
//   (4) the gate is open from construction until the server has joined its
//       I/O threads; exchanges post only under its shared lock, so nothing is
//       posted to a destroyed io_context.
//   (5) direct_ok_ (under direct_mtx_) is true only while awaiting_ and the
//       request allows a direct 204; do_close() clears it under the mutex
//       before closing the socket, so a direct write never meets a closed or
//       reused descriptor, and at most one answer is written per request.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

// Beast 1.74's parser trips GCC 12's -Wmaybe-uninitialized (a boost::optional
// false positive) once inlined under -O2 with sanitizers; -Werror would stop
// the SKALD_SANITIZE build. Silence it for Beast's code only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#pragma GCC diagnostic pop

#include <spdlog/logger.h>

#include "actors/http/request.hpp"
#include "actors/http/request_body.hpp"
#include "actors/http/router.hpp"
#include "actors/http/server.hpp"
#include "runtime/metrics/fwd.hpp"

namespace skald::http {
struct websocket_upgrade;
} // namespace skald::http

namespace skald::http::detail {

class session;
struct ws_part; // actors/http/websocket.cpp

/// Open while responders may post to the server's io_context.
struct gate {
  std::shared_mutex mtx;
  bool open = true;
};

/// What a server shares with its sessions. Outlives every session.
struct server_state {
  server_state(server_options options, std::shared_ptr<const router> r, metrics::registry& reg);

  server_options opts;
  std::shared_ptr<const router> routes;
  metrics::histogram_family& duration;
  metrics::gauge_family& inflight;
  metrics::histogram_family& request_bytes;
  metrics::histogram_family& response_bytes;
  metrics::gauge& connections;
  std::shared_ptr<spdlog::logger> log;
  std::shared_ptr<gate> responses_gate = std::make_shared<gate>();

  void add(const std::shared_ptr<session>& s);
  void remove(const session* s);
  /// The live sessions, locked.
  std::vector<std::shared_ptr<session>> snapshot();

private:
  std::mutex mtx_;
  std::unordered_map<const session*, std::weak_ptr<session>> sessions_;
};

/// One request's completion: what a responder points at.
class exchange {
public:
  exchange(std::weak_ptr<session> s, std::shared_ptr<gate> g) noexcept
    : session_(std::move(s)), gate_(std::move(g)) {}
  ~exchange();
  exchange(const exchange&) = delete;
  exchange& operator=(const exchange&) = delete;

  void send(response&& res);
  bool sent() const noexcept { return sent_.load(std::memory_order_acquire); }

private:
  std::atomic<bool> sent_{false};
  std::weak_ptr<session> session_;
  std::shared_ptr<gate> gate_;
};

class session : public std::enable_shared_from_this<session> {
public:
  using tcp = boost::asio::ip::tcp;

  session(tcp::socket socket, server_state& state);
  ~session();
  session(const session&) = delete;
  session& operator=(const session&) = delete;

  /// Registers with the server and starts reading (posts onto the strand).
  void start();
  /// Closes the connection (posts onto the strand).
  void close();
  /// Closes at once; only while no I/O thread runs (server::stop).
  void close_now() { do_close(); }
  /// Posts `res` onto the strand; called by exchange under the gate.
  void post_response(response&& res);

private:
  void next_request(bool first);
  void read_header();
  void on_header(boost::system::error_code ec);
  void read_body();
  void on_read_error(boost::system::error_code ec);
  void dispatch();
  void begin_request(request& req, const router::match& m);
  void on_response(response res);
  /// True if `res` was written to the socket here (the direct 204); posts
  /// on_direct_sent() then. Any thread, under the gate.
  bool try_direct(const response& res);
  /// Strand side of a direct 204: metrics, then the rest of the answer if
  /// the socket took only part of it, then the next request.
  void on_direct_sent(std::chrono::steady_clock::duration elapsed, std::size_t written);
  void write_response(response res, bool metered);
  /// The request's metrics and access log line, once its answer is written.
  void record_answer(unsigned status, std::size_t body_size,
                     std::chrono::steady_clock::duration elapsed);
  void on_write(boost::system::error_code ec, bool keep_alive);
  void linger_close();
  void drain();
  void arm_timer(std::chrono::milliseconds d);
  void disarm_timer();
  void do_close();

  // WebSocket mode (actors/http/websocket.cpp): after an upgrade response the
  // session stops reading HTTP and runs one RFC 6455 connection on socket_.
  friend class ws_handle;
  void start_websocket(std::shared_ptr<websocket_upgrade> up);
  void ws_read();
  void ws_tick();
  void ws_send(std::vector<std::shared_ptr<const std::string>> frames);
  void ws_write_next();
  void ws_cork(bool on);
  void ws_close(uint16_t code, std::string reason);
  void ws_end(const std::string& reason);

  tcp::socket socket_;
  boost::asio::steady_timer timer_;
  uint64_t timer_gen_ = 0;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<request_body>> parser_;
  std::optional<boost::beast::http::response<boost::beast::http::string_body>> res_;
  server_state& state_;
  std::string remote_address_;
  uint16_t remote_port_ = 0;
  bool closed_ = false;

  // The current request (invariant 2).
  bool awaiting_ = false;
  std::shared_ptr<session> self_while_pending_;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool head_request_ = false;
  std::chrono::steady_clock::time_point start_;
  std::string method_label_;
  std::string route_label_;
  std::string target_; // for the access log
  metrics::gauge* inflight_ = nullptr;
  // Invariant 5: whether a direct 204 may be written for the current request.
  std::mutex direct_mtx_;
  bool direct_ok_ = false;
  // The request's header when it asked for a WebSocket upgrade.
  std::optional<boost::beast::http::request<request_body>> ws_req_;
  std::shared_ptr<ws_part> ws_; // set once upgraded
};

} // namespace skald::http::detail
