// runtime/util/errc.hpp — the one error enum of skald (G3, G4).
//
// Used by runtime/ as the code inside skald::status, and by the actors as a
// caf::error category (messages/errors.hpp adds CAF_ERROR_CODE_ENUM for it).
// Each code's comment names the abseil class that tells a caller what to do:
// unavailable = retry elsewhere, invalid_argument/failed_precondition = do not
// retry, answer 4xx; data_loss = skip and count; internal = a bug.
//
// Invariant: values are stable (they travel between nodes); append only, and
// zero stays "none".
#pragma once

#include <cstdint>
#include <string_view>

namespace skald {

enum class errc : uint8_t {
  none = 0,
  /// invalid_argument: malformed input (config value, request body, query).
  invalid_argument = 1,
  /// not_found: a key, file or route that does not exist.
  not_found = 2,
  /// io_error (unavailable): a read, write or sync failed.
  io_error = 3,
  /// data_loss: a checksum or framing check failed.
  corrupt_record = 4,
  /// resource_exhausted: a rate or size limit was hit.
  rate_limited = 5,
  /// resource_exhausted: a per-tenant stream limit was hit.
  stream_limit = 6,
  /// failed_precondition: an entry older than the stream accepts.
  too_far_behind = 7,
  /// unavailable: not enough healthy replicas.
  too_few_replicas = 8,
  /// unavailable: a request timed out.
  timeout = 9,
  /// resource_exhausted: a body or decompressed payload too large.
  too_large = 10,
  /// unauthenticated: no tenant id where one is required.
  unauthenticated = 11,
  /// unavailable: the component is shutting down or not ready.
  unavailable = 12,
  /// internal: a broken invariant.
  internal = 13,
  /// resource_exhausted: the disk is full (ENOSPC/EDQUOT). Pushes get 503;
  /// the same write may succeed once space returns.
  disk_full = 14,
};

/// A stable lowercase name, e.g. "invalid_argument".
std::string_view to_string(errc code) noexcept;

} // namespace skald
