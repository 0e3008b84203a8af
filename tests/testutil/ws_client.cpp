// tests/testutil/ws_client.cpp — see ws_client.hpp.
#include "testutil/ws_client.hpp"

#include <deque>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#pragma GCC diagnostic pop

namespace skald::testutil {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bws = beast::websocket;
using tcp = asio::ip::tcp;

struct ws_client::impl {
  asio::io_context ioc;
  bws::stream<tcp::socket> ws{ioc};
  beast::flat_buffer buf;
  std::deque<std::string> messages;
  bool reading = false;
  bool done = false;
  int pings = 0;

  void arm() {
    if (reading || done)
      return;
    reading = true;
    ws.async_read(buf, [this](beast::error_code ec, std::size_t) {
      reading = false;
      if (ec) {
        done = true;
        return;
      }
      messages.push_back(beast::buffers_to_string(buf.data()));
      buf.consume(buf.size());
      arm();
    });
  }
};

ws_client::ws_client() : impl_(std::make_unique<impl>()) {}
ws_client::~ws_client() = default;

ws_client::connect_result ws_client::connect(uint16_t port, const std::string& target,
                                             const std::map<std::string, std::string>& headers) {
  connect_result out;
  std::unique_ptr<ws_client> c{new ws_client()};
  auto& im = *c->impl_;
  beast::error_code ec;
  im.ws.next_layer().connect(tcp::endpoint{asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) {
    out.body = ec.message();
    return out;
  }
  im.ws.set_option(bws::stream_base::decorator([headers](bws::request_type& req) {
    for (const auto& [k, v] : headers)
      req.set(k, v);
  }));
  bws::response_type res;
  im.ws.handshake(res, "127.0.0.1:" + std::to_string(port), target, ec);
  if (ec) {
    // Refused: ask again over plain HTTP with the same upgrade headers to
    // read the status and body the server answers instead of 101.
    tcp::socket s{im.ioc};
    s.connect(tcp::endpoint{asio::ip::make_address("127.0.0.1"), port}, ec);
    beast::http::request<beast::http::empty_body> req{beast::http::verb::get, target, 11};
    req.set(beast::http::field::host, "127.0.0.1:" + std::to_string(port));
    req.set(beast::http::field::connection, "Upgrade");
    req.set(beast::http::field::upgrade, "websocket");
    req.set(beast::http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
    req.set(beast::http::field::sec_websocket_version, "13");
    for (const auto& [k, v] : headers)
      req.set(k, v);
    beast::http::write(s, req, ec);
    beast::flat_buffer b;
    beast::http::response<beast::http::string_body> plain;
    beast::http::read(s, b, plain, ec);
    out.status = static_cast<int>(plain.result_int());
    out.body = plain.body();
    return out;
  }
  im.ws.control_callback([&im](bws::frame_type kind, beast::string_view) {
    if (kind == bws::frame_type::ping)
      ++im.pings;
  });
  out.status = 101;
  out.client = std::move(c);
  return out;
}

std::optional<std::string> ws_client::read(std::chrono::milliseconds timeout) {
  auto& im = *impl_;
  auto until = std::chrono::steady_clock::now() + timeout;
  im.arm();
  while (im.messages.empty() && !im.done) {
    auto now = std::chrono::steady_clock::now();
    if (now >= until)
      break;
    im.ioc.restart();
    im.ioc.run_one_for(until - now);
  }
  if (im.messages.empty())
    return std::nullopt;
  auto m = std::move(im.messages.front());
  im.messages.pop_front();
  return m;
}

bool ws_client::closed() const {
  return impl_->done;
}

uint16_t ws_client::close_code() const {
  return static_cast<uint16_t>(impl_->ws.reason().code);
}

std::string ws_client::close_reason() const {
  return std::string{impl_->ws.reason().reason.c_str()};
}

int ws_client::pings() const {
  return impl_->pings;
}

void ws_client::close() {
  auto& im = *impl_;
  if (im.done)
    return;
  im.ws.async_close(bws::close_code::normal, [](beast::error_code) {});
  im.arm();
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds{2};
  while (!im.done && std::chrono::steady_clock::now() < until) {
    im.ioc.restart();
    im.ioc.run_one_for(std::chrono::milliseconds{100});
  }
}

} // namespace skald::testutil
