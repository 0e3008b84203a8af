// actors/http/websocket.hpp — a handler's side of a WebSocket upgrade
// (RFC 6455, Boost.Beast underneath; nothing here includes Beast).
//
// A handler that wants a WebSocket answers its responder with
// response::upgrade_to(u): the connection (actors/http/session.cpp and
// websocket.cpp) accepts the handshake on its strand (any Origin, like
// Loki's upgrader), then calls u->on_open with a thread-safe websocket handle;
// it calls u->on_closed exactly once when the connection ends (client Close,
// I/O error, stall, server stop), also when the handshake failed. A request
// that is not an upgrade gets 400 `websocket: the client is not using the
// websocket protocol: 'upgrade' token not found in 'Connection' header`
// (gorilla's text) instead.
//
// While open the connection sends a Ping every ping_interval and reads (and
// discards) whatever the client sends, answering its pings; a Close from the
// client ends the session. Outgoing text frames queue on the strand; queued()
// is how many are not yet written, so a producer can tell a slow client
// (Loki's tailer drops entries while its response channel is full). If the
// oldest queued frame has waited longer than stall_timeout, the client is
// too slow: the connection is closed with code 1008 (policy violation) and
// the reason "client too slow: ..." when the Close frame can still be
// written, else torn down; on_closed receives the reason.
//
// Owner: the handle is shared (std::shared_ptr); it points at its connection
// weakly, so it never keeps a closed connection or a stopped server alive.
// Thread safety: every member function may be called from any thread.
// Invariant: after on_closed ran, send_text() returns false and does nothing.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace skald::http {

/// An open WebSocket connection (server side).
class websocket {
public:
  virtual ~websocket() = default;

  /// Queues one text frame; never blocks. False once the connection closed.
  virtual bool send_text(std::string frame) = 0;
  /// Queues several text frames, in order, as one hand-over to the
  /// connection (back-to-back frames leave together); never blocks. False
  /// once the connection closed.
  virtual bool send_texts(std::vector<std::string> frames) = 0;
  /// The same for frames that other connections send too (one live tail
  /// query's frames, rendered once): the bytes are not copied.
  virtual bool send_shared(std::vector<std::shared_ptr<const std::string>> frames) = 0;
  /// Sends a Close frame (after the frames already queued) and ends the
  /// connection; later calls do nothing.
  virtual void close(uint16_t code, std::string reason) = 0;
  /// Frames queued and not yet written to the socket.
  virtual size_t queued() const = 0;
  /// True until the connection ended.
  virtual bool open() const = 0;
};

/// What a handler answers to upgrade its request.
struct websocket_upgrade {
  std::chrono::milliseconds ping_interval{1000};
  std::chrono::milliseconds stall_timeout{10000};
  /// Largest message accepted from the client (what it sends is discarded).
  size_t max_read_bytes = 64 * 1024;
  /// After the handshake (on an I/O thread; must not block).
  std::function<void(std::shared_ptr<websocket>)> on_open;
  /// Once, when the connection ended (or the handshake failed), with why.
  std::function<void(const std::string& reason)> on_closed;
};

// Close codes (RFC 6455 §7.4.1).
inline constexpr uint16_t ws_close_normal = 1000;
inline constexpr uint16_t ws_close_policy = 1008;
inline constexpr uint16_t ws_close_internal = 1011;

} // namespace skald::http
