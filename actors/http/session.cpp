#include "actors/http/session.hpp"

#include <algorithm>
#include <charconv>
#include <exception>
#include <iterator>
#include <sstream>
#include <string_view>

#include <sys/socket.h>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "actors/http/responder.hpp"
#include "runtime/metrics/registry.hpp"
#include "runtime/util/logging.hpp"

namespace skald::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::system::error_code;

// ---- responder ----

void responder::send(response res) const {
  ex_->send(std::move(res));
}

bool responder::sent() const noexcept {
  return ex_->sent();
}

namespace detail {

namespace {

constexpr std::string_view continue_100 = "HTTP/1.1 100 Continue\r\n\r\n";

// Method label for metrics: the standard methods as sent, anything else
// "OTHER", so a client cannot grow the label set without bound.
std::string method_label(std::string_view m) {
  static constexpr std::string_view known[] = {"GET",    "POST",    "PUT",     "DELETE", "HEAD",
                                               "PATCH",  "OPTIONS", "CONNECT", "TRACE"};
  for (auto k : known)
    if (k == m)
      return std::string{k};
  return "OTHER";
}

bool is_form_method(std::string_view m) {
  return m == "POST" || m == "PUT" || m == "PATCH";
}

} // namespace

// ---- server_state ----

server_state::server_state(server_options options, std::shared_ptr<const router> r,
                           metrics::registry& reg)
  : opts(std::move(options)),
    routes(std::move(r)),
    duration(reg.histogram("loki_request_duration_seconds",
                           "Time (in seconds) spent serving HTTP requests.",
                           {"method", "route", "status_code", "ws"},
                           metrics::default_duration_buckets())),
    inflight(reg.gauge("loki_inflight_requests", "Current number of inflight requests.",
                       {"method", "route"})),
    request_bytes(reg.histogram("loki_request_message_bytes",
                                "Size (in bytes) of messages received in the request.",
                                {"method", "route"},
                                {1 << 20, 2.5 * (1 << 20), 5 << 20, 10 << 20, 25 << 20,
                                 50 << 20, 100 << 20, 250 << 20})),
    response_bytes(reg.histogram("loki_response_message_bytes",
                                 "Size (in bytes) of messages sent in response.",
                                 {"method", "route"},
                                 {1 << 20, 2.5 * (1 << 20), 5 << 20, 10 << 20, 25 << 20,
                                  50 << 20, 100 << 20, 250 << 20})),
    connections(reg.gauge("loki_tcp_connections", "Current number of accepted TCP connections.",
                          {"protocol"})
                  .with({"http"})),
    log(skald::log::get("http")) {
}

void server_state::add(const std::shared_ptr<session>& s) {
  std::lock_guard<std::mutex> guard{mtx_};
  sessions_.emplace(s.get(), s);
}

void server_state::remove(const session* s) {
  std::lock_guard<std::mutex> guard{mtx_};
  sessions_.erase(s);
}

std::vector<std::shared_ptr<session>> server_state::snapshot() {
  std::vector<std::shared_ptr<session>> res;
  std::lock_guard<std::mutex> guard{mtx_};
  res.reserve(sessions_.size());
  for (auto& [ptr, weak] : sessions_)
    if (auto s = weak.lock())
      res.push_back(std::move(s));
  return res;
}

// ---- exchange ----

exchange::~exchange() {
  if (!sent())
    send(response::error(500, "handler dropped the request without a response"));
}

void exchange::send(response&& res) {
  if (sent_.exchange(true, std::memory_order_acq_rel))
    return;
  std::shared_lock<std::shared_mutex> guard{gate_->mtx};
  if (!gate_->open)
    return;
  // Declared after the guard: the session reference is released before the
  // gate opens for the server again (invariant 4).
  if (auto s = session_.lock())
    s->post_response(std::move(res));
}

// ---- session ----

session::session(tcp::socket socket, server_state& state)
  : socket_(std::move(socket)), timer_(socket_.get_executor()), state_(state) {
  error_code ec;
  auto ep = socket_.remote_endpoint(ec);
  if (!ec) {
    remote_address_ = ep.address().to_string();
    remote_port_ = ep.port();
  }
}

session::~session() {
  if (!closed_) {
    state_.connections.dec();
    if (awaiting_ && inflight_ != nullptr)
      inflight_->dec();
  }
  state_.remove(this);
}

void session::start() {
  state_.add(shared_from_this());
  state_.connections.inc();
  asio::post(socket_.get_executor(), [self = shared_from_this()] { self->next_request(true); });
}

void session::close() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] { self->do_close(); });
}

