// runtime/chunkenc/fwd.hpp — forward declarations of runtime/chunkenc (G15).
#pragma once

#include <cstdint>

namespace skald::chunkenc {

enum class encoding : uint8_t;
enum class append_result : uint8_t;
enum class direction : uint8_t;
enum class cut_reason : uint8_t;
struct block_meta;
struct block;
struct time_bounds;
struct cut_config;
class buffer;
class head_block;
class mem_chunk;
class entry_iterator;

} // namespace skald::chunkenc
