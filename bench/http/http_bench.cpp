// The HTTP edge over loopback: keep-alive request/response round trips
// through actors/http/server with a blocking Beast client on the same
// machine (client and server share the cores, so read the figures as orders
// of magnitude).
#include <memory>
#include <string>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#pragma GCC diagnostic pop

#include <benchmark/benchmark.h>

#include "actors/http/responder.hpp"
#include "actors/http/router.hpp"
#include "actors/http/server.hpp"
#include "runtime/metrics/registry.hpp"

namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using namespace skald;

struct fixture {
  metrics::registry reg;
  std::unique_ptr<http::server> srv;

  fixture() {
    auto routes = std::make_shared<http::router>();
    routes->get("/ready", [](http::request&, http::responder r) {
      r.send(http::response::text(200, "ready\n"));
    });
    routes->post("/push", [](http::request& req, http::responder r) {
      std::string body = std::move(req.body);
      benchmark::DoNotOptimize(body.data());
      r.send(http::response::empty(204));
    });
    http::server_options opts;
    opts.address = "127.0.0.1";
    opts.port = 0;
    opts.threads = 1;
    srv = std::make_unique<http::server>(opts, routes, reg);
    if (!srv->start().ok())
      std::abort();
  }
};

fixture& shared_fixture() {
  static fixture f;
  return f;
}

void run(benchmark::State& state, bhttp::verb method, const char* target, size_t body_size) {
  auto& f = shared_fixture();
  asio::io_context ioc;
  asio::ip::tcp::socket sock{ioc};
  sock.connect({asio::ip::make_address("127.0.0.1"), f.srv->port()});
  sock.set_option(asio::ip::tcp::no_delay(true));
  boost::beast::flat_buffer buf;
  bhttp::request<bhttp::string_body> req{method, target, 11};
  req.set(bhttp::field::host, "127.0.0.1");
  req.body() = std::string(body_size, 'x');
  req.prepare_payload();
  for (auto _ : state) {
    bhttp::write(sock, req);
    bhttp::response<bhttp::string_body> res;
    bhttp::read(sock, buf, res);
    if (res.result_int() >= 300)
      state.SkipWithError("unexpected status");
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body_size));
}

void BM_http_get_ready(benchmark::State& state) {
  run(state, bhttp::verb::get, "/ready", 0);
}
BENCHMARK(BM_http_get_ready)->UseRealTime();

void BM_http_post(benchmark::State& state) {
  run(state, bhttp::verb::post, "/push", static_cast<size_t>(state.range(0)));
}
BENCHMARK(BM_http_post)->Arg(100)->Arg(10 * 1024)->Arg(100 * 1024)->UseRealTime();

void BM_http_get_ready_2_clients(benchmark::State& state) {
  run(state, bhttp::verb::get, "/ready", 0);
}
BENCHMARK(BM_http_get_ready_2_clients)->Threads(2)->UseRealTime();

} // namespace
