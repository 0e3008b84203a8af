#include "runtime/util/errc.hpp"

namespace skald {

std::string_view to_string(errc code) noexcept {
  switch (code) {
    case errc::none: return "none";
    case errc::invalid_argument: return "invalid_argument";
    case errc::not_found: return "not_found";
    case errc::io_error: return "io_error";
    case errc::corrupt_record: return "corrupt_record";
    case errc::rate_limited: return "rate_limited";
    case errc::stream_limit: return "stream_limit";
    case errc::too_far_behind: return "too_far_behind";
    case errc::too_few_replicas: return "too_few_replicas";
    case errc::timeout: return "timeout";
    case errc::too_large: return "too_large";
    case errc::unauthenticated: return "unauthenticated";
    case errc::unavailable: return "unavailable";
    case errc::internal: return "internal";
    case errc::disk_full: return "disk_full";
  }
  return "unknown";
}

} // namespace skald
