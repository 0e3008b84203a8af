// messages/wire.cpp — encoders and decoders of messages/wire.hpp.
#include "messages/wire.hpp"

#include <cstring>
#include <optional>
#include <string_view>

#include "runtime/chunkenc/mem_chunk.hpp"
#include "runtime/logql/parser.hpp"

namespace skald {

namespace {

constexpr uint8_t ingest_version = 1;
constexpr uint8_t select_version = 2; // 2: + snapshot flag
constexpr uint8_t reply_version = 3;  // 2: + encoded chunk snapshots, 3: + chunk summaries
constexpr uint8_t tail_sub_version = 1;
constexpr uint8_t tail_batch_version = 1;

class writer {
public:
  explicit writer(std::string& out) : out_(out) {}
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(uint32_t v) { raw(&v, sizeof v); }
  void u64(uint64_t v) { raw(&v, sizeof v); }
  void i64(int64_t v) { raw(&v, sizeof v); }
  void str(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    out_.append(s.data(), s.size());
  }
  void labels(const model::label_set& ls) {
    u32(static_cast<uint32_t>(ls.size()));
    for (const auto& l : ls) {
      str(l.name);
      str(l.value);
    }
  }

private:
  void raw(const void* p, size_t n) { out_.append(static_cast<const char*>(p), n); }
  std::string& out_;
};

class reader {
public:
  reader(const char* p, size_t n) : p_(p), end_(p + n) {}
  bool ok() const noexcept { return ok_; }
  bool at_end() const noexcept { return p_ == end_; }
  uint8_t u8() {
    uint8_t v = 0;
    raw(&v, 1);
    return v;
  }
  uint32_t u32() {
    uint32_t v = 0;
    raw(&v, sizeof v);
    return v;
  }
  uint64_t u64() {
    uint64_t v = 0;
    raw(&v, sizeof v);
    return v;
  }
  int64_t i64() {
    int64_t v = 0;
    raw(&v, sizeof v);
    return v;
  }
  std::string_view str() {
    auto n = u32();
    if (!ok_ || static_cast<size_t>(end_ - p_) < n) {
      ok_ = false;
      return {};
    }
    std::string_view s{p_, n};
    p_ += n;
    return s;
  }
  /// A count of items that each take at least `min_bytes`: bounded by the
  /// bytes left, so garbage cannot make us reserve gigabytes.
  uint32_t count(size_t min_bytes) {
    auto n = u32();
    if (ok_ && static_cast<size_t>(end_ - p_) / min_bytes < n)
      ok_ = false;
    return ok_ ? n : 0;
  }
  model::label_set labels() {
    model::label_set ls;
    auto n = count(8);
    ls.reserve(n);
    for (uint32_t i = 0; i < n && ok_; ++i) {
      auto name = str();
      auto value = str();
      ls.push_back(model::label{std::string{name}, std::string{value}});
    }
    return ls;
  }

private:
  void raw(void* v, size_t n) {
    if (!ok_ || static_cast<size_t>(end_ - p_) < n) {
      ok_ = false;
      return;
    }
    std::memcpy(v, p_, n);
    p_ += n;
  }
  const char* p_;
  const char* end_;
  bool ok_ = true;
};

status garbage(const char* what) {
  return status{errc::invalid_argument, std::string{"malformed "} + what + " message"};
}

// One pushed entry as ingest and tail batch records carry it: ts, line, then
// its structured metadata (a zero count when it has none).
template <class Entry>
void write_entry(writer& w, const Entry& e) {
  w.i64(e.ts);
  w.str(e.line);
  if (e.metadata != nullptr && !e.metadata->empty())
    w.labels(*e.metadata);
  else
    w.u32(0);
}

// The one copy of a received record that the decoded batch owns (its entry
// views point into it).
std::shared_ptr<push::push_storage> copy_to_storage(const std::string& bytes) {
  auto storage = std::make_shared<push::push_storage>();
  storage->bytes.reset(new char[bytes.size() + 1]);
  std::memcpy(storage->bytes.get(), bytes.data(), bytes.size());
  storage->size = bytes.size();
  return storage;
}

// Matcher groups (one per selector of a query) as select and tail
// subscription records carry them: u32 group count, then per group a u32
// matcher count and per matcher name, op byte, value.
void write_groups(writer& w, const std::vector<std::vector<logql::label_matcher>>& groups) {
  w.u32(static_cast<uint32_t>(groups.size()));
  for (const auto& g : groups) {
    w.u32(static_cast<uint32_t>(g.size()));
    for (const auto& m : g) {
      w.str(m.name);
      w.u8(static_cast<uint8_t>(m.op));
      w.str(m.value);
    }
  }
}

// Reads what write_groups wrote into `out`; an error names the record (`what`).
std::optional<status> read_groups(reader& r, const char* what,
                                  std::vector<std::vector<logql::label_matcher>>& out) {
  auto groups = r.count(4);
  out.reserve(groups);
  for (uint32_t i = 0; i < groups && r.ok(); ++i) {
    std::vector<logql::label_matcher> g;
    auto n = r.count(9);
    for (uint32_t j = 0; j < n && r.ok(); ++j) {
      std::string name{r.str()};
      auto op = r.u8();
      std::string value{r.str()};
      if (!r.ok() || op > static_cast<uint8_t>(logql::match_op::nre))
        return garbage(what);
      auto m =
          logql::make_matcher(std::move(name), static_cast<logql::match_op>(op), std::move(value));
      if (!m.ok())
        return m.error();
      g.push_back(std::move(*m));
    }
    out.push_back(std::move(g));
  }
  return std::nullopt;
}

} // namespace

ingest_wire encode_ingest(const push_batch& batch, const std::vector<uint32_t>& streams) {
  auto out = std::make_shared<std::string>();
  size_t guess = 64 + batch.tenant.size();
  for (auto i : streams) {
    const auto& s = batch.request.streams[i];
    guess += 32 + s.labels.size() * 2;
    for (const auto& e : s.entries)
      guess += 16 + e.line.size();
  }
  out->reserve(guess);
  writer w{*out};
  w.u8(ingest_version);
  w.str(batch.tenant);
  w.u64(batch.wire_bytes);
  w.u32(static_cast<uint32_t>(streams.size()));
  for (auto i : streams) {
    const auto& s = batch.request.streams[i];
    w.str(s.labels);
    w.labels(s.label_set);
    w.u64(s.fingerprint);
    w.u32(i < batch.tokens.size() ? batch.tokens[i] : 0);
    w.u32(static_cast<uint32_t>(s.entries.size()));
    for (const auto& e : s.entries) {
      write_entry(w, e);
    }
  }
  return ingest_wire{std::move(out)};
}

result<push_batch> decode_ingest(const std::string& bytes) {
  // One copy of the bytes, owned by the batch: entry views point into it.
  auto storage = copy_to_storage(bytes);
  reader r{storage->bytes.get(), bytes.size()};
  if (r.u8() != ingest_version)
    return garbage("ingest");
  push_batch b;
  b.tenant = std::string{r.str()};
  b.wire_bytes = r.u64();
  auto n = r.count(24);
  b.request.streams.reserve(n);
  b.tokens.reserve(n);
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    push::push_stream s;
    s.labels = std::string{r.str()};
    s.label_set = r.labels();
    s.fingerprint = r.u64();
    b.tokens.push_back(r.u32());
    auto m = r.count(16);
    s.entries.reserve(m);
    for (uint32_t j = 0; j < m && r.ok(); ++j) {
      model::entry_view e;
      e.ts = r.i64();
      e.line = r.str();
      auto md = r.labels();
      if (!md.empty()) {
        storage->metadata.push_back(std::move(md));
        e.metadata = &storage->metadata.back();
      }
      b.request.lines += 1;
      b.request.line_bytes += e.line.size();
      if (e.metadata != nullptr)
        for (const auto& l : *e.metadata)
          b.request.metadata_bytes += l.name.size() + l.value.size();
      s.entries.push_back(e);
    }
    b.request.streams.push_back(std::move(s));
  }
  if (!r.ok() || !r.at_end())
    return garbage("ingest");
  b.request.storage = std::move(storage);
  return b;
}

