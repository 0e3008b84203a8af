#include "runtime/push/decompress.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>

#include <snappy.h>
#include <zlib.h>

namespace skald::push {

namespace {

std::string too_large_message(size_t got, size_t limit) {
  return "decompressed message size too large than max (" + std::to_string(got) + " vs " +
         std::to_string(limit) + ")";
}

/// A growable output buffer that never exceeds `cap` payload bytes.
class bounded_buffer {
public:
  bounded_buffer(size_t initial, size_t cap, size_t extra) : cap_(cap), extra_(extra) {
    grow_to(std::min(std::max<size_t>(initial, 4096), cap));
  }
  char* data() { return data_.get(); }
  size_t capacity() const { return capacity_; }
  /// Grows (doubling) toward cap_; false when already at cap_.
  bool grow(size_t used) {
    if (capacity_ >= cap_)
      return false;
    size_t next = capacity_ > cap_ / 2 ? cap_ : std::max(capacity_ * 2, size_t{4096});
    next = std::min(next, cap_);
    std::unique_ptr<char[]> fresh{new char[next + extra_]};
    std::memcpy(fresh.get(), data_.get(), used);
    data_ = std::move(fresh);
    capacity_ = next;
    return true;
  }
  byte_buffer finish(size_t used) {
    std::memset(data_.get() + used, 0, extra_);
    return byte_buffer{std::move(data_), used};
  }

private:
  void grow_to(size_t n) {
    data_.reset(new char[n + extra_]);
    capacity_ = n;
  }
  std::unique_ptr<char[]> data_;
  size_t capacity_ = 0;
  size_t cap_;
  size_t extra_;
};

class zstream {
public:
  explicit zstream(int window_bits) {
    std::memset(&s_, 0, sizeof(s_));
    ok_ = inflateInit2(&s_, window_bits) == Z_OK;
  }
  ~zstream() {
    if (ok_)
      inflateEnd(&s_);
  }
  zstream(const zstream&) = delete;
  zstream& operator=(const zstream&) = delete;
  z_stream* get() { return &s_; }
  bool ok() const { return ok_; }

private:
  z_stream s_;
  bool ok_ = false;
};

status corrupt(stream_codec codec, const z_stream& s, size_t consumed) {
  std::string msg = s.msg ? s.msg : "";
  if (codec == stream_codec::gzip) {
    if (msg.find("header") != std::string::npos ||
        msg.find("unknown compression") != std::string::npos)
      return status{errc::invalid_argument, "gzip: invalid header"};
    if (msg.find("data check") != std::string::npos ||
        msg.find("length check") != std::string::npos)
      return status{errc::invalid_argument, "gzip: invalid checksum"};
  }
  return status{errc::invalid_argument,
                "flate: corrupt input before offset " + std::to_string(consumed)};
}

} // namespace

result<byte_buffer> inflate_limited(stream_codec codec, std::string_view in, size_t limit,
                                    size_t extra) {
  const bool gzip = codec == stream_codec::gzip;
  if (gzip && in.empty())
    return status{errc::invalid_argument, "EOF"};
  // Produce at most limit + 1 bytes: one byte more than allowed proves "too large".
  const size_t cap = limit == 0 ? std::numeric_limits<size_t>::max() / 2 : limit + 1;
  zstream zs{gzip ? 16 + MAX_WBITS : -MAX_WBITS};
  if (!zs.ok())
    return status{errc::internal, "inflateInit2 failed"};
  z_stream* s = zs.get();
  bounded_buffer out{in.size() * 4, cap, extra};
  size_t used = 0;
  size_t offset = 0; // input consumed before the current member
  s->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  for (;;) {
    // zlib counts avail_* in uInt: feed at most 1 GiB per call.
    size_t in_left = in.size() - offset - s->total_in;
    s->avail_in = static_cast<uInt>(std::min<size_t>(in_left, size_t{1} << 30));
    if (used == out.capacity() && !out.grow(used))
      return status{errc::too_large, too_large_message(used, limit)};
    s->next_out = reinterpret_cast<Bytef*>(out.data() + used);
    s->avail_out = static_cast<uInt>(std::min<size_t>(out.capacity() - used, size_t{1} << 30));
    uInt before_out = s->avail_out;
    int rc = inflate(s, Z_NO_FLUSH);
    used += before_out - s->avail_out;
    if (limit != 0 && used > limit)
      return status{errc::too_large, too_large_message(used, limit)};
    if (rc == Z_STREAM_END) {
      size_t consumed = offset + s->total_in;
      if (!gzip || consumed == in.size())
        break;
      // Go's gzip reader is multistream: another member must follow.
      offset = consumed;
      if (inflateReset(s) != Z_OK)
        return status{errc::internal, "inflateReset failed"};
      s->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + offset));
      continue;
    }
    if (rc == Z_OK)
      continue;
    if (rc == Z_BUF_ERROR) {
      if (s->avail_out == 0)
        continue; // needs more room: grow on the next round
      // No progress possible with all input consumed: truncated stream.
      return status{errc::invalid_argument, "unexpected EOF"};
    }
    if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT)
      return corrupt(codec, *s, offset + s->total_in);
    return status{errc::internal, "inflate failed: " + std::to_string(rc)};
  }
  return out.finish(used);
}

result<byte_buffer> snappy_uncompress_limited(std::string_view in, size_t limit, size_t extra) {
  size_t declared = 0;
  if (!snappy::GetUncompressedLength(in.data(), in.size(), &declared))
    return status{errc::invalid_argument, "snappy: corrupt input"};
  if (limit != 0 && declared > limit)
    return status{errc::too_large, too_large_message(declared, limit)};
  // A snappy element produces at most 64 bytes from 3 input bytes (copy with
  // 2-byte offset): anything beyond ~21.4x the input is a lie. Refuse it before
  // allocating.
  if (declared / 64 > in.size() / 3 + 1)
    return status{errc::invalid_argument, "snappy: corrupt input"};
  byte_buffer out;
  out.data.reset(new char[declared + extra]);
  out.size = declared;
  if (!snappy::RawUncompress(in.data(), in.size(), out.data.get()))
    return status{errc::invalid_argument, "snappy: corrupt input"};
  std::memset(out.data.get() + declared, 0, extra);
  return out;
}

} // namespace skald::push
