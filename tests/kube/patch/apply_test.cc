// Server-side apply: create, re-apply, conflicts with a client-side-apply owner, force,
// field removal, managedFields shape; record_update for non-apply writes.
#include <gtest/gtest.h>

#include "kube/patch/apply.h"

namespace v6k::kube {
namespace {

const char* const kT1 = "2026-11-27T10:00:00Z";
const char* const kT2 = "2026-11-27T11:00:00Z";

json config(int replicas, const char* image, bool with_tier = false) {
  json c = json::parse(R"({"apiVersion":"apps/v1","kind":"Deployment",
    "metadata":{"name":"web","namespace":"default","labels":{"app":"web"}},
    "spec":{"selector":{"matchLabels":{"app":"web"}},
      "template":{"metadata":{"labels":{"app":"web"}},
        "spec":{"containers":[{"name":"nginx","image":"IMAGE","ports":[{"containerPort":80}]}]}}}})");
  c["spec"]["replicas"] = replicas;
  c["spec"]["template"]["spec"]["containers"][0]["image"] = image;
  if (with_tier) c["metadata"]["labels"]["tier"] = "fe";
  return c;
}

PatchSchema schema() { return strategic_schema("apps", "Deployment"); }

TEST(ServerSideApply, CreateRecordsApplyEntry) {
  auto r = server_side_apply(nullptr, config(2, "nginx:1.25"), "kubectl", false, "apps/v1", schema(), kT1);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(r->conflicts.empty());
  json obj = r->object;
  json mf = obj["metadata"]["managedFields"];
  obj["metadata"].erase("managedFields");
  EXPECT_EQ(obj, config(2, "nginx:1.25"));
  json want = json::parse(R"([{"manager":"kubectl","operation":"Apply","apiVersion":"apps/v1",
    "time":"2026-11-27T10:00:00Z","fieldsType":"FieldsV1","fieldsV1":{
      "f:metadata":{"f:labels":{"f:app":{}}},
      "f:spec":{"f:replicas":{},"f:selector":{"f:matchLabels":{"f:app":{}}},
        "f:template":{"f:metadata":{"f:labels":{"f:app":{}}},
          "f:spec":{"f:containers":{"k:{\"name\":\"nginx\"}":{".":{},"f:image":{},"f:name":{},
            "f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}}}}}}}}}])");
  EXPECT_EQ(mf, want) << mf.dump();
}

TEST(ServerSideApply, ReapplyUnchangedKeepsTime) {
  auto first = server_side_apply(nullptr, config(2, "nginx:1.25"), "kubectl", false, "apps/v1", schema(), kT1);
  ASSERT_TRUE(first);
  auto again = server_side_apply(first->object, config(2, "nginx:1.25"), "kubectl", false, "apps/v1", schema(), kT2);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->conflicts.empty());
  EXPECT_EQ(again->object, first->object);
}

// A Deployment created by client-side apply (an Update by kubectl-client-side-apply).
json created_client_side() {
  json obj = config(2, "nginx:1.25");
  record_update(nullptr, obj, "kubectl-client-side-apply", "apps/v1", "", schema(), kT1);
  return obj;
}

TEST(ServerSideApply, ConflictWithClientSideApplyOwner) {
  json live = created_client_side();
  // Same values: no conflict, shared ownership.
  auto same = server_side_apply(live, config(2, "nginx:1.25"), "kubectl", false, "apps/v1", schema(), kT2);
  ASSERT_TRUE(same);
  EXPECT_TRUE(same->conflicts.empty());

  auto r = server_side_apply(live, config(3, "nginx:1.25"), "kubectl", false, "apps/v1", schema(), kT2);
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(r->conflicts.size(), 1u);
  EXPECT_EQ(r->conflicts[0].manager, "kubectl-client-side-apply");
  EXPECT_EQ(r->conflicts[0].field, ".spec.replicas");
  EXPECT_EQ(r->object, live);
  EXPECT_EQ(conflict_message(r->conflicts, "apps/v1"),
            R"(Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas)");
  EXPECT_EQ(conflict_cause(r->conflicts[0], "apps/v1"),
            R"(conflict with "kubectl-client-side-apply" using apps/v1)");

  auto two = server_side_apply(live, config(3, "nginx:1.27"), "kubectl", false, "apps/v1", schema(), kT2);
  ASSERT_TRUE(two);
  EXPECT_EQ(conflict_message(two->conflicts, "apps/v1"),
            "Apply failed with 2 conflicts: conflicts with \"kubectl-client-side-apply\" using apps/v1:\n"
            "- .spec.replicas\n"
            "- .spec.template.spec.containers[name=\"nginx\"].image");
}

TEST(ServerSideApply, ForceTakesOwnership) {
  json live = created_client_side();
  auto r = server_side_apply(live, config(3, "nginx:1.25"), "kubectl", true, "apps/v1", schema(), kT2);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->object["spec"]["replicas"], 3);
  const json& mf = r->object["metadata"]["managedFields"];
  ASSERT_EQ(mf.size(), 2u);
  EXPECT_EQ(mf[0]["manager"], "kubectl");  // Apply sorts before Update
  EXPECT_EQ(mf[0]["time"], kT2);
  EXPECT_TRUE(mf[0]["fieldsV1"]["f:spec"].contains("f:replicas"));
  EXPECT_EQ(mf[1]["manager"], "kubectl-client-side-apply");
  EXPECT_FALSE(mf[1]["fieldsV1"]["f:spec"].contains("f:replicas"));
  EXPECT_TRUE(mf[1]["fieldsV1"]["f:spec"].contains("f:template"));

  // Another apply by the old owner now conflicts with kubectl (an Apply manager: no apiVersion).
  auto back = server_side_apply(r->object, config(5, "nginx:1.25"), "other", false, "apps/v1", schema(), kT2);
  ASSERT_TRUE(back);
  EXPECT_EQ(conflict_message(back->conflicts, "apps/v1"),
            R"(Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas)");
}

TEST(ServerSideApply, FieldDroppedFromConfigIsRemoved) {
  auto first = server_side_apply(nullptr, config(2, "nginx:1.25", true), "kubectl", false, "apps/v1", schema(), kT1);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->object["metadata"]["labels"]["tier"], "fe");
  auto second = server_side_apply(first->object, config(2, "nginx:1.25"), "kubectl", false, "apps/v1", schema(), kT2);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->object["metadata"]["labels"], json::parse(R"({"app":"web"})"));
  EXPECT_FALSE(second->object["metadata"]["managedFields"][0]["fieldsV1"]["f:metadata"]["f:labels"].contains("f:tier"));

  // Kept when another manager also owns it.
  json shared = first->object;
  json edited = shared;
  edited["metadata"]["labels"]["tier"] = "be";
  record_update(shared, edited, "kubectl-label", "apps/v1", "", schema(), kT1);
  auto third = server_side_apply(edited, config(2, "nginx:1.25"), "kubectl", false, "apps/v1", schema(), kT2);
  ASSERT_TRUE(third);
  EXPECT_EQ(third->object["metadata"]["labels"]["tier"], "be");
}

TEST(ServerSideApply, RemovedContainerGoesAway) {
  json two = config(1, "nginx");
  two["spec"]["template"]["spec"]["containers"].push_back({{"name", "sidecar"}, {"image", "busybox"}});
  auto first = server_side_apply(nullptr, two, "kubectl", false, "apps/v1", schema(), kT1);
  ASSERT_TRUE(first);
  auto second = server_side_apply(first->object, config(1, "nginx"), "kubectl", false, "apps/v1", schema(), kT2);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->object["spec"]["template"]["spec"]["containers"].size(), 1u);
}

TEST(ServerSideApply, RejectsBadInput) {
  auto r = server_side_apply(nullptr, json::array(), "kubectl", false, "apps/v1", schema(), kT1);
  ASSERT_FALSE(r);
  json c = config(1, "x");
  c["metadata"]["managedFields"] = json::array();
  r = server_side_apply(nullptr, c, "kubectl", false, "apps/v1", schema(), kT1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "metadata.managedFields must be nil");
}

TEST(RecordUpdate, CreateShape) {
  json obj = json::parse(R"({"apiVersion":"v1","kind":"ConfigMap",
    "metadata":{"name":"c","namespace":"default","uid":"u","resourceVersion":"1","labels":{"a":"b"}},
    "data":{"k":"v"}})");
  record_update(nullptr, obj, "kubectl-create", "v1", "", strategic_schema("", "ConfigMap"), kT1);
  json want = json::parse(R"([{"manager":"kubectl-create","operation":"Update","apiVersion":"v1",
    "time":"2026-11-27T10:00:00Z","fieldsType":"FieldsV1",
    "fieldsV1":{"f:data":{".":{},"f:k":{}},"f:metadata":{"f:labels":{".":{},"f:a":{}}}}}])");
  EXPECT_EQ(obj["metadata"]["managedFields"], want) << obj["metadata"]["managedFields"].dump();
}