select_wire encode_select(const select_request& req) {
  auto out = std::make_shared<std::string>();
  writer w{*out};
  w.u8(select_version);
  w.str(req.tenant);
  write_groups(w, req.groups);
  w.i64(req.from);
  w.i64(req.through);
  w.u8(req.labels_only ? 1 : 0);
  w.u32(req.per_stream_limit);
  w.u8(static_cast<uint8_t>(req.dir));
  w.u8(req.snapshot ? 1 : 0);
  return select_wire{std::move(out)};
}

result<select_request> decode_select(const std::string& bytes) {
  reader r{bytes.data(), bytes.size()};
  if (r.u8() != select_version)
    return garbage("select");
  select_request req;
  req.tenant = std::string{r.str()};
  if (auto err = read_groups(r, "select", req.groups))
    return *err;
  req.from = r.i64();
  req.through = r.i64();
  req.labels_only = r.u8() != 0;
  req.per_stream_limit = r.u32();
  auto dir = r.u8();
  req.snapshot = r.u8() != 0;
  if (!r.ok() || !r.at_end() || dir > 1)
    return garbage("select");
  req.dir = static_cast<logql::direction>(dir);
  return req;
}

result<select_reply_wire> encode_select_reply(const select_reply& rep) {
  auto out = std::make_shared<std::string>();
  size_t guess = 16;
  for (const auto& s : rep.streams)
    guess += 64 + s.data.lines.size() + s.data.entries.size() * 24;
  out->reserve(guess);
  writer w{*out};
  w.u8(reply_version);
  w.u32(static_cast<uint32_t>(rep.streams.size()));
  for (const auto& s : rep.streams) {
    w.labels(s.data.labels);
    w.u64(s.count);
    w.u64(s.bytes);
    w.u32(s.chunks);
    w.str(s.data.lines);
    w.u32(static_cast<uint32_t>(s.data.entries.size()));
    for (const auto& e : s.data.entries) {
      w.i64(e.ts);
      w.u64(e.off);
      w.u32(e.len);
      w.u32(e.meta);
    }
    w.u32(static_cast<uint32_t>(s.data.metadata.size()));
    for (const auto& md : s.data.metadata)
      w.labels(md);
    // Chunk snapshots travel in the chunk format (the store's objects).
    w.u32(static_cast<uint32_t>(s.snapshot.size()));
    for (const auto& c : s.snapshot) {
      auto bytes = c ? c->encode() : result<std::string>{std::string{}};
      if (!bytes.ok())
        return bytes.error();
      w.str(*bytes);
    }
    // labels_only: the chunk list index/stats and volume count.
    w.u32(static_cast<uint32_t>(s.chunk_meta.size()));
    for (const auto& c : s.chunk_meta) {
      w.i64(c.min_ts);
      w.i64(c.max_ts);
      w.u32(c.entries);
      w.u64(c.uncompressed);
    }
  }
  return select_reply_wire{std::move(out)};
}