namespace {

/// The wire message for `res` (its body moved in); true if the status has
/// no body. write_response() and direct_204() both build theirs here.
bool fill_message(bhttp::response<bhttp::string_body>& out, response& res, unsigned version,
                  bool keep_alive) {
  out.version(version);
  out.result(res.status);
  if (!res.content_type.empty())
    out.set(bhttp::field::content_type, res.content_type);
  for (auto& [name, value] : res.headers)
    out.insert(name, value);
  bool bodyless = res.status / 100 == 1 || res.status == 204 || res.status == 304;
  if (!bodyless)
    out.body() = std::move(res.body);
  out.keep_alive(keep_alive);
  out.prepare_payload();
  return bodyless;
}

/// What write_response() sends for response::empty(204) to an HTTP/1.1
/// keep-alive request, byte for byte (serialized once, by Beast).
std::string_view direct_204() {
  static const std::string bytes = [] {
    bhttp::response<bhttp::string_body> msg;
    auto res = response::empty(204);
    fill_message(msg, res, 11, true);
    std::ostringstream os;
    os << msg;
    return os.str();
  }();
  return bytes;
}

bool is_bare_204(const response& res) {
  return res.status == 204 && !res.close && !res.upgrade && res.headers.empty() &&
         res.content_type.empty() && res.body.empty();
}

} // namespace

bool session::try_direct(const response& res) {
  if (!is_bare_204(res))
    return false;
  std::size_t written = 0;
  std::chrono::steady_clock::duration elapsed{};
  {
    std::lock_guard<std::mutex> guard{direct_mtx_};
    if (!direct_ok_)
      return false;
    // Nothing else uses the socket now: the strand waits for this answer
    // (invariant 2) and do_close() waits for the mutex (invariant 5).
    const auto bytes = direct_204();
    ssize_t n =
        ::send(socket_.native_handle(), bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n <= 0)
      return false; // EAGAIN or an error: the strand's write handles it
    direct_ok_ = false;
    written = static_cast<std::size_t>(n);
    elapsed = std::chrono::steady_clock::now() - start_;
  }
  asio::post(socket_.get_executor(), [self = shared_from_this(), elapsed, written] {
    self->on_direct_sent(elapsed, written);
  });
  return true;
}

void session::on_direct_sent(std::chrono::steady_clock::duration elapsed, std::size_t written) {
  if (closed_ || !awaiting_)
    return; // do_close() did the bookkeeping
  awaiting_ = false;
  auto keep = std::move(self_while_pending_); // released when this returns
  record_answer(204, 0, elapsed);
  if (const auto bytes = direct_204(); written < bytes.size()) {
    arm_timer(state_.opts.write_timeout);
    asio::async_write(
        socket_, asio::buffer(bytes.data() + written, bytes.size() - written),
        [self = shared_from_this()](error_code ec, std::size_t) { self->on_write(ec, true); });
    return;
  }
  next_request(false);
}

void session::post_response(response&& res) {
  if (try_direct(res))
    return;
  asio::post(socket_.get_executor(), [self = shared_from_this(), res = std::move(res)]() mutable {
    self->on_response(std::move(res));
  });
}

void session::arm_timer(std::chrono::milliseconds d) {
  ++timer_gen_;
  timer_.expires_after(d);
  timer_.async_wait([self = shared_from_this(), gen = timer_gen_](error_code ec) {
    if (ec || gen != self->timer_gen_ || self->closed_)
      return;
    SKALD_LOG_DEBUG(self->state_.log, "closing connection from {}:{} on timeout",
                    self->remote_address_, self->remote_port_);
    self->do_close();
  });
}

void session::disarm_timer() {
  ++timer_gen_;
  timer_.cancel();
}

void session::next_request(bool first) {
  if (closed_)
    return;
  if (buffer_.size() > 0) {
    read_header(); // pipelined bytes are already here
    return;
  }
  // Wait for the first byte under the idle timeout (or, on a new connection,
  // the read timeout); then the whole request must arrive within read_timeout.
  arm_timer(first ? state_.opts.read_timeout : state_.opts.idle_timeout);
  socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](error_code ec) {
    if (self->closed_)
      return;
    if (ec)
      return self->do_close();
    self->read_header();
  });
}

void session::read_header() {
  arm_timer(state_.opts.read_timeout);
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(
    std::min<std::size_t>(state_.opts.max_header_bytes, UINT32_MAX)));
  parser_->body_limit(static_cast<std::uint64_t>(state_.opts.max_request_body_size));
  bhttp::async_read_header(socket_, buffer_, *parser_,
                           [self = shared_from_this()](error_code ec, std::size_t) {
                             self->on_header(ec);
                           });
}

