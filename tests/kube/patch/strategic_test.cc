// Strategic merge patch: the patches kubectl apply/edit/label produce, upstream ordering
// rules, and upstream error texts.
#include <gtest/gtest.h>

#include "kube/patch/strategic.h"

namespace v6k::kube {
namespace {

struct Case {
  const char* name;
  const char* group;
  const char* kind;
  const char* original;
  const char* patch;
  const char* result;  // nullptr = error expected
  const char* error = nullptr;
};

const char* const kDeploy = R"({"metadata":{"name":"web","labels":{"app":"web","tier":"fe"}},
  "spec":{"replicas":1,"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}},
    "template":{"spec":{"containers":[
      {"name":"nginx","image":"nginx:1.25","ports":[{"containerPort":80}],
       "env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],"args":["-x","-y"]},
      {"name":"sidecar","image":"busybox"}],
      "tolerations":[{"key":"a","operator":"Exists"}]}}}})";

json deploy_with(const char* containers) {
  json d = json::parse(kDeploy);
  d["spec"]["template"]["spec"]["containers"] = json::parse(containers);
  return d;
}

TEST(StrategicMergePatch, Cases) {
  const Case cases[] = {
      {"label removed by null", "apps", "Deployment", R"({"metadata":{"labels":{"a":"1","b":"2"}}})",
       R"({"metadata":{"labels":{"a":null,"c":"3"}}})", R"({"metadata":{"labels":{"b":"2","c":"3"}}})"},
      {"service port changed (kubectl apply)", "", "Service",
       R"({"spec":{"ports":[{"name":"http","port":80,"protocol":"TCP","targetPort":80}],"selector":{"app":"web"}}})",
       R"({"spec":{"$setElementOrder/ports":[{"port":8080}],
                   "ports":[{"name":"http","port":8080,"targetPort":8080},{"$patch":"delete","port":80}]}})",
       R"({"spec":{"ports":[{"name":"http","port":8080,"targetPort":8080}],"selector":{"app":"web"}}})"},
      {"service port added keeps the other", "", "Service",
       R"({"spec":{"ports":[{"port":80},{"port":443}]}})",
       R"({"spec":{"$setElementOrder/ports":[{"port":80},{"port":9090},{"port":443}],"ports":[{"port":9090}]}})",
       R"({"spec":{"ports":[{"port":80},{"port":9090},{"port":443}]}})"},
      {"finalizers: add and delete (kubectl apply)", "", "ConfigMap",
       R"({"metadata":{"finalizers":["a","b"]}})",
       R"({"metadata":{"$setElementOrder/finalizers":["a","c"],"$deleteFromPrimitiveList/finalizers":["b"],
                       "finalizers":["c"]}})",
       R"({"metadata":{"finalizers":["a","c"]}})"},
      {"finalizers merge as a set, new first (upstream order)", "", "Pod",
       R"({"metadata":{"finalizers":["a","b"]}})", R"({"metadata":{"finalizers":["b","c"]}})",
       R"({"metadata":{"finalizers":["a","b","c"]}})"},
      {"new item without $setElementOrder goes first (upstream)", "", "Pod",
       R"({"spec":{"containers":[{"name":"a"}]}})", R"({"spec":{"containers":[{"name":"b"}]}})",
       R"({"spec":{"containers":[{"name":"b"},{"name":"a"}]}})"},
      {"new item after the patch item it follows", "", "Pod",
       R"({"spec":{"containers":[{"name":"a"},{"name":"b"},{"name":"c"}]}})",
       R"({"spec":{"containers":[{"name":"b","image":"x"},{"name":"d"}]}})",
       R"({"spec":{"containers":[{"name":"a"},{"name":"b","image":"x"},{"name":"d"},{"name":"c"}]}})"},
      // Upstream mergeSortedSlice: x sorts before b in the live list, so it stays first.
      {"$setElementOrder reorders, unnamed items keep live order", "", "Pod",
       R"({"spec":{"containers":[{"name":"a"},{"name":"x"},{"name":"b"}]}})",
       R"({"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"a"}]}})",
       R"({"spec":{"containers":[{"name":"x"},{"name":"b"},{"name":"a"}]}})"},
      {"$setElementOrder swaps two items", "", "Pod",
       R"({"spec":{"containers":[{"name":"a"},{"name":"b"}]}})",
       R"({"spec":{"$setElementOrder/containers":[{"name":"b"},{"name":"a"}]}})",
       R"({"spec":{"containers":[{"name":"b"},{"name":"a"}]}})"},
      {"tolerations replace whole", "", "Pod", R"({"spec":{"tolerations":[{"key":"a"},{"key":"b"}]}})",
       R"({"spec":{"tolerations":[{"key":"c"}]}})", R"({"spec":{"tolerations":[{"key":"c"}]}})"},
      {"$patch replace on a list", "", "Pod", R"({"spec":{"containers":[{"name":"a"},{"name":"b"}]}})",
       R"({"spec":{"containers":[{"$patch":"replace"},{"name":"c","env":[{"name":"X","value":null}]}]}})",
       R"({"spec":{"containers":[{"name":"c","env":[{"name":"X"}]}]}})"},
      {"$patch replace on a map", "apps", "Deployment",
       R"({"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}}}})",
       R"({"spec":{"strategy":{"$patch":"replace","type":"Recreate"}}})",
       R"({"spec":{"strategy":{"type":"Recreate"}}})"},
      {"$patch delete on a map", "", "Pod", R"({"spec":{"affinity":{"nodeAffinity":{}},"x":1}})",
       R"({"spec":{"affinity":{"$patch":"delete"}}})", R"({"spec":{"affinity":{},"x":1}})"},
      {"$patch merge on a map is a plain merge", "", "Pod", R"({"spec":{"a":{"b":1}}})",
       R"({"spec":{"a":{"$patch":"merge","c":2}}})", R"({"spec":{"a":{"b":1,"c":2}}})"},
      {"$retainKeys drops strategy.rollingUpdate", "apps", "Deployment",
       R"({"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}}}})",
       R"({"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"}}})",
       R"({"spec":{"strategy":{"type":"Recreate"}}})"},
      {"directives in a new value are executed, not stored", "", "Pod", R"({"spec":{}})",
       R"({"spec":{"containers":[{"name":"a","env":[{"$patch":"delete","name":"Z"},{"name":"Y"}]}]}})",
       R"({"spec":{"containers":[{"name":"a","env":[{"name":"Y"}]}]}})"},
      {"status conditions merge by type", "apps", "Deployment",
       R"({"status":{"conditions":[{"type":"Available","status":"False"},{"type":"Progressing","status":"True"}]}})",
       R"({"status":{"conditions":[{"type":"Available","status":"True"}]}})",
       R"({"status":{"conditions":[{"type":"Available","status":"True"},{"type":"Progressing","status":"True"}]}})"},
      {"ownerReferences merge by uid", "", "Pod", R"({"metadata":{"ownerReferences":[{"uid":"1","name":"a"}]}})",
       R"({"metadata":{"ownerReferences":[{"uid":"1","name":"b"}]}})",
       R"({"metadata":{"ownerReferences":[{"uid":"1","name":"b"}]}})"},
      {"node addresses merge by type", "", "Node",
       R"({"status":{"addresses":[{"type":"InternalIP","address":"::1"},{"type":"Hostname","address":"n"}]}})",
       R"({"status":{"addresses":[{"type":"Hostname","address":"m"}]}})",
       R"({"status":{"addresses":[{"type":"InternalIP","address":"::1"},{"type":"Hostname","address":"m"}]}})"},
      {"error: patch not an object", "", "Pod", R"({})", R"([1])", nullptr,
       "json: cannot unmarshal array into Go value of type map[string]interface {}"},
      {"error: item without merge key", "", "Pod", R"({"spec":{"containers":[{"name":"a"}]}})",
       R"({"spec":{"containers":[{"image":"x"}]}})", nullptr,
       "map: map[image:x] does not contain declared merge key: name"},
      {"error: delete without merge key", "", "Pod", R"({"spec":{"containers":[{"name":"a"}]}})",
       R"({"spec":{"containers":[{"$patch":"delete","image":"x"}]}})", nullptr,
       "map: map[$patch:delete image:x] does not contain declared merge key: name"},
      {"error: unknown $patch in a list item", "", "Pod", R"({"spec":{"containers":[{"name":"a"}]}})",
       R"({"spec":{"containers":[{"$patch":"frob","name":"a"}]}})", nullptr,
       "unknown patch type: frob in map: map[$patch:frob name:a]"},
      {"error: unknown $patch in a map", "", "Pod", R"({"spec":{}})", R"({"spec":{"$patch":"frob"}})", nullptr,
       "unknown patch type: frob in map: map[$patch:frob]"},
      {"error: $patch merge in a list", "", "Pod", R"({"spec":{"containers":[{"name":"a"}]}})",
       R"({"spec":{"containers":[{"$patch":"merge"}]}})", nullptr,
       "merging lists cannot yet be specified in the patch"},
      {"error: retainKeys not covering the patch", "apps", "Deployment", R"({"spec":{"strategy":{}}})",
       R"({"spec":{"strategy":{"$retainKeys":["type"],"rollingUpdate":{}}}})", nullptr,
       "patch content doesn't match retainKeys list"},
      {"error: setElementOrder not a list", "", "Pod", R"({"spec":{}})",
       R"({"spec":{"$setElementOrder/containers":{}}})", nullptr, "invalid patch format of setElementOrder list"},
      {"error: mixed element types", "", "Pod", R"({"metadata":{"finalizers":["a"]}})",
       R"({"metadata":{"finalizers":[1]}})", nullptr, "list element types are not identical: [[a] [1]]"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = strategic_merge_patch(json::parse(c.original), json::parse(c.patch), strategic_schema(c.group, c.kind));
    if (c.result) {
      ASSERT_TRUE(r.has_value()) << r.error().message();
      EXPECT_EQ(*r, json::parse(c.result)) << r->dump();
    } else {
      ASSERT_FALSE(r.has_value()) << r->dump();
      EXPECT_EQ(r.error().message(), c.error);
    }
  }
}

