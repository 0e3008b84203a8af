#include "runtime/storage/index_format.hpp"

#include <algorithm>
#include <numeric>
#include <unordered_map>

#include "runtime/storage/coding.hpp"
#include "runtime/util/crc32c.hpp"

namespace skald::storage {

using namespace coding;

namespace {

void put_ref(std::string& out, const chunk_ref& r) {
  put_varint(out, r.from_ms);
  put_varint(out, r.through_ms);
  put_be32(out, r.checksum);
  put_uvarint(out, r.size);
  put_uvarint(out, r.entries);
  put_uvarint(out, r.uncompressed);
}

/// size, entries and (v2) uncompressed of a ref.
bool get_sizes(reader& r, chunk_ref& ref, bool v2) {
  uint64_t size = r.uvarint();
  uint64_t entries = r.uvarint();
  uint64_t uncompressed = v2 ? r.uvarint() : 0;
  if (!r.ok() || size > UINT32_MAX || entries > UINT32_MAX || uncompressed > UINT32_MAX)
    return false;
  ref.size = static_cast<uint32_t>(size);
  ref.entries = static_cast<uint32_t>(entries);
  ref.uncompressed = static_cast<uint32_t>(uncompressed);
  return true;
}

bool get_ref(reader& r, chunk_ref& ref, bool v2) {
  ref.from_ms = r.varint();
  ref.through_ms = r.varint();
  ref.checksum = r.be32();
  return get_sizes(r, ref, v2);
}

bool decode_batch(std::string_view payload, std::vector<series_chunks>& out) {
  reader r{payload};
  const auto type = r.u8();
  if (type != index_record_chunk_refs && type != index_record_chunk_refs_v1)
    return false;
  const bool v2 = type == index_record_chunk_refs;
  uint64_t n = r.uvarint();
  if (!r.ok() || n > r.remaining())
    return false;
  out.reserve(static_cast<size_t>(n));
  for (uint64_t i = 0; i < n; ++i) {
    series_chunks s;
    s.fingerprint = r.be64();
    uint64_t nl = r.uvarint();
    if (!r.ok() || nl > r.remaining())
      return false;
    for (uint64_t k = 0; k < nl; ++k) {
      model::label l;
      l.name = std::string{r.string()};
      l.value = std::string{r.string()};
      s.labels.push_back(std::move(l));
    }
    uint64_t nc = r.uvarint();
    if (!r.ok() || nc > r.remaining())
      return false;
    s.chunks.resize(static_cast<size_t>(nc));
    for (auto& c : s.chunks)
      if (!get_ref(r, c, v2))
        return false;
    out.push_back(std::move(s));
  }
  return r.ok() && r.at_end();
}

} // namespace

std::string encode_log_record(const std::vector<series_chunks>& batch) {
  std::string payload;
  put_u8(payload, index_record_chunk_refs);
  put_uvarint(payload, batch.size());
  for (auto& s : batch) {
    put_be64(payload, s.fingerprint);
    put_uvarint(payload, s.labels.size());
    for (auto& l : s.labels) {
      put_string(payload, l.name);
      put_string(payload, l.value);
    }
    put_uvarint(payload, s.chunks.size());
    for (auto& c : s.chunks)
      put_ref(payload, c);
  }
  std::string out;
  out.reserve(payload.size() + 8);
  put_be32(out, static_cast<uint32_t>(payload.size()));
  put_be32(out, util::crc32c(payload));
  out += payload;
  return out;
}

decoded_log decode_log(std::string_view file) {
  decoded_log out;
  size_t pos = 0;
  while (pos < file.size()) {
    if (file.size() - pos < 8) {
      out.torn = true;
      break;
    }
    uint32_t len = load_be32(file.data() + pos);
    uint32_t crc = load_be32(file.data() + pos + 4);
    if (len == 0 || len > index_max_record || file.size() - pos - 8 < len) {
      out.torn = true;
      break;
    }
    std::string_view payload = file.substr(pos + 8, len);
    std::vector<series_chunks> batch;
    if (util::crc32c(payload) != crc || !decode_batch(payload, batch)) {
      out.torn = true;
      break;
    }
    out.records.push_back(std::move(batch));
    pos += 8 + len;
    out.valid_bytes = pos;
  }
  return out;
}

std::string encode_segment(const series_index& idx, uint64_t log_seq) {
  const auto& entries = idx.entries();
  // Series in label order; remember each old id's new position.
  std::vector<uint32_t> order(entries.size());
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    if (entries[a].labels != entries[b].labels)
      return entries[a].labels < entries[b].labels;
    return entries[a].fingerprint < entries[b].fingerprint;
  });
  std::vector<uint32_t> new_id(entries.size());
  for (uint32_t i = 0; i < order.size(); ++i)
    new_id[order[i]] = i;
  // Symbols: every name and value, sorted and unique (postings keys are all
  // of them).
  std::vector<std::string_view> symbols;
  for (auto& [name, vp] : idx.postings()) {
    symbols.push_back(name);
    for (auto& [value, _] : vp)
      symbols.push_back(value);
  }
  std::sort(symbols.begin(), symbols.end());
  symbols.erase(std::unique(symbols.begin(), symbols.end()), symbols.end());
  std::unordered_map<std::string_view, uint32_t> sym;
  sym.reserve(symbols.size());
  for (uint32_t i = 0; i < symbols.size(); ++i)
    sym.emplace(symbols[i], i);

  std::string out;
  put_be32(out, index_segment_magic);
  put_u8(out, index_segment_version);
  out.append(3, '\0');
  put_be64(out, log_seq);

  const uint64_t symbols_off = out.size();
  put_uvarint(out, symbols.size());
  for (auto s : symbols)
    put_string(out, s);

  const uint64_t series_off = out.size();
  put_uvarint(out, order.size());
  for (uint32_t old : order) {
    auto& e = entries[old];
    put_be64(out, e.fingerprint);
    put_uvarint(out, e.labels.size());
    for (auto& l : e.labels) {
      put_uvarint(out, sym.at(l.name));
      put_uvarint(out, sym.at(l.value));
    }
    put_uvarint(out, e.chunks.size());
    int64_t prev_from = 0;
    for (auto& c : e.chunks) {
      // from as a delta to the previous from (chunks are sorted by from),
      // through as a delta to from: both small in practice.
      put_varint(out, static_cast<int64_t>(static_cast<uint64_t>(c.from_ms) -
                                           static_cast<uint64_t>(prev_from)));
      put_varint(out, static_cast<int64_t>(static_cast<uint64_t>(c.through_ms) -
                                           static_cast<uint64_t>(c.from_ms)));
      put_be32(out, c.checksum);
      put_uvarint(out, c.size);
      put_uvarint(out, c.entries);
      put_uvarint(out, c.uncompressed);
      prev_from = c.from_ms;
    }
  }

  const uint64_t postings_off = out.size();
  size_t pairs = 0;
  for (auto& [name, vp] : idx.postings())
    pairs += vp.size();
  put_uvarint(out, pairs);
  std::vector<uint32_t> ids;
  for (auto& [name, vp] : idx.postings()) {
    for (auto& [value, list] : vp) {
      put_uvarint(out, sym.at(name));
      put_uvarint(out, sym.at(value));
      ids.clear();
      for (uint32_t id : list)
        ids.push_back(new_id[id]);
      std::sort(ids.begin(), ids.end());
      put_uvarint(out, ids.size());
      uint32_t prev = 0;
      for (size_t i = 0; i < ids.size(); ++i) {
        put_uvarint(out, i == 0 ? ids[i] : ids[i] - prev);
        prev = ids[i];
      }
    }
  }

  put_be64(out, symbols_off);
  put_be64(out, series_off);
  put_be64(out, postings_off);
  put_be32(out, util::crc32c(out));
  return out;
}

