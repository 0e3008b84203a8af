// runtime/util/lru_cache.hpp — a bounded least-recently-used map from string
// keys to values, for per-thread caches on hot paths (the push decoder's
// label cache, runtime/push/label_cache.hpp).
//
// Layout: the entries live in one vector (at most `capacity` long, grown on
// demand); an open-addressing table of entry indices (linear probing,
// backward-shift deletion, power-of-two size kept >= 2 x size()) finds
// them by key; a doubly-linked list threaded through the entries by index
// keeps the recency order. A lookup that hits hashes the key (XXH3), probes,
// compares and relinks two indices: no allocation. Eviction moves the last
// entry of the vector into the evicted one's place, so entries stay dense.
//
// Bounds: at most `capacity` entries, and at most `max_cost` units of the
// cost the caller gives each entry (e.g. its bytes): inserting evicts from
// the least recently used end until both hold (the new entry itself is never
// evicted by its own insertion, so one entry may exceed max_cost alone).
//
// Owner: whoever holds it (one per thread or actor). Not thread-safe: no locks.
// Invariants: size() <= capacity(); every entry is in the table exactly once
//   and in the recency list exactly once; total_cost() is the sum of the
//   entries' costs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <xxhash.h>

namespace skald::util {

template <class V>
class lru_cache {
public:
  static constexpr uint32_t npos = std::numeric_limits<uint32_t>::max();

  explicit lru_cache(size_t capacity, size_t max_cost = std::numeric_limits<size_t>::max())
      : capacity_(capacity == 0 ? 1 : static_cast<uint32_t>(capacity)), max_cost_(max_cost) {
    slots_.assign(16, npos);
    mask_ = slots_.size() - 1;
  }

  lru_cache(const lru_cache&) = delete;
  lru_cache& operator=(const lru_cache&) = delete;

  /// The value stored for `key`, marked most recently used; null on a miss.
  /// The pointer stays valid until the next insert or clear.
  V* find(std::string_view key) noexcept {
    auto h = hash(key);
    auto s = find_slot(key, h);
    if (s == npos)
      return nullptr;
    auto i = slots_[s];
    touch(i);
    return &entries_[i].value;
  }

  /// Stores `value` under `key` (which must not be present), evicting least
  /// recently used entries as the bounds require. Returns the stored value.
  V& insert(std::string_view key, V value, size_t cost = 1) {
    while (size_ > 0 && (size_ >= capacity_ || cost_ + cost > max_cost_))
      evict_tail();
    if (2 * (size_ + 1) > slots_.size())
      grow_table();
    auto i = static_cast<uint32_t>(entries_.size());
    auto& e = entries_.emplace_back();
    e.key.assign(key.data(), key.size());
    e.value = std::move(value);
    e.hash = hash(key);
    e.cost = cost;
    cost_ += cost;
    ++size_;
    link_front(i);
    place_slot(i);
    return e.value;
  }

  /// Drops every entry (keeps the table).
  void clear() noexcept {
    for (auto& s : slots_)
      s = npos;
    head_ = tail_ = npos;
    size_ = 0;
    cost_ = 0;
    entries_.clear();
  }

  size_t size() const noexcept { return size_; }
  size_t capacity() const noexcept { return capacity_; }
  size_t total_cost() const noexcept { return cost_; }
  size_t max_cost() const noexcept { return max_cost_; }

  /// Keys from most to least recently used (tests).
  std::vector<std::string> keys_by_recency() const {
    std::vector<std::string> out;
    for (auto i = head_; i != npos; i = entries_[i].next)
      out.push_back(entries_[i].key);
    return out;
  }

private:
  struct entry {
    std::string key;
    V value{};
    uint64_t hash = 0;
    size_t cost = 0;
    uint32_t prev = npos;
    uint32_t next = npos;
  };

  static uint64_t hash(std::string_view key) noexcept {
    return XXH3_64bits(key.data(), key.size());
  }

  uint32_t find_slot(std::string_view key, uint64_t h) const noexcept {
    for (size_t s = h & mask_;; s = (s + 1) & mask_) {
      auto i = slots_[s];
      if (i == npos)
        return npos;
      const auto& e = entries_[i];
      if (e.hash == h && e.key == key)
        return static_cast<uint32_t>(s);
    }
  }

  /// Doubles the table (only while it holds more than half its slots).
  void grow_table() {
    slots_.assign(slots_.size() * 2, npos);
    mask_ = slots_.size() - 1;
    for (uint32_t i = 0; i < entries_.size(); ++i)
      place_slot(i);
  }

  void place_slot(uint32_t i) noexcept {
    size_t s = entries_[i].hash & mask_;
    while (slots_[s] != npos)
      s = (s + 1) & mask_;
    slots_[s] = i;
  }

  /// Removes entry i from the table; backward-shift keeps probe chains whole.
  void erase_slot(uint32_t i) noexcept {
    size_t s = entries_[i].hash & mask_;
    while (slots_[s] != i)
      s = (s + 1) & mask_;
    size_t hole = s;
    for (size_t j = (hole + 1) & mask_; slots_[j] != npos; j = (j + 1) & mask_) {
      size_t home = entries_[slots_[j]].hash & mask_;
      // Move j into the hole unless its home lies cyclically in (hole, j].
      bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
      if (!stays) {
        slots_[hole] = slots_[j];
        hole = j;
      }
    }
    slots_[hole] = npos;
  }

  void unlink(uint32_t i) noexcept {
    auto& e = entries_[i];
    if (e.prev != npos)
      entries_[e.prev].next = e.next;
    else
      head_ = e.next;
    if (e.next != npos)
      entries_[e.next].prev = e.prev;
    else
      tail_ = e.prev;
    e.prev = e.next = npos;
  }

  void link_front(uint32_t i) noexcept {
    auto& e = entries_[i];
    e.prev = npos;
    e.next = head_;
    if (head_ != npos)
      entries_[head_].prev = i;
    head_ = i;
    if (tail_ == npos)
      tail_ = i;
  }

  void touch(uint32_t i) noexcept {
    if (head_ == i)
      return;
    unlink(i);
    link_front(i);
  }

  /// Evicts the least recently used entry and moves the vector's last entry
  /// into its place (indices stay dense).
  void evict_tail() {
    auto i = tail_;
    unlink(i);
    erase_slot(i);
    cost_ -= entries_[i].cost;
    --size_;
    auto last = static_cast<uint32_t>(entries_.size() - 1);
    if (i != last) {
      // Move `last` into i and repoint its table slot and list neighbours.
      size_t s = entries_[last].hash & mask_;
      while (slots_[s] != last)
        s = (s + 1) & mask_;
      slots_[s] = i;
      auto& m = entries_[last];
      if (m.prev != npos)
        entries_[m.prev].next = i;
      else
        head_ = i;
      if (m.next != npos)
        entries_[m.next].prev = i;
      else
        tail_ = i;
      entries_[i] = std::move(m);
    }
    entries_.pop_back();
  }

  uint32_t capacity_;
  size_t max_cost_;
  std::vector<entry> entries_;
  std::vector<uint32_t> slots_;
  size_t mask_ = 0;
  uint32_t head_ = npos; // most recently used
  uint32_t tail_ = npos; // least recently used
  size_t size_ = 0;
  size_t cost_ = 0;
};

} // namespace skald::util
