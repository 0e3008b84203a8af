// tests/testutil/http_client.hpp — a small blocking HTTP/1.1 client for tests.
//
// One keep-alive connection to 127.0.0.1:port, on Boost.Beast's synchronous
// API. Not for production code: it blocks the calling thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace skald::testutil {

struct http_reply {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers; // lower-case names
};

class http_client {
public:
  explicit http_client(uint16_t port);
  ~http_client();

  /// Sends one request; reconnects if the previous connection closed. A
  /// connection failure gives status 0.
  http_reply request(const std::string& method, const std::string& target,
                     const std::string& body = {},
                     const std::map<std::string, std::string>& headers = {});

  http_reply get(const std::string& target) { return request("GET", target); }

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Polls GET `path` until it answers 200 or `timeout` passes; returns the last
/// reply.
http_reply wait_for_status_200(uint16_t port, const std::string& path,
                               std::chrono::milliseconds timeout);

/// A query-string value percent-encoded (RFC 3986 unreserved bytes kept).
std::string enc(const std::string& s);

/// The wall clock in ns since the epoch (timestamps of lines tests push).
int64_t now_ns();

} // namespace skald::testutil
