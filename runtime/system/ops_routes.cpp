#include "runtime/system/ops_routes.hpp"

#include <string>

#include "actors/http/metrics_handler.hpp"
#include "actors/http/router.hpp"
#include "runtime/config/output.hpp"
#include "runtime/config/root_config.hpp"
#include "runtime/metrics/process.hpp"
#include "runtime/metrics/registry.hpp"
#include "runtime/system/node.hpp"
#include "runtime/util/logging.hpp"

namespace skald::system {

namespace {

std::string json_escape(const std::string& in) {
  std::string out;
  for (char c : in) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

} // namespace

void add_ops_routes(http::router& r, const node& n, metrics::registry& reg) {
  const node* np = &n;
  metrics::registry* rp = &reg;

  r.get("/ready", [np](http::request&, http::responder rsp) {
    // One evaluation: the ingester's ring check keeps state (min_ready_duration).
    auto text = np->readiness_text();
    bool ok = text == "ready";
    rsp.send(http::response::text(ok ? 200 : 503, text + "\n"));
  });

  r.get("/metrics", http::metrics_handler(*rp));

  r.get("/config", [np](http::request& req, http::responder rsp) {
    auto mode = req.param_or("mode", "");
    if (mode == "defaults") {
      rsp.send(http::response::text(200, config::to_yaml(config::root_config{})));
    } else if (mode == "diffs") {
      rsp.send(http::response::text(200, config::to_yaml_diff(np->config(), config::root_config{})));
    } else if (mode.empty()) {
      rsp.send(http::response::text(200, config::to_yaml(np->config())));
    } else {
      rsp.send(http::response::error(400, "unknown value for mode query parameter: " +
                                            std::string{mode}));
    }
  });

  r.get("/services", [np](http::request&, http::responder rsp) {
    rsp.send(http::response::text(200, np->services_text()));
  });

  auto log_level = [](http::request& req, http::responder rsp) {
    auto wanted = req.param_or("log_level", "");
    if (req.method == "POST" || !wanted.empty()) {
      if (auto st = log::set_level(wanted); !st.ok()) {
        rsp.send(http::response::error(400, st.message()));
        return;
      }
    }
    rsp.send(http::response::json(200, "{\"status\":\"success\",\"data\":\"" +
                                         std::string{log::level_name()} + "\"}"));
  };
  r.get("/log_level", log_level);
  r.post("/log_level", log_level);

  r.get("/loki/api/v1/status/buildinfo", [](http::request&, http::responder rsp) {
    std::string body = "{\"version\":\"" + json_escape(SKALD_VERSION) + "\",\"revision\":\"" +
                       json_escape(SKALD_REVISION) + "\",\"branch\":\"" +
                       json_escape(SKALD_BRANCH) +
                       "\",\"buildUser\":\"\",\"buildDate\":\"\",\"goVersion\":\"" +
                       json_escape(metrics::compiler_version()) + "\"}";
    rsp.send(http::response::json(200, std::move(body)));
  });
}

} // namespace skald::system
