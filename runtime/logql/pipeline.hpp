// runtime/logql/pipeline.hpp — the log pipeline: label builder, stages, runner.
//
// A pipeline runs the stages of a log selector over one entry at a time
// (spec §2.5). Per entry the label_builder starts from the stream labels and
// the entry's structured metadata; parsers add labels, filters may drop the
// line, formatters rewrite the line or the labels. Failures never abort: a
// stage records `__error__`/`__error_details__` in the builder and the line
// goes on (the evaluator later turns an error left in a result into a query
// failure, as Loki does).
//
// Owner: one pipeline_runner per evaluating thread; stage_impl objects are
// immutable, built by the parser, shared between threads.
// Invariants: a stage never keeps a pointer to a line after process()
// returns; label_builder reuses its storage between entries (no per-line
// allocation once warmed up for pipelines without parsers).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/logql/ast.hpp"
#include "runtime/model/labels.hpp"
#include "runtime/util/status.hpp"

namespace skald::logql {

inline constexpr std::string_view error_label = "__error__";
inline constexpr std::string_view error_details_label = "__error_details__";

/// The labels of one entry while it moves through the pipeline.
class label_builder {
public:
  enum origin : uint8_t { parsed = 0, stream = 1, metadata = 2 };

  /// Starts a new entry: stream labels, then metadata (a metadata name that
  /// is also a stream label goes to `<name>_extracted`).
  void reset(const model::label_set& stream, const model::label_set* metadata);

  /// The value of `name`, or null when absent. `__error__` is not a label here.
  const std::string* get(std::string_view name) const;
  void set(std::string_view name, std::string_view value, origin o = parsed);
  /// A parser's output: a name held by a stream label or metadata is stored
  /// as `<name>_extracted` instead (spec §2.5). Ignored when extraction
  /// hints are set and do not want `name`.
  void set_parsed(std::string_view name, std::string_view value);

  /// Restricts what parsers extract to `hints` (and their `_extracted`
  /// forms); null extracts everything. The vector must outlive the builder's use.
  void set_hints(const std::vector<std::string>* hints) { hints_ = hints; }
  /// True when a parser should extract `name`.
  bool wanted(std::string_view name) const {
    if (!hints_)
      return true;
    for (const auto& h : *hints_) {
      if (h == name)
        return true;
      if (h.size() == name.size() + 10 && h.compare(0, name.size(), name) == 0
          && h.compare(name.size(), 10, "_extracted") == 0)
        return true;
    }
    return false;
  }
  void del(std::string_view name);
  /// Keeps only the labels for which pred(name, value) is true.
  template <class Pred>
  void keep_if(Pred pred) {
    size_t w = 0;
    for (size_t i = 0; i < n_; ++i) {
      if (pred(labels_[i].name, labels_[i].value)) {
        if (w != i)
          std::swap(labels_[w], labels_[i]);
        ++w;
      }
    }
    n_ = w;
  }
  template <class F>
  void for_each(F f) const {
    for (size_t i = 0; i < n_; ++i)
      f(labels_[i].name, labels_[i].value);
  }

  bool has_err() const { return !err_.empty(); }
  const std::string& err() const { return err_; }
  const std::string& err_details() const { return details_; }
  /// Records an error unless one is already set (the first failure owns it).
  void set_err(std::string_view e, std::string_view details);
  void clear_err() { err_.clear(); details_.clear(); }
  void clear_err_details() { details_.clear(); }

  /// Sorted label set including `__error__`/`__error_details__` when set.
  model::label_set labels() const;
  /// A canonical key of labels() for grouping, written into `out`.
  void key(std::string& out) const;

private:
  struct blabel {
    std::string name, value;
    origin o = parsed;
  };
  std::vector<blabel> labels_;
  size_t n_ = 0;
  std::string err_, details_;
  const std::vector<std::string>* hints_ = nullptr;
};

/// What a stage sees and may change for one entry.
class line_state {
public:
  int64_t ts = 0;
  label_builder lbs;

