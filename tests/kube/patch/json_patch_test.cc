// RFC 6902 Appendix A examples and evanphx/json-patch v4 error texts.
#include <gtest/gtest.h>

#include "kube/patch/patch.h"

namespace v6k::kube {
namespace {

struct Case {
  const char* name;
  const char* doc;
  const char* ops;
  const char* result;  // expected document, or nullptr when `error` is expected
  const char* error = nullptr;
};

TEST(JsonPatch, Rfc6902AppendixA) {
  const Case cases[] = {
      {"A.1 add member", R"({"foo":"bar"})", R"([{"op":"add","path":"/baz","value":"qux"}])",
       R"({"baz":"qux","foo":"bar"})"},
      {"A.2 add element", R"({"foo":["bar","baz"]})", R"([{"op":"add","path":"/foo/1","value":"qux"}])",
       R"({"foo":["bar","qux","baz"]})"},
      {"A.3 remove member", R"({"baz":"qux","foo":"bar"})", R"([{"op":"remove","path":"/baz"}])", R"({"foo":"bar"})"},
      {"A.4 remove element", R"({"foo":["bar","qux","baz"]})", R"([{"op":"remove","path":"/foo/1"}])",
       R"({"foo":["bar","baz"]})"},
      {"A.5 replace", R"({"baz":"qux","foo":"bar"})", R"([{"op":"replace","path":"/baz","value":"boo"}])",
       R"({"baz":"boo","foo":"bar"})"},
      {"A.6 move member", R"({"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}})",
       R"([{"op":"move","from":"/foo/waldo","path":"/qux/thud"}])",
       R"({"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}})"},
      {"A.7 move element", R"({"foo":["all","grass","cows","eat"]})",
       R"([{"op":"move","from":"/foo/1","path":"/foo/3"}])", R"({"foo":["all","cows","eat","grass"]})"},
      {"A.8 test success", R"({"baz":"qux","foo":["a",2,"c"]})",
       R"([{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}])",
       R"({"baz":"qux","foo":["a",2,"c"]})"},
      {"A.9 test error", R"({"baz":"qux"})", R"([{"op":"test","path":"/baz","value":"bar"}])", nullptr,
       "testing value /baz failed: test failed"},
      {"A.10 add nested", R"({"foo":"bar"})", R"([{"op":"add","path":"/child","value":{"grandchild":{}}}])",
       R"({"foo":"bar","child":{"grandchild":{}}})"},
      {"A.11 unknown members ignored", R"({"foo":"bar"})",
       R"([{"op":"add","path":"/baz","value":"qux","xyz":123}])", R"({"foo":"bar","baz":"qux"})"},
      {"A.12 add to missing parent", R"({"foo":"bar"})", R"([{"op":"add","path":"/baz/bat","value":"qux"}])",
       nullptr, R"(add operation does not apply: doc is missing path: "/baz/bat": missing value)"},
      {"A.14 escapes", R"({"/":9,"~1":10})", R"([{"op":"test","path":"/~01","value":10}])",
       R"({"/":9,"~1":10})"},
      {"A.15 string vs number", R"({"/":9,"~1":10})", R"([{"op":"test","path":"/~01","value":"10"}])", nullptr,
       "testing value /~01 failed: test failed"},
      {"A.16 add array value", R"({"foo":["bar"]})", R"([{"op":"add","path":"/foo/-","value":["abc","def"]}])",
       R"({"foo":["bar",["abc","def"]]})"},
      // Beyond the appendix: what kubectl patch --type=json users hit.
      {"replace missing key", R"({"spec":{}})", R"([{"op":"replace","path":"/spec/foo","value":1}])", nullptr,
       "replace operation does not apply: doc is missing key: /spec/foo: missing value"},
      {"replace missing parent", R"({})", R"([{"op":"replace","path":"/spec/foo","value":1}])", nullptr,
       "replace operation does not apply: doc is missing path: /spec/foo: missing value"},
      {"remove missing key", R"({"a":{}})", R"([{"op":"remove","path":"/a/b"}])", nullptr,
       "error in remove for path: '/a/b': Unable to remove nonexistent key: b: missing value"},
      {"add past the end", R"({"foo":[1]})", R"([{"op":"add","path":"/foo/5","value":2}])", nullptr,
       "error in add for path: '/foo/5': Unable to access invalid index: 5: invalid index referenced"},
      {"bad index", R"({"foo":[1]})", R"([{"op":"add","path":"/foo/x","value":2}])", nullptr,
       "error in add for path: '/foo/x': value was not a proper array index: 'x': strconv.Atoi: parsing \"x\": "
       "invalid syntax"},
      {"negative index", R"({"foo":[1,2,3]})", R"([{"op":"remove","path":"/foo/-1"}])", R"({"foo":[1,2]})"},
      {"unknown op", R"({})", R"([{"op":"frob","path":"/a"}])", nullptr, "Unexpected kind: frob"},
      {"copy", R"({"a":{"b":1}})", R"([{"op":"copy","from":"/a","path":"/c"}])", R"({"a":{"b":1},"c":{"b":1}})"},
      {"copy missing from", R"({})", R"([{"op":"copy","from":"/x/y","path":"/c"}])", nullptr,
       "copy operation does not apply: doc is missing from path: /x/y: missing value"},
      {"move into child", R"({"a":{"b":1}})", R"([{"op":"move","from":"/a","path":"/a/b/c"}])", nullptr,
       "move operation does not apply: from /a is a prefix of path /a/b/c"},
      {"label add with escaped key", R"({"metadata":{"labels":{}}})",
       R"([{"op":"add","path":"/metadata/labels/app.kubernetes.io~1name","value":"x"}])",
       R"({"metadata":{"labels":{"app.kubernetes.io/name":"x"}}})"},
      {"failure leaves nothing half-applied", R"({"a":1})",
       R"([{"op":"replace","path":"/a","value":2},{"op":"test","path":"/a","value":1}])", nullptr,
       "testing value /a failed: test failed"},
      {"not a list", R"({})", R"({"op":"add"})", nullptr,
       "json: cannot unmarshal object into Go value of type jsonpatch.Patch"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = json_patch(json::parse(c.doc), json::parse(c.ops));
    if (c.result) {
      ASSERT_TRUE(r.has_value()) << r.error().message();
      EXPECT_EQ(*r, json::parse(c.result));
    } else {
      ASSERT_FALSE(r.has_value()) << r->dump();
      EXPECT_EQ(r.error().message(), c.error);
    }
  }
}

}  // namespace
}  // namespace v6k::kube
