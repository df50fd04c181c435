// Rows of every other resource with a printer, plus the default convertor.
#include <gtest/gtest.h>

#include "tables_test_util.h"

namespace v6k::kube {
namespace {

using nlohmann::json;
using testing::cells;

struct RowCase {
  const char* what;
  const char* group;
  const char* resource;
  const char* object;  // JSON
  json want;
};

void run(const std::vector<RowCase>& cases) {
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    const json got = cells(c.group, c.resource, json::parse(c.object));
    EXPECT_EQ(got, c.want);
    // Every cell's JSON type matches what upstream sends (numbers stay numbers).
    ASSERT_EQ(got.size(), c.want.size());
    for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].type(), c.want[i].type()) << i;
  }
}

TEST(NodeRows, ReadyAndCordoned) {
  run({
      {"ready node, IPv6 internal, IPv4 external", "", "nodes", R"({
        "metadata":{"name":"ip-10-0-1-5.ec2.internal","creationTimestamp":"2024-05-30T09:00:00Z",
          "labels":{"node-role.kubernetes.io/control-plane":"","node-role.kubernetes.io/worker":"",
                    "kubernetes.io/hostname":"ip-10-0-1-5"}},
        "spec":{"podCIDRs":["fd00:10:244:1::/64"]},
        "status":{"conditions":[{"type":"MemoryPressure","status":"False"},
                                {"type":"Ready","status":"True","reason":"KubeletReady"}],
          "addresses":[{"type":"InternalIP","address":"2600:1f18:abc::5"},
                       {"type":"ExternalIP","address":"54.1.2.3"},
                       {"type":"Hostname","address":"ip-10-0-1-5"}],
          "nodeInfo":{"kubeletVersion":"v1.32.0","osImage":"Amazon Linux 2023",
                      "kernelVersion":"6.1.0-21-amd64","containerRuntimeVersion":"containerd://1.7.20"}}})",
       {"ip-10-0-1-5.ec2.internal", "Ready", "control-plane,worker", "2d3h", "v1.32.0",
        "2600:1f18:abc::5", "54.1.2.3", "Amazon Linux 2023", "6.1.0-21-amd64",
        "containerd://1.7.20"}},
      {"not ready and cordoned, legacy role label, empty nodeInfo", "", "nodes", R"({
        "metadata":{"name":"node-b","creationTimestamp":"2024-06-01T11:00:00Z",
          "labels":{"kubernetes.io/role":"edge","node-role.kubernetes.io/":""}},
        "spec":{"unschedulable":true},
        "status":{"conditions":[{"type":"Ready","status":"False"}]}})",
       {"node-b", "NotReady,SchedulingDisabled", "edge", "60m", "", "<none>", "<none>",
        "<unknown>", "<unknown>", "<unknown>"}},
      {"no Ready condition yet", "", "nodes", R"({"metadata":{"name":"n"}})",
       {"n", "Unknown", "<none>", "<unknown>", "", "<none>", "<none>", "<unknown>", "<unknown>",
        "<unknown>"}},
      {"Ready Unknown (kubelet stopped posting)", "", "nodes",
       R"({"metadata":{"name":"n"},"status":{"conditions":[{"type":"Ready","status":"Unknown"}]}})",
       {"n", "NotReady", "<none>", "<unknown>", "", "<none>", "<none>", "<unknown>", "<unknown>",
        "<unknown>"}},
  });
}

