// actors/http/websocket.cpp — WebSocket mode of an HTTP session (see
// websocket.hpp for the contract): the handshake on the upgraded request,
// the outgoing frame queue, pings, the stall check, and the thread-safe
// handle handed to the application.
//
// Owner: the session (ws_ is its member); the handle points at the session
// weakly and posts onto its strand under the server's response gate, like a
// responder. Threading: every session::ws_* function runs on the strand.
// Invariants: (1) at most one async_write, one async_read and one control
// frame (ping or close) are in flight; (2) ws_part::queued counts frames
// accepted by send_text() and not yet written or discarded; (3) on_closed
// runs once, from ws_end(); (4) the socket is corked (TCP_CORK) only while
// a write is in flight with more frames queued behind it, and uncorked when
// the queue empties, so back-to-back frames leave in full segments (fewer
// packets and fewer wake-ups of the reader) and nothing waits once the
// queue is drained.
#include <deque>
#include <utility>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/asio/post.hpp>
#include <boost/beast/websocket/stream.hpp>
#pragma GCC diagnostic pop

#include "actors/http/session.hpp"
#include "actors/http/websocket.hpp"
#include "runtime/metrics/registry.hpp"
#include "runtime/util/logging.hpp"

namespace skald::http::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bws = boost::beast::websocket;
using boost::system::error_code;
using clock_type = std::chrono::steady_clock;

/// What the handle and the session share.
struct ws_shared {
  std::atomic<size_t> queued{0};
  std::atomic<bool> open{true};
};

struct ws_part {
  ws_part(asio::ip::tcp::socket& s, std::shared_ptr<websocket_upgrade> u)
      : ws(s), up(std::move(u)), timer(s.get_executor()) {}

  bws::stream<asio::ip::tcp::socket&> ws;
  std::shared_ptr<websocket_upgrade> up;
  std::shared_ptr<ws_shared> shared = std::make_shared<ws_shared>();
  /// Frames to write (shared: one tail query's frames go to several).
  std::deque<std::pair<std::shared_ptr<const std::string>, clock_type::time_point>> out;
  beast::flat_buffer rbuf;
  asio::steady_timer timer;
  bool accepted = false;
  bool writing = false;
  bool control_busy = false; // a ping or close in flight
  bool close_requested = false;
  bool close_sent = false;
  bool corked = false; // invariant (4)
  bws::close_reason close_reason;
  bool ended = false;
};

/// The application's handle (websocket.hpp).
class ws_handle final : public websocket {
public:
  ws_handle(std::weak_ptr<session> s, std::shared_ptr<gate> g, std::shared_ptr<ws_shared> sh)
      : session_(std::move(s)), gate_(std::move(g)), shared_(std::move(sh)) {}

  bool send_text(std::string frame) override {
    std::vector<std::string> one;
    one.push_back(std::move(frame));
    return send_texts(std::move(one));
  }

  bool send_texts(std::vector<std::string> frames) override {
    std::vector<std::shared_ptr<const std::string>> out;
    out.reserve(frames.size());
    for (auto& f : frames)
      out.push_back(std::make_shared<const std::string>(std::move(f)));
    return send_shared(std::move(out));
  }

  bool send_shared(std::vector<std::shared_ptr<const std::string>> frames) override {
    if (!shared_->open.load(std::memory_order_acquire))
      return false;
    const auto n = frames.size();
    if (n == 0)
      return true;
    shared_->queued.fetch_add(n, std::memory_order_acq_rel);
    if (!post([f = std::move(frames)](session& s) mutable { s.ws_send(std::move(f)); })) {
      shared_->queued.fetch_sub(n, std::memory_order_acq_rel);
      return false;
    }
    return true;
  }

  void close(uint16_t code, std::string reason) override {
    post([code, r = std::move(reason)](session& s) mutable { s.ws_close(code, std::move(r)); });
  }

  size_t queued() const override { return shared_->queued.load(std::memory_order_acquire); }
  bool open() const override { return shared_->open.load(std::memory_order_acquire); }

private:
  template <class F>
  bool post(F f) {
    std::shared_lock<std::shared_mutex> guard{gate_->mtx};
    if (!gate_->open)
      return false;
    auto s = session_.lock();
    if (!s)
      return false;
    asio::post(s->socket_.get_executor(), [s, f = std::move(f)]() mutable { f(*s); });
    return true;
  }

  std::weak_ptr<session> session_;
  std::shared_ptr<gate> gate_;
  std::shared_ptr<ws_shared> shared_;
};

void session::start_websocket(std::shared_ptr<websocket_upgrade> up) {
  disarm_timer();
  if (!ws_req_) {
    // gorilla/websocket's answer to a plain GET on an upgrade-only route.
    write_response(response::error(400, "websocket: the client is not using the websocket "
                                        "protocol: 'upgrade' token not found in 'Connection' "
                                        "header"),
                   true);
    if (up && up->on_closed)
      up->on_closed("not a websocket request");
    return;
  }
  if (inflight_ != nullptr)
    inflight_->dec();
  inflight_ = nullptr;
  ws_ = std::make_shared<ws_part>(socket_, std::move(up));
  auto& w = *ws_;
  w.ws.set_option(
      bws::stream_base::timeout{std::chrono::seconds{30}, bws::stream_base::none(), false});
  w.ws.read_message_max(w.up->max_read_bytes);
  w.ws.set_option(bws::stream_base::decorator(
      [](bws::response_type& res) { res.set(beast::http::field::server, "skald"); }));
  auto req = std::move(*ws_req_);
  ws_req_.reset();
  w.ws.async_accept(req, [self = shared_from_this()](error_code ec) {
    auto& w = *self->ws_;
    if (w.ended)
      return;
    if (ec)
      return self->ws_end("websocket handshake failed: " + ec.message());
    w.accepted = true;
    auto elapsed = std::chrono::duration<double>(clock_type::now() - self->start_);
    self->state_.duration.with({self->method_label_, self->route_label_, "101", "true"})
        .observe(elapsed.count());
    if (w.up->on_open)
      w.up->on_open(std::make_shared<ws_handle>(self->weak_from_this(), self->state_.responses_gate,
                                                w.shared));
    self->ws_read();
    self->ws_tick();
  });
}

