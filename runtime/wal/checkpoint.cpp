#include "runtime/wal/checkpoint.hpp"

#include "runtime/wal/layout.hpp"

namespace skald::wal {

result<checkpoint_writer> checkpoint_writer::begin(file_system& fs, std::string wal_dir,
                                                   uint64_t index, uint64_t part_size,
                                                   size_t buffer_size) {
  checkpoint_writer cw{fs, std::move(wal_dir), index, part_size, buffer_size};
  if (auto st = fs.remove_all(cw.tmp_); !st)
    return st;
  if (auto st = fs.create_dirs(cw.tmp_); !st)
    return st;
  return cw;
}

checkpoint_writer::checkpoint_writer(file_system& fs, std::string dir, uint64_t index,
                                     uint64_t part_size, size_t buffer_size)
    : fs_(&fs), dir_(std::move(dir)), tmp_(join_path(dir_, checkpoint_name(index) + ".tmp")),
      index_(index), part_size_(part_size), buffer_size_(buffer_size == 0 ? 1 : buffer_size) {}

checkpoint_writer::checkpoint_writer(checkpoint_writer&&) noexcept = default;
checkpoint_writer& checkpoint_writer::operator=(checkpoint_writer&&) noexcept = default;
checkpoint_writer::~checkpoint_writer() = default;

status checkpoint_writer::fail(status st) {
  if (error_.ok())
    error_ = st;
  return st;
}

status checkpoint_writer::flush_buffer() {
  if (buffer_.empty())
    return {};
  // A new part when the current one would pass part_size (never split a
  // buffer: it ends on a record boundary).
  if (part_ && part_bytes_ > file_header_size && part_bytes_ + buffer_.size() > part_size_) {
    if (auto st = part_->sync(); !st)
      return fail(st);
    if (auto st = part_->close(); !st)
      return fail(st);
    part_.reset();
  }
  if (!part_) {
    auto f = fs_->create(join_path(tmp_, segment_name(stats_.parts)));
    if (!f)
      return fail(f.error());
    part_ = std::move(*f);
    ++stats_.parts;
    std::string header;
    append_file_header(header, file_kind::checkpoint);
    if (auto st = part_->append(header); !st)
      return fail(st);
    part_bytes_ = header.size();
    stats_.bytes += header.size();
  }
  if (auto st = part_->append(buffer_); !st)
    return fail(st);
  part_bytes_ += buffer_.size();
  stats_.bytes += buffer_.size();
  buffer_.clear();
  return {};
}

status checkpoint_writer::add(const series_snapshot& s) {
  if (!error_.ok())
    return error_;
  if (committed_)
    return fail(status{errc::internal, "checkpoint: add after commit"});
  append_checkpoint_series(buffer_, s);
  ++stats_.series;
  stats_.chunks += s.chunks.size();
  if (buffer_.size() >= buffer_size_)
    return flush_buffer();
  return {};
}

status checkpoint_writer::commit() {
  if (!error_.ok())
    return error_;
  if (committed_)
    return {};
  if (auto st = flush_buffer(); !st)
    return st;
  if (part_) {
    if (auto st = part_->sync(); !st)
      return fail(st);
    if (auto st = part_->close(); !st)
      return fail(st);
    part_.reset();
  }
  if (auto st = fs_->sync_dir(tmp_); !st)
    return fail(st);
  auto final_path = join_path(dir_, checkpoint_name(index_));
  // No checkpoint.N can exist yet: writer indexes start past every
  // checkpoint. (Never remove one here: its segments may be gone.)
  if (auto st = fs_->rename(tmp_, final_path); !st)
    return fail(st);
  committed_ = true;
  if (auto st = fs_->sync_dir(dir_); !st)
    return fail(st);
  return {};
}

void checkpoint_writer::abort() {
  if (part_) {
    status_ignored(part_->close(), "aborting a checkpoint");
    part_.reset();
  }
  if (!committed_)
    status_ignored(fs_->remove_all(tmp_), "aborting a checkpoint; startup cleans up too");
}

} // namespace skald::wal
