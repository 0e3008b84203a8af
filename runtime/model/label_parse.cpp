#include "runtime/model/label_parse.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>

namespace skald::model {

namespace {

// ---- UTF-8 helpers -------------------------------------------------------

constexpr char32_t rune_error = 0xFFFD;
constexpr char32_t eof_rune = static_cast<char32_t>(-1);

/// Decodes one rune at s[0..]; Go utf8.DecodeRuneInString semantics:
/// invalid input yields (U+FFFD, 1); empty input yields (eof, 0).
std::pair<char32_t, size_t> decode_rune(std::string_view s) noexcept {
  if (s.empty())
    return {eof_rune, 0};
  auto b0 = static_cast<unsigned char>(s[0]);
  if (b0 < 0x80)
    return {b0, 1};
  auto cont = [&](size_t i) {
    return i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80;
  };
  auto at = [&](size_t i) { return static_cast<unsigned char>(s[i]) & 0x3Fu; };
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    if (!cont(1))
      return {rune_error, 1};
    return {((b0 & 0x1Fu) << 6) | at(1), 2};
  }
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (!cont(1) || !cont(2))
      return {rune_error, 1};
    auto b1 = static_cast<unsigned char>(s[1]);
    if (b0 == 0xE0 && b1 < 0xA0)
      return {rune_error, 1}; // overlong
    if (b0 == 0xED && b1 > 0x9F)
      return {rune_error, 1}; // surrogate
    return {((b0 & 0x0Fu) << 12) | (at(1) << 6) | at(2), 3};
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3))
      return {rune_error, 1};
    auto b1 = static_cast<unsigned char>(s[1]);
    if (b0 == 0xF0 && b1 < 0x90)
      return {rune_error, 1};
    if (b0 == 0xF4 && b1 > 0x8F)
      return {rune_error, 1};
    return {((b0 & 0x07u) << 18) | (at(1) << 12) | (at(2) << 6) | at(3), 4};
  }
  return {rune_error, 1};
}

void append_utf8(std::string& out, char32_t r) {
  if (r < 0x80) {
    out.push_back(static_cast<char>(r));
  } else if (r < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (r >> 6)));
    out.push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else if (r < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (r >> 12)));
    out.push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (r >> 18)));
    out.push_back(static_cast<char>(0x80 | ((r >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (r & 0x3F)));
  }
}

/// Approximation of Go's unicode.IsPrint for r >= 0x80 (see header).
bool is_print_nonascii(char32_t r) noexcept {
  if (r <= 0xA0 || r == 0xAD)
    return false;
  if ((r & 0xFFFE) == 0xFFFE)
    return false;
  struct range {
    char32_t lo, hi;
  };
  static constexpr range non_print[] = {
      {0x0600, 0x0605},   {0x061C, 0x061C},   {0x06DD, 0x06DD},    {0x070F, 0x070F},
      {0x0890, 0x0891},   {0x08E2, 0x08E2},   {0x1680, 0x1680},    {0x180E, 0x180E},
      {0x2000, 0x200F},   {0x2028, 0x202F},   {0x205F, 0x206F},    {0x3000, 0x3000},
      {0xD800, 0xF8FF},   {0xFDD0, 0xFDEF},   {0xFEFF, 0xFEFF},    {0xFFF0, 0xFFFB},
      {0x110BD, 0x110BD}, {0x110CD, 0x110CD}, {0x13430, 0x1343F},  {0x1BCA0, 0x1BCA3},
      {0x1D173, 0x1D17A}, {0xE0000, 0xE00FF}, {0xE01F0, 0x10FFFF},
  };
  for (const auto& rg : non_print)
    if (r >= rg.lo && r <= rg.hi)
      return false;
  return true;
}

constexpr char hex_digits[] = "0123456789abcdef";

void append_hex(std::string& out, uint32_t v, int digits) {
  for (int i = digits - 1; i >= 0; --i)
    out.push_back(hex_digits[(v >> (i * 4)) & 0xF]);
}