result<decoded_segment> decode_segment(std::string_view file) {
  auto bad = [](const char* what) {
    return status{errc::corrupt_record, std::string{"index segment: "} + what};
  };
  if (file.size() < index_segment_header_size + index_segment_footer_size)
    return bad("too short");
  const size_t crc_pos = file.size() - 4;
  if (util::crc32c(file.data(), crc_pos) != load_be32(file.data() + crc_pos))
    return bad("checksum mismatch");
  reader h{file.substr(0, index_segment_header_size)};
  if (h.be32() != index_segment_magic)
    return bad("invalid magic number");
  const auto version = h.u8();
  if (version != index_segment_version && version != index_segment_version_v1)
    return bad("unsupported version");
  const bool v2 = version == index_segment_version;
  if (h.bytes(3) != std::string_view{"\0\0\0", 3})
    return bad("reserved bytes not zero");
  decoded_segment out;
  out.log_seq = h.be64();
  const size_t footer = file.size() - index_segment_footer_size;
  uint64_t symbols_off = load_be64(file.data() + footer);
  uint64_t series_off = load_be64(file.data() + footer + 8);
  uint64_t postings_off = load_be64(file.data() + footer + 16);
  if (symbols_off != index_segment_header_size || series_off < symbols_off ||
      postings_off < series_off || postings_off > footer)
    return bad("bad section offsets");

  reader rs{file.substr(symbols_off, series_off - symbols_off)};
  uint64_t nsym = rs.uvarint();
  if (!rs.ok() || nsym > rs.remaining())
    return bad("bad symbols");
  std::vector<std::string_view> symbols;
  symbols.reserve(static_cast<size_t>(nsym));
  for (uint64_t i = 0; i < nsym; ++i)
    symbols.push_back(rs.string());
  if (!rs.ok() || !rs.at_end())
    return bad("bad symbols");
  auto symbol = [&](reader& r, std::string_view& s) {
    uint64_t i = r.uvarint();
    if (!r.ok() || i >= symbols.size())
      return false;
    s = symbols[static_cast<size_t>(i)];
    return true;
  };

  reader r{file.substr(series_off, postings_off - series_off)};
  uint64_t nseries = r.uvarint();
  if (!r.ok() || nseries > r.remaining())
    return bad("bad series");
  out.series.resize(static_cast<size_t>(nseries));
  for (auto& e : out.series) {
    e.fingerprint = r.be64();
    uint64_t nl = r.uvarint();
    if (!r.ok() || nl > r.remaining())
      return bad("bad series");
    e.labels.resize(static_cast<size_t>(nl));
    for (auto& l : e.labels) {
      std::string_view n, v;
      if (!symbol(r, n) || !symbol(r, v))
        return bad("bad label symbol");
      l.name = std::string{n};
      l.value = std::string{v};
    }
    uint64_t nc = r.uvarint();
    if (!r.ok() || nc > r.remaining())
      return bad("bad series");
    e.chunks.resize(static_cast<size_t>(nc));
    int64_t prev_from = 0;
    for (auto& c : e.chunks) {
      c.from_ms = static_cast<int64_t>(static_cast<uint64_t>(prev_from) +
                                       static_cast<uint64_t>(r.varint()));
      c.through_ms = static_cast<int64_t>(static_cast<uint64_t>(c.from_ms) +
                                          static_cast<uint64_t>(r.varint()));
      c.checksum = r.be32();
      if (!get_sizes(r, c, v2))
        return bad("bad chunk ref");
      prev_from = c.from_ms;
    }
  }
  if (!r.ok() || !r.at_end())
    return bad("bad series");

  reader rp{file.substr(postings_off, footer - postings_off)};
  uint64_t npairs = rp.uvarint();
  if (!rp.ok() || npairs > rp.remaining())
    return bad("bad postings");
  for (uint64_t i = 0; i < npairs; ++i) {
    std::string_view n, v;
    if (!symbol(rp, n) || !symbol(rp, v))
      return bad("bad postings symbol");
    uint64_t cnt = rp.uvarint();
    if (!rp.ok() || cnt > rp.remaining() || cnt > nseries)
      return bad("bad postings");
    series_index::postings_list ids(static_cast<size_t>(cnt));
    uint64_t prev = 0;
    for (size_t k = 0; k < ids.size(); ++k) {
      uint64_t d = rp.uvarint();
      uint64_t id = k == 0 ? d : prev + d;
      if (!rp.ok() || (k > 0 && d == 0) || id >= nseries)
        return bad("bad postings");
      ids[k] = static_cast<uint32_t>(id);
      prev = id;
    }
    out.postings[std::string{n}].emplace(std::string{v}, std::move(ids));
  }
  if (!rp.ok() || !rp.at_end())
    return bad("bad postings");
  return out;
}

} // namespace skald::storage
