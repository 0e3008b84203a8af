// tests/logqltest/runner_main.cpp — runs Loki's .logqltest conformance
// scripts (format: ../shared/testdata/logqltest/FORMAT.md) against skald's
// LogQL engine over a memory_source.
//
// Usage: logqltest_runner [--skip FILE] [--ratchet FILE] [--write-passing FILE]
//                         [--quiet] [--roundtrip] [--http SKALD --config YAML] DIR|FILE...
//   --http runs every case through a live skald node instead of the engine
//   in-process (see http_backend below): the node is started on a free port,
//   each eval pushes the data loaded so far to a fresh tenant over
//   /loki/api/v1/push and runs the query through /loki/api/v1/query or
//   query_range; the JSON answer is compared like the engine's result.
//   --roundtrip evaluates to_string(parse(query)) instead of the query text,
//   checking that the canonical form re-parses, is stable and means the same.
//   Every failing case is reported with file:line, query, expected and got.
//   The last line is "N passed, M failed".
//   Exit status: without --ratchet, non-zero when any case fails; with
//   --ratchet FILE (a list of "file:line" ids that passed before), non-zero
//   only when a listed case fails (a regression). A missing DIR makes the
//   run exit 77 (ctest SKIP_RETURN_CODE) with a visible message, or 1 when
//   the environment has CI=true.
//   --skip FILE lists "file:line reason" cases believed wrong upstream;
//   they are reported as skipped, never as passed.
#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "runtime/logql/engine.hpp"
#include "runtime/logql/parser.hpp"
#include "runtime/logql/source.hpp"
#include "runtime/logql/strconv.hpp"
#include "runtime/model/label_parse.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "testutil/http_client.hpp"
#include "testutil/process.hpp"

namespace fs = std::filesystem;
using namespace skald;
using namespace skald::logql;

namespace {

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b])))
    ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1])))
    --e;
  return std::string(s.substr(b, e - b));
}

/// Strips a trailing `# comment` outside quotes.
std::string strip_comment(std::string_view s) {
  char q = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (q) {
      if (c == '\\' && q == '"') {
        ++i;
        continue;
      }
      if (c == q)
        q = 0;
      continue;
    }
    if (c == '"' || c == '`')
      q = c;
    else if (c == '#')
      return trim(s.substr(0, i));
  }
  return trim(s);
}

std::optional<int64_t> parse_dur(std::string_view s) {
  auto d = parse_go_duration(s);
  if (d)
    return *d;
  auto p = parse_prom_duration(s);
  if (p)
    return *p;
  return std::nullopt;
}

/// Reads a double-quoted Go string at s[pos] (which must be '"') into out;
/// advances pos past the closing quote.
bool read_quoted(const std::string& s, size_t& pos, std::string& out) {
  if (pos >= s.size() || s[pos] != '"')
    return false;
  size_t start = pos++;
  while (pos < s.size() && s[pos] != '"') {
    if (s[pos] == '\\')
      ++pos;
    ++pos;
  }
  if (pos >= s.size())
    return false;
  ++pos;
  auto v = go_unquote(s.substr(start, pos - start));
  if (!v)
    return false;
  out = std::move(*v);
  return true;
}

/// Parses `{a="b", c="d"}` at s[pos]; advances pos. Keeps empty values.
std::optional<model::label_set> parse_labels(const std::string& s, size_t& pos) {
  model::label_set out;
  while (pos < s.size() && std::isspace(static_cast<unsigned char>(s[pos])))
    ++pos;
  if (pos >= s.size() || s[pos] != '{')
    return std::nullopt;
  ++pos;
  for (;;) {
    while (pos < s.size() && (std::isspace(static_cast<unsigned char>(s[pos])) || s[pos] == ','))
      ++pos;
    if (pos >= s.size())
      return std::nullopt;
    if (s[pos] == '}') {
      ++pos;
      break;
    }
    size_t ns = pos;
    while (pos < s.size() && s[pos] != '=' && !std::isspace(static_cast<unsigned char>(s[pos])))
      ++pos;
    std::string name = s.substr(ns, pos - ns);
    while (pos < s.size() && std::isspace(static_cast<unsigned char>(s[pos])))
      ++pos;
    if (pos >= s.size() || s[pos] != '=')
      return std::nullopt;
    ++pos;
    while (pos < s.size() && std::isspace(static_cast<unsigned char>(s[pos])))
      ++pos;
    std::string value;
    if (!read_quoted(s, pos, value))
      return std::nullopt;
    out.push_back({name, std::move(value)});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const model::label& a, const model::label& b) { return a.name < b.name; });
  return out;
}