TEST(RecordUpdate, StatusSubresourceAndOwnershipMoves) {
  json old_obj = json::parse(R"({"metadata":{"name":"p"},"spec":{"replicas":1},"status":{"replicas":0}})");
  record_update(nullptr, old_obj, "creator", "apps/v1", "", schema(), kT1);
  json new_obj = old_obj;
  new_obj["status"]["replicas"] = 1;
  record_update(old_obj, new_obj, "controller", "apps/v1", "status", schema(), kT2);
  const json& mf = new_obj["metadata"]["managedFields"];
  ASSERT_EQ(mf.size(), 2u);
  EXPECT_EQ(mf[1]["manager"], "controller");
  EXPECT_EQ(mf[1]["subresource"], "status");
  EXPECT_EQ(mf[1]["fieldsV1"], json::parse(R"({"f:status":{"f:replicas":{}}})"));
  EXPECT_EQ(mf[0]["fieldsV1"], json::parse(R"({"f:spec":{"f:replicas":{}}})"));  // status untracked on main

  // kubectl scale (an Update) takes spec.replicas away from creator, who is then dropped.
  json scaled = new_obj;
  scaled["spec"]["replicas"] = 4;
  record_update(new_obj, scaled, "kubectl", "apps/v1", "", schema(), kT2);
  const json& mf2 = scaled["metadata"]["managedFields"];
  ASSERT_EQ(mf2.size(), 2u);
  EXPECT_EQ(mf2[0]["manager"], "controller");
  EXPECT_EQ(mf2[1]["manager"], "kubectl");
  EXPECT_EQ(mf2[1]["fieldsV1"], json::parse(R"({"f:spec":{"f:replicas":{}}})"));
}

}  // namespace
}  // namespace v6k::kube
