// cmd/skaldctl/main.cpp — the admin command-line client of skald (issue 9).
//
//   skaldctl [--addr host:port] nodes
//   skaldctl [--addr host:port] actors  [--node N] [--kind K] [--tenant T] [--name S]
//                                       [--sort KEY] [--order asc|desc] [--limit N] [--offset N]
//   skaldctl [--addr host:port] ring
//   skaldctl [--addr host:port] streams [--node N] [--tenant T] [--sort KEY] [--limit N]
//                                       [--offset N]
//   skaldctl [--addr host:port] flush   [--node N] | [--tenant T [--stream '{app="x"}']]
//   skaldctl [--addr host:port] top     [--node N] [--once] [--interval SECONDS] [--kind K]
//                                       [--limit N]
//   skaldctl --version
//
// It talks to a node's JSON API under /admin/api/ (actors/admin/admin_routes.hpp)
// with one blocking HTTP/1.1 request per call and prints aligned tables
// (runtime/admin/table.hpp). `flush` without --tenant lists the flush workers;
// with it, it asks the node to flush (POST; needs admin.enable_actions). `top`
// redraws in place like top(1) until Ctrl-C; --once prints one frame and exits.
// --node N shows the actors of cluster node N (an id from `nodes`), which the
// node at --addr asks over CAF (?node=N).
// Exit status: 0 ok, 1 the node answered an error or could not be reached,
// 2 bad usage.
#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <rapidjson/document.h>

#include "runtime/admin/table.hpp"

