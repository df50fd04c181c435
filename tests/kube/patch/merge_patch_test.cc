// RFC 7386 Appendix A, plus the API server's rule that the patch must be an object.
#include <gtest/gtest.h>

#include "kube/patch/patch.h"

namespace v6k::kube {
namespace {

struct Case {
  const char* original;
  const char* patch;
  const char* result;  // nullptr = error
};

TEST(JsonMergePatch, Rfc7386AppendixA) {
  const Case cases[] = {
      {R"({"a":"b"})", R"({"a":"c"})", R"({"a":"c"})"},
      {R"({"a":"b"})", R"({"b":"c"})", R"({"a":"b","b":"c"})"},
      {R"({"a":"b"})", R"({"a":null})", R"({})"},
      {R"({"a":"b","b":"c"})", R"({"a":null})", R"({"b":"c"})"},
      {R"({"a":["b"]})", R"({"a":"c"})", R"({"a":"c"})"},
      {R"({"a":"c"})", R"({"a":["b"]})", R"({"a":["b"]})"},
      {R"({"a":{"b":"c"}})", R"({"a":{"b":"d","c":null}})", R"({"a":{"b":"d"}})"},
      {R"({"a":[{"b":"c"}]})", R"({"a":[1]})", R"({"a":[1]})"},
      {R"({"e":null})", R"({"a":1})", R"({"e":null,"a":1})"},
      {R"([1,2])", R"({"a":"b","c":null})", R"({"a":"b"})"},
      {R"({})", R"({"a":{"bb":{"ccc":null}}})", R"({"a":{"bb":{}}})"},
      // Non-object patches replace the document in RFC 7386; the API server refuses them.
      {R"(["a","b"])", R"(["c","d"])", nullptr},
      {R"({"a":"b"})", R"(["c"])", nullptr},
      {R"({"a":"foo"})", R"(null)", nullptr},
      {R"({"a":"foo"})", R"("bar")", nullptr},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.original) + " + " + c.patch);
    auto r = json_merge_patch(json::parse(c.original), json::parse(c.patch));
    if (!c.result) {
      ASSERT_FALSE(r.has_value());
      EXPECT_EQ(r.error().message(), "Invalid JSON Patch");
      continue;
    }
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_EQ(*r, json::parse(c.result));
  }
}

TEST(JsonMergePatch, ScaleAndLabelAsKubectlSends) {
  auto live = json::parse(R"({"metadata":{"name":"d","labels":{"app":"x","tier":"web"}},"spec":{"replicas":1}})");
  auto r = json_merge_patch(live, json::parse(R"({"spec":{"replicas":3}})"));
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)["spec"]["replicas"], 3);
  r = json_merge_patch(*r, json::parse(R"({"metadata":{"labels":{"tier":null,"env":"prod"}}})"));
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)["metadata"]["labels"], json::parse(R"({"app":"x","env":"prod"})"));
}

TEST(JsonMergePatch, DeepNestingIsAnErrorNotACrash) {
  json patch = json::object();
  json* cur = &patch;
  for (int i = 0; i < 1000; ++i) cur = &((*cur)["a"] = json::object());
  auto r = json_merge_patch(json::object(), patch);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "merge patch: patch nested too deeply");
}

}  // namespace
}  // namespace v6k::kube
