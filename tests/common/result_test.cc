#include "common/result.h"

#include <gtest/gtest.h>

namespace v6k {
namespace {

Result<int> parse_positive(int v) {
  if (v <= 0) return fail_invalid("value must be positive, got " + std::to_string(v));
  return v;
}

Result<int> doubled(int v) {
  auto r = parse_positive(v);
  if (!r) return fail(std::move(r.error()).wrap("doubling"));
  return *r * 2;
}

Result<> tried(int v) {
  V6K_TRY(parse_positive(v), "checking input");
  return {};
}

TEST(Result, CarriesValue) { EXPECT_EQ(*doubled(4), 8); }

TEST(Result, WrapsContextOutward) {
  auto r = doubled(-1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "doubling: value must be positive, got -1");
  EXPECT_EQ(r.error().code(), EINVAL);
}

TEST(Result, ErrnoNamesTheError) {
  Error e = Error::from_errno(ENOENT, "opening /nope", "kernel says so");
  EXPECT_EQ(e.message(), "opening /nope: kernel says so: No such file or directory (errno 2)");
}

TEST(Result, TryMacroPropagates) {
  EXPECT_TRUE(tried(1));
  auto r = tried(0);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().what(), "checking input: value must be positive, got 0");
}

}  // namespace
}  // namespace v6k
