// bench/tail/tail_client.cpp — N live-tail WebSocket clients for the tail
// fan-out benchmark (bench/e2e_push.sh with TAILERS=N, bench/tail_fanout.sh).
//
// Usage: skald_tail_client PORT QUERY N SECONDS
// Opens N GET /loki/api/v1/tail?query=QUERY WebSockets to 127.0.0.1:PORT and
// reads them for SECONDS seconds (or until SIGTERM/SIGINT), then prints one
// JSON line: clients connected, messages and bytes received, closes reported.
// "{i}" in QUERY is replaced by the client's index (0..N-1), so each client
// can follow its own streams (e.g. '{app="loadgen", pod="p-0-{i}"}').
//
// Cheap on purpose, so that the benchmark measures skald and not its
// clients: ONE thread runs every connection with asynchronous reads, and a
// message is only counted (messages, bytes), never parsed or scanned.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#pragma GCC diagnostic pop

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bws = beast::websocket;
using tcp = asio::ip::tcp;

std::atomic<bool> stop{false};
uint64_t messages = 0, bytes = 0, connected = 0, closes = 0;

std::string enc(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

std::string query_for(std::string q, size_t i) {
  for (auto p = q.find("{i}"); p != std::string::npos; p = q.find("{i}"))
    q.replace(p, 3, std::to_string(i));
  return q;
}

struct client : std::enable_shared_from_this<client> {
  explicit client(asio::io_context& ioc) : ws(ioc) {}

  void read() {
    ws.async_read(buf, [self = shared_from_this()](beast::error_code ec, size_t n) {
      if (ec) {
        if (ec == bws::error::closed)
          ++closes;
        return;
      }
      ++messages;
      bytes += n;
      self->buf.consume(self->buf.size());
      self->read();
    });
  }

  bws::stream<tcp::socket> ws;
  beast::flat_buffer buf;
};

} // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: skald_tail_client PORT QUERY N SECONDS\n");
    return 2;
  }
  auto port = static_cast<uint16_t>(std::atoi(argv[1]));
  size_t n = static_cast<size_t>(std::atoi(argv[3]));
  int seconds = std::atoi(argv[4]);
  std::signal(SIGTERM, [](int) { stop.store(true); });
  std::signal(SIGINT, [](int) { stop.store(true); });
  asio::io_context ioc;
  std::vector<std::shared_ptr<client>> clients;
  for (size_t i = 0; i < n; ++i) {
    auto c = std::make_shared<client>(ioc);
    beast::error_code ec;
    c->ws.next_layer().connect(tcp::endpoint{asio::ip::make_address("127.0.0.1"), port}, ec);
    if (!ec)
      c->ws.handshake("127.0.0.1", "/loki/api/v1/tail?query=" + enc(query_for(argv[2], i)), ec);
    if (ec) {
      std::fprintf(stderr, "tail client %zu: %s\n", i, ec.message().c_str());
      continue;
    }
    ++connected;
    c->read();
    clients.push_back(std::move(c));
  }
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds{seconds};
  asio::steady_timer tick{ioc};
  std::function<void()> arm = [&] {
    tick.expires_after(std::chrono::milliseconds{100});
    tick.async_wait([&](beast::error_code) {
      if (stop.load() || std::chrono::steady_clock::now() >= until) {
        for (auto& c : clients) {
          beast::error_code ec;
          c->ws.next_layer().shutdown(tcp::socket::shutdown_both, ec);
          c->ws.next_layer().close(ec);
        }
        return;
      }
      arm();
    });
  };
  arm();
  ioc.run();
  std::printf("{\"clients\":%llu,\"messages\":%llu,\"bytes\":%llu,\"closes\":%llu}\n",
              static_cast<unsigned long long>(connected), static_cast<unsigned long long>(messages),
              static_cast<unsigned long long>(bytes), static_cast<unsigned long long>(closes));
  return 0;
}
