#include "runtime/storage/file_system.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace skald::storage {

std::string join_path(std::string_view a, std::string_view b) {
  std::string out;
  if (a.empty())
    return std::string{b};
  out.reserve(a.size() + 1 + b.size());
  out.append(a);
  if (out.back() != '/')
    out += '/';
  out.append(b);
  return out;
}

std::string_view parent_path(std::string_view path) noexcept {
  auto pos = path.rfind('/');
  if (pos == std::string_view::npos)
    return {};
  if (pos == 0)
    return path.substr(0, 1);
  return path.substr(0, pos);
}

bool is_temp_name(std::string_view name) noexcept {
  return name.find(temp_marker) != std::string_view::npos;
}

status write_atomic(file_system& fs, const std::string& path, std::string_view data) {
  static std::atomic<uint64_t> counter{0};
  std::string tmp = path;
  tmp += temp_marker;
  tmp += std::to_string(static_cast<long>(::getpid()));
  tmp += '-';
  tmp += std::to_string(counter.fetch_add(1));
  if (auto st = fs.write_file(tmp, data, true); !st.ok()) {
    status_ignored(fs.remove(tmp), "best effort cleanup of a torn temp file");
    return st;
  }
  if (auto st = fs.rename(tmp, path); !st.ok()) {
    status_ignored(fs.remove(tmp), "best effort cleanup of an unrenamed temp file");
    return st;
  }
  auto dir = parent_path(path);
  return fs.sync_dir(dir.empty() ? std::string{"."} : std::string{dir});
}

// -- posix_fs ----------------------------------------------------------------

namespace {

status io_error(std::string_view what, const std::string& path, int err) {
  std::string msg{what};
  msg += ' ';
  msg += path;
  msg += ": ";
  msg += std::strerror(err);
  return {err == ENOENT ? errc::not_found : errc::io_error, std::move(msg)};
}

status write_all(int fd, std::string_view data, const std::string& path) {
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return io_error("write", path, errno);
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  return {};
}

status write_impl(const std::string& path, std::string_view data, bool sync, int flags) {
  int fd = ::open(path.c_str(), flags | O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return io_error("open", path, errno);
  auto st = write_all(fd, data, path);
  if (st.ok() && sync) {
    int rc = (flags & O_APPEND) ? ::fdatasync(fd) : ::fsync(fd);
    if (rc != 0)
      st = io_error("fsync", path, errno);
  }
  if (::close(fd) != 0 && st.ok())
    st = io_error("close", path, errno);
  return st;
}

/// Alignment of O_DIRECT buffers, lengths and offsets: a page, which covers
/// every logical block size (512 B or 4 KiB).
constexpr size_t direct_align = 4096;
/// The aligned staging buffer a thread keeps between direct writes (one per
/// flush worker thread); a larger object gets a buffer of its own.
constexpr size_t direct_keep = 8u << 20;

struct aligned_buffer {
  char* data = nullptr;
  size_t cap = 0;
  aligned_buffer() = default;
  aligned_buffer(const aligned_buffer&) = delete;
  aligned_buffer& operator=(const aligned_buffer&) = delete;
  ~aligned_buffer() { std::free(data); }
  bool reserve(size_t n) {
    if (n <= cap)
      return true;
    std::free(data);
    data = static_cast<char*>(std::aligned_alloc(direct_align, n));
    cap = data != nullptr ? n : 0;
    return data != nullptr;
  }
};

/// write_file(path, data, sync = true) with O_DIRECT: data copied into an
/// aligned buffer padded with zeros to a whole page, one pwrite, ftruncate
/// to the real size, fsync (the size and the device cache). False (nothing
/// written, `st` untouched) if the file system refuses O_DIRECT: the caller
/// writes buffered instead.
bool write_direct(const std::string& path, std::string_view data, status& st) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_DIRECT, 0644);
  if (fd < 0) {
    if (errno == EINVAL)
      return false;
    st = io_error("open", path, errno);
    return true;
  }
  const size_t padded = (data.size() + direct_align - 1) / direct_align * direct_align;
  thread_local aligned_buffer kept;
  aligned_buffer own;
  aligned_buffer& buf = padded <= direct_keep ? kept : own;
  if (!buf.reserve(padded)) {
    ::close(fd);
    st = {errc::io_error, "out of memory for a direct write of " + path};
    return true;
  }
  std::memcpy(buf.data, data.data(), data.size());
  std::memset(buf.data + data.size(), 0, padded - data.size());
  size_t off = 0;
  while (off < padded) {
    ssize_t n = ::pwrite(fd, buf.data + off, padded - off, static_cast<off_t>(off));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && errno == EINVAL && off == 0) {
      // O_DIRECT accepted at open but not for this file system's writes.
      ::close(fd);
      return false;
    }
    if (n <= 0 || static_cast<size_t>(n) % direct_align != 0) {
      st = n < 0 ? io_error("write", path, errno)
                 : status{errc::io_error, "short direct write: " + path};
      ::close(fd);
      return true;
    }
    off += static_cast<size_t>(n);
  }
  if (::ftruncate(fd, static_cast<off_t>(data.size())) != 0)
    st = io_error("ftruncate", path, errno);
  else if (::fsync(fd) != 0)
    st = io_error("fsync", path, errno);
  if (::close(fd) != 0 && st.ok())
    st = io_error("close", path, errno);
  return true;
}

} // namespace

