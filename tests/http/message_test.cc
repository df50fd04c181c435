#include "http/message.h"

#include <gtest/gtest.h>

namespace v6k::http {
namespace {

TEST(HttpMessage, HeaderLookupIsCaseInsensitive) {
  Request r;
  r.headers = {{"content-type", "a"}, {"x-dup", "1"}, {"x-dup", "2"}};
  EXPECT_EQ(r.header("Content-Type"), "a");
  EXPECT_EQ(r.header("X-DUP"), "1");
  EXPECT_FALSE(r.header("missing"));
}

TEST(HttpMessage, ResponseTextAndSet) {
  Response r = Response::text(404, "nope");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "nope");
  EXPECT_EQ(r.header("content-type"), "text/plain; charset=utf-8");
  r.set("Content-Type", "application/json");
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(r.headers.size(), 1u);
  r.headers.emplace_back("x-a", "1");
  r.headers.emplace_back("X-A", "2");
  r.set("x-a", "3");
  EXPECT_EQ(r.headers.size(), 2u);
  EXPECT_EQ(r.header("x-a"), "3");
  r.set("X-New", "v");
  EXPECT_EQ(r.headers.back().first, "x-new");
}

TEST(HttpMessage, PercentDecode) {
  struct Case {
    const char* in;
    std::optional<std::string> out;
  };
  for (const auto& tc : std::vector<Case>{
           {"", ""},
           {"abc", "abc"},
           {"a%2Fb", "a/b"},
           {"%2f%2F", "//"},
           {"a+b", "a+b"},
           {"%41%42", "AB"},
           {"%00", std::string(1, '\0')},
           {"%", std::nullopt},
           {"%4", std::nullopt},
           {"ab%", std::nullopt},
           {"%zz", std::nullopt},
           {"%4g", std::nullopt},
       }) {
    EXPECT_EQ(percent_decode(tc.in), tc.out) << tc.in;
  }
}

}  // namespace
}  // namespace v6k::http
