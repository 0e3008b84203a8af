#include "runtime/validation/from_config.hpp"

#include <algorithm>

namespace skald::validation {

namespace {

size_t non_negative(int v) {
  return static_cast<size_t>(std::max(v, 0));
}

} // namespace

validation_limits to_validation_limits(const config::limits_config& l) {
  validation_limits out;
  out.max_label_name_length = non_negative(l.max_label_name_length);
  out.max_label_value_length = non_negative(l.max_label_value_length);
  out.max_label_names_per_series = non_negative(l.max_label_names_per_series);
  out.reject_old_samples = l.reject_old_samples;
  out.reject_old_samples_max_age = l.reject_old_samples_max_age;
  out.creation_grace_period = l.creation_grace_period;
  out.max_line_size = static_cast<size_t>(l.max_line_size.bytes);
  out.max_line_size_truncate = l.max_line_size_truncate;
  out.increment_duplicate_timestamp = l.increment_duplicate_timestamp;
  out.allow_structured_metadata = l.allow_structured_metadata;
  out.max_structured_metadata_size = static_cast<size_t>(l.max_structured_metadata_size.bytes);
  out.max_structured_metadata_entries_count = non_negative(l.max_structured_metadata_entries_count);
  out.ingestion_rate_mb = l.ingestion_rate_mb;
  out.ingestion_burst_size_mb = l.ingestion_burst_size_mb;
  return out;
}

rate_strategy to_rate_strategy(const config::limits_config& l) {
  return l.ingestion_rate_strategy == "local" ? rate_strategy::local : rate_strategy::global;
}

push::decode_limits to_decode_limits(const config::server_config& server,
                                     const config::distributor_config& distributor,
                                     const config::limits_config& tenant) {
  push::decode_limits out;
  out.max_recv_msg_size = static_cast<size_t>(server.http_server_max_request_body_size.bytes);
  out.max_decompressed_size = static_cast<size_t>(distributor.max_decompressed_size.bytes);
  out.discover_service_name = tenant.discover_service_name;
  return out;
}

} // namespace skald::validation
