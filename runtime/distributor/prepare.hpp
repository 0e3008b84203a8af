// runtime/distributor/prepare.hpp — what the distributor computes after
// runtime/validation: the ring tokens of a validated push. (The limits_config
// adapters are runtime/validation/from_config.hpp.)
//
// Owner: pure functions, called by the distributor actor once per push.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "runtime/push/push_request.hpp"

namespace skald::distributor {

/// FNV-1 32 ring token (model::stream_token) of every stream, in order.
std::vector<uint32_t> stream_tokens(std::string_view tenant, const push::push_request& req);

} // namespace skald::distributor
