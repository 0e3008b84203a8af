#include "runtime/distributor/prepare.hpp"

#include "runtime/model/hash.hpp"

namespace skald::distributor {

std::vector<uint32_t> stream_tokens(std::string_view tenant, const push::push_request& req) {
  std::vector<uint32_t> out;
  out.reserve(req.streams.size());
  for (const auto& s : req.streams)
    out.push_back(model::stream_token(tenant, s.labels));
  return out;
}

} // namespace skald::distributor