TEST(ServiceRows, Types) {
  run({
      {"ClusterIP with IPv6 clusterIP", "", "services", R"({
        "metadata":{"name":"web","creationTimestamp":"2024-06-01T11:00:00Z"},
        "spec":{"type":"ClusterIP","clusterIP":"fd00:10:96::1a2b","clusterIPs":["fd00:10:96::1a2b"],
                "ipFamilies":["IPv6"],"selector":{"tier":"frontend","app":"web"},
                "ports":[{"name":"http","port":80,"protocol":"TCP","targetPort":8080},
                         {"name":"dns","port":53,"protocol":"UDP","targetPort":53}]}})",
       {"web", "ClusterIP", "fd00:10:96::1a2b", "<none>", "80/TCP,53/UDP", "60m",
        "app=web,tier=frontend"}},
      {"headless", "", "services", R"({
        "metadata":{"name":"db","creationTimestamp":"2024-06-01T11:59:00Z"},
        "spec":{"clusterIP":"None","clusterIPs":["None"],"ports":[{"port":5432}]}})",
       {"db", "ClusterIP", "None", "<none>", "5432/TCP", "60s", "<none>"}},
      {"NodePort with external IPs", "", "services", R"({
        "metadata":{"name":"np","creationTimestamp":"2024-06-01T11:00:00Z"},
        "spec":{"type":"NodePort","clusterIP":"10.96.0.20","externalIPs":["192.0.2.1","2001:db8::1"],
                "ports":[{"port":80,"nodePort":30080,"protocol":"TCP"}],"selector":{"app":"np"}}})",
       {"np", "NodePort", "10.96.0.20", "192.0.2.1,2001:db8::1", "80:30080/TCP", "60m", "app=np"}},
      {"LoadBalancer pending", "", "services", R"({
        "metadata":{"name":"lb","creationTimestamp":"2024-06-01T11:00:00Z"},
        "spec":{"type":"LoadBalancer","clusterIPs":["fd00:10:96::9"],
                "ports":[{"port":443,"nodePort":31443,"protocol":"TCP"}]}})",
       {"lb", "LoadBalancer", "fd00:10:96::9", "<pending>", "443:31443/TCP", "60m", "<none>"}},
      {"LoadBalancer with ingress and externalIPs, no truncation", "", "services", R"({
        "metadata":{"name":"lb2"},
        "spec":{"type":"LoadBalancer","clusterIP":"10.96.0.9","externalIPs":["198.51.100.7"],"ports":[]},
        "status":{"loadBalancer":{"ingress":[{"hostname":"a1b2c3.elb.us-east-1.amazonaws.com"},
                                             {"ip":"203.0.113.10"},{"ip":"203.0.113.10"}]}}})",
       {"lb2", "LoadBalancer", "10.96.0.9",
        "203.0.113.10,a1b2c3.elb.us-east-1.amazonaws.com,198.51.100.7", "<none>", "<unknown>",
        "<none>"}},
      {"ExternalName", "", "services", R"({
        "metadata":{"name":"ext"},"spec":{"type":"ExternalName","externalName":"db.example.com"}})",
       {"ext", "ExternalName", "<none>", "db.example.com", "<none>", "<unknown>", "<none>"}},
  });
}

TEST(WorkloadRows, DeploymentsAndReplicaSets) {
  run({
      {"deployment 3/3", "apps", "deployments", R"({
        "metadata":{"name":"web","creationTimestamp":"2024-05-31T12:00:00Z"},
        "spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},
                "template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.27"},
                                                  {"name":"log","image":"busybox:1.36"}]}}},
        "status":{"replicas":3,"updatedReplicas":3,"readyReplicas":3,"availableReplicas":3}})",
       {"web", "3/3", 3, 3, "24h", "nginx,log", "nginx:1.27,busybox:1.36", "app=web"}},
      {"deployment rolling out, expressions selector", "apps", "deployments", R"({
        "metadata":{"name":"api","creationTimestamp":"2024-06-01T11:58:00Z"},
        "spec":{"selector":{"matchLabels":{"app":"api"},
                 "matchExpressions":[{"key":"env","operator":"In","values":["prod","dev"]},
                                     {"key":"canary","operator":"DoesNotExist"}]},
                "template":{"spec":{"containers":[{"name":"api","image":"api:2"}]}}},
        "status":{"updatedReplicas":1}})",
       {"api", "0/1", 1, 0, "2m", "api", "api:2", "app=api,!canary,env in (dev,prod)"}},
      {"deployment with invalid selector", "apps", "deployments", R"({
        "metadata":{"name":"bad"},
        "spec":{"replicas":0,"selector":{"matchExpressions":[{"key":"a","operator":"Near"}]}}})",
       {"bad", "0/0", 0, 0, "<unknown>", "", "", "<invalid>"}},
      {"replicaset", "apps", "replicasets", R"({
        "metadata":{"name":"web-7d4b9c","creationTimestamp":"2024-05-31T12:00:00Z"},
        "spec":{"replicas":3,"selector":{"matchLabels":{"app":"web","pod-template-hash":"7d4b9c"}},
                "template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.27"}]}}},
        "status":{"replicas":3,"readyReplicas":2}})",
       {"web-7d4b9c", 3, 3, 2, "24h", "nginx", "nginx:1.27", "app=web,pod-template-hash=7d4b9c"}},
      {"replicaset without selector", "apps", "replicasets",
       R"({"metadata":{"name":"rs"},"spec":{"replicas":0}})",
       {"rs", 0, 0, 0, "<unknown>", "", "", "<none>"}},
  });
}

