#include "runtime/storage/index_store.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <set>

#include "runtime/config/storage_config.hpp"
#include "runtime/storage/chunk_key.hpp"
#include "runtime/storage/index_format.hpp"

namespace skald::storage {

struct index_store::period_state {
  std::string dir;
  series_index idx;
  /// Highest log or segment sequence number seen on disk or written.
  uint64_t max_seq = 0;
  /// Sequence number covered by the loaded segment (0 = none).
  uint64_t seg_seq = 0;
  /// The log file appends go to; 0 = start a new one (max_seq + 1).
  uint64_t log_seq = 0;
  /// Bytes in log files not yet covered by a segment.
  size_t log_bytes = 0;
  bool dir_exists = false;
};

namespace {

constexpr std::string_view log_prefix = "log-";
constexpr std::string_view log_suffix = ".wal";
constexpr std::string_view seg_prefix = "seg-";
constexpr std::string_view seg_suffix = ".idx";

std::string seq_name(std::string_view prefix, uint64_t seq, std::string_view suffix) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(seq));
  std::string out{prefix};
  out += buf;
  out += suffix;
  return out;
}

/// The sequence number of "<prefix><16 hex><suffix>", or 0.
uint64_t parse_seq(std::string_view name, std::string_view prefix, std::string_view suffix) {
  if (name.size() != prefix.size() + 16 + suffix.size() ||
      name.substr(0, prefix.size()) != prefix || name.substr(name.size() - suffix.size()) != suffix)
    return 0;
  auto hex = name.substr(prefix.size(), 16);
  uint64_t v = 0;
  auto r = std::from_chars(hex.data(), hex.data() + hex.size(), v, 16);
  if (r.ec != std::errc{} || r.ptr != hex.data() + hex.size())
    return 0;
  return v;
}

bool is_normalised(const model::label_set& ls) {
  for (size_t i = 0; i < ls.size(); ++i)
    if (ls[i].value.empty() || (i > 0 && !(ls[i - 1].name < ls[i].name)))
      return false;
  return true;
}

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0)))
    --q;
  return q;
}

} // namespace

index_options index_options::from(const config::storage_config& storage,
                                  const config::schema_config& schema) {
  index_options o;
  o.root = storage.filesystem.directory;
  if (!schema.configs.empty()) {
    const auto& p = schema.configs.back();
    if (p.index.period.count() > 0)
      o.period = p.index.period;
    o.prefix = p.index.prefix;
  }
  return o;
}

index_store::index_store(file_system& fs, index_options opts) : fs_(fs), opts_(std::move(opts)) {
  period_ms_ = std::max<int64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(opts_.period).count(), 1);
}

index_store::~index_store() = default;

int64_t index_store::period_of(int64_t ms) const noexcept {
  return floor_div(ms, period_ms_);
}

std::string index_store::period_dir(std::string_view tenant, int64_t period) const {
  std::string d = join_path(join_path(opts_.root, "index"), tenant);
  return join_path(d, opts_.prefix + std::to_string(period));
}