void session::on_header(error_code ec) {
  if (closed_)
    return;
  if (ec)
    return on_read_error(ec);
  start_ = std::chrono::steady_clock::now();
  if (parser_->is_done())
    return dispatch();
  auto& msg = parser_->get();
  auto expect = msg[bhttp::field::expect];
  if (iequals(expect, "100-continue")) {
    asio::async_write(socket_, asio::buffer(continue_100.data(), continue_100.size()),
                      [self = shared_from_this()](error_code ec, std::size_t) {
                        if (self->closed_)
                          return;
                        if (ec)
                          return self->do_close();
                        self->read_body();
                      });
    return;
  }
  read_body();
}

void session::read_body() {
  // Beast reads at most the buffer's free capacity per recv (at least 512
  // bytes): without room, an 80 KB push body took ~27 recv calls. Large
  // bodies get up to 64 KiB per call (kept for the connection's next bodies).
  constexpr std::size_t max_read = 65536;
  if (auto len = parser_->content_length(); len && *len > buffer_.capacity() - buffer_.size())
    buffer_.reserve(buffer_.size() +
                    static_cast<std::size_t>(std::min<std::uint64_t>(*len, max_read)));
  bhttp::async_read(socket_, buffer_, *parser_,
                    [self = shared_from_this()](error_code ec, std::size_t) {
                      if (self->closed_)
                        return;
                      if (ec)
                        return self->on_read_error(ec);
                      self->dispatch();
                    });
}

void session::on_read_error(error_code ec) {
  // Answers the client where HTTP says so (Go's texts), else just closes.
  keep_alive_ = false;
  head_request_ = false;
  version_ = 11;
  if (ec == bhttp::error::body_limit) {
    write_response(response::error(413, "request body too large"), false);
  } else if (ec == bhttp::error::header_limit) {
    write_response(response::text(431, "431 Request Header Fields Too Large"), false);
  } else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category()
             && ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
    SKALD_LOG_DEBUG(state_.log, "bad request from {}:{}: {}", remote_address_, remote_port_,
                    ec.message());
    write_response(response::text(400, "400 Bad Request"), false);
  } else {
    do_close();
  }
}

void session::dispatch() {
  disarm_timer();
  auto msg = parser_->release();
  parser_.reset();
  version_ = msg.version();
  keep_alive_ = msg.keep_alive();
  head_request_ = msg.method() == bhttp::verb::head;

  request req;
  req.method = std::string{msg.method_string()};
  req.target = std::string{msg.target()};
  std::string_view target = req.target;
  // absolute-form (proxies): drop scheme and authority.
  if (auto scheme = target.find("://"); scheme != std::string_view::npos && target.front() != '/') {
    auto slash = target.find('/', scheme + 3);
    target = slash == std::string_view::npos ? std::string_view{"/"} : target.substr(slash);
  }
  auto qmark = target.find('?');
  if (qmark != std::string_view::npos)
    req.query = std::string{target.substr(qmark + 1)};
  if (!url_decode(target.substr(0, qmark), false, req.path).ok() || req.path.empty()) {
    keep_alive_ = false;
    return write_response(response::text(400, "400 Bad Request"), false);
  }
  ws_req_.reset();
  if (beast::websocket::is_upgrade(msg))
    ws_req_.emplace(msg);
  req.headers.reserve(static_cast<std::size_t>(std::distance(msg.begin(), msg.end())));
  for (auto& f : msg)
    req.headers.emplace_back(std::string{f.name_string()}, std::string{f.value()});
  req.body = std::move(msg.body());
  req.remote_address = remote_address_;
  req.remote_port = remote_port_;

  auto m = state_.routes->find(req.method, req.path, req.path_params);
  req.route = std::string{m.route};
  begin_request(req, m);

  // Go's r.ParseForm(): body params first (form POSTs), then the query's.
  status parsed;
  if (is_form_method(req.method)
      && media_type(req.header("Content-Type")) == "application/x-www-form-urlencoded")
    parsed = parse_query(req.body, req.params);
  if (status st = parse_query(req.query, req.params); parsed.ok())
    parsed = std::move(st);

  responder r{std::make_shared<exchange>(weak_from_this(), state_.responses_gate)};
  if (m.status == 404) {
    r.send(response::error(404, "404 page not found"));
  } else if (m.status == 405) {
    auto res = response::error(405, "405 method not allowed");
    res.headers.emplace_back("Allow", std::move(m.allow));
    r.send(std::move(res));
  } else if (!parsed.ok()) {
    r.send(response::error(400, parsed.message()));
  } else {
    try {
      (*m.target)(req, r);
    } catch (const std::exception& e) {
      SKALD_LOG_WARN(state_.log, "handler for {} {} threw: {}", req.method, req.path, e.what());
      r.send(response::error(500, e.what()));
    } catch (...) {
      r.send(response::error(500, "internal error"));
    }
  }
}