struct expected_series {
  model::label_set labels;
  std::vector<std::optional<double>> values;
};

struct eval_case {
  std::string file;
  int line = 0;
  std::string id;
  bool instant = true;
  int64_t t0 = 0, t1 = 0, step = 0;
  std::string query;
  bool expect_empty = false, expect_fail = false, ordered = false;
  std::string fail_msg, fail_regex;
  std::optional<double> scalar;
  std::vector<expected_series> series;
  std::vector<std::string> raw_expected;
  std::string parse_problem;  // a malformed expected block
};

bool parse_number(std::string_view tok, double& out) {
  std::string t(tok);
  if (t == "Inf" || t == "+Inf") {
    out = INFINITY;
    return true;
  }
  if (t == "-Inf") {
    out = -INFINITY;
    return true;
  }
  if (t == "NaN") {
    out = NAN;
    return true;
  }
  auto v = parse_go_float(t);
  if (!v)
    return false;
  out = *v;
  return true;
}

/// Expands one value token: `_`, `6`, `a+bxn`, `a-bxn`, `4x3`.
bool expand_values(const std::string& tok, std::vector<std::optional<double>>& out) {
  if (tok == "_") {
    out.push_back(std::nullopt);
    return true;
  }
  size_t x = tok.find('x');
  if (x != std::string::npos && x > 0) {
    std::string head = tok.substr(0, x);
    double n;
    if (!parse_number(tok.substr(x + 1), n))
      return false;
    // head is "a", "a+b" or "a-b" (a may carry a sign).
    size_t op = std::string::npos;
    for (size_t i = 1; i < head.size(); ++i)
      if ((head[i] == '+' || head[i] == '-') && head[i - 1] != 'e' && head[i - 1] != 'E') {
        op = i;
        break;
      }
    double a, b = 0;
    if (op == std::string::npos) {
      if (!parse_number(head, a))
        return false;
    } else {
      if (!parse_number(head.substr(0, op), a) || !parse_number(head.substr(op + 1), b))
        return false;
      if (head[op] == '-')
        b = -b;
    }
    for (int i = 0; i <= static_cast<int>(n); ++i)
      out.push_back(a + b * i);
    return true;
  }
  double v;
  if (!parse_number(tok, v))
    return false;
  out.push_back(v);
  return true;
}

bool almost_equal(double a, double b) {
  if (std::isnan(a) || std::isnan(b))
    return std::isnan(a) && std::isnan(b);
  if (a == b)
    return true;
  double diff = std::fabs(a - b);
  return diff <= 1e-9 || diff / std::max(std::fabs(a), std::fabs(b)) <= 1e-6;
}

std::string fmt_values(const std::vector<std::optional<double>>& vs) {
  std::string out;
  for (size_t i = 0; i < vs.size(); ++i) {
    if (i)
      out += " ";
    out += vs[i] ? format_float(*vs[i]) : "_";
  }
  return out;
}

/// Conformance through the HTTP API. Script time t=0 becomes `base` (a
/// whole number of days, 3 days back, inside reject_old_samples_max_age; the
/// node asks its ingesters whatever the age: query_ingesters_within=0), so
/// timestamps are real; for a range query the shift is adjusted per case so
/// that start is a multiple of step (skald aligns metric range queries to
/// the step like Loki's query frontend; unaligned, the points would move).
/// A point past t1 that the end alignment adds is not compared. Every eval
/// gets a fresh tenant (X-Scope-OrgID) holding exactly the data the script
/// loaded so far (a stream's entries pushed in timestamp order).
class http_backend {
public:
  bool start(const std::string& binary, const std::string& config) {
    port_ = testutil::free_port();
    dir_ = testutil::make_temp_dir("skald-logqltest");
    proc_ = std::make_unique<testutil::child_process>(
        binary, std::vector<std::string>{"-config.file=" + config,
                                         "-server.http-listen-port=" + std::to_string(port_),
                                         "-common.path-prefix=" + dir_, "-auth.enabled=true",
                                         "-limits-config.discover-service-name=",
                                         // The data is days old and all in memory.
                                         "-querier.query-ingesters-within=0",
                                         "-log.level=warn"});
    auto r = testutil::wait_for_status_200(port_, "/ready", std::chrono::seconds{15});
    if (r.status != 200) {
      std::cerr << "skald did not become ready: " << proc_->output() << "\n";
      return false;
    }
    const int64_t day = 86'400'000'000'000;
    auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    base_ = (now / day - 3) * day;
    return true;
  }

