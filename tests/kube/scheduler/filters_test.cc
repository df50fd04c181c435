#include <gtest/gtest.h>

#include "kube/scheduler/fixtures.h"
#include "kube/scheduler/node_affinity.h"
#include "kube/scheduler/plugins.h"

namespace v6k::kube::scheduler {
namespace {

using namespace testing;

NodeFacts node_with_labels(json labels, const std::string& name = "n1") {
  json n = make_node(name);
  n["metadata"]["labels"] = std::move(labels);
  return read_node(n);
}

json pod_with_required(json terms) {
  json p = make_pod("p");
  p["spec"]["affinity"] = {
      {"nodeAffinity", {{"requiredDuringSchedulingIgnoredDuringExecution", {{"nodeSelectorTerms", terms}}}}}};
  return p;
}

json expr(const std::string& key, const std::string& op, json values = nullptr) {
  json e = {{"key", key}, {"operator", op}};
  if (!values.is_null()) e["values"] = std::move(values);
  return e;
}

TEST(NodeAffinity, OperatorsTable) {
  struct Case {
    const char* name;
    json term;
    json labels;
    bool want;
  };
  auto exprs = [](std::initializer_list<json> list) {
    json arr = json::array();
    for (const json& e : list) arr.push_back(e);
    return json{{"matchExpressions", arr}};
  };
  const Case cases[] = {
      {"In match", exprs({expr("zone", "In", {"a", "b"})}), {{"zone", "b"}}, true},
      {"In miss", exprs({expr("zone", "In", {"a", "b"})}), {{"zone", "c"}}, false},
      {"In absent", exprs({expr("zone", "In", {"a"})}), json::object(), false},
      {"NotIn other", exprs({expr("zone", "NotIn", {"a"})}), {{"zone", "b"}}, true},
      {"NotIn same", exprs({expr("zone", "NotIn", {"a"})}), {{"zone", "a"}}, false},
      {"NotIn absent", exprs({expr("zone", "NotIn", {"a"})}), json::object(), true},
      {"Exists", exprs({expr("gpu", "Exists")}), {{"gpu", ""}}, true},
      {"Exists absent", exprs({expr("gpu", "Exists")}), json::object(), false},
      {"DoesNotExist", exprs({expr("gpu", "DoesNotExist")}), json::object(), true},
      {"DoesNotExist present", exprs({expr("gpu", "DoesNotExist")}), {{"gpu", "1"}}, false},
      {"Gt", exprs({expr("cores", "Gt", {"4"})}), {{"cores", "8"}}, true},
      {"Gt equal", exprs({expr("cores", "Gt", {"4"})}), {{"cores", "4"}}, false},
      {"Gt not a number", exprs({expr("cores", "Gt", {"4"})}), {{"cores", "many"}}, false},
      {"Lt", exprs({expr("cores", "Lt", {"4"})}), {{"cores", "-2"}}, true},
      {"Lt absent", exprs({expr("cores", "Lt", {"4"})}), json::object(), false},
      {"AND within a term", exprs({expr("a", "Exists"), expr("b", "Exists")}), {{"a", "1"}}, false},
      {"malformed: In without values", exprs({expr("a", "In", json::array())}), {{"a", "1"}}, false},
      {"malformed: Gt two values", exprs({expr("a", "Gt", {"1", "2"})}), {{"a", "5"}}, false},
      {"malformed: Exists with values", exprs({expr("a", "Exists", {"1"})}), {{"a", "1"}}, false},
      {"malformed: unknown operator", exprs({expr("a", "Like", {"1"})}), {{"a", "1"}}, false},
      {"empty term matches nothing", json::object(), {{"a", "1"}}, false},
      {"matchFields name In", {{"matchFields", {expr("metadata.name", "In", {"n1"})}}}, json::object(), true},
      {"matchFields name NotIn", {{"matchFields", {expr("metadata.name", "NotIn", {"n1"})}}}, json::object(), false},
      {"matchFields other key", {{"matchFields", {expr("metadata.uid", "In", {"n1"})}}}, json::object(), false},
      {"matchFields Exists unsupported", {{"matchFields", {expr("metadata.name", "Exists")}}}, json::object(), false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto a = NodeAffinity::from_pod(pod_with_required(json::array({c.term})));
    EXPECT_EQ(a.required_matches(node_with_labels(c.labels)), c.want);
  }
}

TEST(NodeAffinity, SeedManifestArchAffinityAndBetaVariant) {
  // The seed's Deployment: required kubernetes.io/arch In [amd64, arm64].
  for (const std::string key : {"kubernetes.io/arch", "beta.kubernetes.io/arch"}) {
    SCOPED_TRACE(key);
    json terms = json::array({{{"matchExpressions", {expr(key, "In", {"amd64", "arm64"})}}}});
    auto a = NodeAffinity::from_pod(pod_with_required(terms));
    EXPECT_TRUE(a.required_matches(node_with_labels({{key, "amd64"}})));
    EXPECT_TRUE(a.required_matches(node_with_labels({{key, "arm64"}})));
    EXPECT_FALSE(a.required_matches(node_with_labels({{key, "s390x"}})));
    EXPECT_FALSE(a.required_matches(node_with_labels(json::object())));
  }
  // Terms are ORed: either label satisfies a two-term affinity.
  json both = json::array({{{"matchExpressions", {expr("kubernetes.io/arch", "In", {"amd64", "arm64"})}}},
                           {{"matchExpressions", {expr("beta.kubernetes.io/arch", "In", {"amd64", "arm64"})}}}});
  auto a = NodeAffinity::from_pod(pod_with_required(both));
  EXPECT_TRUE(a.required_matches(node_with_labels({{"beta.kubernetes.io/arch", "arm64"}})));
  EXPECT_TRUE(a.required_matches(node_with_labels({{"kubernetes.io/arch", "amd64"}})));
  EXPECT_FALSE(a.required_matches(node_with_labels({{"kubernetes.io/os", "linux"}})));
}

TEST(NodeAffinity, NodeSelectorAndRequiredBothApply) {
  json p = pod_with_required(json::array({{{"matchExpressions", {expr("zone", "Exists")}}}}));
  p["spec"]["nodeSelector"] = {{"disk", "ssd"}};
  auto a = NodeAffinity::from_pod(p);
  EXPECT_TRUE(a.required_matches(node_with_labels({{"disk", "ssd"}, {"zone", "z"}})));
  EXPECT_FALSE(a.required_matches(node_with_labels({{"disk", "hdd"}, {"zone", "z"}})));
  EXPECT_FALSE(a.required_matches(node_with_labels({{"disk", "ssd"}})));
  // Empty nodeSelectorTerms list: nothing matches.
  EXPECT_FALSE(NodeAffinity::from_pod(pod_with_required(json::array())).required_matches(node_with_labels({})));
  // No constraints at all: everything matches.
  EXPECT_TRUE(NodeAffinity::from_pod(make_pod("x")).required_matches(node_with_labels({})));
}

TEST(NodeAffinity, PreferredWeights) {
  json p = make_pod("p");
  p["spec"]["affinity"] = {
      {"nodeAffinity",
       {{"preferredDuringSchedulingIgnoredDuringExecution",
         {{{"weight", 10}, {"preference", {{"matchExpressions", {expr("zone", "In", {"a"})}}}}},
          {{"weight", 5}, {"preference", {{"matchExpressions", {expr("disk", "Exists")}}}}}}}}}};
  auto a = NodeAffinity::from_pod(p);
  EXPECT_EQ(a.preferred_weight(node_with_labels({{"zone", "a"}, {"disk", "x"}})), 15);
  EXPECT_EQ(a.preferred_weight(node_with_labels({{"disk", "x"}})), 5);
  EXPECT_EQ(a.preferred_weight(node_with_labels({})), 0);
}

TEST(Tolerations, MatchingTable) {
  struct Case {
    const char* name;
    Toleration tol;
    Taint taint;
    bool want;
  };
  const Case cases[] = {
      {"Equal same", {"k", "Equal", "v", "NoSchedule"}, {"k", "v", "NoSchedule"}, true},
      {"empty op is Equal", {"k", "", "v", "NoSchedule"}, {"k", "v", "NoSchedule"}, true},
      {"Equal other value", {"k", "Equal", "v", "NoSchedule"}, {"k", "w", "NoSchedule"}, false},
      {"Equal other key", {"k", "Equal", "v", ""}, {"j", "v", "NoSchedule"}, false},
      {"Exists any value", {"k", "Exists", "", "NoSchedule"}, {"k", "anything", "NoSchedule"}, true},
      {"empty effect matches all", {"k", "Exists", "", ""}, {"k", "", "NoExecute"}, true},
      {"effect differs", {"k", "Exists", "", "NoSchedule"}, {"k", "", "NoExecute"}, false},
      {"empty key Exists tolerates all", {"", "Exists", "", ""}, {"any", "x", "NoExecute"}, true},
      {"empty key Exists with effect", {"", "Exists", "", "NoSchedule"}, {"any", "x", "NoExecute"}, false},
      {"unknown operator", {"k", "Gt", "v", ""}, {"k", "v", "NoSchedule"}, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(c.tol.tolerates(c.taint), c.want);
  }
}

struct FilterCase {
  const char* name;
  json node;
  json pod;
  std::vector<std::string> reasons;  // empty: passes
  FilterCode code;
};

json with_taint(json node, const std::string& key, const std::string& value, const std::string& effect) {
  json t = {{"key", key}, {"effect", effect}};
  if (!value.empty()) t["value"] = value;
  node["spec"]["taints"].push_back(t);
  return node;
}

json tolerating(json pod, json tol) {
  pod["spec"]["tolerations"].push_back(std::move(tol));
  return pod;
}

TEST(Filters, ReasonsTable) {
  json cordoned = make_node("n1");
  cordoned["spec"]["unschedulable"] = true;
  json cordoned_tainted = with_taint(cordoned, "dedicated", "gpu", "NoSchedule");
  json selector_pod = make_pod("p");
  selector_pod["spec"]["nodeSelector"] = {{"disk", "ssd"}};
  json port_pod = make_pod("p");
  port_pod["spec"]["containers"][0]["ports"] = {{{"containerPort", 80}, {"hostPort", 80}}};
  const FilterCase cases[] = {
      {"fits", make_node("n1"), make_pod("p", "1", "1Gi"), {}, FilterCode::kSuccess},
      {"cordoned", cordoned, make_pod("p"), {"node(s) were unschedulable"}, FilterCode::kUnresolvable},
      {"cordon tolerated", cordoned,
       tolerating(make_pod("p"), {{"key", "node.kubernetes.io/unschedulable"}, {"operator", "Exists"},
                                  {"effect", "NoSchedule"}}),
       {}, FilterCode::kSuccess},
      {"unschedulable reported before taints", cordoned_tainted, make_pod("p"), {"node(s) were unschedulable"},
       FilterCode::kUnresolvable},
      {"taint with value", with_taint(make_node("n1"), "dedicated", "gpu", "NoSchedule"), make_pod("p"),
       {"node(s) had untolerated taint {dedicated: gpu}"}, FilterCode::kUnresolvable},
      {"taint without value", with_taint(make_node("n1"), "node-role.kubernetes.io/control-plane", "", "NoSchedule"),
       make_pod("p"), {"node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"},
       FilterCode::kUnresolvable},
      {"NoExecute not-ready", with_taint(make_node("n1"), "node.kubernetes.io/not-ready", "", "NoExecute"),
       make_pod("p"), {"node(s) had untolerated taint {node.kubernetes.io/not-ready: }"}, FilterCode::kUnresolvable},
      {"PreferNoSchedule does not filter", with_taint(make_node("n1"), "soft", "x", "PreferNoSchedule"),
       make_pod("p"), {}, FilterCode::kSuccess},
      {"first untolerated taint reported",
       with_taint(with_taint(make_node("n1"), "a", "1", "NoSchedule"), "b", "2", "NoSchedule"),
       tolerating(make_pod("p"), {{"key", "a"}, {"operator", "Equal"}, {"value", "1"}}),
       {"node(s) had untolerated taint {b: 2}"}, FilterCode::kUnresolvable},
      {"tolerate everything", with_taint(make_node("n1"), "a", "1", "NoExecute"),
       tolerating(make_pod("p"), {{"operator", "Exists"}}), {}, FilterCode::kSuccess},
      {"selector", make_node("n1"), selector_pod, {"node(s) didn't match Pod's node affinity/selector"},
       FilterCode::kUnresolvable},
      {"cpu", make_node("n1", "2", "8Gi"), make_pod("p", "2500m", "1Gi"), {"Insufficient cpu"},
       FilterCode::kUnresolvable},  // more than the whole node: preemption cannot help
      {"cpu and memory", make_node("n1", "2", "1Gi"), make_pod("p", "3", "2Gi"),
       {"Insufficient cpu", "Insufficient memory"}, FilterCode::kUnresolvable},
      {"zero allocatable", make_node("n1", "0", "0"), make_pod("p", "1m", ""), {"Insufficient cpu"},
       FilterCode::kUnresolvable},
      {"no requests fit anywhere", make_node("n1", "0", "0"), make_pod("p"), {}, FilterCode::kSuccess},
      {"too many pods", make_node("n1", "4", "8Gi", "0"), make_pod("p", "5", ""),
       {"Too many pods", "Insufficient cpu"}, FilterCode::kUnresolvable},
      {"ports free", make_node("n1"), port_pod, {}, FilterCode::kSuccess},
  };
  for (const FilterCase& c : cases) {
    SCOPED_TRACE(c.name);
    PodContext ctx(c.pod);
    NodeInfo info;
    NodeFacts node = read_node(c.node);
    FilterResult r = filter_node(ctx, node, info);
    EXPECT_EQ(r.reasons, c.reasons);
    EXPECT_EQ(r.code, c.code);
  }
}

TEST(Filters, UsageOnTheNodeCounts) {
  ClusterSnapshot s;
  ASSERT_TRUE(s.upsert_node(make_node("n1", "2", "4Gi", "2")));
  json used = bound(make_pod("used", "1500m", "3Gi"), "n1");
  used["spec"]["containers"][0]["ports"] = {{{"containerPort", 80}, {"hostPort", 80}}};
  ASSERT_TRUE(s.add_pod(used));
  const NodeInfo& info = *s.node("n1");
  auto run = [&](const json& pod) { return filter_node(PodContext(pod), *info.node, info); };
  // 1 core left: resolvable by preemption (the node could hold it).
  FilterResult cpu = run(make_pod("p", "1", "512Mi"));
  EXPECT_EQ(cpu.reasons, std::vector<std::string>{"Insufficient cpu"});
  EXPECT_EQ(cpu.code, FilterCode::kUnschedulable);
  EXPECT_TRUE(run(make_pod("p", "500m", "1Gi")).ok());
  FilterResult mem = run(make_pod("p", "100m", "1536Mi"));
  EXPECT_EQ(mem.reasons, std::vector<std::string>{"Insufficient memory"});
  json port_pod = make_pod("p");
  port_pod["spec"]["containers"][0]["ports"] = {{{"containerPort", 8080}, {"hostPort", 80}, {"hostIP", "10.1.1.1"}}};
  FilterResult port = run(port_pod);
  EXPECT_EQ(port.reasons, std::vector<std::string>{"node(s) didn't have free ports for the requested pod ports"});
  EXPECT_EQ(port.code, FilterCode::kUnschedulable);
  ASSERT_TRUE(s.add_pod(bound(make_pod("second"), "n1")));
  FilterResult pods = run(make_pod("p"));
  EXPECT_EQ(pods.reasons, std::vector<std::string>{"Too many pods"});
  EXPECT_EQ(pods.code, FilterCode::kUnschedulable);
}

}  // namespace
}  // namespace v6k::kube::scheduler
