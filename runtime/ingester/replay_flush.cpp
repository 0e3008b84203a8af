// runtime/ingester/replay_flush.cpp — see replay_flush.hpp.
#include "runtime/ingester/replay_flush.hpp"

#include <string>
#include <vector>

#include "runtime/storage/store.hpp"

namespace skald::ingester {

result<size_t> store_all_chunks(stream& s, std::string_view tenant, const model::label_set& labels,
                                storage::chunk_store& chunks, storage::index_store& index) {
  std::vector<std::string> bytes;
  std::vector<storage::flush_chunk> batch;
  bytes.reserve(s.chunks().size());
  for (size_t i = 0; i < s.chunks().size(); ++i) {
    if (s.chunks()[i].empty())
      continue;
    s.close_chunk(i);
    const auto& c = s.chunks()[i];
    auto enc = c.encode();
    if (!enc.ok())
      return enc.error();
    bytes.push_back(std::move(*enc));
    auto b = c.bounds();
    batch.push_back(storage::flush_chunk{b.min_ts, b.max_ts, static_cast<uint32_t>(c.entries()),
                                         std::string_view{},
                                         static_cast<uint32_t>(c.uncompressed_size())});
  }
  for (size_t i = 0; i < batch.size(); ++i)
    batch[i].bytes = bytes[i];
  if (batch.empty())
    return size_t{0};
  auto rep = storage::write_chunks(chunks, index, tenant, labels, s.fingerprint(), batch);
  if (!rep.ok())
    return rep.error();
  return batch.size();
}

} // namespace skald::ingester
