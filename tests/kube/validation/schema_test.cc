// Known-field schemas: typos at several depths are reported with upstream's paths;
// map-valued fields accept any key.
#include "kube/validation/schema.h"

#include <gtest/gtest.h>

#include "kube/validation/defaults.h"
#include "kube/validation/schema_internal.h"
#include "kube/validation/seed.h"

namespace v6k::kube {
namespace {

using nlohmann::json;
using Paths = std::vector<std::string>;

TEST(Schema, TableIsConsistent) { EXPECT_EQ(detail::schema_undefined_types(), Paths{}); }

TEST(Schema, TyposAtSeveralDepths) {
  json d = testing::seed_deployment();
  d["x"] = 1;
  d["metadata"]["labelz"] = {{"a", "b"}};
  d["spec"]["foo"] = true;
  json& ps = d["spec"]["template"]["spec"];
  ps["containers"][0]["imagee"] = "nginx";
  ps["containers"][0]["ports"][0]["containerport"] = 80;
  ps["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"][0]
    ["matchExpressions"][0]["vals"] = json::array();
  // Free-form maps accept anything.
  ps["nodeSelector"] = {{"any/key", "v"}};
  ps["containers"][0]["resources"] = json::parse(R"({"limits":{"example.com/gpu":"1"}})");
  EXPECT_EQ(unknown_fields("apps", "Deployment", d),
            (Paths{"metadata.labelz", "spec.foo",
                   "spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution."
                   "nodeSelectorTerms[0].matchExpressions[0].vals",
                   "spec.template.spec.containers[0].imagee", "spec.template.spec.containers[0].ports[0].containerport",
                   "x"}));
}

TEST(Schema, EveryKindKnowsItsFields) {
  struct Case {
    const char* group;
    const char* kind;
    const char* body;
    Paths want;
  } cases[] = {
      {"", "Service", R"({"spec":{"ports":[{"port":80,"targetPort":80,"nodeport":1}],"sessionAffinityConfig":{"clientIP":{"timeoutSeconds":1}}},"status":{"loadBalancer":{"ingress":[{"ip":"1.2.3.4"}]}}})",
       {"spec.ports[0].nodeport"}},
      {"", "ConfigMap", R"({"data":{"k":"v"},"binaryData":{},"immutable":false,"spec":{}})", {"spec"}},
      {"", "Secret", R"({"stringData":{"k":"v"},"type":"Opaque","date":{}})", {"date"}},
      {"", "Namespace", R"({"spec":{"finalizers":["kubernetes"]},"status":{"phase":"Active","phaze":1}})", {"status.phaze"}},
      {"", "Node", R"({"spec":{"taints":[{"key":"k","effect":"NoSchedule","efect":1}]},"status":{"daemonEndpoints":{"kubeletEndpoint":{"Port":10250}},"nodeInfo":{"kubeletVersion":"v1.32.0"}}})",
       {"spec.taints[0].efect"}},
      {"", "Pod", R"({"spec":{"containers":[{"name":"c","livenessProbe":{"httpGet":{"path":"/","port":80,"httpHeaders":[{"name":"a","value":"b","x":1}]}},"securityContext":{"capabilities":{"add":["NET_ADMIN"]}}}],"volumes":[{"name":"v","configMap":{"name":"c","items":[{"key":"a","path":"b"}]}},{"name":"p","projected":{"sources":[{"serviceAccountToken":{"path":"t"}},{"downwardAPI":{"items":[{"path":"n","fieldRef":{"fieldPath":"metadata.name"}}]}}]}}],"tolerations":[{"key":"k","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}],"topologySpreadConstraints":[{"maxSkew":1,"topologyKey":"zone","whenUnsatisfiable":"DoNotSchedule","labelSelector":{"matchLabels":{"a":"b"}}}]},"status":{"podIPs":[{"ip":"2001:db8::1"}],"containerStatuses":[{"name":"c","state":{"running":{"startedAt":"t"}}}]}})",
       {"spec.containers[0].livenessProbe.httpGet.httpHeaders[0].x"}},
      {"", "Endpoints", R"({"subsets":[{"addresses":[{"ip":"::1","targetRef":{"kind":"Pod"}}],"ports":[{"port":80,"prot":"TCP"}]}]})",
       {"subsets[0].ports[0].prot"}},
      {"", "Event", R"({"involvedObject":{"kind":"Pod"},"reason":"r","source":{"component":"c"},"count":1,"severity":"x"})", {"severity"}},
      {"", "ServiceAccount", R"({"secrets":[{"name":"s"}],"automountServiceAccountToken":true,"spec":{}})", {"spec"}},
      {"apps", "ReplicaSet", R"({"spec":{"replicas":1,"selector":{"matchLabels":{}},"template":{"metadata":{"labels":{}},"spec":{}}},"status":{"readyReplicas":1,"ready":1}})",
       {"status.ready"}},
      {"discovery.k8s.io", "EndpointSlice", R"({"addressType":"IPv6","endpoints":[{"addresses":["::1"],"conditions":{"ready":true},"nodeName":"n","zone":"z"}],"ports":[{"port":80,"portt":1}]})",
       {"ports[0].portt"}},
      {"example.com", "Widget", R"({"anything":1})", {}},
  };
  for (const auto& tc : cases) {
    json o = json::parse(tc.body);
    o["apiVersion"] = "v1";
    o["kind"] = tc.kind;
    o["metadata"] = {{"name", "x"}, {"namespace", "d"}, {"annotations", {{"k", "v"}}}};
    EXPECT_EQ(unknown_fields(tc.group, tc.kind, o), tc.want) << tc.kind;
  }
}

TEST(Schema, DefaultedObjectsAreKnown) {
  json d = testing::seed_deployment();
  apply_defaults("apps", "Deployment", d);
  EXPECT_EQ(unknown_fields("apps", "Deployment", d), Paths{});
  json p = json::parse(R"({"spec":{"containers":[{"name":"c","image":"i","readinessProbe":{"tcpSocket":{"port":80}}}],
    "volumes":[{"name":"v"},{"name":"s","secret":{"secretName":"x"}}]}})");
  apply_defaults("", "Pod", p);
  EXPECT_EQ(unknown_fields("", "Pod", p), Paths{});
}

TEST(Schema, StrictDecodingMessage) {
  EXPECT_EQ(strict_decoding_message({"spec.foo", "x"}), "strict decoding error: unknown field \"spec.foo\", unknown field \"x\"");
}

}  // namespace
}  // namespace v6k::kube
