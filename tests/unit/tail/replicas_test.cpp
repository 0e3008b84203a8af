// Unit: what a tailer over the cluster decides (runtime/tail/replicas): the
// ring instances it subscribes to, and the replica filter that lets each
// (stream, timestamp, line) through once however the RF ingesters interleave,
// with bounded memory (expiry by time and by count).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "runtime/tail/replicas.hpp"

namespace skald::tail {
namespace {

constexpr int64_t ms = 1'000'000;
constexpr int64_t s = 1'000 * ms;

TEST(tail_targets, active_and_heartbeating_instances_only) {
  ring::ring_desc d;
  constexpr int64_t now = 1'000'000;
  d.add_instance("ing-1", "h:1", "", {1}, ring::instance_state::active, now - 1'000, 1);
  d.add_instance("ing-2", "h:2", "", {2}, ring::instance_state::joining, now, 1);
  d.add_instance("ing-3", "h:3", "", {3}, ring::instance_state::active, now - 120'000, 1);
  d.add_instance("ing-4", "h:4", "", {4}, ring::instance_state::leaving, now, 1);
  d.add_instance("ing-0", "h:0", "", {5}, ring::instance_state::active, now, 1);
  ring::ring_options opts;
  opts.heartbeat_timeout_ms = 60'000;
  EXPECT_EQ(tail_targets(d, opts, now), (std::vector<std::string>{"ing-0", "ing-1"}));
  EXPECT_TRUE(tail_targets(ring::ring_desc{}, opts, now).empty());
}

TEST(replica_filter, each_entry_passes_once_per_stream_ts_and_line) {
  replica_filter f;
  EXPECT_TRUE(f.first(1, 10, "a", 0));
  EXPECT_FALSE(f.first(1, 10, "a", 1 * ms)); // second replica
  EXPECT_FALSE(f.first(1, 10, "a", 2 * ms)); // third replica
  EXPECT_TRUE(f.first(1, 10, "b", 2 * ms));  // same ts, other line
  EXPECT_TRUE(f.first(2, 10, "a", 2 * ms));  // same line, other stream
  EXPECT_TRUE(f.first(1, 11, "a", 2 * ms));  // same line, other ts
  EXPECT_EQ(f.size(), 4u);
}

TEST(replica_filter, three_interleaved_replicas_of_a_sequence_give_it_once_in_arrival_order) {
  // Three ingesters deliver the same 1000 entries of two streams, each in ts
  // order, interleaved at random (as their tail batches reach the tailer).
  std::vector<std::pair<uint64_t, int64_t>> entries;
  for (int64_t i = 0; i < 500; ++i) {
    entries.emplace_back(7, i);
    entries.emplace_back(9, i / 2); // duplicate timestamps within a stream
  }
  std::mt19937 rng{1};
  std::vector<size_t> next(3, 0);
  replica_filter f;
  std::vector<std::pair<uint64_t, int64_t>> out;
  int64_t now = 0;
  while (next[0] < entries.size() || next[1] < entries.size() || next[2] < entries.size()) {
    size_t r = rng() % 3;
    if (next[r] == entries.size())
      continue;
    const size_t k = next[r]++;
    const auto& [stream, ts] = entries[k];
    now += 1000;
    const auto line = "line " + std::to_string(k); // the same for every replica
    if (f.first(stream, ts, line, now))
      out.emplace_back(stream, ts);
  }
  EXPECT_EQ(out.size(), entries.size()); // each once, none lost
}

TEST(replica_filter, keys_expire_after_the_window) {
  replica_filter f{{/*window_ns=*/1 * s, /*max_keys=*/1000}};
  EXPECT_TRUE(f.first(1, 10, "a", 0));
  EXPECT_FALSE(f.first(1, 10, "a", 1 * s)); // still within the window
  EXPECT_TRUE(f.first(1, 11, "b", 2 * s));  // expires the first key
  EXPECT_EQ(f.size(), 1u);
  EXPECT_TRUE(f.first(1, 10, "a", 2 * s)); // forgotten: passes again
}

TEST(replica_filter, memory_is_bounded_by_max_keys_oldest_forgotten_first) {
  replica_filter f{{/*window_ns=*/3600 * s, /*max_keys=*/100}};
  for (int64_t i = 0; i < 10'000; ++i)
    EXPECT_TRUE(f.first(1, i, "x", i));
  EXPECT_EQ(f.size(), 100u);
  EXPECT_FALSE(f.first(1, 9'999, "x", 10'000)); // recent keys are remembered
  EXPECT_FALSE(f.first(1, 9'900, "x", 10'000));
  EXPECT_TRUE(f.first(1, 0, "x", 10'000)); // the oldest were forgotten
}

} // namespace
} // namespace skald::tail