result<index_store::period_state*> index_store::load(std::string_view tenant, int64_t period) {
  auto key = std::make_pair(std::string{tenant}, period);
  if (auto it = periods_.find(key); it != periods_.end())
    return it->second.get();
  auto p = std::make_unique<period_state>();
  p->dir = period_dir(tenant, period);
  // A reader may race with the writer's compaction (a listed log deleted
  // before it is read): retry the whole load then.
  for (int attempt = 0;; ++attempt) {
    auto names = fs_.list_dir(p->dir);
    if (!names) {
      if (names.error().code() != errc::not_found)
        return names.error();
      break; // no such period yet
    }
    p->dir_exists = true;
    std::vector<uint64_t> segs, logs;
    std::vector<std::string> temps;
    for (auto& n : *names) {
      if (is_temp_name(n)) {
        temps.push_back(n);
      } else if (uint64_t s = parse_seq(n, seg_prefix, seg_suffix); s) {
        segs.push_back(s);
      } else if (uint64_t l = parse_seq(n, log_prefix, log_suffix); l) {
        logs.push_back(l);
      }
    }
    std::sort(segs.rbegin(), segs.rend());
    std::sort(logs.begin(), logs.end());
    series_index idx;
    uint64_t seg_seq = 0, max_seq = 0;
    size_t log_bytes = 0, torn = 0, corrupt = 0;
    bool vanished = false;
    for (uint64_t s : segs) {
      max_seq = std::max(max_seq, s);
      auto bytes = fs_.read_file(join_path(p->dir, seq_name(seg_prefix, s, seg_suffix)));
      if (!bytes) {
        if (bytes.error().code() == errc::not_found) {
          vanished = true;
          break;
        }
        return bytes.error();
      }
      auto seg = decode_segment(*bytes);
      if (!seg) {
        ++corrupt;
        continue; // try an older one
      }
      if (auto st = idx.restore(std::move(seg->series), std::move(seg->postings)); !st.ok()) {
        ++corrupt;
        idx = series_index{};
        continue;
      }
      seg_seq = s;
      break;
    }
    for (uint64_t l : logs) {
      max_seq = std::max(max_seq, l);
      if (vanished || l <= seg_seq)
        continue;
      auto bytes = fs_.read_file(join_path(p->dir, seq_name(log_prefix, l, log_suffix)));
      if (!bytes) {
        if (bytes.error().code() == errc::not_found) {
          vanished = true;
          break;
        }
        return bytes.error();
      }
      auto log = decode_log(*bytes);
      torn += log.torn ? 1 : 0;
      log_bytes += bytes->size();
      for (auto& rec : log.records)
        for (auto& s : rec)
          idx.apply(s);
    }
    if (vanished && attempt < 5)
      continue;
    p->idx = std::move(idx);
    p->seg_seq = seg_seq;
    p->max_seq = max_seq;
    p->log_bytes = log_bytes;
    stats_.torn_logs += torn;
    stats_.corrupt_segments += corrupt;
    if (!opts_.read_only) {
      // Files the loaded state supersedes, and leftovers of crashed writes.
      for (uint64_t s : segs)
        if (s != seg_seq && seg_seq != 0 && s < seg_seq)
          status_ignored(fs_.remove(join_path(p->dir, seq_name(seg_prefix, s, seg_suffix))),
                         "superseded segment");
      for (uint64_t l : logs)
        if (l <= seg_seq)
          status_ignored(fs_.remove(join_path(p->dir, seq_name(log_prefix, l, log_suffix))),
                         "log covered by a segment");
      for (auto& t : temps)
        status_ignored(fs_.remove(join_path(p->dir, t)), "temp file of a crashed write");
    }
    break;
  }
  auto* raw = p.get();
  periods_.emplace(std::move(key), std::move(p));
  ++stats_.periods_loaded;
  return raw;
}

status index_store::append(period_state& p, const std::vector<series_chunks>& batch) {
  if (!p.dir_exists) {
    if (auto st = fs_.create_dirs(p.dir); !st.ok())
      return st;
    // Make the new directory entries durable, up to the store root.
    std::string_view d = p.dir;
    while (d.size() > opts_.root.size()) {
      d = parent_path(d);
      if (d.empty())
        break;
      if (auto st = fs_.sync_dir(std::string{d}); !st.ok())
        return st;
    }
    p.dir_exists = true;
  }
  bool fresh = p.log_seq == 0;
  if (fresh)
    p.log_seq = p.max_seq + 1;
  const std::string path = join_path(p.dir, seq_name(log_prefix, p.log_seq, log_suffix));
  const std::string rec = encode_log_record(batch);
  status st = fs_.append_file(path, rec, true);
  if (st.ok() && fresh)
    st = fs_.sync_dir(p.dir);
  p.max_seq = std::max(p.max_seq, p.log_seq);
  if (!st.ok()) {
    p.log_seq = 0; // never append after a failure: the tail may be torn
    return st;
  }
  p.log_bytes += rec.size();
  for (auto& s : batch)
    p.idx.apply(s);
  return {};
}

