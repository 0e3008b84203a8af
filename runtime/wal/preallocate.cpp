// runtime/wal/preallocate.cpp — see preallocate.hpp.
#include "runtime/wal/preallocate.hpp"

#include "runtime/wal/format.hpp"
#include "runtime/wal/layout.hpp"

namespace skald::wal {

result<std::string> preallocate_segment(file_system& fs, const std::string& dir, uint64_t seq,
                                        uint64_t size) {
  const auto name = prealloc_name(seq);
  const auto tmp = join_path(dir, name + ".tmp");
  const auto path = join_path(dir, name);
  std::string header;
  append_file_header(header, file_kind::segment);
  if (auto st = fs.create_zero_filled(tmp, header, size < header.size() ? header.size() : size);
      !st)
    return st;
  if (auto st = fs.rename(tmp, path); !st) {
    status_ignored(fs.remove_file(tmp), "removing a zero-filled file that could not be renamed");
    return st;
  }
  return path;
}

} // namespace skald::wal
