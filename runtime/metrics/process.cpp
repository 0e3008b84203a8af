#include "runtime/metrics/process.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <vector>

#include "runtime/metrics/registry.hpp"

namespace skald::metrics {

namespace {

constexpr double nan_value = std::numeric_limits<double>::quiet_NaN();

// The fields of /proc/self/stat after the command name; element 0 is field 3
// (state), so field n of proc(5) is at index n - 3.
std::vector<std::string> stat_fields() {
  std::ifstream in{"/proc/self/stat"};
  std::string line{std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
  std::vector<std::string> fields;
  auto close = line.rfind(')');
  if (close == std::string::npos)
    return fields;
  std::istringstream rest{line.substr(close + 1)};
  for (std::string f; rest >> f;)
    fields.push_back(std::move(f));
  return fields;
}

double stat_field(size_t n) {
  auto fields = stat_fields();
  if (n < 3 || n - 3 >= fields.size())
    return nan_value;
  return std::strtod(fields[n - 3].c_str(), nullptr);
}

double clock_ticks() {
  return static_cast<double>(sysconf(_SC_CLK_TCK));
}

double boot_time() {
  std::ifstream in{"/proc/stat"};
  for (std::string key; in >> key;) {
    if (key == "btime") {
      double v = 0;
      in >> v;
      return v;
    }
    in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return nan_value;
}

double open_fds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr)
    return nan_value;
  double n = 0;
  while (auto* e = readdir(dir))
    if (e->d_name[0] != '.')
      ++n;
  closedir(dir);
  return n;
}

double max_fds() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0)
    return nan_value;
  return lim.rlim_cur == RLIM_INFINITY ? std::numeric_limits<double>::infinity()
                                       : static_cast<double>(lim.rlim_cur);
}

} // namespace

void register_process_metrics(registry& reg) {
  const double start = boot_time() + stat_field(22) / clock_ticks();
  reg.callback("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
               metric_type::counter, [] {
                 auto f = stat_fields();
                 if (f.size() < 13)
                   return nan_value;
                 return (std::strtod(f[11].c_str(), nullptr) + std::strtod(f[12].c_str(), nullptr))
                        / clock_ticks();
               });
  reg.callback("process_resident_memory_bytes", "Resident memory size in bytes.",
               metric_type::gauge,
               [] { return stat_field(24) * static_cast<double>(sysconf(_SC_PAGESIZE)); });
  reg.callback("process_virtual_memory_bytes", "Virtual memory size in bytes.",
               metric_type::gauge, [] { return stat_field(23); });
  reg.callback("process_open_fds", "Number of open file descriptors.", metric_type::gauge,
               open_fds);
  reg.callback("process_max_fds", "Maximum number of open file descriptors.", metric_type::gauge,
               max_fds);
  reg.callback("process_start_time_seconds",
               "Start time of the process since unix epoch in seconds.", metric_type::gauge,
               [start] { return start; });
}

std::string compiler_version() {
#if defined(__clang__)
  return "clang++ " __clang_version__;
#elif defined(__GNUC__)
  return "g++ " __VERSION__;
#else
  return "unknown";
#endif
}

void register_build_info(registry& reg, build_info info) {
  if (info.goversion.empty())
    info.goversion = compiler_version();
  reg.gauge("loki_build_info",
            "A metric with a constant '1' value labeled by version, revision, branch, and "
            "goversion from which loki was built.",
            {"version", "revision", "branch", "goversion"})
    .with({info.version, info.revision, info.branch, info.goversion})
    .set(1);
}

} // namespace skald::metrics
