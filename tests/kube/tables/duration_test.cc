// human_duration against apimachinery's own HumanDuration test table and boundaries,
// plus the RFC 3339 parsing that Ages depend on.
#include <gtest/gtest.h>

#include "tables_test_util.h"

namespace v6k::kube {
namespace {

using namespace std::chrono;

struct DurationCase {
  nanoseconds d;
  const char* want;
};

TEST(HumanDuration, MatchesUpstreamTable) {
  const DurationCase cases[] = {
      {seconds(1), "1s"},
      {seconds(5), "5s"},
      {seconds(70), "70s"},
      {seconds(190), "3m10s"},
      {seconds(200), "3m20s"},
      {minutes(70), "70m"},
      {hours(47), "47h"},
      {hours(49), "2d1h"},
      {hours(2 * 24 + 3), "2d3h"},
      {hours(45 * 24), "45d"},
      {hours(8 * 24 + 2), "8d"},
      {hours(367 * 24), "367d"},
      {hours(365 * 2 * 24 + 25), "2y1d"},
      {hours(365 * 2 * 24 + 100 * 24), "2y100d"},
      {hours(365 * 8 * 24 + 2), "8y"},
  };
  for (const auto& c : cases) EXPECT_EQ(human_duration(c.d), c.want) << c.d.count();
}

TEST(HumanDuration, Boundaries) {
  const nanoseconds ms = milliseconds(1);
  const nanoseconds day = hours(24);
  const nanoseconds year = 365 * day;
  const DurationCase cases[] = {
      {seconds(-2), "<invalid>"},
      {seconds(-2) + nanoseconds(1), "0s"},
      {nanoseconds(0), "0s"},
      {seconds(1) - ms, "0s"},
      {minutes(2) - ms, "119s"},
      {minutes(2), "2m"},
      {minutes(2) + seconds(1), "2m1s"},
      {minutes(10) - ms, "9m59s"},
      {minutes(10), "10m"},
      {minutes(10) + seconds(1), "10m"},
      {hours(3) - ms, "179m"},
      {hours(3), "3h"},
      {hours(3) + minutes(1), "3h1m"},
      {hours(8) - ms, "7h59m"},
      {hours(8), "8h"},
      {hours(8) + minutes(59), "8h"},
      {2 * day - ms, "47h"},
      {2 * day, "2d"},
      {2 * day + hours(1), "2d1h"},
      {8 * day - ms, "7d23h"},
      {8 * day, "8d"},
      {8 * day + hours(23), "8d"},
      {2 * year - ms, "729d"},
      {2 * year, "2y"},
      {2 * year + hours(23) + minutes(59), "2y"},
      {2 * year + day - ms, "2y"},
      {2 * year + day, "2y1d"},
      {3 * year, "3y"},
      {7 * year, "7y"},
      {8 * year - ms, "7y364d"},
      {8 * year, "8y"},
      {8 * year + 364 * day, "8y"},
      {9 * year, "9y"},
  };
  for (const auto& c : cases) EXPECT_EQ(human_duration(c.d), c.want) << c.d.count();
}

TEST(ParseTime, Rfc3339Forms) {
  auto base = tables::parse_time("2024-06-01T12:00:00Z");
  ASSERT_TRUE(base);
  EXPECT_EQ(*tables::parse_time("2024-06-01T14:00:00+02:00"), *base);
  EXPECT_EQ(*tables::parse_time("2024-06-01T11:30:00-00:30"), *base);
  EXPECT_EQ(*tables::parse_time("2024-06-01T11:59:59.500000Z") + milliseconds(500), *base);
  EXPECT_FALSE(tables::parse_time(""));
  EXPECT_FALSE(tables::parse_time("2024-06-01"));
  EXPECT_FALSE(tables::parse_time("2024-06-01T12:00:00"));
  EXPECT_FALSE(tables::parse_time("2024-13-01T12:00:00Z"));
  EXPECT_FALSE(tables::parse_time("2024-06-01T12:00:00Zjunk"));
  EXPECT_EQ(tables::rfc3339_utc("2024-06-01T14:00:00.123+02:00"), "2024-06-01T12:00:00Z");
  EXPECT_EQ(tables::rfc3339_utc(nullptr), "0001-01-01T00:00:00Z");
}

TEST(Age, FromCreationTimestamp) {
  const auto now = testing::test_now();
  auto obj = [](nlohmann::json ts) { return nlohmann::json{{"metadata", {{"creationTimestamp", ts}}}}; };
  EXPECT_EQ(tables::age(obj("2024-06-01T11:59:55Z"), now), "5s");
  EXPECT_EQ(tables::age(obj("2024-05-30T09:00:00Z"), now), "2d3h");
  EXPECT_EQ(tables::age(obj(nullptr), now), "<unknown>");
  EXPECT_EQ(tables::age(obj("yesterday"), now), "<unknown>");
  EXPECT_EQ(tables::age(nlohmann::json::object(), now), "<unknown>");
  // A clock a little behind the object's creation still reads 0s; far behind is invalid.
  EXPECT_EQ(tables::age(obj("2024-06-01T12:00:01Z"), now), "0s");
  EXPECT_EQ(tables::age(obj("2024-06-01T12:00:05Z"), now), "<invalid>");
}

}  // namespace
}  // namespace v6k::kube