std::atomic<uint64_t> posix_fs::direct_writes_{0};

status posix_fs::write_file(const std::string& path, std::string_view data, bool sync) {
  if (sync && data.size() >= direct_min_size) {
    status st;
    if (write_direct(path, data, st)) {
      if (st.ok())
        direct_writes_.fetch_add(1, std::memory_order_relaxed);
      return st;
    }
  }
  return write_impl(path, data, sync, O_TRUNC);
}

status posix_fs::append_file(const std::string& path, std::string_view data, bool sync) {
  return write_impl(path, data, sync, O_APPEND);
}

result<std::string> posix_fs::read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return io_error("open", path, errno);
  // Straight into the string (no bounce buffer): chunk objects are MBs.
  std::string out;
  struct stat sb {};
  size_t cap = 65536;
  if (::fstat(fd, &sb) == 0 && sb.st_size > 0)
    cap = static_cast<size_t>(sb.st_size) + 1; // +1: see EOF without another resize
  out.resize(cap);
  size_t len = 0;
  while (true) {
    if (len == out.size())
      out.resize(out.size() * 2);
    ssize_t n = ::read(fd, out.data() + len, out.size() - len);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      auto st = io_error("read", path, errno);
      ::close(fd);
      return st;
    }
    if (n == 0)
      break;
    len += static_cast<size_t>(n);
  }
  ::close(fd);
  out.resize(len);
  return out;
}

status posix_fs::rename(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0)
    return io_error("rename", from, errno);
  return {};
}

status posix_fs::remove(const std::string& path) {
  if (::unlink(path.c_str()) != 0)
    return io_error("unlink", path, errno);
  return {};
}

status posix_fs::create_dirs(const std::string& path) {
  if (path.empty())
    return {};
  struct stat pre {};
  if (::stat(path.c_str(), &pre) == 0 && S_ISDIR(pre.st_mode))
    return {};
  std::string cur;
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    cur = path.substr(0, pos);
    if (cur.empty() || cur == "/")
      continue;
    if (::mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST)
      return io_error("mkdir", cur, errno);
  }
  struct stat sb {};
  if (::stat(path.c_str(), &sb) != 0)
    return io_error("stat", path, errno);
  if (!S_ISDIR(sb.st_mode))
    return {errc::io_error, "not a directory: " + path};
  return {};
}

status posix_fs::sync_dir(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return io_error("open dir", path, errno);
  status st;
  if (::fsync(fd) != 0)
    st = io_error("fsync dir", path, errno);
  ::close(fd);
  return st;
}

result<bool> posix_fs::exists(const std::string& path) {
  struct stat sb {};
  if (::stat(path.c_str(), &sb) == 0)
    return true;
  if (errno == ENOENT || errno == ENOTDIR)
    return false;
  return io_error("stat", path, errno);
}