  std::string_view line() const { return line_; }
  void set_source_line(std::string_view l) { line_ = l; }
  /// Replaces the line; `s` may alias the current line.
  void set_line(std::string_view s) {
    auto& b = bufs_[cur_ ^= 1];
    b.assign(s.data(), s.size());
    line_ = b;
  }

private:
  std::string_view line_;
  std::string bufs_[2];
  int cur_ = 0;
};

/// A compiled pipeline stage. process() returns false to drop the line.
class stage_impl {
public:
  virtual ~stage_impl() = default;
  virtual bool process(line_state& st) const = 0;
  /// True when the stage can change labels (parsers, formatters, drop/keep).
  virtual bool touches_labels() const { return true; }
  /// False for stages that look only at the line (line filters, decolorize):
  /// those run before the label builder is filled.
  virtual bool reads_labels() const { return true; }
};

/// Compiled line filter predicate (substring, regexp, pattern, ip).
class line_predicate {
public:
  virtual ~line_predicate() = default;
  virtual bool matches(std::string_view line) const = 0;
};

// Factories used by the parser; errors carry Loki's texts.
result<std::shared_ptr<const stage_impl>> make_line_filter_stage(const line_filter& f);
result<std::shared_ptr<const stage_impl>> make_label_filter_stage(std::shared_ptr<const label_filter> f);
result<std::shared_ptr<const stage_impl>> make_logfmt_stage(
    bool strict, bool keep_empty, const std::vector<std::pair<std::string, std::string>>& params);
result<std::shared_ptr<const stage_impl>> make_json_stage(
    const std::vector<std::pair<std::string, std::string>>& params);
result<std::shared_ptr<const stage_impl>> make_regexp_stage(const std::string& re);
result<std::shared_ptr<const stage_impl>> make_pattern_stage(const std::string& pattern);
result<std::shared_ptr<const stage_impl>> make_unpack_stage();
result<std::shared_ptr<const stage_impl>> make_line_format_stage(const std::string& tmpl);
result<std::shared_ptr<const stage_impl>> make_label_format_stage(const std::vector<label_fmt>& fmts);
result<std::shared_ptr<const stage_impl>> make_decolorize_stage();
result<std::shared_ptr<const stage_impl>> make_drop_stage(const std::vector<label_matcher>& names,
                                                          const std::vector<bool>& name_only);
result<std::shared_ptr<const stage_impl>> make_keep_stage(const std::vector<label_matcher>& names,
                                                          const std::vector<bool>& name_only);

/// Validates an ip() pattern ("ip: invalid pattern") and compiles it.
result<std::shared_ptr<const void>> compile_ip_pattern(const std::string& pattern);
/// Evaluates one label filter tree node against the builder.
bool eval_label_filter(const label_filter& f, line_state& st);

/// Runs the stages of one selector over entries. Not thread-safe; cheap to
/// create, one per evaluation.
class pipeline_runner {
public:
  explicit pipeline_runner(const std::vector<stage>& stages);
  pipeline_runner(const pipeline_runner&) = delete;
  pipeline_runner& operator=(const pipeline_runner&) = delete;

  /// Runs all stages; false when the line was filtered out. On true, the
  /// state holds the final line and labels.
  bool run(int64_t ts, std::string_view line, const model::label_set& stream,
           const model::label_set* metadata);

  line_state& state() { return st_; }
  bool touches_labels() const { return touches_labels_; }
  /// A literal every line run() keeps contains (its first leading `|=`
  /// filter's), or empty: a caller may skip the lines without it.
  std::string_view required_literal() const {
    for (const auto& [needle, negated] : literals_)
      if (!negated)
        return needle;
    return {};
  }

  /// Parsers extract only these labels (Loki's parser label hints); the
  /// caller guarantees nothing downstream reads other parsed labels.
  void set_extraction_hints(std::vector<std::string> hints) {
    hints_ = std::move(hints);
    st_.lbs.set_hints(&hints_);
  }

private:
  std::vector<const stage_impl*> stages_;
  size_t line_only_prefix_ = 0;  // leading stages that never read labels
  /// Leading one-literal `|=` / `!=` filters, run inline (no virtual calls;
  /// live tail runs them on every pushed line): needle and whether negated.
  std::vector<std::pair<std::string, bool>> literals_;
  bool touches_labels_ = false;
  std::vector<std::string> hints_;
  line_state st_;
};

/// Strips ANSI escape sequences (the decolorize stage).
std::string decolorize(std::string_view line);

} // namespace skald::logql
