#include "runtime/wal/writer.hpp"

#include <chrono>
#include <cstring>

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
  return writer{fs, std::move(opts), listing->next_index};
}

writer::writer(file_system& fs, writer_options opts, uint64_t index)
    : fs_(&fs), opts_(std::move(opts)), index_(index) {
  batch_.reserve(size_t{64} << 10);
  batch_.assign(file_header_size, '\0');
}

writer::writer(writer&&) noexcept = default;
writer& writer::operator=(writer&&) noexcept = default;
writer::~writer() = default;

void writer::add_series(uint64_t fingerprint, uint64_t epoch, std::string_view tenant,
                        const model::label_set& labels) {
  size_t begin = batch_.size();
  append_series(batch_, fingerprint, epoch, tenant, labels);
  series_ranges_.emplace_back(begin, batch_.size());
  ++pending_records_;
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

status writer::add_entries(uint64_t fingerprint, uint64_t counter, const model::entry_view* entries,
                           size_t n) {
  if (auto st = check_entries(counter, n); !st)
    return st;
  append_entries(batch_, fingerprint, counter, entries, n);
  ++pending_records_;
  return {};
}

status writer::add_entries(uint64_t fingerprint, uint64_t counter, const model::entry* entries,
                           size_t n) {
  if (auto st = check_entries(counter, n); !st)
    return st;
  append_entries(batch_, fingerprint, counter, entries, n);
  ++pending_records_;
  return {};
}

size_t writer::pending_bytes() const noexcept {
  return batch_.size() - file_header_size;
}

void writer::count_error(const status& st) {
  if (st.code() == errc::disk_full)
    ++stats_.disk_full_errors;
  else
    ++stats_.io_errors;
}

status writer::open_segment() {
  auto path = join_path(opts_.dir, segment_name(index_));
  auto f = opts_.direct_io ? fs_->create_direct(path) : fs_->create(path);
  if (!f)
    return f.error();
  file_ = std::move(*f);
  file_size_ = 0;
  file_unsynced_ = false;
  dir_unsynced_ = true;
  ++stats_.segments_created;
  return {};
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
  file_size_ = 0;
  file_unsynced_ = false;
  ++index_;
}

void writer::keep_only_series() {
  size_t out = file_header_size;
  for (auto [b, e] : series_ranges_) {
    if (b != out)
      std::memmove(batch_.data() + out, batch_.data() + b, e - b);
    out += e - b;
  }
  stats_.records_dropped += pending_records_ - series_ranges_.size();
  batch_.resize(out);
  size_t pos = file_header_size;
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
  size_t records = batch_.size() - file_header_size;
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
  std::string_view data{batch_};
  if (file_size_ == 0) {
    // A fresh segment: the header rides in the reserved prefix.
    std::string header;
    append_file_header(header, file_kind::segment);
    std::memcpy(batch_.data(), header.data(), file_header_size);
  } else {
    data.remove_prefix(file_header_size);
  }
  if (auto st = file_->append(data); !st) {
    count_error(st);
    if (auto tr = file_->truncate(file_size_); !tr)
      abandon_segment(true);
    keep_only_series();
    return st;
  }
  file_size_ += data.size();
  file_unsynced_ = true;
  if (opts_.fsync_batch) {
    for (auto [b, e] : series_ranges_)
      unsynced_series_.append(batch_, b, e - b);
    unsynced_series_count_ += series_ranges_.size();
  }
  stats_.records += pending_records_;
  stats_.bytes += data.size();
  ++stats_.writes;
  batch_.resize(file_header_size);
  series_ranges_.clear();
  pending_records_ = 0;
  return {};
}

void writer::requeue_unsynced_series() {
  if (unsynced_series_count_ == 0)
    return;
  size_t shift = unsynced_series_.size();
  batch_.insert(file_header_size, unsynced_series_);
  for (auto& [b, e] : series_ranges_) {
    b += shift;
    e += shift;
  }
  // Ranges of the requeued records, in order, in front of the others.
  std::vector<std::pair<size_t, size_t>> ranges;
  ranges.reserve(unsynced_series_count_ + series_ranges_.size());
  size_t pos = file_header_size;
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
  batch_.resize(file_header_size);
  series_ranges_.clear();
  pending_records_ = 0;
  if (!file_)
    return {};
  auto st = file_->close();
  file_.reset();
  ++index_;
  return st;
}

} // namespace skald::wal
