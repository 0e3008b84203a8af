// runtime/wal/ring.cpp — see ring.hpp.
#include "runtime/wal/ring.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/util/crc32c.hpp"
#include "runtime/util/little_endian.hpp"
#include "runtime/wal/format.hpp"

namespace skald::wal {

namespace {

constexpr size_t ring_header_fixed = 24; // magic, version, reserved, data_size

/// The walk shared by recovery (verify: every frame checked) and the
/// drainer (trusted: the front wrote them).
template <bool Verify, class Fn>
ring_scan walk(const char* data, uint64_t size, uint64_t from, uint64_t limit, const Fn& fn) {
  ring_scan out;
  uint64_t l = from;
  const uint64_t stop = limit < from + size ? limit : from + size;
  while (l < stop) {
    const uint64_t pos = l % size;
    const uint64_t left = size - pos;
    if (left < ring_prefix_size) {
      l += left;
      continue;
    }
    const char* p = data + pos;
    const uint64_t v = util::load_u64le(p);
    if (v == (l | ring_skip_bit)) {
      l += left;
      continue;
    }
    if (v != l) {
      // Zeros (never written) or a record or skip of an earlier lap (a
      // smaller offset): a clean end. A larger one: a prefix torn by a crash.
      if ((v & ~ring_skip_bit) > l)
        out.reason = "record prefix torn";
      break;
    }
    const char* f = p + ring_prefix_size;
    const uint64_t avail = left - ring_prefix_size;
    if (avail < frame_header_size) {
      out.reason = "record header past the end of the lap";
      break;
    }
    const uint32_t len = util::load_u32le(f + 4);
    if (len > avail - frame_header_size) {
      out.reason = "record extends past the end of the lap";
      break;
    }
    if constexpr (Verify) {
      // The segment's own frame checks (CRC, version, type, length).
      frame_reader fr{std::string_view{f, static_cast<size_t>(avail)}, 0, file_version};
      frame one;
      const auto st = fr.next(one);
      if (st != frame_status::ok) {
        out.reason = st == frame_status::end ? "record torn (zero header)" : fr.reason();
        break;
      }
      if (one.type == record_type::checkpoint_series) {
        out.reason = "unexpected record type in the ring";
        break;
      }
    }
    fn(l, std::string_view{f, frame_header_size + len});
    ++out.records;
    l += ring_prefix_size + frame_header_size + len;
  }
  out.end = l;
  return out;
}

status errno_status(const std::string& what, const std::string& path) {
  const int e = errno;
  return status{e == ENOSPC || e == EDQUOT ? errc::disk_full : errc::io_error,
                what + " " + path + ": " + std::strerror(e)};
}

} // namespace

std::string ring_path(const std::string& wal_dir) {
  if (!wal_dir.empty() && wal_dir.back() == '/')
    return wal_dir + std::string{ring_file_name};
  return wal_dir + "/" + std::string{ring_file_name};
}

namespace {

result<ring_header> parse_header(const char* p, uint64_t file_size) {
  auto bad = [](const char* why) {
    return status{errc::corrupt_record, std::string{"wal ring: "} + why};
  };
  if (file_size < ring_header_size)
    return bad("file shorter than its header");
  if (std::string_view{p, ring_magic.size()} != ring_magic)
    return bad("bad magic");
  if (util::load_u32le(p + 8) != ring_version || util::load_u32le(p + 12) != 0)
    return bad("unknown version");
  if (util::crc32c(p, ring_header_fixed) != util::load_u32le(p + ring_header_fixed))
    return bad("header checksum mismatch");
  ring_header h;
  h.data_size = util::load_u64le(p + 16);
  if (h.data_size < ring_min_data_size || h.data_size > (uint64_t{1} << 40))
    return bad("bad data size");
  if (file_size != ring_header_size + h.data_size)
    return bad("file size does not match the header");
  h.drained = util::load_u64le(p + ring_drained_offset);
  if ((h.drained & ring_skip_bit) != 0)
    return bad("bad drained offset");
  return h;
}

} // namespace

result<ring_header> parse_ring_header(std::string_view file) {
  if (file.size() < ring_header_size)
    return status{errc::corrupt_record, "wal ring: file shorter than its header"};
  return parse_header(file.data(), file.size());
}

std::string make_ring_header(uint64_t data_size) {
  std::string h(ring_header_size, '\0');
  std::memcpy(h.data(), ring_magic.data(), ring_magic.size());
  util::store_u32le(h.data() + 8, ring_version);
  util::store_u64le(h.data() + 16, data_size);
  util::store_u32le(h.data() + ring_header_fixed, util::crc32c(h.data(), ring_header_fixed));
  return h;
}

ring_scan scan_ring(std::string_view data, uint64_t from,
                    const std::function<void(std::string_view frame)>& fn) {
  if (data.empty())
    return ring_scan{from, 0, ""};
  return walk<true>(data.data(), data.size(), from, UINT64_MAX,
                    [&fn](uint64_t, std::string_view f) { fn(f); });
}

result<ring_tail> ring_tail_as_segment(std::string_view file) {
  auto h = parse_ring_header(file);
  if (!h)
    return h.error();
  ring_tail out;
  out.header = *h;
  append_file_header(out.segment, file_kind::segment);
  out.scan = scan_ring(file.substr(ring_header_size), h->drained,
                       [&](std::string_view frame) { out.segment.append(frame); });
  return out;
}

// -- ring_log -----------------------------------------------------------------------

result<std::shared_ptr<ring_log>> ring_log::open(const std::string& path, uint64_t data_size) {
  if (data_size < ring_min_data_size)
    return status{errc::invalid_argument, "wal ring: size below 1MiB"};
  data_size = (data_size + 4095) / 4096 * 4096;
  std::shared_ptr<ring_log> r{new ring_log};
  r->path_ = path;
  r->fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (r->fd_ < 0)
    return errno_status("wal ring: open", path);
  struct stat stbuf {};
  if (::fstat(r->fd_, &stbuf) != 0)
    return errno_status("wal ring: stat", path);
  const auto file_size = static_cast<uint64_t>(stbuf.st_size);
  bool fresh = true;
  uint64_t use_size = data_size;
  if (file_size >= ring_header_size) {
    std::string head(ring_header_size, '\0');
    if (::pread(r->fd_, head.data(), head.size(), 0) == static_cast<ssize_t>(head.size())) {
      auto h = parse_header(head.data(), file_size);
      if (h) {
        fresh = false;
        use_size = h->data_size;
        r->drained_.store(h->drained);
      }
    }
  }
  if (!fresh) {
    r->map_size_ = ring_header_size + use_size;
    void* m = ::mmap(nullptr, r->map_size_, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd_, 0);
    if (m == MAP_FAILED)
      return errno_status("wal ring: mmap", path);
    r->map_ = static_cast<char*>(m);
    r->data_ = r->map_ + ring_header_size;
    r->data_size_ = use_size;
    auto s =
        walk<true>(r->data_, use_size, r->drained(), UINT64_MAX, [](uint64_t, std::string_view) {});
    r->head_ = s.end;
    r->published_.store(s.end);
    if (s.end != r->drained() || use_size == data_size)
      return r; // records to drain first, or the configured size already
    ::munmap(r->map_, r->map_size_);
    r->map_ = r->data_ = nullptr;
  }
  // A new ring: zero length first, so no byte of an old one survives.
  if (::ftruncate(r->fd_, 0) != 0)
    return errno_status("wal ring: truncate", path);
  const uint64_t total = ring_header_size + data_size;
  // Blocks reserved now: a store into a hole of a full disk would be SIGBUS.
  if (int e = ::posix_fallocate(r->fd_, 0, static_cast<off_t>(total)); e != 0) {
    errno = e;
    return errno_status("wal ring: fallocate", path);
  }
  auto header = make_ring_header(data_size);
  if (::pwrite(r->fd_, header.data(), header.size(), 0) != static_cast<ssize_t>(header.size()))
    return errno_status("wal ring: write header", path);
  if (::fdatasync(r->fd_) != 0)
    return errno_status("wal ring: sync", path);
  r->map_size_ = total;
  void* m = ::mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd_, 0);
  if (m == MAP_FAILED)
    return errno_status("wal ring: mmap", path);
  r->map_ = static_cast<char*>(m);
  r->data_ = r->map_ + ring_header_size;
  r->data_size_ = data_size;
  // Offsets start one lap in: a prefix of zeros (never written) then
  // matches no record's offset.
  r->head_ = data_size;
  r->published_.store(data_size);
  r->set_drained(data_size);
  return r;
}

