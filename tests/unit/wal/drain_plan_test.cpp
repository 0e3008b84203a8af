// runtime/wal/drain_plan: which ring records the drainer writes. The rule
// under test: replaying what was written (entries records, then blocks only
// when contiguous) must reach every counter of every stream; and whatever the
// planner leaves out must be covered by a block written before it.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "runtime/wal/drain_plan.hpp"
#include "runtime/wal/format.hpp"

using namespace skald;
using namespace skald::wal;

namespace {

/// Records of a fake ring, with logical offsets like the real one's.
struct fake_ring {
  std::vector<std::string> bytes;
  std::vector<drain_frame> frames;
  uint64_t next = 1 << 20;

  void add(std::string frame) { bytes.push_back(std::move(frame)); }
  /// Call after the last add(): the views point into `bytes`.
  void seal() {
    frames.clear();
    uint64_t l = next;
    for (const auto& b : bytes) {
      frames.push_back(make_drain_frame(ring_frame{l, b}));
      l += ring_prefix_size + b.size();
    }
  }
  void series(uint64_t id) {
    std::string out;
    append_series(out, id, 1, "t", {});
    add(std::move(out));
  }
  void entries(uint64_t id, uint64_t lo, uint64_t hi) {
    std::vector<std::string> lines;
    std::vector<model::entry_view> es;
    lines.reserve(hi - lo + 1);
    for (uint64_t k = lo; k <= hi; ++k) {
      lines.push_back("line " + std::to_string(k));
      es.push_back(model::entry_view{static_cast<int64_t>(k), lines.back(), nullptr});
    }
    std::string out;
    append_entries(out, id, hi, es.data(), es.size());
    add(std::move(out));
  }
  void block(uint64_t id, uint64_t first, uint64_t last) {
    block_record b;
    b.fingerprint = id;
    b.first = first;
    b.last = last;
    b.runs.push_back(counter_run{0, last - first + 1});
    b.encoding = 3;
    b.min_ts = static_cast<int64_t>(first);
    b.max_ts = static_cast<int64_t>(last);
    b.entries = static_cast<uint32_t>(last - first + 1);
    b.raw_size = 1;
    b.data = "x";
    std::string out;
    append_block(out, b);
    add(std::move(out));
  }
};

struct keyed {
  int type;
  uint64_t id, lo, hi;
  friend bool operator==(const keyed& a, const keyed& b) {
    return a.type == b.type && a.id == b.id && a.lo == b.lo && a.hi == b.hi;
  }
  friend std::ostream& operator<<(std::ostream& os, const keyed& k) {
    return os << "{" << k.type << " id=" << k.id << " " << k.lo << ".." << k.hi << "}";
  }
};

std::vector<keyed> keys(const std::vector<std::string_view>& out) {
  std::vector<keyed> v;
  for (auto f : out) {
    record_keys k;
    EXPECT_TRUE(parse_record_keys(f, k));
    v.push_back(keyed{k.type, k.id, k.lo, k.hi});
  }
  return v;
}

constexpr int S = 1, E = 2, B = 4;

/// One planner round over all of r, draining everything.
struct planned {
  std::vector<keyed> out;
  drain_stats st;
};
planned plan_all(drain_planner& p, const fake_ring& r) {
  std::vector<std::string_view> out;
  planned res;
  p.plan(r.frames, r.frames.size(), out, res.st);
  res.out = keys(out);
  return res;
}

} // namespace

TEST(drain_plan, parses_the_keys_of_each_stream_record) {
  fake_ring r;
  r.series(7);
  r.entries(7, 3, 5);
  r.block(7, 1, 9);
  r.seal();
  record_keys k;
  ASSERT_TRUE(parse_record_keys(r.frames[1].frame, k));
  EXPECT_EQ((keyed{k.type, k.id, k.lo, k.hi}), (keyed{E, 7, 3, 5}));
  ASSERT_TRUE(parse_record_keys(r.frames[2].frame, k));
  EXPECT_EQ((keyed{k.type, k.id, k.lo, k.hi}), (keyed{B, 7, 1, 9}));
  EXPECT_FALSE(parse_record_keys(r.frames[1].frame.substr(0, 12), k));
}

