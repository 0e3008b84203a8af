// tests/unit/util/thread_priority_test.cpp — set_this_thread_nice changes the
// calling thread only, rejects values outside -20..19, and 0 is a no-op.
#include "runtime/util/thread_priority.hpp"

#include <thread>

#include <gtest/gtest.h>

namespace skald::util {
namespace {

TEST(thread_priority, a_thread_lowers_its_own_priority_and_no_other) {
  const int before = this_thread_nice();
  int inside = -100;
  status st;
  std::thread t([&] {
    st = set_this_thread_nice(before + 3 > 19 ? 19 : before + 3); // always allowed
    inside = this_thread_nice();
  });
  t.join();
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(inside, before + 3 > 19 ? 19 : before + 3);
  EXPECT_EQ(this_thread_nice(), before) << "the calling thread only";
}

TEST(thread_priority, zero_is_a_no_op_and_out_of_range_values_are_refused) {
  const int before = this_thread_nice();
  EXPECT_TRUE(set_this_thread_nice(0).ok());
  EXPECT_EQ(this_thread_nice(), before);
  auto low = set_this_thread_nice(-21);
  EXPECT_EQ(low.code(), errc::invalid_argument);
  EXPECT_EQ(set_this_thread_nice(20).code(), errc::invalid_argument);
  EXPECT_EQ(this_thread_nice(), before);
}

} // namespace
} // namespace skald::util
