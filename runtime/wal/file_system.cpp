#include "runtime/wal/file_system.hpp"

#include <cerrno>
#include <cstring>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <unistd.h>

namespace skald::wal {

namespace {

status errno_status(int err, std::string_view op, std::string_view path) {
  errc code = errc::io_error;
  if (err == ENOSPC || err == EDQUOT)
    code = errc::disk_full;
  else if (err == ENOENT)
    code = errc::not_found;
  std::string msg;
  msg.reserve(op.size() + path.size() + 48);
  msg.append(op).append(" ").append(path).append(": ").append(std::strerror(err));
  return status{code, std::move(msg)};
}

class posix_file final : public writable_file {
public:
  posix_file(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}

  ~posix_file() override {
    if (fd_ >= 0)
      ::close(fd_);
  }

  status append(std::string_view data) override {
    if (fd_ < 0)
      return status{errc::io_error, "write " + path_ + ": file is closed"};
    const char* p = data.data();
    size_t left = data.size();
    while (left > 0) {
      ssize_t n = ::write(fd_, p, left);
      if (n < 0) {
        if (errno == EINTR)
          continue;
        return errno_status(errno, "write", path_);
      }
      if (n == 0)
        return status{errc::io_error, "write " + path_ + ": wrote 0 bytes"};
      p += n;
      left -= static_cast<size_t>(n);
    }
    return {};
  }

  status truncate(uint64_t size) override {
    if (fd_ < 0)
      return status{errc::io_error, "truncate " + path_ + ": file is closed"};
    while (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
      if (errno != EINTR)
        return errno_status(errno, "truncate", path_);
    }
    return {};
  }

  status sync() override {
    if (fd_ < 0)
      return status{errc::io_error, "fsync " + path_ + ": file is closed"};
    while (::fdatasync(fd_) != 0) {
      if (errno != EINTR)
        return errno_status(errno, "fsync", path_);
    }
    return {};
  }

  status close() override {
    if (fd_ < 0)
      return {};
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0 && errno != EINTR)
      return errno_status(errno, "close", path_);
    return {};
  }

private:
  int fd_;
  std::string path_;
};

class posix_fs final : public file_system {
public:
  result<std::unique_ptr<writable_file>> create(const std::string& path) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
      return errno_status(errno, "create", path);
    return std::unique_ptr<writable_file>{std::make_unique<posix_file>(fd, path)};
  }

  status read_file(const std::string& path, std::string& out) override {
    out.clear();
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
      return errno_status(errno, "open", path);
    struct stat st {};
    if (::fstat(fd, &st) == 0 && st.st_size > 0)
      out.resize(static_cast<size_t>(st.st_size));
    size_t have = 0;
    for (;;) {
      if (have == out.size())
        out.resize(out.size() < 4096 ? 4096 : out.size() * 2);
      ssize_t n = ::read(fd, out.data() + have, out.size() - have);
      if (n < 0) {
        if (errno == EINTR)
          continue;
        int err = errno;
        ::close(fd);
        out.clear();
        return errno_status(err, "read", path);
      }
      if (n == 0)
        break;
      have += static_cast<size_t>(n);
    }
    out.resize(have);
    ::close(fd);
    return {};
  }

  result<std::vector<std::string>> list_dir(const std::string& dir) override {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr)
      return errno_status(errno, "opendir", dir);
    std::vector<std::string> names;
    errno = 0;
    while (struct dirent* e = ::readdir(d)) {
      std::string_view name{e->d_name};
      if (name != "." && name != "..")
        names.emplace_back(name);
    }
    ::closedir(d);
    return names;
  }

  status create_dirs(const std::string& dir) override {
    if (dir.empty())
      return {};
    std::string partial;
    partial.reserve(dir.size());
    size_t pos = 0;
    while (pos <= dir.size()) {
      size_t slash = dir.find('/', pos);
      if (slash == std::string::npos)
        slash = dir.size();
      partial.assign(dir, 0, slash);
      pos = slash + 1;
      if (partial.empty() || partial == "." || partial == "..")
        continue;
      if (::mkdir(partial.c_str(), 0755) != 0 && errno != EEXIST)
        return errno_status(errno, "mkdir", partial);
    }
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0)
      return errno_status(errno, "stat", dir);
    if (!S_ISDIR(st.st_mode))
      return status{errc::io_error, "mkdir " + dir + ": exists and is not a directory"};
    return {};
  }

  status rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0)
      return errno_status(errno, "rename", from + " -> " + to);
    return {};
  }

  status remove_file(const std::string& path) override {
    if (::unlink(path.c_str()) != 0)
      return errno_status(errno, "unlink", path);
    return {};
  }

  status remove_all(const std::string& path) override {
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0)
      return errno == ENOENT ? status{} : errno_status(errno, "stat", path);
    if (S_ISDIR(st.st_mode)) {
      auto names = list_dir(path);
      if (!names)
        return names.error();
      for (auto& n : *names)
        if (auto st2 = remove_all(join_path(path, n)); !st2)
          return st2;
      if (::rmdir(path.c_str()) != 0 && errno != ENOENT)
        return errno_status(errno, "rmdir", path);
      return {};
    }
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
      return errno_status(errno, "unlink", path);
    return {};
  }

  status sync_dir(const std::string& dir) override {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
      return errno_status(errno, "open", dir);
    int rc;
    while ((rc = ::fsync(fd)) != 0 && errno == EINTR) {
    }
    int err = errno;
    ::close(fd);
    if (rc != 0)
      return errno_status(err, "fsync", dir);
    return {};
  }

  result<disk_space> space(const std::string& path) override {
    struct statvfs st {};
    if (::statvfs(path.c_str(), &st) != 0)
      return errno_status(errno, "statvfs", path);
    disk_space out;
    // Total as df(1) counts it for its Use%: what is used plus what an
    // unprivileged writer may still use. Blocks reserved for root (and, on
    // shared or thin-provisioned disks, space that is neither) do not count,
    // so used_fraction() equals df's Use% rather than overstating it.
    const uint64_t used = static_cast<uint64_t>(st.f_blocks - st.f_bfree) * st.f_frsize;
    out.available_bytes = static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
    out.total_bytes = used + out.available_bytes;
    return out;
  }
};

} // namespace

file_system& posix_file_system() {
  static posix_fs fs;
  return fs;
}

std::string join_path(std::string_view dir, std::string_view name) {
  std::string out;
  out.reserve(dir.size() + name.size() + 1);
  out.append(dir);
  if (!out.empty() && out.back() != '/')
    out.push_back('/');
  out.append(name);
  return out;
}

} // namespace skald::wal
