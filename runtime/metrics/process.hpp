// runtime/metrics/process.hpp — the standard process_* metrics (read from
// /proc/self at scrape time) and loki_build_info.
//
// Owner: the node's main registers both once on the registry it serves.
// Threading: the process callbacks run on the thread that renders; they read
// /proc and call getrlimit, nothing else. Linux only; on a read failure the
// value is NaN rather than a wrong number.
#pragma once

#include <string>

namespace skald::metrics {

class registry;

/// process_cpu_seconds_total, process_resident_memory_bytes,
/// process_virtual_memory_bytes, process_open_fds, process_max_fds,
/// process_start_time_seconds — the names and help texts of the Go client.
/// Throws std::invalid_argument when called twice on one registry.
void register_process_metrics(registry& reg);

struct build_info {
  std::string version;
  std::string revision;
  std::string branch;
  /// Loki's label is goversion; we put the compiler there ("g++ 12.2.0").
  std::string goversion;
};

/// "g++ 12.2.0" or "clang++ 14.0.6": the compiler this file was built with.
std::string compiler_version();

/// loki_build_info{version,revision,branch,goversion} 1 (Loki's dashboards
/// read this name). An empty goversion becomes compiler_version().
void register_build_info(registry& reg, build_info info);

} // namespace skald::metrics
