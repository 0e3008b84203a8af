// The HTTP edge end to end: a real server on 127.0.0.1 (ephemeral port), a
// test router, and small synchronous Beast clients. No actor system needed.
// No sleeps: waits are on condition variables or on the server's own timers.
#include "actors/http/server.hpp"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <sys/socket.h>
#include <sys/time.h>

// Beast 1.74's parser trips GCC 12's -Wmaybe-uninitialized under sanitizers
// (see actors/http/session.hpp).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#pragma GCC diagnostic pop
#include <gtest/gtest.h>

#include "actors/http/metrics_handler.hpp"
#include "actors/http/request.hpp"
#include "actors/http/responder.hpp"
#include "actors/http/router.hpp"
#include "runtime/metrics/registry.hpp"

namespace skald::http {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using client_response = bhttp::response<bhttp::string_body>;

// A blocking HTTP/1.1 client on one connection.
class client {
public:
  explicit client(uint16_t port) : sock_(ioc_) {
    sock_.connect({asio::ip::make_address("127.0.0.1"), port});
  }

  client_response call(bhttp::verb method, const std::string& target, std::string body = {},
                       const std::string& content_type = {}) {
    send(method, target, std::move(body), content_type);
    return receive(method == bhttp::verb::head);
  }

  void send(bhttp::verb method, const std::string& target, std::string body = {},
            const std::string& content_type = {}) {
    bhttp::request<bhttp::string_body> req{method, target, 11};
    req.set(bhttp::field::host, "127.0.0.1");
    if (!content_type.empty())
      req.set(bhttp::field::content_type, content_type);
    req.body() = std::move(body);
    req.prepare_payload();
    bhttp::write(sock_, req);
  }

  /// `head`: the answer to a HEAD request (headers only, whatever the
  /// Content-Length says).
  client_response receive(bool head = false) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.skip(head);
    bhttp::read(sock_, buf_, parser);
    return parser.release();
  }

  void write_raw(const std::string& bytes) { asio::write(sock_, asio::buffer(bytes)); }

  /// Everything until the server closes (already buffered bytes first).
  std::string read_to_eof() {
    std::string out{static_cast<const char*>(buf_.data().data()), buf_.size()};
    buf_.consume(buf_.size());
    boost::system::error_code ec;
    char chunk[4096];
    for (;;) {
      auto n = sock_.read_some(asio::buffer(chunk), ec);
      out.append(chunk, n);
      if (ec)
        break;
    }
    return out;
  }

  tcp::socket& socket() { return sock_; }

private:
  asio::io_context ioc_;
  tcp::socket sock_;
  boost::beast::flat_buffer buf_;
};

// One deferred request: the handler parks its responder here.
struct parked {
  std::mutex mtx;
  std::condition_variable cv;
  std::optional<responder> r;

  void put(responder x) {
    std::lock_guard<std::mutex> guard{mtx};
    r.emplace(std::move(x));
    cv.notify_all();
  }
  responder wait() {
    std::unique_lock<std::mutex> guard{mtx};
    EXPECT_TRUE(cv.wait_for(guard, std::chrono::seconds{5}, [this] { return r.has_value(); }));
    return *r;
  }
};

class http_server : public testing::Test {
protected:
  void start(server_options opts = {}) {
    auto routes = std::make_shared<router>();
    routes->get("/ready", [](request&, responder r) { r.send(response::text(200, "ready\n")); });
    routes->handle({"GET", "POST"}, "/params", [](request& req, responder r) {
      std::string out;
      for (auto& [k, v] : req.params)
        out += k + "=" + v + "\n";
      r.send(response::text(200, std::move(out)));
    });
    routes->post("/echo", [](request& req, responder r) {
      r.send(response::text(200, std::move(req.body)));
    });
    routes->get("/loki/api/v1/label/{name}/values", [](request& req, responder r) {
      r.send(response::json(200, "[\"" + std::string{req.path_param("name")} + "\"]"));
    });
    routes->get("/slow", [this](request&, responder r) { slow_.put(std::move(r)); });
    routes->handle({"HEAD", "POST"}, "/nocontent",
                   [](request&, responder r) { r.send(response::empty(204)); });
    // Holds the I/O thread that runs it until release_block().
    routes->get("/block", [this](request&, responder r) {
      std::unique_lock<std::mutex> guard{block_mtx_};
      block_entered_ = true;
      block_cv_.notify_all();
      block_cv_.wait(guard, [this] { return block_released_; });
      r.send(response::text(200, "unblocked\n"));
    });
    routes->get("/drop", [](request&, responder) {});
    routes->get("/metrics", metrics_handler(reg_));
    routes->get("/throw", [](request&, responder) -> void { throw std::runtime_error("boom"); });
    opts.address = "127.0.0.1";
    opts.port = 0;
    if (opts.threads == 0)
      opts.threads = 1; // one I/O thread: proves handlers never hold it
    srv_.emplace(opts, routes, reg_);
    auto st = srv_->start();
    ASSERT_TRUE(st.ok()) << st.to_string();
    ASSERT_NE(srv_->port(), 0);
  }

