#include "runtime/config/binder.hpp"

#include <cctype>

#include <fmt/format.h>

namespace skald::config {

std::string derive_flag_name(std::string_view dotted_path) {
  std::string out{dotted_path};
  for (char& c : out)
    if (c == '_')
      c = '-';
  return out;
}

std::string join(const std::vector<std::string_view>& values, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0)
      out += sep;
    out += values[i];
  }
  return out;
}

namespace {

status invalid(std::string message) { return status{errc::invalid_argument, std::move(message)}; }

std::string lower(std::string_view s) {
  std::string out;
  for (char c : s)
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return s;
}

} // namespace

status value_traits<bool>::parse(std::string_view text, bool& out, const field_opts&) {
  auto t = lower(text);
  if (t == "true" || t == "t" || t == "1" || t == "yes" || t == "on") {
    out = true;
    return {};
  }
  if (t == "false" || t == "f" || t == "0" || t == "no" || t == "off") {
    out = false;
    return {};
  }
  return invalid("not a boolean (true or false)");
}

status parse_signed(std::string_view text, int64_t min, int64_t max, int64_t& out) {
  if (!text.empty() && text.front() == '+')
    text.remove_prefix(1);
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec == std::errc::result_out_of_range)
    return invalid(fmt::format("out of range [{}, {}]", min, max));
  if (ec != std::errc{} || ptr != text.data() + text.size() || text.empty())
    return invalid("not an integer");
  if (v < min || v > max)
    return invalid(fmt::format("out of range [{}, {}]", min, max));
  out = v;
  return {};
}

status parse_unsigned(std::string_view text, uint64_t max, uint64_t& out) {
  if (!text.empty() && text.front() == '+')
    text.remove_prefix(1);
  if (!text.empty() && text.front() == '-')
    return invalid("must not be negative");
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec == std::errc::result_out_of_range)
    return invalid(fmt::format("out of range [0, {}]", max));
  if (ec != std::errc{} || ptr != text.data() + text.size() || text.empty())
    return invalid("not a non-negative integer");
  if (v > max)
    return invalid(fmt::format("out of range [0, {}]", max));
  out = v;
  return {};
}

status value_traits<double>::parse(std::string_view text, double& out, const field_opts&) {
  if (!text.empty() && text.front() == '+')
    text.remove_prefix(1);
  double v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || ptr != text.data() + text.size() || text.empty())
    return invalid("not a number");
  if (v != v)
    return invalid("not a number");
  out = v;
  return {};
}

std::string value_traits<double>::format(double v) { return fmt::format("{}", v); }

namespace {

status check_allowed(std::string_view text, const field_opts& o) {
  if (o.allowed.empty())
    return {};
  for (auto a : o.allowed)
    if (a == text)
      return {};
  return invalid(fmt::format("must be one of {}", join(o.allowed)));
}

} // namespace

status value_traits<std::string>::parse(std::string_view text, std::string& out,
                                        const field_opts& o) {
  if (auto st = check_allowed(text, o); !st.ok())
    return st;
  out.assign(text);
  return {};
}

status value_traits<std::vector<std::string>>::check_item(std::string_view item,
                                                         const field_opts& o) {
  return check_allowed(item, o);
}

status value_traits<std::vector<std::string>>::parse(std::string_view text,
                                                    std::vector<std::string>& out,
                                                    const field_opts& o) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos)
      comma = text.size();
    auto item = trim(text.substr(start, comma - start));
    if (!item.empty()) {
      if (auto st = check_allowed(item, o); !st.ok())
        return st;
      items.emplace_back(item);
    }
    start = comma + 1;
  }
  out = std::move(items);
  return {};
}

std::string value_traits<std::vector<std::string>>::format(const std::vector<std::string>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0)
      out += ',';
    out += v[i];
  }
  return out;
}

status parse_duration_field(std::string_view text, const field_opts& o,
                            std::chrono::nanoseconds& out) {
  auto d = parse_duration(text);
  if (!d.ok())
    return invalid(fmt::format("not a valid duration ({}); examples: 30s, 1h30m, 500ms",
                               d.error().message()));
  if (d->count() < 0 && !o.negative_ok)
    return invalid("must not be negative");
  out = *d;
  return {};
}

status value_traits<byte_size>::parse(std::string_view text, byte_size& out, const field_opts&) {
  auto n = parse_bytes(text);
  if (!n.ok())
    return invalid(fmt::format("not a valid size ({}); examples: 256KB, 1.5MB, 1GB, 1024",
                               n.error().message()));
  out = byte_size{*n};
  return {};
}

status within(std::string_view key, status st) {
  if (st.ok())
    return st;
  return status{st.code(), fmt::format("{}.{}", key, st.message())};
}

} // namespace skald::config
