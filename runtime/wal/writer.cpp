#include "runtime/wal/writer.hpp"

#include <chrono>
#include <cstring>
#include <new>

#include "runtime/wal/format.hpp"
#include "runtime/wal/layout.hpp"

namespace skald::wal {

static_assert(pad_block == direct_io_block, "v2 padding is what direct writes leave");

result<writer> writer::open(file_system& fs, writer_options opts) {
  if (opts.dir.empty())
    return status{errc::invalid_argument, "wal writer: empty directory"};
  if (auto st = fs.create_dirs(opts.dir); !st)
    return st;
  auto listing = list_wal_dir(fs, opts.dir);
  if (!listing)
    return listing.error();
  const bool spares = opts.preallocate && opts.direct_io;
  writer w{fs, std::move(opts), listing->next_index};
  // A prealloc.N.tmp was cut short by a crash; complete spares are reused
  // (or removed when preallocation is off, to give the space back).
  for (auto& t : listing->tmp_preallocated)
    status_ignored(fs.remove_file(join_path(w.opts_.dir, t)), "removing an unfinished spare");
  for (auto seq : listing->preallocated) {
    auto path = join_path(w.opts_.dir, prealloc_name(seq));
    if (spares)
      w.spares_.push_back(std::move(path));
    else
      status_ignored(fs.remove_file(path), "removing a spare (preallocation off)");
    w.next_spare_seq_ = seq + 1;
  }
  return w;
}

writer::writer(file_system& fs, writer_options opts, uint64_t index)
    : fs_(&fs), opts_(std::move(opts)), index_(index) {
  lead_ = size_ = wanted_lead();
}

writer::writer(writer&&) noexcept = default;
writer& writer::operator=(writer&&) noexcept = default;
writer::~writer() = default;

size_t writer::wanted_lead() const noexcept {
  const bool fresh = !file_ || file_size_ == 0;
  return (file_ ? file_->aligned_prefix() : 0) + (fresh ? file_header_size : 0);
}

bool writer::move_records(size_t lead) {
  const size_t records = size_ - lead_;
  if (!reserve(lead + records))
    return false;
  std::memmove(buf_.data + lead, buf_.data + lead_, records);
  for (auto& [b, e] : series_ranges_) {
    b = b - lead_ + lead;
    e = e - lead_ + lead;
  }
  lead_ = lead;
  size_ = lead + records;
  return true;
}

void writer::add_series(uint64_t fingerprint, uint64_t epoch, std::string_view tenant,
                        const model::label_set& labels) {
  scratch_.clear();
  append_series(scratch_, fingerprint, epoch, tenant, labels);
  if (!reserve(size_ + scratch_.size()))
    throw std::bad_alloc{};
  std::memcpy(buf_.data + size_, scratch_.data(), scratch_.size());
  series_ranges_.emplace_back(size_, size_ + scratch_.size());
  size_ += scratch_.size();
  ++pending_records_;
}

void writer::add_frame(std::string_view frame) {
  if (!reserve(size_ + frame.size()))
    throw std::bad_alloc{};
  std::memcpy(buf_.data + size_, frame.data(), frame.size());
  if (frame.size() > frame_header_size
      && static_cast<uint8_t>(frame[9]) == static_cast<uint8_t>(record_type::series))
    series_ranges_.emplace_back(size_, size_ + frame.size());
  size_ += frame.size();
  ++pending_records_;
}

void writer::clear_pending() noexcept {
  size_ = lead_;
  series_ranges_.clear();
  pending_records_ = 0;
}

namespace {

status check_entries(uint64_t counter, size_t n) {
  if (n == 0)
    return status{errc::invalid_argument, "wal: an entries record needs at least one entry"};
  if (counter < n)
    return status{errc::invalid_argument, "wal: entries counter below the entry count"};
  return {};
}

} // namespace

template <class Entry>
status writer::add_entries_impl(uint64_t fingerprint, uint64_t counter, const Entry* entries,
                                size_t n) {
  if (auto st = check_entries(counter, n); !st)
    return st;
  // Encoded in place: no zero-filled growth, no copy at write().
  const size_t frame = entries_frame_size(entries, n);
  if (!reserve(size_ + frame))
    return status{errc::io_error, "wal: no memory for the batch buffer"};
  put_entries_frame(buf_.data + size_, frame, fingerprint, counter, entries, n);
  size_ += frame;
  ++pending_records_;
  return {};
}

status writer::add_entries(uint64_t fingerprint, uint64_t counter, const model::entry_view* entries,
                           size_t n) {
  return add_entries_impl(fingerprint, counter, entries, n);
}

status writer::add_entries(uint64_t fingerprint, uint64_t counter, const model::entry* entries,
                           size_t n) {
  return add_entries_impl(fingerprint, counter, entries, n);
}

size_t writer::pending_bytes() const noexcept {
  return size_ - lead_;
}

void writer::count_error(const status& st) {
  if (st.code() == errc::disk_full)
    ++stats_.disk_full_errors;
  else
    ++stats_.io_errors;
}

bool writer::open_spare(std::string& path) {
  while (!spares_.empty()) {
    auto spare = std::move(spares_.front());
    spares_.erase(spares_.begin());
    if (!fs_->rename(spare, path).ok()) {
      status_ignored(fs_->remove_file(spare), "removing a spare that could not be renamed");
      continue;
    }
    // Now a valid, empty v3 segment (preallocate.hpp invariant 2).
    auto f = fs_->open_zero_filled(path, file_header_size);
    if (f) {
      file_ = std::move(*f);
      file_size_ = file_header_size; // the header is in the spare already
      std::string header;
      append_file_header(header, file_kind::segment);
      tail_.assign(header, 0, file_->aligned_prefix());
      preallocated_ = true;
      ++stats_.segments_preallocated;
      return true;
    }
    // Not usable here: remove it so the segment can be created under its
    // name; if even that fails, skip the index (an empty segment is fine).
    if (!fs_->remove_file(path).ok()) {
      ++index_;
      path = join_path(opts_.dir, segment_name(index_));
    }
  }
  return false;
}

status writer::open_segment() {
  auto path = join_path(opts_.dir, segment_name(index_));
  spare_blocked_ = false;
  if (!(opts_.direct_io && open_spare(path))) {
    auto f = opts_.direct_io ? fs_->create_direct(path) : fs_->create(path);
    if (!f)
      return f.error();
    file_ = std::move(*f);
    file_size_ = 0;
    tail_.clear();
    preallocated_ = false;
  }
  file_unsynced_ = false;
  dir_unsynced_ = true;
  ++stats_.segments_created;
  return {};
}

void writer::trim_segment() {
  if (file_ && preallocated_)
    status_ignored(file_->truncate(file_size_), "cutting a preallocated segment's zeros");
  preallocated_ = false;
}

uint64_t writer::spare_wanted() {
  if (!opts_.preallocate || !opts_.direct_io || spare_pending_ || spare_blocked_ ||
      !spares_.empty() || (opts_.spare_after > 0 && (!file_ || file_size_ < opts_.spare_after)))
    return 0;
  spare_pending_ = true;
  return next_spare_seq_++;
}

void writer::add_spare(std::string path) {
  spare_pending_ = false;
  spares_.push_back(std::move(path));
}

void writer::spare_failed() {
  spare_pending_ = false;
  spare_blocked_ = true;
}

void writer::abandon_segment(bool try_sync) {
  if (!file_)
    return;
  if (file_unsynced_) {
    // Earlier (successful, unsynced) writes live in this file: they are
    // durable only if it can still be synced; if not, the next sync() must
    // fail so the actor does not ack them.
    auto st =
        try_sync ? file_->sync() : status{errc::io_error, "segment abandoned after failed fsync"};
    if (!st && sync_error_.ok())
      sync_error_ = std::move(st);
  }
  status_ignored(file_->close(), "abandoning a segment after a failed write or sync");
  file_.reset();
  preallocated_ = false;
  file_size_ = 0;
  file_unsynced_ = false;
  ++index_;
}

void writer::keep_only_series() {
  size_t out = lead_;
  for (auto [b, e] : series_ranges_) {
    if (b != out)
      std::memmove(buf_.data + out, buf_.data + b, e - b);
    out += e - b;
  }
  stats_.records_dropped += pending_records_ - series_ranges_.size();
  size_ = out;
  size_t pos = lead_;
  for (auto& [b, e] : series_ranges_) {
    size_t len = e - b;
    b = pos;
    e = pos + len;
    pos += len;
  }
  pending_records_ = series_ranges_.size();
}

status writer::write() {
  if (pending_records_ == 0)
    return {};
  size_t records = size_ - lead_;
  // Roll first when this batch would take a non-empty segment past its size.
  if (file_ && file_size_ > file_header_size && file_size_ + records > opts_.segment_size) {
    if (auto r = roll(); !r) {
      // roll() counted the error (a failed sync or close).
      keep_only_series();
      return r.error();
    }
  }
  if (!file_) {
    if (auto st = open_segment(); !st) {
      count_error(st);
      keep_only_series();
      return st;
    }
  }
  // Lay out [last partial block][file header if new][records] from a block
  // boundary of the segment: the file writes whole blocks from buf_.
  const bool fresh = file_size_ == 0;
  const size_t prefix = file_->aligned_prefix();
  const size_t lead = prefix + (fresh ? file_header_size : 0);
  status st;
  if (prefix > 0 && prefix != tail_.size())
    st = status{errc::io_error, "wal: the segment's last block is not known"}; // cannot happen
  else if ((lead != lead_ && !move_records(lead)) || !reserve(round_up_to_block(size_)))
    st = status{errc::io_error, "wal: no memory for the batch buffer"};
  if (!st) {
    count_error(st);
    keep_only_series();
    return st;
  }
  if (prefix > 0)
    std::memcpy(buf_.data, tail_.data(), prefix);
  if (fresh) {
    std::string header;
    append_file_header(header, file_kind::segment);
    std::memcpy(buf_.data + prefix, header.data(), file_header_size);
  }
  const size_t len = size_ - prefix;
  if (auto st2 = file_->append_aligned(buf_.data, len); !st2) {
    count_error(st2);
    if (auto tr = file_->truncate(file_size_); !tr)
      abandon_segment(true);
    keep_only_series();
    return st2;
  }
  file_size_ += len;
  file_unsynced_ = true;
  // The new last partial block (buf_ starts on a block boundary of the
  // segment whenever the file has a prefix).
  const size_t new_prefix = file_->aligned_prefix();
  tail_.assign(buf_.data + size_ - new_prefix, new_prefix);
  if (opts_.fsync_batch) {
    for (auto [b, e] : series_ranges_)
      unsynced_series_.append(buf_.data + b, e - b);
    unsynced_series_count_ += series_ranges_.size();
  }
  stats_.records += pending_records_;
  stats_.bytes += len;
  ++stats_.writes;
  lead_ = size_ = wanted_lead();
  series_ranges_.clear();
  pending_records_ = 0;
  return {};
}

void writer::requeue_unsynced_series() {
  if (unsynced_series_count_ == 0)
    return;
  size_t shift = unsynced_series_.size();
  if (!reserve(size_ + shift))
    throw std::bad_alloc{};
  std::memmove(buf_.data + lead_ + shift, buf_.data + lead_, size_ - lead_);
  std::memcpy(buf_.data + lead_, unsynced_series_.data(), shift);
  size_ += shift;
  for (auto& [b, e] : series_ranges_) {
    b += shift;
    e += shift;
  }
  // Ranges of the requeued records, in order, in front of the others.
  std::vector<std::pair<size_t, size_t>> ranges;
  ranges.reserve(unsynced_series_count_ + series_ranges_.size());
  size_t pos = lead_;
  std::string_view rest{unsynced_series_};
  while (!rest.empty()) {
    frame_reader r{rest};
    frame f;
    if (r.next(f) != frame_status::ok)
      break; // cannot happen: we framed these bytes
    size_t len = frame_header_size + f.payload.size();
    ranges.emplace_back(pos, pos + len);
    pos += len;
    rest.remove_prefix(len);
  }
  ranges.insert(ranges.end(), series_ranges_.begin(), series_ranges_.end());
  series_ranges_ = std::move(ranges);
  pending_records_ += unsynced_series_count_;
  unsynced_series_.clear();
  unsynced_series_count_ = 0;
}

status writer::sync() {
  if (!sync_error_.ok()) {
    auto st = std::move(sync_error_);
    sync_error_ = status{};
    requeue_unsynced_series();
    return st;
  }
  if (!file_ || (!file_unsynced_ && !dir_unsynced_)) {
    // Everything written is synced (an abandoned segment was synced on the
    // way out, or its failure was latched above).
    unsynced_series_.clear();
    unsynced_series_count_ = 0;
    return {};
  }
  auto start = std::chrono::steady_clock::now();
  status st;
  if (file_unsynced_)
    st = file_->sync();
  if (st && dir_unsynced_)
    st = fs_->sync_dir(opts_.dir);
  auto ns = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start)
          .count());
  stats_.sync_ns_last = ns;
  stats_.sync_ns_total += ns;
  if (!st) {
    count_error(st);
    abandon_segment(false);
    sync_error_ = status{}; // reported now
    requeue_unsynced_series();
    return st;
  }
  unsynced_series_.clear();
  unsynced_series_count_ = 0;
  ++stats_.syncs;
  file_unsynced_ = false;
  dir_unsynced_ = false;
  return {};
}

result<uint64_t> writer::roll() {
  uint64_t closed = index_;
  status st;
  if (file_) {
    if (opts_.fsync_batch && (file_unsynced_ || dir_unsynced_)) {
      st = sync();
      if (!st && sync_error_.ok())
        sync_error_ = st; // the next sync() reports it too
    }
    if (file_) {
      trim_segment();
      auto cl = file_->close();
      if (!cl)
        count_error(cl);
      file_.reset();
      file_size_ = 0;
      file_unsynced_ = false;
      ++index_;
      if (st)
        st = std::move(cl);
    }
    // else: sync() failed and already abandoned (and advanced past) it.
  } else {
    ++index_;
  }
  if (!st)
    return st;
  return closed;
}

status writer::close() {
  series_ranges_.clear();
  pending_records_ = 0;
  if (!file_) {
    lead_ = size_ = wanted_lead();
    return {};
  }
  trim_segment();
  auto st = file_->close();
  file_.reset();
  ++index_;
  lead_ = size_ = wanted_lead();
  return st;
}

} // namespace skald::wal
