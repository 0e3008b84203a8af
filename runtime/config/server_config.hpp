// runtime/config/server_config.hpp — the `server:` block: HTTP listener and logging.
//
// Read by actors/http (listener, timeouts, body limit, threads), cmd/skald
// (log level/format) and runtime/system (graceful shutdown bound). Keys and
// defaults are Loki 3.x's (dskit server.Config) where Loki has the setting.
//
// Invariant after validate(): ports in [0, 65535], log_level known, timeouts >= 0.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "runtime/config/binder.hpp"

namespace skald::config {

struct server_config {
  std::string http_listen_address;
  int http_listen_port = 0;
  int grpc_listen_port = 0;
  std::string log_level;
  std::string log_format;
  std::chrono::nanoseconds http_server_read_timeout{0};
  std::chrono::nanoseconds http_server_write_timeout{0};
  std::chrono::nanoseconds http_server_idle_timeout{0};
  byte_size http_server_max_request_body_size;
  uint32_t http_threads = 0;
  uint32_t actor_threads = 0;
  uint32_t actor_moderate_poll_attempts = 20;
  std::chrono::nanoseconds graceful_shutdown_timeout{0};
  bool register_instrumentation = false;
  byte_size grpc_server_max_recv_msg_size;
  byte_size grpc_server_max_send_msg_size;
  uint32_t grpc_server_max_concurrent_streams = 0;

  server_config() { set_defaults(*this); }

  template <class Binder>
  void bind(Binder& b) {
    using namespace std::chrono_literals;
    b.field(http_listen_address, "http_listen_address", "",
            "HTTP server listen address; empty listens on all interfaces.");
    b.field(http_listen_port, "http_listen_port", 3100, "HTTP server listen port.");
    b.field(grpc_listen_port, "grpc_listen_port", 9095,
            "gRPC listen port. Accepted for compatibility with Loki configs; skald serves no gRPC.");
    b.field(log_level, "log_level", "info", "Only log messages with the given severity or above.",
            opts().flag("log.level").one_of({"debug", "info", "warn", "error"}));
    b.field(log_format, "log_format", "logfmt", "Output log messages in the given format.",
            opts().flag("log.format").one_of({"logfmt", "json"}));
    b.field(http_server_read_timeout, "http_server_read_timeout", 30s,
            "Read timeout for the entire HTTP request, including headers and body.",
            opts().flag("server.http-read-timeout"));
    b.field(http_server_write_timeout, "http_server_write_timeout", 30s,
            "Write timeout for HTTP responses; bounds how long a query may take to answer.",
            opts().flag("server.http-write-timeout"));
    b.field(http_server_idle_timeout, "http_server_idle_timeout", 120s,
            "Idle timeout for keep-alive HTTP connections.",
            opts().flag("server.http-idle-timeout"));
    b.field(http_server_max_request_body_size, "http_server_max_request_body_size", mib(100),
            "skald only (Loki has no such key): largest accepted HTTP request body; larger "
            "bodies get 413. 100MB by default.");
    b.field(http_threads, "http_threads", 0u,
            "skald only: number of HTTP I/O threads; 0 means one per CPU core.");
    b.field(actor_threads, "actor_threads", 0u,
            "skald only: number of CAF scheduler threads that run the actors "
            "(scheduler.max-threads); 0 means one per CPU core.");
    b.field(actor_moderate_poll_attempts, "actor_moderate_poll_attempts", 20u,
            "skald only: polls of an idle CAF scheduler thread, each after a 50us sleep, "
            "before it blocks until work arrives (CAF's work-stealing.moderate-poll-attempts; "
            "CAF's default is 500). 20 (~1 ms) keeps one-connection push throughput (0 lost "
            "8-16% there) while idle threads stop sleep-polling soon (docs/benchmarks.md, "
            "pushsched and the end of session 2026-11-22).");
    b.field(graceful_shutdown_timeout, "graceful_shutdown_timeout", 30s,
            "Upper bound on a graceful shutdown (draining HTTP requests and stopping actors), "
            "as Loki's server.graceful-shutdown-timeout.");
    b.field(register_instrumentation, "register_instrumentation", true,
            "Register the /metrics and debug endpoints.");
    b.field(grpc_server_max_recv_msg_size, "grpc_server_max_recv_msg_size", mib(4),
            "Accepted for compatibility with Loki configs; skald serves no gRPC.");
    b.field(grpc_server_max_send_msg_size, "grpc_server_max_send_msg_size", mib(4),
            "Accepted for compatibility with Loki configs; skald serves no gRPC.");
    b.field(grpc_server_max_concurrent_streams, "grpc_server_max_concurrent_streams", 100u,
            "Accepted for compatibility with Loki configs; skald serves no gRPC.");
  }

  status validate() const;
};

} // namespace skald::config