  void TearDown() override {
    if (srv_)
      srv_->stop();
  }

  uint16_t port() const { return srv_->port(); }

  void wait_block_entered() {
    std::unique_lock<std::mutex> guard{block_mtx_};
    ASSERT_TRUE(
        block_cv_.wait_for(guard, std::chrono::seconds{5}, [this] { return block_entered_; }));
  }
  void release_block() {
    std::lock_guard<std::mutex> guard{block_mtx_};
    block_released_ = true;
    block_cv_.notify_all();
  }

  std::mutex block_mtx_;
  std::condition_variable block_cv_;
  bool block_entered_ = false;
  bool block_released_ = false;

  metrics::registry reg_;
  parked slow_;
  std::optional<server> srv_;
};

TEST_F(http_server, answers_a_registered_route) {
  start();
  client c{port()};
  auto res = c.call(bhttp::verb::get, "/ready");
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res.body(), "ready\n");
  EXPECT_EQ(res[bhttp::field::content_type], "text/plain; charset=utf-8");
}

TEST_F(http_server, unknown_path_is_404_with_go_text) {
  start();
  client c{port()};
  auto res = c.call(bhttp::verb::get, "/nope");
  EXPECT_EQ(res.result_int(), 404u);
  EXPECT_EQ(res.body(), "404 page not found\n");
}

TEST_F(http_server, wrong_method_is_405_with_allow) {
  start();
  client c{port()};
  auto res = c.call(bhttp::verb::delete_, "/params");
  EXPECT_EQ(res.result_int(), 405u);
  EXPECT_EQ(res[bhttp::field::allow], "GET, POST");
}

TEST_F(http_server, head_answer_has_headers_but_no_body) {
  start();
  client c{port()};
  auto routes_head = c.call(bhttp::verb::head, "/ready"); // GET-only route: 405
  EXPECT_EQ(routes_head.result_int(), 405u);
  // The connection stays in sync: the 405 carried no body bytes.
  auto res = c.call(bhttp::verb::get, "/ready");
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res.body(), "ready\n");
}

TEST_F(http_server, pattern_route_passes_path_param) {
  start();
  client c{port()};
  auto res = c.call(bhttp::verb::get, "/loki/api/v1/label/app/values");
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res.body(), "[\"app\"]");
  EXPECT_EQ(res[bhttp::field::content_type], "application/json; charset=utf-8");
}

TEST_F(http_server, decodes_query_params_and_keeps_repeated_keys) {
  start();
  client c{port()};
  auto res = c.call(bhttp::verb::get,
                    "/params?query=%7Bapp%3D%22x%22%7D+%7C%3D+%22a+b%22&match[]=a&match%5B%5D=b");
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res.body(), "query={app=\"x\"} |= \"a b\"\nmatch[]=a\nmatch[]=b\n");
  auto bad = c.call(bhttp::verb::get, "/params?x=%zz");
  EXPECT_EQ(bad.result_int(), 400u);
  EXPECT_EQ(bad.body(), "invalid URL escape \"%zz\"\n");
}

TEST_F(http_server, merges_form_post_params_before_query_params) {
  start();
  client c{port()};
  auto res = c.call(bhttp::verb::post, "/params?q=from_url", "q=from_body&limit=%31%30",
                    "application/x-www-form-urlencoded");
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res.body(), "q=from_body\nlimit=10\nq=from_url\n");
  // Other content types leave the body alone.
  res = c.call(bhttp::verb::post, "/params?q=u", "q=b", "text/plain");
  EXPECT_EQ(res.body(), "q=u\n");
}

