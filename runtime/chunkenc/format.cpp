// Format v1 of an encoded chunk: mem_chunk::encode / mem_chunk::decode.
// The byte layout is documented in docs/chunk-format.md; keep them in step.

#include <cstdio>
#include <limits>
#include <string>

#include "runtime/chunkenc/entry_codec.hpp"
#include "runtime/chunkenc/format.hpp"
#include "runtime/chunkenc/mem_chunk.hpp"
#include "runtime/util/crc32c.hpp"

namespace skald::chunkenc {

namespace {

status corrupt(std::string what) {
  return status{errc::corrupt_record, "chunk: " + std::move(what)};
}

void put_meta(buffer& out, const block_meta& m) {
  out.put_uvarint(m.entries);
  out.put_varint(m.min_ts);
  out.put_varint(m.max_ts);
  out.put_uvarint(m.offset);
  out.put_uvarint(m.raw_size);
  out.put_uvarint(m.compressed_size);
}

} // namespace

result<std::string> mem_chunk::encode() const {
  // The head, if any, becomes one more block in the output only.
  block head_block;
  bool with_head = !head_.empty();
  if (with_head) {
    buffer sorted;
    buffer compressed;
    auto payload = head_.sorted_payload(sorted);
    if (auto st = compress(enc_, payload, compressed); !st.ok())
      return st;
    head_block.meta.min_ts = head_.min_ts();
    head_block.meta.max_ts = head_.max_ts();
    head_block.meta.entries = head_.entries();
    head_block.meta.raw_size = static_cast<uint32_t>(payload.size());
    head_block.meta.compressed_size = static_cast<uint32_t>(compressed.size());
    head_block.data.assign(compressed.data(), compressed.size());
  }
  size_t n_blocks = blocks_.size() + (with_head ? 1 : 0);
  auto block_at = [&](size_t i) -> const block& {
    return i < blocks_.size() ? blocks_[i] : head_block;
  };

  buffer out;
  out.reserve_exact(format_v1::header_size + blocks_compressed_ + head_block.data.size()
                    + n_blocks * (4 + 40) + 16 + format_v1::footer_size);
  out.put_be32(format_v1::magic);
  out.push_back(static_cast<char>(format_v1::version));
  out.push_back(static_cast<char>(enc_));
  // flags: the no-metadata bit on closed chunks (what flush stores); open
  // chunks (WAL checkpoints) keep 0, so checkpoint bytes are as before.
  out.push_back(static_cast<char>(closed_ && !metadata_ ? format_v1::flag_no_metadata : 0));
  out.push_back(0); // reserved
  std::vector<uint64_t> offsets(n_blocks);
  for (size_t i = 0; i < n_blocks; ++i) {
    const auto& b = block_at(i);
    offsets[i] = out.size();
    out.append(b.data);
    // Computed here, off the append path: blocks are immutable.
    out.put_be32(util::crc32c(b.data));
  }
  uint64_t metas_offset = out.size();
  out.put_uvarint(n_blocks);
  for (size_t i = 0; i < n_blocks; ++i) {
    auto m = block_at(i).meta;
    m.offset = offsets[i];
    put_meta(out, m);
  }
  uint64_t metas_len = out.size() - metas_offset;
  uint32_t crc = util::crc32c(out.data(), format_v1::header_size);
  crc = util::crc32c_extend(crc, out.data() + metas_offset, metas_len);
  out.put_be32(crc);
  out.put_be64(metas_offset);
  out.put_be64(metas_len);
  return std::string{out.data(), out.size()};
}

result<mem_chunk> mem_chunk::decode(std::string_view bytes) {
  return decode_impl(bytes, default_block_size, default_target_size, true);
}

result<mem_chunk> mem_chunk::decode_shared(std::shared_ptr<const std::string> object,
                                           size_t offset, size_t size, bool verify_blocks) {
  if (!object || offset > object->size() || size > object->size() - offset)
    return corrupt("chunk bytes out of the object's range");
  return decode_impl(std::string_view{object->data() + offset, size}, default_block_size,
                     default_target_size, true, &object, verify_blocks);
}

result<mem_chunk> mem_chunk::decode_open(std::string_view bytes, size_t block_size,
                                         size_t target_size) {
  return decode_impl(bytes, block_size, target_size, false);
}

result<mem_chunk> mem_chunk::decode_impl(std::string_view bytes, size_t block_size,
                                         size_t target_size, bool closed,
                                         const std::shared_ptr<const std::string>* owner,
                                         bool verify_blocks) {
  constexpr size_t min_size = format_v1::header_size + 1 + 4 + format_v1::footer_size;
  if (bytes.size() < 4)
    return corrupt("truncated: " + std::to_string(bytes.size()) + " bytes");
  const char* data = bytes.data();
  if (auto magic = load_be32(data); magic != format_v1::magic) {
    char hex[16];
    std::snprintf(hex, sizeof(hex), "%08x", magic);
    return corrupt(std::string{"invalid magic number "} + hex);
  }
  if (bytes.size() < min_size)
    return corrupt("truncated: " + std::to_string(bytes.size()) + " bytes");
  auto version = static_cast<uint8_t>(data[4]);
  if (version != format_v1::version)
    return corrupt("unsupported format version " + std::to_string(version));
  auto enc = static_cast<encoding>(data[5]);
  if (!is_valid(enc))
    return corrupt("unknown encoding " + std::to_string(static_cast<int>(data[5])));
  const auto flags = static_cast<uint8_t>(data[6]);
  if ((flags & ~format_v1::flag_no_metadata) != 0 || data[7] != 0)
    return corrupt("reserved header bytes are not zero");

  uint64_t metas_offset = load_be64(data + bytes.size() - 16);
  uint64_t metas_len = load_be64(data + bytes.size() - 8);
  uint64_t body = bytes.size() - 4 - format_v1::footer_size;
  if (metas_offset < format_v1::header_size || metas_len == 0 || metas_offset > body
      || metas_len != body - metas_offset)
    return corrupt("footer offsets do not match the size");
  const char* metas = data + metas_offset;
  uint32_t crc = util::crc32c(data, format_v1::header_size);
  crc = util::crc32c_extend(crc, metas, metas_len);
  if (crc != load_be32(metas + metas_len))
    return corrupt("invalid metadata checksum");

  mem_chunk c{enc, block_size, target_size};
  c.metadata_ = (flags & format_v1::flag_no_metadata) == 0;
  const char* p = metas;
  const char* end = metas + metas_len;
  uint64_t n_blocks;
  if (!get_uvarint(p, end, n_blocks) || n_blocks > metas_len)
    return corrupt("bad block count");
  c.blocks_.reserve(n_blocks);
  uint64_t expected_offset = format_v1::header_size;
  for (uint64_t i = 0; i < n_blocks; ++i) {
    uint64_t entries;
    int64_t min_ts;
    int64_t max_ts;
    uint64_t offset;
    uint64_t raw_size;
    uint64_t compressed_size;
    if (!get_uvarint(p, end, entries) || !get_varint(p, end, min_ts)
        || !get_varint(p, end, max_ts) || !get_uvarint(p, end, offset)
        || !get_uvarint(p, end, raw_size) || !get_uvarint(p, end, compressed_size))
      return corrupt("truncated block metadata");
    auto which = "block " + std::to_string(i) + ": ";
    if (entries == 0 || entries > std::numeric_limits<uint32_t>::max() || min_ts > max_ts
        || raw_size > format_v1::max_raw_size || raw_size < entries * 3)
      return corrupt(which + "implausible metadata");
    if (offset != expected_offset || compressed_size == 0 || offset + 4 > metas_offset
        || compressed_size > metas_offset - offset - 4)
      return corrupt(which + "offset or length out of place");
    const char* bdata = data + offset;
    if (verify_blocks && util::crc32c(bdata, compressed_size) != load_be32(bdata + compressed_size))
      return corrupt(which + "invalid block checksum");
    block b;
    b.meta.entries = static_cast<uint32_t>(entries);
    b.meta.min_ts = min_ts;
    b.meta.max_ts = max_ts;
    b.meta.offset = offset;
    b.meta.raw_size = static_cast<uint32_t>(raw_size);
    b.meta.compressed_size = static_cast<uint32_t>(compressed_size);
    if (owner != nullptr)
      b.data.assign_shared(*owner, static_cast<size_t>(bdata - (*owner)->data()), compressed_size);
    else
      b.data.assign(bdata, compressed_size);
    c.blocks_entries_ += b.meta.entries;
    c.blocks_compressed_ += b.meta.compressed_size;
    c.blocks_raw_ += b.meta.raw_size;
    c.blocks_.push_back(std::move(b));
    expected_offset = offset + compressed_size + 4;
  }
  if (p != end)
    return corrupt("trailing bytes in block metadata");
  if (expected_offset != metas_offset)
    return corrupt("blocks do not end where the metadata starts");
  if (closed)
    c.head_.release();
  c.closed_ = closed;
  return c;
}

} // namespace skald::chunkenc
