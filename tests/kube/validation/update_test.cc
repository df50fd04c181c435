// invalid_message formatting and immutability on update.
#include <gtest/gtest.h>

#include "kube/validation/defaults.h"
#include "kube/validation/seed.h"
#include "kube/validation/validation.h"

namespace v6k::kube {
namespace {

using nlohmann::json;
using Errors = std::vector<FieldError>;

TEST(InvalidMessage, OneErrorManyErrorsAndCoreKinds) {
  FieldError replicas{"FieldValueInvalid", "spec.replicas", "Invalid value: -1: must be greater than or equal to 0"};
  FieldError image{"FieldValueRequired", "spec.template.spec.containers[0].image", "Required value"};
  EXPECT_EQ(invalid_message("apps", "Deployment", "web", {replicas}),
            "Deployment.apps \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0");
  EXPECT_EQ(invalid_message("apps", "Deployment", "web", {replicas, image, replicas}),
            "Deployment.apps \"web\" is invalid: [spec.replicas: Invalid value: -1: must be greater than or equal to 0, "
            "spec.template.spec.containers[0].image: Required value]");
  EXPECT_EQ(invalid_message("", "Pod", "x", {image}),
            "Pod \"x\" is invalid: spec.template.spec.containers[0].image: Required value");
  EXPECT_EQ(invalid_message("discovery.k8s.io", "EndpointSlice", "we\"ird", {image}),
            "EndpointSlice.discovery.k8s.io \"we\\\"ird\" is invalid: spec.template.spec.containers[0].image: Required value");
}

TEST(InvalidMessage, EndToEndFromValidate) {
  json d = testing::seed_deployment();
  d["spec"]["replicas"] = -1;
  apply_defaults("apps", "Deployment", d);
  EXPECT_EQ(invalid_message("apps", "Deployment", "my-deployment", validate("apps", "Deployment", d, nullptr)),
            "Deployment.apps \"my-deployment\" is invalid: spec.replicas: Invalid value: -1: must be greater than or "
            "equal to 0");
}

TEST(Update, DeploymentSelectorIsImmutable) {
  json old = testing::seed_deployment();
  apply_defaults("apps", "Deployment", old);
  json d = old;
  d["spec"]["replicas"] = 5;
  d["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.25";
  EXPECT_EQ(validate("apps", "Deployment", d, old), Errors{}) << "replicas and image may change";
  d["spec"]["selector"]["matchLabels"]["app"] = "other";
  d["spec"]["template"]["metadata"]["labels"]["app"] = "other";
  EXPECT_EQ(validate("apps", "Deployment", d, old),
            (Errors{{"FieldValueInvalid", "spec.selector",
                     "Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"other\"}, "
                     "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"}}));
}

TEST(Update, ServiceClusterIPOnceSet) {
  json old = testing::seed_service();
  apply_defaults("", "Service", old);
  old["spec"]["clusterIP"] = "fd00:10::1";
  old["spec"]["clusterIPs"] = {"fd00:10::1"};
  json s = old;
  s["spec"]["ports"][0]["port"] = 8080;
  EXPECT_EQ(validate("", "Service", s, old), Errors{});
  s["spec"]["clusterIP"] = "fd00:10::2";
  s["spec"].erase("clusterIPs");
  EXPECT_EQ(validate("", "Service", s, old),
            (Errors{{"FieldValueInvalid", "spec.clusterIPs[0]",
                     "Invalid value: []string{\"fd00:10::2\"}: may not change once set"}}));
  json unassigned = testing::seed_service();
  apply_defaults("", "Service", unassigned);
  EXPECT_EQ(validate("", "Service", s, unassigned), Errors{}) << "no IP yet: anything goes";
}

TEST(Update, NamesArePinned) {
  json old = {{"metadata", {{"name", "aws-news-blog"}}}};
  apply_defaults("", "Namespace", old);
  json ns = old;
  ns["metadata"]["name"] = "other";
  EXPECT_EQ(validate("", "Namespace", ns, old),
            (Errors{{"FieldValueInvalid", "metadata.name", "Invalid value: \"other\": field is immutable"}}));
}

TEST(Update, PodSpecOnlyImageAndFriendsMayChange) {
  json old = json::parse(R"({"metadata":{"name":"p","namespace":"default"},
    "spec":{"containers":[{"name":"c","image":"nginx:1"}],"tolerations":[{"key":"a","operator":"Exists"}]}})");
  apply_defaults("", "Pod", old);
  json p = old;
  p["spec"]["containers"][0]["image"] = "nginx:2";
  p["spec"]["activeDeadlineSeconds"] = 60;
  p["spec"]["tolerations"].push_back({{"key", "b"}, {"operator", "Exists"}});
  p["metadata"]["labels"] = {{"x", "y"}};
  EXPECT_EQ(validate("", "Pod", p, old), Errors{});

  const std::string forbidden =
      "Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
      "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing "
      "tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";
  json moved = old;
  moved["spec"]["nodeName"] = "ip-10-0-0-108.us-west-2.compute.internal";
  EXPECT_EQ(validate("", "Pod", moved, old), (Errors{{"FieldValueForbidden", "spec", forbidden}}));
  json dropped = old;
  dropped["spec"]["tolerations"] = json::array();
  EXPECT_EQ(validate("", "Pod", dropped, old), (Errors{{"FieldValueForbidden", "spec", forbidden}}));
}

TEST(Update, ImmutableConfigMap) {
  json old = json::parse(R"({"metadata":{"name":"c","namespace":"d"},"data":{"a":"1"},"immutable":true})");
  json cm = old;
  cm["data"]["a"] = "2";
  EXPECT_EQ(validate("", "ConfigMap", cm, old),
            (Errors{{"FieldValueForbidden", "data", "Forbidden: field is immutable when `immutable` is set"}}));
  cm = old;
  cm["metadata"]["labels"] = {{"x", "y"}};
  EXPECT_EQ(validate("", "ConfigMap", cm, old), Errors{});
}

}  // namespace
}  // namespace v6k::kube
