// fields.ParseSelector behaviour and error texts (apimachinery 1.32 pkg/fields/selector.go).
#include <gtest/gtest.h>

#include <map>

#include "kube/selector/selector.h"

namespace v6k::kube {
namespace {

TEST(FieldSelectorParse, Terms) {
  struct Case {
    const char* text;
    std::vector<FieldRequirement> want;
  };
  const Case cases[] = {
      {"", {}},
      {",", {}},
      {"metadata.name=x", {{"metadata.name", true, "x"}}},
      {"metadata.name==x", {{"metadata.name", true, "x"}}},
      {"status.phase!=Running,metadata.name=x",
       {{"metadata.name", true, "x"}, {"status.phase", false, "Running"}}},
      {"a=b\\,c", {{"a", true, "b,c"}}},
      {"a=b\\=c\\\\", {{"a", true, "b=c\\"}}},
      {"a=", {{"a", true, ""}}},
      {"=x", {{"", true, "x"}}},
  };
  for (const auto& c : cases) {
    auto s = FieldSelector::parse(c.text);
    ASSERT_TRUE(s) << c.text << ": " << s.error().what();
    ASSERT_EQ(s->requirements().size(), c.want.size()) << c.text;
    for (std::size_t i = 0; i < c.want.size(); ++i) {
      EXPECT_EQ(s->requirements()[i].field, c.want[i].field) << c.text;
      EXPECT_EQ(s->requirements()[i].equal, c.want[i].equal) << c.text;
      EXPECT_EQ(s->requirements()[i].value, c.want[i].value) << c.text;
    }
    EXPECT_EQ(s->empty(), c.want.empty());
  }
}

TEST(FieldSelectorParse, Errors) {
  const std::pair<const char*, const char*> cases[] = {
      {"abc", "invalid selector: 'abc'; can't understand 'abc'"},
      {"a=b,cd", "invalid selector: 'a=b,cd'; can't understand 'cd'"},
      {"a=b=c", "invalid field selector: unescaped character in value: 61"},
      {"a!==b", "invalid field selector: unescaped character in value: 61"},
      {"a=b\\x", "invalid field selector: invalid escape sequence: \\x"},
      {"a=b\\", "invalid field selector: invalid escape sequence: \\"},
      {"a=b\\é", "invalid field selector: invalid escape sequence: \\é"},
  };
  for (const auto& [text, want] : cases) {
    auto s = FieldSelector::parse(text);
    ASSERT_FALSE(s) << text;
    EXPECT_EQ(s.error().what(), want) << text;
  }
}

TEST(FieldSelectorMatch, Table) {
  const std::map<std::string, std::string, std::less<>> fields = {
      {"metadata.name", "web"}, {"metadata.namespace", "default"}, {"status.phase", "Running"}};
  auto value_of = [&](std::string_view f) -> std::optional<std::string> {
    auto it = fields.find(f);
    if (it == fields.end()) return std::nullopt;
    return it->second;
  };
  const std::pair<const char*, bool> cases[] = {
      {"", true},
      {"metadata.name=web", true},
      {"metadata.name=db", false},
      {"metadata.name!=db", true},
      {"status.phase!=Running", false},
      {"metadata.name=web,metadata.namespace=default", true},
      {"metadata.name=web,metadata.namespace=kube-system", false},
      {"spec.nodeName=", true},   // absent reads as ""
      {"spec.nodeName!=", false},
  };
  for (const auto& [text, want] : cases) {
    auto s = FieldSelector::parse(text);
    ASSERT_TRUE(s) << text;
    EXPECT_EQ(s->matches(value_of), want) << text;
  }
}

}  // namespace
}  // namespace v6k::kube
