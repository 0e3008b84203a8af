#include "runtime/wal/file_system.hpp"

#include "runtime/wal/aligned_buffer.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
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

// fdatasync(2) of an open segment file (both file kinds below).
status sync_fd(int fd, const std::string& path) {
  if (fd < 0)
    return status{errc::io_error, "fsync " + path + ": file is closed"};
  while (::fdatasync(fd) != 0) {
    if (errno != EINTR)
      return errno_status(errno, "fsync", path);
  }
  return {};
}

// Closes `fd` once (it is -1 afterwards; closing a closed file is fine).
status close_fd(int& fd, const std::string& path) {
  if (fd < 0)
    return {};
  int closing = fd;
  fd = -1;
  if (::close(closing) != 0 && errno != EINTR)
    return errno_status(errno, "close", path);
  return {};
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

  status sync() override { return sync_fd(fd_, path_); }

  status close() override { return close_fd(fd_, path_); }

private:
  int fd_;
  std::string path_;
};

/// A file opened with O_DIRECT: every append is one pwrite(2) of whole
/// blocks from an aligned buffer (its own for append(), the caller's for
/// append_aligned()) that starts with the file's last partial block
/// (rewritten with the same bytes) and ends in zero padding. The
/// logical size is what was appended; the file on disk is rounded up to a
/// block. If the kernel refuses an aligned direct write (EINVAL: a device
/// with larger blocks), the file drops O_DIRECT and goes on with buffered
/// pwrite(2)s at the logical end.
class posix_direct_file final : public writable_file {
public:
  /// size: bytes already in the file that appends go after (a zero-filled
  /// file opened with open_zero_filled(): its header); the next append reads
  /// their last partial block back first (append_aligned() gets it from the
  /// caller).
  posix_direct_file(int fd, std::string path, uint64_t size = 0)
      : fd_(fd), path_(std::move(path)), size_(size), tail_loaded_(size % direct_io_block == 0) {}

  ~posix_direct_file() override {
    if (fd_ >= 0)
      ::close(fd_);
  }

  status append(std::string_view data) override {
    if (fd_ < 0)
      return status{errc::io_error, "write " + path_ + ": file is closed"};
    if (data.empty())
      return {};
    if (direct_) {
      const size_t tail = size_ % direct_io_block;
      const size_t len = round_up_to_block(tail + data.size());
      if (!tail_loaded_) {
        if (auto st = load_tail(); !st)
          return st;
      }
      if (!buf_.reserve(len, tail))
        return status{errc::io_error, "write " + path_ + ": no memory for the direct I/O buffer"};
      std::memcpy(buf_.data + tail, data.data(), data.size());
      std::memset(buf_.data + tail + data.size(), 0, len - tail - data.size());
      const uint64_t off = size_ - tail;
      int err = pwrite_all(buf_.data, len, off);
      if (err == 0) {
        size_ += data.size();
        const size_t new_tail = size_ % direct_io_block;
        if (new_tail != 0)
          std::memmove(buf_.data, buf_.data + (size_ - new_tail - off), new_tail);
        return {};
      }
      if (err != EINVAL)
        return errno_status(err, "write", path_); // buf_ still starts with the tail
      if (auto st = drop_direct(); !st)
        return st;
    }
    if (int err = pwrite_all(data.data(), data.size(), size_); err != 0)
      return errno_status(err, "write", path_);
    size_ += data.size();
    return {};
  }

  size_t aligned_prefix() const noexcept override { return direct_ ? size_ % direct_io_block : 0; }

  status append_aligned(char* buf, size_t len) override {
    if (fd_ < 0)
      return status{errc::io_error, "write " + path_ + ": file is closed"};
    if (len == 0)
      return {};
    const size_t tail = aligned_prefix();
    if (direct_) {
      // The caller's buffer already starts with the last partial block.
      const size_t total = round_up_to_block(tail + len);
      std::memset(buf + tail + len, 0, total - tail - len);
      const uint64_t off = size_ - tail;
      int err = pwrite_all(buf, total, off);
      if (err == 0) {
        size_ += len;
        tail_loaded_ = false; // buf_ no longer holds the last block
        return {};
      }
      if (err != EINVAL)
        return errno_status(err, "write", path_);
      if (auto st = drop_direct(); !st)
        return st;
    }
    if (int err = pwrite_all(buf + tail, len, size_); err != 0)
      return errno_status(err, "write", path_);
    size_ += len;
    return {};
  }