void append_escaped_rune(std::string& out, char32_t r, char quote) {
  if (r == static_cast<char32_t>(quote) || r == '\\') {
    out.push_back('\\');
    out.push_back(static_cast<char>(r));
    return;
  }
  if (r >= 0x20 && r < 0x7F) {
    out.push_back(static_cast<char>(r));
    return;
  }
  if (r >= 0x80 && is_print_nonascii(r)) {
    append_utf8(out, r);
    return;
  }
  switch (r) {
  case '\a':
    out += "\\a";
    return;
  case '\b':
    out += "\\b";
    return;
  case '\f':
    out += "\\f";
    return;
  case '\n':
    out += "\\n";
    return;
  case '\r':
    out += "\\r";
    return;
  case '\t':
    out += "\\t";
    return;
  case '\v':
    out += "\\v";
    return;
  default:
    break;
  }
  if (r < 0x20 || r == 0x7F) {
    out += "\\x";
    append_hex(out, r, 2);
  } else if (r < 0x10000) {
    out += "\\u";
    append_hex(out, r, 4);
  } else {
    out += "\\U";
    append_hex(out, r, 8);
  }
}

void append_go_quote_with(std::string& out, std::string_view s, char quote) {
  out.push_back(quote);
  while (!s.empty()) {
    auto [r, w] = decode_rune(s);
    if (w == 1 && r == rune_error) {
      out += "\\x";
      append_hex(out, static_cast<unsigned char>(s[0]), 2);
    } else {
      append_escaped_rune(out, r, quote);
    }
    s.remove_prefix(w);
  }
  out.push_back(quote);
}

/// Go's %q of a rune: 'x'.
std::string quote_rune(char32_t r) {
  std::string out;
  if (r == eof_rune)
    r = rune_error;
  out.push_back('\'');
  append_escaped_rune(out, r, '\'');
  out.push_back('\'');
  return out;
}

/// Go's %#U of a rune: "U+0027 '''" (the quoted form only when printable).
std::string hash_u(char32_t r) {
  std::string out = "U+";
  append_hex(out, r, r > 0xFFFF ? (r > 0xFFFFF ? 6 : 5) : 4);
  for (auto& c : out)
    if (c >= 'a' && c <= 'f')
      c = static_cast<char>(c - 'a' + 'A');
  bool printable = (r >= 0x20 && r < 0x7F) || (r >= 0x80 && is_print_nonascii(r));
  if (printable) {
    out += " '";
    append_utf8(out, r);
    out += "'";
  }
  return out;
}

// ---- the lexer (Prometheus promql/parser/lex.go, subset for ParseMetric) --

enum class tok {
  eof,
  error,
  left_brace,
  right_brace,
  comma,
  eql,
  op,    // =~ != !~ == and other operators: desc "<op:...>"
  punct, // ( ) [ ] ... : desc "\"(\""
  identifier,
  metric_identifier,
  string,
  number,
};

struct item {
  tok type = tok::eof;
  size_t pos = 0;
  std::string_view val; // token text (or error message for tok::error)
  std::string err;      // error message storage
};

bool is_space(char32_t r) {
  return r == ' ' || r == '\t' || r == '\n' || r == '\r';
}
bool is_alpha(char32_t r) {
  return r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z');
}
bool is_digit(char32_t r) {
  return r >= '0' && r <= '9';
}
bool is_alnum(char32_t r) {
  return is_alpha(r) || is_digit(r);
}

int digit_val(char32_t ch) {
  if (ch >= '0' && ch <= '9')
    return static_cast<int>(ch - '0');
  if (ch >= 'a' && ch <= 'f')
    return static_cast<int>(ch - 'a' + 10);
  if (ch >= 'A' && ch <= 'F')
    return static_cast<int>(ch - 'A' + 10);
  return 16;
}

class lexer {
public:
  explicit lexer(std::string_view in) : in_(in) {}

  item next() {
    for (;;) {
      start_ = pos_;
      if (pos_ < in_.size() && in_[pos_] == '#') { // line comment
        while (pos_ < in_.size() && in_[pos_] != '\n' && in_[pos_] != '\r')
          ++pos_;
        continue;
      }
      char32_t r = get();
      if (r == eof_rune) {
        if (brace_open_)
          return error("unexpected end of input inside braces");
        return emit(tok::eof);
      }
      if (is_space(r))
        continue;
      return brace_open_ ? inside_braces(r) : statements(r);
    }
  }

private:
  char32_t get() {
    auto [r, w] = decode_rune(in_.substr(std::min(pos_, in_.size())));
    width_ = w;
    pos_ += w;
    return r;
  }
  void backup() { pos_ -= width_; }
  char32_t peek() {
    auto r = get();
    backup();
    return r;
  }

