#include "actors/http/server.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include "actors/http/session.hpp"
#include "runtime/util/logging.hpp"

namespace skald::http {

namespace asio = boost::asio;
using boost::system::error_code;
using tcp = asio::ip::tcp;

class server::impl {
public:
  impl(server_options opts, std::shared_ptr<const router> routes, metrics::registry& reg)
    : state_(std::move(opts), std::move(routes), reg),
      ioc_(static_cast<int>(thread_count())),
      acceptor_(asio::make_strand(ioc_)),
      accept_retry_(acceptor_.get_executor()) {}

  ~impl() { stop(); }

  status start();
  void stop();
  uint16_t port() const noexcept { return port_.load(std::memory_order_acquire); }

private:
  unsigned thread_count() const {
    if (state_.opts.threads > 0)
      return state_.opts.threads;
    return std::max(1u, std::thread::hardware_concurrency());
  }
  void do_accept();
  void run_thread();

  // Declaration order is destruction order in reverse: the io_context (and the
  // sessions its pending handlers hold) goes before state_.
  detail::server_state state_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  asio::steady_timer accept_retry_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;
  std::mutex run_mtx_;
  std::condition_variable run_cv_;
  unsigned running_ = 0;
  std::atomic<uint16_t> port_{0};
  std::atomic<bool> stopping_{false};
  bool started_ = false;
  bool stopped_ = false;
};

status server::impl::start() {
  if (started_)
    return status{errc::internal, "http server started twice"};
  const std::string host = state_.opts.address.empty() ? "0.0.0.0" : state_.opts.address;
  error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec)
    return status{errc::invalid_argument, "invalid http listen address " + host};
  tcp::endpoint ep{addr, state_.opts.port};
  const std::string where = "listen tcp " + host + ":" + std::to_string(state_.opts.port) + ": ";
  if (acceptor_.open(ep.protocol(), ec); ec)
    return status{errc::io_error, where + "socket: " + ec.message()};
  if (acceptor_.set_option(asio::socket_base::reuse_address(true), ec); ec)
    return status{errc::io_error, where + "setsockopt: " + ec.message()};
  if (acceptor_.bind(ep, ec); ec) {
    error_code ignored;
    acceptor_.close(ignored);
    return status{errc::io_error, where + "bind: " + ec.message()};
  }
  if (acceptor_.listen(state_.opts.backlog, ec); ec) {
    error_code ignored;
    acceptor_.close(ignored);
    return status{errc::io_error, where + "listen: " + ec.message()};
  }
  port_.store(acceptor_.local_endpoint(ec).port(), std::memory_order_release);
  started_ = true;
  work_.emplace(ioc_.get_executor());
  asio::post(acceptor_.get_executor(), [this] { do_accept(); });
  const unsigned n = thread_count();
  running_ = n;
  threads_.reserve(n);
  for (unsigned i = 0; i < n; ++i)
    threads_.emplace_back([this] { run_thread(); });
  SKALD_LOG_INFO(state_.log, "http server listening on {}:{} with {} I/O threads", host, port(),
                 n);
  return {};
}

void server::impl::run_thread() {
  for (;;) {
    try {
      ioc_.run();
      break;
    } catch (const std::exception& e) {
      SKALD_LOG_ERROR(state_.log, "exception on an http I/O thread: {}", e.what());
    } catch (...) {
      SKALD_LOG_ERROR(state_.log, "unknown exception on an http I/O thread");
    }
  }
  std::lock_guard<std::mutex> guard{run_mtx_};
  --running_;
  run_cv_.notify_all();
}

void server::impl::do_accept() {
  acceptor_.async_accept(asio::make_strand(ioc_), [this](error_code ec, tcp::socket socket) {
    if (stopping_.load(std::memory_order_acquire) || ec == asio::error::operation_aborted)
      return;
    if (ec) {
      // EMFILE and friends: back off briefly instead of spinning.
      SKALD_LOG_WARN(state_.log, "http accept failed: {}", ec.message());
      accept_retry_.expires_after(std::chrono::milliseconds{50});
      accept_retry_.async_wait([this](error_code wait_ec) {
        if (!wait_ec && !stopping_.load(std::memory_order_acquire))
          do_accept();
      });
      return;
    }
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    std::make_shared<detail::session>(std::move(socket), state_)->start();
    do_accept();
  });
}

void server::impl::stop() {
  if (!started_ || stopped_)
    return;
  stopped_ = true;
  stopping_.store(true, std::memory_order_release);
  asio::post(acceptor_.get_executor(), [this] {
    error_code ignored;
    acceptor_.close(ignored);
    accept_retry_.cancel();
  });
  for (auto& s : state_.snapshot())
    s->close();
  work_.reset();
  {
    std::unique_lock<std::mutex> guard{run_mtx_};
    if (!run_cv_.wait_for(guard, state_.opts.stop_timeout, [this] { return running_ == 0; })) {
      SKALD_LOG_WARN(state_.log, "http server did not drain within {} ms; stopping hard",
                     state_.opts.stop_timeout.count());
      ioc_.stop();
    }
  }
  for (auto& t : threads_)
    t.join();
  threads_.clear();
  {
    std::unique_lock<std::shared_mutex> guard{state_.responses_gate->mtx};
    state_.responses_gate->open = false;
  }
  // Sessions that a hard stop left behind (or that raced with it): close
  // them here, with no I/O thread running; the io_context's destructor frees
  // whatever its queues still hold.
  for (auto& s : state_.snapshot())
    s->close_now();
  SKALD_LOG_INFO(state_.log, "http server stopped");
}

server::server(server_options opts, std::shared_ptr<const router> routes, metrics::registry& reg)
  : impl_(std::make_unique<impl>(std::move(opts), std::move(routes), reg)) {}

server::~server() = default;

status server::start() {
  return impl_->start();
}

uint16_t server::port() const noexcept {
  return impl_->port();
}

void server::stop() {
  impl_->stop();
}

} // namespace skald::http