// The patches `kubectl apply` computes for a Deployment (three-way diff output).
TEST(StrategicMergePatch, KubectlApplyDeployment) {
  auto schema = strategic_schema("apps", "Deployment");
  json live = json::parse(kDeploy);

  // Image change: kubectl sends $setElementOrder for the list it touches.
  auto r = strategic_merge_patch(live, json::parse(R"({"spec":{"template":{"spec":{
      "$setElementOrder/containers":[{"name":"nginx"},{"name":"sidecar"}],
      "containers":[{"image":"nginx:1.27","name":"nginx"}]}}}})"), schema);
  ASSERT_TRUE(r) << r.error().message();
  json want = deploy_with(R"([{"name":"nginx","image":"nginx:1.27","ports":[{"containerPort":80}],
      "env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],"args":["-x","-y"]},
      {"name":"sidecar","image":"busybox"}])");
  EXPECT_EQ(*r, want);

  // Env var deleted, one added, args replaced, sidecar removed, new container in the middle.
  r = strategic_merge_patch(live, json::parse(R"({"spec":{"template":{"spec":{
      "$setElementOrder/containers":[{"name":"nginx"},{"name":"metrics"}],
      "containers":[
        {"$setElementOrder/env":[{"name":"B"},{"name":"C"}],"args":["-z"],
         "env":[{"name":"C","value":"3"},{"$patch":"delete","name":"A"}],"name":"nginx"},
        {"image":"prom","name":"metrics"},
        {"$patch":"delete","name":"sidecar"}]}}}})"), schema);
  ASSERT_TRUE(r) << r.error().message();
  want = deploy_with(R"([{"name":"nginx","image":"nginx:1.25","ports":[{"containerPort":80}],
      "env":[{"name":"B","value":"2"},{"name":"C","value":"3"}],"args":["-z"]},
      {"name":"metrics","image":"prom"}])");
  EXPECT_EQ(*r, want);

  // Replicas and a label removed.
  r = strategic_merge_patch(live, json::parse(R"({"metadata":{"labels":{"tier":null}},"spec":{"replicas":3}})"),
                            schema);
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)["metadata"]["labels"], json::parse(R"({"app":"web"})"));
  EXPECT_EQ((*r)["spec"]["replicas"], 3);
}

