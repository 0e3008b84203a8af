// cmd/skald/main.cpp — the skald node.
//
// Loads the configuration (defaults < -config.file YAML < flags), answers the
// informational flags (-version, -help, -config.dump-reference,
// -print-config-stderr), then runs a system::node until SIGINT or SIGTERM and
// stops it within server.graceful_shutdown_timeout. Exit status: 0 after a
// clean stop, 1 for a bad configuration or a failed start, 2 if the stop
// overran its bound.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

#include <malloc.h>
#include <pthread.h>
#include <unistd.h>

#include "runtime/config/flags.hpp"
#include "runtime/config/loader.hpp"
#include "runtime/config/output.hpp"
#include "runtime/system/node.hpp"
#include "runtime/util/logging.hpp"

namespace {

int wait_for_signal(const sigset_t& set) {
  int sig = 0;
  while (sigwait(&set, &sig) != 0) {
  }
  return sig;
}

} // namespace

int main(int argc, char** argv) {
  // Block the termination signals in every thread (the ones CAF and the HTTP
  // server start inherit this mask); the main thread takes them with sigwait.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  // glibc malloc with fixed thresholds instead of its dynamic ones: push
  // bodies (80-230 KB per request, freed on another thread) were mmapped or
  // trimmed back to the kernel and faulted in again by the next push (32 ->
  // 18 page faults per 1000 lines, 273 -> 0 madvise calls in 4 s; see
  // docs/benchmarks.md, pushperf). A MALLOC_*_ environment variable wins.
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") == nullptr)
    mallopt(M_MMAP_THRESHOLD, 4 << 20);
  if (std::getenv("MALLOC_TRIM_THRESHOLD_") == nullptr)
    mallopt(M_TRIM_THRESHOLD, 16 << 20);

  auto loaded = skald::config::load(argc, argv);
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s\n", loaded.error().message().c_str());
    return 1;
  }
  auto& outcome = *loaded;
  if (outcome.print_version) {
    std::printf("skald, version %s (revision %s, branch %s)\n", SKALD_VERSION, SKALD_REVISION,
                SKALD_BRANCH);
    return 0;
  }
  if (outcome.show_help) {
    std::fputs(skald::config::flags_usage().c_str(), stdout);
    return 0;
  }
  if (outcome.dump_reference) {
    std::fputs(skald::config::reference_markdown().c_str(), stdout);
    return 0;
  }
  if (outcome.print_config_stderr)
    std::fputs(skald::config::to_yaml(outcome.config).c_str(), stderr);

  if (auto st = skald::log::init(outcome.config.server.log_level,
                                     outcome.config.server.log_format); !st.ok()) {
    std::fprintf(stderr, "%s\n", st.message().c_str());
    return 1;
  }
  auto logger = skald::log::get("main");
  for (const auto& w : outcome.warnings)
    SKALD_LOG_WARN(logger, "{}", w);
  const auto shutdown_bound = outcome.config.server.graceful_shutdown_timeout;

  skald::system::node node{std::move(outcome.config)};
  if (auto st = node.start(); !st.ok()) {
    SKALD_LOG_ERROR(logger, "error initialising module: {}", st.message());
    node.stop();
    return 1;
  }

  int sig = wait_for_signal(set);
  SKALD_LOG_INFO(logger, "received {}, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");

  // A watchdog ends the process if stopping overruns its bound; a second
  // signal ends it at once.
  std::mutex m;
  std::condition_variable cv;
  bool done = false;
  std::thread watchdog{[&] {
    std::unique_lock<std::mutex> lock{m};
    if (!cv.wait_for(lock, shutdown_bound, [&] { return done; })) {
      std::fprintf(stderr, "level=error msg=\"shutdown did not finish in time, exiting\"\n");
      std::_Exit(2);
    }
  }};
  std::thread second_signal{[set] {
    int again = 0;
    if (sigwait(&set, &again) == 0)
      std::_Exit(2);
  }};
  second_signal.detach();

  node.stop();
  {
    std::lock_guard<std::mutex> lock{m};
    done = true;
  }
  cv.notify_all();
  watchdog.join();
  SKALD_LOG_INFO(logger, "skald stopped");
  return 0;
}
