#include "runtime/metrics/registry.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/metrics/fwd.hpp"
#include "runtime/metrics/process.hpp"

namespace skald::metrics {
namespace {

TEST(metrics_registry, renders_a_labelless_counter_at_zero) {
  registry reg;
  reg.counter("skald_things_total", "Things seen.");
  EXPECT_EQ(reg.render(), "# HELP skald_things_total Things seen.\n"
                          "# TYPE skald_things_total counter\n"
                          "skald_things_total 0\n");
}

TEST(metrics_registry, renders_counter_children_sorted_by_label_values) {
  registry reg;
  auto& fam = reg.counter("loki_discarded_samples_total", "Discarded.", {"tenant", "reason"});
  fam.with({"tenant-b", "rate_limited"}).inc(3);
  fam.with({"tenant-a", "line_too_long"}).inc();
  fam.with({"tenant-a", "line_too_long"}).add(1.5);
  EXPECT_EQ(reg.render(),
            "# HELP loki_discarded_samples_total Discarded.\n"
            "# TYPE loki_discarded_samples_total counter\n"
            "loki_discarded_samples_total{tenant=\"tenant-a\",reason=\"line_too_long\"} 2.5\n"
            "loki_discarded_samples_total{tenant=\"tenant-b\",reason=\"rate_limited\"} 3\n");
}

TEST(metrics_registry, family_without_children_renders_nothing) {
  registry reg;
  reg.gauge("skald_empty", "No children yet.", {"tenant"});
  EXPECT_EQ(reg.render(), "");
}

TEST(metrics_registry, renders_gauge_and_families_sorted_by_name) {
  registry reg;
  auto& g = reg.gauge("zz_gauge", "Last.").get();
  g.set(10);
  g.dec();
  g.add(0.25);
  reg.gauge("aa_gauge", "First.").get().set(-2);
  EXPECT_EQ(reg.render(), "# HELP aa_gauge First.\n"
                          "# TYPE aa_gauge gauge\n"
                          "aa_gauge -2\n"
                          "# HELP zz_gauge Last.\n"
                          "# TYPE zz_gauge gauge\n"
                          "zz_gauge 9.25\n");
}

TEST(metrics_registry, renders_histogram_with_cumulative_buckets) {
  registry reg;
  auto& h = reg.histogram("req_seconds", "Latency.", {"route"}, {0.1, 1, 10}).with({"push"});
  h.observe(0.05);
  h.observe(0.1); // le is inclusive
  h.observe(0.5);
  h.observe(20);
  EXPECT_EQ(reg.render(), "# HELP req_seconds Latency.\n"
                          "# TYPE req_seconds histogram\n"
                          "req_seconds_bucket{route=\"push\",le=\"0.1\"} 2\n"
                          "req_seconds_bucket{route=\"push\",le=\"1\"} 3\n"
                          "req_seconds_bucket{route=\"push\",le=\"10\"} 3\n"
                          "req_seconds_bucket{route=\"push\",le=\"+Inf\"} 4\n"
                          "req_seconds_sum{route=\"push\"} 20.65\n"
                          "req_seconds_count{route=\"push\"} 4\n");
}

TEST(metrics_registry, labelless_histogram_has_only_le_label) {
  registry reg;
  reg.histogram("h", "H.", {}, {1}).get().observe(2);
  EXPECT_EQ(reg.render(), "# HELP h H.\n# TYPE h histogram\n"
                          "h_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 1\n"
                          "h_sum 2\nh_count 1\n");
}

TEST(metrics_histogram, bucket_math) {
  auto bounds = std::make_shared<const std::vector<double>>(std::vector<double>{1, 2, 4});
  histogram h{bounds};
  for (double v : {0.0, 1.0, 1.0001, 2.0, 3.0, 4.0, 5.0, std::nan("")})
    h.observe(v);
  EXPECT_EQ(h.bucket_counts(), (std::vector<uint64_t>{2, 2, 2, 2}));
  EXPECT_EQ(h.count(), 8u);
  EXPECT_EQ(exponential_buckets(4, 4, 3), (std::vector<double>{4, 16, 64}));
  EXPECT_EQ(default_duration_buckets().front(), 0.005);
  EXPECT_EQ(default_duration_buckets().back(), 100);
}

TEST(metrics_registry, escapes_label_values_and_help) {
  registry reg;
  reg.counter("c", "Help with \\ and\nnewline \"quotes\" kept.", {"v"})
    .with({"a\"b\\c\nd"})
    .inc();
  EXPECT_EQ(reg.render(), "# HELP c Help with \\\\ and\\nnewline \"quotes\" kept.\n"
                          "# TYPE c counter\n"
                          "c{v=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST(metrics_text, formats_values_like_go) {
  auto fmt = [](double v) {
    std::string s;
    append_value(s, v);
    return s;
  };
  EXPECT_EQ(fmt(0), "0");
  EXPECT_EQ(fmt(1), "1");
  EXPECT_EQ(fmt(0.005), "0.005");
  EXPECT_EQ(fmt(123456), "123456");
  EXPECT_EQ(fmt(1e6), "1e+06");
  EXPECT_EQ(fmt(1048576), "1.048576e+06");
  EXPECT_EQ(fmt(1e-5), "1e-05");
  EXPECT_EQ(fmt(-2.5), "-2.5");
  EXPECT_EQ(fmt(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(fmt(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(fmt(std::nan("")), "NaN");
}

TEST(metrics_registry, children_are_stable_references) {
  registry reg;
  auto& fam = reg.counter("c", "C.", {"k"});
  auto* first = &fam.with({"a"});
  for (int i = 0; i < 1000; ++i)
    fam.with({std::to_string(i)});
  EXPECT_EQ(first, &fam.with({"a"}));
  EXPECT_EQ(first, &fam.with(std::vector<std::string>{"a"}));
}

TEST(metrics_registry, reregistering_returns_the_same_family_or_throws) {
  registry reg;
  auto& a = reg.counter("c", "C.", {"k"});
  EXPECT_EQ(&a, &reg.counter("c", "C.", {"k"}));
  EXPECT_THROW(reg.gauge("c", "C.", {"k"}), std::invalid_argument);
  EXPECT_THROW(reg.counter("c", "C.", {"other"}), std::invalid_argument);
  EXPECT_THROW(a.with({"x", "y"}), std::invalid_argument);
  EXPECT_THROW(reg.histogram("h", "H.", {}, {2, 1}), std::invalid_argument);
  EXPECT_THROW(reg.histogram("h2", "H.", {"le"}), std::invalid_argument);
}

TEST(metrics_registry, concurrent_increments_sum_correctly) {
  registry reg;
  auto& fam = reg.counter("c", "C.", {"k"});
  auto& g = reg.gauge("g", "G.").get();
  auto& h = reg.histogram("h", "H.", {}, {0.5}).get();
  constexpr int threads = 4;
  constexpr int per_thread = 100000;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      auto& mine = fam.with({t % 2 == 0 ? "even" : "odd"});
      for (int i = 0; i < per_thread; ++i) {
        mine.inc();
        fam.with({"shared"}).add(0.5);
        g.add(1);
        h.observe(1);
      }
    });
  for (auto& th : pool)
    th.join();
  EXPECT_EQ(fam.with({"even"}).value(), 2.0 * per_thread);
  EXPECT_EQ(fam.with({"odd"}).value(), 2.0 * per_thread);
  EXPECT_EQ(fam.with({"shared"}).value(), 0.5 * threads * per_thread);
  EXPECT_EQ(g.value(), 1.0 * threads * per_thread);
  EXPECT_EQ(h.count(), uint64_t{threads} * per_thread);
  EXPECT_EQ(h.sum(), 1.0 * threads * per_thread);
}

TEST(metrics_registry, callback_metrics_read_at_render_time) {
  registry reg;
  double v = 1;
  reg.callback("cb", "Callback.", metric_type::gauge, [&v] { return v; });
  v = 42;
  EXPECT_EQ(reg.render(), "# HELP cb Callback.\n# TYPE cb gauge\ncb 42\n");
  EXPECT_THROW(reg.callback("cb", "again", metric_type::gauge, [] { return 0.0; }),
               std::invalid_argument);
}

TEST(metrics_process, reports_plausible_values) {
  registry reg;
  register_process_metrics(reg);
  std::string text = reg.render();
  auto value_of = [&](const std::string& name) {
    auto pos = text.find("\n" + name + " ");
    EXPECT_NE(pos, std::string::npos) << name;
    return std::strtod(text.c_str() + pos + name.size() + 2, nullptr);
  };
  EXPECT_GT(value_of("process_resident_memory_bytes"), 1e5);
  EXPECT_GT(value_of("process_virtual_memory_bytes"), value_of("process_resident_memory_bytes"));
  EXPECT_GE(value_of("process_cpu_seconds_total"), 0);
  EXPECT_GE(value_of("process_open_fds"), 3);
  EXPECT_GE(value_of("process_max_fds"), value_of("process_open_fds"));
  EXPECT_GT(value_of("process_start_time_seconds"), 1.5e9);
  EXPECT_NE(text.find("# TYPE process_cpu_seconds_total counter\n"), std::string::npos);
}

TEST(metrics_process, build_info_is_one_with_labels) {
  registry reg;
  register_build_info(reg, {"0.1.0", "abc123", "main", ""});
  std::string text = reg.render();
  EXPECT_NE(text.find("loki_build_info{version=\"0.1.0\",revision=\"abc123\",branch=\"main\","
                      "goversion=\"" + compiler_version() + "\"} 1\n"),
            std::string::npos)
    << text;
  EXPECT_EQ(compiler_version().rfind("g++ ", 0), 0u);
}

TEST(metrics_registry, default_registry_is_one_instance) {
  EXPECT_EQ(&default_registry(), &default_registry());
}

} // namespace
} // namespace skald::metrics