TEST(StrategicSchema, UpstreamMergeKeys) {
  using P = std::vector<std::string>;
  auto deploy = strategic_schema("apps", "Deployment");
  auto pod = strategic_schema("", "Pod");
  auto key = [](const PatchSchema& s, P p) {
    auto r = s(p);
    return r ? r->merge_key : std::string("<atomic>");
  };
  EXPECT_EQ(key(deploy, {"spec", "template", "spec", "containers"}), "name");
  EXPECT_EQ(key(deploy, {"spec", "template", "spec", "containers", "ports"}), "containerPort");
  EXPECT_EQ(key(deploy, {"spec", "template", "spec", "initContainers", "volumeMounts"}), "mountPath");
  EXPECT_EQ(key(deploy, {"spec", "template", "spec", "containers", "volumeDevices"}), "devicePath");
  EXPECT_EQ(key(deploy, {"spec", "template", "spec", "containers", "args"}), "<atomic>");
  EXPECT_EQ(key(deploy, {"spec", "template", "metadata", "finalizers"}), "");
  EXPECT_EQ(key(deploy, {"spec", "containers"}), "<atomic>");
  EXPECT_EQ(key(pod, {"spec", "containers", "env"}), "name");
  EXPECT_EQ(key(pod, {"spec", "hostAliases"}), "ip");
  EXPECT_EQ(key(pod, {"spec", "topologySpreadConstraints"}), "topologyKey");
  EXPECT_EQ(key(pod, {"spec", "tolerations"}), "<atomic>");
  EXPECT_TRUE(pod(P{"spec", "volumes"})->retain_keys);
  EXPECT_EQ(key(pod, {"metadata", "ownerReferences"}), "uid");
  EXPECT_EQ(key(strategic_schema("", "Service"), {"spec", "ports"}), "port");
  EXPECT_EQ(key(strategic_schema("", "Node"), {"status", "addresses"}), "type");
  EXPECT_EQ(key(strategic_schema("discovery.k8s.io", "EndpointSlice"), {"endpoints"}), "<atomic>");
}

}  // namespace
}  // namespace v6k::kube
