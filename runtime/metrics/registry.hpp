// runtime/metrics/registry.hpp — Prometheus metrics: counters, gauges,
// histograms, grouped in labelled families, rendered as text format 0.0.4.
//
// A registry owns families by name; a family owns its children, one per tuple
// of label values, created on demand by with(). Components take a registry&
// (tests make their own); the node uses default_registry(). Metric names follow
// Loki's (loki_request_duration_seconds, ...) so Loki's dashboards work.
//
// Owner: whoever made the registry (the node's main for the default one). A
// family and every child live as long as the registry and never move, so
// callers look a child up once and cache the reference.
//
// Threading: everything is thread-safe. Hot path (inc/add/set/observe on a
// child) is relaxed atomics only, no locks. with() takes the family's lock
// (shared for a lookup, exclusive to create); registering a family and
// render() take the registry's lock. render() may run concurrently with
// updates; it sees each value atomically, not a snapshot across values.
//
// Invariants:
//   (1) families are rendered sorted by name, children by label values, so the
//       output is deterministic for a given state.
//   (2) a family without label names has exactly one child, created with it.
//   (3) histogram bounds are strictly increasing and finite; +Inf is implicit.
// Programming errors (wrong label count, a name registered twice with another
// type or labels, bad bounds) throw std::invalid_argument: they are bugs found
// at start-up, never input errors.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace skald::metrics {

enum class metric_type { counter, gauge, histogram };

std::string_view to_string(metric_type t) noexcept;

/// A value that only goes up. Integer increments are one fetch_add; fractional
/// adds go through a CAS loop on a separate double.
class counter {
public:
  void inc(uint64_t n = 1) noexcept { ints_.fetch_add(n, std::memory_order_relaxed); }
  /// REQUIRES: v >= 0 (negative values are ignored).
  void add(double v) noexcept;
  double value() const noexcept;

private:
  std::atomic<uint64_t> ints_{0};
  std::atomic<double> frac_{0.0};
};

/// A value that goes up and down.
class gauge {
public:
  void set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
  void add(double v) noexcept;
  void sub(double v) noexcept { add(-v); }
  void inc() noexcept { add(1.0); }
  void dec() noexcept { add(-1.0); }
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

private:
  std::atomic<double> value_{0.0};
};

/// Observations counted in buckets with upper bounds `le` (cumulative when
/// rendered), plus their sum. The count is the sum of the bucket counts, so
/// _count always equals the +Inf bucket.
class histogram {
public:
  /// `bounds` is shared by all children of one family.
  explicit histogram(std::shared_ptr<const std::vector<double>> bounds);

  void observe(double v) noexcept;

  /// Per-bucket (non-cumulative) counts; the last one is +Inf.
  std::vector<uint64_t> bucket_counts() const;
  uint64_t count() const noexcept;
  double sum() const noexcept { return sum_.load(std::memory_order_relaxed); }
  const std::vector<double>& bounds() const noexcept { return *bounds_; }

private:
  std::shared_ptr<const std::vector<double>> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_; // bounds_->size() + 1
  std::atomic<double> sum_{0.0};
};

/// Buckets `start, start*factor, ...` (count of them), like Go's ExponentialBuckets.
std::vector<double> exponential_buckets(double start, double factor, int count);

/// dskit's instrument.DefBuckets (Loki's request-duration buckets), 5 ms .. 100 s.
std::vector<double> default_duration_buckets();

/// Type-independent part of a family, as the registry sees it.
class family_base {
public:
  family_base(std::string name, std::string help, metric_type type,
              std::vector<std::string> label_names);
  virtual ~family_base();
  family_base(const family_base&) = delete;
  family_base& operator=(const family_base&) = delete;

  const std::string& name() const noexcept { return name_; }
  const std::string& help() const noexcept { return help_; }
  metric_type type() const noexcept { return type_; }
  const std::vector<std::string>& label_names() const noexcept { return label_names_; }

  /// Appends this family's samples (with # HELP and # TYPE) to `out`; appends
  /// nothing when the family has no child yet.
  virtual void render(std::string& out) const = 0;

protected:
  /// `name="value",...` for one tuple of values (escaped, no braces).
  std::string label_string(const std::vector<std::string>& values) const;
  void render_header(std::string& out) const;

private:
  std::string name_;
  std::string help_;
  metric_type type_;
  std::vector<std::string> label_names_;
};

namespace detail {

/// Orders tuples of label values; transparent, so a lookup by string_views
/// allocates nothing.
struct values_less {
  using is_transparent = void;
  template <class A, class B>
  bool operator()(const A& a, const B& b) const {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                        [](std::string_view x, std::string_view y) { return x < y; });
  }
};