  result<query_result> query(const eval_case& c,
                             const std::vector<std::pair<model::label_set, model::entry>>& data) {
    int64_t shift = base_;
    if (!c.instant && c.step > 0)
      shift = (base_ / c.step) * c.step - (((c.t0 % c.step) + c.step) % c.step);
    std::string tenant = "conformance-" + std::to_string(++seq_);
    testutil::http_client cl{port_};
    if (!data.empty()) {
      auto body = push_body(data, shift);
      auto r = cl.request("POST", "/loki/api/v1/push", body,
                          {{"Content-Type", "application/json"}, {"X-Scope-OrgID", tenant}});
      if (r.status != 204)
        return status{errc::internal,
                      "push answered " + std::to_string(r.status) + ": " + r.body};
    }
    std::string target;
    if (c.instant)
      target = "/loki/api/v1/query?query=" + enc(c.query) + "&time=" + std::to_string(shift + c.t0);
    else
      target = "/loki/api/v1/query_range?query=" + enc(c.query) +
               "&start=" + std::to_string(shift + c.t0) + "&end=" + std::to_string(shift + c.t1) +
               "&step=" + format_float(static_cast<double>(c.step) / 1e9);
    auto r = cl.request("GET", target, {}, {{"X-Scope-OrgID", tenant}});
    if (r.status != 200) {
      std::string msg = r.body;
      while (!msg.empty() && msg.back() == '\n')
        msg.pop_back();
      return status{errc::invalid_argument, msg};
    }
    return decode(r.body, c, shift);
  }

private:
  static std::string enc(const std::string& s) {
    std::string out;
    for (unsigned char ch : s) {
      if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
        out.push_back(static_cast<char>(ch));
      } else {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%%%02X", ch);
        out += buf;
      }
    }
    return out;
  }

  static std::string push_body(const std::vector<std::pair<model::label_set, model::entry>>& data,
                               int64_t shift) {
    std::map<std::string, std::pair<model::label_set, std::vector<const model::entry*>>> by;
    for (const auto& [ls, e] : data) {
      auto& slot = by[model::canonical_string(ls)];
      slot.first = ls;
      slot.second.push_back(&e);
    }
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    w.StartObject();
    w.Key("streams");
    w.StartArray();
    for (auto& [key, v] : by) {
      std::stable_sort(v.second.begin(), v.second.end(),
                       [](const model::entry* a, const model::entry* b) { return a->ts < b->ts; });
      w.StartObject();
      w.Key("stream");
      w.StartObject();
      for (const auto& l : v.first) {
        w.Key(l.name.c_str(), static_cast<rapidjson::SizeType>(l.name.size()));
        w.String(l.value.c_str(), static_cast<rapidjson::SizeType>(l.value.size()));
      }
      w.EndObject();
      w.Key("values");
      w.StartArray();
      for (const auto* e : v.second) {
        w.StartArray();
        w.String(std::to_string(e->ts + shift).c_str());
        w.String(e->line.c_str(), static_cast<rapidjson::SizeType>(e->line.size()));
        if (!e->metadata.empty()) {
          w.StartObject();
          for (const auto& l : e->metadata) {
            w.Key(l.name.c_str(), static_cast<rapidjson::SizeType>(l.name.size()));
            w.String(l.value.c_str(), static_cast<rapidjson::SizeType>(l.value.size()));
          }
          w.EndObject();
        }
        w.EndArray();
      }
      w.EndArray();
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    return std::string{sb.GetString(), sb.GetSize()};
  }

  static model::label_set labels_of(const rapidjson::Value& obj) {
    model::label_set ls;
    for (const auto& m : obj.GetObject())
      ls.push_back(model::label{m.name.GetString(), m.value.GetString()});
    std::sort(ls.begin(), ls.end());
    return ls;
  }

  /// Prometheus model.Time seconds (a JSON number) to ns, minus the shift.
  static int64_t time_of(const rapidjson::Value& v, int64_t shift) {
    double secs = v.GetDouble();
    auto ms = static_cast<int64_t>(std::llround(secs * 1000.0));
    return ms * 1'000'000 - shift;
  }

  static result<query_result> decode(const std::string& body, const eval_case& c, int64_t shift) {
    rapidjson::Document d;
    d.Parse(body.c_str());
    if (d.HasParseError() || !d.IsObject() || !d.HasMember("data"))
      return status{errc::internal, "bad JSON answer: " + body};
    const auto& data = d["data"];
    std::string type = data["resultType"].GetString();
    const auto& res = data["result"];
    query_result out;
    out.t_ns = c.t0;
    if (type == "vector") {
      out.type = result_type::vector;
      for (const auto& s : res.GetArray())
        out.vector.push_back(vector_sample{labels_of(s["metric"]),
                                           std::strtod(s["value"][1].GetString(), nullptr)});
    } else if (type == "matrix") {
      out.type = result_type::matrix;
      for (const auto& s : res.GetArray()) {
        series se;
        se.labels = labels_of(s["metric"]);
        for (const auto& p : s["values"].GetArray()) {
          auto t = time_of(p[0], shift);
          if (t < c.t0 || t > c.t1)
            continue; // the end alignment's extra point
          se.points.push_back(sample_point{t, std::strtod(p[1].GetString(), nullptr)});
        }
        out.matrix.push_back(std::move(se));
      }
    } else if (type == "scalar") {
      out.type = result_type::scalar;
      out.scalar = std::strtod(res[1].GetString(), nullptr);
    } else {
      out.type = result_type::streams;
    }
    return out;
  }

  std::unique_ptr<testutil::child_process> proc_;
  uint16_t port_ = 0;
  std::string dir_;
  int64_t base_ = 0;
  int seq_ = 0;
};

