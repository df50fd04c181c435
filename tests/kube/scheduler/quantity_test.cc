#include "kube/scheduler/quantity.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace v6k::kube::scheduler {
namespace {

struct Case {
  std::string text;
  int64_t milli;
  int64_t value;
};

TEST(Quantity, ParsesMilliAndValueLikeUpstream) {
  const Case cases[] = {
      {"100m", 100, 1},          // 0.1 -> Value() rounds up to 1
      {"0.5", 500, 1},
      {"2", 2000, 2},
      {"1", 1000, 1},
      {"0", 0, 0},
      {"000", 0, 0},
      {"0.0", 0, 0},
      {"128Mi", 128LL * 1024 * 1024 * 1000, 128LL * 1024 * 1024},
      {"1Gi", 1073741824000LL, 1073741824LL},
      {"1.5Gi", 1610612736000LL, 1610612736LL},
      {"1Ki", 1024000, 1024},
      {"1Ti", 1099511627776000LL, 1099511627776LL},
      {"1Ei", -1, 1152921504606846976LL},  // milli overflows: checked below
      {"1e3", 1000000, 1000},
      {"1E3", 1000000, 1000},
      {"1e-3", 1, 1},
      {"1e+3", 1000000, 1000},
      {"1k", 1000000, 1000},
      {"500M", 500000000000LL, 500000000},
      {"1G", 1000000000000LL, 1000000000},
      {"1E", -1, 1000000000000000000LL},
      {"250u", 1, 1},            // 0.00025 -> 0.25m -> 1m (ceil)
      {"1n", 1, 1},
      {"1500n", 1, 1},
      {"1000000n", 1, 1},        // 1m exactly
      {"2000000n", 2, 1},
      {"0.0001", 1, 1},
      {"1.0001", 1001, 2},
      {"+3", 3000, 3},
      {"-3", -3000, -3},
      {"-0.5", -500, -1},        // rounds away from zero, as upstream
      {".5", 500, 1},
      {"5.", 5000, 5},
      {"1.G", 1000000000000LL, 1000000000},
      {"0.1Ki", 102400, 103},    // 102.4 bytes -> 103
      {"0.000001Ki", 2, 1},      // 0.001024 -> 1.024m -> 2m
      {"1e-100", 1, 1},
      {"9223372036854775807", -1, 9223372036854775807LL},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    auto v = parse_quantity_value(c.text);
    ASSERT_TRUE(v.has_value()) << v.error().message();
    EXPECT_EQ(*v, c.value);
    auto m = parse_quantity_milli(c.text);
    if (c.milli == -1) {
      EXPECT_FALSE(m.has_value());
    } else {
      ASSERT_TRUE(m.has_value()) << m.error().message();
      EXPECT_EQ(*m, c.milli);
    }
  }
}

TEST(Quantity, HelpersUseTheSchedulersUnits) {
  EXPECT_EQ(parse_cpu_millicores("250m").value(), 250);
  EXPECT_EQ(parse_cpu_millicores("1.5").value(), 1500);
  EXPECT_EQ(parse_memory_bytes("64Mi").value(), 67108864);
  EXPECT_EQ(parse_memory_bytes("1e6").value(), 1000000);
}

TEST(Quantity, RejectsMalformedWithUpstreamText) {
  const std::string format =
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
  const std::string suffix = "unable to parse quantity's suffix";
  const std::pair<std::string, std::string> cases[] = {
      {"", format},       {"abc", format},   {"1Kx", format},   {"1 Gi", format}, {"Gi", format},
      {".", format},      {"-", format},     {"1.2.3", format}, {"1e3.5", format}, {"1Mi5x", format},
      {"1K", suffix},     {"1ki", suffix},   {"1e", suffix},    {"1Gii", suffix}, {"1mi", suffix},
      {"1e+", suffix},    {"1MiB", format},  {"0x10", format},
  };
  for (const auto& [text, want] : cases) {
    SCOPED_TRACE(text);
    auto v = parse_quantity_milli(text);
    ASSERT_FALSE(v.has_value());
    EXPECT_EQ(v.error().what(), want);
  }
}

TEST(Quantity, RejectsValuesPastInt64) {
  for (const char* text : {"10000000000000000000", "16Ei", "1e19", "9223372036854775808"}) {
    SCOPED_TRACE(text);
    auto v = parse_quantity_value(text);
    ASSERT_FALSE(v.has_value());
    EXPECT_NE(v.error().what().find("is too large"), std::string::npos);
  }
  EXPECT_FALSE(parse_quantity_milli("9223372036854776").has_value());
  EXPECT_EQ(parse_quantity_milli("9223372036854775").value(), 9223372036854775000LL);
}

}  // namespace
}  // namespace v6k::kube::scheduler
