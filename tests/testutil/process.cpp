#include "testutil/process.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace skald::testutil {

child_process::child_process(const std::string& binary, const std::vector<std::string>& args,
                             const std::vector<std::string>& extra_env) {
  char tmpl[] = "/tmp/skald-child-XXXXXX";
  int fd = mkstemp(tmpl);
  if (fd < 0)
    throw std::runtime_error("mkstemp failed");
  log_path_ = tmpl;

  std::vector<std::string> argv_store;
  argv_store.push_back(binary);
  argv_store.insert(argv_store.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_store)
    argv.push_back(a.data());
  argv.push_back(nullptr);

  std::vector<std::string> env_store;
  for (char** e = environ; *e != nullptr; ++e)
    env_store.emplace_back(*e);
  env_store.insert(env_store.end(), extra_env.begin(), extra_env.end());
  std::vector<char*> envp;
  for (auto& e : env_store)
    envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_ = fork();
  if (pid_ < 0)
    throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    close(fd);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(fd);
}

child_process::~child_process() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    wait_for(std::chrono::seconds(5));
  }
  if (!log_path_.empty())
    ::unlink(log_path_.c_str());
}

bool child_process::running() {
  if (exit_status_ || pid_ <= 0)
    return false;
  int st = 0;
  pid_t r = waitpid(pid_, &st, WNOHANG);
  if (r == pid_) {
    exit_status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return false;
  }
  return true;
}

void child_process::signal(int sig) {
  if (running())
    ::kill(pid_, sig);
}

std::optional<int> child_process::wait_for(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() >= deadline)
      return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return exit_status_;
}

std::string child_process::output() const {
  std::ifstream in{log_path_};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

namespace {

// True when nothing listens on or holds 127.0.0.1:`port` right now.
bool can_bind(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

// The kernel's ephemeral range (bind(0) and outgoing connections draw from
// it); ports handed out below stay outside it.
std::pair<int, int> ephemeral_range() {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  int lo = 32768;
  int hi = 60999;
  in >> lo >> hi;
  return {lo, hi};
}

} // namespace

uint16_t free_port() {
  // Ports are reserved across every test process on the machine with an
  // flock on /tmp/skald-test-ports/<port>.lock, held (fd kept open) until this
  // process exits, and drawn from outside the ephemeral range so neither a
  // parallel test's bind(0) nor an outgoing connection can take one between
  // now and the moment the node binds it (the race that failed CI once).
  static std::mutex mu;
  static std::vector<int> held;
  static int next = -1;
  std::lock_guard<std::mutex> guard{mu};
  auto [eph_lo, eph_hi] = ephemeral_range();
  int lo = 20000;
  int hi = 32000;
  if (hi >= eph_lo && lo <= eph_hi) { // unusual kernel setting: pick the larger free side
    if (eph_lo - 1024 >= 4000) {
      lo = 1024;
      hi = eph_lo - 1;
    } else {
      lo = eph_hi + 1;
      hi = 65535;
    }
  }
  const int span = hi - lo + 1;
  if (next < 0)
    next =
        static_cast<int>((static_cast<unsigned>(::getpid()) * 131U) % static_cast<unsigned>(span));
  const std::string dir = "/tmp/skald-test-ports";
  ::mkdir(dir.c_str(), 0777);
  ::chmod(dir.c_str(), 01777);
  for (int tries = 0; tries < span; ++tries) {
    auto port = static_cast<uint16_t>(lo + next);
    next = (next + 1) % span;
    auto path = dir + "/" + std::to_string(port) + ".lock";
    int fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0666);
    if (fd < 0)
      continue;
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);
      continue;
    }
    if (!can_bind(port)) {
      ::close(fd);
      continue;
    }
    held.push_back(fd);
    return port;
  }
  throw std::runtime_error("free_port: no port left in [" + std::to_string(lo) + ", " +
                           std::to_string(hi) + "]");
}

std::string make_temp_dir(const std::string& prefix) {
  std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr)
    throw std::runtime_error("mkdtemp failed");
  return std::string{buf.data()};
}

std::string shared_dir() {
  std::string dir = SKALD_SHARED_DIR;
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    return dir;
  return {};
}

uint16_t start_on_ephemeral_port(std::unique_ptr<child_process>& proc, const std::string& binary,
                                 std::vector<std::string> args) {
  args.push_back("-server.http-listen-port=0");
  proc = std::make_unique<child_process>(binary, args);
  const std::string marker = "http server listening on 127.0.0.1:";
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds{10};
  while (std::chrono::steady_clock::now() < until) {
    auto out = proc->output();
    auto pos = out.find(marker);
    if (pos != std::string::npos) {
      auto end = out.find(' ', pos + marker.size());
      if (end != std::string::npos)
        return static_cast<uint16_t>(
            std::stoi(out.substr(pos + marker.size(), end - pos - marker.size())));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  return 0;
}

} // namespace skald::testutil
