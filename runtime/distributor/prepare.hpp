// runtime/distributor/prepare.hpp — glue between the config layer and
// runtime/validation for the distributor: a tenant's limits_config (defaults
// or runtime overrides) as validation_limits, and the ring tokens of a
// validated push.
//
// Owner: pure functions, called by the distributor actor once per push.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "runtime/config/limits_config.hpp"
#include "runtime/push/push_request.hpp"
#include "runtime/validation/limits.hpp"
#include "runtime/validation/rate_limiter.hpp"

namespace skald::distributor {

/// The validation-relevant part of a tenant's limits.
validation::validation_limits validation_limits_from(const config::limits_config& l);

/// `local` or `global` (limits_config.ingestion_rate_strategy).
validation::rate_strategy rate_strategy_from(const config::limits_config& l);

/// FNV-1 32 ring token (model::stream_token) of every stream, in order.
std::vector<uint32_t> stream_tokens(std::string_view tenant, const push::push_request& req);

} // namespace skald::distributor
