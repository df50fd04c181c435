#include "kube/controllers/workloads/hash.h"

#include <gtest/gtest.h>

#include "kube/controllers/workloads/fixtures.h"

namespace v6k::kube::workloads {
namespace {

using json = nlohmann::json;

TEST(Hash, Fnv1aKnownVectors) {
  EXPECT_EQ(fnv1a32(""), 0x811c9dc5u);
  EXPECT_EQ(fnv1a32("a"), 0xe40c292cu);
  EXPECT_EQ(fnv1a32("foobar"), 0xbf9cf968u);
}

TEST(Hash, SafeEncodeMapsDigitsLikeUpstream) {
  // '0' is 48 and 48 % 27 = 21 -> '4'; '6' is 54 -> 0 -> 'b'.
  EXPECT_EQ(safe_encode_string("0123456789"), "456789bcdf");
}

TEST(Hash, IsFnvOfCanonicalDumpRenderedInDecimal) {
  json t = testing::pod_template("nginx:1.25");
  std::string canonical = normalize_template(t).dump();
  EXPECT_EQ(pod_template_hash(t, 0), safe_encode_string(std::to_string(fnv1a32(canonical))));
  // Golden value: changing it changes every ReplicaSet name the controller produces.
  EXPECT_EQ(
      canonical,
      R"({"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"image":"nginx:1.25","name":"c"}]}})");
  EXPECT_EQ(pod_template_hash(t, 0), "5bdcdff586");
  for (char c : pod_template_hash(t, 0))
    EXPECT_NE(std::string_view("456789bcdf").find(c), std::string_view::npos);
}

TEST(Hash, EqualTemplatesHashEqual) {
  json base = testing::pod_template("nginx:1.25");
  struct Case {
    const char* what;
    json variant;
  };
  json with_hash = base;
  with_hash["metadata"]["labels"]["pod-template-hash"] = "abc";
  json with_null_ts = base;
  with_null_ts["metadata"]["creationTimestamp"] = nullptr;
  json with_empty_ann = base;
  with_empty_ann["metadata"]["annotations"] = json::object();
  json with_empty_list = base;
  with_empty_list["spec"]["containers"][0]["args"] = json::array();
  json reordered = json::parse(R"({"spec":{"containers":[{"name":"c","image":"nginx:1.25"}]},
                                   "metadata":{"labels":{"app":"web"}}})");
  const Case cases[] = {{"pod-template-hash label", with_hash},
                        {"creationTimestamp null", with_null_ts},
                        {"empty annotations", with_empty_ann},
                        {"empty args", with_empty_list},
                        {"key order", reordered}};
  for (const Case& c : cases) {
    EXPECT_EQ(pod_template_hash(c.variant, 0), pod_template_hash(base, 0)) << c.what;
    EXPECT_TRUE(templates_equal_ignore_hash(c.variant, base)) << c.what;
  }
}

TEST(Hash, DifferentTemplatesOrCollisionCountsHashDifferently) {
  json base = testing::pod_template("nginx:1.25");
  json other_image = testing::pod_template("nginx:1.26");
  json other_label = testing::pod_template("nginx:1.25", {{"app", "web"}, {"tier", "fe"}});
  json empty_dir = base;
  empty_dir["spec"]["volumes"] = json::array({{{"name", "v"}, {"emptyDir", json::object()}}});
  const std::string h = pod_template_hash(base, 0);
  EXPECT_NE(pod_template_hash(other_image, 0), h);
  EXPECT_NE(pod_template_hash(other_label, 0), h);
  EXPECT_NE(pod_template_hash(empty_dir, 0), h);
  EXPECT_FALSE(templates_equal_ignore_hash(other_image, base));
  EXPECT_NE(pod_template_hash(base, 1), h);
  EXPECT_NE(pod_template_hash(base, 2), pod_template_hash(base, 1));
  EXPECT_EQ(pod_template_hash(base, 1), pod_template_hash(base, 1));
}

TEST(Hash, ToleratesNonObjects) {
  EXPECT_EQ(pod_template_hash(json(), 0), pod_template_hash(json::object(), 0));
  EXPECT_EQ(pod_template_hash(json("x"), 0), pod_template_hash(json::object(), 0));
}

}  // namespace
}  // namespace v6k::kube::workloads