  status truncate(uint64_t size) override {
    if (fd_ < 0)
      return status{errc::io_error, "truncate " + path_ + ": file is closed"};
    while (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
      if (errno != EINTR)
        return errno_status(errno, "truncate", path_);
    }
    size_ = size;
    // Reload the new last partial block (the next append rewrites it).
    return load_tail();
  }

  status sync() override { return sync_fd(fd_, path_); }

  status close() override { return close_fd(fd_, path_); }

private:
  /// The kernel refuses aligned direct writes (a device with larger
  /// blocks): drop O_DIRECT and write buffered from here on.
  status drop_direct() {
    int flags = ::fcntl(fd_, F_GETFL);
    if (flags < 0 || ::fcntl(fd_, F_SETFL, flags & ~O_DIRECT) != 0)
      return errno_status(errno, "fcntl", path_);
    direct_ = false;
    return {};
  }

  /// Reads the last partial block (size_ % direct_io_block bytes) into buf_.
  status load_tail() {
    const size_t tail = size_ % direct_io_block;
    if (!direct_ || tail == 0) {
      tail_loaded_ = true;
      return {};
    }
    if (!buf_.reserve(direct_io_block, 0))
      return status{errc::io_error, "read " + path_ + ": out of memory"};
    ssize_t n;
    while ((n = ::pread(fd_, buf_.data, direct_io_block, static_cast<off_t>(size_ - tail))) < 0 &&
           errno == EINTR) {
    }
    if (n < 0)
      return errno_status(errno, "read", path_);
    if (static_cast<size_t>(n) < tail) // more: the zero padding after it
      return status{errc::io_error, "read " + path_ + ": last block reads back short"};
    tail_loaded_ = true;
    return {};
  }

  /// pwrite(2)s all of p[0, len) at off; 0 or the errno of the failure
  /// (EIO for a write of 0 bytes).
  int pwrite_all(const char* p, size_t len, uint64_t off) {
    size_t done = 0;
    while (done < len) {
      ssize_t n = ::pwrite(fd_, p + done, len - done, static_cast<off_t>(off + done));
      if (n < 0) {
        if (errno == EINTR)
          continue;
        return errno;
      }
      if (n == 0)
        return EIO;
      done += static_cast<size_t>(n);
    }
    return 0;
  }

  int fd_;
  std::string path_;
  bool direct_ = true;
  /// Bytes appended (the file may be longer by its zero padding).
  uint64_t size_ = 0;
  /// Starts with the size_ % direct_io_block bytes of the last block when
  /// tail_loaded_ (append_aligned() writes from the caller's buffer and
  /// leaves it stale; append() reads the block back first then).
  aligned_buffer buf_;
  bool tail_loaded_ = true;
};

