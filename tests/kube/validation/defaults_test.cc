// Defaulting: the seed manifest gets exactly upstream's defaults, and other kinds the
// values a real API server shows in `kubectl get -o json`.
#include "kube/validation/defaults.h"

#include <gtest/gtest.h>

#include "kube/validation/validation.h"
#include "kube/validation/schema.h"
#include "kube/validation/seed.h"

namespace v6k::kube {
namespace {

using nlohmann::json;

TEST(Defaults, SeedDeploymentGetsUpstreamDefaultsAndValidatesClean) {
  json d = testing::seed_deployment();
  apply_defaults("apps", "Deployment", d);
  json want = testing::seed_deployment();
  want["spec"]["progressDeadlineSeconds"] = 600;
  want["spec"]["revisionHistoryLimit"] = 10;
  want["spec"]["strategy"] = json::parse(R"({"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"25%","maxSurge":"25%"}})");
  json& ps = want["spec"]["template"]["spec"];
  ps["dnsPolicy"] = "ClusterFirst";
  ps["restartPolicy"] = "Always";
  ps["schedulerName"] = "default-scheduler";
  ps["securityContext"] = json::object();
  ps["terminationGracePeriodSeconds"] = 30;
  json& c = ps["containers"][0];
  c["imagePullPolicy"] = "IfNotPresent";
  c["ports"][0]["protocol"] = "TCP";
  c["resources"] = json::object();
  c["terminationMessagePath"] = "/dev/termination-log";
  c["terminationMessagePolicy"] = "File";
  want["status"] = json::object();
  EXPECT_EQ(d, want) << d.dump(2);
  EXPECT_TRUE(validate("apps", "Deployment", d, nullptr).empty());
  EXPECT_TRUE(unknown_fields("apps", "Deployment", d).empty());
  json again = d;
  apply_defaults("apps", "Deployment", again);
  EXPECT_EQ(again, d) << "defaulting is idempotent";
}

TEST(Defaults, SeedServiceGetsUpstreamDefaultsAndValidatesClean) {
  json s = testing::seed_service();
  apply_defaults("", "Service", s);
  json want = testing::seed_service();
  want["spec"]["type"] = "ClusterIP";
  want["spec"]["sessionAffinity"] = "None";
  want["spec"]["internalTrafficPolicy"] = "Cluster";
  want["status"] = json::parse(R"({"loadBalancer":{}})");
  EXPECT_EQ(s, want) << s.dump(2);
  EXPECT_TRUE(validate("", "Service", s, nullptr).empty());
  EXPECT_TRUE(unknown_fields("", "Service", s).empty());
}

TEST(Defaults, ServiceTargetPortFollowsPortAndProtocolDefaults) {
  json s = json::parse(R"({"metadata":{"name":"a","namespace":"d"},
    "spec":{"type":"NodePort","ports":[{"port":8080},{"port":53,"protocol":"UDP","targetPort":"dns"}]}})");
  apply_defaults("", "Service", s);
  EXPECT_EQ(s["spec"]["ports"][0], json::parse(R"({"port":8080,"protocol":"TCP","targetPort":8080})"));
  EXPECT_EQ(s["spec"]["ports"][1], json::parse(R"({"port":53,"protocol":"UDP","targetPort":"dns"})"));
  EXPECT_EQ(s["spec"]["externalTrafficPolicy"], "Cluster");
  EXPECT_EQ(s["spec"]["internalTrafficPolicy"], "Cluster");
}

TEST(Defaults, ImagePullPolicyByTag) {
  struct Case {
    const char* image;
    const char* want;
  } cases[] = {
      {"nginx", "Always"},
      {"nginx:latest", "Always"},
      {"nginx:1.19.5", "IfNotPresent"},
      {"localhost:5000/nginx", "Always"},
      {"localhost:5000/nginx:1.2", "IfNotPresent"},
      {"nginx@sha256:0123", "IfNotPresent"},
      {"nginx:latest@sha256:0123", "Always"},
      {"", "IfNotPresent"},
      {"Nginx", "IfNotPresent"},
  };
  for (const auto& tc : cases) {
    json pod = {{"spec", {{"containers", json::array({{{"name", "c"}, {"image", tc.image}}})}}}};
    apply_defaults("", "Pod", pod);
    EXPECT_EQ(pod["spec"]["containers"][0]["imagePullPolicy"], tc.want) << tc.image;
  }
}

