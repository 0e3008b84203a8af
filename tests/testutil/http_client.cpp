#include "testutil/http_client.hpp"

#include <cctype>
#include <cstdio>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace skald::testutil {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

struct http_client::impl {
  uint16_t port;
  asio::io_context ioc;
  std::unique_ptr<beast::tcp_stream> stream;
  beast::flat_buffer buffer;

  bool connect() {
    stream = std::make_unique<beast::tcp_stream>(ioc);
    beast::error_code ec;
    stream->socket().connect({asio::ip::make_address("127.0.0.1"), port}, ec);
    if (ec) {
      stream.reset();
      return false;
    }
    stream->expires_never();
    buffer.clear();
    return true;
  }
};

http_client::http_client(uint16_t port) : impl_(std::make_unique<impl>()) {
  impl_->port = port;
}

http_client::~http_client() = default;

http_reply http_client::request(const std::string& method, const std::string& target,
                                const std::string& body,
                                const std::map<std::string, std::string>& headers) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!impl_->stream && !impl_->connect())
      return {};
    bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
    req.set(bhttp::field::host, "127.0.0.1");
    for (const auto& [k, v] : headers)
      req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    beast::error_code ec;
    bhttp::write(*impl_->stream, req, ec);
    if (ec) {
      impl_->stream.reset();
      continue;
    }
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(1ull << 30);
    bhttp::read(*impl_->stream, impl_->buffer, parser, ec);
    if (ec) {
      impl_->stream.reset();
      if (attempt == 0)
        continue;
      return {};
    }
    auto res = parser.release();
    http_reply out;
    out.status = static_cast<int>(res.result_int());
    out.body = std::move(res.body());
    for (const auto& f : res) {
      std::string name{f.name_string()};
      for (auto& c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = std::string{f.value()};
    }
    if (!res.keep_alive())
      impl_->stream.reset();
    return out;
  }
  return {};
}

http_reply wait_for_status_200(uint16_t port, const std::string& path,
                               std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  http_reply last;
  while (std::chrono::steady_clock::now() < deadline) {
    http_client c{port};
    last = c.get(path);
    if (last.status == 200)
      return last;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return last;
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

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

} // namespace skald::testutil
