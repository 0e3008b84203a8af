#include "runtime/util/module_graph.hpp"

#include <gtest/gtest.h>

namespace skald {
namespace {

std::vector<module_spec> loki_like_table() {
  return {
    {"server", {}, false},
    {"ring", {"server"}, false},
    {"store", {}, false},
    {"ingester", {"ring", "store", "server"}, false},
    {"distributor", {"ring", "server"}, false},
    {"querier", {"store", "server"}, false},
    {"all", {"distributor", "ingester", "querier"}, true},
  };
}

size_t index_of(const std::vector<std::string>& v, const std::string& x) {
  return static_cast<size_t>(std::find(v.begin(), v.end(), x) - v.begin());
}

TEST(module_graph, all_starts_every_module_after_its_dependencies) {
  auto order = resolve_start_order(loki_like_table(), {"all"});
  ASSERT_TRUE(order.ok()) << order.error().to_string();
  EXPECT_EQ(*order, (std::vector<std::string>{"server", "ring", "store", "ingester",
                                              "distributor", "querier"}));
}

TEST(module_graph, group_modules_are_not_started) {
  auto order = resolve_start_order(loki_like_table(), {"all"});
  ASSERT_TRUE(order.ok());
  EXPECT_EQ(index_of(*order, "all"), order->size());
}

TEST(module_graph, single_role_pulls_in_only_its_dependencies) {
  auto order = resolve_start_order(loki_like_table(), {"distributor"});
  ASSERT_TRUE(order.ok());
  EXPECT_EQ(*order, (std::vector<std::string>{"server", "ring", "distributor"}));
}

TEST(module_graph, comma_list_of_roles_is_a_union) {
  auto order = resolve_start_order(loki_like_table(), split_targets("querier, distributor"));
  ASSERT_TRUE(order.ok());
  EXPECT_EQ(*order, (std::vector<std::string>{"server", "ring", "store", "distributor",
                                              "querier"}));
}

TEST(module_graph, reverse_of_start_order_stops_dependents_first) {
  auto order = resolve_start_order(loki_like_table(), {"all"});
  ASSERT_TRUE(order.ok());
  std::vector<std::string> stop(order->rbegin(), order->rend());
  EXPECT_LT(index_of(stop, "ingester"), index_of(stop, "ring"));
  EXPECT_LT(index_of(stop, "ring"), index_of(stop, "server"));
}

TEST(module_graph, unknown_target_is_named_in_the_error) {
  auto order = resolve_start_order(loki_like_table(), {"compactor"});
  ASSERT_FALSE(order.ok());
  EXPECT_EQ(order.error().message(), "unrecognised module name: compactor");
}

TEST(module_graph, unknown_dependency_is_an_error) {
  std::vector<module_spec> table{{"a", {"missing"}, false}};
  auto order = resolve_start_order(table, {"a"});
  ASSERT_FALSE(order.ok());
  EXPECT_EQ(order.error().message(), "unrecognised module name: missing");
}

TEST(module_graph, cycle_is_an_error) {
  std::vector<module_spec> table{{"a", {"b"}, false}, {"b", {"a"}, false}};
  auto order = resolve_start_order(table, {"a"});
  ASSERT_FALSE(order.ok());
  EXPECT_EQ(order.error().message(), "module dependency cycle");
}

TEST(module_graph, empty_target_is_an_error) {
  EXPECT_FALSE(resolve_start_order(loki_like_table(), {}).ok());
}

TEST(module_graph, split_targets_trims_and_drops_empty_items) {
  EXPECT_EQ(split_targets(" a,b ,, c "), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(split_targets("").empty());
}

} // namespace
} // namespace skald
