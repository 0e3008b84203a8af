// Unit: select_page (runtime/admin/directory) picks exactly the rows a full
// sort_rows + cut_page would, for every sort key and order, at the first,
// middle and last pages and past the end, with many ties (the listing path
// of the actor registry over 100k actors).
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/admin/directory.hpp"

namespace skald::admin {
namespace {

TEST(select_page, matches_a_full_sort_for_every_key_order_and_offset) {
  std::mt19937 rng{7};
  const size_t n = 2000;
  std::vector<actor_row> rows(n);
  for (size_t i = 0; i < n; ++i) {
    auto& r = rows[i];
    r.entry.id = 1000 + (i * 7919) % 100000;               // unique, not in order
    r.entry.name = "stream " + std::to_string(rng() % 50); // many ties
    r.entry.started_ns = static_cast<int64_t>(rng() % 20);
    r.info.mailbox = rng() % 5;
    r.info.handled = rng() % 30;
    r.rate = static_cast<double>(rng() % 4) / 2;
  }
  for (auto key : {sort_key::id, sort_key::name, sort_key::started, sort_key::mailbox,
                   sort_key::rate, sort_key::handled})
    for (bool desc : {false, true})
      for (uint64_t offset : {0ul, 1ul, 977ul, 1950ul, 1999ul, 2000ul, 5000ul})
        for (uint64_t limit : {1ul, 50ul, 1000ul}) {
          actor_query q;
          q.sort = key;
          q.descending = desc;
          q.offset = offset;
          q.limit = limit;
          auto full = rows;
          sort_rows(full, q);
          cut_page(full, q);
          std::vector<uint64_t> want;
          for (const auto& r : full)
            want.push_back(r.entry.id);
          std::vector<sort_item> items(n);
          for (size_t i = 0; i < n; ++i) {
            items[i].id = rows[i].entry.id;
            items[i].name = &rows[i].entry.name;
            items[i].started_ns = rows[i].entry.started_ns;
            items[i].mailbox = rows[i].info.mailbox;
            items[i].handled = rows[i].info.handled;
            items[i].rate = rows[i].rate;
          }
          EXPECT_EQ(select_page(items, q), want) << to_string(key) << (desc ? " desc" : " asc")
                                                 << " offset " << offset << " limit " << limit;
        }
}

} // namespace
} // namespace skald::admin
