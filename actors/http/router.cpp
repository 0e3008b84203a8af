#include "actors/http/router.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace skald::http {

namespace {

// Splits "/a/b/" into {"a", "b", ""}: the leading '/' is dropped, a trailing
// one yields an empty last segment (Go's mux treats "/x" and "/x/" apart).
std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segs;
  if (!path.empty() && path.front() == '/')
    path.remove_prefix(1);
  size_t pos = 0;
  for (;;) {
    auto slash = path.find('/', pos);
    segs.push_back(path.substr(pos, slash == std::string_view::npos ? slash : slash - pos));
    if (slash == std::string_view::npos)
      break;
    pos = slash + 1;
  }
  return segs;
}

bool is_var(std::string_view seg) {
  return seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
}

} // namespace

struct router::route {
  std::string pattern;
  std::string label;
  std::vector<std::string> segments; // for patterns only
  std::vector<std::pair<std::string, handler>> methods;
};

router::router() = default;
router::~router() = default;
router::router(router&&) noexcept = default;
router& router::operator=(router&&) noexcept = default;

router::route& router::route_for(std::string_view pattern) {
  if (pattern.empty() || pattern.front() != '/')
    throw std::invalid_argument("route pattern must start with '/': " + std::string{pattern});
  for (auto& r : routes_)
    if (r->pattern == pattern)
      return *r;
  auto r = std::make_unique<route>();
  r->pattern = std::string{pattern};
  r->label = route_label(pattern);
  bool has_var = false;
  for (auto seg : split_path(pattern)) {
    bool var = is_var(seg);
    auto inner = var ? seg.substr(1, seg.size() - 2) : seg;
    if (inner.find_first_of("{}") != std::string_view::npos)
      throw std::invalid_argument("route pattern segments are literal or {name}: "
                                  + std::string{pattern});
    has_var = has_var || var;
    r->segments.emplace_back(seg);
  }
  auto* raw = r.get();
  routes_.push_back(std::move(r));
  if (has_var)
    patterns_.push_back(raw);
  else
    exact_.emplace(raw->pattern, raw);
  return *raw;
}

router& router::handle(std::string_view method, std::string_view pattern, handler h) {
  if (method.empty() || !h)
    throw std::invalid_argument("route needs a method and a handler: " + std::string{pattern});
  auto& r = route_for(pattern);
  for (auto& m : r.methods)
    if (m.first == method)
      throw std::invalid_argument(std::string{method} + " " + std::string{pattern}
                                  + " registered twice");
  r.methods.emplace_back(std::string{method}, std::move(h));
  std::sort(r.methods.begin(), r.methods.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return *this;
}

router& router::handle(std::initializer_list<std::string_view> methods,
                       std::string_view pattern, const handler& h) {
  for (auto m : methods)
    handle(m, pattern, h);
  return *this;
}

router& router::label(std::string_view pattern, std::string route_label) {
  for (auto& r : routes_)
    if (r->pattern == pattern) {
      r->label = std::move(route_label);
      return *this;
    }
  throw std::invalid_argument("no route " + std::string{pattern} + " to label");
}

router::match router::find(std::string_view method, std::string_view path,
                           param_list& path_params) const {
  const route* hit = nullptr;
  if (auto i = exact_.find(path); i != exact_.end()) {
    hit = i->second;
  } else if (!patterns_.empty()) {
    auto segs = split_path(path);
    for (auto* r : patterns_) {
      if (r->segments.size() != segs.size())
        continue;
      bool ok = true;
      for (size_t i = 0; ok && i < segs.size(); ++i) {
        const auto& want = r->segments[i];
        ok = is_var(want) ? !segs[i].empty() : want == segs[i];
      }
      if (!ok)
        continue;
      hit = r;
      for (size_t i = 0; i < segs.size(); ++i)
        if (is_var(r->segments[i]))
          path_params.emplace_back(r->segments[i].substr(1, r->segments[i].size() - 2),
                                   std::string{segs[i]});
      break;
    }
  }
  match m;
  if (hit == nullptr)
    return m;
  m.route = hit->label;
  for (auto& [name, h] : hit->methods) {
    if (name == method) {
      m.status = 200;
      m.target = &h;
      return m;
    }
  }
  m.status = 405;
  for (auto& [name, h] : hit->methods) {
    if (!m.allow.empty())
      m.allow += ", ";
    m.allow += name;
  }
  return m;
}

std::string router::route_label(std::string_view pattern) {
  std::string out;
  bool pending_sep = false;
  for (char c : pattern) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      if (pending_sep && !out.empty())
        out += '_';
      pending_sep = false;
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      pending_sep = true;
    }
  }
  return out.empty() ? "root" : out;
}

} // namespace skald::http
