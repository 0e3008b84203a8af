// runtime/system/modules.cpp — the module table of a skald node.
//
// Names follow Loki's targets. `all` is a group. The roles' actors arrive
// with their issues (write path, flush, query path, cluster); until then a
// role module is an empty unit that starts and stops, so -target already
// accepts every role and /services lists it.
#include "runtime/system/module.hpp"

#include <chrono>

#include "actors/http/router.hpp"
#include "actors/http/server.hpp"
#include "runtime/config/root_config.hpp"

namespace skald::system {

const char* to_string(module_state st) {
  switch (st) {
    case module_state::new_: return "New";
    case module_state::starting: return "Starting";
    case module_state::running: return "Running";
    case module_state::stopping: return "Stopping";
    case module_state::terminated: return "Terminated";
    case module_state::failed: return "Failed";
  }
  return "Unknown";
}

namespace {

/// The HTTP edge (actors/http): serves the router every module filled.
class server_module final : public module {
public:
  explicit server_module(module_context& ctx) : ctx_(ctx) {}

  status start() override {
    const auto& s = ctx_.cfg.server;
    using std::chrono::duration_cast;
    using std::chrono::milliseconds;
    http::server_options opts;
    opts.address = s.http_listen_address.empty() ? "0.0.0.0" : s.http_listen_address;
    opts.port = static_cast<uint16_t>(s.http_listen_port);
    opts.threads = s.http_threads; // 0 = one per core, decided by the server
    opts.max_request_body_size = s.http_server_max_request_body_size.bytes;
    opts.read_timeout = duration_cast<milliseconds>(s.http_server_read_timeout);
    opts.write_timeout = duration_cast<milliseconds>(s.http_server_write_timeout);
    opts.idle_timeout = duration_cast<milliseconds>(s.http_server_idle_timeout);
    server_ = std::make_unique<http::server>(opts, ctx_.router, ctx_.metrics);
    return server_->start();
  }

  void stop() override {
    if (server_)
      server_->stop();
  }

private:
  module_context& ctx_;
  std::unique_ptr<http::server> server_;
};

/// A role whose actors are not built yet.
class role_module final : public module {
public:
  status start() override { return {}; }
  void stop() override {}
};

template <class T>
std::function<std::unique_ptr<module>(module_context&)> make_with_context() {
  return [](module_context& ctx) { return std::make_unique<T>(ctx); };
}

std::function<std::unique_ptr<module>(module_context&)> make_role() {
  return [](module_context&) { return std::make_unique<role_module>(); };
}

} // namespace

const std::vector<module_def>& module_table() {
  static const std::vector<module_def> table{
    {{"server", {}, false}, make_with_context<server_module>()},
    {{"distributor", {"server"}, false}, make_role()},
    {{"ingester", {"server"}, false}, make_role()},
    {{"querier", {"server"}, false}, make_role()},
    {{"query-frontend", {"server", "querier"}, false}, make_role()},
    {{"all", {"distributor", "ingester", "querier", "query-frontend"}, true}, nullptr},
  };
  return table;
}

} // namespace skald::system