void throw_label_count(const std::string& family, size_t want, size_t got);

void render_child(std::string& out, const std::string& name, const std::string& labels,
                  const counter& c);
void render_child(std::string& out, const std::string& name, const std::string& labels,
                  const gauge& g);
void render_child(std::string& out, const std::string& name, const std::string& labels,
                  const histogram& h);

} // namespace detail

/// A family of children of type T (counter, gauge or histogram), one per tuple
/// of label values.
template <class T>
class family final : public family_base {
public:
  using factory = std::function<std::unique_ptr<T>()>;

  family(std::string name, std::string help, metric_type type,
         std::vector<std::string> label_names, factory make)
    : family_base(std::move(name), std::move(help), type, std::move(label_names)),
      make_(std::move(make)) {
    if (this->label_names().empty())
      with({});
  }

  /// The child for these label values (one per label name, in order); created
  /// on first use. The reference stays valid for the registry's lifetime.
  T& with(std::initializer_list<std::string_view> values) {
    return with_range(values);
  }
  T& with(const std::vector<std::string_view>& values) { return with_range(values); }
  T& with(const std::vector<std::string>& values) { return with_range(values); }

  /// The only child of a family without labels.
  T& get() { return with({}); }

  void render(std::string& out) const override {
    std::shared_lock<std::shared_mutex> guard{mtx_};
    if (children_.empty())
      return;
    render_header(out);
    for (auto& [values, child] : children_)
      detail::render_child(out, name(), child.labels, *child.metric);
  }

private:
  struct child {
    std::string labels; // pre-rendered `a="x",b="y"`
    std::unique_ptr<T> metric;
  };

  template <class Range>
  T& with_range(const Range& values) {
    if (values.size() != label_names().size())
      detail::throw_label_count(name(), label_names().size(), values.size());
    {
      std::shared_lock<std::shared_mutex> guard{mtx_};
      if (auto i = children_.find(values); i != children_.end())
        return *i->second.metric;
    }
    std::vector<std::string> key(values.begin(), values.end());
    std::unique_lock<std::shared_mutex> guard{mtx_};
    auto i = children_.find(key);
    if (i == children_.end()) {
      child c{label_string(key), make_()};
      i = children_.emplace(std::move(key), std::move(c)).first;
    }
    return *i->second.metric;
  }

  factory make_;
  mutable std::shared_mutex mtx_;
  std::map<std::vector<std::string>, child, detail::values_less> children_;
};

using counter_family = family<counter>;
using gauge_family = family<gauge>;
using histogram_family = family<histogram>;

/// The set of families one /metrics page shows.
class registry {
public:
  registry();
  ~registry();
  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;

  /// Registers (or returns the existing, identical) family. Throws
  /// std::invalid_argument if `name` exists with another type or labels.
  counter_family& counter(std::string name, std::string help,
                          std::vector<std::string> label_names = {});
  gauge_family& gauge(std::string name, std::string help,
                      std::vector<std::string> label_names = {});
  /// `bounds` must be strictly increasing and finite; empty means
  /// default_duration_buckets().
  histogram_family& histogram(std::string name, std::string help,
                              std::vector<std::string> label_names = {},
                              std::vector<double> bounds = {});

  /// A label-less metric whose value is read by `fn` at render time (process
  /// stats, queue lengths). `type` is counter or gauge. `fn` runs on the thread
  /// that calls render(), under the registry's lock: it must be quick and must
  /// not call back into this registry.
  void callback(std::string name, std::string help, metric_type type,
                std::function<double()> fn);

  /// Text exposition format 0.0.4; serve with content type text_content_type.
  std::string render() const;

  static constexpr std::string_view text_content_type = "text/plain; version=0.0.4; charset=utf-8";

private:
  template <class F>
  F& add(std::unique_ptr<F> fam);

  mutable std::mutex mtx_;
  std::map<std::string, std::unique_ptr<family_base>, std::less<>> families_;
};

/// The process-wide registry served on /metrics.
registry& default_registry();

/// Text format helpers, exposed for tests and other exposition code.
void append_escaped_label_value(std::string& out, std::string_view v);
void append_escaped_help(std::string& out, std::string_view v);
/// Go's strconv.FormatFloat(v, 'g', -1, 64) style: shortest round-trip form,
/// "+Inf", "-Inf", "NaN".
void append_value(std::string& out, double v);

} // namespace skald::metrics
