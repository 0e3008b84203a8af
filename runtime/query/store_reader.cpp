// runtime/query/store_reader.cpp — see store_reader.hpp.
#include "runtime/query/store_reader.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "runtime/chunkenc/mem_chunk.hpp"
#include "runtime/storage/chunk_store.hpp"
#include "runtime/storage/index_store.hpp"

namespace skald::query {

namespace {

constexpr int64_t ns_per_ms = 1'000'000;

bool ref_inside(const storage::chunk_ref& r, int64_t from, int64_t through) {
  return r.from_ms >= from / ns_per_ms + (from % ns_per_ms != 0 ? 1 : 0) &&
         (r.through_ms + 1) * ns_per_ms <= through;
}

/// The refs a per-stream limit can reach (see the header comment).
std::vector<storage::chunk_ref> reachable(const std::vector<storage::chunk_ref>& refs,
                                          const store_query& q) {
  if (q.per_stream_limit == 0)
    return refs;
  std::vector<storage::chunk_ref> order = refs;
  const bool forward = q.dir == logql::direction::forward;
  std::stable_sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
    return forward ? a.from_ms < b.from_ms : a.through_ms > b.through_ms;
  });
  std::vector<storage::chunk_ref> out;
  uint64_t entries = 0;
  size_t i = 0;
  int64_t edge = 0; // forward: max through_ms taken; backward: min from_ms taken
  for (; i < order.size() && entries < q.per_stream_limit; ++i) {
    const auto& r = order[i];
    if (ref_inside(r, q.from, q.through))
      entries += r.entries;
    edge = out.empty() ? (forward ? r.through_ms : r.from_ms)
                       : (forward ? std::max(edge, r.through_ms) : std::min(edge, r.from_ms));
    out.push_back(r);
  }
  for (; i < order.size(); ++i) {
    const auto& r = order[i];
    if (forward ? r.from_ms <= edge : r.through_ms >= edge)
      out.push_back(r);
  }
  return out;
}

bool cancelled(const store_query& q) {
  return q.cancel != nullptr && q.cancel->load(std::memory_order_acquire);
}

status cancelled_status() {
  return status{errc::timeout, "the query was cancelled (timeout)"};
}

} // namespace

result<store_data> read_store(storage::chunk_store& chunks, storage::index_store& index,
                              const store_query& q) {
  store_data out;
  if (q.through <= q.from)
    return out;
  std::vector<std::vector<logql::label_matcher>> groups = q.groups;
  if (groups.empty())
    groups.emplace_back();
  std::map<uint64_t, size_t> by_fp; // fingerprint -> out.series index
  for (const auto& g : groups) {
    if (cancelled(q))
      return cancelled_status();
    // One matcher type (runtime/model/matcher.hpp): LogQL's go to the index.
    auto found = index.series(q.tenant, g, q.from, q.through - 1);
    if (!found)
      return found.error();
    for (auto& s : *found) {
      auto [it, fresh] = by_fp.emplace(s.fingerprint, out.series.size());
      if (fresh) {
        store_series ss;
        ss.labels = std::move(s.labels);
        ss.fingerprint = s.fingerprint;
        ss.refs = std::move(s.chunks);
        out.series.push_back(std::move(ss));
        continue;
      }
      auto& refs = out.series[it->second].refs;
      for (auto& r : s.chunks)
        if (std::find(refs.begin(), refs.end(), r) == refs.end())
          refs.push_back(r);
      std::sort(refs.begin(), refs.end(), storage::ref_less);
    }
  }
  if (q.labels_only)
    return out;
  for (auto& s : out.series) {
    for (const auto& r : reachable(s.refs, q)) {
      if (cancelled(q))
        return cancelled_status();
      auto got = chunks.get_shared(q.tenant, s.fingerprint, r);
      if (!got)
        return got.error();
      out.bytes_fetched += got->chunk_size;
      // No copy: the blocks point into the object read from disk. get_shared
      // verified the whole object's CRC (the key's): no second pass per block.
      auto c = chunkenc::mem_chunk::decode_shared(std::move(got->object), got->chunk_offset,
                                                  got->chunk_size, /*verify_blocks=*/false);
      if (!c)
        return c.error();
      ++out.chunks_fetched;
      s.chunks.push_back(std::make_shared<const chunkenc::mem_chunk>(std::move(*c)));
    }
  }
  return out;
}

} // namespace skald::query
