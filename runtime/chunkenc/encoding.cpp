#include "runtime/chunkenc/encoding.hpp"

#include <lz4.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <memory>
#include <string>

namespace skald::chunkenc {

namespace {

constexpr int gzip_level = 6;
constexpr int zstd_level = 3;
constexpr int gzip_window_bits = 15 + 16; // 15 = 32KiB window, +16 = gzip wrapper

/// Per-thread codec states, created lazily and reused: deflate/inflate streams
/// (~256KiB of zlib state), a zstd compression and decompression context and
/// an LZ4 state. Released when the thread exits.
class codec_context {
public:
  codec_context() = default;
  codec_context(const codec_context&) = delete;
  codec_context& operator=(const codec_context&) = delete;
  ~codec_context() {
    if (deflate_ready_)
      deflateEnd(&deflate_);
    if (inflate_ready_)
      inflateEnd(&inflate_);
    ZSTD_freeCCtx(zcctx_);
    ZSTD_freeDCtx(zdctx_);
  }

  z_stream* deflater() {
    if (!deflate_ready_) {
      if (deflateInit2(&deflate_, gzip_level, Z_DEFLATED, gzip_window_bits, 8,
                       Z_DEFAULT_STRATEGY)
          != Z_OK)
        return nullptr;
      deflate_ready_ = true;
    } else if (deflateReset(&deflate_) != Z_OK) {
      return nullptr;
    }
    return &deflate_;
  }

  z_stream* inflater() {
    if (!inflate_ready_) {
      if (inflateInit2(&inflate_, gzip_window_bits) != Z_OK)
        return nullptr;
      inflate_ready_ = true;
    } else if (inflateReset(&inflate_) != Z_OK) {
      return nullptr;
    }
    return &inflate_;
  }

  ZSTD_CCtx* zstd_compressor() {
    if (zcctx_ == nullptr)
      zcctx_ = ZSTD_createCCtx();
    return zcctx_;
  }

  ZSTD_DCtx* zstd_decompressor() {
    if (zdctx_ == nullptr)
      zdctx_ = ZSTD_createDCtx();
    return zdctx_;
  }

