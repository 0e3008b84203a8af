// actors/http/responder.hpp — the one-shot handle that completes an HTTP
// request, from any thread (the non-blocking bridge, caf-0.17.md §6 pattern D).
//
// A handler receives a responder with the request. It may answer at once, or
// copy the responder into a message to an actor and return; the actor (any
// thread) calls send() later. send() posts the write onto the connection's
// strand and never blocks on I/O.
//
// Owner: shared by its copies (a shared_ptr to a per-request exchange). The
// exchange points weakly at the connection: a responder never keeps a closed
// connection, the server or its io_context alive.
//
// Invariants:
//   (1) only the first send() of a request counts; later calls are ignored.
//   (2) send() after the connection closed or the server stopped is a no-op.
//   (3) if every copy is destroyed without a send(), the client gets a 500
//       ("handler dropped the request without a response"), so a lost
//       responder never hangs a connection.
// Thread safety: all members may be called from any thread, concurrently.
// Including this header is enough to write a handler (it brings request.hpp).
#pragma once

#include <memory>

#include "actors/http/request.hpp"

namespace skald::http {

namespace detail {
class exchange;
} // namespace detail

class responder {
public:
  explicit responder(std::shared_ptr<detail::exchange> ex) noexcept : ex_(std::move(ex)) {}

  /// Completes the request with `res` (first call only).
  void send(response res) const;

  /// True once send() was called on any copy.
  bool sent() const noexcept;

private:
  std::shared_ptr<detail::exchange> ex_;
};

} // namespace skald::http
