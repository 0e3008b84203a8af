#include "runtime/distributor/prepare.hpp"

#include "runtime/model/hash.hpp"

namespace skald::distributor {

validation::validation_limits validation_limits_from(const config::limits_config& l) {
  validation::validation_limits v;
  v.max_label_name_length = static_cast<size_t>(std::max(0, l.max_label_name_length));
  v.max_label_value_length = static_cast<size_t>(std::max(0, l.max_label_value_length));
  v.max_label_names_per_series = static_cast<size_t>(std::max(0, l.max_label_names_per_series));
  v.reject_old_samples = l.reject_old_samples;
  v.reject_old_samples_max_age = l.reject_old_samples_max_age;
  v.creation_grace_period = l.creation_grace_period;
  v.max_line_size = l.max_line_size.bytes;
  v.max_line_size_truncate = l.max_line_size_truncate;
  v.increment_duplicate_timestamp = l.increment_duplicate_timestamp;
  v.allow_structured_metadata = l.allow_structured_metadata;
  v.max_structured_metadata_size = l.max_structured_metadata_size.bytes;
  v.max_structured_metadata_entries_count =
    static_cast<size_t>(std::max(0, l.max_structured_metadata_entries_count));
  v.ingestion_rate_mb = l.ingestion_rate_mb;
  v.ingestion_burst_size_mb = l.ingestion_burst_size_mb;
  return v;
}

validation::rate_strategy rate_strategy_from(const config::limits_config& l) {
  return l.ingestion_rate_strategy == "local" ? validation::rate_strategy::local
                                              : validation::rate_strategy::global;
}

std::vector<uint32_t> stream_tokens(std::string_view tenant, const push::push_request& req) {
  std::vector<uint32_t> out;
  out.reserve(req.streams.size());
  for (const auto& s : req.streams)
    out.push_back(model::stream_token(tenant, s.labels));
  return out;
}

} // namespace skald::distributor
