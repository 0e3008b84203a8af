// bench/tail/tail_client.cpp — N live-tail WebSocket clients for the tail
// fan-out benchmark (bench/e2e_push.sh with TAILERS=N, bench/tail_fanout.sh).
//
// Usage: skald_tail_client PORT QUERY N SECONDS
// Opens N GET /loki/api/v1/tail?query=QUERY WebSockets to 127.0.0.1:PORT,
// each on its own thread reading as fast as it can, for SECONDS seconds (or
// until SIGTERM/SIGINT), then prints one JSON line: clients connected,
// messages, entries and dropped entries received, and closes reported.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#pragma GCC diagnostic pop

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bws = beast::websocket;
using tcp = asio::ip::tcp;

std::atomic<bool> stop{false};
std::atomic<uint64_t> messages{0}, entries{0}, dropped{0}, connected{0}, closes{0};

size_t count(std::string_view hay, std::string_view needle) {
  size_t n = 0;
  for (size_t p = hay.find(needle); p != std::string_view::npos; p = hay.find(needle, p + 1))
    ++n;
  return n;
}

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

void run(uint16_t port, const std::string& target, std::vector<tcp::socket*>& socks, size_t i) {
  asio::io_context ioc;
  bws::stream<tcp::socket> ws{ioc};
  beast::error_code ec;
  ws.next_layer().connect(tcp::endpoint{asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec)
    return;
  ws.handshake("127.0.0.1", target, ec);
  if (ec) {
    std::fprintf(stderr, "handshake failed: %s\n", ec.message().c_str());
    return;
  }
  socks[i] = &ws.next_layer();
  ++connected;
  beast::flat_buffer buf;
  while (!stop.load()) {
    ws.read(buf, ec);
    if (ec) {
      if (ec == bws::error::closed)
        ++closes;
      break;
    }
    auto data = buf.data();
    std::string_view msg{static_cast<const char*>(data.data()), data.size()};
    ++messages;
    entries += count(msg, "\"values\":[[");
    dropped += count(msg, "\"timestamp\":");
    buf.consume(buf.size());
  }
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: skald_tail_client PORT QUERY N SECONDS\n");
    return 2;
  }
  auto port = static_cast<uint16_t>(std::atoi(argv[1]));
  std::string target = "/loki/api/v1/tail?query=" + enc(argv[2]);
  size_t n = static_cast<size_t>(std::atoi(argv[3]));
  int seconds = std::atoi(argv[4]);
  std::signal(SIGTERM, [](int) { stop.store(true); });
  std::signal(SIGINT, [](int) { stop.store(true); });
  std::vector<tcp::socket*> socks(n, nullptr);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < n; ++i)
    threads.emplace_back(run, port, target, std::ref(socks), i);
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds{seconds};
  while (!stop.load() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds{100});
  stop.store(true);
  for (auto* s : socks)
    if (s != nullptr) {
      beast::error_code ec;
      s->shutdown(tcp::socket::shutdown_both, ec);
    }
  for (auto& t : threads)
    t.join();
  std::printf("{\"clients\":%llu,\"messages\":%llu,\"entries\":%llu,\"dropped_entries\":%llu,"
              "\"closes\":%llu}\n",
              static_cast<unsigned long long>(connected.load()),
              static_cast<unsigned long long>(messages.load()),
              static_cast<unsigned long long>(entries.load()),
              static_cast<unsigned long long>(dropped.load()),
              static_cast<unsigned long long>(closes.load()));
  return 0;
}
