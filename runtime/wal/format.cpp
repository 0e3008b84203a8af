#include "runtime/wal/format.hpp"

#include <cstring>
#include <type_traits>

#include "runtime/util/crc32c.hpp"
#include "runtime/util/little_endian.hpp"
#include "runtime/util/varint.hpp"

namespace skald::wal {

namespace {

// -- writing helpers -----------------------------------------------------------

inline void put_u64(std::string& out, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i)
    b[i] = static_cast<char>(v >> (8 * i));
  out.append(b, 8);
}

inline void put_uvarint(std::string& out, uint64_t v) {
  char b[10];
  size_t n = 0;
  while (v >= 0x80) {
    b[n++] = static_cast<char>(static_cast<uint8_t>(v) | 0x80);
    v >>= 7;
  }
  b[n++] = static_cast<char>(v);
  out.append(b, n);
}

inline void put_varint(std::string& out, int64_t v) {
  put_uvarint(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}

inline void put_str(std::string& out, std::string_view s) {
  put_uvarint(out, s.size());
  out.append(s);
}

void put_labels(std::string& out, const model::label_set& ls) {
  put_uvarint(out, ls.size());
  for (auto& l : ls) {
    put_str(out, l.name);
    put_str(out, l.value);
  }
}

/// Reserves the frame header; returns its offset.
inline size_t begin_frame(std::string& out) {
  size_t start = out.size();
  out.append(frame_header_size, '\0');
  return start;
}

/// Fills in length, version, type and the CRC of the frame at `start`.
inline void end_frame(std::string& out, size_t start, record_type type) {
  size_t len = out.size() - start - frame_header_size;
  char* p = out.data() + start;
  util::store_u32le(p + 4, static_cast<uint32_t>(len));
  p[8] = static_cast<char>(record_version);
  p[9] = static_cast<char>(type);
  util::store_u32le(p, util::crc32c(p + 4, len + frame_header_size - 4));
}

// -- reading helpers -----------------------------------------------------------

struct cursor {
  const char* p;
  const char* end;

  size_t left() const noexcept { return static_cast<size_t>(end - p); }

  bool u64(uint64_t& v) noexcept {
    if (left() < 8)
      return false;
    v = 0;
    for (int i = 0; i < 8; ++i)
      v |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
    p += 8;
    return true;
  }

  bool u8(uint8_t& v) noexcept {
    if (left() < 1)
      return false;
    v = static_cast<uint8_t>(*p++);
    return true;
  }

  bool uvarint(uint64_t& v) noexcept { return util::get_uvarint(p, end, v); }

  bool varint(int64_t& v) noexcept { return util::get_varint(p, end, v); }

  bool str(std::string_view& s) noexcept {
    uint64_t n;
    if (!uvarint(n) || n > left())
      return false;
    s = std::string_view{p, static_cast<size_t>(n)};
    p += n;
    return true;
  }

  bool labels(model::label_set& ls) {
    uint64_t n;
    // Each label takes at least two bytes: bound n before reserving.
    if (!uvarint(n) || n > left() / 2)
      return false;
    ls.clear();
    ls.reserve(static_cast<size_t>(n));
    for (uint64_t i = 0; i < n; ++i) {
      std::string_view name, value;
      if (!str(name) || !str(value))
        return false;
      ls.push_back(model::label{std::string{name}, std::string{value}});
    }
    return true;
  }
};

status corrupt(const char* what) {
  return status{errc::corrupt_record, what};
}

} // namespace

// -- encoding --------------------------------------------------------------------

void append_file_header(std::string& out, file_kind kind, uint8_t version) {
  char h[file_header_size];
  std::memcpy(h, file_magic.data(), 4);
  h[4] = static_cast<char>(version);
  h[5] = static_cast<char>(kind);
  util::store_u16le(h + 6, 0);
  out.append(h, file_header_size);
}

void append_series(std::string& out, uint64_t fingerprint, uint64_t epoch, std::string_view tenant,
                   const model::label_set& labels) {
  size_t start = begin_frame(out);
  put_u64(out, fingerprint);
  put_u64(out, epoch);
  put_str(out, tenant);
  put_labels(out, labels);
  end_frame(out, start, record_type::series);
}

void append_series(std::string& out, const series_record& r) {
  append_series(out, r.fingerprint, r.epoch, r.tenant, r.labels);
}

namespace {

// Pointer-writing helpers for records sized in advance (entries records
// carry most of the WAL's bytes: one resize, then plain stores).
inline size_t uvarint_size(uint64_t v) noexcept {
  size_t n = 1;
  for (; v >= 0x80; v >>= 7)
    ++n;
  return n;
}

inline uint64_t zigzag(int64_t v) noexcept {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}

inline char* put_u64(char* p, uint64_t v) noexcept {
  util::store_u64le(p, v);
  return p + 8;
}

inline char* put_uvarint(char* p, uint64_t v) noexcept {
  for (; v >= 0x80; v >>= 7)
    *p++ = static_cast<char>(static_cast<uint8_t>(v) | 0x80);
  *p++ = static_cast<char>(v);
  return p;
}

inline size_t str_size(std::string_view s) noexcept {
  return uvarint_size(s.size()) + s.size();
}

inline char* put_str(char* p, std::string_view s) noexcept {
  p = put_uvarint(p, s.size());
  if (!s.empty())
    std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

size_t labels_size(const model::label_set* ls) noexcept {
  if (ls == nullptr)
    return 1;
  size_t n = uvarint_size(ls->size());
  for (auto& l : *ls)
    n += str_size(l.name) + str_size(l.value);
  return n;
}

char* put_labels(char* p, const model::label_set* ls) noexcept {
  if (ls == nullptr)
    return put_uvarint(p, 0);
  p = put_uvarint(p, ls->size());
  for (auto& l : *ls) {
    p = put_str(p, l.name);
    p = put_str(p, l.value);
  }
  return p;
}

template <class Entry>
const model::label_set* metadata_of(const Entry& e) noexcept {
  if constexpr (std::is_same_v<Entry, model::entry>)
    return &e.metadata;
  else
    return e.metadata;
}

/// Payload size of an entries record.
template <class Entry>
size_t entries_payload_size(const Entry* entries, size_t n) {
  // Wrapping timestamp differences: no signed overflow for extreme values.
  size_t size = 16 + uvarint_size(n);
  uint64_t prev = 0;
  for (size_t i = 0; i < n; ++i) {
    const auto ts = static_cast<uint64_t>(entries[i].ts);
    size += uvarint_size(zigzag(static_cast<int64_t>(ts - prev))) + str_size(entries[i].line) +
            labels_size(metadata_of(entries[i]));
    prev = ts;
  }
  return size;
}

/// Writes the framed record (frame_header_size + size bytes) at frame.
template <class Entry>
char* put_entries_impl(char* frame, size_t size, uint64_t fingerprint, uint64_t counter,
                       const Entry* entries, size_t n) {
  char* p = frame + frame_header_size;
  p = put_u64(p, fingerprint);
  p = put_u64(p, counter);
  p = put_uvarint(p, n);
  uint64_t prev = 0;
  for (size_t i = 0; i < n; ++i) {
    const auto& e = entries[i];
    const auto ts = static_cast<uint64_t>(e.ts);
    p = put_uvarint(p, zigzag(static_cast<int64_t>(ts - prev)));
    prev = ts;
    p = put_str(p, e.line);
    p = put_labels(p, metadata_of(e));
  }
  util::store_u32le(frame + 4, static_cast<uint32_t>(size));
  frame[8] = static_cast<char>(record_version);
  frame[9] = static_cast<char>(record_type::entries);
  util::store_u32le(frame, util::crc32c(frame + 4, size + frame_header_size - 4));
  return p;
}

template <class Entry>
void append_entries_impl(std::string& out, uint64_t fingerprint, uint64_t counter,
                         const Entry* entries, size_t n) {
  const size_t size = entries_payload_size(entries, n);
  const size_t start = out.size();
  out.resize(start + frame_header_size + size);
  put_entries_impl(out.data() + start, size, fingerprint, counter, entries, n);
}

} // namespace

void append_entries(std::string& out, uint64_t fingerprint, uint64_t counter,
                    const model::entry_view* entries, size_t n) {
  append_entries_impl(out, fingerprint, counter, entries, n);
}

void append_entries(std::string& out, uint64_t fingerprint, uint64_t counter,
                    const model::entry* entries, size_t n) {
  append_entries_impl(out, fingerprint, counter, entries, n);
}

size_t entries_frame_size(const model::entry_view* entries, size_t n) {
  return frame_header_size + entries_payload_size(entries, n);
}

char* put_entries_frame(char* p, size_t frame_size, uint64_t fingerprint, uint64_t counter,
                        const model::entry_view* entries, size_t n) {
  return put_entries_impl(p, frame_size - frame_header_size, fingerprint, counter, entries, n);
}

size_t entries_frame_size(const model::entry* entries, size_t n) {
  return frame_header_size + entries_payload_size(entries, n);
}

char* put_entries_frame(char* p, size_t frame_size, uint64_t fingerprint, uint64_t counter,
                        const model::entry* entries, size_t n) {
  return put_entries_impl(p, frame_size - frame_header_size, fingerprint, counter, entries, n);
}

namespace {

size_t block_payload_size(const block_record& b) {
  size_t n = 8 + uvarint_size(b.first) + uvarint_size(b.last - b.first) + uvarint_size(b.runs.size());
  for (const auto& r : b.runs)
    n += uvarint_size(r.skip) + uvarint_size(r.run);
  n += 2 + uvarint_size(zigzag(b.min_ts)) + uvarint_size(zigzag(b.max_ts)) +
       uvarint_size(b.entries) + uvarint_size(b.raw_size) + uvarint_size(zigzag(b.last_ts)) +
       str_size(b.last_line) + str_size(b.data);
  return n;
}

} // namespace

size_t block_frame_size(const block_record& b) {
  return frame_header_size + block_payload_size(b);
}

char* put_block_frame(char* frame, size_t frame_size, const block_record& b) {
  const size_t size = frame_size - frame_header_size;
  char* p = frame + frame_header_size;
  p = put_u64(p, b.fingerprint);
  p = put_uvarint(p, b.first);
  p = put_uvarint(p, b.last - b.first);
  p = put_uvarint(p, b.runs.size());
  for (const auto& r : b.runs) {
    p = put_uvarint(p, r.skip);
    p = put_uvarint(p, r.run);
  }
  *p++ = static_cast<char>(b.encoding);
  *p++ = static_cast<char>(b.flags);
  p = put_uvarint(p, zigzag(b.min_ts));
  p = put_uvarint(p, zigzag(b.max_ts));
  p = put_uvarint(p, b.entries);
  p = put_uvarint(p, b.raw_size);
  p = put_uvarint(p, zigzag(b.last_ts));
  p = put_str(p, b.last_line);
  p = put_str(p, b.data);
  util::store_u32le(frame + 4, static_cast<uint32_t>(size));
  frame[8] = static_cast<char>(record_version);
  frame[9] = static_cast<char>(record_type::block);
  util::store_u32le(frame, util::crc32c(frame + 4, size + frame_header_size - 4));
  return p;
}

void append_block(std::string& out, const block_record& b) {
  const size_t size = block_frame_size(b);
  const size_t start = out.size();
  out.resize(start + size);
  put_block_frame(out.data() + start, size, b);
}

void append_checkpoint_series(std::string& out, const series_snapshot& s) {
  size_t start = begin_frame(out);
  put_u64(out, s.fingerprint);
  put_u64(out, s.epoch);
  put_u64(out, s.entry_ct);
  put_varint(out, s.highest_ts);
  put_str(out, s.tenant);
  put_labels(out, s.labels);
  put_str(out, s.last_line);
  put_uvarint(out, s.chunks.size());
  for (auto& c : s.chunks) {
    out.push_back(static_cast<char>(c.flags));
    put_str(out, c.data);
  }
  end_frame(out, start, record_type::checkpoint_series);
}

// -- decoding --------------------------------------------------------------------

status check_file_header(std::string_view file, file_kind kind, uint8_t* version) {
  if (file.size() < file_header_size)
    return corrupt("file header: truncated");
  if (file.substr(0, 4) != file_magic)
    return corrupt("file header: bad magic");
  const auto v = static_cast<uint8_t>(file[4]);
  if (v < min_file_version || v > file_version)
    return corrupt("file header: unknown version");
  if (static_cast<uint8_t>(file[5]) != static_cast<uint8_t>(kind))
    return corrupt("file header: wrong file kind");
  if (file[6] != 0 || file[7] != 0)
    return corrupt("file header: reserved bytes not zero");
  if (version != nullptr)
    *version = v;
  return {};
}

status decode_series(std::string_view payload, series_record& out) {
  cursor c{payload.data(), payload.data() + payload.size()};
  if (!c.u64(out.fingerprint) || !c.u64(out.epoch) || !c.str(out.tenant) || !c.labels(out.labels))
    return corrupt("series record: truncated");
  if (c.left() != 0)
    return corrupt("series record: trailing bytes");
  return {};
}

status decode_entries(std::string_view payload, entries_record& out) {
  cursor c{payload.data(), payload.data() + payload.size()};
  out.entries.clear();
  uint64_t n;
  if (!c.u64(out.fingerprint) || !c.u64(out.counter) || !c.uvarint(n))
    return corrupt("entries record: truncated");
  // Each entry takes at least three bytes: bound n before reserving.
  if (n == 0 || n > c.left() / 3)
    return corrupt("entries record: bad entry count");
  if (out.counter < n)
    return corrupt("entries record: counter below entry count");
  out.entries.reserve(static_cast<size_t>(n));
  uint64_t ts = 0;
  size_t md_used = 0;
  for (uint64_t i = 0; i < n; ++i) {
    int64_t delta;
    std::string_view line;
    uint64_t pairs;
    if (!c.varint(delta) || !c.str(line) || !c.uvarint(pairs))
      return corrupt("entries record: truncated entry");
    ts += static_cast<uint64_t>(delta);
    model::entry_view e;
    e.ts = static_cast<model::timestamp_ns>(ts);
    e.line = line;
    if (pairs != 0) {
      if (pairs > c.left() / 2)
        return corrupt("entries record: bad metadata count");
      // Sized once per decode (n is bounded by the payload size), so the
      // pointers taken below stay valid.
      if (out.metadata.size() < n)
        out.metadata.resize(static_cast<size_t>(n));
      auto& md = out.metadata[md_used];
      md.clear();
      for (uint64_t k = 0; k < pairs; ++k) {
        std::string_view name, value;
        if (!c.str(name) || !c.str(value))
          return corrupt("entries record: truncated metadata");
        md.push_back(model::label{std::string{name}, std::string{value}});
      }
      e.metadata = &md;
      ++md_used;
    }
    out.entries.push_back(e);
  }
  if (c.left() != 0)
    return corrupt("entries record: trailing bytes");
  return {};
}

status decode_block(std::string_view payload, block_record& out) {
  cursor c{payload.data(), payload.data() + payload.size()};
  uint64_t span, n;
  if (!c.u64(out.fingerprint) || !c.uvarint(out.first) || !c.uvarint(span) || !c.uvarint(n))
    return corrupt("block record: truncated");
  if (out.first == 0 || span > UINT64_MAX - out.first)
    return corrupt("block record: bad counters");
  out.last = out.first + span;
  // Each run takes at least two bytes: bound n before reserving.
  if (n == 0 || n > c.left() / 2)
    return corrupt("block record: bad run count");
  out.runs.clear();
  out.runs.reserve(static_cast<size_t>(n));
  uint64_t covered = 0; // counters first .. first + covered - 1 accounted for
  uint64_t in_block = 0;
  for (uint64_t i = 0; i < n; ++i) {
    counter_run r;
    if (!c.uvarint(r.skip) || !c.uvarint(r.run))
      return corrupt("block record: truncated runs");
    if (r.run == 0 || r.skip > span + 1 - covered || r.run > span + 1 - covered - r.skip)
      return corrupt("block record: runs do not match the counters");
    covered += r.skip + r.run;
    in_block += r.run;
    out.runs.push_back(r);
  }
  if (covered != span + 1)
    return corrupt("block record: runs do not match the counters");
  uint8_t enc, flags;
  int64_t min_ts, max_ts, last_ts;
  uint64_t entries, raw;
  if (!c.u8(enc) || !c.u8(flags) || !c.varint(min_ts) || !c.varint(max_ts) ||
      !c.uvarint(entries) || !c.uvarint(raw) || !c.varint(last_ts) || !c.str(out.last_line) ||
      !c.str(out.data))
    return corrupt("block record: truncated");
  if (enc == 0 || enc > 5)
    return corrupt("block record: unknown encoding");
  if ((flags & ~block_flag_metadata) != 0)
    return corrupt("block record: reserved flags set");
  if (min_ts > max_ts || entries != in_block || entries > UINT32_MAX || raw > UINT32_MAX ||
      out.data.empty())
    return corrupt("block record: bad block metadata");
  if (c.left() != 0)
    return corrupt("block record: trailing bytes");
  out.encoding = enc;
  out.flags = flags;
  out.min_ts = min_ts;
  out.max_ts = max_ts;
  out.entries = static_cast<uint32_t>(entries);
  out.raw_size = static_cast<uint32_t>(raw);
  out.last_ts = last_ts;
  return {};
}

status decode_checkpoint_series(std::string_view payload, series_snapshot& out) {
  cursor c{payload.data(), payload.data() + payload.size()};
  int64_t highest;
  if (!c.u64(out.fingerprint) || !c.u64(out.epoch) || !c.u64(out.entry_ct) || !c.varint(highest) ||
      !c.str(out.tenant) || !c.labels(out.labels) || !c.str(out.last_line))
    return corrupt("checkpoint series: truncated");
  out.highest_ts = highest;
  uint64_t n;
  // Each chunk takes at least two bytes.
  if (!c.uvarint(n) || n > c.left() / 2)
    return corrupt("checkpoint series: bad chunk count");
  out.chunks.clear();
  out.chunks.reserve(static_cast<size_t>(n));
  for (uint64_t i = 0; i < n; ++i) {
    checkpoint_chunk ch;
    if (!c.u8(ch.flags) || !c.str(ch.data))
      return corrupt("checkpoint series: truncated chunk");
    if ((ch.flags & ~chunk_closed) != 0)
      return corrupt("checkpoint series: reserved chunk flags set");
    out.chunks.push_back(ch);
  }
  if (c.left() != 0)
    return corrupt("checkpoint series: trailing bytes");
  return {};
}

// -- frame_reader ----------------------------------------------------------------

bool all_zero(const char* p, size_t n) noexcept {
  // The first 16 bytes one by one, then memcmp of the rest against itself
  // shifted by 16 (zero iff every byte equals the one 16 before): vectorized
  // by libc, a v3 segment's zero tail may be most of 128 MiB.
  const size_t head = n < 16 ? n : 16;
  for (size_t i = 0; i < head; ++i)
    if (p[i] != 0)
      return false;
  return n <= 16 || std::memcmp(p, p + 16, n - 16) == 0;
}

frame_status frame_reader::next(frame& out) noexcept {
  if (done_)
    return frame_status::end;
  if (pos_ >= bytes_.size()) {
    done_ = true;
    return frame_status::end;
  }
  const char* p = bytes_.data() + pos_;
  size_t left = bytes_.size() - pos_;
  const size_t head = left < frame_header_size ? left : frame_header_size;
  if (all_zero(p, head)) {
    // A zero frame header (no record has one: its version byte is 1) or
    // fewer zero bytes than a header: the zeros after the last record.
    const bool rest_zero = all_zero(p + head, left - head);
    // v3: zeros of any length (a preallocated segment); v2: padding, fewer
    // than pad_block zeros up to a multiple of pad_block.
    if (rest_zero &&
        (version_ >= 3 || (version_ == 2 && left < pad_block && bytes_.size() % pad_block == 0))) {
      done_ = true;
      return frame_status::end;
    }
    if (version_ >= 3)
      return fail(frame_status::torn, "zero bytes before the end of the file");
    if (rest_zero)
      return fail(frame_status::torn, "zero-filled tail");
    // v1/v2: a header of zeros followed by data fails below as before.
  }
  if (left < frame_header_size)
    return fail(frame_status::torn, "truncated record header");
  uint32_t crc = util::load_u32le(p);
  uint32_t len = util::load_u32le(p + 4);
  if (len > max_payload_size)
    return fail(frame_status::corrupt, "record length too large");
  if (len > left - frame_header_size)
    return fail(frame_status::torn, "record extends past the end of the file");
  if (util::crc32c(p + 4, len + frame_header_size - 4) != crc)
    return fail(frame_status::corrupt, "record checksum mismatch");
  if (static_cast<uint8_t>(p[8]) != record_version)
    return fail(frame_status::corrupt, "unknown record version");
  auto type = static_cast<uint8_t>(p[9]);
  if (type == 0 || type > static_cast<uint8_t>(record_type::block))
    return fail(frame_status::corrupt, "unknown record type");
  if (type == static_cast<uint8_t>(record_type::block) && version_ < 4)
    return fail(frame_status::corrupt, "block record in a file older than v4");
  out.type = static_cast<record_type>(type);
  out.payload = std::string_view{p + frame_header_size, len};
  out.offset = pos_;
  pos_ += frame_header_size + len;
  return frame_status::ok;
}

} // namespace skald::wal