  item emit(tok t) {
    item it;
    it.type = t;
    it.pos = start_;
    it.val = in_.substr(start_, pos_ - start_);
    start_ = pos_;
    return it;
  }
  item error(std::string msg) {
    item it;
    it.type = tok::error;
    it.pos = start_;
    it.err = std::move(msg);
    return it;
  }

  item statements(char32_t r) {
    switch (r) {
    case ',':
      return emit(tok::comma);
    case '{':
      brace_open_ = true;
      return emit(tok::left_brace);
    case '}':
      return emit(tok::punct); // yacc sees RIGHT_BRACE out of place
    case '*':
    case '/':
    case '%':
    case '+':
    case '-':
    case '^':
    case '@':
      return emit(tok::op);
    case '(':
    case ')':
    case '[':
    case ']':
      return emit(tok::punct);
    case '=': {
      auto t = peek();
      if (t == '=') {
        get();
        return emit(tok::op);
      }
      if (t == '~')
        return error("unexpected character after '=': " + quote_rune(t));
      return emit(tok::eql);
    }
    case '!': {
      auto t = get();
      if (t != '=')
        return error("unexpected character after '!': " + quote_rune(t));
      return emit(tok::op);
    }
    case '<':
    case '>':
      if (peek() == '=')
        get();
      return emit(tok::op);
    case '"':
    case '\'':
      quote_ = static_cast<char>(r);
      return lex_string();
    case '`':
      quote_ = '`';
      return lex_raw_string();
    default:
      break;
    }
    if (is_digit(r) || (r == '.' && is_digit(peek()))) {
      while (pos_ < in_.size()) {
        auto c = peek();
        if (!(is_alnum(c) || c == '.'))
          break;
        get();
      }
      return emit(tok::number);
    }
    if (is_alpha(r) || r == ':') {
      bool colon = r == ':';
      for (;;) {
        auto c = get();
        if (is_alnum(c) || c == ':') {
          colon |= c == ':';
          continue;
        }
        if (c != eof_rune)
          backup();
        break;
      }
      return emit(colon ? tok::metric_identifier : tok::identifier);
    }
    return error("unexpected character: " + quote_rune(r));
  }

  item inside_braces(char32_t r) {
    if (is_alpha(r)) {
      for (;;) {
        auto c = get();
        if (!is_alnum(c)) {
          if (c != eof_rune)
            backup();
          break;
        }
      }
      return emit(tok::identifier);
    }
    switch (r) {
    case ',':
      return emit(tok::comma);
    case '"':
    case '\'':
      quote_ = static_cast<char>(r);
      return lex_string();
    case '`':
      quote_ = '`';
      return lex_raw_string();
    case '=':
      if (get() == '~')
        return emit(tok::op);
      backup();
      return emit(tok::eql);
    case '!': {
      auto nr = get();
      if (nr == '~' || nr == '=')
        return emit(tok::op);
      return error("unexpected character after '!' inside braces: " + quote_rune(nr));
    }
    case '{':
      return error("unexpected left brace '{'");
    case '}':
      brace_open_ = false;
      return emit(tok::right_brace);
    default:
      return error("unexpected character inside braces: " + quote_rune(r));
    }
  }

  item lex_string() {
    for (;;) {
      auto r = get();
      if (r == '\\') {
        if (auto e = lex_escape())
          return error(std::move(*e));
        continue;
      }
      if (r == rune_error)
        return error("invalid UTF-8 rune");
      if (r == eof_rune || r == '\n')
        return error("unterminated quoted string");
      if (r == static_cast<char32_t>(quote_))
        return emit(tok::string);
    }
  }

  item lex_raw_string() {
    for (;;) {
      auto r = get();
      if (r == rune_error)
        return error("invalid UTF-8 rune");
      if (r == eof_rune)
        return error("unterminated raw string");
      if (r == '`')
        return emit(tok::string);
    }
  }