result<std::vector<std::string>> posix_fs::list_dir(const std::string& path) {
  DIR* d = ::opendir(path.c_str());
  if (d == nullptr)
    return io_error("opendir", path, errno);
  std::vector<std::string> out;
  while (auto* e = ::readdir(d)) {
    std::string_view name{e->d_name};
    if (name == "." || name == "..")
      continue;
    out.emplace_back(name);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

// -- memory_fs ---------------------------------------------------------------

bool memory_fs::dir_exists_locked(const std::string& dir) const {
  if (dir.empty() || dir == "/" || dir == ".")
    return true;
  return dirs_.count(dir) != 0;
}

status memory_fs::write_file(const std::string& path, std::string_view data, bool sync) {
  std::lock_guard<std::mutex> g{mu_};
  if (!dir_exists_locked(std::string{parent_path(path)}))
    return {errc::not_found, "no such directory for " + path};
  if (dirs_.count(path))
    return {errc::io_error, "is a directory: " + path};
  files_[path] = std::string{data};
  syncs_ += sync ? 1 : 0;
  return {};
}

status memory_fs::append_file(const std::string& path, std::string_view data, bool sync) {
  std::lock_guard<std::mutex> g{mu_};
  if (!dir_exists_locked(std::string{parent_path(path)}))
    return {errc::not_found, "no such directory for " + path};
  files_[path].append(data);
  syncs_ += sync ? 1 : 0;
  return {};
}

result<std::string> memory_fs::read_file(const std::string& path) {
  std::lock_guard<std::mutex> g{mu_};
  auto i = files_.find(path);
  if (i == files_.end())
    return status{errc::not_found, "no such file " + path};
  return i->second;
}

status memory_fs::rename(const std::string& from, const std::string& to) {
  std::lock_guard<std::mutex> g{mu_};
  auto i = files_.find(from);
  if (i == files_.end())
    return {errc::not_found, "no such file " + from};
  if (!dir_exists_locked(std::string{parent_path(to)}))
    return {errc::not_found, "no such directory for " + to};
  std::string data = std::move(i->second);
  files_.erase(i);
  files_[to] = std::move(data);
  return {};
}

status memory_fs::remove(const std::string& path) {
  std::lock_guard<std::mutex> g{mu_};
  if (files_.erase(path) == 0)
    return {errc::not_found, "no such file " + path};
  return {};
}

status memory_fs::create_dirs(const std::string& path) {
  std::lock_guard<std::mutex> g{mu_};
  std::string p = path;
  while (!p.empty() && p != "/" && p != ".") {
    if (files_.count(p))
      return {errc::io_error, "not a directory: " + p};
    dirs_.insert(p);
    p = std::string{parent_path(p)};
  }
  return {};
}

status memory_fs::sync_dir(const std::string& path) {
  std::lock_guard<std::mutex> g{mu_};
  if (!dir_exists_locked(path))
    return {errc::not_found, "no such directory " + path};
  ++syncs_;
  return {};
}

result<bool> memory_fs::exists(const std::string& path) {
  std::lock_guard<std::mutex> g{mu_};
  return files_.count(path) != 0 || dirs_.count(path) != 0;
}

result<std::vector<std::string>> memory_fs::list_dir(const std::string& path) {
  std::lock_guard<std::mutex> g{mu_};
  if (!dir_exists_locked(path))
    return status{errc::not_found, "no such directory " + path};
  std::string prefix = path.empty() ? std::string{} : path + "/";
  std::set<std::string> names;
  auto collect = [&](const std::string& p) {
    if (p.size() <= prefix.size() || p.compare(0, prefix.size(), prefix) != 0)
      return;
    auto rest = std::string_view{p}.substr(prefix.size());
    names.emplace(rest.substr(0, rest.find('/')));
  };
  for (auto& [p, _] : files_)
    collect(p);
  for (auto& d : dirs_)
    collect(d);
  return std::vector<std::string>{names.begin(), names.end()};
}

std::vector<std::string> memory_fs::files() const {
  std::lock_guard<std::mutex> g{mu_};
  std::vector<std::string> out;
  for (auto& [p, _] : files_)
    out.push_back(p);
  return out;
}

void memory_fs::put(const std::string& path, std::string data) {
  std::lock_guard<std::mutex> g{mu_};
  files_[path] = std::move(data);
}

size_t memory_fs::syncs() const {
  std::lock_guard<std::mutex> g{mu_};
  return syncs_;
}

// -- error_fs ----------------------------------------------------------------

error_fs::decider error_fs::fail_from(uint64_t n) {
  return [n](op, const std::string&, uint64_t seq) { return seq >= n; };
}

error_fs::decider error_fs::fail_every(uint64_t k) {
  return [k](op, const std::string&, uint64_t seq) { return k > 0 && seq % k == k - 1; };
}

void error_fs::set_decider(decider d) {
  std::lock_guard<std::mutex> g{mu_};
  decide_ = std::move(d);
}

bool error_fs::fail(op o, const std::string& path) {
  std::lock_guard<std::mutex> g{mu_};
  uint64_t seq = seq_.fetch_add(1);
  bool f = decide_ && decide_(o, path, seq);
  if (f)
    failures_.fetch_add(1);
  return f;
}

namespace {
status injected(std::string_view what, const std::string& path) {
  return {errc::io_error, "injected " + std::string{what} + " failure: " + path};
}
} // namespace

status error_fs::write_file(const std::string& path, std::string_view data, bool sync) {
  if (fail(op::write, path)) {
    status_ignored(inner_.write_file(path, data.substr(0, data.size() / 2), false), "torn write");
    return injected("write", path);
  }
  return inner_.write_file(path, data, sync);
}

status error_fs::append_file(const std::string& path, std::string_view data, bool sync) {
  if (fail(op::append, path)) {
    status_ignored(inner_.append_file(path, data.substr(0, data.size() / 2), false), "torn append");
    return injected("append", path);
  }
  return inner_.append_file(path, data, sync);
}

result<std::string> error_fs::read_file(const std::string& path) {
  return inner_.read_file(path);
}

status error_fs::rename(const std::string& from, const std::string& to) {
  if (fail(op::rename, from))
    return injected("rename", from);
  return inner_.rename(from, to);
}

status error_fs::remove(const std::string& path) {
  if (fail(op::remove, path))
    return injected("remove", path);
  return inner_.remove(path);
}

status error_fs::create_dirs(const std::string& path) {
  if (fail(op::create_dirs, path))
    return injected("create_dirs", path);
  return inner_.create_dirs(path);
}

status error_fs::sync_dir(const std::string& path) {
  if (fail(op::sync_dir, path))
    return injected("sync_dir", path);
  return inner_.sync_dir(path);
}

result<bool> error_fs::exists(const std::string& path) {
  return inner_.exists(path);
}

result<std::vector<std::string>> error_fs::list_dir(const std::string& path) {
  return inner_.list_dir(path);
}

} // namespace skald::storage
