// Column definitions of every resource: names, types, priorities and formats as upstream's
// printers declare them (pkg/printers/internalversion, Kubernetes 1.32).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tables_test_util.h"

namespace v6k::kube {
namespace {

struct Col {
  std::string name, type;
  int priority;
};

struct ColumnsCase {
  const char* group;
  const char* resource;
  std::vector<Col> want;
};

TEST(ColumnDefinitions, EveryResource) {
  const Col name{"Name", "string", 0};
  const Col age{"Age", "string", 0};
  const std::vector<ColumnsCase> cases = {
      {"", "pods",
       {name, {"Ready", "string", 0}, {"Status", "string", 0}, {"Restarts", "string", 0}, age,
        {"IP", "string", 1}, {"Node", "string", 1}, {"Nominated Node", "string", 1},
        {"Readiness Gates", "string", 1}}},
      {"", "nodes",
       {name, {"Status", "string", 0}, {"Roles", "string", 0}, age, {"Version", "string", 0},
        {"Internal-IP", "string", 1}, {"External-IP", "string", 1}, {"OS-Image", "string", 1},
        {"Kernel-Version", "string", 1}, {"Container-Runtime", "string", 1}}},
      {"", "services",
       {name, {"Type", "string", 0}, {"Cluster-IP", "string", 0}, {"External-IP", "string", 0},
        {"Port(s)", "string", 0}, age, {"Selector", "string", 1}}},
      {"apps", "deployments",
       {name, {"Ready", "string", 0}, {"Up-to-date", "string", 0}, {"Available", "string", 0}, age,
        {"Containers", "string", 1}, {"Images", "string", 1}, {"Selector", "string", 1}}},
      {"apps", "replicasets",
       {name, {"Desired", "integer", 0}, {"Current", "integer", 0}, {"Ready", "integer", 0}, age,
        {"Containers", "string", 1}, {"Images", "string", 1}, {"Selector", "string", 1}}},
      {"", "namespaces", {name, {"Status", "string", 0}, age}},
      {"", "events",
       {{"Last Seen", "string", 0}, {"Type", "string", 0}, {"Reason", "string", 0},
        {"Object", "string", 0}, {"Subobject", "string", 1}, {"Source", "string", 1},
        {"Message", "string", 0}, {"First Seen", "string", 1}, {"Count", "string", 1},
        {"Name", "string", 1}}},
      {"events.k8s.io", "events",
       {{"Last Seen", "string", 0}, {"Type", "string", 0}, {"Reason", "string", 0},
        {"Object", "string", 0}, {"Subobject", "string", 1}, {"Source", "string", 1},
        {"Message", "string", 0}, {"First Seen", "string", 1}, {"Count", "string", 1},
        {"Name", "string", 1}}},
      {"discovery.k8s.io", "endpointslices",
       {name, {"AddressType", "string", 0}, {"Ports", "string", 0}, {"Endpoints", "string", 0},
        age}},
      {"", "endpoints", {name, {"Endpoints", "string", 0}, age}},
      {"", "configmaps", {name, {"Data", "string", 0}, age}},
      {"", "secrets", {name, {"Type", "string", 0}, {"Data", "string", 0}, age}},
      {"", "serviceaccounts", {name, {"Secrets", "string", 0}, age}},
      // Everything else gets the default convertor's columns.
      {"", "persistentvolumeclaims", {name, {"Created At", "date", 0}}},
      {"apps", "statefulsets", {name, {"Created At", "date", 0}}},
      {"apps", "pods", {name, {"Created At", "date", 0}}},  // pods are core only
      {"example.com", "widgets", {name, {"Created At", "date", 0}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.group) + "/" + c.resource);
    const nlohmann::json cols = column_definitions(c.group, c.resource);
    ASSERT_TRUE(cols.is_array());
    ASSERT_EQ(cols.size(), c.want.size());
    for (size_t i = 0; i < c.want.size(); ++i) {
      EXPECT_EQ(cols[i]["name"], c.want[i].name);
      EXPECT_EQ(cols[i]["type"], c.want[i].type);
      EXPECT_EQ(cols[i]["priority"], c.want[i].priority);
      // Every definition carries all five keys, as the Go struct serializes them.
      EXPECT_TRUE(cols[i]["format"].is_string());
      EXPECT_TRUE(cols[i]["description"].is_string());
      EXPECT_FALSE(cols[i]["description"].get<std::string>().empty()) << cols[i]["name"];
      EXPECT_EQ(cols[i].size(), 5u);
      // The Name column is the one kubectl uses for -o name style output.
      EXPECT_EQ(cols[i]["format"], cols[i]["name"] == "Name" ? "name" : "");
    }
  }
}

TEST(ColumnDefinitions, DescriptionsFromUpstream) {
  const auto pods = column_definitions("", "pods");
  EXPECT_EQ(pods[1]["description"], "The aggregate readiness state of this pod for accepting traffic.");
  EXPECT_EQ(pods[0]["description"],
            "Name must be unique within a namespace. Is required when creating resources, "
            "although some resources may allow a client to request the generation of an "
            "appropriate name automatically. Name is primarily intended for creation "
            "idempotence and configuration definition. Cannot be updated. More info: "
            "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names");
  EXPECT_EQ(column_definitions("", "nodes")[1]["description"], "The status of the node");
  EXPECT_EQ(column_definitions("apps", "deployments")[1]["description"],
            "Number of the pod with ready state");
}

}  // namespace
}  // namespace v6k::kube
