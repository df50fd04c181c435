// Table-driven invalid objects: each case breaks one thing in a valid, defaulted
// object and expects upstream's exact causes (reason, field, message).
#include "kube/validation/validation.h"

#include <functional>

#include <gtest/gtest.h>

#include "kube/validation/defaults.h"
#include "kube/validation/seed.h"

namespace v6k::kube {

void PrintTo(const FieldError& e, std::ostream* os) { *os << "{" << e.reason << ", " << e.field << ", " << e.message << "}"; }

namespace {

using nlohmann::json;

const std::string kLabelMsg =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end "
    "with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const std::string kSubdomainMsg =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start "
    "and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const std::string kLabelValueMsg =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start "
    "and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for "
    "validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const std::string kDns1035Msg =
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
    "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation "
    "is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const std::string kConfigKeyMsg =
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  "
    "or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

constexpr const char* kReq = "FieldValueRequired";
constexpr const char* kInv = "FieldValueInvalid";
constexpr const char* kNS = "FieldValueNotSupported";
constexpr const char* kDup = "FieldValueDuplicate";
constexpr const char* kForb = "FieldValueForbidden";

struct Case {
  const char* name;
  const char* group;
  const char* kind;
  std::function<json()> base;
  std::function<void(json&)> mutate;  // applied before defaulting, like a user's manifest
  std::vector<FieldError> want;
};

json pod() {
  return json::parse(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default"},
    "spec":{"containers":[{"name":"c","image":"nginx:1.19.5"}]}})");
}
json obj(const char* kind, const char* extra) {
  json o = json::parse(extra);
  o["apiVersion"] = "v1";
  o["kind"] = kind;
  o["metadata"] = {{"name", "x"}, {"namespace", "default"}};
  return o;
}
const auto deploy = testing::seed_deployment;
const auto svc = testing::seed_service;
json& ctr(json& d) { return d["spec"]["template"]["spec"]["containers"][0]; }

std::vector<Case> cases() {
  return {
      {"replicas negative", "apps", "Deployment", deploy, [](json& d) { d["spec"]["replicas"] = -1; },
       {{kInv, "spec.replicas", "Invalid value: -1: must be greater than or equal to 0"}}},
      {"container name not a label", "apps", "Deployment", deploy, [](json& d) { ctr(d)["name"] = "Foo_1"; },
       {{kInv, "spec.template.spec.containers[0].name", "Invalid value: \"Foo_1\": " + kLabelMsg}}},
      {"image missing", "apps", "Deployment", deploy, [](json& d) { ctr(d).erase("image"); },
       {{kReq, "spec.template.spec.containers[0].image", "Required value"}}},
      {"no containers", "apps", "Deployment", deploy,
       [](json& d) { d["spec"]["template"]["spec"]["containers"] = json::array(); },
       {{kReq, "spec.template.spec.containers", "Required value"}}},
      {"selector does not match", "apps", "Deployment", deploy,
       [](json& d) { d["spec"]["template"]["metadata"]["labels"]["app"] = "other"; },
       {{kInv, "spec.template.metadata.labels",
         "Invalid value: map[string]string{\"app\":\"other\"}: `selector` does not match template `labels`"}}},
      {"selector missing", "apps", "Deployment", deploy, [](json& d) { d["spec"].erase("selector"); },
       {{kReq, "spec.selector", "Required value"},
        {kInv, "spec.template.metadata.labels",
         "Invalid value: map[string]string{\"app\":\"my-app\"}: `selector` does not match template `labels`"}}},
      {"selector empty", "apps", "Deployment", deploy, [](json& d) { d["spec"]["selector"] = json::object(); },
       {{kInv, "spec.selector",
         "Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), "
         "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment"}}},
      {"template restartPolicy", "apps", "Deployment", deploy,
       [](json& d) { d["spec"]["template"]["spec"]["restartPolicy"] = "Never"; },
       {{kNS, "spec.template.spec.restartPolicy", "Unsupported value: \"Never\": supported values: \"Always\""}}},
      {"strategy type", "apps", "Deployment", deploy, [](json& d) { d["spec"]["strategy"] = {{"type", "Blue"}}; },
       {{kNS, "spec.strategy",
         "Unsupported value: apps.DeploymentStrategy{Type:\"Blue\", RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}: "
         "supported values: \"Recreate\", \"RollingUpdate\""}}},
      {"maxSurge not a percent", "apps", "Deployment", deploy,
       [](json& d) { d["spec"]["strategy"] = json::parse(R"({"rollingUpdate":{"maxSurge":"x%"}})"); },
       {{kInv, "spec.strategy.rollingUpdate.maxSurge",
         "Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"x%\"}: a valid percent string must be a "
         "numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"}}},
      {"containerPort out of range", "apps", "Deployment", deploy,
       [](json& d) { ctr(d)["ports"][0]["containerPort"] = 70000; },
       {{kInv, "spec.template.spec.containers[0].ports[0].containerPort",
         "Invalid value: 70000: must be between 1 and 65535, inclusive"}}},
      {"port protocol", "apps", "Deployment", deploy, [](json& d) { ctr(d)["ports"][0]["protocol"] = "HTTP"; },
       {{kNS, "spec.template.spec.containers[0].ports[0].protocol",
         "Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\""}}},
      {"duplicate container", "apps", "Deployment", deploy,
       [](json& d) { d["spec"]["template"]["spec"]["containers"].push_back(ctr(d)); },
       {{kDup, "spec.template.spec.containers[1].name", "Duplicate value: \"nginx\""}}},
      {"node affinity In without values", "apps", "Deployment", deploy,
       [](json& d) {
         d["spec"]["template"]["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
          ["nodeSelectorTerms"][0]["matchExpressions"][0]
              .erase("values");
       },
       {{kReq,
         "spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]"
         ".matchExpressions[0].values",
         "Required value: must be specified when `operator` is 'In' or 'NotIn'"}}},
      {"name missing", "apps", "Deployment", deploy, [](json& d) { d["metadata"].erase("name"); },
       {{kReq, "metadata.name", "Required value: name or generateName is required"}}},
      {"name not a subdomain", "apps", "Deployment", deploy, [](json& d) { d["metadata"]["name"] = "My_Deploy"; },
       {{kInv, "metadata.name", "Invalid value: \"My_Deploy\": " + kSubdomainMsg}}},
      {"namespace missing", "apps", "Deployment", deploy, [](json& d) { d["metadata"].erase("namespace"); },
       {{kReq, "metadata.namespace", "Required value"}}},
      {"label value", "apps", "Deployment", deploy, [](json& d) { d["metadata"]["labels"]["tier"] = "-bad"; },
       {{kInv, "metadata.labels", "Invalid value: \"-bad\": " + kLabelValueMsg}}},
      {"template label value", "apps", "Deployment", deploy,
       [](json& d) { d["spec"]["template"]["metadata"]["labels"]["tier"] = "-bad"; },
       {{kInv, "spec.template.labels", "Invalid value: \"-bad\": " + kLabelValueMsg}}},
      {"annotations too large", "apps", "Deployment", deploy,
       [](json& d) { d["metadata"]["annotations"]["a"] = std::string(256 * 1024, 'x'); },
       {{"FieldValueTooLong", "metadata.annotations", "Too long: may not be more than 262144 bytes"}}},
      {"service name not RFC 1035", "", "Service", svc, [](json& s) { s["metadata"]["name"] = "1svc"; },
       {{kInv, "metadata.name", "Invalid value: \"1svc\": " + kDns1035Msg}}},
      {"service ports need names", "", "Service", svc,
       [](json& s) { s["spec"]["ports"].push_back({{"port", 443}}); },
       {{kReq, "spec.ports[0].name", "Required value"}, {kReq, "spec.ports[1].name", "Required value"}}},
      {"service duplicate port names", "", "Service", svc,
       [](json& s) {
         s["spec"]["ports"][0]["name"] = "web";
         s["spec"]["ports"].push_back({{"port", 443}, {"name", "web"}});
       },
       {{kDup, "spec.ports[1].name", "Duplicate value: \"web\""}}},
      {"service duplicate port", "", "Service", svc,
       [](json& s) {
         s["spec"]["ports"][0]["name"] = "a";
         s["spec"]["ports"].push_back({{"port", 80}, {"name", "b"}});
       },
       {{kDup, "spec.ports[1]",
         "Duplicate value: core.ServicePort{Name:\"\", Protocol:\"TCP\", AppProtocol:(*string)(nil), Port:80, "
         "TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}, NodePort:0}"}}},
      {"service type", "", "Service", svc, [](json& s) { s["spec"]["type"] = "Foo"; },
       {{kNS, "spec.type",
         "Unsupported value: \"Foo\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", "
         "\"NodePort\""}}},
      {"service externalTrafficPolicy on ClusterIP", "", "Service", svc,
       [](json& s) { s["spec"]["externalTrafficPolicy"] = "Local"; },
       {{kInv, "spec.externalTrafficPolicy", "Invalid value: \"Local\": may only be set for externally-accessible services"}}},
      {"service port zero", "", "Service", svc, [](json& s) { s["spec"]["ports"][0]["port"] = 0; },
       {{kInv, "spec.ports[0].port", "Invalid value: 0: must be between 1 and 65535, inclusive"}}},
      {"service targetPort name", "", "Service", svc, [](json& s) { s["spec"]["ports"][0]["targetPort"] = "http_x"; },
       {{kInv, "spec.ports[0].targetPort",
         "Invalid value: \"http_x\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"}}},
      {"service targetPort number", "", "Service", svc, [](json& s) { s["spec"]["ports"][0]["targetPort"] = 65536; },
       {{kInv, "spec.ports[0].targetPort", "Invalid value: 65536: must be between 1 and 65535, inclusive"}}},
      {"service no ports", "", "Service", svc, [](json& s) { s["spec"].erase("ports"); },
       {{kReq, "spec.ports", "Required value"}}},
      {"service nodePort on ClusterIP", "", "Service", svc,
       [](json& s) { s["spec"]["ports"][0]["nodePort"] = 30080; },
       {{kForb, "spec.ports[0].nodePort", "Forbidden: may not be used when `type` is 'ClusterIP'"}}},
      {"configmap key", "", "ConfigMap", [] { return obj("ConfigMap", R"({"data":{"ok":"1"}})"); },
       [](json& o) { o["data"]["bad key"] = "2"; }, {{kInv, "data[bad key]", "Invalid value: \"bad key\": " + kConfigKeyMsg}}},
      {"configmap dotdot key", "", "ConfigMap", [] { return obj("ConfigMap", R"({"data":{"x..":"1"}})"); },
       [](json& o) { o["data"]["..x"] = "1"; }, {{kInv, "data[..x]", "Invalid value: \"..x\": must not start with '..'"}}},
      {"secret key", "", "Secret", [] { return obj("Secret", R"({"data":{"a.b":"eA=="}})"); },
       [](json& o) { o["data"]["a/b"] = "eA=="; },
       {{kInv, "data[a/b]", "Invalid value: \"a/b\": " + kConfigKeyMsg}}},
      {"secret tls needs keys", "", "Secret",
       [] { return obj("Secret", R"({"type":"kubernetes.io/tls","data":{"tls.crt":"eA==","tls.key":"eA=="}})"); },
       [](json& o) { o["data"].erase("tls.key"); },
       {{kReq, "data[tls.key]", "Required value"}}},
      {"namespace name", "", "Namespace", [] { return json{{"metadata", {{"name", "good"}}}}; },
       [](json& o) { o["metadata"]["name"] = "Bad.ns"; },
       {{kInv, "metadata.name", "Invalid value: \"Bad.ns\": " + kLabelMsg}}},
      {"namespace on cluster kind", "", "Node", [] { return json{{"metadata", {{"name", "n"}}}}; },
       [](json& o) { o["metadata"]["namespace"] = "d"; }, {{kForb, "metadata.namespace", "Forbidden: not allowed on this type"}}},
      {"pod without containers", "", "Pod", pod, [](json& p) { p["spec"].erase("containers"); },
       {{kReq, "spec.containers", "Required value"}}},
      {"pod restartPolicy", "", "Pod", pod, [](json& p) { p["spec"]["restartPolicy"] = "Sometimes"; },
       {{kNS, "spec.restartPolicy",
         "Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\""}}},
      {"pod volume mount unknown", "", "Pod", pod,
       [](json& p) { p["spec"]["containers"][0]["volumeMounts"] = json::parse(R"([{"name":"v","mountPath":"/v"}])"); },
       {{"FieldValueNotFound", "spec.containers[0].volumeMounts[0].name", "Not found: \"v\""}}},
      {"pod toleration operator", "", "Pod", pod,
       [](json& p) { p["spec"]["tolerations"] = json::parse(R"([{"key":"k","operator":"Maybe"}])"); },
       {{kNS, "spec.tolerations[0].operator", "Unsupported value: \"Maybe\": supported values: \"Equal\", \"Exists\""}}},
      {"event namespace mismatch", "", "Event",
       [] { return obj("Event", R"({"involvedObject":{"kind":"Pod","namespace":"default","name":"p"}})"); },
       [](json& o) { o["involvedObject"]["namespace"] = "other"; }, {{kInv, "involvedObject.namespace", "Invalid value: \"other\": does not match event.namespace"}}},
      {"replicaset", "apps", "ReplicaSet",
       [] {
         json d = testing::seed_deployment();
         d["kind"] = "ReplicaSet";
         d["spec"].erase("strategy");
         return d;
       },
       [](json& d) { d["spec"]["replicas"] = -2; },
       {{kInv, "spec.replicas", "Invalid value: -2: must be greater than or equal to 0"}}},
  };
}

TEST(Validate, TableOfInvalidObjects) {
  for (const auto& tc : cases()) {
    json o = tc.base();
    apply_defaults(tc.group, tc.kind, o);
    EXPECT_EQ(validate(tc.group, tc.kind, o, nullptr), std::vector<FieldError>{}) << tc.name << " (base)";
    json bad = tc.base();
    tc.mutate(bad);
    apply_defaults(tc.group, tc.kind, bad);
    EXPECT_EQ(validate(tc.group, tc.kind, bad, nullptr), tc.want) << tc.name;
  }
}

TEST(Validate, ValidKindsPassClean) {
  const char* node = R"({"metadata":{"name":"ip-10-0-0-108.us-west-2.compute.internal"},"spec":{"providerID":"aws:///x"}})";
  EXPECT_TRUE(validate("", "Node", json::parse(node), nullptr).empty());
  json sa = obj("ServiceAccount", "{}");
  EXPECT_TRUE(validate("", "ServiceAccount", sa, nullptr).empty());
  json ep = obj("Endpoints", R"({"subsets":[{"addresses":[{"ip":"2001:db8::1"}],"ports":[{"port":80,"protocol":"TCP"}]}]})");
  EXPECT_TRUE(validate("", "Endpoints", ep, nullptr).empty());
  json slice = obj("EndpointSlice", R"({"addressType":"IPv6","endpoints":[{"addresses":["2001:db8::1"]}],
    "ports":[{"port":80,"protocol":"TCP","name":""}]})");
  EXPECT_TRUE(validate("discovery.k8s.io", "EndpointSlice", slice, nullptr).empty());
  slice["endpoints"][0]["addresses"][0] = "10.0.0.1";
  EXPECT_EQ(validate("discovery.k8s.io", "EndpointSlice", slice, nullptr),
            (std::vector<FieldError>{{kInv, "endpoints[0].addresses[0]", "Invalid value: \"10.0.0.1\": must be an IPv6 address"}}));
  json ns = {{"metadata", {{"name", "aws-news-blog"}}}};
  apply_defaults("", "Namespace", ns);
  EXPECT_TRUE(validate("", "Namespace", ns, nullptr).empty());
}

TEST(Validate, GenerateNameIsCheckedAsAPrefix) {
  json p = pod();
  p["metadata"].erase("name");
  p["metadata"]["generateName"] = "web-";
  apply_defaults("", "Pod", p);
  // The server fills name from generateName before validating; without it, name is required.
  EXPECT_EQ(validate("", "Pod", p, nullptr),
            (std::vector<FieldError>{{kReq, "metadata.name", "Required value: name or generateName is required"}}));
  p["metadata"]["name"] = "web-abcde";
  EXPECT_TRUE(validate("", "Pod", p, nullptr).empty());
  p["metadata"]["generateName"] = "Web-";
  EXPECT_EQ(validate("", "Pod", p, nullptr).size(), 1u);
}

}  // namespace
}  // namespace v6k::kube
