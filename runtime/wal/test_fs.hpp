// runtime/wal/test_fs.hpp — file systems for tests: in memory, and with faults.
//
// memory_file_system keeps files as strings and remembers how much of each
// was synced, so drop_unsynced() imitates a power cut (fsync = batch tests).
// Its create_direct() files keep zero padding to the next direct_io_block
// boundary after the appended bytes, as O_DIRECT segments do on disk.
// fault_injection_file_system wraps any file_system and fails chosen calls:
// "let 3 appends through, then fail the next one with disk_full after writing
// 5 bytes of it, until clear()". Used by tests/unit/wal, the WAL fuzz target,
// and later by the WAL writer actor's tests (G10).
//
// Owner: one test at a time; not thread-safe.
//
// Invariants:
//   (1) memory_file_system: a file's synced size <= its size; truncate()
//       below the synced size lowers it.
//   (2) fault_injection_file_system forwards every call it does not fail,
//       unchanged, and counts every call per op.
// Directory durability is not modelled: creates, renames and removes are
// immediately "durable" in memory_file_system.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "runtime/wal/file_system.hpp"

namespace skald::wal {

class memory_file_system final : public file_system {
public:
  struct file_state {
    std::string data;
    size_t synced = 0;
  };

  result<std::unique_ptr<writable_file>> create(const std::string& path) override;
  result<std::unique_ptr<writable_file>> create_direct(const std::string& path) override;
  /// The file, synced at once (head, then zeros).
  status create_zero_filled(const std::string& path, std::string_view head, uint64_t size) override;
  result<std::unique_ptr<writable_file>> open_zero_filled(const std::string& path,
                                                          uint64_t used) override;
  status read_file(const std::string& path, std::string& out) override;
  result<std::vector<std::string>> list_dir(const std::string& dir) override;
  status create_dirs(const std::string& dir) override;
  status rename(const std::string& from, const std::string& to) override;
  status remove_file(const std::string& path) override;
  status remove_all(const std::string& path) override;
  status sync_dir(const std::string& dir) override;
  /// Reports capacity() as total and capacity() minus the bytes of all files
  /// as available (no ENOSPC is simulated: use fault injection for that).
  result<disk_space> space(const std::string& path) override;

  // -- test helpers ------------------------------------------------------------

  void set_capacity(uint64_t bytes) noexcept { capacity_ = bytes; }
  uint64_t capacity() const noexcept { return capacity_; }

  /// Power cut: every file loses the bytes appended after its last sync().
  void drop_unsynced();

  /// Direct access for corrupting bytes; null if absent.
  std::string* contents(const std::string& path);
  bool exists(const std::string& path) const;
  /// Writes a whole file (creating parent dirs), as synced.
  void put(const std::string& path, std::string data);

  std::map<std::string, file_state>& files() noexcept { return files_; }

private:
  friend class memory_file;
  result<std::unique_ptr<writable_file>> create_file(const std::string& path, bool direct);
  static std::string parent(const std::string& path);
  std::map<std::string, file_state> files_;
  std::set<std::string> dirs_{"", ".", "/"};
  uint64_t capacity_ = 1ull << 40;
};

enum class fs_op : uint8_t {
  append,
  truncate,
  sync,
  create,
  read,
  list,
  create_dirs,
  rename,
  remove,
  sync_dir,
  space,
};
inline constexpr size_t fs_op_count = 11;

struct fault_spec {
  errc code = errc::io_error;
  /// Calls of this op that still succeed before the first failure.
  size_t skip = 0;
  /// Failures before the fault clears itself (max: until clear()).
  size_t times = std::numeric_limits<size_t>::max();
  /// append only: bytes of the data written before failing (a torn write).
  size_t partial_bytes = 0;
};

class fault_injection_file_system final : public file_system {
public:
  explicit fault_injection_file_system(file_system& inner) : inner_(inner) {}

  void inject(fs_op op, fault_spec spec);
  /// Removes every fault ("space returns").
  void clear();
  /// Calls of op so far (failed ones included).
  size_t calls(fs_op op) const noexcept { return calls_[static_cast<size_t>(op)]; }
  /// Failures injected so far (all ops).
  size_t failures() const noexcept { return failures_; }

  result<std::unique_ptr<writable_file>> create(const std::string& path) override;
  result<std::unique_ptr<writable_file>> create_direct(const std::string& path) override;
  /// Counted and failed as create.
  status create_zero_filled(const std::string& path, std::string_view head, uint64_t size) override;
  /// Counted and failed as create.
  result<std::unique_ptr<writable_file>> open_zero_filled(const std::string& path,
                                                          uint64_t used) override;
  status read_file(const std::string& path, std::string& out) override;
  status read_file_direct(const std::string& path, std::string& out) override;
  result<std::vector<std::string>> list_dir(const std::string& dir) override;
  status create_dirs(const std::string& dir) override;
  status rename(const std::string& from, const std::string& to) override;
  status remove_file(const std::string& path) override;
  status remove_all(const std::string& path) override;
  status sync_dir(const std::string& dir) override;
  result<disk_space> space(const std::string& path) override;

  /// Counts a call of op; returns the injected failure, if any (and for
  /// append, how many bytes to write first through *partial).
  status hit(fs_op op, size_t* partial = nullptr);

private:
  struct slot {
    bool armed = false;
    fault_spec spec;
  };
  file_system& inner_;
  std::array<slot, fs_op_count> faults_{};
  std::array<size_t, fs_op_count> calls_{};
  size_t failures_ = 0;
};

} // namespace skald::wal
