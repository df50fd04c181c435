// The pod status the agent writes, from runtime states: phase by upstream's rules,
// container states, restart counts, conditions, and the container spec it starts.
#include <gtest/gtest.h>

#include "node/agent/pod_status.h"

namespace v6k::node {
namespace {

using nlohmann::json;

json pod(const std::string& policy = "Always") {
  return {{"metadata", {{"name", "p"}, {"namespace", "ns"}, {"uid", "u-1"}}},
          {"spec", {{"restartPolicy", policy}, {"nodeName", "node-1"}, {"containers", json::array({{{"name", "c"}}})}}},
          {"status", {{"phase", "Pending"}, {"qosClass", "BestEffort"}}}};
}

runtime::ContainerStatus running() {
  runtime::ContainerStatus s;
  s.id = "abc";
  s.image_id = "sha256:1";
  s.state = runtime::ContainerState::kRunning;
  s.started_ns = 1'700'000'000'000'000'000;
  return s;
}

runtime::ContainerStatus exited(int code) {
  auto s = running();
  s.state = runtime::ContainerState::kExited;
  s.exit_code = code;
  s.finished_ns = s.started_ns + 5'000'000'000;
  s.reason = code == 0 ? "Completed" : "Error";
  return s;
}

const PodView kView{.pod_ip = "2001:db8::5", .host_ip = "2001:db8::1", .start_time = "2026-11-27T10:00:00Z",
                    .now = "2026-11-27T10:00:05Z"};

struct Case {
  const char* what;
  std::string policy;
  ContainerRecord rec;
  std::string phase;
  std::string state;  // running / waiting / terminated
  bool ready;
};

TEST(PodStatus, PhaseAndContainerStateByUpstreamRules) {
  std::vector<Case> cases = {
      {"running", "Always", {.name = "c", .image = "nginx", .current = running()}, "Running", "running", true},
      {"not started yet", "Always", {.name = "c", .image = "nginx"}, "Pending", "waiting", false},
      {"image missing", "Always", {.name = "c", .image = "x", .waiting_reason = "ErrImagePull", .waiting_message = "not found"},
       "Pending", "waiting", false},
      {"crash loop", "Always",
       {.name = "c", .image = "nginx", .restart_count = 3, .current = exited(1), .waiting_reason = "CrashLoopBackOff"},
       "Running", "waiting", false},
      {"done, Never, ok", "Never", {.name = "c", .image = "busybox", .current = exited(0)}, "Succeeded", "terminated", false},
      {"done, Never, failed", "Never", {.name = "c", .image = "busybox", .current = exited(2)}, "Failed", "terminated", false},
      {"done, OnFailure, ok", "OnFailure", {.name = "c", .image = "busybox", .current = exited(0)}, "Succeeded", "terminated",
       false},
  };
  for (const auto& c : cases) {
    json st = pod_status(pod(c.policy), {c.rec}, kView);
    EXPECT_EQ(st["phase"], c.phase) << c.what;
    const json& cs = st["containerStatuses"][0];
    EXPECT_TRUE(cs["state"].contains(c.state)) << c.what << ": " << cs.dump();
    EXPECT_EQ(cs["ready"], c.ready) << c.what;
    EXPECT_EQ(st["conditions"][2]["type"], "Ready");
    EXPECT_EQ(st["conditions"][2]["status"], c.ready ? "True" : "False") << c.what;
  }
  // The crash loop shows the last termination and the restart count.
  json loop = pod_status(pod(), {cases[3].rec}, kView);
  EXPECT_EQ(loop["containerStatuses"][0]["restartCount"], 3);
  EXPECT_EQ(loop["containerStatuses"][0]["lastState"]["terminated"]["exitCode"], 1);
  EXPECT_EQ(loop["containerStatuses"][0]["state"]["waiting"]["reason"], "CrashLoopBackOff");
  json pull = pod_status(pod(), {cases[2].rec}, kView);
  EXPECT_EQ(pull["containerStatuses"][0]["state"]["waiting"]["message"], "not found");
}

TEST(PodStatus, AddressesTimesAndConditionTransitions) {
  ContainerRecord r{.name = "c", .image = "nginx", .current = running()};
  json st = pod_status(pod(), {r}, kView);
  EXPECT_EQ(st["podIP"], "2001:db8::5");
  EXPECT_EQ(st["podIPs"], json::array({{{"ip", "2001:db8::5"}}}));
  EXPECT_EQ(st["hostIP"], "2001:db8::1");
  EXPECT_EQ(st["startTime"], "2026-11-27T10:00:00Z");
  EXPECT_EQ(st["containerStatuses"][0]["containerID"], "v6k://abc");
  EXPECT_EQ(st["containerStatuses"][0]["state"]["running"]["startedAt"], "2023-11-14T22:13:20Z");
  // Written again later with the same state: lastTransitionTime stays.
  json p = pod();
  p["status"] = st;
  PodView later = kView;
  later.now = "2026-11-27T10:09:00Z";
  json again = pod_status(p, {r}, later);
  EXPECT_EQ(again["conditions"][2]["lastTransitionTime"], "2026-11-27T10:00:05Z");
  // No sandbox yet: no podIP, PodReadyToStartContainers False.
  PodView none = kView;
  none.pod_ip.clear();
  json early = pod_status(pod(), {{.name = "c", .image = "nginx"}}, none);
  EXPECT_FALSE(early.contains("podIP"));
  EXPECT_EQ(early["conditions"][0]["status"], "False");
}

TEST(PodStatus, ContainerSpecFromThePod) {
  json p = pod();
  json c = {{"name", "c"},
            {"image", "busybox"},
            {"command", json::array({"sh", "-c"})},
            {"args", json::array({"echo $POD_IP"})},
            {"workingDir", "/tmp"},
            {"env", json::array({{{"name", "A"}, {"value", "1"}},
                                 {{"name", "POD_NAME"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "metadata.name"}}}}}},
                                 {{"name", "POD_IP"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "status.podIP"}}}}}},
                                 {{"name", "NODE"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "spec.nodeName"}}}}}}})},
            {"resources", {{"limits", {{"cpu", "250m"}, {"memory", "64Mi"}}}}}};
  auto s = container_spec(p, c, "2001:db8::5", "2001:db8::1");
  EXPECT_EQ(s.command, (std::vector<std::string>{"sh", "-c"}));
  EXPECT_EQ(s.args, (std::vector<std::string>{"echo $POD_IP"}));
  EXPECT_EQ(s.working_dir, "/tmp");
  using E = std::pair<std::string, std::string>;
  EXPECT_EQ(s.env, (std::vector<E>{{"A", "1"}, {"POD_NAME", "p"}, {"POD_IP", "2001:db8::5"}, {"NODE", "node-1"}}));
  EXPECT_EQ(s.resources.cpu_limit_millis, 250);
  EXPECT_EQ(s.resources.memory_limit_bytes, 64 << 20);
}

}  // namespace
}  // namespace v6k::node
