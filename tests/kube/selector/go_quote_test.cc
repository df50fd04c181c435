// go_quote against strconv.Quote's output for the bytes field errors can carry.
#include <gtest/gtest.h>

#include "kube/selector/go_quote.h"

namespace v6k::kube {
namespace {

TEST(GoQuote, MatchesStrconvQuote) {
  struct Case {
    std::string in, want;
  };
  const Case cases[] = {
      {"", R"("")"},
      {"web-1", R"("web-1")"},
      {"say \"hi\"", R"("say \"hi\"")"},
      {"back\\slash", R"("back\\slash")"},
      {"\a\b\f\n\r\t\v", R"("\a\b\f\n\r\t\v")"},
      {std::string("nul\0x", 5), R"("nul\x00x")"},
      {"\x1b[0m\x7f", R"("\x1b[0m\x7f")"},
      {"caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80\""},  // kept
      {"bad \xff\xfe", R"("bad \xff\xfe")"},        // not UTF-8
      {"cut \xe2\x9c", R"("cut \xe2\x9c")"},        // a sequence cut short
      {"over \xc0\xaf", R"("over \xc0\xaf")"},      // an overlong form
  };
  for (const auto& c : cases) EXPECT_EQ(go_quote(c.in), c.want) << c.want;
}

}  // namespace
}  // namespace v6k::kube
