// runtime/validation/from_config.hpp — fill the write-path limit structs from config.
//
// validation_limits and push::decode_limits are deliberately their own small
// structs (the pure libraries depend on nothing else); these adapters are the
// one place that knows how the `limits_config:`, `distributor:` and `server:`
// blocks map onto them. Keys without a config field keep Loki's default
// (max_line_size_truncate_identifier "", enforced_labels []).
//
// Owner: pure functions; the distributor calls them when its config or the
// per-tenant overrides change, not per request.
#pragma once

#include "runtime/config/distributor_config.hpp"
#include "runtime/config/limits_config.hpp"
#include "runtime/config/server_config.hpp"
#include "runtime/push/push_request.hpp"
#include "runtime/validation/limits.hpp"
#include "runtime/validation/rate_limiter.hpp"

namespace skald::validation {

validation_limits to_validation_limits(const config::limits_config& l);

/// `ingestion_rate_strategy`: "local" -> local, anything else -> global.
rate_strategy to_rate_strategy(const config::limits_config& l);

/// max_recv_msg_size = server.http_server_max_request_body_size (skald's body
/// limit; the HTTP layer may already enforce it), max_decompressed_size =
/// distributor.max_decompressed_size, discover_service_name from the tenant.
push::decode_limits to_decode_limits(const config::server_config& server,
                                     const config::distributor_config& distributor,
                                     const config::limits_config& tenant);

} // namespace skald::validation