TEST(CoreRows, NamespacesConfigSecretsAccounts) {
  run({
      {"namespace", "", "namespaces",
       R"({"metadata":{"name":"kube-system","creationTimestamp":"2024-04-01T12:00:00Z"},"status":{"phase":"Active"}})",
       {"kube-system", "Active", "61d"}},
      {"terminating namespace", "", "namespaces",
       R"({"metadata":{"name":"old"},"status":{"phase":"Terminating"}})",
       {"old", "Terminating", "<unknown>"}},
      {"configmap with binaryData", "", "configmaps",
       R"({"metadata":{"name":"cfg","creationTimestamp":"2024-06-01T11:59:58Z"},
           "data":{"a":"1","b":"2"},"binaryData":{"c":"AAE="}})",
       {"cfg", 3, "2s"}},
      {"empty configmap", "", "configmaps", R"({"metadata":{"name":"kube-root-ca.crt"}})",
       {"kube-root-ca.crt", 0, "<unknown>"}},
      {"secret", "", "secrets",
       R"({"metadata":{"name":"tls"},"type":"kubernetes.io/tls","data":{"tls.crt":"","tls.key":""}})",
       {"tls", "kubernetes.io/tls", 2, "<unknown>"}},
      {"secret without type", "", "secrets", R"({"metadata":{"name":"s"},"data":{"k":"dg=="}})",
       {"s", "Opaque", 1, "<unknown>"}},
      {"service account", "", "serviceaccounts",
       R"({"metadata":{"name":"default","creationTimestamp":"2024-06-01T09:00:00Z"},"secrets":[{"name":"t"}]})",
       {"default", 1, "3h"}},
      {"service account without secrets", "", "serviceaccounts", R"({"metadata":{"name":"builder"}})",
       {"builder", 0, "<unknown>"}},
  });
}

TEST(EventRows, CoreAndEventsApi) {
  run({
      {"pod event with count", "", "events", R"({
        "metadata":{"name":"web-1.17d8a1b2c3d4e5f6","namespace":"default"},
        "involvedObject":{"kind":"Pod","name":"web-1","fieldPath":"spec.containers{app}"},
        "reason":"Pulled","message":"Successfully pulled image \"nginx:1.27\"\n","type":"Normal",
        "source":{"component":"kubelet","host":"ip-10-0-1-5"},
        "firstTimestamp":"2024-06-01T11:50:00Z","lastTimestamp":"2024-06-01T11:58:00Z","count":4})",
       {"2m", "Normal", "Pulled", "pod/web-1", "spec.containers{app}", "kubelet, ip-10-0-1-5",
        "Successfully pulled image \"nginx:1.27\"", "10m", 4, "web-1.17d8a1b2c3d4e5f6"}},
      {"new-style singleton event (eventTime only)", "", "events", R"({
        "metadata":{"name":"web.1"},
        "involvedObject":{"kind":"Deployment","name":"web"},
        "reason":"ScalingReplicaSet","message":"Scaled up replica set web-7d4b9c to 3",
        "type":"Normal","firstTimestamp":null,"lastTimestamp":null,
        "eventTime":"2024-06-01T11:59:30.123456Z","reportingComponent":"deployment-controller",
        "reportingInstance":""})",
       // 29.87s: HumanDuration truncates, it does not round.
       {"29s", "Normal", "ScalingReplicaSet", "deployment/web", "", "deployment-controller",
        "Scaled up replica set web-7d4b9c to 3", "29s", 1, "web.1"}},
      {"series event, cluster-scoped object", "", "events", R"({
        "metadata":{"name":"n.1"},"involvedObject":{"kind":"Node"},"type":"Warning",
        "reason":"Rebooted","eventTime":"2024-06-01T11:00:00.000000Z",
        "series":{"count":7,"lastObservedTime":"2024-06-01T11:59:00.000000Z"}})",
       {"60s", "Warning", "Rebooted", "node", "", "", "", "60m", 7, "n.1"}},
      {"events.k8s.io/v1 shape", "events.k8s.io", "events", R"({
        "apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"e"},
        "regarding":{"kind":"Pod","name":"p","fieldPath":"spec.containers{c}"},"note":"Started container c",
        "reason":"Started","type":"Normal","reportingController":"kubelet","reportingInstance":"node-a",
        "deprecatedFirstTimestamp":"2024-06-01T11:59:00Z","deprecatedLastTimestamp":"2024-06-01T11:59:50Z",
        "deprecatedCount":2})",
       {"10s", "Normal", "Started", "pod/p", "spec.containers{c}", "kubelet, node-a",
        "Started container c", "60s", 2, "e"}},
  });
}

