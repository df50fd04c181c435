// A real API server with three Node objects (as a node agent would register them) and
// helpers to create pods and wait for the scheduler's effects, for the loop tests.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kube/client/client.h"
#include "kube/scheduler/scheduler.h"
#include "support/kube_cluster.h"

namespace v6k::kube::scheduler::testing {

using nlohmann::json;
using namespace std::chrono_literals;
using v6k::testing::KubeCluster;

template <class Pred>
bool eventually(Pred p, std::chrono::milliseconds limit = 10s) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (p()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return p();
}

inline json api_node(const std::string& name, const std::string& cpu) {
  json status = {
      {"capacity", {{"cpu", cpu}, {"memory", "8Gi"}, {"pods", "110"}}},
      {"allocatable", {{"cpu", cpu}, {"memory", "8Gi"}, {"pods", "110"}}},
      {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}, {"reason", "KubeletReady"},
                                   {"message", "kubelet is posting ready status"}}})}};
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata",
           {{"name", name},
            {"labels", {{"kubernetes.io/arch", "amd64"}, {"beta.kubernetes.io/arch", "amd64"},
                        {"kubernetes.io/os", "linux"}, {"kubernetes.io/hostname", name}}}}},
          {"spec", json::object()},
          {"status", status}};
}

// The seed deployment's pod template: required node affinity on the architecture.
inline json seed_pod(const std::string& ns, const std::string& name) {
  json pod = json::parse(R"({
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"labels": {"app": "my-app"}},
    "spec": {
      "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [{"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64", "arm64"]}]}
      ]}}},
      "containers": [{"name": "nginx", "image": "public.ecr.aws/z9d2n7e1/nginx:1.19.5",
                      "ports": [{"containerPort": 80}]}]
    }
  })");
  pod["metadata"]["name"] = name;
  pod["metadata"]["namespace"] = ns;
  return pod;
}

class SchedulerLoopTest : public ::testing::Test {
 protected:
  static constexpr const char* kNs = "sched";

  void SetUp() override {
    ASSERT_TRUE(k.ok()) << k.error();
    auto c = Client::create({.host = "::1", .port = k.port(), .ca_pem = k.ca_pem(), .token = KubeCluster::kAdminToken});
    ASSERT_TRUE(c) << c.error().message();
    client = *c;
    ASSERT_TRUE(client->create("/api/v1/namespaces", {{"apiVersion", "v1"}, {"kind", "Namespace"},
                                                      {"metadata", {{"name", kNs}}}}));
  }
  void TearDown() override {
    if (sched) sched->stop();
  }

  void add_node(const std::string& name, const std::string& cpu = "4") {
    json n = api_node(name, cpu);
    auto r = client->create("/api/v1/nodes", n);
    ASSERT_TRUE(r) << r.error().text();
    // Status as the node agent reports it (a create may drop status, as upstream's can).
    auto s = client->patch("/api/v1/nodes/" + name + "/status", PatchType::kMerge, {{"status", n["status"]}});
    ASSERT_TRUE(s) << s.error().text();
  }
  void add_nodes(const std::string& cpu = "4") {
    for (const char* n : {"node-a", "node-b", "node-c"}) add_node(n, cpu);
  }
  void create_pod(const json& pod) {
    auto r = client->create(std::string("/api/v1/namespaces/") + kNs + "/pods", pod);
    ASSERT_TRUE(r) << r.error().text();
  }
  void start(std::chrono::milliseconds flush = 30s) {
    auto s = Scheduler::start({.client = client, .unschedulable_flush = flush});
    ASSERT_TRUE(s) << s.error().message();
    sched = std::move(*s);
  }
  json pod(const std::string& name) {
    auto r = client->get(std::string("/api/v1/namespaces/") + kNs + "/pods/" + name);
    return r ? *r : json::object();
  }
  std::string node_of(const std::string& name) {
    return pod(name).value(json::json_pointer("/spec/nodeName"), "");
  }
  bool all_bound(const std::vector<std::string>& names) {
    for (const auto& n : names)
      if (node_of(n).empty()) return false;
    return true;
  }
  // The events of `pod` with `reason`, from the events API.
  std::vector<json> events_of(const std::string& pod_name, const std::string& reason) {
    std::vector<json> out;
    auto r = client->list(std::string("/api/v1/namespaces/") + kNs + "/events");
    if (!r) return out;
    for (const auto& e : (*r)["items"])
      if (e.value(json::json_pointer("/involvedObject/name"), "") == pod_name && e.value("reason", "") == reason)
        out.push_back(e);
    return out;
  }
  json pod_scheduled_condition(const std::string& name) {
    for (const auto& c : pod(name).value(json::json_pointer("/status/conditions"), json::array()))
      if (c.value("type", "") == "PodScheduled") return c;
    return json::object();
  }

  KubeCluster k;
  std::shared_ptr<Client> client;
  std::unique_ptr<Scheduler> sched;
};

}  // namespace v6k::kube::scheduler::testing
