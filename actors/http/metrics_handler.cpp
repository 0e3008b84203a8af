#include "actors/http/metrics_handler.hpp"

#include "runtime/metrics/registry.hpp"

namespace skald::http {

router::handler metrics_handler(const metrics::registry& reg) {
  return [&reg](request&, responder r) {
    response res;
    res.content_type = std::string{metrics::registry::text_content_type};
    res.body = reg.render();
    r.send(std::move(res));
  };
}

} // namespace skald::http
