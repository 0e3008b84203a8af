// runtime/admin/ring_summary.cpp — see ring_summary.hpp.
#include "runtime/admin/ring_summary.hpp"

#include <map>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "runtime/admin/directory.hpp"
#include "runtime/ring/pages.hpp"

namespace skald::admin {

std::vector<std::pair<std::string, double>> ownership_shares(const ring::ring_desc& d,
                                                             const ring::ring_options& o) {
  ring::ring_view view{d, o};
  if (view.tokens().empty()) {
    std::vector<std::pair<std::string, double>> out;
    for (const auto& [id, inst] : d.ingesters)
      if (inst.state != ring::instance_state::left)
        out.emplace_back(id, 0.0);
    return out;
  }
  return ring::ownership(view);
}

ring_summary summarize_ring(const ring::ring_desc& d, const ring::ring_options& o,
                            const std::string& self_id, int64_t now_ms) {
  ring_summary s;
  s.replication_factor = o.replication_factor;
  s.heartbeat_timeout_ms = o.heartbeat_timeout_ms;
  s.self_id = self_id;
  std::map<std::string, double> share;
  for (auto& [id, f] : ownership_shares(d, o))
    share[id] = f;
  for (const auto& [id, inst] : d.ingesters) {
    if (inst.state == ring::instance_state::left)
      continue;
    ring_member_row r;
    r.id = id;
    r.state = ring::display_state(inst, now_ms, o.heartbeat_timeout_ms);
    r.address = inst.addr;
    r.zone = inst.zone;
    r.heartbeat_age_ms = now_ms - inst.timestamp;
    r.registered_ms = inst.registered_timestamp;
    r.tokens = inst.tokens.size();
    r.ownership = share.count(id) ? share[id] : 0.0;
    r.self = id == self_id;
    s.tokens += r.tokens;
    s.members.push_back(std::move(r));
  }
  return s;
}

std::string to_json(const ring_summary& s, const std::string& member_row_json) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w{buf};
  auto str = [&w](const char* k, const std::string& v) {
    w.Key(k);
    w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
  };
  w.StartObject();
  str("ring", s.members.empty() ? "single node: no ring members" : "ring");
  str("self", s.self_id);
  w.Key("replication_factor");
  w.Int(s.replication_factor);
  w.Key("heartbeat_timeout_ms");
  w.Int64(s.heartbeat_timeout_ms);
  w.Key("tokens");
  w.Uint64(s.tokens);
  w.Key("members");
  w.StartArray();
  for (const auto& m : s.members) {
    w.StartObject();
    str("id", m.id);
    str("state", m.state);
    str("address", m.address);
    str("zone", m.zone);
    w.Key("heartbeat_age_ms");
    w.Int64(m.heartbeat_age_ms);
    w.Key("registered");
    if (m.registered_ms > 0) {
      auto t = format_time(m.registered_ms * 1'000'000);
      w.String(t.data(), static_cast<rapidjson::SizeType>(t.size()));
    } else {
      w.Null();
    }
    w.Key("tokens");
    w.Uint64(m.tokens);
    w.Key("ownership");
    w.Double(m.ownership);
    w.Key("self");
    w.Bool(m.self);
    w.EndObject();
  }
  w.EndArray();
  w.Key("member");
  if (member_row_json.empty())
    w.Null();
  else
    w.RawValue(member_row_json.data(), member_row_json.size(), rapidjson::kObjectType);
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

} // namespace skald::admin
