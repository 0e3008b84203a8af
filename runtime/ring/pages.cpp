// runtime/ring/pages.cpp — see pages.hpp.
#include "runtime/ring/pages.hpp"

#include <ctime>

#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "runtime/ring/merge.hpp"

namespace skald::ring {

std::string format_time_ms(int64_t unix_ms) {
  if (unix_ms == 0)
    return {};
  auto secs = static_cast<time_t>(unix_ms / 1000);
  auto ms = unix_ms % 1000;
  if (ms < 0) {
    ms += 1000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

std::string display_state(const instance_desc& inst, int64_t now_ms, int64_t heartbeat_timeout_ms) {
  if (inst.state != instance_state::left && !inst.heartbeat_healthy(now_ms, heartbeat_timeout_ms))
    return "UNHEALTHY";
  return std::string{to_string(inst.state)};
}

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    case '\'':
      out += "&#39;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

void str(writer& w, std::string_view key, std::string_view v) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
}

std::string_view page_head() {
  return "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"UTF-8\">\n"
         "<style>table{border-collapse:collapse}td,th{border:1px solid #999;padding:2px "
         "6px;text-align:left}</style>\n";
}

} // namespace

std::string ring_json(const ring_desc& d, const ring_options& o, int64_t now_ms) {
  ring_view view{d, o};
  auto own = ownership(view);
  rapidjson::StringBuffer buf;
  writer w{buf};
  w.StartObject();
  w.Key("shards");
  w.StartArray();
  size_t k = 0;
  for (auto& [id, inst] : view.desc().ingesters) {
    w.StartObject();
    str(w, "id", id);
    str(w, "state", display_state(inst, now_ms, o.heartbeat_timeout_ms));
    str(w, "address", inst.addr);
    str(w, "timestamp", format_time_ms(inst.timestamp));
    str(w, "registered_timestamp", format_time_ms(inst.registered_timestamp));
    w.Key("read_only");
    w.Bool(false);
    str(w, "read_only_updated_timestamp", "");
    str(w, "zone", inst.zone);
    w.Key("tokens");
    w.StartArray();
    for (auto t : d.ingesters.at(id).tokens) // as registered, before conflict resolution
      w.Uint(t);
    w.EndArray();
    w.Key("ownership");
    w.Double(k < own.size() ? own[k].second * 100.0 : 0.0);
    w.EndObject();
    ++k;
  }
  w.EndArray();
  str(w, "now", format_time_ms(now_ms));
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

std::string ring_html(const ring_desc& d, const ring_options& o, int64_t now_ms,
                      std::string_view title, std::string_view post_path, bool show_tokens) {
  ring_view view{d, o};
  auto own = ownership(view);
  std::string out{page_head()};
  out += fmt::format("<title>{}</title>\n</head>\n<body>\n<h1>{}</h1>\n<p>Current time: {}</p>\n",
                     html_escape(title), html_escape(title), format_time_ms(now_ms));
  out += fmt::format("<form action=\"{}\" method=\"POST\">\n<table>\n<thead><tr>"
                     "<th>Instance ID</th><th>Availability Zone</th><th>State</th>"
                     "<th>Address</th><th>Registered At</th><th>Last Heartbeat</th>"
                     "<th>Tokens</th><th>Ownership</th><th>Actions</th></tr></thead>\n<tbody>\n",
                     html_escape(post_path));
  size_t k = 0;
  for (auto& [id, inst] : view.desc().ingesters) {
    const auto& raw = d.ingesters.at(id);
    out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                       "<td>{}</td><td>{:.1f}%</td><td><button name=\"forget\" value=\"{}\" "
                       "type=\"submit\">Forget</button></td></tr>\n",
                       html_escape(id), html_escape(inst.zone),
                       display_state(inst, now_ms, o.heartbeat_timeout_ms), html_escape(inst.addr),
                       format_time_ms(inst.registered_timestamp), format_time_ms(inst.timestamp),
                       raw.tokens.size(), k < own.size() ? own[k].second * 100.0 : 0.0,
                       html_escape(id));
    ++k;
  }
  out += "</tbody>\n</table>\n</form>\n";
  if (show_tokens) {
    out += "<h2>Tokens</h2>\n";
    for (auto& [id, inst] : view.desc().ingesters) {
      out += "<h3>" + html_escape(id) + "</h3>\n<p>";
      for (size_t i = 0; i < inst.tokens.size(); ++i)
        out += (i ? " " : "") + std::to_string(inst.tokens[i]);
      out += "</p>\n";
    }
  } else {
    out += "<p><a href=\"?tokens=true\">Show Tokens</a></p>\n";
  }
  out += "</body>\n</html>\n";
  return out;
}

std::string memberlist_json(std::string_view self_endpoint, std::string_view node_name,
                            const std::vector<peer_status>& peers, const ring_desc& d,
                            int64_t now_ms, const std::vector<kv_key_status>& keys) {
  rapidjson::StringBuffer buf;
  writer w{buf};
  w.StartObject();
  str(w, "self", self_endpoint);
  str(w, "node_name", node_name);
  w.Key("members");
  w.StartArray();
  for (auto& p : peers) {
    w.StartObject();
    str(w, "endpoint", p.endpoint);
    str(w, "state", p.connected ? "alive" : "unreachable");
    str(w, "last_gossip", format_time_ms(p.last_gossip_ms));
    w.Key("failures");
    w.Uint(p.failures);
    str(w, "last_error", p.last_error);
    w.EndObject();
  }
  w.EndArray();
  w.Key("keys");
  w.StartArray();
  for (auto& k : keys) {
    w.StartObject();
    str(w, "key", k.key);
    w.Key("version");
    w.Uint64(k.version);
    w.Key("instances");
    w.Uint64(k.instances);
    w.EndObject();
  }
  w.EndArray();
  w.Key("ring");
  w.StartArray();
  for (auto& [id, inst] : d.ingesters) {
    w.StartObject();
    str(w, "id", id);
    str(w, "state", to_string(inst.state));
    str(w, "address", inst.addr);
    str(w, "timestamp", format_time_ms(inst.timestamp));
    w.EndObject();
  }
  w.EndArray();
  str(w, "now", format_time_ms(now_ms));
  w.EndObject();
  return {buf.GetString(), buf.GetSize()};
}

std::string memberlist_html(std::string_view self_endpoint, std::string_view node_name,
                            const std::vector<peer_status>& peers, const ring_desc& d,
                            const ring_options& o, int64_t now_ms,
                            const std::vector<kv_key_status>& keys) {
  std::string out{page_head()};
  out += "<title>Memberlist Status</title>\n</head>\n<body>\n<h1>Memberlist Status</h1>\n";
  out += fmt::format("<p>Current time: {}</p>\n<p>This node: {} ({})</p>\n", format_time_ms(now_ms),
                     html_escape(node_name), html_escape(self_endpoint));
  out += "<h2>Members</h2>\n<table>\n<thead><tr><th>Address</th><th>State</th>"
         "<th>Last Gossip</th><th>Failures</th><th>Last Error</th></tr></thead>\n<tbody>\n";
  for (auto& p : peers)
    out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                       html_escape(p.endpoint), p.connected ? "alive" : "unreachable",
                       format_time_ms(p.last_gossip_ms), p.failures, html_escape(p.last_error));
  out += "</tbody>\n</table>\n<h2>KV Store</h2>\n<table>\n<thead><tr><th>Key</th><th>Version</th>"
         "<th>Instances</th></tr></thead>\n<tbody>\n";
  for (auto& k : keys)
    out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td></tr>\n", html_escape(k.key),
                       k.version, k.instances);
  out += "</tbody>\n</table>\n<h2>KV Store: collectors/ring</h2>\n<table>\n<thead><tr>"
         "<th>Instance ID</th><th>State</th><th>Address</th><th>Last Heartbeat</th></tr>"
         "</thead>\n<tbody>\n";
  for (auto& [id, inst] : d.ingesters)
    out += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n", html_escape(id),
                       display_state(inst, now_ms, o.heartbeat_timeout_ms), html_escape(inst.addr),
                       format_time_ms(inst.timestamp));
  out += "</tbody>\n</table>\n</body>\n</html>\n";
  return out;
}

} // namespace skald::ring
