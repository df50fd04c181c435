// Pod rows: the Ready/Status/Restarts cells upstream's printPod computes for the pod
// states a cluster shows, and the wide IP/Node/Nominated Node/Readiness Gates cells.
#include <gtest/gtest.h>

#include "tables_test_util.h"

namespace v6k::kube {
namespace {

using nlohmann::json;
using testing::cells;

// A pod created at 11:55 (Age 5m) with one container "app" and the given extra fields.
json pod(const char* name, json status, json spec_extra = json::object(),
         json meta_extra = json::object()) {
  json p = {{"apiVersion", "v1"},
            {"kind", "Pod"},
            {"metadata",
             {{"name", name},
              {"namespace", "default"},
              {"uid", "6f1c1a9e-0000-4000-8000-000000000001"},
              {"creationTimestamp", "2024-06-01T11:55:00Z"}}},
            {"spec", {{"containers", {{{"name", "app"}, {"image", "nginx:1.27"}}}}}},
            {"status", status}};
  p["spec"].update(spec_extra);
  p["metadata"].update(meta_extra);
  return p;
}

json running(bool ready = true, int restarts = 0) {
  return {{"name", "app"},
          {"ready", ready},
          {"restartCount", restarts},
          {"started", true},
          {"state", {{"running", {{"startedAt", "2024-06-01T11:55:05Z"}}}}}};
}

struct PodCase {
  const char* what;
  json pod;
  json want;
};

TEST(PodRows, States) {
  const json ready_cond = {{"type", "Ready"}, {"status", "True"}};
  const json node = {{"nodeName", "ip-10-0-1-5.ec2.internal"}};
  const PodCase cases[] = {
      {"running with IPv6 podIP and nodeName",
       pod("web-1",
           {{"phase", "Running"},
            {"conditions", {ready_cond}},
            {"podIP", "fd00:10:244:1::5"},
            {"podIPs", {{{"ip", "fd00:10:244:1::5"}}}},
            {"containerStatuses", {running()}}},
           node),
       {"web-1", "1/1", "Running", "0", "5m", "fd00:10:244:1::5", "ip-10-0-1-5.ec2.internal",
        "<none>", "<none>"}},
      {"pending, not scheduled",
       pod("pending-1",
           {{"phase", "Pending"},
            {"conditions",
             {{{"type", "PodScheduled"}, {"status", "False"}, {"reason", "Unschedulable"}}}}}),
       {"pending-1", "0/1", "Pending", "0", "5m", "<none>", "<none>", "<none>", "<none>"}},
      {"container being created",
       pod("creating-1",
           {{"phase", "Pending"},
            {"containerStatuses",
             {{{"name", "app"},
               {"ready", false},
               {"restartCount", 0},
               {"state", {{"waiting", {{"reason", "ContainerCreating"}}}}}}}}},
           node),
       {"creating-1", "0/1", "ContainerCreating", "0", "5m", "<none>",
        "ip-10-0-1-5.ec2.internal", "<none>", "<none>"}},
      {"terminating",
       pod("web-2",
           {{"phase", "Running"},
            {"podIPs", {{{"ip", "fd00:10:244:1::6"}}}},
            {"containerStatuses", {running()}}},
           node, {{"deletionTimestamp", "2024-06-01T11:59:30Z"}}),
       {"web-2", "1/1", "Terminating", "0", "5m", "fd00:10:244:1::6",
        "ip-10-0-1-5.ec2.internal", "<none>", "<none>"}},
      {"crash loop with restarts",
       pod("crash-1",
           {{"phase", "Running"},
            {"podIPs", {{{"ip", "fd00:10:244:1::7"}}}},
            {"containerStatuses",
             {{{"name", "app"},
               {"ready", false},
               {"restartCount", 3},
               {"lastState",
                {{"terminated",
                  {{"exitCode", 1},
                   {"reason", "Error"},
                   {"finishedAt", "2024-06-01T11:58:00Z"}}}}},
               {"state",
                {{"waiting", {{"reason", "CrashLoopBackOff"}, {"message", "back-off"}}}}}}}}},
           node),
       {"crash-1", "0/1", "CrashLoopBackOff", "3 (2m ago)", "5m", "fd00:10:244:1::7",
        "ip-10-0-1-5.ec2.internal", "<none>", "<none>"}},
      {"completed job pod",
       pod("job-1",
           {{"phase", "Succeeded"},
            {"containerStatuses",
             {{{"name", "app"},
               {"ready", false},
               {"restartCount", 0},
               {"state", {{"terminated", {{"exitCode", 0}, {"reason", "Completed"}}}}}}}}}),
       {"job-1", "0/1", "Completed", "0", "5m", "<none>", "<none>", "<none>", "<none>"}},
      {"failed without a reason shows the exit code",
       pod("fail-1",
           {{"phase", "Failed"},
            {"containerStatuses",
             {{{"name", "app"},
               {"restartCount", 0},
               {"state", {{"terminated", {{"exitCode", 137}}}}}}}}}),
       {"fail-1", "0/1", "ExitCode:137", "0", "5m", "<none>", "<none>", "<none>", "<none>"}},
      {"killed by a signal",
       pod("sig-1",
           {{"phase", "Failed"},
            {"containerStatuses",
             {{{"name", "app"}, {"state", {{"terminated", {{"exitCode", 0}, {"signal", 9}}}}}}}}}),
       {"sig-1", "0/1", "Signal:9", "0", "5m", "<none>", "<none>", "<none>", "<none>"}},
      {"waiting for the first init container",
       pod("init-1",
           {{"phase", "Pending"},
            {"initContainerStatuses",
             {{{"name", "setup"},
               {"restartCount", 0},
               {"state", {{"running", {{"startedAt", "2024-06-01T11:55:03Z"}}}}}}}}},
           {{"initContainers", {{{"name", "setup"}, {"image", "busybox"}}}}}),
       {"init-1", "0/1", "Init:0/1", "0", "5m", "<none>", "<none>", "<none>", "<none>"}},
      {"init container crash looping",
       pod("init-2",
           {{"phase", "Pending"},
            {"initContainerStatuses",
             {{{"name", "setup"},
               {"restartCount", 2},
               {"lastState", {{"terminated", {{"exitCode", 1}, {"finishedAt", "2024-06-01T11:59:00Z"}}}}},
               {"state", {{"waiting", {{"reason", "CrashLoopBackOff"}}}}}}}}},
           {{"initContainers", {{{"name", "setup"}, {"image", "busybox"}}}}}),
       {"init-2", "0/1", "Init:CrashLoopBackOff", "2 (60s ago)", "5m", "<none>", "<none>",
        "<none>", "<none>"}},
      {"init container failed without a reason",
       pod("init-3",
           {{"phase", "Pending"},
            {"initContainerStatuses",
             {{{"name", "a"}, {"state", {{"terminated", {{"exitCode", 0}}}}}},
              {{"name", "b"}, {"state", {{"terminated", {{"exitCode", 2}}}}}}}}},
           {{"initContainers", {{{"name", "a"}}, {{"name", "b"}}}}}),
       {"init-3", "0/1", "Init:ExitCode:2", "0", "5m", "<none>", "<none>", "<none>", "<none>"}},
      {"sidecar init container counts as a container",
       pod("sidecar-1",
           {{"phase", "Running"},
            {"conditions", {{{"type", "Initialized"}, {"status", "True"}}, ready_cond}},
            {"initContainerStatuses",
             {{{"name", "proxy"},
               {"ready", true},
               {"started", true},
               {"restartCount", 1},
               {"state", {{"running", json::object()}}}}}},
            {"containerStatuses", {running()}}},
           {{"initContainers", {{{"name", "proxy"}, {"restartPolicy", "Always"}}}}}),
       {"sidecar-1", "2/2", "Running", "1", "5m", "<none>", "<none>", "<none>", "<none>"}},
      {"one container done, one running",
       pod("multi-1",
           {{"phase", "Running"},
            {"conditions", {ready_cond}},
            {"containerStatuses",
             {running(),
              {{"name", "once"},
               {"state", {{"terminated", {{"exitCode", 0}, {"reason", "Completed"}}}}}}}}},
           {{"containers", {{{"name", "app"}}, {{"name", "once"}}}}}),
       {"multi-1", "1/2", "Running", "0", "5m", "<none>", "<none>", "<none>", "<none>"}},
      {"on a lost node",
       pod("lost-1", {{"phase", "Running"}, {"reason", "NodeLost"}, {"containerStatuses", {running()}}},
           node, {{"deletionTimestamp", "2024-06-01T11:59:00Z"}}),
       {"lost-1", "1/1", "Unknown", "0", "5m", "<none>", "ip-10-0-1-5.ec2.internal", "<none>",
        "<none>"}},
      {"evicted keeps status.reason",
       pod("evicted-1", {{"phase", "Failed"}, {"reason", "Evicted"}}),
       {"evicted-1", "0/1", "Evicted", "0", "5m", "<none>", "<none>", "<none>", "<none>"}},
      {"scheduling gated",
       pod("gated-1",
           {{"phase", "Pending"},
            {"conditions",
             {{{"type", "PodScheduled"}, {"status", "False"}, {"reason", "SchedulingGated"}}}}}),
       {"gated-1", "0/1", "SchedulingGated", "0", "5m", "<none>", "<none>", "<none>", "<none>"}},
      {"readiness gates, podIP only, nominated node",
       pod("gates-1",
           {{"phase", "Running"},
            {"podIP", "10.0.1.9"},
            {"nominatedNodeName", "node-b"},
            {"conditions",
             {{{"type", "example.com/lb"}, {"status", "True"}},
              {{"type", "example.com/dns"}, {"status", "False"}}}},
            {"containerStatuses", {running()}}},
           {{"readinessGates",
             {{{"conditionType", "example.com/lb"}},
              {{"conditionType", "example.com/dns"}}}}}),
       {"gates-1", "1/1", "Running", "0", "5m", "10.0.1.9", "<none>", "node-b", "1/2"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    EXPECT_EQ(cells("", "pods", c.pod), c.want);
  }
}

TEST(PodRows, MissingCreationTimestampIsUnknown) {
  json p = pod("x", {{"phase", "Running"}});
  p["metadata"].erase("creationTimestamp");
  EXPECT_EQ(cells("", "pods", p)[4], "<unknown>");
}

TEST(PodRows, FinishedPodsCarryCompletedCondition) {
  const auto row = table_row("", "pods", pod("job-1", {{"phase", "Succeeded"}}), testing::opts());
  EXPECT_EQ(row["conditions"], json::parse(R"([{"type":"Completed","status":"True",
      "reason":"Succeeded","message":"The pod has completed successfully."}])"));
  const auto failed = table_row("", "pods", pod("f", {{"phase", "Failed"}}), testing::opts());
  EXPECT_EQ(failed["conditions"][0]["reason"], "Failed");
  EXPECT_EQ(failed["conditions"][0]["message"], "The pod failed.");
  const auto live = table_row("", "pods", pod("r", {{"phase", "Running"}}), testing::opts());
  EXPECT_FALSE(live.contains("conditions"));
}

}  // namespace
}  // namespace v6k::kube
