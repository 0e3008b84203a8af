// runtime/model/labels.hpp — a stream's label set, the key of everything.
//
// A label_set is a value: a vector of (name, value) pairs kept sorted by name
// with unique names and no empty values (Loki's canonical form, spec §3.1).
// Parsing `{a="b"}` text, the canonical string and the hashes live beside it
// (runtime/model/label_parse.hpp, runtime/model/hash.hpp).
//
// Invariant (for a normalised set): names strictly increasing, values non-empty.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace skald::model {

struct label {
  std::string name;
  std::string value;

  friend bool operator==(const label& a, const label& b) {
    return a.name == b.name && a.value == b.value;
  }
  friend bool operator!=(const label& a, const label& b) { return !(a == b); }
  friend bool operator<(const label& a, const label& b) {
    return a.name != b.name ? a.name < b.name : a.value < b.value;
  }
};

using label_set = std::vector<label>;

/// Sorts by name and drops empty values; for duplicate names the last one wins.
void normalise(label_set& ls);

/// The value of `name`, or an empty view if absent.
std::string_view get(const label_set& ls, std::string_view name);

/// True when a label called `name` is present (Go labels.Has).
bool has(const label_set& ls, std::string_view name);

/// Loki's internal streams (aggregated metrics, patterns): they skip
/// service_name discovery and label validation.
bool is_internal_stream(const label_set& ls);

} // namespace skald::model
