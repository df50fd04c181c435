// Object builders and a tiny in-memory cluster for the workload planner tests. The cluster
// applies plans the way the control loop does through the API: Deployment plans change
// ReplicaSets, ReplicaSet plans create and delete pods, and a "kubelet" step marks pods ready.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "kube/controllers/workloads/deployment.h"
#include "kube/controllers/workloads/objects.h"
#include "kube/controllers/workloads/replicaset.h"

namespace v6k::kube::workloads::testing {

using json = nlohmann::json;

inline constexpr int64_t kEpoch = 1714557600;  // 2024-05-01T10:00:00Z

inline std::string ts(int64_t secs) { return format_time(secs * kNanosPerSecond); }

inline json owner_ref(std::string_view kind, std::string_view name, std::string_view uid) {
  return json{{"apiVersion", "apps/v1"},
              {"kind", kind},
              {"name", name},
              {"uid", uid},
              {"controller", true},
              {"blockOwnerDeletion", true}};
}

// A scheduled, Running, not ready pod created at `created` (seconds since kEpoch).
inline json make_pod(std::string name, json labels, std::string owner_uid = "",
                     int64_t created = 0) {
  json p = {{"apiVersion", "v1"},
            {"kind", "Pod"},
            {"metadata",
             {{"name", name},
              {"namespace", "default"},
              {"uid", "uid-" + name},
              {"labels", std::move(labels)},
              {"creationTimestamp", ts(kEpoch + created)}}},
            {"spec",
             {{"nodeName", "node-1"},
              {"containers", json::array({{{"name", "c"}, {"image", "nginx"}}})}}},
            {"status", {{"phase", "Running"}}}};
  if (!owner_uid.empty()) {
    p["metadata"]["ownerReferences"] = json::array({owner_ref("ReplicaSet", "rs", owner_uid)});
  }
  return p;
}

inline void set_ready(json& pod, int64_t since) {
  pod["status"]["conditions"] = json::array(
      {{{"type", "Ready"}, {"status", "True"}, {"lastTransitionTime", ts(kEpoch + since)}}});
}

inline json pod_template(std::string image, json labels = {{"app", "web"}}) {
  return json{
      {"metadata", {{"labels", std::move(labels)}}},
      {"spec", {{"containers", json::array({{{"name", "c"}, {"image", std::move(image)}}})}}}};
}

inline json make_rs(std::string name, int64_t replicas, json tmpl, std::string uid = "") {
  if (uid.empty()) uid = "uid-" + name;
  return json{{"apiVersion", "apps/v1"},
              {"kind", "ReplicaSet"},
              {"metadata",
               {{"name", name},
                {"namespace", "default"},
                {"uid", uid},
                {"generation", 1},
                {"creationTimestamp", ts(kEpoch)},
                {"labels", tmpl["metadata"]["labels"]}}},
              {"spec",
               {{"replicas", replicas},
                {"selector", {{"matchLabels", tmpl["metadata"]["labels"]}}},
                {"template", tmpl}}},
              {"status", {{"replicas", 0}}}};
}

inline json make_deploy(int64_t replicas, json tmpl) {
  return json{{"apiVersion", "apps/v1"},
              {"kind", "Deployment"},
              {"metadata",
               {{"name", "web"},
                {"namespace", "default"},
                {"uid", "uid-web"},
                {"generation", 1},
                {"creationTimestamp", ts(kEpoch)}}},
              {"spec",
               {{"replicas", replicas},
                {"selector", {{"matchLabels", {{"app", "web"}}}}},
                {"template", std::move(tmpl)}}}};
}

inline std::vector<const json*> ptrs(const std::vector<json>& v) {
  std::vector<const json*> out;
  for (const json& j : v) out.push_back(&j);
  return out;
}

// The Deployment, its ReplicaSets and pods, advanced by applying plans.
class FakeCluster {
 public:
  json deploy;
  std::vector<json> rss;
  std::vector<json> pods;
  int64_t clock = 100;  // seconds after kEpoch
  int next_id = 0;

  std::string now() const { return ts(kEpoch + clock); }

