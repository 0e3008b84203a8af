// runtime/admin/table.cpp — see table.hpp.
#include "runtime/admin/table.hpp"

#include <algorithm>
#include <cstdio>

namespace skald::admin {

namespace {

/// Characters, not bytes: UTF-8 continuation bytes do not count.
size_t width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80)
      ++n;
  return n;
}

std::string cut(const std::string& s, size_t max) {
  if (max == 0 || width(s) <= max)
    return s;
  std::string out;
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if ((c & 0xC0) != 0x80 && ++n > max - 1)
      break;
    out += s[i];
  }
  return out + "\xe2\x80\xa6"; // …
}

} // namespace

std::string render(const text_table& t) {
  const size_t cols = t.header.size();
  std::vector<std::vector<std::string>> cells;
  cells.reserve(t.rows.size() + 1);
  cells.push_back(t.header);
  for (const auto& r : t.rows) {
    std::vector<std::string> row(cols);
    for (size_t c = 0; c < cols && c < r.size(); ++c)
      row[c] = cut(r[c], t.max_width);
    cells.push_back(std::move(row));
  }
  std::vector<size_t> w(cols, 0);
  for (const auto& r : cells)
    for (size_t c = 0; c < cols; ++c)
      w[c] = std::max(w[c], width(r[c]));
  std::string out;
  for (const auto& r : cells) {
    std::string line;
    for (size_t c = 0; c < cols; ++c) {
      const bool right = c < t.numeric.size() && t.numeric[c];
      const auto pad = std::string(w[c] - width(r[c]), ' ');
      if (c > 0)
        line += "  ";
      line += right ? pad + r[c] : r[c] + pad;
    }
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    out += line;
    out += '\n';
  }
  return out;
}

std::string human_count(double n) {
  char buf[32];
  if (n >= 1e9)
    std::snprintf(buf, sizeof(buf), "%.1fG", n / 1e9);
  else if (n >= 1e6)
    std::snprintf(buf, sizeof(buf), "%.1fM", n / 1e6);
  else if (n >= 1e4)
    std::snprintf(buf, sizeof(buf), "%.1fk", n / 1e3);
  else if (n == static_cast<double>(static_cast<long long>(n)))
    std::snprintf(buf, sizeof(buf), "%lld", static_cast<long long>(n));
  else
    std::snprintf(buf, sizeof(buf), "%.1f", n);
  return buf;
}

std::string human_bytes(double n) {
  char buf[32];
  if (n >= 1024.0 * 1024 * 1024)
    std::snprintf(buf, sizeof(buf), "%.1f GiB", n / (1024.0 * 1024 * 1024));
  else if (n >= 1024.0 * 1024)
    std::snprintf(buf, sizeof(buf), "%.1f MiB", n / (1024.0 * 1024));
  else if (n >= 1024.0)
    std::snprintf(buf, sizeof(buf), "%.1f KiB", n / 1024.0);
  else
    std::snprintf(buf, sizeof(buf), "%lld B", static_cast<long long>(n));
  return buf;
}

std::string human_duration(long long s) {
  char buf[32];
  if (s < 120)
    std::snprintf(buf, sizeof(buf), "%llds", s);
  else if (s < 3600)
    std::snprintf(buf, sizeof(buf), "%lldm", s / 60);
  else if (s < 86400)
    std::snprintf(buf, sizeof(buf), "%lldh%lldm", s / 3600, s % 3600 / 60);
  else
    std::snprintf(buf, sizeof(buf), "%lldd%lldh", s / 86400, s % 86400 / 3600);
  return buf;
}

} // namespace skald::admin