class posix_fs final : public file_system {
public:
  result<std::unique_ptr<writable_file>> create(const std::string& path) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
      return errno_status(errno, "create", path);
    return std::unique_ptr<writable_file>{std::make_unique<posix_file>(fd, path)};
  }

  status create_zero_filled(const std::string& path, std::string_view head,
                            uint64_t size) override {
    constexpr size_t chunk = size_t{8} << 20;
    if (head.size() > size || head.size() > chunk)
      return status{errc::invalid_argument, "create " + path + ": header larger than the file"};
    // Only for direct I/O: without it (tmpfs) there is nothing to gain.
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_DIRECT | O_CLOEXEC, 0644);
    if (fd < 0 && errno == EINVAL)
      return status{errc::io_error, "create " + path + ": no direct I/O on this file system"};
    if (fd < 0)
      return errno_status(errno, "create", path);
    // One zero buffer per thread, kept (the zero-filler makes one file
    // after another: fresh pages would cost a page fault each, every time).
    // 8 MiB writes: the kernel's cost per write and per pinned page is then
    // small (docs/benchmarks.md, walio).
    thread_local aligned_buffer zeros;
    if (zeros.data == nullptr) {
      if (!zeros.reserve(chunk, 0)) {
        ::close(fd);
        ::unlink(path.c_str());
        return status{errc::io_error, "create " + path + ": no memory for the zero buffer"};
      }
      std::memset(zeros.data, 0, chunk);
    }
    std::memcpy(zeros.data, head.data(), head.size());
    int err = 0;
    uint64_t off = 0;
    while (err == 0 && off < size) {
      // Whole blocks: the file may end up to a block longer than size.
      size_t len = round_up_to_block(static_cast<size_t>(std::min<uint64_t>(chunk, size - off)));
      ssize_t n = ::pwrite(fd, zeros.data, len, static_cast<off_t>(off));
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        err = errno;
      else if (n == 0)
        err = EIO;
      else
        off += static_cast<uint64_t>(n);
      std::memset(zeros.data, 0, head.size()); // the header goes out once
    }
    std::memset(zeros.data, 0, head.size()); // all zeros again for the next file
    while (err == 0 && ::fdatasync(fd) != 0) {
      if (errno != EINTR)
        err = errno;
    }
    ::close(fd);
    if (err != 0) {
      ::unlink(path.c_str());
      return errno_status(err, "write", path);
    }
    return {};
  }

  result<std::unique_ptr<writable_file>> open_zero_filled(const std::string& path,
                                                          uint64_t used) override {
    int fd = ::open(path.c_str(), O_RDWR | O_DIRECT | O_CLOEXEC);
    if (fd < 0 && errno == EINVAL)
      return status{errc::io_error, "open " + path + ": no direct I/O on this file system"};
    if (fd < 0)
      return errno_status(errno, "open", path);
    return std::unique_ptr<writable_file>{std::make_unique<posix_direct_file>(fd, path, used)};
  }

  result<std::unique_ptr<writable_file>> create_direct(const std::string& path) override {
    // No O_APPEND: the appends pwrite(2) whole blocks at explicit offsets.
    // Read-write: truncate() reads the new last block back.
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_DIRECT | O_CLOEXEC, 0644);
    if (fd < 0 && errno == EINVAL) // the file system has no direct I/O (tmpfs)
      return create(path);
    if (fd < 0)
      return errno_status(errno, "create", path);
    return std::unique_ptr<writable_file>{std::make_unique<posix_direct_file>(fd, path)};
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

  status read_file_direct(const std::string& path, std::string& out) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC);
    if (fd < 0 && errno == EINVAL)
      return read_file(path, out);
    if (fd < 0)
      return errno_status(errno, "open", path);
    out.clear();
    struct stat st {};
    // Large aligned reads straight from the device (no page cache to fill,
    // which costs more than the copy below on a VM's untouched memory).
    constexpr size_t chunk = size_t{8} << 20;
    // Capacity in whole chunks: a reused buffer then fits the next segment
    // of about the same size without a new allocation to fault in.
    if (::fstat(fd, &st) == 0 && st.st_size > 0)
      out.reserve((static_cast<size_t>(st.st_size) + chunk - 1) / chunk * chunk);
    thread_local aligned_buffer buf;
    if (!buf.reserve(chunk, 0)) {
      ::close(fd);
      return status{errc::io_error, "read " + path + ": no memory for the direct I/O buffer"};
    }
    uint64_t off = 0;
    for (;;) {
      ssize_t n = ::pread(fd, buf.data, chunk, static_cast<off_t>(off));
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EINVAL && off == 0) {
        ::close(fd);
        return read_file(path, out);
      }
      if (n < 0) {
        int err = errno;
        ::close(fd);
        out.clear();
        return errno_status(err, "read", path);
      }
      if (n == 0)
        break;
      out.append(buf.data, static_cast<size_t>(n));
      off += static_cast<uint64_t>(n);
      if (off % direct_io_block != 0)
        break; // a short read off a block boundary: the end of the file
    }
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
