#include "runtime/util/status.hpp"

#include <gtest/gtest.h>

namespace skald {
namespace {

TEST(status, default_is_ok) {
  status st;
  EXPECT_TRUE(st.ok());
  EXPECT_EQ(st.to_string(), "ok");
}

TEST(status, error_carries_code_and_message) {
  status st{errc::invalid_argument, "bad"};
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.code(), errc::invalid_argument);
  EXPECT_EQ(st.to_string(), "invalid_argument: bad");
}

TEST(result, holds_value_or_error) {
  result<int> good{42};
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 42);
  result<int> bad{status{errc::not_found, "missing"}};
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), errc::not_found);
}

TEST(result, from_ok_status_is_an_internal_error) {
  result<int> r{status{}};
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), errc::internal);
}

} // namespace
} // namespace skald
