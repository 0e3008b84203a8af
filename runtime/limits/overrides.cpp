#include "runtime/limits/overrides.hpp"

#include <fstream>
#include <sstream>

#include "runtime/config/loader.hpp"

namespace skald::limits {

const config::limits_config& snapshot::for_tenant(std::string_view tenant) const {
  auto i = tenants.find(tenant);
  return i == tenants.end() ? defaults : i->second;
}

overrides::overrides(config::limits_config defaults, std::string file)
  : defaults_(std::move(defaults)), file_(std::move(file)) {
  auto s = std::make_shared<snapshot>();
  s->defaults = defaults_;
  current_ = std::move(s);
}

std::shared_ptr<const snapshot> overrides::current() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return current_;
}

void overrides::set(std::map<std::string, config::limits_config, std::less<>> tenants) {
  auto s = std::make_shared<snapshot>();
  s->defaults = defaults_;
  s->tenants = std::move(tenants);
  {
    std::lock_guard<std::mutex> guard{mtx_};
    current_ = std::move(s);
  }
  version_.fetch_add(1, std::memory_order_acq_rel);
}

status overrides::reload() {
  if (file_.empty())
    return {};
  std::ifstream in{file_};
  if (!in)
    return status{errc::io_error, "overrides: cannot read " + file_};
  std::stringstream ss;
  ss << in.rdbuf();
  auto text = ss.str();
  if (text == last_text_)
    return {};
  auto parsed = config::parse_overrides(text, defaults_, file_);
  if (!parsed.ok())
    return parsed.error();
  last_text_ = std::move(text);
  set(std::move(*parsed));
  return {};
}

} // namespace skald::limits
