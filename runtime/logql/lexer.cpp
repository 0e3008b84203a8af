#include "runtime/logql/lexer.hpp"

#include <algorithm>
#include <cctype>

#include "runtime/logql/strconv.hpp"

namespace skald::logql {

namespace {

bool is_ident_start(unsigned char c) {
  return c == '_' || std::isalpha(c) || c >= 0x80;
}

bool is_ident_char(unsigned char c) {
  return is_ident_start(c) || std::isdigit(c);
}

bool is_duration_char(std::string_view s, size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (std::isdigit(c) || c == '.')
    return true;
  switch (c) {
    case 'n': case 's': case 'u': case 'm': case 'h': case 'd': case 'w': case 'y':
      return true;
    case 0xC2:  // first byte of µ (U+00B5)
      return i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xB5;
    case 0xB5:
      return i > 0 && static_cast<unsigned char>(s[i - 1]) == 0xC2;
    default:
      return false;
  }
}

bool is_bytes_unit(std::string_view u) {
  static const char* units[] = {"B",  "kB", "KB", "kb", "KiB", "Ki", "MB",  "MiB", "Mi", "GB",
                                "GiB", "Gi", "TB", "TiB", "Ti", "PB", "PiB", "Pi", "EB", "EiB"};
  return std::any_of(std::begin(units), std::end(units), [&](const char* x) { return u == x; });
}

const char* keywords[] = {
    "and", "or", "unless", "bool", "on", "ignoring", "group_left", "group_right", "offset", "by",
    "without", "json", "logfmt", "regexp", "pattern", "unpack", "line_format", "label_format",
    "decolorize", "drop", "keep", "unwrap", "ip", "bytes", "duration", "duration_seconds",
    "label_replace", "vector", "sum", "avg", "count", "max", "min", "stddev", "stdvar", "bottomk",
    "topk", "sort", "sort_desc", "approx_topk", "count_over_time", "rate", "rate_counter", "bytes_over_time",
    "bytes_rate", "avg_over_time", "sum_over_time", "min_over_time", "max_over_time",
    "stdvar_over_time", "stddev_over_time", "quantile_over_time", "first_over_time",
    "last_over_time", "absent_over_time"};

} // namespace

std::string parse_error_text(int line, int col, std::string_view msg) {
  return "parse error at line " + std::to_string(line) + ", col " + std::to_string(col) + ": "
         + std::string(msg);
}

std::string token_display(const token& t) {
  switch (t.kind) {
    case tok::eof: return "$end";
    case tok::ident: {
      for (const char* k : keywords)
        if (iequals(t.text, k)) {
          std::string s(t.text);
          for (auto& c : s)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
          return s;
        }
      return "IDENTIFIER";
    }
    case tok::string: return "STRING";
    case tok::number: return "NUMBER";
    case tok::duration: return "DURATION";
    case tok::bytes: return "BYTES";
    case tok::range: return "RANGE";
    case tok::flag: return std::string(t.text);
    default: return std::string(t.text);
  }
}

result<std::vector<token>> tokenize(std::string_view in) {
  if (in.size() >= max_query_size)  // Loki: len(input) >= maxInputSize
    return status{errc::invalid_argument, "parse error : input size too long (" + std::to_string(in.size())
                                              + " > " + std::to_string(max_query_size) + ")"};
  std::vector<token> out;
  size_t i = 0;
  int line = 1;
  size_t line_start = 0;
  auto err = [&](size_t pos, std::string_view msg) {
    return status{errc::invalid_argument,
                  parse_error_text(line, static_cast<int>(pos - line_start) + 1, msg)};
  };
  while (i < in.size()) {
    unsigned char c = static_cast<unsigned char>(in[i]);
    if (c == '\n') {
      ++line;
      ++i;
      line_start = i;
      continue;
    }
    if (std::isspace(c)) {
      ++i;
      continue;
    }
    if (c == '#') {
      while (i < in.size() && in[i] != '\n')
        ++i;
      continue;
    }
    token t;
    t.line = line;
    t.col = static_cast<int>(i - line_start) + 1;
    size_t start = i;
    auto two = [&](char a, char b) { return in[i] == a && i + 1 < in.size() && in[i + 1] == b; };
    auto emit = [&](tok k, size_t len) {
      t.kind = k;
      t.text = in.substr(start, len);
      i = start + len;
      out.push_back(std::move(t));
    };
    if (c == '"' || c == '`') {
      size_t j = i + 1;
      while (j < in.size() && in[j] != static_cast<char>(c)) {
        if (c == '"' && in[j] == '\\')
          ++j;
        else if (in[j] == '\n' && c == '"')
          return err(start, "literal not terminated");
        ++j;
      }
      if (j >= in.size())
        return err(start, "literal not terminated");
      if (!valid_utf8(in.substr(start, j + 1 - start)))
        return err(start, "invalid UTF-8 encoding");
      auto s = go_unquote(in.substr(start, j + 1 - start));
      if (!s)
        return err(start, "invalid syntax");
      t.str = std::move(*s);
      for (size_t k = start; k <= j; ++k)
        if (in[k] == '\n') {
          ++line;
          line_start = k + 1;
        }
      emit(tok::string, j + 1 - start);
      continue;
    }
    if (c == '[') {
      // Loki reports range tokens and their errors at line 0 (its lexer
      // scans them outside text/scanner), column of the '['.
      auto range_err = [&](std::string_view msg) {
        return status{errc::invalid_argument,
                      parse_error_text(0, static_cast<int>(start - line_start) + 1, msg)};
      };
      t.line = 0;
      size_t j = in.find(']', i);
      if (j == std::string_view::npos)
        return range_err("missing closing ']' in duration");
      std::string_view body = in.substr(i + 1, j - i - 1);
      while (!body.empty() && std::isspace(static_cast<unsigned char>(body.front())))
        body.remove_prefix(1);
      while (!body.empty() && std::isspace(static_cast<unsigned char>(body.back())))
        body.remove_suffix(1);
      auto d = parse_prom_duration(body);
      if (!d)
        return range_err(d.error().message());
      t.duration_ns = *d;
      emit(tok::range, j + 1 - start);
      continue;
    }
    if (std::isdigit(c) || (c == '.' && i + 1 < in.size() && std::isdigit(static_cast<unsigned char>(in[i + 1])))) {
      size_t j = i;
      bool based = c == '0' && j + 1 < in.size()
                   && std::string_view("xXoObB").find(in[j + 1]) != std::string_view::npos;
      if (based) {
        j += 2;
        while (j < in.size() && (std::isalnum(static_cast<unsigned char>(in[j])) || in[j] == '_' || in[j] == '.'))
          ++j;
        emit(tok::number, j - start);
        continue;
      }
      while (j < in.size() && std::isdigit(static_cast<unsigned char>(in[j])))
        ++j;
      if (j < in.size() && in[j] == '.') {
        ++j;
        while (j < in.size() && std::isdigit(static_cast<unsigned char>(in[j])))
          ++j;
      }
      size_t num_end = j;
      if (j < in.size() && (in[j] == 'e' || in[j] == 'E')) {
        size_t k = j + 1;
        if (k < in.size() && (in[k] == '+' || in[k] == '-'))
          ++k;
        if (k < in.size() && std::isdigit(static_cast<unsigned char>(in[k]))) {
          while (k < in.size() && std::isdigit(static_cast<unsigned char>(in[k])))
            ++k;
          num_end = k;
        }
      }
      // A duration suffix ("5m", "1h30m", "1.5s", "1d")? The digits before
      // `j` are all consumed, so in[j] is a unit letter here.
      if (num_end == j && j < in.size() && is_duration_char(in, j)) {
        size_t k = j;
        while (k < in.size() && is_duration_char(in, k))
          ++k;
        std::string_view text = in.substr(start, k - start);
        auto d = parse_go_duration(text);
        if (!d)
          d = parse_prom_duration(text);
        if (d) {
          t.duration_ns = *d;
          emit(tok::duration, k - start);
          continue;
        }
      }
      // A bytes suffix?
      if (num_end == j && j < in.size() && std::isalpha(static_cast<unsigned char>(in[j]))) {
        size_t k = j;
        while (k < in.size() && std::isalpha(static_cast<unsigned char>(in[k])))
          ++k;
        if (is_bytes_unit(in.substr(j, k - j))) {
          auto b = parse_bytes(in.substr(start, k - start));
          if (b) {
            t.bytes = *b;
            emit(tok::bytes, k - start);
            continue;
          }
        }
      }
      emit(tok::number, num_end - start);
      continue;
    }
    if (is_ident_start(c)) {
      size_t j = i;
      while (j < in.size() && is_ident_char(static_cast<unsigned char>(in[j])))
        ++j;
      emit(tok::ident, j - start);
      continue;
    }
    if (two('-', '-')) {
      size_t j = i + 2;
      while (j < in.size() && (std::isalpha(static_cast<unsigned char>(in[j])) || in[j] == '-' || in[j] == '_'))
        ++j;
      std::string_view f = in.substr(start, j - start);
      if (f != "--strict" && f != "--keep-empty")
        return err(start, "syntax error: unexpected " + std::string(f));
      emit(tok::flag, j - start);
      continue;
    }
    if (two('|', '=')) { emit(tok::pipe_exact, 2); continue; }
    if (two('|', '~')) { emit(tok::pipe_match, 2); continue; }
    if (two('|', '>')) { emit(tok::pipe_pattern, 2); continue; }
    if (two('!', '=')) { emit(tok::neq, 2); continue; }
    if (two('!', '~')) { emit(tok::nre, 2); continue; }
    if (two('!', '>')) { emit(tok::not_pattern, 2); continue; }
    if (two('=', '~')) { emit(tok::re, 2); continue; }
    if (two('=', '=')) { emit(tok::eqeq, 2); continue; }
    if (two('<', '=')) { emit(tok::le, 2); continue; }
    if (two('>', '=')) { emit(tok::ge, 2); continue; }
    switch (c) {
      case '{': emit(tok::lbrace, 1); continue;
      case '}': emit(tok::rbrace, 1); continue;
      case '(': emit(tok::lparen, 1); continue;
      case ')': emit(tok::rparen, 1); continue;
      case ',': emit(tok::comma, 1); continue;
      case '.': emit(tok::dot, 1); continue;
      case '=': emit(tok::eq, 1); continue;
      case '<': emit(tok::lt, 1); continue;
      case '>': emit(tok::gt, 1); continue;
      case '|': emit(tok::pipe, 1); continue;
      case '+': emit(tok::add, 1); continue;
      case '-': emit(tok::sub, 1); continue;
      case '*': emit(tok::mul, 1); continue;
      case '/': emit(tok::div, 1); continue;
      case '%': emit(tok::mod, 1); continue;
      case '^': emit(tok::pow, 1); continue;
      default:
        break;
    }
    return err(start, std::string("syntax error: unexpected character ") + go_quote(in.substr(i, 1)));
  }
  token e;
  e.kind = tok::eof;
  e.line = line;
  e.col = static_cast<int>(in.size() - line_start) + 1;
  out.push_back(e);
  return out;
}

} // namespace skald::logql
