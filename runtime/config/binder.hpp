// runtime/config/binder.hpp — the vocabulary every config struct's bind() speaks.
//
// Each component's config struct (server_config, ingester_config, ...) has ONE
//   template <class Binder> void bind(Binder& b);
// that declares every field once, in YAML order:
//   b.field(member, "yaml_key", default, "help", opts()...);   // a value
//   b.section(member, "yaml_key", "help");                     // a nested struct
//   b.list(member, "yaml_key", "help");                        // a YAML list of structs
//   b.ignored("yaml_key", "why");   // a Loki key skald accepts and ignores (any value)
// Binders visiting it (all in runtime/config/*.cpp except defaults_binder):
//   defaults_binder (here; every config struct's constructor uses it),
//   the YAML loader, the command-line flag registry, the YAML printer, the
//   reference-doc generator and the flattener used for equality.
// Nothing else may assign a default: the default in bind() is the only one.
//
// Field types: bool, integers, double, std::string (optionally one of a fixed
// set), std::vector<std::string>, std::chrono::duration<...> (non-negative
// unless opts().allow_negative()), skald::byte_size. value_traits<T> below is the
// single place that parses and prints each type.
//
// Flag names: derived from the YAML path (`ingester.chunk_idle_period` ->
// `-ingester.chunk-idle-period`) unless opts().flag("log.level") names one.
// Fields inside lists have no flag.
//
// Owner: runtime/config. Thread-safety: none needed, binders are stack objects.
#pragma once

#include <charconv>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "runtime/util/status.hpp"
#include "runtime/util/units.hpp"

namespace skald::config {

/// Optional per-field settings; build with opts().flag("x").one_of({...}).
struct field_opts {
  /// Explicit flag name without the leading dash; empty = derived from the path.
  std::string_view flag_name;
  /// For string fields: the allowed values (empty = any string).
  std::vector<std::string_view> allowed;
  /// For durations: whether a negative value is meaningful.
  bool negative_ok = false;

