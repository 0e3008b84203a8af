// tests/testutil/process.hpp — a real child process for integration tests.
//
// Starts a binary with arguments, sends it signals, waits for it with a
// deadline, and captures its stderr to a temp file the test can read. The
// destructor kills (SIGKILL) and reaps a child that is still running, so a
// failing test never leaves a process behind.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace skald::testutil {

class child_process {
public:
  /// Starts `binary` with `args` (argv[1..]). stdout and stderr go to a log file.
  child_process(const std::string& binary, const std::vector<std::string>& args,
                const std::vector<std::string>& extra_env = {});
  ~child_process();

  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  pid_t pid() const noexcept { return pid_; }
  bool running();

  void signal(int sig);

  /// Waits until the child exits; returns its exit status (or 128+signal), or
  /// nullopt if it is still running after `timeout`.
  std::optional<int> wait_for(std::chrono::milliseconds timeout);

  /// Everything the child printed so far.
  std::string output() const;

private:
  pid_t pid_ = -1;
  std::optional<int> exit_status_;
  std::string log_path_;
};

/// A TCP port on 127.0.0.1 that is free and reserved for this test process:
/// outside the kernel's ephemeral range and locked (flock) against every other
/// test process until this one exits, so ctest -j cannot hand it out twice.
uint16_t free_port();

/// Starts skald (`binary`) with `args` plus -server.http-listen-port=0 and
/// reads the port it bound from its log ("http server listening on
/// 127.0.0.1:PORT"): no window in which another test's node could take a port
/// picked in advance. 0 when the line did
/// not appear within 10 s.
uint16_t start_on_ephemeral_port(std::unique_ptr<child_process>& proc, const std::string& binary,
                                 std::vector<std::string> args);

/// A fresh empty directory under $TMPDIR; removed by the caller or left for
/// inspection.
std::string make_temp_dir(const std::string& prefix);

/// Where ../shared is, or empty when absent. When absent and CI=true, the
/// calling test must fail (shared_dir_or_fail does that via gtest).
std::string shared_dir();

} // namespace skald::testutil