  /// After a backslash; returns an error message or nothing.
  std::optional<std::string> lex_escape() {
    int n = 0;
    uint32_t base = 0, max_val = 0;
    char32_t ch = get();
    switch (ch) {
    case 'a':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't':
    case 'v':
    case '\\':
      return std::nullopt;
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
      n = 3;
      base = 8;
      max_val = 255;
      break;
    case 'x':
      ch = get();
      n = 2;
      base = 16;
      max_val = 255;
      break;
    case 'u':
      ch = get();
      n = 4;
      base = 16;
      max_val = 0x10FFFF;
      break;
    case 'U':
      ch = get();
      n = 8;
      base = 16;
      max_val = 0x10FFFF;
      break;
    default:
      if (ch == eof_rune)
        return std::string{"escape sequence not terminated"};
      if (ch == static_cast<char32_t>(quote_))
        return std::nullopt;
      return "unknown escape sequence " + hash_u(ch);
    }
    uint32_t x = 0;
    while (n > 0) {
      auto d = static_cast<uint32_t>(digit_val(ch));
      if (d >= base) {
        if (ch == eof_rune)
          return std::string{"escape sequence not terminated"};
        return "illegal character " + hash_u(ch) + " in escape sequence";
      }
      x = x * base + d;
      --n;
      if (n > 0)
        ch = get();
    }
    if (x > max_val || (x >= 0xD800 && x < 0xE000))
      return std::string{"escape sequence is an invalid Unicode code point"};
    return std::nullopt;
  }

  std::string_view in_;
  size_t pos_ = 0;
  size_t start_ = 0;
  size_t width_ = 0;
  bool brace_open_ = false;
  char quote_ = '"';
};

/// Unquotes a lexed string token (already validated by the lexer).
std::string unquote(std::string_view tokv) {
  std::string out;
  char q = tokv.front();
  auto s = tokv.substr(1, tokv.size() - 2);
  if (q == '`')
    return std::string{s};
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    char c = s[i];
    if (c != '\\') {
      out.push_back(c);
      ++i;
      continue;
    }
    char e = s[i + 1];
    i += 2;
    switch (e) {
    case 'a':
      out.push_back('\a');
      break;
    case 'b':
      out.push_back('\b');
      break;
    case 'f':
      out.push_back('\f');
      break;
    case 'n':
      out.push_back('\n');
      break;
    case 'r':
      out.push_back('\r');
      break;
    case 't':
      out.push_back('\t');
      break;
    case 'v':
      out.push_back('\v');
      break;
    case 'x':
    case 'u':
    case 'U': {
      int n = e == 'x' ? 2 : (e == 'u' ? 4 : 8);
      uint32_t v = 0;
      for (int k = 0; k < n; ++k)
        v = v * 16 + static_cast<uint32_t>(digit_val(static_cast<unsigned char>(s[i + k])));
      i += n;
      if (e == 'x')
        out.push_back(static_cast<char>(v));
      else
        append_utf8(out, v);
      break;
    }
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7': {
      uint32_t v = 0;
      for (int k = 0; k < 3; ++k)
        v = v * 8 + static_cast<uint32_t>(s[i - 1 + k] - '0');
      i += 2;
      out.push_back(static_cast<char>(v));
      break;
    }
    default:
      out.push_back(e);
      break; // \\ and the quote character
    }
  }
  return out;
}

/// Prometheus Item.desc().
std::string describe(const item& it) {
  std::string out;
  switch (it.type) {
  case tok::eof:
    return "end of input";
  case tok::op:
    out = "<op:";
    out.append(it.val);
    out += ">";
    return out;
  case tok::left_brace:
  case tok::right_brace:
  case tok::comma:
  case tok::eql:
  case tok::punct:
    append_go_quote_with(out, it.val, '"');
    return out;
  case tok::identifier:
    out = "identifier ";
    break;
  case tok::metric_identifier:
    out = "metric identifier ";
    break;
  case tok::string:
    out = "string ";
    break;
  case tok::number:
    out = "number ";
    break;
  case tok::error:
    return it.err;
  }
  // Go: len(val) > 10 (bytes) -> %.10q... (first 10 runes quoted, then "...")
  if (it.type != tok::identifier && it.type != tok::metric_identifier && it.val.size() > 10) {
    size_t cut = 0;
    for (int runes = 0; runes < 10 && cut < it.val.size(); ++runes)
      cut += decode_rune(it.val.substr(cut)).second;
    append_go_quote_with(out, it.val.substr(0, cut), '"');
    out += "...";
  } else {
    append_go_quote_with(out, it.val, '"');
  }
  return out;
}

