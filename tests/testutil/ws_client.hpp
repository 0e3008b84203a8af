// tests/testutil/ws_client.hpp — a small WebSocket client for tests (live
// tail), on Boost.Beast's asynchronous API driven by the calling thread.
//
// connect() does the HTTP upgrade; a refused upgrade reports the HTTP status
// and body instead. read() waits for the next text message up to a timeout;
// nothing is read from the socket between calls (a test can play a client
// that does not read). Not thread-safe; blocks the calling thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace skald::testutil {

class ws_client {
public:
  ~ws_client();

  struct connect_result {
    std::unique_ptr<ws_client> client; // null when the upgrade was refused
    int status = 0;                    // the HTTP status when refused
    std::string body;
  };

  static connect_result connect(uint16_t port, const std::string& target,
                                const std::map<std::string, std::string>& headers = {});

  /// The next text message, or nullopt on timeout or once closed.
  std::optional<std::string> read(std::chrono::milliseconds timeout);
  /// True once the server closed (Close frame or connection end).
  bool closed() const;
  /// The server's Close code (0 if it just dropped the connection).
  uint16_t close_code() const;
  std::string close_reason() const;
  /// Pings received so far.
  int pings() const;
  /// Sends a normal Close (1000) and waits up to 2 s for the server's.
  void close();

private:
  ws_client();
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace skald::testutil