namespace {

using skald::admin::human_bytes;
using skald::admin::human_count;
using skald::admin::human_duration;
using skald::admin::text_table;

struct http_result {
  int status = 0;
  std::string body;
  std::string error; // transport error
};

std::string url_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

/// One blocking request with Connection: close (10 s socket timeouts).
http_result http_call(const std::string& addr, const std::string& method, const std::string& path) {
  http_result res;
  auto colon = addr.rfind(':');
  std::string host = colon == std::string::npos ? addr : addr.substr(0, colon);
  std::string port = colon == std::string::npos ? "3100" : addr.substr(colon + 1);
  if (host.empty())
    host = "127.0.0.1";
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* ai = nullptr;
  if (int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &ai); rc != 0) {
    res.error = "cannot resolve " + addr + ": " + gai_strerror(rc);
    return res;
  }
  int fd = -1;
  for (auto* p = ai; p != nullptr; p = p->ai_next) {
    fd = socket(p->ai_family, p->ai_socktype, p->ai_protocol);
    if (fd < 0)
      continue;
    timeval tv{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (connect(fd, p->ai_addr, p->ai_addrlen) == 0)
      break;
    close(fd);
    fd = -1;
  }
  freeaddrinfo(ai);
  if (fd < 0) {
    res.error = "cannot connect to " + addr + ": " + std::strerror(errno);
    return res;
  }
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: " + addr +
                    "\r\nUser-Agent: skaldctl/" SKALD_VERSION
                    "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  for (size_t off = 0; off < req.size();) {
    auto n = ::send(fd, req.data() + off, req.size() - off, MSG_NOSIGNAL);
    if (n <= 0) {
      res.error = std::string{"send: "} + std::strerror(errno);
      close(fd);
      return res;
    }
    off += static_cast<size_t>(n);
  }
  std::string raw;
  char buf[65536];
  for (;;) {
    auto n = ::recv(fd, buf, sizeof(buf), 0);
    if (n < 0) {
      res.error = std::string{"recv: "} + std::strerror(errno);
      close(fd);
      return res;
    }
    if (n == 0)
      break;
    raw.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  auto head_end = raw.find("\r\n\r\n");
  if (raw.compare(0, 5, "HTTP/") != 0 || head_end == std::string::npos) {
    res.error = "malformed HTTP response from " + addr;
    return res;
  }
  res.status = std::atoi(raw.c_str() + raw.find(' ') + 1);
  res.body = raw.substr(head_end + 4);
  return res;
}

struct options {
  std::string addr = "127.0.0.1:3100";
  std::string command;
  std::map<std::string, std::string> flags; // --kind K ...
  bool once = false;
};

[[noreturn]] void usage(const char* why) {
  if (why != nullptr)
    std::fprintf(stderr, "skaldctl: %s\n", why);
  std::fprintf(
      stderr,
      "usage: skaldctl [--addr host:port] COMMAND [flags]\n"
      "commands:\n"
      "  nodes                                   the cluster's nodes\n"
      "  actors  [--node N] [--kind K] [--tenant T] [--name S]\n"
      "          [--sort id|name|started|mailbox|rate|handled] [--order asc|desc] [--limit N]\n"
      "          [--offset N]\n"
      "  ring                                    ring members (state, heartbeat, token share)\n"
      "  streams [--node N] [--tenant T] [--sort KEY] [--limit N] [--offset N]\n"
      "  flush   [--node N] | [--tenant T [--stream '{app=\"x\"}']]\n"
      "                                          list flush workers, or flush (POST)\n"
      "  top     [--node N] [--once] [--interval SECONDS] [--kind K] [--limit N]\n"
      "  --node N: the actors of cluster node N (an id from `nodes`), asked by --addr's node\n"
      "  --version\n");
  std::exit(2);
}

/// GET/POST and parse JSON; prints the node's error and returns nullopt.
std::optional<rapidjson::Document> call_json(const options& o, const std::string& method,
                                             const std::string& path) {
  auto r = http_call(o.addr, method, path);
  if (!r.error.empty()) {
    std::fprintf(stderr, "skaldctl: %s\n", r.error.c_str());
    return std::nullopt;
  }
  rapidjson::Document d;
  d.Parse(r.body.c_str());
  if (r.status / 100 != 2) {
    std::string msg = r.body;
    if (!d.HasParseError() && d.IsObject() && d.HasMember("error") && d["error"].IsString())
      msg = d["error"].GetString();
    std::fprintf(stderr, "skaldctl: %s %s: %d %s\n", method.c_str(), path.c_str(), r.status,
                 msg.c_str());
    return std::nullopt;
  }
  if (d.HasParseError() || !d.IsObject()) {
    std::fprintf(stderr, "skaldctl: %s %s: the answer is not a JSON object\n", method.c_str(),
                 path.c_str());
    return std::nullopt;
  }
  return d;
}

std::string query_of(const options& o, std::initializer_list<const char*> names) {
  std::string q;
  for (const char* n : names) {
    auto i = o.flags.find(n);
    if (i == o.flags.end())
      continue;
    q += q.empty() ? '?' : '&';
    q += n;
    q += '=';
    q += url_encode(i->second);
  }
  return q;
}

const char* str(const rapidjson::Value& v, const char* k) {
  return v.HasMember(k) && v[k].IsString() ? v[k].GetString() : "";
}

double num(const rapidjson::Value& v, const char* k) {
  return v.HasMember(k) && v[k].IsNumber() ? v[k].GetDouble() : 0.0;
}

double state_num(const rapidjson::Value& a, const char* k) {
  return a.HasMember("state") && a["state"].IsObject() ? num(a["state"], k) : 0.0;
}

std::string ago(const rapidjson::Value& a) {
  if (!a.HasMember("answered") || !a["answered"].GetBool())
    return "no answer";
  if (!a["last_activity"].IsString())
    return "never";
  // RFC 3339 UTC with ms: compare with now.
  tm t{};
  int ms = 0;
  if (std::sscanf(a["last_activity"].GetString(), "%d-%d-%dT%d:%d:%d.%dZ", &t.tm_year, &t.tm_mon,
                  &t.tm_mday, &t.tm_hour, &t.tm_min, &t.tm_sec, &ms) != 7)
    return a["last_activity"].GetString();
  t.tm_year -= 1900;
  t.tm_mon -= 1;
  auto then = static_cast<long long>(timegm(&t));
  auto now = static_cast<long long>(std::time(nullptr));
  return now - then < 1 ? "now" : human_duration(now - then) + " ago";
}

text_table actors_table(const rapidjson::Value& d) {
  text_table t;
  t.header = {"ID", "KIND", "NAME", "MAILBOX", "MSG/S", "HANDLED", "LAST ACTIVITY"};
  t.numeric = {true, false, false, true, true, true, false};
  for (const auto& a : d["actors"].GetArray()) {
    char rate[32];
    std::snprintf(rate, sizeof(rate), "%.1f", num(a, "rate"));
    t.rows.push_back({std::to_string(a["id"].GetUint64()), str(a, "kind"), str(a, "name"),
                      human_count(num(a, "mailbox")), rate, human_count(num(a, "handled")),
                      ago(a)});
  }
  return t;
}

std::string page_footer(const rapidjson::Value& d) {
  auto total = d["total"].GetUint64();
  auto off = d["offset"].GetUint64();
  auto n = d["actors"].Size();
  if (total == 0)
    return "(none)\n";
  return std::to_string(off + (n ? 1 : 0)) + "-" + std::to_string(off + n) + " of " +
         std::to_string(total) + "\n";
}

int cmd_nodes(const options& o) {
  auto d = call_json(o, "GET", "/admin/api/nodes");
  if (!d)
    return 1;
  text_table t;
  t.header = {"NODE", "ADDRESS", "ROLES", "VERSION", "UPTIME", "READY", "ACTORS"};
  t.numeric = {false, false, false, false, true, false, true};
  for (const auto& n : (*d)["nodes"].GetArray()) {
    std::string roles;
    for (const auto& r : n["roles"].GetArray())
      roles += (roles.empty() ? "" : ",") + std::string{r.GetString()};
    t.rows.push_back({std::string{str(n, "hostname")} + (n["self"].GetBool() ? " (this)" : ""),
                      str(n, "address"), roles, str(n, "version"),
                      human_duration(static_cast<long long>(num(n, "uptime_seconds"))),
                      n["ready"].GetBool() ? "yes" : "no", human_count(num(n, "actors_total"))});
  }
  std::fputs(render(t).c_str(), stdout);
  return 0;
}

int cmd_actors(const options& o) {
  auto d = call_json(o, "GET",
                     "/admin/api/actors" + query_of(o, {"node", "kind", "tenant", "name", "sort",
                                                        "order", "limit", "offset"}));
  if (!d)
    return 1;
  std::fputs(render(actors_table(*d)).c_str(), stdout);
  std::fputs(page_footer(*d).c_str(), stdout);
  return 0;
}

int cmd_ring(const options& o) {
  auto d = call_json(o, "GET", "/admin/api/ring");
  if (!d)
    return 1;
  const auto& members = (*d)["members"];
  if (!members.IsArray() || members.Empty()) {
    std::printf("%s\n", str(*d, "ring"));
    return 0;
  }
  text_table t;
  t.header = {"MEMBER", "STATE", "ADDRESS", "ZONE", "HEARTBEAT AGE", "TOKENS", "OWNERSHIP"};
  t.numeric = {false, false, false, false, true, true, true};
  for (const auto& m : members.GetArray()) {
    char share[32];
    std::snprintf(share, sizeof share, "%.1f%%", 100 * num(m, "ownership"));
    char age[32];
    std::snprintf(age, sizeof age, "%.1fs", num(m, "heartbeat_age_ms") / 1000);
    t.rows.push_back({std::string{str(m, "id")} +
                          (m.HasMember("self") && m["self"].GetBool() ? " (this node)" : ""),
                      str(m, "state"), str(m, "address"), str(m, "zone"), age,
                      human_count(num(m, "tokens")), share});
  }
  std::fputs(render(t).c_str(), stdout);
  std::printf("%u members, %s tokens, replication factor %d\n", members.Size(),
              human_count(num(*d, "tokens")).c_str(), static_cast<int>(num(*d, "replication_factor")));
  return 0;
}

int cmd_streams(const options& o) {
  auto d = call_json(o, "GET",
                     "/admin/api/streams" +
                         query_of(o, {"node", "tenant", "name", "sort", "order", "limit", "offset"}));
  if (!d)
    return 1;
  text_table t;
  t.header = {"STREAM", "TENANT", "ENTRIES", "CHUNKS", "BYTES", "MSG/S", "MAILBOX"};
  t.numeric = {false, false, true, true, true, true, true};
  for (const auto& a : (*d)["actors"].GetArray()) {
    std::string name = str(a, "name");
    if (name.rfind("stream ", 0) == 0)
      name = name.substr(7);
    if (auto p = name.rfind(" tenant="); p != std::string::npos)
      name.resize(p);
    char rate[32];
    std::snprintf(rate, sizeof(rate), "%.1f", num(a, "rate"));
    t.rows.push_back({name, str(a, "tenant"), human_count(state_num(a, "entries")),
                      human_count(state_num(a, "chunks")), human_bytes(state_num(a, "bytes")), rate,
                      human_count(num(a, "mailbox"))});
  }
  std::fputs(render(t).c_str(), stdout);
  std::fputs(page_footer(*d).c_str(), stdout);
  return 0;
}

int cmd_flush(const options& o) {
  if (o.flags.count("tenant") != 0) {
    if (o.flags.count("node") != 0)
      usage("flush --tenant acts on the node at --addr; --node only lists");
    auto d = call_json(o, "POST", "/admin/api/flush" + query_of(o, {"tenant", "stream"}));
    if (!d)
      return 1;
    std::printf("flushed %d stream(s) of tenant %s\n", static_cast<int>(num(*d, "streams")),
                str(*d, "tenant"));
    return 0;
  }
  auto d = call_json(o, "GET", "/admin/api/flush" + query_of(o, {"node"}) +
                                    (o.flags.count("node") != 0 ? "&" : "?") + "limit=1000");
  if (!d)
    return 1;
  text_table t;
  t.header = {"WORKER", "QUEUE", "IN FLIGHT", "FAILURES", "MAILBOX"};
  t.numeric = {false, true, true, true, true};
  for (const auto& a : (*d)["actors"].GetArray())
    t.rows.push_back({str(a, "name"), human_count(state_num(a, "queue_length")),
                      human_count(state_num(a, "in_flight")), human_count(state_num(a, "failures")),
                      human_count(num(a, "mailbox"))});
  std::fputs(render(t).c_str(), stdout);
  if ((*d)["actors"].Empty())
    std::fputs(o.flags.count("node") != 0 ? "(no flush workers on that node)\n"
                                          : "(no flush workers on this node)\n",
               stdout);
  return 0;
}

int cmd_top(options o) {
  double interval = 1.0;
  if (auto i = o.flags.find("interval"); i != o.flags.end())
    interval = std::max(0.1, std::atof(i->second.c_str()));
  if (o.flags.count("sort") == 0)
    o.flags["sort"] = "mailbox";
  if (o.flags.count("limit") == 0)
    o.flags["limit"] = "20";
  for (;;) {
    auto nodes = call_json(o, "GET", "/admin/api/nodes");
    auto actors =
        call_json(o, "GET", "/admin/api/actors" + query_of(o, {"node", "kind", "tenant", "sort", "limit"}));
    if (!nodes || !actors)
      return 1;
    std::string frame;
    if (!o.once)
      frame += "\x1b[H\x1b[2J"; // home + clear, like top(1)
    for (const auto& n : (*nodes)["nodes"].GetArray()) {
      char line[512];
      std::snprintf(line, sizeof(line), "skald %s  %s  up %s  %s  actors %s\n", str(n, "version"),
                    str(n, "address"),
                    human_duration(static_cast<long long>(num(n, "uptime_seconds"))).c_str(),
                    n["ready"].GetBool() ? "ready" : "NOT READY",
                    human_count(num(n, "actors_total")).c_str());
      frame += line;
      std::string kinds;
      for (const auto& k : n["actors"].GetObject())
        kinds += std::string{kinds.empty() ? "" : "  "} + k.name.GetString() + " " +
                 std::to_string(k.value.GetUint64());
      frame += kinds + "\n";
    }
    frame += "\n";
    if (actors->HasMember("node"))
      frame += std::string{"actors of node "} + str(*actors, "node") + "\n";
    frame += render(actors_table(*actors));
    std::fputs(frame.c_str(), stdout);
    std::fflush(stdout);
    if (o.once)
      return 0;
    std::this_thread::sleep_for(std::chrono::duration<double>(interval));
  }
}

} // namespace

