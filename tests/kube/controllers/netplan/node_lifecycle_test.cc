// evaluate_node: heartbeat grace edges, conditions to Unknown and back, taints both ways,
// and RFC 3339 parsing.
#include <gtest/gtest.h>

#include "kube/controllers/netplan/node_lifecycle.h"

namespace v6k::kube::netplan {
namespace {

using json = nlohmann::json;
using std::chrono::seconds;

json cond(const char* type, const char* status, const char* heartbeat = "2025-01-01T00:00:00Z") {
  return {{"type", type},           {"status", status}, {"reason", "Kubelet"}, {"message", "fine"},
          {"lastHeartbeatTime", heartbeat}, {"lastTransitionTime", "2024-12-31T00:00:00Z"}};
}

json node(json conditions, json taints = json::array()) {
  json n = {{"apiVersion", "v1"},
            {"kind", "Node"},
            {"metadata", {{"name", "n1"}, {"creationTimestamp", "2024-12-01T00:00:00Z"}}},
            {"spec", json::object()},
            {"status", {{"conditions", conditions}}}};
  if (!taints.empty()) n["spec"]["taints"] = taints;
  return n;
}

json healthy_conditions(const char* ready = "True", const char* heartbeat = "2025-01-01T00:00:00Z") {
  return {cond("MemoryPressure", "False", heartbeat), cond("DiskPressure", "False", heartbeat),
          cond("PIDPressure", "False", heartbeat), cond("NetworkUnavailable", "False", heartbeat),
          cond("Ready", ready, heartbeat)};
}

json lease(const char* renew) { return {{"spec", {{"holderIdentity", "n1"}, {"renewTime", renew}}}}; }

json taint(const char* key, const char* effect) { return {{"key", key}, {"effect", effect}}; }

TEST(NodeLifecycle, GraceEdges) {
  struct Case {
    const char* now;
    const char* renew;  // nullptr: no lease
    bool healthy;
  };
  const Case cases[] = {
      {"2025-01-01T00:00:40Z", nullptr, true},                      // heartbeat + grace exactly
      {"2025-01-01T00:00:41Z", nullptr, false},                     // one second past
      {"2025-01-01T00:01:00Z", "2025-01-01T00:00:30.000000Z", true},  // lease renewed later
      {"2025-01-01T00:01:11Z", "2025-01-01T00:00:30.000000Z", false},
      {"2025-01-01T01:00:40+01:00", nullptr, true},                 // offsets are honoured
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.now);
    json l = c.renew ? lease(c.renew) : json();
    auto p = evaluate_node(node(healthy_conditions()), c.renew ? &l : nullptr, c.now, seconds(40));
    ASSERT_TRUE(p) << p.error().message();
    EXPECT_EQ(p->healthy, c.healthy);
    EXPECT_EQ(p->status_changed, !c.healthy);
  }
}

TEST(NodeLifecycle, StopsHeartbeatingThenRecovers) {
  json n = node(healthy_conditions(), {taint("dedicated", "NoSchedule")});
  auto p = evaluate_node(n, nullptr, "2025-01-01T00:05:00Z", seconds(40));
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->healthy);
  ASSERT_TRUE(p->status_changed);
  for (const auto& c : p->conditions) {
    if (c["type"] == "NetworkUnavailable") {
      EXPECT_EQ(c, cond("NetworkUnavailable", "False"));  // not monitored: untouched
      continue;
    }
    EXPECT_EQ(c["status"], "Unknown") << c.dump();
    EXPECT_EQ(c["reason"], "NodeStatusUnknown");
    EXPECT_EQ(c["message"], "Kubelet stopped posting node status.");
    EXPECT_EQ(c["lastTransitionTime"], "2025-01-01T00:05:00Z");
    EXPECT_EQ(c["lastHeartbeatTime"], "2025-01-01T00:00:00Z");
  }
  ASSERT_TRUE(p->taints_changed);
  EXPECT_EQ(p->taints, json::array({taint("dedicated", "NoSchedule"), taint("node.kubernetes.io/unreachable", "NoSchedule"),
                                    {{"key", "node.kubernetes.io/unreachable"},
                                     {"effect", "NoExecute"},
                                     {"timeAdded", "2025-01-01T00:05:00Z"}}}));
  EXPECT_EQ(p->taints_added.size(), 2u);

