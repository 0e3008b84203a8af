#include "runtime/metrics/registry.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace skald::metrics {

namespace {

// Adds `v` to an atomic double with a CAS loop (C++17 has no fetch_add for
// floating types).
void atomic_add(std::atomic<double>& a, double v) noexcept {
  double cur = a.load(std::memory_order_relaxed);
  while (!a.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed,
                                  std::memory_order_relaxed)) {
  }
}

void append_sample(std::string& out, std::string_view name, std::string_view suffix,
                   std::string_view labels, double value) {
  out += name;
  out += suffix;
  if (!labels.empty()) {
    out += '{';
    out += labels;
    out += '}';
  }
  out += ' ';
  append_value(out, value);
  out += '\n';
}

bool same_labels(const family_base& f, const std::vector<std::string>& names) {
  return f.label_names() == names;
}

} // namespace

std::string_view to_string(metric_type t) noexcept {
  switch (t) {
    case metric_type::counter:
      return "counter";
    case metric_type::gauge:
      return "gauge";
    case metric_type::histogram:
      return "histogram";
  }
  return "untyped";
}

// ---- counter, gauge, histogram ----

void counter::add(double v) noexcept {
  if (!(v > 0))
    return;
  double whole = std::floor(v);
  if (whole == v && v < 9.0e15) {
    ints_.fetch_add(static_cast<uint64_t>(v), std::memory_order_relaxed);
    return;
  }
  atomic_add(frac_, v);
}

double counter::value() const noexcept {
  return static_cast<double>(ints_.load(std::memory_order_relaxed))
         + frac_.load(std::memory_order_relaxed);
}

void gauge::add(double v) noexcept {
  atomic_add(value_, v);
}

histogram::histogram(std::shared_ptr<const std::vector<double>> bounds)
  : bounds_(std::move(bounds)),
    counts_(new std::atomic<uint64_t>[bounds_->size() + 1]) {
  for (size_t i = 0; i <= bounds_->size(); ++i)
    counts_[i].store(0, std::memory_order_relaxed);
}

void histogram::observe(double v) noexcept {
  const auto& b = *bounds_;
  // First bound >= v: `le` buckets count observations <= le. NaN goes to +Inf.
  size_t idx = std::isnan(v) ? b.size()
                             : static_cast<size_t>(std::lower_bound(b.begin(), b.end(), v)
                                                   - b.begin());
  counts_[idx].fetch_add(1, std::memory_order_relaxed);
  atomic_add(sum_, v);
}

std::vector<uint64_t> histogram::bucket_counts() const {
  std::vector<uint64_t> res(bounds_->size() + 1);
  for (size_t i = 0; i < res.size(); ++i)
    res[i] = counts_[i].load(std::memory_order_relaxed);
  return res;
}

uint64_t histogram::count() const noexcept {
  uint64_t n = 0;
  for (size_t i = 0; i <= bounds_->size(); ++i)
    n += counts_[i].load(std::memory_order_relaxed);
  return n;
}

std::vector<double> exponential_buckets(double start, double factor, int count) {
  if (count < 1 || start <= 0 || factor <= 1)
    throw std::invalid_argument("exponential_buckets: need count >= 1, start > 0, factor > 1");
  std::vector<double> res;
  res.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i, start *= factor)
    res.push_back(start);
  return res;
}

std::vector<double> default_duration_buckets() {
  return {.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 25, 50, 100};
}

// ---- text format ----

void append_escaped_label_value(std::string& out, std::string_view v) {
  for (char c : v) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
}

void append_escaped_help(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
}

void append_value(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
    return;
  }
  char buf[64];
  // Fast path: counts and most gauges are small integers.
  if (v > -1e6 && v < 1e6 && v == static_cast<double>(static_cast<int64_t>(v))) {
    auto end = std::to_chars(buf, buf + sizeof(buf), static_cast<int64_t>(v)).ptr;
    out.append(buf, end);
    return;
  }
  // Go's 'g' with the shortest precision uses %e when the decimal exponent is
  // < -4 or >= 6 (1e+06, 1.048576e+06, 1e-05), else %f with shortest digits.
  auto sci = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  std::string_view s{buf, static_cast<size_t>(sci.ptr - buf)};
  auto epos = s.find('e');
  const char* exp_begin = s.data() + epos + 1;
  if (*exp_begin == '+')
    ++exp_begin;
  int exp = 0;
  std::from_chars(exp_begin, s.data() + s.size(), exp);
  if (exp < -4 || exp >= 6) {
    out += s;
    return;
  }
  auto fix = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed);
  out.append(buf, fix.ptr);
}

// ---- families ----

family_base::family_base(std::string name, std::string help, metric_type type,
                         std::vector<std::string> label_names)
  : name_(std::move(name)), help_(std::move(help)), type_(type),
    label_names_(std::move(label_names)) {
  for (auto& l : label_names_)
    if (l == "le" && type_ == metric_type::histogram)
      throw std::invalid_argument("histogram " + name_ + " may not use the label name le");
}

family_base::~family_base() = default;