result<select_reply> decode_select_reply(const std::string& bytes) {
  reader r{bytes.data(), bytes.size()};
  if (r.u8() != reply_version)
    return garbage("select reply");
  select_reply rep;
  auto n = r.count(44); // the fixed-size fields of an empty stream
  rep.streams.reserve(n);
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    stream_slice s;
    s.data.labels = r.labels();
    s.count = r.u64();
    s.bytes = r.u64();
    s.chunks = r.u32();
    s.data.lines = std::string{r.str()};
    auto m = r.count(24);
    s.data.entries.resize(m);
    for (auto& e : s.data.entries) {
      e.ts = r.i64();
      e.off = r.u64();
      e.len = r.u32();
      e.meta = r.u32();
    }
    auto k = r.count(4);
    s.data.metadata.reserve(k);
    for (uint32_t j = 0; j < k && r.ok(); ++j)
      s.data.metadata.push_back(r.labels());
    auto nc = r.count(4);
    for (uint32_t j = 0; j < nc && r.ok(); ++j) {
      auto bytes = r.str();
      if (!r.ok())
        break;
      if (bytes.empty())
        continue;
      auto c = chunkenc::mem_chunk::decode(bytes);
      if (!c.ok())
        return c.error();
      s.snapshot.push_back(std::make_shared<const chunkenc::mem_chunk>(std::move(*c)));
    }
    auto ns = r.count(28);
    s.chunk_meta.resize(ns);
    for (auto& c : s.chunk_meta) {
      c.min_ts = r.i64();
      c.max_ts = r.i64();
      c.entries = r.u32();
      c.uncompressed = r.u64();
    }
    // Every entry must point inside this stream's buffers.
    for (const auto& e : s.data.entries)
      if (e.off > s.data.lines.size() || e.len > s.data.lines.size() - e.off ||
          e.meta > s.data.metadata.size())
        return garbage("select reply");
    rep.streams.push_back(std::move(s));
  }
  if (!r.ok() || !r.at_end())
    return garbage("select reply");
  return rep;
}

