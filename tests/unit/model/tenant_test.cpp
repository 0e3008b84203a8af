// X-Scope-OrgID handling (spec §1.2, dskit tenant package).
#include "runtime/model/tenant.hpp"

#include <gtest/gtest.h>

namespace skald::model {
namespace {

TEST(tenant, missing_header_is_401_no_org_id) {
  auto r = tenant_from_org_id("", false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), errc::unauthenticated);
  EXPECT_EQ(r.error().message(), "no org id");
  EXPECT_EQ(tenant_from_org_id("").error().code(), errc::unauthenticated);
}

TEST(tenant, valid_ids_pass) {
  for (std::string_view id : {"fake", "tenant-1", "a_b.c*d'e(f)!", "A9"}) {
    SCOPED_TRACE(id);
    auto r = tenant_from_org_id(id);
    ASSERT_TRUE(r.ok()) << r.error().message();
    EXPECT_EQ(*r, id);
  }
}

TEST(tenant, subtenant_suffix_is_stripped) {
  auto r = tenant_from_org_id("123456:k6");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "123456");
}

TEST(tenant, same_tenant_twice_is_one_tenant) {
  auto r = tenant_from_org_id("a|a:x|a");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "a");
}

TEST(tenant, multiple_tenants_are_rejected_for_push) {
  auto r = tenant_from_org_id("a|b");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), errc::invalid_argument);
  EXPECT_EQ(r.error().message(), "multiple org IDs present");
}

TEST(tenant, invalid_ids_have_dskit_messages) {
  struct c {
    std::string id;
    std::string want;
  };
  const c cases[] = {
      {"a/b", "tenant ID 'a/b' contains unsupported character '/'"},
      {"a b", "tenant ID 'a b' contains unsupported character ' '"},
      {std::string(151, 'x'), "tenant ID is too long: max 150 characters"},
      {".", "tenant ID is '.' or '..'"},
      {"..", "tenant ID is '.' or '..'"},
  };
  for (const auto& k : cases) {
    SCOPED_TRACE(k.id);
    auto st = validate_tenant_id(k.id);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.code(), errc::invalid_argument);
    EXPECT_EQ(st.message(), k.want);
  }
  EXPECT_TRUE(validate_tenant_id(std::string(150, 'x')).ok());
  EXPECT_EQ(tenant_from_org_id("ok|b/d").error().message(), "multiple org IDs present");
  EXPECT_EQ(tenant_from_org_id("b/d|ok").error().message(),
            "tenant ID 'b/d' contains unsupported character '/'");
}

} // namespace
} // namespace skald::model
