#include "runtime/wal/replay.hpp"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <mutex>

#include "runtime/wal/replay_pool.hpp"
#include "runtime/wal/ring.hpp"

namespace skald::wal {

namespace {

constexpr size_t max_kept_corruptions = 1000;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

} // namespace

uint64_t thread_cpu_ns() noexcept {
  timespec ts{};
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
    return 0;
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

std::string to_string(const corruption& c) {
  std::string out = c.in == corruption::where::segment ? "segment " : "checkpoint ";
  out += c.path;
  out += " at offset ";
  out += std::to_string(c.offset);
  out += ": ";
  out += c.reason;
  if (c.torn)
    out += " (torn tail)";
  return out;
}

/// Buffers are handed back from whichever thread drops them last.
struct replayer::buffer_list {
  /// Kept at most: the current file, the one read ahead, and two held by
  /// callers.
  static constexpr size_t max_kept = 4;
  std::mutex mu;
  std::vector<std::unique_ptr<std::string>> free;
};

replayer::replayer(file_system& fs, std::string dir, replay_options opts)
    : fs_(&fs), dir_(std::move(dir)), opts_(opts), buffers_(std::make_shared<buffer_list>()) {}

std::shared_ptr<std::string> replayer::acquire_buffer() {
  std::unique_ptr<std::string> b;
  {
    std::lock_guard<std::mutex> g{buffers_->mu};
    if (!buffers_->free.empty()) {
      b = std::move(buffers_->free.back());
      buffers_->free.pop_back();
    }
  }
  if (!b)
    b = std::make_unique<std::string>();
  return std::shared_ptr<std::string>(b.release(), [list = buffers_](std::string* p) {
    std::unique_ptr<std::string> owned{p};
    std::lock_guard<std::mutex> g{list->mu};
    if (list->free.size() < buffer_list::max_kept)
      list->free.push_back(std::move(owned));
  });
}

replayer::~replayer() {
  if (ahead_.valid())
    ahead_.wait(); // the read refers to files_ and fs_
}

replayer::loaded_file replayer::load(size_t i) {
  loaded_file out;
  const uint64_t cpu0 = thread_cpu_ns();
  out.bytes = acquire_buffer();
  const auto& [path, kind] = files_[i];
  // Segments are written with direct I/O, so they are not in the page
  // cache; checkpoint parts are written buffered (likely still cached).
  if (i == ring_file_) {
    // The ring is read through the page cache (it is mapped, and cached).
    std::string raw;
    out.st = fs_->read_file(path, raw);
    if (out.st) {
      auto tail = ring_tail_as_segment(raw);
      if (!tail) {
        out.st = tail.error();
      } else {
        *out.bytes = std::move(tail->segment);
        out.ring_reason = tail->scan.reason;
        out.ring_offset = tail->scan.end;
      }
    }
    out.cpu_ns = thread_cpu_ns() - cpu0;
    return out;
  }
  out.st = kind == file_kind::segment ? fs_->read_file_direct(path, *out.bytes)
                                      : fs_->read_file(path, *out.bytes);
  out.cpu_ns = thread_cpu_ns() - cpu0;
  return out;
}

void replayer::prefetch() {
  if (next_file_ >= files_.size() || ahead_.valid())
    return;
  if (!read_thread_)
    read_thread_ = std::make_unique<replay_pool>(1);
  auto done = std::make_shared<std::promise<loaded_file>>();
  ahead_ = done->get_future();
  // One thread for every read: its direct I/O buffer is made once.
  read_thread_->post(0, [this, i = next_file_, done] {
    try {
      done->set_value(load(i));
    } catch (...) {
      done->set_exception(std::current_exception());
    }
  });
}

status replayer::open() {
  started_ns_ = now_ns();
  finished_ = false;
  auto l = list_wal_dir(*fs_, dir_);
  if (!l)
    return l.error();
  listing_ = std::move(*l);
  files_.clear();
  next_file_ = 0;
  auto cp = listing_.latest_checkpoint();
  stats_.checkpoint_index = cp;
  if (cp) {
    auto cp_dir = join_path(dir_, checkpoint_name(*cp));
    auto names = fs_->list_dir(cp_dir);
    if (!names) {
      note_corruption(corruption::where::checkpoint, cp_dir, 0, "cannot list checkpoint", false);
    } else {
      std::vector<uint64_t> parts;
      for (auto& n : *names)
        if (auto i = parse_segment_name(n))
          parts.push_back(*i);
      std::sort(parts.begin(), parts.end());
      for (auto i : parts)
        files_.emplace_back(join_path(cp_dir, segment_name(i)), file_kind::checkpoint);
    }
  }
  for (auto s : listing_.segments) {
    if (cp && s <= *cp) {
      ++stats_.segments_skipped;
      continue;
    }
    files_.emplace_back(join_path(dir_, segment_name(s)), file_kind::segment);
  }
  ring_file_ = static_cast<size_t>(-1);
  for (const auto& o : listing_.other)
    if (o == ring_file_name) {
      ring_file_ = files_.size();
      files_.emplace_back(join_path(dir_, o), file_kind::segment);
    }
  return {};
}

void replayer::note_corruption(corruption::where in, const std::string& path, uint64_t offset,
                               const char* reason, bool torn) {
  if (in == corruption::where::segment)
    ++stats_.segment_corruptions;
  else
    ++stats_.checkpoint_corruptions;
  if (corruptions_.size() < max_kept_corruptions)
    corruptions_.push_back(corruption{in, path, offset, reason, torn});
}

bool replayer::open_next_file() {
  while (next_file_ < files_.size()) {
    // The last file's buffer goes back to the free list unless a caller
    // still holds it.
    buf_.reset();
    loaded_file lf = ahead_.valid() ? ahead_.get() : load(next_file_);
    auto& [path, kind] = files_[next_file_++];
    if (opts_.read_ahead)
      prefetch();
    current_path_ = path;
    current_kind_ = kind;
    auto where =
        kind == file_kind::segment ? corruption::where::segment : corruption::where::checkpoint;
    if (kind == file_kind::segment)
      ++stats_.segments;
    else
      ++stats_.checkpoint_parts;
    buf_ = std::move(lf.bytes);
    stats_.read_cpu_ns += lf.cpu_ns;
    if (!lf.st) {
      note_corruption(where, path, 0, "cannot read file", false);
      continue;
    }
    if (*lf.ring_reason != '\0')
      note_corruption(where, path, lf.ring_offset, lf.ring_reason, true);
    const std::string& bytes = *buf_;
    stats_.bytes += bytes.size();
    if (bytes.empty())
      continue; // created, never written: nothing lost
    uint8_t version = 0;
    if (auto hs = check_file_header(bytes, kind, &version); !hs) {
      bool torn = bytes.size() < file_header_size;
      note_corruption(where, path, 0, hs.message().c_str(), torn);
      continue;
    }
    reader_ = frame_reader{bytes, file_header_size, version};
    reading_ = true;
    return true;
  }
  return false;
}

bool replayer::filter_entries() {
  auto i = bindings_.find(entries_.fingerprint);
  size_t n = entries_.entries.size();
  if (i == bindings_.end()) {
    stats_.unknown_series_entries += n;
    return false;
  }
  auto& b = i->second;
  uint64_t first = entries_.counter - n + 1; // >= 1: checked by decode_entries
  if (entries_.counter <= b.floor) {
    stats_.duplicate_entries += n;
    return false;
  }
  if (first <= b.floor) {
    auto skip = static_cast<size_t>(b.floor - first + 1);
    stats_.duplicate_entries += skip;
    entries_.entries.erase(entries_.entries.begin(),
                           entries_.entries.begin() + static_cast<std::ptrdiff_t>(skip));
  }
  b.floor = entries_.counter;
  return true;
}

bool replayer::filter_block(uint32_t& skip) {
  auto i = bindings_.find(block_.fingerprint);
  if (i == bindings_.end()) {
    stats_.unknown_series_entries += block_.entries;
    return false;
  }
  auto& b = i->second;
  if (block_.last <= b.floor) {
    ++stats_.duplicate_blocks;
    stats_.duplicate_entries += block_.entries;
    return false;
  }
  if (block_.first - 1 > b.floor) { // first >= 1: checked by decode_block
    ++stats_.gap_blocks;
    return false;
  }
  // Entries (in block order) numbered <= floor: a prefix, since the numbers
  // increase along the runs.
  uint64_t n = 0;
  uint64_t cur = block_.first;
  for (const auto& r : block_.runs) {
    cur += r.skip;
    if (cur > b.floor)
      break;
    n += std::min(r.run, b.floor - cur + 1);
    cur += r.run;
  }
  skip = static_cast<uint32_t>(n); // < entries: the last entry is numbered last > floor
  stats_.duplicate_entries += n;
  b.floor = block_.last;
  return true;
}

bool replayer::next(replay_item& out) {
  for (;;) {
    if (!reading_ && !open_next_file()) {
      if (!finished_) {
        finished_ = true;
        stats_.duration_ns = static_cast<uint64_t>(now_ns() - started_ns_);
      }
      return false;
    }
    frame f;
    auto st = reader_.next(f);
    auto where = current_kind_ == file_kind::segment ? corruption::where::segment
                                                     : corruption::where::checkpoint;
    if (st == frame_status::end) {
      reading_ = false;
      continue;
    }
    if (st != frame_status::ok) {
      note_corruption(where, current_path_, reader_.offset(), reader_.reason(),
                      st == frame_status::torn);
      reading_ = false;
      continue;
    }
    ++stats_.records;
    // A record the file kind does not hold, or one whose payload does not
    // decode, ends the file like a checksum error.
    auto bad = [&](const char* reason) {
      note_corruption(where, current_path_, f.offset, reason, false);
      reading_ = false;
    };
    if (current_kind_ == file_kind::checkpoint) {
      if (f.type != record_type::checkpoint_series) {
        bad("unexpected record type in a checkpoint");
        continue;
      }
      if (auto ds = decode_checkpoint_series(f.payload, snapshot_); !ds) {
        bad(ds.message().c_str());
        continue;
      }
      ++stats_.checkpoint_series;
      bindings_[snapshot_.fingerprint] = binding{snapshot_.epoch, snapshot_.entry_ct};
      out = replay_item{};
      out.kind = replay_kind::checkpoint_series;
      out.snapshot = &snapshot_;
      return true;
    }
    switch (f.type) {
    case record_type::series: {
      if (auto ds = decode_series(f.payload, series_); !ds) {
        bad(ds.message().c_str());
        continue;
      }
      ++stats_.series_records;
      auto [i, inserted] = bindings_.try_emplace(series_.fingerprint, binding{series_.epoch, 0});
      if (!inserted) {
        if (i->second.epoch == series_.epoch)
          continue; // the same incarnation: already known
        i->second = binding{series_.epoch, 0};
      }
      out = replay_item{};
      out.kind = replay_kind::series;
      out.series = &series_;
      return true;
    }
    case record_type::entries: {
      if (auto ds = decode_entries(f.payload, entries_); !ds) {
        bad(ds.message().c_str());
        continue;
      }
      ++stats_.entries_records;
      if (!filter_entries())
        continue;
      stats_.entries += entries_.entries.size();
      out = replay_item{};
      out.kind = replay_kind::entries;
      out.entries = &entries_;
      return true;
    }
    case record_type::block: {
      if (auto ds = decode_block(f.payload, block_); !ds) {
        bad(ds.message().c_str());
        continue;
      }
      ++stats_.block_records;
      uint32_t skip = 0;
      if (!filter_block(skip))
        continue;
      ++(skip == 0 ? stats_.blocks : stats_.partial_blocks);
      stats_.entries += block_.entries - skip;
      out = replay_item{};
      out.kind = replay_kind::block;
      out.block = &block_;
      out.block_skip = skip;
      return true;
    }
    default:
      bad("unexpected record type in a segment");
      continue;
    }
  }
}

} // namespace skald::wal