  // Written back: evaluating again changes nothing (idempotent, timeAdded kept).
  json down = n;
  down["status"]["conditions"] = p->conditions;
  down["spec"]["taints"] = p->taints;
  auto again = evaluate_node(down, nullptr, "2025-01-01T00:09:00Z", seconds(40));
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->status_changed);
  EXPECT_FALSE(again->taints_changed);
  EXPECT_EQ(again->taints, p->taints);

  // The kubelet posts Ready again: unreachable taints go, custom ones stay.
  json up = down;
  up["status"]["conditions"] = healthy_conditions("True", "2025-01-01T00:10:00Z");
  auto back = evaluate_node(up, nullptr, "2025-01-01T00:10:05Z", seconds(40));
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->healthy);
  EXPECT_FALSE(back->status_changed);
  EXPECT_TRUE(back->taints_changed);
  EXPECT_EQ(back->taints, json::array({taint("dedicated", "NoSchedule")}));
  EXPECT_EQ(back->taints_removed.size(), 2u);
}

TEST(NodeLifecycle, KubeletReportsNotReady) {
  json n = node(healthy_conditions("False"), {taint("node.kubernetes.io/unreachable", "NoSchedule")});
  auto p = evaluate_node(n, nullptr, "2025-01-01T00:00:10Z", seconds(40));
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->healthy);
  EXPECT_FALSE(p->status_changed);
  EXPECT_EQ(p->taints, json::array({taint("node.kubernetes.io/not-ready", "NoSchedule"),
                                    {{"key", "node.kubernetes.io/not-ready"},
                                     {"effect", "NoExecute"},
                                     {"timeAdded", "2025-01-01T00:00:10Z"}}}));
  EXPECT_EQ(p->taints_removed, json::array({taint("node.kubernetes.io/unreachable", "NoSchedule")}));
}

TEST(NodeLifecycle, PressureAndUnschedulableTaints) {
  json conds = healthy_conditions();
  conds[0]["status"] = "True";  // MemoryPressure
  json n = node(conds, {taint("node.kubernetes.io/disk-pressure", "NoSchedule")});
  n["spec"]["unschedulable"] = true;
  auto p = evaluate_node(n, nullptr, "2025-01-01T00:00:10Z", seconds(40));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->taints, json::array({taint("node.kubernetes.io/memory-pressure", "NoSchedule"),
                                    taint("node.kubernetes.io/unschedulable", "NoSchedule")}));
}

TEST(NodeLifecycle, NeverPostedStatus) {
  json n = node(json::array());
  auto early = evaluate_node(n, nullptr, "2024-12-01T00:00:59Z", seconds(40));  // startup grace 60s
  ASSERT_TRUE(early);
  EXPECT_TRUE(early->healthy);
  EXPECT_FALSE(early->status_changed);
  auto late = evaluate_node(n, nullptr, "2024-12-01T00:01:01Z", seconds(40));
  ASSERT_TRUE(late);
  EXPECT_FALSE(late->healthy);
  ASSERT_EQ(late->conditions.size(), 4u);
  EXPECT_EQ(late->conditions[0], (json{{"type", "Ready"},
                                       {"status", "Unknown"},
                                       {"reason", "NodeStatusNeverUpdated"},
                                       {"message", "Kubelet never posted node status."},
                                       {"lastHeartbeatTime", "2024-12-01T00:00:00Z"},
                                       {"lastTransitionTime", "2024-12-01T00:01:01Z"}}));
  EXPECT_EQ(late->taints.size(), 2u);  // unreachable NoSchedule + NoExecute
}

TEST(NodeLifecycle, BadNowIsAnError) {
  auto p = evaluate_node(node(healthy_conditions()), nullptr, "yesterday", seconds(40));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().code(), EINVAL);
}

TEST(Rfc3339, Parse) {
  struct Case {
    const char* text;
    int64_t micros;  // -1: error
  };
  const Case cases[] = {
      {"1970-01-01T00:00:00Z", 0},
      {"1970-01-01T00:00:01.5Z", 1500000},
      {"2025-01-01T00:00:00Z", 1735689600LL * 1000000},
      {"2025-01-01T00:00:00.123456Z", 1735689600LL * 1000000 + 123456},
      {"2025-01-01T02:00:00+02:00", 1735689600LL * 1000000},
      {"2024-02-29T12:00:00Z", 1709208000LL * 1000000},
      {"2025-01-01 00:00:00Z", -1},
      {"2025-01-01T00:00:00", -1},
      {"2025-13-01T00:00:00Z", -1},
      {"2025-01-01T00:00:00.Z", -1},
  };
  for (const auto& c : cases) {
    auto r = parse_rfc3339_micros(c.text);
    if (c.micros < 0) {
      EXPECT_FALSE(r) << c.text;
    } else {
      ASSERT_TRUE(r) << c.text;
      EXPECT_EQ(*r, c.micros) << c.text;
    }
  }
}

}  // namespace
}  // namespace v6k::kube::netplan