TEST(drain_plan, a_later_block_is_written_in_place_of_the_entries_it_covers) {
  fake_ring r;
  r.series(1);
  r.entries(1, 1, 10);
  r.entries(1, 11, 20);
  r.entries(1, 21, 30);
  r.block(1, 1, 25); // cut during the third push
  r.seal();
  drain_planner p;
  auto [out, st] = plan_all(p, r);
  EXPECT_EQ(out, (std::vector<keyed>{{S, 1, 0, 0}, {B, 1, 1, 25}, {E, 1, 21, 30}}));
  EXPECT_EQ(st.entries_covered, 2u);
  EXPECT_EQ(st.blocks_written, 1u);
  EXPECT_EQ(st.blocks_dropped, 0u);
}

TEST(drain_plan, a_block_that_is_not_contiguous_is_not_written) {
  fake_ring r;
  r.series(1);
  r.entries(1, 1, 10);
  r.entries(1, 11, 20);
  r.block(1, 12, 20); // the block before it (1..11) was never staged
  r.seal();
  drain_planner p;
  auto [out, st] = plan_all(p, r);
  EXPECT_EQ(out, (std::vector<keyed>{{S, 1, 0, 0}, {E, 1, 1, 10}, {E, 1, 11, 20}}));
  EXPECT_EQ(st.blocks_dropped, 1u);
}

TEST(drain_plan, a_block_past_a_gap_is_not_written_at_its_place) {
  fake_ring r;
  r.series(1);
  r.entries(1, 1, 10);
  r.block(1, 15, 20); // 11..14 not written yet: writing it would hide them
  r.entries(1, 11, 20);
  r.seal();
  drain_planner p;
  auto [out, st] = plan_all(p, r);
  EXPECT_EQ(out, (std::vector<keyed>{{S, 1, 0, 0}, {E, 1, 1, 10}, {E, 1, 11, 20}}));
  EXPECT_EQ(st.blocks_dropped, 1u);
}

TEST(drain_plan, an_unknown_stream_is_learnt_from_its_first_entries_record) {
  fake_ring r;
  r.entries(5, 101, 110); // no series record: a stream from before a restart
  r.entries(5, 111, 120);
  r.block(5, 111, 120);
  r.block(5, 90, 100); // stale or redundant
  r.seal();
  drain_planner p;
  auto [out, st] = plan_all(p, r);
  EXPECT_EQ(out, (std::vector<keyed>{{E, 5, 101, 110}, {B, 5, 111, 120}}));
  EXPECT_EQ(st.blocks_dropped, 1u);
}

TEST(drain_plan, lookahead_blocks_written_early_are_passed_over_in_the_next_round) {
  fake_ring r;
  r.series(1);
  r.entries(1, 1, 10);
  r.entries(1, 11, 20);
  r.block(1, 1, 15);
  r.entries(1, 21, 30);
  r.seal();
  drain_planner p;
  std::vector<std::string_view> out;
  drain_stats st;
  p.plan(r.frames, 2, out, st); // drains series and 1..10; the block is lookahead
  EXPECT_EQ(keys(out), (std::vector<keyed>{{S, 1, 0, 0}, {B, 1, 1, 15}}));
  // Next round: the ring from the third record on.
  std::vector<drain_frame> rest(r.frames.begin() + 2, r.frames.end());
  out.clear();
  p.plan(rest, rest.size(), out, st);
  EXPECT_EQ(keys(out), (std::vector<keyed>{{E, 1, 11, 20}, {E, 1, 21, 30}}));
  EXPECT_EQ(st.blocks_written, 1u);
  EXPECT_EQ(st.entries_covered, 1u);
}