status index_store::compact(period_state& p) {
  if (p.log_bytes == 0 && p.max_seq == p.seg_seq)
    return {};
  const uint64_t cover = std::max(p.max_seq, p.log_seq);
  const std::string bytes = encode_segment(p.idx, cover);
  if (auto st = write_atomic(fs_, join_path(p.dir, seq_name(seg_prefix, cover, seg_suffix)), bytes);
      !st.ok())
    return st;
  p.seg_seq = cover;
  p.max_seq = cover;
  p.log_seq = 0;
  p.log_bytes = 0;
  ++stats_.compactions;
  auto names = fs_.list_dir(p.dir);
  if (names) {
    for (auto& n : *names) {
      uint64_t l = parse_seq(n, log_prefix, log_suffix);
      uint64_t s = parse_seq(n, seg_prefix, seg_suffix);
      if ((l && l <= cover) || (s && s < cover))
        status_ignored(fs_.remove(join_path(p.dir, n)), "superseded by a compaction");
    }
  }
  return {};
}

status index_store::add(std::string_view tenant, const std::vector<series_chunks>& batch) {
  if (opts_.read_only)
    return {errc::invalid_argument, "index store is read-only"};
  if (auto st = valid_tenant(tenant); !st.ok())
    return st;
  // Route every ref to each period it overlaps.
  std::map<int64_t, std::vector<series_chunks>> by_period;
  for (auto& s : batch) {
    if (!is_normalised(s.labels))
      return {errc::invalid_argument, "index: label set not normalised"};
    for (auto& r : s.chunks) {
      if (r.through_ms < r.from_ms)
        return {errc::invalid_argument, "index: chunk ref through before from"};
      int64_t first = period_of(r.from_ms), last = period_of(r.through_ms);
      if (last - first > 1000)
        return {errc::invalid_argument, "index: chunk spans more than 1000 periods"};
      for (int64_t q = first; q <= last; ++q) {
        auto& v = by_period[q];
        if (v.empty() || v.back().fingerprint != s.fingerprint || v.back().labels != s.labels)
          v.push_back(series_chunks{s.labels, s.fingerprint, {}});
        v.back().chunks.push_back(r);
      }
    }
  }
  std::lock_guard<std::mutex> g{mu_};
  for (auto& [q, series] : by_period) {
    auto p = load(tenant, q);
    if (!p)
      return p.error();
    std::vector<series_chunks> fresh;
    for (auto& s : series) {
      auto m = (*p)->idx.missing(s);
      if (!m.chunks.empty())
        fresh.push_back(std::move(m));
    }
    if (fresh.empty())
      continue;
    if (auto st = append(**p, fresh); !st.ok())
      return st;
    if ((*p)->log_bytes >= opts_.compact_log_bytes)
      status_ignored(compact(**p), "compaction is retried after the next add");
  }
  return {};
}

result<std::vector<int64_t>> index_store::periods_in(std::string_view tenant, int64_t first,
                                                     int64_t last) {
  std::set<int64_t> out;
  for (auto it = periods_.lower_bound(std::make_pair(std::string{tenant}, first));
       it != periods_.end() && it->first.first == tenant && it->first.second <= last; ++it)
    out.insert(it->first.second);
  auto names = fs_.list_dir(join_path(join_path(opts_.root, "index"), tenant));
  if (!names) {
    if (names.error().code() != errc::not_found)
      return names.error();
  } else {
    for (auto& n : *names) {
      if (n.size() <= opts_.prefix.size() || n.compare(0, opts_.prefix.size(), opts_.prefix) != 0)
        continue;
      int64_t q = 0;
      auto digits = std::string_view{n}.substr(opts_.prefix.size());
      auto r = std::from_chars(digits.data(), digits.data() + digits.size(), q);
      if (r.ec == std::errc{} && r.ptr == digits.data() + digits.size() && q >= first && q <= last)
        out.insert(q);
    }
  }
  return std::vector<int64_t>{out.begin(), out.end()};
}

namespace {

struct range_ms {
  int64_t from;
  int64_t through;
};

range_ms to_ms(model::timestamp_ns from, model::timestamp_ns through) {
  return {floor_ms(from), ceil_ms(through)};
}

} // namespace