tail_sub_wire encode_tail_sub(const tail_sub& s) {
  auto out = std::make_shared<std::string>();
  writer w{*out};
  w.u8(tail_sub_version);
  w.str(s.tenant);
  write_groups(w, s.groups);
  w.u32(s.max_inflight);
  return tail_sub_wire{std::move(out)};
}

result<tail_sub> decode_tail_sub(const std::string& bytes) {
  reader r{bytes.data(), bytes.size()};
  if (r.u8() != tail_sub_version)
    return garbage("tail");
  tail_sub s;
  s.tenant = std::string{r.str()};
  if (auto err = read_groups(r, "tail", s.groups))
    return *err;
  s.max_inflight = r.u32();
  if (!r.ok() || !r.at_end())
    return garbage("tail");
  return s;
}

tail_batch_wire encode_tail_batches(const std::vector<tail_batch_ptr>& batches,
                                    const std::vector<tail::dropped_entry>& dropped) {
  auto out = std::make_shared<std::string>();
  size_t guess = 16 + dropped.size() * 64;
  for (const auto& b : batches) {
    const auto& s = b->batch->request.streams[b->index];
    guess += 32 + s.labels.size() * 2;
    for (auto i : b->stored)
      guess += 16 + s.entries[i].line.size();
  }
  out->reserve(guess);
  writer w{*out};
  w.u8(tail_batch_version);
  w.u32(static_cast<uint32_t>(dropped.size()));
  for (const auto& d : dropped) {
    w.i64(d.ts);
    w.labels(d.labels);
  }
  w.u32(static_cast<uint32_t>(batches.size()));
  for (const auto& b : batches) {
    const auto& s = b->batch->request.streams[b->index];
    w.str(s.labels);
    w.labels(s.label_set);
    w.u64(s.fingerprint);
    w.u32(static_cast<uint32_t>(b->stored.size()));
    for (auto i : b->stored) {
      const auto& e = s.entries[i];
      write_entry(w, e);
    }
  }
  return tail_batch_wire{std::move(out)};
}

result<tail_batches> decode_tail_batches(const std::string& bytes) {
  // One copy of the bytes, owned by the batch: entry views point into it.
  auto storage = copy_to_storage(bytes);
  reader r{storage->bytes.get(), bytes.size()};
  if (r.u8() != tail_batch_version)
    return garbage("tail batch");
  tail_batches out;
  auto nd = r.count(12);
  out.dropped.reserve(nd);
  for (uint32_t i = 0; i < nd && r.ok(); ++i) {
    tail::dropped_entry d;
    d.ts = r.i64();
    d.labels = r.labels();
    out.dropped.push_back(std::move(d));
  }
  auto n = r.count(20);
  auto& req = out.batch.request;
  req.streams.reserve(n);
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    push::push_stream s;
    s.labels = std::string{r.str()};
    s.label_set = r.labels();
    s.fingerprint = r.u64();
    auto m = r.count(16);
    s.entries.reserve(m);
    for (uint32_t j = 0; j < m && r.ok(); ++j) {
      model::entry_view e;
      e.ts = r.i64();
      e.line = r.str();
      auto md = r.labels();
      if (!md.empty()) {
        storage->metadata.push_back(std::move(md));
        e.metadata = &storage->metadata.back();
      }
      req.lines += 1;
      req.line_bytes += e.line.size();
      s.entries.push_back(e);
    }
    out.entries += static_cast<uint32_t>(s.entries.size());
    req.streams.push_back(std::move(s));
  }
  if (!r.ok() || !r.at_end())
    return garbage("tail batch");
  req.storage = std::move(storage);
  return out;
}

} // namespace skald