class runner {
public:
  /// Set: every case runs through this live node (--http).
  std::unique_ptr<http_backend> http;
  std::set<std::string> skip_ids;
  std::map<std::string, std::string> skip_reason;
  bool quiet = false;
  bool roundtrip = false;  // evaluate to_string(parse(q)) instead of q
  int passed = 0, failed = 0, skipped = 0;
  std::vector<std::string> passed_ids, failed_ids;

  void run_file(const fs::path& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);)
      lines.push_back(l);
    std::string fname = path.filename().string();
    memory_source src;
    size_t i = 0;
    while (i < lines.size()) {
      std::string t = strip_comment(lines[i]);
      if (t.empty()) {
        ++i;
        continue;
      }
      if (t == "clear") {
        src.clear();
        loaded_.clear();
        ++i;
        continue;
      }
      if (t == "load") {
        ++i;
        while (i < lines.size() && !lines[i].empty() && std::isspace(static_cast<unsigned char>(lines[i][0]))) {
          std::string body = strip_comment(lines[i]);
          if (!body.empty() && !load_line(src, body))
            std::cerr << fname << ":" << i + 1 << ": cannot parse load line: " << lines[i] << "\n";
          ++i;
        }
        continue;
      }
      if (t.rfind("eval ", 0) == 0) {
        eval_case c;
        c.file = fname;
        c.line = static_cast<int>(i + 1);
        c.id = fname + ":" + std::to_string(c.line);
        bool ok = parse_eval_header(lines[i], c);
        ++i;
        while (i < lines.size() && !lines[i].empty() && std::isspace(static_cast<unsigned char>(lines[i][0]))) {
          std::string body = strip_comment(lines[i]);
          if (!body.empty()) {
            c.raw_expected.push_back(body);
            parse_expected(body, c);
          }
          ++i;
        }
        if (!ok)
          c.parse_problem = "cannot parse eval header";
        run_case(src, c);
        continue;
      }
      ++i;
    }
  }