  DeploymentPlan sync_deployment() {
    DeploymentPlan p = plan_deployment(deploy, ptrs(rss), ptrs(pods), now());
    EXPECT_EQ(p.error, "");
    if (p.create_replicaset) {
      json rs = *p.create_replicaset;
      rs["metadata"]["uid"] = "uid-rs-" + std::to_string(++next_id);
      rs["metadata"]["creationTimestamp"] = ts(kEpoch + clock);
      rs["metadata"]["generation"] = 1;
      // Keep creation order strict even within one simulated second.
      rs["metadata"]["creationTimestamp"] = format_time((kEpoch + clock) * kNanosPerSecond);
      created_order.push_back(rs["metadata"]["name"]);
      rss.push_back(std::move(rs));
    }
    for (const ReplicaSetUpdate& u : p.update_replicasets) {
      json* rs = find_rs(u.name);
      EXPECT_NE(rs, nullptr) << u.name;
      if (rs == nullptr) continue;
      json before_spec = (*rs)["spec"];
      rs->merge_patch(u.patch);
      if ((*rs)["spec"] != before_spec)
        (*rs)["metadata"]["generation"] = (*rs)["metadata"]["generation"].get<int64_t>() + 1;
    }
    for (const std::string& n : p.delete_replicasets) {
      std::erase_if(rss, [&](const json& rs) { return rs["metadata"]["name"] == n; });
    }
    if (p.annotation_updates) {
      json patch = {{"metadata", {{"annotations", *p.annotation_updates}}}};
      deploy.merge_patch(patch);
    }
    if (p.status) deploy["status"] = *p.status;
    return p;
  }

  void sync_replicasets() {
    for (json& rs : rss) sync_replicaset(rs);
  }

  // One ReplicaSet controller pass over `rs`: its pods created or deleted, its status written.
  void sync_replicaset(json& rs) {
    ReplicaSetPlan p = plan_replicaset(rs, ptrs(pods), now());
    EXPECT_EQ(p.error, "");
    for (json body : p.create) {
      std::string name =
          body["metadata"]["generateName"].get<std::string>() + std::to_string(++next_id);
      body["metadata"]["name"] = name;
      body["metadata"]["uid"] = "uid-" + name;
      body["metadata"]["creationTimestamp"] = now();
      body["spec"]["nodeName"] = "node-1";
      body["status"] = {{"phase", "Pending"}};
      pods.push_back(std::move(body));
    }
    for (const std::string& n : p.delete_pods) {
      std::erase_if(pods, [&](const json& pod) { return pod["metadata"]["name"] == n; });
    }
    if (p.status) rs["status"] = *p.status;
  }

  // The kubelet: every pod runs and turns ready now.
  void make_pods_ready() {
    for (json& pod : pods) {
      if (pod_ready(pod)) continue;
      pod["status"]["phase"] = "Running";
      set_ready(pod, clock);
    }
  }

  json* find_rs(std::string_view name) {
    for (json& rs : rss) {
      if (rs["metadata"]["name"] == name) return &rs;
    }
    return nullptr;
  }

  int64_t available_pods(int64_t min_ready = 0) const {
    int64_t n = 0;
    for (const json& p : pods) {
      if (pod_active(p) && pod_available(p, min_ready, (kEpoch + clock) * kNanosPerSecond)) ++n;
    }
    return n;
  }

  int64_t count_pods_with_image(std::string_view image) const {
    int64_t n = 0;
    for (const json& p : pods) {
      if (p["spec"]["containers"][0]["image"] == image) ++n;
    }
    return n;
  }

  // What kubectl rollout status waits for.
  bool rollout_complete() const {
    const json& s = at(deploy, "status");
    int64_t want = int_at(deploy["spec"], "replicas", 1);
    return int_at(s, "observedGeneration", 0) >= int_at(deploy["metadata"], "generation", 0) &&
           int_at(s, "updatedReplicas", 0) == want && int_at(s, "replicas", 0) == want &&
           int_at(s, "availableReplicas", 0) == want;
  }

  std::vector<std::string> created_order;
};

inline const json* condition(const json& deploy, std::string_view type) {
  const json& conds = at(at(deploy, "status"), "conditions");
  if (!conds.is_array()) return nullptr;
  for (const json& c : conds) {
    if (c["type"] == type) return &c;
  }
  return nullptr;
}

}  // namespace v6k::kube::workloads::testing