result<std::vector<series_chunks>> index_store::series(std::string_view tenant,
                                                       const std::vector<label_matcher>& matchers,
                                                       model::timestamp_ns from,
                                                       model::timestamp_ns through) {
  auto r = to_ms(from, through);
  std::lock_guard<std::mutex> g{mu_};
  auto qs = periods_in(tenant, period_of(r.from), period_of(r.through));
  if (!qs)
    return qs.error();
  std::vector<series_chunks> all;
  for (int64_t q : *qs) {
    auto p = load(tenant, q);
    if (!p)
      return p.error();
    auto ids = (*p)->idx.select(matchers);
    (*p)->idx.series(ids, r.from, r.through, all);
  }
  // Merge the periods: one entry per series, refs unique and sorted.
  // One three-way comparison per pair (operator< and != on label vectors
  // would walk the labels twice).
  auto cmp = [](const series_chunks& a, const series_chunks& b) {
    const size_t n = std::min(a.labels.size(), b.labels.size());
    for (size_t i = 0; i < n; ++i) {
      if (int c = a.labels[i].name.compare(b.labels[i].name); c != 0)
        return c < 0;
      if (int c = a.labels[i].value.compare(b.labels[i].value); c != 0)
        return c < 0;
    }
    if (a.labels.size() != b.labels.size())
      return a.labels.size() < b.labels.size();
    return a.fingerprint < b.fingerprint;
  };
  if (!std::is_sorted(all.begin(), all.end(), cmp))
    std::sort(all.begin(), all.end(), cmp);
  std::vector<series_chunks> out;
  for (auto& s : all) {
    if (!out.empty() && out.back().labels == s.labels && out.back().fingerprint == s.fingerprint) {
      auto& c = out.back().chunks;
      c.insert(c.end(), s.chunks.begin(), s.chunks.end());
    } else {
      out.push_back(std::move(s));
    }
  }
  if (qs->size() > 1)
    for (auto& s : out) {
      std::sort(s.chunks.begin(), s.chunks.end(), ref_less);
      s.chunks.erase(std::unique(s.chunks.begin(), s.chunks.end(),
                                 [](const chunk_ref& a, const chunk_ref& b) {
                                   return !ref_less(a, b) && !ref_less(b, a);
                                 }),
                     s.chunks.end());
    }
  return out;
}

result<std::vector<std::string>>
index_store::label_names(std::string_view tenant, model::timestamp_ns from,
                         model::timestamp_ns through, const std::vector<label_matcher>& matchers) {
  auto r = to_ms(from, through);
  std::lock_guard<std::mutex> g{mu_};
  auto qs = periods_in(tenant, period_of(r.from), period_of(r.through));
  if (!qs)
    return qs.error();
  std::vector<std::string> all;
  for (int64_t q : *qs) {
    auto p = load(tenant, q);
    if (!p)
      return p.error();
    if (matchers.empty()) {
      (*p)->idx.label_names(r.from, r.through, nullptr, all);
    } else {
      auto ids = (*p)->idx.select(matchers);
      (*p)->idx.label_names(r.from, r.through, &ids, all);
    }
  }
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  return all;
}

result<std::vector<std::string>>
index_store::label_values(std::string_view tenant, std::string_view name, model::timestamp_ns from,
                          model::timestamp_ns through, const std::vector<label_matcher>& matchers) {
  auto r = to_ms(from, through);
  std::lock_guard<std::mutex> g{mu_};
  auto qs = periods_in(tenant, period_of(r.from), period_of(r.through));
  if (!qs)
    return qs.error();
  std::vector<std::string> all;
  for (int64_t q : *qs) {
    auto p = load(tenant, q);
    if (!p)
      return p.error();
    if (matchers.empty()) {
      (*p)->idx.label_values(name, r.from, r.through, nullptr, all);
    } else {
      auto ids = (*p)->idx.select(matchers);
      (*p)->idx.label_values(name, r.from, r.through, &ids, all);
    }
  }
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  return all;
}

status index_store::compact_all() {
  if (opts_.read_only)
    return {errc::invalid_argument, "index store is read-only"};
  std::lock_guard<std::mutex> g{mu_};
  for (auto& [key, p] : periods_)
    if (auto st = compact(*p); !st.ok())
      return st;
  return {};
}

void index_store::refresh() {
  std::lock_guard<std::mutex> g{mu_};
  periods_.clear();
}

index_stats index_store::stats() const {
  std::lock_guard<std::mutex> g{mu_};
  index_stats s = stats_;
  s.series = 0;
  s.chunks = 0;
  for (auto& [key, p] : periods_) {
    s.series += p->idx.series_count();
    s.chunks += p->idx.chunk_count();
  }
  return s;
}

} // namespace skald::storage
