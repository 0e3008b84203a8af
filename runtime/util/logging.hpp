// runtime/util/logging.hpp — named spdlog loggers that write logfmt lines.
//
// Every line reads `level=info ts=2026-11-21T09:37:59.123Z caller=file.cpp:42
// component=ingester msg="..."`, Loki's layout, on stderr; with
// server.log_format=json the same fields as one JSON object per line. One logger per
// module ("skald.ingester"); get it once and keep the pointer. Nothing logs per
// log line on hot paths.
//
// Thread safety: loggers are thread-safe (spdlog _mt sinks); set_log_level may
// be called at any time from any thread.
#pragma once

#include <memory>
#include <string_view>

#include <spdlog/spdlog.h>

#include "runtime/util/status.hpp"

namespace skald::log {

/// Installs the formatter and level on every logger (also those made later).
/// `level` is one of Loki's server.log_level values: debug, info, warn,
/// error; `format` is server.log_format: logfmt or json. Idempotent.
status init(std::string_view level, std::string_view format = "logfmt");

/// Changes the level at runtime; same names as init.
status set_level(std::string_view level);

/// The current level as Loki names it.
std::string_view level_name();

/// The logger of one module, created on first use: get("ingester").
std::shared_ptr<spdlog::logger> get(std::string_view module);

/// Parses a Loki level name.
result<spdlog::level::level_enum> parse_level(std::string_view level);

} // namespace skald::log

// Calls that record the caller's file and line (the `caller=` field).
#define SKALD_LOG_DEBUG(logger, ...) SPDLOG_LOGGER_CALL(logger, spdlog::level::debug, __VA_ARGS__)
#define SKALD_LOG_INFO(logger, ...) SPDLOG_LOGGER_CALL(logger, spdlog::level::info, __VA_ARGS__)
#define SKALD_LOG_WARN(logger, ...) SPDLOG_LOGGER_CALL(logger, spdlog::level::warn, __VA_ARGS__)
#define SKALD_LOG_ERROR(logger, ...) SPDLOG_LOGGER_CALL(logger, spdlog::level::err, __VA_ARGS__)
