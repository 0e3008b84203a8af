// runtime/ring/owned.cpp — see owned.hpp.
#include "runtime/ring/owned.hpp"

namespace skald::ring {

bool owns(const ring_view& v, token_t key, const std::string& instance_id, int64_t now_ms) {
  const auto* self = v.desc().find(instance_id);
  if (self == nullptr || self->state != instance_state::active)
    return true;
  auto rs = v.get(key, operation::write_no_extend, now_ms);
  if (!rs.ok())
    return true;
  for (const auto& i : rs->instances)
    if (i.id == instance_id)
      return true;
  return false;
}

} // namespace skald::ring