  field_opts&& flag(std::string_view name) && {
    flag_name = name;
    return std::move(*this);
  }
  field_opts&& one_of(std::initializer_list<std::string_view> values) && {
    allowed.assign(values.begin(), values.end());
    return std::move(*this);
  }
  field_opts&& allow_negative() && {
    negative_ok = true;
    return std::move(*this);
  }
};

inline field_opts opts() { return {}; }

/// Keeps the default argument of field() out of template deduction, so that
/// `b.field(level, "log_level", "info", ...)` deduces T = std::string from the member.
template <class T>
struct identity {
  using type = T;
};
template <class T>
using identity_t = typename identity<T>::type;

/// `ingester.chunk_idle_period` -> `ingester.chunk-idle-period` (no dash prefix).
std::string derive_flag_name(std::string_view dotted_path);

/// "a, b, c" for error messages and docs.
std::string join(const std::vector<std::string_view>& values, std::string_view sep = ", ");

// ---- value_traits: parse and print one field type ------------------------------

template <class T, class = void>
struct value_traits; // no definition: an unsupported field type fails to compile

template <>
struct value_traits<bool> {
  static constexpr std::string_view type_name = "boolean";
  static constexpr bool is_bool = true;
  static constexpr bool is_list = false;
  /// Go's strconv.ParseBool values plus YAML 1.1 yes/no/on/off.
  static status parse(std::string_view text, bool& out, const field_opts& o);
  static std::string format(bool v) { return v ? "true" : "false"; }
};

status parse_signed(std::string_view text, int64_t min, int64_t max, int64_t& out);
status parse_unsigned(std::string_view text, uint64_t max, uint64_t& out);

template <class T>
struct value_traits<T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>>> {
  static constexpr std::string_view type_name = std::is_signed_v<T> ? "int" : "uint";
  static constexpr bool is_bool = false;
  static constexpr bool is_list = false;
  static status parse(std::string_view text, T& out, const field_opts&) {
    if constexpr (std::is_signed_v<T>) {
      int64_t v = 0;
      auto st = parse_signed(text, std::numeric_limits<T>::min(), std::numeric_limits<T>::max(), v);
      if (st.ok())
        out = static_cast<T>(v);
      return st;
    } else {
      uint64_t v = 0;
      auto st = parse_unsigned(text, std::numeric_limits<T>::max(), v);
      if (st.ok())
        out = static_cast<T>(v);
      return st;
    }
  }
  static std::string format(T v) { return std::to_string(v); }
};

template <>
struct value_traits<double> {
  static constexpr std::string_view type_name = "float";
  static constexpr bool is_bool = false;
  static constexpr bool is_list = false;
  static status parse(std::string_view text, double& out, const field_opts& o);
  /// Shortest text that reads back to the same double.
  static std::string format(double v);
};

template <>
struct value_traits<std::string> {
  static constexpr std::string_view type_name = "string";
  static constexpr bool is_bool = false;
  static constexpr bool is_list = false;
  /// Checks `o.allowed` when it is not empty.
  static status parse(std::string_view text, std::string& out, const field_opts& o);
  static std::string format(const std::string& v) { return v; }
};

template <>
struct value_traits<std::vector<std::string>> {
  static constexpr std::string_view type_name = "list of strings";
  static constexpr bool is_bool = false;
  static constexpr bool is_list = true;
  /// Comma-separated (flags and YAML scalars); blanks around items are trimmed,
  /// empty items dropped; each item checked against `o.allowed`.
  static status parse(std::string_view text, std::vector<std::string>& out, const field_opts& o);
  /// Comma-joined.
  static std::string format(const std::vector<std::string>& v);
  /// Checks one item (used for YAML sequences).
  static status check_item(std::string_view item, const field_opts& o);
};

status parse_duration_field(std::string_view text, const field_opts& o, std::chrono::nanoseconds& out);

template <class Rep, class Period>
struct value_traits<std::chrono::duration<Rep, Period>> {
  using type = std::chrono::duration<Rep, Period>;
  static constexpr std::string_view type_name = "duration";
  static constexpr bool is_bool = false;
  static constexpr bool is_list = false;
  static status parse(std::string_view text, type& out, const field_opts& o) {
    std::chrono::nanoseconds ns{0};
    if (auto st = parse_duration_field(text, o, ns); !st.ok())
      return st;
    auto converted = std::chrono::duration_cast<type>(ns);
    if (std::chrono::duration_cast<std::chrono::nanoseconds>(converted) != ns)
      return status{errc::invalid_argument,
                    "must be a multiple of " + format(type{1})};
    out = converted;
    return {};
  }
  static std::string format(const type& v) {
    return format_duration(std::chrono::duration_cast<std::chrono::nanoseconds>(v));
  }
};

template <>
struct value_traits<byte_size> {
  static constexpr std::string_view type_name = "size";
  static constexpr bool is_bool = false;
  static constexpr bool is_list = false;
  static status parse(std::string_view text, byte_size& out, const field_opts& o);
  static std::string format(byte_size v) { return format_bytes(v.bytes); }
};

// ---- defaults_binder ---------------------------------------------------------

/// Assigns every field its declared default; lists become empty.
struct defaults_binder {
  template <class T>
  void field(T& ref, std::string_view, const identity_t<T>& def, std::string_view,
             field_opts = {}) {
    ref = def;
  }
  template <class S>
  void section(S& sub, std::string_view, std::string_view) {
    sub.bind(*this);
  }
  template <class E>
  void list(std::vector<E>& items, std::string_view, std::string_view) {
    items.clear();
  }
  void ignored(std::string_view, std::string_view) {}
};

/// Resets any config struct to the defaults its bind() declares.
template <class Config>
void set_defaults(Config& cfg) {
  defaults_binder b;
  cfg.bind(b);
}

/// Prefixes a non-ok status's message with a key path: "ingester: ...".
status within(std::string_view key, status st);

} // namespace skald::config
