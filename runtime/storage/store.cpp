#include "runtime/storage/store.hpp"

namespace skald::storage {

result<write_report> write_chunks(chunk_store& chunks, index_store& index, std::string_view tenant,
                                  const model::label_set& labels, uint64_t fingerprint,
                                  const std::vector<flush_chunk>& batch) {
  write_report rep;
  rep.puts.reserve(batch.size());
  series_chunks refs;
  refs.labels = labels;
  refs.fingerprint = fingerprint;
  for (auto& c : batch) {
    auto put = chunks.put(tenant, fingerprint, labels, c.min_ts, c.max_ts, c.entries, c.bytes);
    if (!put)
      return put.error();
    rep.deduped += put->deduped ? 1 : 0;
    put->ref.uncompressed = c.uncompressed;
    refs.chunks.push_back(put->ref);
    rep.puts.push_back(*put);
  }
  if (!refs.chunks.empty())
    if (auto st = index.add(tenant, {std::move(refs)}); !st.ok())
      return st;
  return rep;
}

} // namespace skald::storage
