#include "runtime/system/ops_routes.hpp"

#include <string>

#include "actors/http/router.hpp"
#include "runtime/config/config.hpp"
#include "runtime/metrics/registry.hpp"
#include "runtime/system/node.hpp"
#include "runtime/util/logging.hpp"

namespace skald::system {

namespace {

constexpr const char* text_plain = "text/plain; charset=utf-8";

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

// writepath: adapted to the http branch's API (router::handle, response
// fields, request::param returning a pointer).
http::response mk(unsigned status, std::string content_type, std::string body) {
  http::response res;
  res.status = status;
  res.content_type = std::move(content_type);
  res.body = std::move(body);
  return res;
}

void add_ops_routes(http::router& r, const node& n, metrics::registry& reg) {
  const node* np = &n;
  metrics::registry* rp = &reg;

  r.handle("GET", "/ready", [np](http::request&, http::responder rsp) {
    bool ok = np->ready();
    rsp.send(mk(ok ? 200u : 503u, text_plain, np->readiness_text() + (ok ? "\n" : "")));
  });

  r.handle("GET", "/metrics", [rp](http::request&, http::responder rsp) {
    rsp.send(mk(200, "text/plain; version=0.0.4; charset=utf-8", rp->render()));
  });

  r.handle("GET", "/config", [np](http::request& req, http::responder rsp) {
    std::string_view mode = req.param_or("mode", "");
    if (mode == "defaults") {
      rsp.send(mk(200, "text/plain; charset=utf-8",
                              config::to_yaml(config::default_config())));
    } else if (mode == "diffs") {
      rsp.send(mk(200, "text/plain; charset=utf-8",
                              config::diff_yaml(config::default_config(), np->config())));
    } else if (mode.empty()) {
      rsp.send(mk(200, "text/plain; charset=utf-8", config::to_yaml(np->config())));
    } else {
      rsp.send(mk(400, text_plain, "unknown value for mode query parameter: " +
                                                 std::string{mode} + "\n"));
    }
  });

  r.handle("GET", "/services", [np](http::request&, http::responder rsp) {
    rsp.send(mk(200, text_plain, np->services_text()));
  });

  auto log_level = [](http::request& req, http::responder rsp) {
    std::string_view wanted = req.param_or("log_level", "");
    if (req.method == "POST" || !wanted.empty()) {
      if (auto st = log::set_level(wanted); !st.ok()) {
        rsp.send(mk(400, text_plain, st.message() + "\n"));
        return;
      }
    }
    rsp.send(mk(200, "application/json",
                            "{\"status\":\"success\",\"data\":\"" +
                              std::string{log::level_name()} + "\"}"));
  };
  r.handle("GET", "/log_level", log_level);
  r.handle("POST", "/log_level", log_level);

  r.handle("GET", "/loki/api/v1/status/buildinfo", [](http::request&, http::responder rsp) {
    std::string body = "{\"version\":\"" + json_escape(SKALD_VERSION) + "\",\"revision\":\"" +
                       json_escape(SKALD_REVISION) + "\",\"branch\":\"" +
                       json_escape(SKALD_BRANCH) +
                       "\",\"buildUser\":\"\",\"buildDate\":\"\",\"goVersion\":\"\"}";
    rsp.send(mk(200, "application/json", std::move(body)));
  });
}

} // namespace skald::system
