// runtime/util/units.hpp — durations and byte sizes as people write them.
//
// Pure functions used by the config loader (runtime/config) and anywhere a
// human-written duration or size is read or printed (admin pages, logs).
// Owner: runtime/util (no state; safe from any thread).
//
// Durations: Go / Prometheus syntax, one or more <number><unit> groups:
//   `30s`, `1h30m`, `500ms`, `1.5h`, `2d`, `1w`, `1y`, `0`. Units: ns, us (µs),
//   ms, s, m, h, d (24h), w (7d), y (365d). A fraction is allowed on any group.
//   A leading `-` gives a negative duration; callers that want only
//   non-negative values check the sign themselves (the config binder does).
// Sizes: `<number>[unit]`, units case-insensitive and 1024-based like Loki's
//   flagext.ByteSize (c2h5oh/datasize): B, K/KB/KiB, M/MB/MiB, G/GB/GiB,
//   T/TB/TiB, P/PB/PiB, E/EB/EiB. A plain integer is bytes. `1.5MB` is allowed
//   when the result is a whole number of bytes.
//
// Invariants (tested in tests/unit/config/units_test.cpp):
//   parse_duration(format_duration(d)) == d for every d;
//   parse_bytes(format_bytes(n)) == n for every n.
// Nothing here throws or allocates beyond the returned string.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/util/status.hpp"

namespace skald {

/// A byte count that prints and parses with units (`256KB`). A distinct type so
/// that the config binder can tell a size from a plain integer.
struct byte_size {
  uint64_t bytes = 0;

  constexpr byte_size() noexcept = default;
  constexpr byte_size(uint64_t n) noexcept : bytes(n) {} // NOLINT: implicit by design

  friend constexpr bool operator==(byte_size a, byte_size b) noexcept { return a.bytes == b.bytes; }
  friend constexpr bool operator!=(byte_size a, byte_size b) noexcept { return a.bytes != b.bytes; }
  friend constexpr bool operator<(byte_size a, byte_size b) noexcept { return a.bytes < b.bytes; }
};

constexpr byte_size kib(uint64_t n) noexcept { return byte_size{n << 10}; }
constexpr byte_size mib(uint64_t n) noexcept { return byte_size{n << 20}; }
constexpr byte_size gib(uint64_t n) noexcept { return byte_size{n << 30}; }

/// Parses a Go/Prometheus duration (see the file comment). Errors are
/// invalid_argument with a message naming the problem, e.g.
/// `unknown unit "x" in duration "5x"`.
result<std::chrono::nanoseconds> parse_duration(std::string_view text);

/// Prometheus style: the largest units first, years and weeks only when they
/// divide the value exactly: `1h30m`, `30s`, `0s`, `30d1h`, `1w`, `1s500ms`.
std::string format_duration(std::chrono::nanoseconds d);

/// Parses a byte size (see the file comment).
result<uint64_t> parse_bytes(std::string_view text);

/// The largest unit that divides exactly, else plain bytes: `256KB`, `1536KB`,
/// `100MB`, `4GB`, `1000B`, `0B` (c2h5oh/datasize's String).
std::string format_bytes(uint64_t bytes);

} // namespace skald
