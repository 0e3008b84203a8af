// runtime/chunkenc/entry_codec.hpp — the record of one entry inside a block
// payload or a head block (docs/chunk-format.md "Block payload").
//
//   varint   ts - prev_ts        (zig-zag; prev_ts = 0 for a payload's first record)
//   uvarint  len(line), line bytes
//   uvarint  n_pairs             (0 = no structured metadata)
//   n_pairs × { uvarint len(name), name, uvarint len(value), value }
//
// Internal to runtime/chunkenc; the stream and querier never see records.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

#include "runtime/chunkenc/buffer.hpp"
#include "runtime/model/entry.hpp"

namespace skald::chunkenc::detail {

/// One decoded record; views point into the payload.
struct record {
  model::timestamp_ns ts = 0;
  std::string_view line;
  /// The encoded pairs (after the n_pairs varint), for lazy decoding.
  std::string_view metadata;
  uint32_t n_pairs = 0;
};

/// ts - prev_ts with two's-complement wrap-around (no signed overflow for
/// extreme timestamps); get_record adds it back the same way.
inline int64_t ts_delta(model::timestamp_ns ts, model::timestamp_ns prev_ts) noexcept {
  return static_cast<int64_t>(static_cast<uint64_t>(ts) - static_cast<uint64_t>(prev_ts));
}

/// Bytes of the structured metadata that count against sizes: name + value
/// lengths of every pair.
inline size_t metadata_bytes(const model::label_set* md) noexcept {
  size_t n = 0;
  if (md != nullptr)
    for (const auto& l : *md)
      n += l.name.size() + l.value.size();
  return n;
}

/// Exact encoded size of `e` after a record with timestamp prev_ts.
inline size_t record_size(model::timestamp_ns prev_ts, const model::entry_view& e) noexcept {
  size_t n = varint_size(ts_delta(e.ts, prev_ts)) + uvarint_size(e.line.size()) + e.line.size();
  size_t pairs = e.metadata == nullptr ? 0 : e.metadata->size();
  n += uvarint_size(pairs);
  if (pairs != 0)
    for (const auto& l : *e.metadata)
      n += uvarint_size(l.name.size()) + l.name.size() + uvarint_size(l.value.size())
           + l.value.size();
  return n;
}

inline void put_record(buffer& out, model::timestamp_ns prev_ts, const model::entry_view& e) {
  // ts delta and line length (<= 10 bytes each), the line and, for a record
  // without metadata, its n_pairs byte: one capacity check for all of it.
  char* const begin = out.prepare(20 + e.line.size() + 1);
  auto delta = static_cast<uint64_t>(ts_delta(e.ts, prev_ts));
  char* p = write_uvarint(begin, (delta << 1) ^ (0 - (delta >> 63))); // zig-zag
  p = write_uvarint(p, e.line.size());
  if (!e.line.empty())
    std::memcpy(p, e.line.data(), e.line.size());
  p += e.line.size();
  if (e.metadata == nullptr || e.metadata->empty()) {
    *p++ = 0;
    out.commit(static_cast<size_t>(p - begin));
    return;
  }
  out.commit(static_cast<size_t>(p - begin));
  out.put_uvarint(e.metadata->size());
  for (const auto& l : *e.metadata) {
    out.put_uvarint(l.name.size());
    out.append(l.name);
    out.put_uvarint(l.value.size());
    out.append(l.value);
  }
}

/// Appends the raw record [rec_begin, rec_end) re-based from its original
/// timestamp to `prev_ts` (used to re-sort a head block).
inline void put_record_rebased(buffer& out, model::timestamp_ns prev_ts, model::timestamp_ns ts,
                               const char* rec_begin, const char* rec_end) {
  const char* p = rec_begin;
  int64_t ignored;
  get_varint(p, rec_end, ignored);
  out.put_varint(ts_delta(ts, prev_ts));
  out.append(p, static_cast<size_t>(rec_end - p));
}

inline bool get_string(const char*& p, const char* end, std::string_view& out) noexcept {
  uint64_t len;
  if (!get_uvarint(p, end, len) || len > static_cast<uint64_t>(end - p))
    return false;
  out = std::string_view{p, static_cast<size_t>(len)};
  p += len;
  return true;
}

/// Decodes the record at p (advancing p); false if malformed or truncated.
inline bool get_record(const char*& p, const char* end, model::timestamp_ns prev_ts,
                       record& r) noexcept {
  int64_t delta;
  if (!get_varint(p, end, delta) || !get_string(p, end, r.line))
    return false;
  r.ts = static_cast<model::timestamp_ns>(static_cast<uint64_t>(prev_ts)
                                          + static_cast<uint64_t>(delta));
  uint64_t pairs;
  if (!get_uvarint(p, end, pairs) || pairs > static_cast<uint64_t>(end - p))
    return false;
  const char* md_begin = p;
  std::string_view ignored;
  for (uint64_t i = 0; i < pairs; ++i)
    if (!get_string(p, end, ignored) || !get_string(p, end, ignored))
      return false;
  r.metadata = std::string_view{md_begin, static_cast<size_t>(p - md_begin)};
  r.n_pairs = static_cast<uint32_t>(pairs);
  return true;
}

/// Fills `out` from a record's encoded pairs (validated by get_record),
/// reusing out's capacity.
inline void decode_metadata(const record& r, model::label_set& out) {
  out.resize(r.n_pairs);
  const char* p = r.metadata.data();
  const char* end = p + r.metadata.size();
  std::string_view name;
  std::string_view value;
  for (auto& l : out) {
    get_string(p, end, name);
    get_string(p, end, value);
    l.name.assign(name.data(), name.size());
    l.value.assign(value.data(), value.size());
  }
}

/// True if the record's metadata equals `md` (order-sensitive; null = none).
inline bool metadata_equals(const record& r, const model::label_set* md) noexcept {
  size_t want = md == nullptr ? 0 : md->size();
  if (r.n_pairs != want)
    return false;
  const char* p = r.metadata.data();
  const char* end = p + r.metadata.size();
  std::string_view name;
  std::string_view value;
  for (size_t i = 0; i < want; ++i) {
    get_string(p, end, name);
    get_string(p, end, value);
    if (name != (*md)[i].name || value != (*md)[i].value)
      return false;
  }
  return true;
}

} // namespace skald::chunkenc::detail
