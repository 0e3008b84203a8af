// bench/alloc_counter.hpp — counts heap allocations in the bench binary.
//
// alloc_counter.cpp replaces the global operator new/delete of skald_bench
// (only this binary) with versions that count calls and live bytes
// (malloc_usable_size), so a benchmark can report allocations per operation
// and heap bytes held. Shared by every bench/*.cpp: do not define another
// global operator new in this binary.
//
// Thread-safety: counters are relaxed atomics; read them around a
// single-threaded benchmark loop.
#pragma once

#include <cstddef>
#include <cstdint>

namespace skald::bench {

/// Number of operator new calls so far.
uint64_t alloc_calls() noexcept;

/// Bytes currently allocated through operator new (usable sizes).
int64_t live_heap_bytes() noexcept;

} // namespace skald::bench