  void* lz4_state() {
    if (!lz4_state_)
      lz4_state_ = std::make_unique<char[]>(static_cast<size_t>(LZ4_sizeofState()));
    return lz4_state_.get();
  }

private:
  z_stream deflate_{};
  z_stream inflate_{};
  bool deflate_ready_ = false;
  bool inflate_ready_ = false;
  ZSTD_CCtx* zcctx_ = nullptr;
  ZSTD_DCtx* zdctx_ = nullptr;
  std::unique_ptr<char[]> lz4_state_;
};

codec_context& thread_context() {
  thread_local codec_context ctx;
  return ctx;
}

status corrupt(std::string what) {
  return status{errc::corrupt_record, std::move(what)};
}

status compress_gzip(std::string_view in, buffer& out) {
  auto* z = thread_context().deflater();
  if (z == nullptr)
    return status{errc::internal, "gzip: deflateInit failed"};
  out.resize_for_overwrite(deflateBound(z, static_cast<uLong>(in.size())) + 32);
  z->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z->avail_in = static_cast<uInt>(in.size());
  z->next_out = reinterpret_cast<Bytef*>(out.data());
  z->avail_out = static_cast<uInt>(out.size());
  if (deflate(z, Z_FINISH) != Z_STREAM_END)
    return status{errc::internal, "gzip: deflate did not finish"};
  out.truncate(z->total_out);
  return {};
}

status decompress_gzip(std::string_view in, size_t raw_size, buffer& out) {
  auto* z = thread_context().inflater();
  if (z == nullptr)
    return status{errc::internal, "gzip: inflateInit failed"};
  out.resize_for_overwrite(raw_size);
  // One spare byte so that output longer than raw_size is noticed.
  char spare = 0;
  z->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z->avail_in = static_cast<uInt>(in.size());
  // zlib refuses a null next_out even with avail_out == 0.
  z->next_out = reinterpret_cast<Bytef*>(raw_size == 0 ? &spare : out.data());
  z->avail_out = static_cast<uInt>(raw_size);
  int rc = inflate(z, Z_FINISH);
  if (rc == Z_BUF_ERROR && z->avail_out == 0) {
    z->next_out = reinterpret_cast<Bytef*>(&spare);
    z->avail_out = 1;
    rc = inflate(z, Z_FINISH);
  }
  if (rc != Z_STREAM_END || z->total_out != raw_size || z->avail_in != 0)
    return corrupt("gzip: bad stream or wrong size");
  return {};
}

status compress_snappy(std::string_view in, buffer& out) {
  out.resize_for_overwrite(snappy::MaxCompressedLength(in.size()));
  size_t n = 0;
  snappy::RawCompress(in.data(), in.size(), out.data(), &n);
  out.truncate(n);
  return {};
}

status decompress_snappy(std::string_view in, size_t raw_size, buffer& out) {
  size_t n = 0;
  if (!snappy::GetUncompressedLength(in.data(), in.size(), &n) || n != raw_size)
    return corrupt("snappy: bad length header");
  out.resize_for_overwrite(raw_size);
  if (!snappy::RawUncompress(in.data(), in.size(), out.data()))
    return corrupt("snappy: bad stream");
  return {};
}

status compress_lz4(std::string_view in, buffer& out) {
  if (in.size() > static_cast<size_t>(LZ4_MAX_INPUT_SIZE))
    return status{errc::too_large, "lz4: block too large"};
  auto bound = LZ4_compressBound(static_cast<int>(in.size()));
  out.resize_for_overwrite(static_cast<size_t>(bound));
  int n = LZ4_compress_fast_extState(thread_context().lz4_state(), in.data(), out.data(),
                                     static_cast<int>(in.size()), bound, 1);
  if (n <= 0)
    return status{errc::internal, "lz4: compression failed"};
  out.truncate(static_cast<size_t>(n));
  return {};
}

status decompress_lz4(std::string_view in, size_t raw_size, buffer& out) {
  if (raw_size > static_cast<size_t>(LZ4_MAX_INPUT_SIZE)
      || in.size() > static_cast<size_t>(LZ4_MAX_INPUT_SIZE))
    return corrupt("lz4: size out of range");
  out.resize_for_overwrite(raw_size);
  int n = LZ4_decompress_safe(in.data(), out.data(), static_cast<int>(in.size()),
                              static_cast<int>(raw_size));
  if (n < 0 || static_cast<size_t>(n) != raw_size)
    return corrupt("lz4: bad stream or wrong size");
  return {};
}

status compress_zstd(std::string_view in, buffer& out) {
  auto* ctx = thread_context().zstd_compressor();
  if (ctx == nullptr)
    return status{errc::internal, "zstd: no context"};
  out.resize_for_overwrite(ZSTD_compressBound(in.size()));
  size_t n = ZSTD_compressCCtx(ctx, out.data(), out.size(), in.data(), in.size(), zstd_level);
  if (ZSTD_isError(n))
    return status{errc::internal, std::string{"zstd: "} + ZSTD_getErrorName(n)};
  out.truncate(n);
  return {};
}

status decompress_zstd(std::string_view in, size_t raw_size, buffer& out) {
  auto* ctx = thread_context().zstd_decompressor();
  if (ctx == nullptr)
    return status{errc::internal, "zstd: no context"};
  auto declared = ZSTD_getFrameContentSize(in.data(), in.size());
  if (declared != raw_size)
    return corrupt("zstd: bad frame header or wrong size");
  out.resize_for_overwrite(raw_size);
  size_t n = ZSTD_decompressDCtx(ctx, out.data(), raw_size, in.data(), in.size());
  if (ZSTD_isError(n) || n != raw_size)
    return corrupt("zstd: bad stream or wrong size");
  return {};
}

} // namespace

std::string_view to_string(encoding e) noexcept {
  switch (e) {
    case encoding::none: return "none";
    case encoding::gzip: return "gzip";
    case encoding::snappy: return "snappy";
    case encoding::lz4: return "lz4";
    case encoding::zstd: return "zstd";
    default: return "invalid";
  }
}

bool is_valid(encoding e) noexcept {
  auto v = static_cast<uint8_t>(e);
  return v >= static_cast<uint8_t>(encoding::none) && v <= static_cast<uint8_t>(encoding::zstd);
}

result<encoding> parse_encoding(std::string_view name) {
  for (auto e : all_encodings)
    if (to_string(e) == name)
      return e;
  if (name == "lz4-64k" || name == "lz4-256k" || name == "lz4-1M" || name == "lz4-4M")
    return encoding::lz4;
  if (name == "flate")
    return encoding::gzip;
  return status{errc::invalid_argument,
                "unknown chunk encoding '" + std::string{name}
                  + "', want one of none, gzip, snappy, lz4, zstd"};
}

status compress(encoding e, std::string_view in, buffer& out) {
  switch (e) {
    case encoding::none:
      out.clear();
      out.append(in);
      return {};
    case encoding::gzip: return compress_gzip(in, out);
    case encoding::snappy: return compress_snappy(in, out);
    case encoding::lz4: return compress_lz4(in, out);
    case encoding::zstd: return compress_zstd(in, out);
    default: return status{errc::invalid_argument, "compress: invalid encoding"};
  }
}

status decompress(encoding e, std::string_view in, size_t raw_size, buffer& out) {
  switch (e) {
    case encoding::none:
      if (in.size() != raw_size)
        return corrupt("none: wrong size");
      out.clear();
      out.append(in);
      return {};
    case encoding::gzip: return decompress_gzip(in, raw_size, out);
    case encoding::snappy: return decompress_snappy(in, raw_size, out);
    case encoding::lz4: return decompress_lz4(in, raw_size, out);
    case encoding::zstd: return decompress_zstd(in, raw_size, out);
    default: return corrupt("decompress: invalid encoding");
  }
}

} // namespace skald::chunkenc