TEST(Defaults, PodOnlyFieldsAndExplicitValuesWin) {
  json pod = json::parse(R"({"spec":{"restartPolicy":"Never","containers":[{"name":"c","image":"x:1",
    "imagePullPolicy":"Never","resources":{"limits":{"cpu":"1"}},
    "livenessProbe":{"httpGet":{"port":80}}}],"volumes":[{"name":"v"},{"name":"s","secret":{"secretName":"x"}}]}})");
  apply_defaults("", "Pod", pod);
  const json& spec = pod["spec"];
  EXPECT_EQ(spec["restartPolicy"], "Never");
  EXPECT_EQ(spec["enableServiceLinks"], true);
  EXPECT_EQ(spec["priority"], 0);
  EXPECT_EQ(spec["preemptionPolicy"], "PreemptLowerPriority");
  const json& c = spec["containers"][0];
  EXPECT_EQ(c["imagePullPolicy"], "Never");
  EXPECT_EQ(c["resources"]["requests"], json::parse(R"({"cpu":"1"})"));
  EXPECT_EQ(c["livenessProbe"], json::parse(R"({"httpGet":{"port":80,"path":"/","scheme":"HTTP"},
    "timeoutSeconds":1,"periodSeconds":10,"successThreshold":1,"failureThreshold":3})"));
  EXPECT_EQ(spec["volumes"][0], json::parse(R"({"name":"v","emptyDir":{}})"));
  EXPECT_EQ(spec["volumes"][1]["secret"]["defaultMode"], 420);

  json d = testing::seed_deployment();
  apply_defaults("apps", "Deployment", d);
  EXPECT_FALSE(d["spec"]["template"]["spec"].contains("enableServiceLinks")) << "templates get no pod-only defaults";
  EXPECT_FALSE(d["spec"]["template"]["spec"].contains("priority"));
}

TEST(Defaults, NamespaceSecretReplicaSetEndpointSlice) {
  json ns = json::parse(R"({"metadata":{"name":"aws-news-blog"}})");
  apply_defaults("", "Namespace", ns);
  EXPECT_EQ(ns, json::parse(R"({"metadata":{"name":"aws-news-blog","labels":{"kubernetes.io/metadata.name":"aws-news-blog"}},
    "spec":{"finalizers":["kubernetes"]},"status":{"phase":"Active"}})"));

  json secret = json::parse(R"({"metadata":{"name":"s"}})");
  apply_defaults("", "Secret", secret);
  EXPECT_EQ(secret["type"], "Opaque");

  json rs = json::parse(R"({"spec":{"template":{"spec":{"containers":[{"name":"c","image":"i"}]}}}})");
  apply_defaults("apps", "ReplicaSet", rs);
  EXPECT_EQ(rs["spec"]["replicas"], 1);
  EXPECT_EQ(rs["spec"]["template"]["spec"]["dnsPolicy"], "ClusterFirst");

  json slice = json::parse(R"({"addressType":"IPv6","ports":[{"port":80}]})");
  apply_defaults("discovery.k8s.io", "EndpointSlice", slice);
  EXPECT_EQ(slice["ports"][0], json::parse(R"({"port":80,"name":"","protocol":"TCP"})"));
}

TEST(Defaults, WrongTypesAreLeftAloneWithoutThrowing) {
  json weird = json::parse(R"({"spec":{"containers":"nope","volumes":[1,null],"template":7,"ports":{"a":1}}})");
  for (auto [g, k] : {std::pair{"", "Pod"}, {"apps", "Deployment"}, {"", "Service"}, {"", "Namespace"}}) {
    json copy = weird;
    apply_defaults(g, k, copy);
    (void)validate(g, k, copy, nullptr);
    (void)unknown_fields(g, k, copy);
  }
  json scalar = 5;
  apply_defaults("", "Pod", scalar);
  EXPECT_EQ(scalar, 5);
}

}  // namespace
}  // namespace v6k::kube