ring_log::~ring_log() {
  if (map_ != nullptr)
    ::munmap(map_, map_size_);
  if (fd_ >= 0)
    ::close(fd_);
}

uint64_t ring_log::cost(size_t frame_size) const noexcept {
  const uint64_t need = ring_prefix_size + frame_size;
  const uint64_t left = data_size_ - head_ % data_size_;
  return need <= left ? need : left + need;
}

uint64_t ring_log::free_bytes() const noexcept {
  return data_size_ - (head_ - drained());
}

char* ring_log::begin_record(size_t frame_size) {
  const uint64_t need = ring_prefix_size + frame_size;
  if (need > data_size_ || cost(frame_size) > free_bytes())
    return nullptr;
  uint64_t left = data_size_ - head_ % data_size_;
  if (need > left) {
    if (left >= ring_prefix_size)
      util::store_u64le(data_ + head_ % data_size_, head_ | ring_skip_bit);
    head_ += left;
  }
  char* p = data_ + head_ % data_size_;
  util::store_u64le(p, head_);
  return p + ring_prefix_size;
}

void ring_log::for_each(uint64_t upto, const std::function<void(std::string_view frame)>& fn) const {
  walk<false>(data_, data_size_, drained(), upto, [&fn](uint64_t, std::string_view f) { fn(f); });
}

void ring_log::collect(uint64_t from, uint64_t upto, std::vector<ring_frame>& out) const {
  walk<false>(data_, data_size_, from, upto, [&out](uint64_t l, std::string_view f) {
    out.push_back(ring_frame{l, f});
  });
}

void ring_log::set_drained(uint64_t logical) noexcept {
  // One aligned 8-byte store: a crash sees the old value or the new one.
  __atomic_store_n(reinterpret_cast<uint64_t*>(map_ + ring_drained_offset), logical,
                   __ATOMIC_RELEASE);
  drained_.store(logical, std::memory_order_release);
}

void ring_log::set_failure(uint16_t status, std::string message) {
  std::lock_guard<std::mutex> guard{failure_mtx_};
  failure_status_ = status;
  failure_message_ = std::move(message);
  failing_.store(true, std::memory_order_release);
}

std::pair<uint16_t, std::string> ring_log::failure() const {
  if (!failing_.load(std::memory_order_acquire))
    return {0, {}};
  std::lock_guard<std::mutex> guard{failure_mtx_};
  return {failure_status_, failure_message_};
}

} // namespace skald::wal