TEST(drain_plan, after_reset_everything_is_written_as_it_is) {
  fake_ring r;
  r.series(1);
  r.entries(1, 1, 10);
  r.seal();
  drain_planner p;
  plan_all(p, r);
  p.reset();
  fake_ring r2;
  r2.next = r.frames.back().logical + 100;
  r2.entries(1, 11, 20);
  r2.block(1, 1, 20);
  r2.entries(1, 21, 30);
  r2.seal();
  // 11..20 is written (the planner no longer knows 1..10 went out); the
  // block then is redundant up to 20 but extends nothing: dropped.
  EXPECT_EQ(plan_all(p, r2).out, (std::vector<keyed>{{E, 1, 11, 20}, {E, 1, 21, 30}}));
}

TEST(drain_plan, a_new_incarnation_starts_from_its_series_record) {
  fake_ring r;
  r.series(3);
  r.entries(3, 1, 50);
  r.series(3); // re-created after a restart: counters start again
  r.entries(3, 1, 10);
  r.block(3, 1, 10);
  r.seal();
  drain_planner p;
  EXPECT_EQ(plan_all(p, r).out,
            (std::vector<keyed>{{S, 3, 0, 0}, {E, 3, 1, 50}, {S, 3, 0, 0}, {B, 3, 1, 10}}));
}

// Random rings: several streams, pushes of random sizes, blocks cut at random
// counters (in cut order, right after the push's entries record or, when the
// block ends in that push, right before it: the stream may apply before the
// tenant logs), 1 in 6 never staged; drained in random rounds with random
// lookahead, some rounds failing (output discarded, reset()). Replaying the
// output (blocks only where contiguous) must reach every counter, gap-free.
TEST(drain_plan, random_rings_replay_every_counter) {
  uint64_t covered = 0;
  for (uint32_t seed = 1; seed <= 500; ++seed) {
    std::mt19937 rng{seed};
    auto pick = [&](uint64_t lo, uint64_t hi) {
      return std::uniform_int_distribution<uint64_t>{lo, hi}(rng);
    };
    const uint64_t streams = pick(1, 4);
    fake_ring r;
    std::map<uint64_t, uint64_t> counter, cut;
    for (uint64_t s = 1; s <= streams; ++s)
      r.series(s);
    const uint64_t pushes = pick(5, 80);
    for (uint64_t i = 0; i < pushes; ++i) {
      const uint64_t s = pick(1, streams);
      const uint64_t before = counter[s];
      counter[s] += pick(1, 8);
      bool block = pick(0, 1) == 0 && counter[s] > cut[s];
      uint64_t first = cut[s] + 1, end = 0;
      if (block) {
        end = pick(cut[s] + 1, counter[s]);
        cut[s] = end;
        block = pick(0, 5) != 0;
      }
      const bool block_first = block && end > before && pick(0, 1) == 0;
      if (block_first)
        r.block(s, first, end);
      r.entries(s, before + 1, counter[s]);
      if (block && !block_first)
        r.block(s, first, end);
    }
    r.seal();

    drain_planner p;
    drain_stats st;
    std::vector<std::string_view> written, out;
    size_t pos = 0;
    while (pos < r.frames.size()) {
      const size_t upto = pick(pos + 1, r.frames.size());
      const size_t n = pick(1, upto - pos);
      std::vector<drain_frame> round(r.frames.begin() + static_cast<std::ptrdiff_t>(pos),
                                     r.frames.begin() + static_cast<std::ptrdiff_t>(upto));
      out.clear();
      p.plan(round, n, out, st);
      if (pick(0, 9) == 0) {
        p.reset(); // the write failed: nothing of it counts, the round is redone
        continue;
      }
      written.insert(written.end(), out.begin(), out.end());
      pos += n;
    }

    std::map<uint64_t, uint64_t> floor;
    for (const auto& k : keys(written)) {
      auto& f = floor[k.id];
      if (k.type == E) {
        ASSERT_LE(k.lo, f + 1) << "seed " << seed << ": entries " << k << " after a gap at " << f;
        f = std::max(f, k.hi);
      } else if (k.type == B && k.hi > f && k.lo <= f + 1) {
        f = k.hi;
      }
    }
    for (uint64_t s = 1; s <= streams; ++s)
      ASSERT_EQ(floor[s], counter[s]) << "seed " << seed << " stream " << s;
    covered += st.entries_covered;
  }
  EXPECT_GT(covered, 1000u); // the planner did leave records out
}
