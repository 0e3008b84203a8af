#include "actors/http/request.hpp"

namespace skald::http {

namespace {

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

char lower(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

template <class List>
const std::string* find_first(const List& list, std::string_view name, bool fold) noexcept {
  for (auto& [k, v] : list)
    if (fold ? iequals(k, name) : k == name)
      return &v;
  return nullptr;
}

} // namespace

// ---- request ----

const std::string* request::find_header(std::string_view name) const noexcept {
  return find_first(headers, name, true);
}

std::string_view request::header(std::string_view name) const noexcept {
  auto* v = find_header(name);
  return v != nullptr ? std::string_view{*v} : std::string_view{};
}

const std::string* request::param(std::string_view name) const noexcept {
  return find_first(params, name, false);
}

std::string_view request::param_or(std::string_view name,
                                   std::string_view fallback) const noexcept {
  auto* v = param(name);
  return v != nullptr ? std::string_view{*v} : fallback;
}

std::vector<std::string_view> request::param_values(std::string_view name) const {
  std::vector<std::string_view> res;
  for (auto& [k, v] : params)
    if (k == name)
      res.emplace_back(v);
  return res;
}

std::string_view request::path_param(std::string_view name) const noexcept {
  auto* v = find_first(path_params, name, false);
  return v != nullptr ? std::string_view{*v} : std::string_view{};
}

// ---- response ----

response response::text(unsigned status, std::string body) {
  response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

response response::json(unsigned status, std::string body) {
  response r;
  r.status = status;
  r.content_type = "application/json; charset=utf-8";
  r.body = std::move(body);
  return r;
}

response response::error(unsigned status, std::string_view message) {
  response r;
  r.status = status;
  r.body.reserve(message.size() + 1);
  r.body.append(message);
  r.body += '\n';
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

response response::upgrade_to(std::shared_ptr<websocket_upgrade> u) {
  response r;
  r.status = 101;
  r.content_type.clear();
  r.upgrade = std::move(u);
  return r;
}

response response::empty(unsigned status) {
  response r;
  r.status = status;
  r.content_type.clear();
  return r;
}

// ---- decoding ----

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size())
    return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i]))
      return false;
  return true;
}

status url_decode(std::string_view in, bool plus_is_space, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      int hi = i + 2 < in.size() ? hex_value(in[i + 1]) : -1;
      int lo = i + 2 < in.size() ? hex_value(in[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        std::string bad{in.substr(i, 3)};
        return status{errc::invalid_argument, "invalid URL escape \"" + bad + "\""};
      }
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return {};
}

status parse_query(std::string_view query, param_list& out) {
  status first;
  std::string key;
  std::string value;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.find(';') != std::string_view::npos) {
      if (first.ok())
        first = status{errc::invalid_argument, "invalid semicolon separator in query"};
      continue;
    }
    if (pair.empty())
      continue;
    auto eq = pair.find('=');
    std::string_view k = pair.substr(0, eq);
    std::string_view v = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    status st = url_decode(k, true, key);
    if (st.ok())
      st = url_decode(v, true, value);
    if (!st.ok()) {
      if (first.ok())
        first = std::move(st);
      continue;
    }
    out.emplace_back(std::move(key), std::move(value));
    key.clear();
    value.clear();
  }
  return first;
}

std::string media_type(std::string_view content_type) {
  auto semi = content_type.find(';');
  std::string_view t = content_type.substr(0, semi);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t'))
    t.remove_suffix(1);
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t'))
    t.remove_prefix(1);
  std::string res;
  res.reserve(t.size());
  for (char c : t)
    res += lower(c);
  return res;
}

} // namespace skald::http
