// labels.Parse / LabelSelectorAsSelector behaviour, error texts copied from upstream's
// format strings (apimachinery 1.32 pkg/labels/selector.go, field/errors.go).
#include <gtest/gtest.h>

#include "kube/selector/selector.h"

namespace v6k::kube {
namespace {

using json = nlohmann::json;

const std::string kKeyRegexMsg =
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const std::string kValueRegexMsg =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
    "'12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

struct Canonical {
  const char* text;
  const char* canonical;
};

TEST(LabelSelectorParse, CanonicalText) {
  const Canonical cases[] = {
      {"", ""},
      {"   ", ""},
      {"x=a,y=b", "x=a,y=b"},
      {"y=b,x=a", "x=a,y=b"},
      {"x==a", "x=a"},
      {"x!=a", "x!=a"},
      {"x in (b,a)", "x in (a,b)"},
      {"x in (a,a,b)", "x in (a,b)"},
      {"x notin (c)", "x notin (c)"},
      {"!x", "!x"},
      {"x", "x"},
      {"n>3,n<7", "n>3,n<7"},
      {"x in ()", "x in ()"},
      {"x in (,a)", "x in (,a)"},
      {"x in (a,)", "x in (,a)"},
      {"x in (a,,b)", "x in (,a,b)"},
      {"  x  =  a  ,  !y ", "x=a,!y"},  // sorted by key, not by text
      {"x=", "x="},
      {"x=,y", "x=,y"},
      {"in in (in,notin)", "in in (in,notin)"},
      {"x=a,x!=b", "x=a,x!=b"},
      {"example.com/app=web", "example.com/app=web"},
      {"app=my-app,env in (a,b)", "app=my-app,env in (a,b)"},
  };
  for (const auto& c : cases) {
    auto s = LabelSelector::parse(c.text);
    ASSERT_TRUE(s) << c.text << ": " << s.error().what();
    EXPECT_EQ(s->to_string(), c.canonical) << c.text;
    auto again = LabelSelector::parse(s->to_string());
    ASSERT_TRUE(again) << c.text;
    EXPECT_EQ(again->to_string(), c.canonical);
  }
}

// Upstream's lexer uses byte 0 as its end marker: a NUL where a token starts ends the
// input, a NUL inside an identifier just ends that identifier.
TEST(LabelSelectorParse, NulInsideText) {
  auto ends = LabelSelector::parse(std::string("a=b \0c=d", 8));
  ASSERT_TRUE(ends);
  EXPECT_EQ(ends->to_string(), "a=b");
  auto splits = LabelSelector::parse(std::string("a=b\0c=d", 7));
  ASSERT_FALSE(splits);
  EXPECT_EQ(splits.error().what(), "found 'c', expected: ',' or 'end of string'");
}

TEST(LabelSelectorParse, Requirements) {
  auto s = LabelSelector::parse("tier!=db,app=web,env in (b,a),!legacy,release,n>3");
  ASSERT_TRUE(s);
  using Op = LabelRequirement::Op;
  const auto& r = s->requirements();
  ASSERT_EQ(r.size(), 6u);
  EXPECT_EQ(r[0].key, "app");
  EXPECT_EQ(r[0].op, Op::kEquals);
  EXPECT_EQ(r[1].key, "env");
  EXPECT_EQ(r[1].op, Op::kIn);
  EXPECT_EQ(r[1].values, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(r[2].key, "legacy");
  EXPECT_EQ(r[2].op, Op::kDoesNotExist);
  EXPECT_EQ(r[3].op, Op::kGreaterThan);
  EXPECT_EQ(r[4].key, "release");
  EXPECT_EQ(r[4].op, Op::kExists);
  EXPECT_EQ(r[5].op, Op::kNotEquals);
  EXPECT_FALSE(s->empty());
  EXPECT_TRUE(LabelSelector::parse("")->empty());
}

struct Bad {
  const char* text;
  std::string error;
};

TEST(LabelSelectorParse, Errors) {
  const Bad cases[] = {
      {"x=a,", "found '', expected: identifier after ','"},
      {"x=a,,y", "found ',', expected: identifier after ','"},
      {",x", "found ',', expected: !, identifier, or 'end of string'"},
      {"(", "found '(', expected: !, identifier, or 'end of string'"},
      {"x y", "unable to parse requirement: found 'y', expected: in, notin, =, ==, !=, gt, lt"},
      {"x in a", "unable to parse requirement: found 'a' expected: '('"},
      {"x in (a", "unable to parse requirement: found '', expected: ',' or ')'"},
      {"x in (a b)", "unable to parse requirement: found 'b', expected: ',' or ')'"},
      {"x in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier"},
      {"x in (,=)", "unable to parse requirement: found '=', expected: ',', or identifier"},
      {"x=(", "unable to parse requirement: found '(', expected: identifier"},
      {"!", "unable to parse requirement: found '', expected: identifier"},
      {"!=a", "found '!=', expected: !, identifier, or 'end of string'"},
      {"!x=a", "found '=', expected: ',' or 'end of string'"},
      {"x=a b", "found 'b', expected: ',' or 'end of string'"},
      {"x<=1", "unable to parse requirement: found '=', expected: identifier"},
      {"-x", "unable to parse requirement: <nil>: Invalid value: \"-x\": " + kKeyRegexMsg},
      {"a/b/c=d",
       "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a qualified name must consist "
       "of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
       "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
       "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' "
       "(e.g. 'example.com/MyName')"},
      {"x=-a", "unable to parse requirement: values[0][x]: Invalid value: \"-a\": " + kValueRegexMsg},
      {"x>a", "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' "
              "operators, the value must be an integer"},
      {"x>-1",
       "unable to parse requirement: values[0][x]: Invalid value: \"-1\": " + kValueRegexMsg},
      {"x in (-a,-b)", "unable to parse requirement: [values[0][x]: Invalid value: \"-a\": " +
                           kValueRegexMsg + ", values[1][x]: Invalid value: \"-b\": " + kValueRegexMsg + "]"},
      {"x=\"a\"", "unable to parse requirement: values[0][x]: Invalid value: \"\\\"a\\\"\": " + kValueRegexMsg},
  };
  for (const auto& c : cases) {
    auto s = LabelSelector::parse(c.text);
    ASSERT_FALSE(s) << c.text << " parsed as " << s->to_string();
    EXPECT_EQ(s.error().what(), c.error) << c.text;
    EXPECT_EQ(s.error().code(), EINVAL);
  }
}

TEST(LabelSelectorMatch, Table) {
  const json labels = {{"app", "web"}, {"env", "prod"}, {"n", "5"}, {"empty", ""}};
  const std::pair<const char*, bool> cases[] = {
      {"", true},
      {"app=web", true},
      {"app==web", true},
      {"app=db", false},
      {"app!=db", true},
      {"app!=web", false},
      {"missing!=x", true},
      {"env in (dev,prod)", true},
      {"env in (dev)", false},
      {"missing in (a)", false},
      {"env notin (prod)", false},
      {"missing notin (prod)", true},
      {"app", true},
      {"missing", false},
      {"!missing", true},
      {"!app", false},
      {"n>4", true},
      {"n>5", false},
      {"n<6", true},
      {"n<5", false},
      {"app>1", false},  // not an integer label value
      {"missing>1", false},
      {"empty=", true},
      {"empty", true},
      {"app=web,env=dev", false},
      {"app=web,env=prod,n>1", true},
  };
  for (const auto& [text, want] : cases) {
    auto s = LabelSelector::parse(text);
    ASSERT_TRUE(s) << text;
    EXPECT_EQ(s->matches(labels), want) << text;
  }
  auto any = LabelSelector::parse("!app");
  EXPECT_TRUE(any->matches(json()));            // no labels at all
  EXPECT_TRUE(any->matches(json::object()));
  EXPECT_FALSE(LabelSelector::parse("app")->matches(json()));
}

TEST(LabelSelectorJson, Table) {
  const std::pair<json, const char*> cases[] = {
      {json(), ""},
      {json::object(), ""},
      {{{"matchLabels", {{"app", "web"}, {"tier", "fe"}}}}, "app=web,tier=fe"},
      {{{"matchLabels", json()}, {"matchExpressions", json()}}, ""},
      {{{"matchExpressions",
         {{{"key", "env"}, {"operator", "In"}, {"values", {"b", "a"}}},
          {{"key", "zone"}, {"operator", "NotIn"}, {"values", {"x"}}},
          {{"key", "canary"}, {"operator", "DoesNotExist"}},
          {{"key", "app"}, {"operator", "Exists"}}}}},
       "app,!canary,env in (a,b),zone notin (x)"},
  };
  for (const auto& [j, want] : cases) {
    auto s = LabelSelector::from_json(j);
    ASSERT_TRUE(s) << j.dump() << ": " << s.error().what();
    EXPECT_EQ(s->to_string(), want) << j.dump();
  }
  auto s = LabelSelector::from_json({{"matchLabels", {{"app", "web"}}},
                                     {"matchExpressions", {{{"key", "env"}, {"operator", "NotIn"}, {"values", {"dev"}}}}}});
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->matches({{"app", "web"}}));
  EXPECT_FALSE(s->matches({{"app", "web"}, {"env", "dev"}}));
  EXPECT_TRUE(LabelSelector::from_json(json())->empty());
}

TEST(LabelSelectorJson, Errors) {
  const std::pair<json, std::string> cases[] = {
      {{{"matchExpressions", {{{"key", "a"}, {"operator", "Foo"}}}}},
       "\"Foo\" is not a valid label selector operator"},
      {{{"matchExpressions", {{{"key", "a"}, {"operator", "In"}}}}},
       "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be empty"},
      {{{"matchExpressions", {{{"key", "a"}, {"operator", "Exists"}, {"values", {"x"}}}}}},
       "values: Invalid value: []string{\"x\"}: values set must be empty for exists and does not exist"},
      {{{"matchLabels", {{"-a", "b"}}}}, "key: Invalid value: \"-a\": " + kKeyRegexMsg},
      {{{"matchLabels", {{"a", "b c"}}}}, "values[0][a]: Invalid value: \"b c\": " + kValueRegexMsg},
      {{{"matchLabels", {{"a", 1}}}}, "matchLabels values must be a string"},
      {{{"matchLabels", json::array()}}, "matchLabels must be an object"},
      {json::array(), "label selector must be an object"},
  };
  for (const auto& [j, want] : cases) {
    auto s = LabelSelector::from_json(j);
    ASSERT_FALSE(s) << j.dump();
    EXPECT_EQ(s.error().what(), want) << j.dump();
  }
}

}  // namespace
}  // namespace v6k::kube