private:
  /// What the script loaded since the last clear (for --http).
  std::vector<std::pair<model::label_set, model::entry>> loaded_;

  bool load_line(memory_source& src, const std::string& body) {
    size_t pos = 0;
    auto labels = parse_labels(body, pos);
    if (!labels)
      return false;
    while (pos < body.size() && std::isspace(static_cast<unsigned char>(body[pos])))
      ++pos;
    if (pos >= body.size() || (body[pos] != '"' && body[pos] != '`'))
      return false;
    char q = body[pos];
    size_t ls = ++pos;
    while (pos < body.size() && body[pos] != q) {
      if (q == '"' && body[pos] == '\\')
        ++pos;
      ++pos;
    }
    if (pos >= body.size())
      return false;
    std::string line = body.substr(ls, pos - ls);
    ++pos;
    std::istringstream rest(body.substr(pos));
    std::string at, start_s;
    rest >> at >> start_s;
    if (at != "@")
      return false;
    auto start = parse_dur(start_s);
    if (!start)
      return false;
    int64_t step = 0;
    long count = 1;
    model::label_set md;
    std::string remainder;
    std::getline(rest, remainder);
    remainder = trim(remainder);
    while (!remainder.empty() && remainder[0] == '[') {
      size_t close = remainder.find(']');
      // The metadata block may hold ']' inside quotes; find the real close.
      {
        char qq = 0;
        for (size_t k = 1; k < remainder.size(); ++k) {
          char c = remainder[k];
          if (qq) {
            if (c == '\\') { ++k; continue; }
            if (c == qq) qq = 0;
            continue;
          }
          if (c == '"') qq = c;
          else if (c == ']') { close = k; break; }
        }
      }
      if (close == std::string::npos)
        return false;
      std::string inner = trim(remainder.substr(1, close - 1));
      remainder = trim(remainder.substr(close + 1));
      if (inner.rfind("repeat", 0) == 0) {
        std::istringstream rs(inner);
        std::string w1, w2, st, w3, cnt;
        rs >> w1 >> w2 >> st >> w3 >> cnt;
        auto d = parse_dur(st);
        if (w2 != "every" || w3 != "for" || !d)
          return false;
        step = *d;
        char* end = nullptr;
        count = std::strtol(cnt.c_str(), &end, 10);
        if (cnt.empty() || *end != 0 || count < 0)
          return false;
      } else if (inner.rfind("metadata", 0) == 0) {
        std::string kv = inner.substr(8);
        size_t p = 0;
        while (p < kv.size()) {
          while (p < kv.size() && std::isspace(static_cast<unsigned char>(kv[p])))
            ++p;
          if (p >= kv.size())
            break;
          std::string key;
          if (kv[p] == '"') {
            if (!read_quoted(kv, p, key))
              return false;
          } else {
            size_t ks = p;
            while (p < kv.size() && kv[p] != '=')
              ++p;
            key = trim(kv.substr(ks, p - ks));
          }
          if (p >= kv.size() || kv[p] != '=')
            return false;
          ++p;
          std::string value;
          if (!read_quoted(kv, p, value))
            return false;
          md.push_back({key, std::move(value)});
        }
        std::stable_sort(md.begin(), md.end(),
                         [](const model::label& a, const model::label& b) { return a.name < b.name; });
      } else {
        return false;
      }
    }
    for (long k = 0; k < count; ++k) {
      model::entry e;
      e.ts = *start + step * k;
      std::string l = line;
      for (size_t p = l.find("{{.i}}"); p != std::string::npos; p = l.find("{{.i}}"))
        l.replace(p, 6, std::to_string(k));
      e.line = std::move(l);
      e.metadata = md;
      if (http)
        loaded_.emplace_back(*labels, e);
      src.add(*labels, std::move(e));
    }
    return true;
  }

  bool parse_eval_header(const std::string& line, eval_case& c) {
    std::istringstream in(line);
    std::string w, kind;
    in >> w >> kind;
    if (kind == "instant") {
      std::string at, t;
      in >> at >> t;
      auto d = parse_dur(t);
      if (at != "at" || !d)
        return false;
      c.instant = true;
      c.t0 = c.t1 = *d;
    } else if (kind == "range") {
      std::string from, t0, to, t1, step, s;
      in >> from >> t0 >> to >> t1 >> step >> s;
      auto a = parse_dur(t0), b = parse_dur(t1), st = parse_dur(s);
      if (from != "from" || to != "to" || step != "step" || !a || !b || !st)
        return false;
      c.instant = false;
      c.t0 = *a;
      c.t1 = *b;
      c.step = *st;
    } else {
      return false;
    }
    std::string rest;
    std::getline(in, rest);
    c.query = trim(rest);
    return true;
  }

  void parse_expected(const std::string& body, eval_case& c) {
    if (body == "expect empty") {
      c.expect_empty = true;
      return;
    }
    if (body == "expect ordered") {
      c.ordered = true;
      return;
    }
    if (body.rfind("expect fail", 0) == 0) {
      c.expect_fail = true;
      std::string rest = trim(body.substr(11));
      if (rest.rfind("msg:", 0) == 0)
        c.fail_msg = trim(rest.substr(4));
      else if (rest.rfind("regex:", 0) == 0)
        c.fail_regex = trim(rest.substr(6));
      return;
    }
    if (body.rfind("skip ", 0) == 0)
      return;
    if (body[0] == '{') {
      size_t pos = 0;
      auto ls = parse_labels(body, pos);
      if (!ls) {
        c.parse_problem = "cannot parse expected labels: " + body;
        return;
      }
      expected_series es;
      es.labels = std::move(*ls);
      std::istringstream vs(body.substr(pos));
      for (std::string tok; vs >> tok;)
        if (!expand_values(tok, es.values))
          c.parse_problem = "cannot parse value " + tok;
      c.series.push_back(std::move(es));
      return;
    }
    double v;
    if (parse_number(trim(body), v)) {
      c.scalar = v;
      return;
    }
    c.parse_problem = "cannot parse expected line: " + body;
  }

  void report(const eval_case& c, const std::string& got, const std::string& why) {
    ++failed;
    failed_ids.push_back(c.id);
    if (quiet)
      return;
    std::cout << "FAIL " << c.id << ": " << why << "\n  query:    " << c.query << "\n  expected:";
    if (c.raw_expected.empty())
      std::cout << " (nothing)\n";
    else
      std::cout << "\n";
    for (const auto& e : c.raw_expected)
      std::cout << "    " << e << "\n";
    std::cout << "  got:\n" << got << "\n";
  }

  void run_case(memory_source& src, const eval_case& c) {
    if (skip_ids.count(c.id)) {
      ++skipped;
      if (!quiet)
        std::cout << "SKIP " << c.id << ": " << skip_reason[c.id] << "\n";
      return;
    }
    if (!c.parse_problem.empty()) {
      report(c, "", c.parse_problem);
      return;
    }
    auto e = parse(c.query);
    if (roundtrip && e.ok()) {
      std::string canonical = e->to_string();
      auto again = parse(canonical);
      if (!again.ok()) {
        report(c, "    canonical form: " + canonical + "\n    error: " + again.error().message(),
               "to_string() output does not parse");
        return;
      }
      if (again->to_string() != canonical) {
        report(c, "    " + canonical + "\n    " + again->to_string(), "to_string() is not stable");
        return;
      }
      e = std::move(again);
    }
    engine eng(src);
    query_params p;
    p.start_ns = c.t0;
    p.end_ns = c.t1;
    p.step_ns = c.instant ? 0 : c.step;
    result<query_result> r = e ? (http ? http->query(c, loaded_) : eng.query(*e, p))
                               : result<query_result>(e.error());
    if (!r) {
      const std::string& msg = r.error().message();
      if (!c.expect_fail) {
        report(c, "    error: " + msg, "unexpected failure");
        return;
      }
      if (!c.fail_msg.empty() && msg.find(c.fail_msg) == std::string::npos) {
        report(c, "    error: " + msg, "error message does not contain \"" + c.fail_msg + "\"");
        return;
      }
      if (!c.fail_regex.empty() && !RE2::PartialMatch(msg, RE2(c.fail_regex))) {
        report(c, "    error: " + msg, "error message does not match regex");
        return;
      }
      pass(c);
      return;
    }
    const query_result& res = *r;
    std::string got = render(res, c);
    if (c.expect_fail) {
      report(c, got, "expected a failure");
      return;
    }
    if (res.type == result_type::streams) {
      report(c, got, "log queries are not covered by this format");
      return;
    }
    if (c.scalar) {
      if (res.type != result_type::scalar || !almost_equal(res.scalar, *c.scalar))
        report(c, got, "scalar mismatch");
      else
        pass(c);
      return;
    }
    if (c.expect_empty) {
      bool empty = (res.type == result_type::vector && res.vector.empty())
                   || (res.type == result_type::matrix && res.matrix.empty());
      if (!empty)
        report(c, got, "expected an empty result");
      else
        pass(c);
      return;
    }
    if (res.type == result_type::scalar) {
      report(c, got, "got a scalar, expected series");
      return;
    }
    std::string why;
    if (!compare(c, res, why))
      report(c, got, why);
    else
      pass(c);
  }

  void pass(const eval_case& c) {
    ++passed;
    passed_ids.push_back(c.id);
  }

  static std::string render(const query_result& r, const eval_case& c) {
    std::string out;
    switch (r.type) {
      case result_type::scalar: out += "    " + format_float(r.scalar) + "\n"; break;
      case result_type::vector:
        for (const auto& s : r.vector)
          out += "    " + labels_string(s.labels) + " " + format_float(s.v) + "\n";
        break;
      case result_type::matrix:
        for (const auto& s : r.matrix) {
          size_t nsteps = static_cast<size_t>((c.t1 - c.t0) / c.step) + 1;
          std::vector<std::optional<double>> vs(nsteps);
          for (const auto& p : s.points)
            vs[static_cast<size_t>((p.t_ns - c.t0) / c.step)] = p.v;
          out += "    " + labels_string(s.labels) + " " + fmt_values(vs) + "\n";
        }
        break;
      case result_type::streams: out += "    (streams)\n"; break;
    }
    if (out.empty())
      out = "    (empty)\n";
    return out;
  }

  static bool compare(const eval_case& c, const query_result& r, std::string& why) {
    if (r.type == result_type::vector) {
      if (r.vector.size() != c.series.size()) {
        why = "series count " + std::to_string(r.vector.size()) + " != expected " + std::to_string(c.series.size());
        return false;
      }
      std::vector<bool> used(r.vector.size());
      for (size_t i = 0; i < c.series.size(); ++i) {
        const auto& es = c.series[i];
        if (es.values.size() != 1) {
          why = "instant expectation needs one value";
          return false;
        }
        bool found = false;
        for (size_t j = 0; j < r.vector.size(); ++j) {
          if (used[j] || r.vector[j].labels != es.labels)
            continue;
          if (c.ordered && j != i) {
            why = "order differs";
            return false;
          }
          if (!es.values[0] || !almost_equal(r.vector[j].v, *es.values[0])) {
            why = "value differs for " + labels_string(es.labels);
            return false;
          }
          used[j] = true;
          found = true;
          break;
        }
        if (!found) {
          why = "missing series " + labels_string(es.labels);
          return false;
        }
      }
      return true;
    }
    // matrix
    size_t nsteps = static_cast<size_t>((c.t1 - c.t0) / c.step) + 1;
    std::vector<bool> used(r.matrix.size());
    size_t expected_nonempty = 0;
    for (const auto& es : c.series) {
      bool any = std::any_of(es.values.begin(), es.values.end(), [](const auto& v) { return v.has_value(); });
      if (!any)
        continue;
      ++expected_nonempty;
      if (es.values.size() != nsteps) {
        why = "expected " + std::to_string(es.values.size()) + " points, query has " + std::to_string(nsteps) + " steps";
        return false;
      }
      bool found = false;
      for (size_t j = 0; j < r.matrix.size(); ++j) {
        if (used[j] || r.matrix[j].labels != es.labels)
          continue;
        std::vector<std::optional<double>> vs(nsteps);
        for (const auto& p : r.matrix[j].points)
          vs[static_cast<size_t>((p.t_ns - c.t0) / c.step)] = p.v;
        for (size_t k = 0; k < nsteps; ++k) {
          if (vs[k].has_value() != es.values[k].has_value()
              || (vs[k] && !almost_equal(*vs[k], *es.values[k]))) {
            why = "points differ for " + labels_string(es.labels);
            return false;
          }
        }
        used[j] = true;
        found = true;
        break;
      }
      if (!found) {
        why = "missing series " + labels_string(es.labels);
        return false;
      }
    }
    if (expected_nonempty != r.matrix.size()) {
      why = "series count " + std::to_string(r.matrix.size()) + " != expected " + std::to_string(expected_nonempty);
      return false;
    }
    return true;
  }
};

