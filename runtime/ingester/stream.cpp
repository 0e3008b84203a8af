#include "runtime/ingester/stream.hpp"

#include <chrono>
#include <utility>

#include "runtime/ingester/time_text.hpp"
#include "runtime/model/time_format.hpp"
#include "runtime/util/units.hpp"

namespace skald::ingester {

namespace {

validation::rate_clock::time_point at(int64_t now_ns) {
  return validation::rate_clock::time_point{std::chrono::duration_cast<
    validation::rate_clock::duration>(std::chrono::nanoseconds{now_ns})};
}

validation::rate_limit rate_of(double rate_bytes, double burst_bytes) {
  return validation::rate_limit{rate_bytes, static_cast<size_t>(burst_bytes)};
}

enum class verdict : uint8_t { store, skip, too_far_behind };

/// Per-thread scratch for the per-entry verdicts: reused, so a push does not
/// allocate once the vector has grown to the largest batch seen.
std::vector<verdict>& verdict_scratch() {
  thread_local std::vector<verdict> v;
  return v;
}

struct failure {
  int64_t ts;
  int64_t cutoff; // too far behind only
  bool rate;      // else too far behind
};

} // namespace

uint64_t entry_size(const model::entry_view& e) noexcept {
  uint64_t n = e.line.size();
  if (e.metadata)
    for (const auto& l : *e.metadata)
      n += l.name.size() + l.value.size();
  return n;
}

stream::stream(std::string labels, uint64_t fingerprint, stream_config cfg)
  : labels_(std::move(labels)),
    fingerprint_(fingerprint),
    cfg_(cfg),
    limiter_(rate_of(cfg.rate_bytes, cfg.burst_bytes), at(0)) {}

void stream::set_rate(double rate_bytes, double burst_bytes, int64_t now_ns) noexcept {
  cfg_.rate_bytes = rate_bytes;
  cfg_.burst_bytes = burst_bytes;
  limiter_.set(at(now_ns), rate_of(rate_bytes, burst_bytes));
}

void stream::restore(std::vector<chunkenc::mem_chunk> chunks, int64_t highest_ts,
                     std::string last_line) {
  chunks_ = std::move(chunks);
  states_.assign(chunks_.size(), chunk_state{});
  entries_ = 0;
  for (const auto& c : chunks_)
    entries_ += c.entries();
  highest_ts_ = highest_ts;
  has_last_ = entries_ > 0;
  last_ts_ = highest_ts;
  last_line_ = std::move(last_line);
  track_last_known_ = false;
  track_restart();
}

size_t stream::memory_usage() const noexcept {
  size_t n = last_line_.capacity() + chunks_.capacity() * sizeof(chunkenc::mem_chunk);
  for (const auto& c : chunks_)
    n += c.memory_usage();
  return n;
}

std::vector<chunk_state>& stream::flush_states(int64_t now_ns) {
  for (size_t i = 0; i < chunks_.size(); ++i) {
    auto& st = states_[i];
    const auto& c = chunks_[i];
    st.closed = st.closed || c.closed();
    auto b = c.bounds();
    st.min_ts = b.min_ts;
    st.max_ts = b.max_ts;
    if (st.last_updated_ns == 0)
      st.last_updated_ns = now_ns;
  }
  return states_;
}

void stream::close_chunk(size_t i) {
  auto& c = chunks_[i];
  if (!c.closed()) {
    status_ignored(c.close(), "a failed close keeps the head; the chunk stays readable");
    track_restart();
  }
  states_[i].closed = true;
}

size_t stream::drop_flushed(int64_t now_ns, const flush_config& cfg) {
  size_t out = 0;
  size_t w = 0;
  for (size_t i = 0; i < chunks_.size(); ++i) {
    if (should_drop(states_[i], now_ns, cfg)) {
      ++out;
      continue;
    }
    if (w != i) {
      chunks_[w] = std::move(chunks_[i]);
      states_[w] = states_[i];
    }
    ++w;
  }
  chunks_.erase(chunks_.begin() + static_cast<std::ptrdiff_t>(w), chunks_.end());
  states_.resize(w);
  return out;
}

void stream::drop_all_chunks() noexcept {
  chunks_.clear();
  states_.clear();
  track_restart();
}

bool stream::sync_cut(const chunkenc::mem_chunk& c, int64_t ts) const noexcept {
  if (cfg_.sync_period_ns <= 0 || entries_ == 0 || c.empty())
    return false;
  auto period = static_cast<uint64_t>(cfg_.sync_period_ns);
  uint64_t cts = (static_cast<uint64_t>(ts) + fingerprint_) % period;
  uint64_t pts = (static_cast<uint64_t>(highest_ts_) + fingerprint_) % period;
  if (cts >= pts)
    return false;
  return cfg_.sync_min_utilization <= 0 || c.utilization() > cfg_.sync_min_utilization;
}

chunkenc::mem_chunk& stream::chunk_for(const model::entry_view& e, uint32_t& created) {
  if (!chunks_.empty()) {
    auto& c = chunks_.back();
    bool full = c.closed() || (!c.empty() && !c.space_for(e));
    bool synced = !full && sync_cut(c, e.ts);
    if (!full && !synced)
      return c;
    if (!c.closed())
      status_ignored(c.close(), "a failed close keeps the head; the chunk stays readable");
    states_.back().closed = true;
    states_.back().synced = states_.back().synced || synced;
  }
  chunks_.emplace_back(cfg_.encoding, cfg_.block_size, cfg_.target_size);
  states_.emplace_back();
  ++created;
  return chunks_.back();
}

push_outcome stream::push(const model::entry_view* entries, size_t n, std::string_view tenant,
                          int64_t now_ns, std::vector<uint32_t>* stored_index,
                          uint64_t first_counter, block_log* log) {
  push_outcome out;
  out.total = static_cast<uint32_t>(n);
  auto& verdicts = verdict_scratch();
  verdicts.resize(n);
  std::vector<failure> listed; // only grows when entries fail
  const size_t max_listed = cfg_.max_returned_errors == 0 ? SIZE_MAX : cfg_.max_returned_errors;

  // Pass 1 (Loki validateEntries): last-line dedupe and the validity window.
  bool has_highest = entries_ > 0;
  int64_t highest = highest_ts_;
  uint64_t store_bytes = 0;
  uint32_t to_store = 0;
  const int64_t half_age = cfg_.max_chunk_age_ns / 2;
  for (size_t i = 0; i < n; ++i) {
    const auto& e = entries[i];
    if (has_last_ && e.ts == last_ts_ && e.line == last_line_) {
      verdicts[i] = verdict::skip;
      ++out.skipped;
      continue;
    }
    if (has_highest && e.ts < highest - half_age) {
      verdicts[i] = verdict::too_far_behind;
      ++out.too_far_behind;
      out.too_far_behind_bytes += entry_size(e);
      if (listed.size() < max_listed)
        listed.push_back(failure{e.ts, highest - half_age, false});
      continue;
    }
    verdicts[i] = verdict::store;
    store_bytes += entry_size(e);
    ++to_store;
    if (!has_highest || e.ts > highest) {
      highest = e.ts;
      has_highest = true;
    }
  }

  // All-or-nothing per-stream rate limit (shard_streams on, Loki 3.x).
  bool rate_denied = false;
  if (to_store > 0 && cfg_.rate_bytes > 0
      && !limiter_.allow_n(at(now_ns), static_cast<size_t>(store_bytes))) {
    rate_denied = true;
    out.rate_limited = to_store;
    out.rate_limited_bytes = store_bytes;
  }

  // Pass 2 (Loki storeEntries): append, cutting chunks as needed.
  const model::entry_view* last = nullptr;
  bool last_tracked = false; // block logging: `last` went into the head
  // Entries go to the open back chunk or to chunks cut during this call.
  const size_t first_touched =
    chunks_.empty() || chunks_.back().closed() ? chunks_.size() : chunks_.size() - 1;
  for (size_t i = 0; i < n && to_store > 0; ++i) {
    if (verdicts[i] != verdict::store)
      continue;
    const auto& e = entries[i];
    if (rate_denied) {
      if (listed.size() < max_listed)
        listed.push_back(failure{e.ts, 0, true});
      continue;
    }
    if (log == nullptr) {
      auto& c = chunk_for(e, out.chunks_created);
      if (c.append(e) == chunkenc::append_result::closed)
        continue; // cannot happen (chunk_for never returns a closed chunk)
    } else {
      const uint64_t k = first_counter + i;
      if (track_next_ == 0) {
        // First counter seen: track from here if the head is empty.
        track_first_ = track_next_ = k;
        track_ok_ = chunks_.empty() || chunks_.back().closed() || chunks_.back().head().empty();
      }
      // A chunk that chunk_for() closes cuts its head into a last block.
      const size_t before = chunks_.size();
      const bool had_open = before > 0 && !chunks_.back().closed();
      const size_t nb = had_open ? chunks_.back().blocks().size() : 0;
      const char* first_block = nb > 0 ? chunks_.back().blocks()[0].data.data() : nullptr;
      auto& c = chunk_for(e, out.chunks_created);
      if (had_open && chunks_.size() != before) {
        // Reported only if the close added exactly the head's block (no
        // reorder) and its last entry's line is at hand: in this call, or
        // the last line kept from the call before.
        const auto& prev = chunks_[before - 1];
        const uint64_t c_last = track_next_ - 1;
        const bool one_block = prev.blocks().size() == nb + 1 &&
                               (nb == 0 || prev.blocks()[0].data.data() == first_block);
        if (one_block && c_last >= first_counter)
          track_cut(prev, nb, entries[c_last - first_counter].ts,
                    entries[c_last - first_counter].line, *log);
        else if (one_block && track_last_known_)
          track_cut(prev, nb, last_ts_, last_line_, *log);
        else
          track_restart();
      }
      auto r = c.append(e);
      if (r == chunkenc::append_result::closed)
        continue; // cannot happen (chunk_for never returns a closed chunk)
      last_tracked = r == chunkenc::append_result::appended;
      if (last_tracked) {
        track_stored(k, e.ts);
        if (c.head().empty()) // the append cut the head into a block
          track_cut(c, c.blocks().size() - 1, e.ts, e.line, *log);
      }
    }
    ++out.stored;
    ++entries_;
    if (stored_index != nullptr)
      stored_index->push_back(static_cast<uint32_t>(i));
    if (entries_ == 1 || e.ts > highest_ts_)
      highest_ts_ = e.ts;
    last = &e;
  }
  if (last) {
    for (size_t i = first_touched; i < states_.size(); ++i)
      states_[i].last_updated_ns = now_ns;
    has_last_ = true;
    last_ts_ = last->ts;
    last_line_.assign(last->line.data(), last->line.size());
    track_last_known_ = last_tracked && log != nullptr;
  }

  if (out.failed() == 0)
    return out;
  // Loki's errorForFailedEntries: the last failed entry decides the status.
  out.status = out.rate_limited > 0 ? 429 : 400;
  std::string& s = out.error;
  for (const auto& f : listed) {
    s += "entry with timestamp ";
    append_go_time_string(s, f.ts);
    s += " ignored, reason: '";
    if (f.rate) {
      s += "Per stream rate limit exceeded (limit: ";
      s += format_bytes(static_cast<uint64_t>(cfg_.rate_bytes));
      s += "/sec) while attempting to ingest for stream '";
      s += labels_;
      s += "' totaling ";
      s += format_bytes(store_bytes);
      s += ", consider splitting a stream via additional labels or contact your Loki "
           "administrator to see if the limit can be increased";
    } else {
      s += "entry too far behind, entry timestamp is: ";
      s += model::format_rfc3339(f.ts);
      s += ", oldest acceptable timestamp is: ";
      s += model::format_rfc3339(f.cutoff);
    }
    s += "',\n";
  }
  s += "user '";
  s += tenant;
  s += "', total ignored: ";
  s += std::to_string(out.failed());
  s += " out of ";
  s += std::to_string(out.total);
  s += " for stream: ";
  s += labels_;
  return out;
}

bool stream::close_open_chunk() {
  if (chunks_.empty() || chunks_.back().closed() || chunks_.back().empty())
    return false;
  track_restart();
  return chunks_.back().close().ok();
}

void stream::track_stored(uint64_t k, model::timestamp_ns ts) {
  // Counters only grow (the tenant numbers a stream's entries in order).
  if (k < track_next_) {
    track_ok_ = false;
    return;
  }
  if (!track_runs_.empty() && k == track_next_)
    ++track_runs_.back().run;
  else
    track_runs_.push_back(wal::counter_run{k - track_next_, 1});
  if (track_runs_.size() > 1 || track_runs_.back().run > 1)
    track_sorted_ = track_sorted_ && ts >= track_prev_ts_;
  track_prev_ts_ = ts;
  track_next_ = k + 1;
}

void stream::track_cut(const chunkenc::mem_chunk& c, size_t i, model::timestamp_ns last_ts,
                       std::string_view last_line, block_log& log) {
  const auto& b = c.blocks()[i];
  uint64_t in_runs = 0;
  for (const auto& r : track_runs_)
    in_runs += r.run;
  if (track_ok_ && track_sorted_ && in_runs == b.meta.entries && in_runs > 0) {
    wal::block_record rec;
    rec.first = track_first_;
    rec.last = track_next_ - 1;
    rec.runs.swap(track_runs_);
    rec.encoding = static_cast<uint8_t>(c.enc());
    rec.flags = c.has_metadata() ? wal::block_flag_metadata : 0;
    rec.min_ts = b.meta.min_ts;
    rec.max_ts = b.meta.max_ts;
    rec.entries = b.meta.entries;
    rec.raw_size = b.meta.raw_size;
    rec.last_ts = last_ts;
    rec.last_line = last_line;
    rec.data = b.data.view();
    log.on_block(rec);
    rec.runs.swap(track_runs_); // keep the capacity
  }
  track_restart();
}

void stream::track_restart() noexcept {
  track_runs_.clear();
  track_first_ = track_next_;
  track_ok_ = track_next_ != 0;
  track_sorted_ = true;
}

status stream::install_block(chunkenc::block b, chunkenc::encoding enc, bool metadata,
                             int64_t last_ts, std::string_view last_line, int64_t now_ns) {
  if (enc != cfg_.encoding)
    return status{errc::invalid_argument, "install_block: not the configured encoding"};
  if (b.meta.entries == 0 || b.meta.min_ts > b.meta.max_ts ||
      b.meta.compressed_size != b.data.size() || b.data.empty())
    return status{errc::invalid_argument, "install_block: inconsistent block metadata"};
  bool fresh = chunks_.empty();
  if (!fresh) {
    auto& c = chunks_.back();
    if (!c.closed() && c.enc() == enc)
      status_ignored(c.cut_block(), "a failed cut keeps the head; add_block retries it");
    const size_t size = b.meta.compressed_size;
    bool full =
        c.closed() || c.enc() != enc ||
        (!c.empty() && (c.target_size() > 0 ? c.size() + size > c.target_size()
                                            : c.blocks().size() >= chunkenc::blocks_per_chunk));
    // Live, the block's first entry (its min_ts: the block is in ts order)
    // was where push() checked the sync boundary.
    bool synced = !full && sync_cut(c, b.meta.min_ts);
    if (full || synced) {
      if (!c.closed())
        status_ignored(c.close(), "a failed close keeps the head; the chunk stays readable");
      states_.back().closed = true;
      states_.back().synced = states_.back().synced || synced;
      fresh = true;
    }
  }
  if (fresh) {
    chunks_.emplace_back(cfg_.encoding, cfg_.block_size, cfg_.target_size);
    states_.emplace_back();
  }
  const uint32_t n = b.meta.entries;
  const int64_t max_ts = b.meta.max_ts;
  if (auto st = chunks_.back().add_block(std::move(b), enc, metadata); !st.ok()) {
    if (fresh && chunks_.back().empty()) {
      chunks_.pop_back();
      states_.pop_back();
    }
    return st;
  }
  states_.back().last_updated_ns = now_ns;
  if (entries_ == 0 || max_ts > highest_ts_)
    highest_ts_ = max_ts;
  entries_ += n;
  has_last_ = true;
  last_ts_ = last_ts;
  last_line_.assign(last_line.data(), last_line.size());
  track_last_known_ = false;
  track_restart();
  return {};
}

} // namespace skald::ingester