void session::begin_request(request& req, const router::match& m) {
  method_label_ = method_label(req.method);
  route_label_ = std::string{m.route};
  target_ = req.target;
  inflight_ = &state_.inflight.with({method_label_, route_label_});
  inflight_->inc();
  state_.request_bytes.with({method_label_, route_label_})
    .observe(static_cast<double>(req.body.size()));
  awaiting_ = true;
  self_while_pending_ = shared_from_this();
  std::lock_guard<std::mutex> guard{direct_mtx_};
  direct_ok_ = version_ == 11 && keep_alive_ && !head_request_ && !ws_req_;
}

void session::on_response(response res) {
  if (closed_ || !awaiting_)
    return;
  {
    std::lock_guard<std::mutex> guard{direct_mtx_};
    direct_ok_ = false;
  }
  awaiting_ = false;
  auto keep = std::move(self_while_pending_); // released when this returns
  if (res.upgrade)
    return start_websocket(std::move(res.upgrade));
  write_response(std::move(res), true);
}

void session::record_answer(unsigned status, std::size_t body_size,
                            std::chrono::steady_clock::duration elapsed) {
  auto seconds = std::chrono::duration<double>(elapsed);
  char code[16];
  auto end = std::to_chars(code, code + sizeof(code), status).ptr;
  state_.duration
    .with({method_label_, route_label_, std::string_view{code, size_t(end - code)}, "false"})
    .observe(seconds.count());
  state_.response_bytes.with({method_label_, route_label_})
    .observe(static_cast<double>(body_size));
  inflight_->dec();
  inflight_ = nullptr;
  SKALD_LOG_DEBUG(state_.log, "{} {} {} {}:{} {}us {} bytes", method_label_, target_, status,
                  remote_address_, remote_port_, static_cast<long long>(seconds.count() * 1e6),
                  body_size);
}

void session::write_response(response res, bool metered) {
  auto& out = res_.emplace();
  const bool keep_alive = keep_alive_ && !res.close;
  const bool bodyless = fill_message(out, res, version_, keep_alive);
  const std::size_t body_size = out.body().size();
  if (head_request_ && !bodyless) {
    // HEAD: the headers of the full answer, no body bytes on the wire.
    out.body().clear();
    out.content_length(body_size);
  }

  if (metered)
    record_answer(res.status, body_size, std::chrono::steady_clock::now() - start_);

  arm_timer(state_.opts.write_timeout);
  bhttp::async_write(socket_, out,
                     [self = shared_from_this(), keep_alive](error_code ec, std::size_t) {
                       self->on_write(ec, keep_alive);
                     });
}

void session::on_write(error_code ec, bool keep_alive) {
  if (closed_)
    return;
  disarm_timer();
  res_.reset();
  if (ec)
    return do_close();
  if (!keep_alive)
    return linger_close();
  next_request(false);
}

void session::linger_close() {
  // Half-close, then read and discard until the client closes (or a short
  // timeout): closing with unread request bytes would send an RST that can
  // destroy the response we just wrote (the 413 case).
  error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
  if (ec)
    return do_close();
  arm_timer(std::min(state_.opts.read_timeout, std::chrono::milliseconds{1000}));
  buffer_.clear();
  drain();
}

void session::drain() {
  socket_.async_read_some(buffer_.prepare(4096),
                          [self = shared_from_this()](error_code ec, std::size_t) {
                            if (self->closed_)
                              return;
                            if (ec)
                              return self->do_close();
                            self->buffer_.clear();
                            self->drain();
                          });
}

void session::do_close() {
  if (closed_)
    return;
  closed_ = true;
  {
    // Invariant 5: no direct 204 is being written, and none will be.
    std::lock_guard<std::mutex> guard{direct_mtx_};
    direct_ok_ = false;
  }
  disarm_timer();
  if (ws_)
    ws_end("connection closed");
  error_code ec;
  socket_.shutdown(tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  if (awaiting_) {
    awaiting_ = false;
    if (inflight_ != nullptr)
      inflight_->dec();
    inflight_ = nullptr;
  }
  state_.connections.dec();
  // Callers hold a reference of their own, so this is never the last one.
  self_while_pending_.reset();
}

} // namespace detail
} // namespace skald::http
