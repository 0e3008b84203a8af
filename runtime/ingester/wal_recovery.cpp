// runtime/ingester/wal_recovery.cpp — see wal_recovery.hpp.
#include "runtime/ingester/wal_recovery.hpp"

#include <algorithm>
#include <unordered_map>

#include "runtime/model/hash.hpp"
#include "runtime/model/label_parse.hpp"

namespace skald::ingester {

result<recovery> recover_from_wal(wal::file_system& fs, const std::string& dir,
                                  const stream_config& cfg, int64_t now_ns,
                                  std::atomic<uint64_t>* progress) {
  recovery out;
  wal::replayer r{fs, dir};
  if (auto st = r.open(); !st.ok())
    return st;
  stream_config replay_cfg = cfg;
  replay_cfg.rate_bytes = 0; // no limits during replay
  // fingerprint -> index in out.streams of the incarnation bound to it.
  std::unordered_map<uint64_t, size_t> by_fp;
  wal::replay_item it;
  while (r.next(it)) {
    if (progress != nullptr)
      progress->fetch_add(1, std::memory_order_relaxed);
    switch (it.kind) {
      case wal::replay_kind::checkpoint_series:
        ++out.skipped_checkpoint_series;
        break;
      case wal::replay_kind::series: {
        const auto& sr = *it.series;
        out.max_wal_id = std::max(out.max_wal_id, sr.fingerprint);
        auto f = by_fp.find(sr.fingerprint);
        if (f != by_fp.end() && out.streams[f->second].epoch == sr.epoch)
          break;
        recovered_stream rs;
        rs.tenant = std::string{sr.tenant};
        rs.label_set = sr.labels;
        rs.labels = model::canonical_string(sr.labels);
        rs.fingerprint = model::fingerprint(sr.labels);
        rs.wal_id = sr.fingerprint;
        rs.epoch = sr.epoch;
        rs.s = std::make_unique<stream>(rs.labels, rs.fingerprint, replay_cfg);
        if (f != by_fp.end()) {
          // A new incarnation replaces the old one (removed and re-created).
          out.streams[f->second] = std::move(rs);
        } else {
          by_fp.emplace(sr.fingerprint, out.streams.size());
          out.streams.push_back(std::move(rs));
        }
        break;
      }
      case wal::replay_kind::entries: {
        const auto& er = *it.entries;
        auto f = by_fp.find(er.fingerprint);
        if (f == by_fp.end())
          break; // the replayer already skips these; be safe
        auto& rs = out.streams[f->second];
        auto o = rs.s->push(er.entries.data(), er.entries.size(), rs.tenant, now_ns);
        out.entries_restored += o.stored;
        rs.counter = std::max(rs.counter, er.counter);
        break;
      }
    }
  }
  for (auto& rs : out.streams)
    rs.s->set_rate(cfg.rate_bytes, cfg.burst_bytes, now_ns);
  out.stats = r.stats();
  out.corruptions = r.corruptions();
  return out;
}

} // namespace skald::ingester