status parse_error(std::string_view input, size_t pos, const std::string& msg) {
  size_t line = 1;
  long last_break = -1;
  for (size_t i = 0; i < pos && i < input.size(); ++i)
    if (input[i] == '\n') {
      last_break = static_cast<long>(i);
      ++line;
    }
  long col = static_cast<long>(pos) - last_break;
  return status{errc::invalid_argument,
                std::to_string(line) + ":" + std::to_string(col) + ": parse error: " + msg};
}

status unexpected(std::string_view input, const item& it, std::string_view context,
                  std::string_view expected) {
  if (it.type == tok::error)
    return parse_error(input, it.pos, it.err);
  std::string msg = "unexpected " + describe(it);
  if (!context.empty()) {
    msg += " in ";
    msg.append(context);
  }
  if (!expected.empty()) {
    msg += ", expected ";
    msg.append(expected);
  }
  return parse_error(input, it.pos, msg);
}

} // namespace

result<label_set> parse_labels(std::string_view text) {
  static constexpr std::string_view ctx = "label set";
  lexer lx{text};
  label_set out;
  item it = lx.next();
  if (it.type == tok::identifier || it.type == tok::metric_identifier) {
    out.push_back(label{"__name__", std::string{it.val}});
    it = lx.next();
  }
  if (it.type == tok::left_brace) {
    for (;;) {
      it = lx.next();
      if (it.type == tok::right_brace)
        break;
      if (it.type == tok::identifier || it.type == tok::string) {
        std::string name = it.type == tok::string ? unquote(it.val) : std::string{it.val};
        bool quoted_name = it.type == tok::string;
        it = lx.next();
        if (it.type == tok::eql) {
          it = lx.next();
          if (it.type != tok::string)
            return unexpected(text, it, ctx, "string");
          out.push_back(label{std::move(name), unquote(it.val)});
          it = lx.next();
        } else if (quoted_name && (it.type == tok::comma || it.type == tok::right_brace)) {
          out.push_back(label{"__name__", std::move(name)});
        } else if (quoted_name) {
          return unexpected(text, it, ctx, "\",\" or \"}\"");
        } else {
          return unexpected(text, it, ctx, "\"=\"");
        }
      } else {
        return unexpected(text, it, ctx, "identifier or \"}\"");
      }
      if (it.type == tok::right_brace)
        break;
      if (it.type != tok::comma)
        return unexpected(text, it, ctx, "\",\" or \"}\"");
    }
    it = lx.next();
  }
  if (it.type != tok::eof)
    return unexpected(text, it, "", "");

  // labels.Builder: names with an empty value anywhere are removed entirely.
  bool any_empty =
      std::any_of(out.begin(), out.end(), [](const label& l) { return l.value.empty(); });
  if (any_empty) {
    std::vector<std::string> del;
    for (const auto& l : out)
      if (l.value.empty())
        del.push_back(l.name);
    out.erase(std::remove_if(out.begin(), out.end(),
                             [&](const label& l) {
                               return std::find(del.begin(), del.end(), l.name) != del.end();
                             }),
              out.end());
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const label& a, const label& b) { return a.name < b.name; });
  return out;
}

bool is_legacy_label_name(std::string_view name) noexcept {
  if (name.empty())
    return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok)
      return false;
  }
  return true;
}

bool is_valid_utf8(std::string_view s) noexcept {
  size_t i = 0;
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    auto [r, w] = decode_rune(s.substr(i));
    if (r == rune_error && w == 1)
      return false;
    i += w;
  }
  return true;
}

void append_go_quote(std::string& out, std::string_view s) {
  append_go_quote_with(out, s, '"');
}

void append_canonical(std::string& out, const label_set& ls) {
  out.push_back('{');
  bool first = true;
  for (const auto& l : ls) {
    if (!first)
      out += ", ";
    first = false;
    if (is_legacy_label_name(l.name))
      out += l.name;
    else
      append_go_quote(out, l.name);
    out.push_back('=');
    append_go_quote(out, l.value);
  }
  out.push_back('}');
}

std::string canonical_string(const label_set& ls) {
  std::string out;
  size_t n = 2;
  for (const auto& l : ls)
    n += l.name.size() + l.value.size() + 5;
  out.reserve(n);
  append_canonical(out, ls);
  return out;
}

} // namespace skald::model