std::vector<std::string> read_lines(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream in(path);
  for (std::string l; std::getline(in, l);) {
    std::string t = trim(l);
    if (!t.empty() && t[0] != '#')
      out.push_back(t);
  }
  return out;
}

} // namespace

int main(int argc, char** argv) {
  runner r;
  std::optional<std::string> ratchet, write_passing;
  std::string http_binary, http_config;
  std::vector<std::string> inputs;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "--skip" || a == "--ratchet" || a == "--write-passing") && i + 1 < argc) {
      std::string v = argv[++i];
      if (a == "--skip") {
        for (const auto& l : read_lines(v)) {
          size_t sp = l.find_first_of(" \t");
          std::string id = l.substr(0, sp);
          r.skip_ids.insert(id);
          r.skip_reason[id] = sp == std::string::npos ? "" : trim(l.substr(sp));
        }
      } else if (a == "--ratchet") {
        ratchet = v;
      } else {
        write_passing = v;
      }
    } else if (a == "--quiet") {
      r.quiet = true;
    } else if (a == "--roundtrip") {
      r.roundtrip = true;
    } else if (a == "--http" && i + 1 < argc) {
      http_binary = argv[++i];
    } else if (a == "--config" && i + 1 < argc) {
      http_config = argv[++i];
    } else {
      inputs.push_back(a);
    }
  }
  if (inputs.empty()) {
    std::cerr << "usage: logqltest_runner [--skip F] [--ratchet F] [--write-passing F] [--quiet] DIR...\n";
    return 2;
  }
  const char* ci = std::getenv("CI");
  bool in_ci = ci && std::string(ci) == "true";
  std::vector<fs::path> files;
  for (const auto& in : inputs) {
    fs::path p(in);
    if (!fs::exists(p)) {
      std::cout << (in_ci ? "ERROR" : "SKIP") << ": conformance data not found at " << in
                << (in_ci ? " (CI=true requires it)" : " (is ../shared checked out?)") << "\n";
      return in_ci ? 1 : 77;
    }
    if (fs::is_directory(p)) {
      for (const auto& de : fs::directory_iterator(p))
        if (de.path().extension() == ".logqltest")
          files.push_back(de.path());
    } else {
      files.push_back(p);
    }
  }
  std::sort(files.begin(), files.end());
  if (!http_binary.empty()) {
    r.http = std::make_unique<http_backend>();
    if (!r.http->start(http_binary, http_config))
      return 1;
  }
  for (const auto& f : files)
    r.run_file(f);
  if (write_passing) {
    std::ofstream out(*write_passing);
    out << "# Conformance cases (file:line) that pass; the ctest ratchet fails if one regresses.\n";
    out << "# Regenerate: logqltest_runner --write-passing tests/logqltest/passing.txt ../shared/testdata/logqltest\n";
    for (const auto& id : r.passed_ids)
      out << id << "\n";
  }
  int rc = r.failed > 0 ? 1 : 0;
  if (ratchet) {
    std::set<std::string> failed(r.failed_ids.begin(), r.failed_ids.end());
    std::set<std::string> passed(r.passed_ids.begin(), r.passed_ids.end());
    int regressions = 0;
    for (const auto& id : read_lines(*ratchet)) {
      if (failed.count(id)) {
        std::cout << "REGRESSION " << id << " was passing and now fails\n";
        ++regressions;
      } else if (!passed.count(id)) {
        std::cout << "REGRESSION " << id << " was passing and did not run\n";
        ++regressions;
      }
    }
    std::cout << "ratchet: " << regressions << " regression(s) against " << *ratchet << "\n";
    rc = regressions > 0 ? 1 : 0;
  }
  if (r.skipped)
    std::cout << r.skipped << " skipped (skip list)\n";
  std::cout << r.passed << " passed, " << r.failed << " failed\n";
  return rc;
}