TEST(EndpointRows, EndpointsAndSlices) {
  run({
      {"endpoints with IPv6 and truncation", "", "endpoints", R"({
        "metadata":{"name":"web","creationTimestamp":"2024-06-01T11:00:00Z"},
        "subsets":[{"addresses":[{"ip":"2001:db8::1"},{"ip":"2001:db8::2"}],
                    "ports":[{"name":"http","port":80},{"name":"https","port":443}]}]})",
       {"web", "[2001:db8::1]:80,[2001:db8::2]:80,[2001:db8::1]:443 + 1 more...", "60m"}},
      {"endpoints, exactly three", "", "endpoints", R"({
        "metadata":{"name":"e3"},
        "subsets":[{"addresses":[{"ip":"10.0.0.1"},{"ip":"10.0.0.2"},{"ip":"10.0.0.3"}],"ports":[{"port":53}]}]})",
       {"e3", "10.0.0.1:53,10.0.0.2:53,10.0.0.3:53", "<unknown>"}},
      {"headless endpoints without ports", "", "endpoints", R"({
        "metadata":{"name":"h"},"subsets":[{"addresses":[{"ip":"fd00::1"},{"ip":"fd00::2"}]}]})",
       {"h", "fd00::1,fd00::2", "<unknown>"}},
      {"no subsets", "", "endpoints", R"({"metadata":{"name":"none"}})",
       {"none", "<none>", "<unknown>"}},
      {"endpointslice", "discovery.k8s.io", "endpointslices", R"({
        "metadata":{"name":"web-abc12","creationTimestamp":"2024-06-01T11:00:00Z"},
        "addressType":"IPv6",
        "ports":[{"name":"http","port":80,"protocol":"TCP"},{"name":"named"},{}],
        "endpoints":[{"addresses":["fd00:10:244:1::5"]},{"addresses":["fd00:10:244:1::6"]},
                     {"addresses":["fd00:10:244:2::5"]},{"addresses":["fd00:10:244:2::6"]},
                     {"addresses":["fd00:10:244:3::5"]}]})",
       {"web-abc12", "IPv6", "80,named,*", "fd00:10:244:1::5,fd00:10:244:1::6,fd00:10:244:2::5 + 2 more...",
        "60m"}},
      {"empty endpointslice", "discovery.k8s.io", "endpointslices",
       R"({"metadata":{"name":"s"},"addressType":"IPv4","ports":[],"endpoints":[]})",
       {"s", "IPv4", "<unset>", "<unset>", "<unknown>"}},
      {"four ports", "discovery.k8s.io", "endpointslices",
       R"({"metadata":{"name":"s"},"addressType":"IPv4","ports":[{"port":1},{"port":2},{"port":3},{"port":4}]})",
       {"s", "IPv4", "1,2,3 + 1 more...", "<unset>", "<unknown>"}},
  });
}

TEST(DefaultRows, NameAndCreatedAt) {
  run({
      {"statefulset falls back", "apps", "statefulsets",
       R"({"metadata":{"name":"db","creationTimestamp":"2024-06-01T14:00:00+02:00"}})",
       {"db", "2024-06-01T12:00:00Z"}},
      {"custom resource without timestamp", "example.com", "widgets", R"({"metadata":{"name":"w"}})",
       {"w", "0001-01-01T00:00:00Z"}},
  });
}

}  // namespace
}  // namespace v6k::kube
