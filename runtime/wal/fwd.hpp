// runtime/wal/fwd.hpp — forward declarations of runtime/wal (G15).
#pragma once

#include <cstdint>

namespace skald::wal {

class file_system;
class writable_file;
class memory_file_system;
class fault_injection_file_system;
class writer;
class checkpoint_writer;
class replayer;
class frame_reader;

struct writer_options;
struct writer_stats;
struct checkpoint_stats;
struct replay_stats;
struct replay_item;
struct corruption;
struct dir_listing;
struct series_record;
struct entries_record;
struct series_snapshot;
struct checkpoint_chunk;

enum class record_type : uint8_t;
enum class file_kind : uint8_t;
enum class replay_kind : uint8_t;

} // namespace skald::wal
