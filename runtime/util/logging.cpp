#include "runtime/util/logging.hpp"

#include <atomic>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace skald::log {

namespace {

// level=... with Loki's names.
class level_flag final : public spdlog::custom_flag_formatter {
public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    std::string_view name = "info";
    switch (msg.level) {
      case spdlog::level::trace:
      case spdlog::level::debug: name = "debug"; break;
      case spdlog::level::info: name = "info"; break;
      case spdlog::level::warn: name = "warn"; break;
      default: name = "error"; break;
    }
    dest.append(name.data(), name.data() + name.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<level_flag>();
  }
};

// caller=file.cpp:42 (basename only, like go-kit's caller).
class caller_flag final : public spdlog::custom_flag_formatter {
public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    if (msg.source.empty()) {
      dest.push_back('-');
      return;
    }
    const char* file = msg.source.filename;
    if (const char* slash = std::strrchr(file, '/'))
      file = slash + 1;
    dest.append(file, file + std::strlen(file));
    dest.push_back(':');
    auto line = std::to_string(msg.source.line);
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<caller_flag>();
  }
};

// Appends `payload` as a double-quoted string: logfmt escapes quotes,
// backslashes and \n \r \t; JSON also needs every other control character as
// \u00XX.
void append_quoted(std::string_view payload, bool json, spdlog::memory_buf_t& dest) {
  dest.push_back('"');
  for (char c : payload) {
    switch (c) {
      case '"': dest.append(std::string_view{"\\\""}); break;
      case '\\': dest.append(std::string_view{"\\\\"}); break;
      case '\n': dest.append(std::string_view{"\\n"}); break;
      case '\r': dest.append(std::string_view{"\\r"}); break;
      case '\t': dest.append(std::string_view{"\\t"}); break;
      default:
        if (json && static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", static_cast<unsigned>(c));
          dest.append(std::string_view{buf});
        } else {
          dest.push_back(c);
        }
    }
  }
  dest.push_back('"');
}

// msg="..." (logfmt) or "msg":"..." (JSON).
template <bool Json>
class message_flag final : public spdlog::custom_flag_formatter {
public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    append_quoted(std::string_view{msg.payload.data(), msg.payload.size()}, Json, dest);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<message_flag>();
  }
};

std::unique_ptr<spdlog::formatter> make_formatter(bool json) {
  auto f = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  f->add_flag<level_flag>('*');
  f->add_flag<caller_flag>('@');
  f->add_flag<message_flag<false>>('~');
  f->add_flag<message_flag<true>>('&');
  if (json)
    f->set_pattern("{\"level\":\"%*\",\"ts\":\"%Y-%m-%dT%H:%M:%S.%eZ\",\"caller\":\"%@\","
                   "\"component\":\"%n\",\"msg\":%&}");
  else
    f->set_pattern("level=%* ts=%Y-%m-%dT%H:%M:%S.%eZ caller=%@ component=%n msg=%~");
  return f;
}

std::mutex init_mutex;
std::atomic<spdlog::level::level_enum> current_level{spdlog::level::info};
std::shared_ptr<spdlog::sinks::stderr_sink_mt> shared_sink;

std::shared_ptr<spdlog::sinks::stderr_sink_mt> sink() {
  std::lock_guard<std::mutex> guard{init_mutex};
  if (!shared_sink) {
    shared_sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    shared_sink->set_formatter(make_formatter(false));
  }
  return shared_sink;
}

} // namespace

result<spdlog::level::level_enum> parse_level(std::string_view level) {
  if (level == "debug")
    return spdlog::level::debug;
  if (level == "info")
    return spdlog::level::info;
  if (level == "warn" || level == "warning")
    return spdlog::level::warn;
  if (level == "error")
    return spdlog::level::err;
  return status{errc::invalid_argument,
                "unrecognized log level \"" + std::string{level} +
                  "\" (expected debug, info, warn or error)"};
}

status init(std::string_view level, std::string_view format) {
  auto lvl = parse_level(level);
  if (!lvl)
    return lvl.error();
  if (format != "logfmt" && format != "json")
    return status{errc::invalid_argument, "unrecognized log format \"" + std::string{format} +
                                            "\" (expected logfmt or json)"};
  sink()->set_formatter(make_formatter(format == "json"));
  current_level = *lvl;
  spdlog::set_level(*lvl);
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& l) { l->set_level(*lvl); });
  return {};
}

status set_level(std::string_view level) {
  auto lvl = parse_level(level);
  if (!lvl)
    return lvl.error();
  current_level = *lvl;
  spdlog::set_level(*lvl);
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& l) { l->set_level(*lvl); });
  return {};
}

std::string_view level_name() {
  switch (current_level.load()) {
    case spdlog::level::trace:
    case spdlog::level::debug: return "debug";
    case spdlog::level::info: return "info";
    case spdlog::level::warn: return "warn";
    default: return "error";
  }
}

std::shared_ptr<spdlog::logger> get(std::string_view module) {
  std::string name{module};
  if (auto existing = spdlog::get(name))
    return existing;
  auto logger = std::make_shared<spdlog::logger>(name, sink());
  logger->set_level(current_level.load());
  try {
    spdlog::register_logger(logger);
  } catch (const spdlog::spdlog_ex&) {
    // Another thread registered the same name first; use that one.
    if (auto existing = spdlog::get(name))
      return existing;
  }
  return logger;
}

} // namespace skald::log