TEST_F(http_server, keeps_the_connection_alive_across_requests) {
  start();
  client c{port()};
  auto local = c.socket().local_endpoint();
  for (int i = 0; i < 3; ++i) {
    auto res = c.call(bhttp::verb::post, "/echo", "body " + std::to_string(i));
    EXPECT_EQ(res.result_int(), 200u);
    EXPECT_EQ(res.body(), "body " + std::to_string(i));
    EXPECT_TRUE(res.keep_alive());
  }
  EXPECT_EQ(c.socket().local_endpoint(), local);
}

TEST_F(http_server, answers_pipelined_requests_in_order) {
  start();
  client c{port()};
  c.write_raw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nfirst"
              "GET /ready HTTP/1.1\r\nHost: x\r\n\r\n"
              "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nthird");
  EXPECT_EQ(c.receive().body(), "first");
  EXPECT_EQ(c.receive().body(), "ready\n");
  EXPECT_EQ(c.receive().body(), "third");
}

TEST_F(http_server, oversized_body_is_413_and_the_server_keeps_serving) {
  server_options opts;
  opts.max_request_body_size = 1024;
  start(opts);
  {
    client c{port()};
    auto res = c.call(bhttp::verb::post, "/echo", std::string(4096, 'x'));
    EXPECT_EQ(res.result_int(), 413u);
    EXPECT_EQ(res.body(), "request body too large\n");
    EXPECT_FALSE(res.keep_alive());
  }
  client c{port()};
  EXPECT_EQ(c.call(bhttp::verb::post, "/echo", std::string(1024, 'y')).result_int(), 200u);
}

TEST_F(http_server, chunked_body_over_the_limit_is_413) {
  server_options opts;
  opts.max_request_body_size = 16;
  start(opts);
  client c{port()};
  c.write_raw("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
              "10\r\n0123456789abcdef\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n");
  EXPECT_EQ(c.receive().result_int(), 413u);
}

TEST_F(http_server, bodies_arrive_whole_in_chunks_pieces_and_across_requests) {
  // The request body reader appends what each read delivers (request_body.hpp):
  // a chunked body, a large body written in pieces, and a shorter body after
  // a longer one on the same connection all come back byte for byte.
  start();
  client c{port()};
  c.write_raw("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
              "5\r\nhello\r\n1\r\n,\r\n6\r\n world\r\n0\r\n\r\n");
  auto res = c.receive();
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res.body(), "hello, world");
  std::string big;
  for (int i = 0; big.size() < 300000; ++i)
    big += std::to_string(i) + ' ';
  c.write_raw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(big.size()) +
              "\r\n\r\n");
  for (size_t off = 0; off < big.size(); off += 70001)
    c.write_raw(big.substr(off, 70001));
  res = c.receive();
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res.body(), big);
  EXPECT_EQ(c.call(bhttp::verb::post, "/echo", "short").body(), "short");
}

TEST_F(http_server, sends_100_continue_before_reading_the_body) {
  start();
  client c{port()};
  c.write_raw("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
              "Expect: 100-continue\r\n\r\n");
  const std::string want = "HTTP/1.1 100 Continue\r\n\r\n";
  std::string interim(want.size(), '\0');
  asio::read(c.socket(), asio::buffer(interim));
  EXPECT_EQ(interim, want);
  c.write_raw("hello");
  auto res = c.receive();
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res.body(), "hello");
}

TEST_F(http_server, responder_completes_from_another_thread_while_the_io_thread_stays_free) {
  start(); // one I/O thread
  client slow{port()};
  slow.send(bhttp::verb::get, "/slow");
  responder r = slow_.wait(); // the handler has returned; the request is pending

  client fast{port()};
  EXPECT_EQ(fast.call(bhttp::verb::get, "/ready").result_int(), 200u);
  EXPECT_EQ(reg_.gauge("loki_inflight_requests", "", {"method", "route"})
              .with({"GET", "slow"})
              .value(),
            1.0);

  EXPECT_FALSE(r.sent());
  std::thread completer{[r] {
    r.send(response::text(202, "late"));
    r.send(response::text(500, "ignored")); // only the first send counts
  }};
  completer.join();
  EXPECT_TRUE(r.sent());
  auto res = slow.receive();
  EXPECT_EQ(res.result_int(), 202u);
  EXPECT_EQ(res.body(), "late");
  // The connection stays usable.
  EXPECT_EQ(slow.call(bhttp::verb::get, "/ready").result_int(), 200u);
}

// The direct 204 (actors/http/session.hpp, invariant 5).
constexpr std::string_view bare_204 = "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n";