int main(int argc, char** argv) {
  options o;
  static const char* valued[] = {"kind",  "tenant", "name",     "sort", "order",
                                 "limit", "offset", "stream", "interval", "node"};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--version" || a == "-version") {
      std::printf("skaldctl, version %s\n", SKALD_VERSION);
      return 0;
    }
    if (a == "-h" || a == "--help")
      usage(nullptr);
    if (a.rfind("--", 0) == 0) {
      auto name = a.substr(2);
      std::string value;
      bool has_value = false;
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name.resize(eq);
        has_value = true;
      }
      if (name == "once") {
        o.once = true;
        continue;
      }
      bool known = name == "addr";
      for (const char* v : valued)
        known = known || name == v;
      if (!known)
        usage(("unknown flag --" + name).c_str());
      if (!has_value) {
        if (i + 1 >= argc)
          usage(("--" + name + " needs a value").c_str());
        value = argv[++i];
      }
      if (name == "addr")
        o.addr = value;
      else
        o.flags[name] = value;
      continue;
    }
    if (!o.command.empty())
      usage(("unexpected argument " + a).c_str());
    o.command = a;
  }
  if (o.command == "nodes")
    return cmd_nodes(o);
  if (o.command == "actors")
    return cmd_actors(o);
  if (o.command == "ring")
    return cmd_ring(o);
  if (o.command == "streams")
    return cmd_streams(o);
  if (o.command == "flush")
    return cmd_flush(o);
  if (o.command == "top")
    return cmd_top(o);
  usage(o.command.empty() ? "no command" : ("unknown command " + o.command).c_str());
}