void session::ws_read() {
  auto& w = *ws_;
  w.ws.async_read(w.rbuf, [self = shared_from_this()](error_code ec, std::size_t) {
    auto& w = *self->ws_;
    if (w.ended)
      return;
    if (ec == bws::error::closed)
      return self->ws_end("client closed the connection");
    if (ec)
      return self->ws_end("read: " + ec.message());
    w.rbuf.consume(w.rbuf.size()); // what a tail client sends means nothing
    self->ws_read();
  });
}

void session::ws_tick() {
  auto& w = *ws_;
  w.timer.expires_after(w.up->ping_interval);
  w.timer.async_wait([self = shared_from_this()](error_code ec) {
    auto& w = *self->ws_;
    if (ec || w.ended)
      return;
    if (!w.out.empty() && clock_type::now() - w.out.front().second > w.up->stall_timeout) {
      auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() -
                                                                          w.out.front().second);
      SKALD_LOG_WARN(self->state_.log, "websocket {}:{}: client too slow, disconnecting",
                     self->remote_address_, self->remote_port_);
      // The socket does not drain: a Close frame would not get through.
      return self->ws_end("client too slow: a frame waited " + std::to_string(waited.count()) +
                          "ms to be written (" + std::to_string(w.out.size()) + " frames queued)");
    }
    if (!w.control_busy && !w.close_requested) {
      w.control_busy = true;
      w.ws.async_ping({}, [self](error_code ec) {
        auto& w = *self->ws_;
        w.control_busy = false;
        if (w.ended)
          return;
        if (ec)
          return self->ws_end("ping: " + ec.message());
        if (w.close_requested && !w.writing && !w.close_sent)
          self->ws_write_next();
      });
    }
    self->ws_tick();
  });
}

void session::ws_send(std::vector<std::shared_ptr<const std::string>> frames) {
  auto& w = *ws_;
  if (w.ended || w.close_requested) {
    w.shared->queued.fetch_sub(frames.size(), std::memory_order_acq_rel);
    return;
  }
  const auto now = clock_type::now();
  for (auto& f : frames)
    w.out.emplace_back(std::move(f), now);
  if (!w.writing && w.accepted)
    ws_write_next();
}

void session::ws_write_next() {
  auto& w = *ws_;
  if (w.ended || w.writing)
    return;
  if (w.out.empty()) {
    if (!w.close_requested || w.close_sent || w.control_busy)
      return;
    w.close_sent = true;
    w.control_busy = true;
    w.ws.async_close(w.close_reason, [self = shared_from_this()](error_code) {
      auto& w = *self->ws_;
      w.control_busy = false;
      self->ws_end("closed by the server: " + std::string{w.close_reason.reason.c_str()});
    });
    return;
  }
  if (w.out.size() > 1 && !w.corked)
    ws_cork(true);
  w.writing = true;
  w.ws.text(true);
  const auto& f = *w.out.front().first;
  w.ws.async_write(asio::buffer(f.data(), f.size()),
                   [self = shared_from_this()](error_code ec, std::size_t) {
                     auto& w = *self->ws_;
                     w.writing = false;
                     if (w.ended)
                       return;
                     if (ec)
                       return self->ws_end("write: " + ec.message());
                     w.out.pop_front();
                     w.shared->queued.fetch_sub(1, std::memory_order_acq_rel);
                     if (w.out.empty() && w.corked)
                       self->ws_cork(false); // pushes out what the cork held
                     self->ws_write_next();
                   });
}

void session::ws_cork(bool on) {
  auto& w = *ws_;
  w.corked = on;
  int v = on ? 1 : 0;
  // Best effort: without it frames just leave one by one.
  ::setsockopt(socket_.native_handle(), IPPROTO_TCP, TCP_CORK, &v, sizeof v);
}

void session::ws_close(uint16_t code, std::string reason) {
  auto& w = *ws_;
  if (w.ended || w.close_requested)
    return;
  w.close_requested = true;
  // RFC 6455 §5.5: a control frame's payload is at most 125 bytes.
  if (reason.size() > 123)
    reason.resize(123);
  w.close_reason = bws::close_reason(static_cast<bws::close_code>(code),
                                     beast::string_view{reason.data(), reason.size()});
  if (w.accepted)
    ws_write_next();
}

void session::ws_end(const std::string& reason) {
  auto& w = *ws_;
  if (w.ended)
    return;
  w.ended = true;
  w.shared->open.store(false, std::memory_order_release);
  w.shared->queued.fetch_sub(w.out.size(), std::memory_order_acq_rel);
  w.out.clear();
  w.timer.cancel();
  auto up = w.up;
  if (up->on_closed)
    up->on_closed(reason);
  do_close();
}

} // namespace skald::http::detail