std::string family_base::label_string(const std::vector<std::string>& values) const {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0)
      out += ',';
    out += label_names_[i];
    out += "=\"";
    append_escaped_label_value(out, values[i]);
    out += '"';
  }
  return out;
}

void family_base::render_header(std::string& out) const {
  out += "# HELP ";
  out += name_;
  out += ' ';
  append_escaped_help(out, help_);
  out += "\n# TYPE ";
  out += name_;
  out += ' ';
  out += to_string(type_);
  out += '\n';
}

namespace detail {

void throw_label_count(const std::string& family, size_t want, size_t got) {
  throw std::invalid_argument("metric " + family + ": " + std::to_string(want)
                              + " label values expected, got " + std::to_string(got));
}

void render_child(std::string& out, const std::string& name, const std::string& labels,
                  const counter& c) {
  append_sample(out, name, "", labels, c.value());
}

void render_child(std::string& out, const std::string& name, const std::string& labels,
                  const gauge& g) {
  append_sample(out, name, "", labels, g.value());
}

void render_child(std::string& out, const std::string& name, const std::string& labels,
                  const histogram& h) {
  auto counts = h.bucket_counts();
  const auto& bounds = h.bounds();
  std::string le_labels = labels;
  if (!le_labels.empty())
    le_labels += ',';
  const size_t prefix = le_labels.size();
  uint64_t cumulative = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    cumulative += counts[i];
    le_labels.resize(prefix);
    le_labels += "le=\"";
    if (i < bounds.size())
      append_value(le_labels, bounds[i]);
    else
      le_labels += "+Inf";
    le_labels += '"';
    append_sample(out, name, "_bucket", le_labels, static_cast<double>(cumulative));
  }
  append_sample(out, name, "_sum", labels, h.sum());
  append_sample(out, name, "_count", labels, static_cast<double>(cumulative));
}

} // namespace detail

namespace {

// A label-less family whose value comes from a function at render time.
class callback_family final : public family_base {
public:
  callback_family(std::string name, std::string help, metric_type type, std::function<double()> fn)
    : family_base(std::move(name), std::move(help), type, {}), fn_(std::move(fn)) {}

  void render(std::string& out) const override {
    render_header(out);
    append_sample(out, name(), "", {}, fn_());
  }

private:
  std::function<double()> fn_;
};

} // namespace

// ---- registry ----

registry::registry() = default;
registry::~registry() = default;

template <class F>
F& registry::add(std::unique_ptr<F> fam) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto i = families_.find(fam->name());
  if (i != families_.end()) {
    auto* existing = dynamic_cast<F*>(i->second.get());
    if (existing == nullptr || existing->type() != fam->type()
        || !same_labels(*existing, fam->label_names()))
      throw std::invalid_argument("metric " + fam->name()
                                  + " registered twice with different type or labels");
    return *existing;
  }
  auto& ref = *fam;
  families_.emplace(fam->name(), std::move(fam));
  return ref;
}

counter_family& registry::counter(std::string name, std::string help,
                                  std::vector<std::string> label_names) {
  return add(std::make_unique<counter_family>(std::move(name), std::move(help),
                                              metric_type::counter, std::move(label_names),
                                              [] { return std::make_unique<metrics::counter>(); }));
}

gauge_family& registry::gauge(std::string name, std::string help,
                              std::vector<std::string> label_names) {
  return add(std::make_unique<gauge_family>(std::move(name), std::move(help), metric_type::gauge,
                                            std::move(label_names),
                                            [] { return std::make_unique<metrics::gauge>(); }));
}

histogram_family& registry::histogram(std::string name, std::string help,
                                      std::vector<std::string> label_names,
                                      std::vector<double> bounds) {
  if (bounds.empty())
    bounds = default_duration_buckets();
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]) || (i > 0 && !(bounds[i - 1] < bounds[i])))
      throw std::invalid_argument("histogram " + name
                                  + ": bounds must be finite and strictly increasing");
  }
  auto shared = std::make_shared<const std::vector<double>>(std::move(bounds));
  return add(std::make_unique<histogram_family>(
    std::move(name), std::move(help), metric_type::histogram, std::move(label_names),
    [shared] { return std::make_unique<metrics::histogram>(shared); }));
}

void registry::callback(std::string name, std::string help, metric_type type,
                        std::function<double()> fn) {
  if (type == metric_type::histogram)
    throw std::invalid_argument("callback metric " + name + " must be a counter or a gauge");
  std::lock_guard<std::mutex> guard{mtx_};
  if (families_.count(name) != 0)
    throw std::invalid_argument("metric " + name + " registered twice");
  auto fam = std::make_unique<callback_family>(name, std::move(help), type, std::move(fn));
  families_.emplace(std::move(name), std::move(fam));
}

std::string registry::render() const {
  std::string out;
  std::lock_guard<std::mutex> guard{mtx_};
  out.reserve(families_.size() * 128);
  for (auto& [name, fam] : families_)
    fam->render(out);
  return out;
}

registry& default_registry() {
  static registry instance;
  return instance;
}

} // namespace skald::metrics
