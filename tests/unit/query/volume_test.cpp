// Unit: index/volume's arithmetic (runtime/query/volume.hpp) — Loki's
// GetFactorOfTime cases, chunk-granular counting with the time factor, a
// chunk present in memory and in the store counted once, aggregation per
// series / per label name with target labels, order and limit, and the
// range form's per-step points.
#include <gtest/gtest.h>

#include "runtime/query/volume.hpp"

namespace skald::query {
namespace {

constexpr int64_t ms = 1'000'000;

TEST(volume, factor_of_time_matches_lokis_cases) {
  EXPECT_DOUBLE_EQ(factor_of_time(10, 20, 10, 20), 1.0); // equal
  EXPECT_DOUBLE_EQ(factor_of_time(10, 20, 5, 15), 0.5);  // 50% overlap on left
  EXPECT_DOUBLE_EQ(factor_of_time(10, 20, 15, 25), 0.5); // 50% overlap on right
  EXPECT_DOUBLE_EQ(factor_of_time(15, 16, 15, 25), 0.1); // 10% overlap on right
  EXPECT_DOUBLE_EQ(factor_of_time(10, 20, 25, 30), 0.0); // no overlap
  EXPECT_DOUBLE_EQ(factor_of_time(10, 20, 12, 12), 1.0); // one-entry chunk inside
  EXPECT_DOUBLE_EQ(factor_of_time(10, 20, 0, 100), 0.1); // chunk wider than the range
}

volume_series series(model::label_set ls, std::vector<volume_chunk> cs) {
  return volume_series{std::move(ls), std::move(cs)};
}

TEST(volume, counts_chunks_by_time_share_and_a_chunk_in_memory_and_store_once) {
  volume_chunk c1{0, 1000, 10, 1000};   // wholly inside [0, 2000]
  volume_chunk c2{1500, 2500, 10, 400}; // half inside
  volume_params p;
  p.start_ns = 0;
  p.end_ns = 2000 * ms;
  auto mem = series({{"app", "a"}}, {c1, c2});
  auto store = series({{"app", "a"}}, {c1}); // c1 flushed, still in memory
  auto r = compute_volume({mem, store}, p);
  ASSERT_EQ(r.type, logql::result_type::vector);
  ASSERT_EQ(r.vector.size(), 1u);
  EXPECT_EQ(r.vector[0].labels, (model::label_set{{"app", "a"}}));
  EXPECT_DOUBLE_EQ(r.vector[0].v, 1200); // 1000 + 400 * 0.5
  EXPECT_EQ(r.t_ns, p.end_ns);
  // After a restart only the store holds the chunk: same figure.
  auto r2 = compute_volume({series({{"app", "a"}}, {c1, c2})}, p);
  EXPECT_DOUBLE_EQ(r2.vector[0].v, 1200);
}

TEST(volume, aggregates_by_target_labels_or_label_names_largest_first_with_limit) {
  std::vector<volume_series> in{
      series({{"app", "a"}, {"env", "prod"}}, {{0, 10, 1, 300}}),
      series({{"app", "b"}, {"env", "prod"}}, {{0, 10, 1, 100}}),
      series({{"app", "a"}, {"env", "dev"}}, {{0, 10, 1, 50}}),
  };
  volume_params p;
  p.start_ns = 0;
  p.end_ns = 100 * ms;
  p.targets = {"app"};
  auto r = compute_volume(in, p);
  ASSERT_EQ(r.vector.size(), 2u);
  EXPECT_EQ(r.vector[0].labels, (model::label_set{{"app", "a"}}));
  EXPECT_DOUBLE_EQ(r.vector[0].v, 350);
  EXPECT_EQ(r.vector[1].labels, (model::label_set{{"app", "b"}}));
  EXPECT_DOUBLE_EQ(r.vector[1].v, 100);
  p.limit = 1;
  EXPECT_EQ(compute_volume(in, p).vector.size(), 1u);
  p.limit = 100;
  p.by_labels = true;
  p.targets = {};
  r = compute_volume(in, p);
  ASSERT_EQ(r.vector.size(), 2u); // {app=""} and {env=""}, 450 each
  for (const auto& v : r.vector) {
    EXPECT_EQ(v.labels.size(), 1u);
    EXPECT_EQ(v.labels[0].value, "");
    EXPECT_DOUBLE_EQ(v.v, 450);
  }
}

TEST(volume, range_points_hold_their_step_interval) {
  // Chunk of one entry at 1 s (1000 bytes) and one spanning 2..4 s.
  std::vector<volume_series> in{
      series({{"app", "a"}}, {{1000, 1000, 1, 1000}, {2000, 4000, 3, 300}})};
  volume_params p;
  p.start_ns = 1000 * ms;
  p.end_ns = 3000 * ms;
  p.step_ns = 1000 * ms;
  auto r = compute_volume(in, p);
  ASSERT_EQ(r.type, logql::result_type::matrix);
  ASSERT_EQ(r.matrix.size(), 1u);
  const auto& pts = r.matrix[0].points;
  ASSERT_EQ(pts.size(), 2u);
  EXPECT_EQ(pts[0].t_ns, 1000 * ms); // (0s, 1s]: the one-entry chunk
  EXPECT_DOUBLE_EQ(pts[0].v, 1000);
  // (1s, 2s]: nothing (the 2..4 s chunk's share of it is 0): no point.
  EXPECT_EQ(pts[1].t_ns, 3000 * ms); // (2s, 3s]: 999 of the chunk's 2000 ms
  EXPECT_DOUBLE_EQ(pts[1].v, 149);
}

TEST(volume, index_stats_count_overlapping_chunks_once_scaled_by_their_share) {
  volume_chunk c1{0, 1000, 10, 1000};
  volume_chunk c2{1500, 2500, 10, 400};
  volume_chunk outside{5000, 6000, 7, 70};
  auto st = compute_index_stats({series({{"app", "a"}}, {c1, c2, outside}),
                                 series({{"app", "a"}}, {c1}), series({{"app", "b"}}, {outside})},
                                0, 2000);
  EXPECT_EQ(st.streams, 1u);
  EXPECT_EQ(st.chunks, 2u);
  EXPECT_EQ(st.entries, 15u); // 10 + 10 * 0.5
  EXPECT_EQ(st.bytes, 1200u);
}

} // namespace
} // namespace skald::query