/// Exactly n bytes from c's socket, or what came within 5 s (a plain
/// recv(2) under SO_RCVTIMEO, so a missing answer fails instead of hanging).
std::string recv_for_5s(client& c, std::size_t n) {
  int fd = c.socket().native_handle();
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string out;
  char buf[512];
  while (out.size() < n) {
    auto got = ::recv(fd, buf, std::min(sizeof buf, n - out.size()), 0);
    if (got <= 0)
      break;
    out.append(buf, static_cast<std::size_t>(got));
  }
  timeval off{0, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &off, sizeof off);
  return out;
}

TEST_F(http_server, a_bare_204_is_written_by_the_sending_thread_while_the_io_thread_is_busy) {
  start(); // one I/O thread
  client c{port()};
  c.send(bhttp::verb::get, "/slow");
  responder r = slow_.wait();
  client blocker{port()};
  blocker.send(bhttp::verb::get, "/block");
  wait_block_entered(); // the only I/O thread cannot write anything now

  std::thread completer{[r] { r.send(response::empty(204)); }};
  completer.join();
  // Byte for byte what the strand writes for response::empty(204).
  EXPECT_EQ(recv_for_5s(c, bare_204.size()), bare_204);

  release_block();
  EXPECT_EQ(blocker.receive().body(), "unblocked\n");
  // The connection goes on, and the 204 was counted like any answer.
  EXPECT_EQ(c.call(bhttp::verb::get, "/ready").result_int(), 200u);
  auto text = reg_.render();
  EXPECT_NE(text.find("loki_request_duration_seconds_count{method=\"GET\",route=\"slow\","
                      "status_code=\"204\",ws=\"false\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("loki_inflight_requests{method=\"GET\",route=\"slow\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("loki_response_message_bytes_count{method=\"GET\",route=\"slow\"} 1\n"),
            std::string::npos);
}

TEST_F(http_server, pipelined_204s_answered_inline_keep_their_order) {
  start();
  client c{port()};
  c.write_raw("POST /nocontent HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\na"
              "POST /nocontent HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nb"
              "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nthird");
  EXPECT_EQ(recv_for_5s(c, 2 * bare_204.size()), std::string{bare_204} + std::string{bare_204});
  EXPECT_EQ(c.receive().body(), "third");
}

TEST_F(http_server, other_204s_go_through_the_strand_unchanged) {
  start();
  {
    // HTTP/1.0 keep-alive: the strand adds Connection: keep-alive.
    client c{port()};
    c.write_raw("POST /nocontent HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n"
                "Content-Length: 1\r\n\r\na");
    std::string want = "HTTP/1.0 204 No Content\r\nConnection: keep-alive\r\n"
                       "Content-Length: 0\r\n\r\n";
    EXPECT_EQ(recv_for_5s(c, want.size()), want);
    EXPECT_EQ(c.call(bhttp::verb::get, "/ready").result_int(), 200u);
  }
  {
    // Connection: close: answered, then closed.
    client c{port()};
    c.write_raw("POST /nocontent HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                "Content-Length: 1\r\n\r\na");
    EXPECT_EQ(c.read_to_eof(),
              "HTTP/1.1 204 No Content\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
  }
  {
    client c{port()};
    auto res = c.call(bhttp::verb::head, "/nocontent");
    EXPECT_EQ(res.result_int(), 204u);
    EXPECT_TRUE(res.keep_alive());
    EXPECT_EQ(c.call(bhttp::verb::get, "/ready").result_int(), 200u);
  }
}

TEST_F(http_server, a_204_for_a_client_that_left_is_harmless) {
  start();
  {
    client c{port()};
    c.send(bhttp::verb::get, "/slow");
    responder r = slow_.wait();
    c.socket().close();
    std::thread completer{[r] { r.send(response::empty(204)); }};
    completer.join();
    EXPECT_TRUE(r.sent());
  }
  client next{port()};
  EXPECT_EQ(next.call(bhttp::verb::get, "/ready").result_int(), 200u);
}

TEST_F(http_server, dropped_responder_answers_500) {
  start();
  client c{port()};
  auto res = c.call(bhttp::verb::get, "/drop");
  EXPECT_EQ(res.result_int(), 500u);
  EXPECT_EQ(res.body(), "handler dropped the request without a response\n");
}

TEST_F(http_server, throwing_handler_answers_500_with_the_message) {
  start();
  client c{port()};
  auto res = c.call(bhttp::verb::get, "/throw");
  EXPECT_EQ(res.result_int(), 500u);
  EXPECT_EQ(res.body(), "boom\n");
}

TEST_F(http_server, garbage_gets_400_and_close_and_the_server_still_answers) {
  start();
  {
    client c{port()};
    c.write_raw("\x01\x02\x03 garbage \xff\r\n\r\n");
    auto text = c.read_to_eof();
    EXPECT_EQ(text.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << text;
    EXPECT_NE(text.find("\r\n\r\n400 Bad Request"), std::string::npos) << text;
  }
  client c{port()};
  EXPECT_EQ(c.call(bhttp::verb::get, "/ready").result_int(), 200u);
}

TEST_F(http_server, closes_a_slow_client_after_the_read_timeout) {
  server_options opts;
  opts.read_timeout = std::chrono::milliseconds{200};
  start(opts);
  client c{port()};
  c.write_raw("GET /ready HTTP/1.1\r\nHost: x\r\n"); // never finishes the header
  auto begin = std::chrono::steady_clock::now();
  EXPECT_EQ(c.read_to_eof(), "");
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds{5});
}

TEST_F(http_server, closes_an_idle_keep_alive_connection) {
  server_options opts;
  opts.idle_timeout = std::chrono::milliseconds{200};
  start(opts);
  client c{port()};
  EXPECT_EQ(c.call(bhttp::verb::get, "/ready").result_int(), 200u);
  EXPECT_EQ(c.read_to_eof(), "");
}

TEST_F(http_server, stop_returns_promptly_with_an_idle_keep_alive_connection) {
  start();
  client c{port()};
  EXPECT_EQ(c.call(bhttp::verb::get, "/ready").result_int(), 200u);
  client pending{port()};
  pending.send(bhttp::verb::get, "/slow");
  responder r = slow_.wait();
  auto begin = std::chrono::steady_clock::now();
  srv_->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::milliseconds{1000});
  EXPECT_EQ(c.read_to_eof(), "");
  r.send(response::text(200, "too late")); // a no-op after stop
  EXPECT_EQ(pending.read_to_eof(), "");
  srv_->stop(); // idempotent
}

TEST_F(http_server, records_loki_request_metrics) {
  start();
  client c{port()};
  EXPECT_EQ(c.call(bhttp::verb::get, "/ready").result_int(), 200u);
  EXPECT_EQ(c.call(bhttp::verb::get, "/nope").result_int(), 404u);
  auto text = reg_.render();
  EXPECT_NE(text.find("# TYPE loki_request_duration_seconds histogram\n"), std::string::npos);
  EXPECT_NE(text.find("loki_request_duration_seconds_count{method=\"GET\",route=\"ready\","
                      "status_code=\"200\",ws=\"false\"} 1\n"),
            std::string::npos)
    << text;
  EXPECT_NE(text.find("loki_request_duration_seconds_count{method=\"GET\",route=\"notfound\","
                      "status_code=\"404\",ws=\"false\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("loki_inflight_requests{method=\"GET\",route=\"ready\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("loki_tcp_connections{protocol=\"http\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("loki_response_message_bytes_count{method=\"GET\",route=\"ready\"} 1\n"),
            std::string::npos);

  auto page = c.call(bhttp::verb::get, "/metrics");
  EXPECT_EQ(page.result_int(), 200u);
  EXPECT_EQ(page[bhttp::field::content_type], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(page.body().find("loki_request_duration_seconds_bucket{method=\"GET\",route=\"ready\","
                             "status_code=\"200\",ws=\"false\",le=\"+Inf\"} 1\n"),
            std::string::npos)
    << page.body();
}

TEST_F(http_server, start_reports_bind_errors) {
  start();
  server_options opts;
  opts.address = "127.0.0.1";
  opts.port = port();
  server other{opts, std::make_shared<router>(), reg_};
  auto st = other.start();
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.code(), errc::io_error);
  EXPECT_NE(st.message().find("bind"), std::string::npos) << st.message();
  opts.address = "not-an-ip";
  server bad{opts, std::make_shared<router>(), reg_};
  EXPECT_EQ(bad.start().code(), errc::invalid_argument);
}

TEST_F(http_server, serves_on_several_io_threads) {
  server_options opts;
  opts.threads = 2;
  start(opts);
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t)
    clients.emplace_back([&] {
      client c{port()};
      for (int i = 0; i < 50; ++i)
        if (c.call(bhttp::verb::post, "/echo", "x").body() == "x")
          ++ok;
    });
  for (auto& t : clients)
    t.join();
  EXPECT_EQ(ok.load(), 200);
}

} // namespace
} // namespace skald::http
