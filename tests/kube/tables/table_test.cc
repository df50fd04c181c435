// The Table envelope, includeObject, and robustness against malformed objects.
#include <gtest/gtest.h>

#include "tables_test_util.h"

namespace v6k::kube {
namespace {

using nlohmann::json;

const json kNamespace = json::parse(R"({
  "apiVersion":"v1","kind":"Namespace",
  "metadata":{"name":"team-a","uid":"u1","resourceVersion":"17",
    "creationTimestamp":"2024-06-01T11:00:00Z","labels":{"team":"a"},
    "managedFields":[{"manager":"kubectl-create","operation":"Update"}]},
  "spec":{"finalizers":["kubernetes"]},"status":{"phase":"Active"}})");

TEST(MakeTable, Envelope) {
  const json t = make_table("", "namespaces", {kNamespace, kNamespace},
                            {{"resourceVersion", "42"}, {"continue", ""}}, testing::opts());
  EXPECT_EQ(t["kind"], "Table");
  EXPECT_EQ(t["apiVersion"], "meta.k8s.io/v1");
  EXPECT_EQ(t["metadata"], json({{"resourceVersion", "42"}, {"continue", ""}}));
  EXPECT_EQ(t["columnDefinitions"], column_definitions("", "namespaces"));
  ASSERT_EQ(t["rows"].size(), 2u);
  EXPECT_EQ(t["rows"][0]["cells"], json({"team-a", "Active", "60m"}));
  EXPECT_EQ(t.size(), 5u);
}

TEST(MakeTable, EmptyListAndBadMetadata) {
  const json t = make_table("apps", "deployments", {}, "not an object", testing::opts());
  EXPECT_EQ(t["rows"], json::array());
  EXPECT_EQ(t["metadata"], json::object());
  EXPECT_EQ(t["columnDefinitions"].size(), 8u);
}

TEST(TableRow, IncludeObject) {
  const json meta = table_row("", "namespaces", kNamespace, testing::opts())["object"];
  EXPECT_EQ(meta["kind"], "PartialObjectMetadata");
  EXPECT_EQ(meta["apiVersion"], "meta.k8s.io/v1");
  json want_meta = kNamespace["metadata"];
  want_meta.erase("managedFields");
  EXPECT_EQ(meta["metadata"], want_meta);
  EXPECT_EQ(meta.size(), 3u);

  const json full = table_row("", "namespaces", kNamespace, testing::opts(IncludeObject::kObject));
  EXPECT_EQ(full["object"], kNamespace);

  const json none = table_row("", "namespaces", kNamespace, testing::opts(IncludeObject::kNone));
  EXPECT_FALSE(none.contains("object"));
  EXPECT_EQ(none["cells"], json({"team-a", "Active", "60m"}));
}

TEST(TableRow, DefaultOptionsIncludeMetadata) {
  TableOptions o;
  EXPECT_EQ(o.include, IncludeObject::kMetadata);
  const json row = table_row("", "configmaps", json{{"metadata", {{"name", "c"}}}}, o);
  EXPECT_EQ(row["object"]["kind"], "PartialObjectMetadata");
}

// Whatever the stored JSON looks like, every resource yields one cell per column and
// never throws: wrong types read as zero values.
TEST(TableRow, MalformedObjectsNeverThrow) {
  const json weird[] = {
      json(),
      json(42),
      json("pod"),
      json::array({1, 2}),
      json::object(),
      json::parse(R"({"metadata":"x","spec":[],"status":7})"),
      json::parse(R"({"metadata":{"name":5,"labels":[1],"creationTimestamp":12,
        "deletionTimestamp":{}},
        "spec":{"containers":"no","initContainers":[1,{"name":2}],"replicas":"3",
          "selector":{"matchLabels":{"a":1},"matchExpressions":[5]},"ports":[{"port":"80"}],
          "readinessGates":[null],"type":3,"clusterIPs":[null],"unschedulable":"yes"},
        "status":{"phase":["Running"],"podIPs":[7],"conditions":[null,"x"],
          "containerStatuses":[null,{"state":{"terminated":{"exitCode":"1"}}},
            {"lastState":{"terminated":{"finishedAt":"garbage"}},"restartCount":1e300}],
          "initContainerStatuses":[{"state":[]}],"addresses":{"a":1},"loadBalancer":{"ingress":[1]}},
        "subsets":[{"addresses":[{"ip":1}],"ports":[null]}],"endpoints":[{"addresses":[1]}],
        "data":"abc","secrets":{},"involvedObject":[],"series":{"count":"x"}})"),
  };
  const std::pair<const char*, const char*> resources[] = {
      {"", "pods"},       {"", "nodes"},           {"", "services"},
      {"", "endpoints"},  {"", "namespaces"},      {"", "events"},
      {"", "configmaps"}, {"", "secrets"},         {"", "serviceaccounts"},
      {"apps", "deployments"}, {"apps", "replicasets"}, {"discovery.k8s.io", "endpointslices"},
      {"events.k8s.io", "events"}, {"x.io", "things"},
  };
  for (const auto& [group, resource] : resources) {
    const size_t ncols = column_definitions(group, resource).size();
    for (const json& o : weird) {
      SCOPED_TRACE(std::string(resource) + " " + o.dump());
      json row;
      ASSERT_NO_THROW(row = table_row(group, resource, o, testing::opts()));
      ASSERT_TRUE(row["cells"].is_array());
      // Only the exception fallback omits the object: a present one proves no throw.
      EXPECT_TRUE(row.contains("object"));
      EXPECT_EQ(row["cells"].size(), ncols);
      ASSERT_NO_THROW((void)make_table(group, resource, {o}, json::object(), testing::opts()));
    }
  }
}

TEST(Selectors, FormatLabelSelector) {
  using tables::format_label_selector;
  EXPECT_EQ(format_label_selector(json()), "<none>");
  EXPECT_EQ(format_label_selector(json::object()), "<none>");
  EXPECT_EQ(format_label_selector(json::parse(R"({"matchLabels":{"b":"2","a":"1"}})")), "a=1,b=2");
  EXPECT_EQ(format_label_selector(json::parse(
                R"({"matchExpressions":[{"key":"x","operator":"NotIn","values":["b","a"]},
                                        {"key":"w","operator":"Exists"}]})")),
            "w,x notin (a,b)");
  EXPECT_EQ(format_label_selector(json::parse(R"({"matchExpressions":[{"key":"x","operator":"In"}]})")),
            "<error>");
  EXPECT_EQ(format_label_selector(json::parse(R"({"matchLabels":{"bad key":"v"}})")), "<error>");
  EXPECT_EQ(format_label_selector(json::parse(R"({"matchLabels":{"example.com/app":"v_1.2"}})")),
            "example.com/app=v_1.2");
  EXPECT_EQ(tables::format_labels(json::parse(R"({"z":"1","a":""})")), "a=,z=1");
}

}  // namespace
}  // namespace v6k::kube
