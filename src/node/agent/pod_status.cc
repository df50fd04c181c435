#include "node/agent/pod_status.h"

#include <ctime>

#include "kube/scheduler/quantity.h"

namespace v6k::node {

using nlohmann::json;

std::string rfc3339_of_ns(int64_t ns) {
  std::time_t t = static_cast<std::time_t>(ns / 1000000000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

namespace {

json state_of(const runtime::ContainerStatus& s) {
  if (s.state == runtime::ContainerState::kRunning) return {{"running", {{"startedAt", rfc3339_of_ns(s.started_ns)}}}};
  json t = {{"exitCode", s.exit_code},
            {"reason", s.reason.empty() ? (s.exit_code == 0 ? "Completed" : "Error") : s.reason},
            {"startedAt", rfc3339_of_ns(s.started_ns)},
            {"finishedAt", rfc3339_of_ns(s.finished_ns)},
            {"containerID", "v6k://" + s.id}};
  if (s.signal) t["signal"] = s.signal;
  return {{"terminated", t}};
}

json condition(const json& previous, const std::string& type, bool ok, const std::string& now,
               const std::string& reason = "") {
  std::string status = ok ? "True" : "False";
  std::string transition = now;
  for (const auto& c : previous)
    if (c.value("type", "") == type && c.value("status", "") == status) transition = c.value("lastTransitionTime", now);
  json c = {{"type", type}, {"status", status}, {"lastProbeTime", nullptr}, {"lastTransitionTime", transition}};
  if (!ok && !reason.empty()) c["reason"] = reason;
  return c;
}

}  // namespace

json pod_status(const json& pod, const std::vector<ContainerRecord>& containers, const PodView& v) {
  const json prev = pod.contains("status") ? pod["status"] : json::object();
  const json prev_conds = prev.value("conditions", json::array());
  const std::string policy = pod["spec"].value("restartPolicy", "Always");
  json statuses = json::array();
  // Counted as upstream's getPhase: a waiting container that ran before counts as stopped.
  int running = 0, waiting = 0, stopped = 0, succeeded = 0, ready = 0;
  for (const auto& c : containers) {
    json cs = {{"name", c.name}, {"image", c.image}, {"restartCount", c.restart_count}, {"ready", false},
               {"started", false}};
    if (c.current) {
      cs["imageID"] = c.current->image_id;
      cs["containerID"] = "v6k://" + c.current->id;
    } else {
      cs["imageID"] = "";
    }
    const bool exited = c.current && c.current->state == runtime::ContainerState::kExited;
    if (!c.waiting_reason.empty() || !c.current) {
      json w = {{"reason", c.waiting_reason.empty() ? "ContainerCreating" : c.waiting_reason}};
      if (!c.waiting_message.empty()) w["message"] = c.waiting_message;
      cs["state"] = {{"waiting", w}};
      if (exited) cs["lastState"] = state_of(*c.current);
      if (exited || c.last_terminated) stopped++;
      else waiting++;
    } else if (!exited) {
      cs["state"] = state_of(*c.current);
      cs["ready"] = cs["started"] = true;
      running++, ready++;
    } else {
      cs["state"] = state_of(*c.current);
      stopped++;
      if (c.current->exit_code == 0) succeeded++;
    }
    if (c.last_terminated && !cs.contains("lastState")) cs["lastState"] = state_of(*c.last_terminated);
    if (!cs.contains("lastState")) cs["lastState"] = json::object();
    statuses.push_back(std::move(cs));
  }
  const int n = static_cast<int>(containers.size());
  std::string phase = "Pending";
  if (waiting > 0 || n == 0) phase = "Pending";
  else if (running > 0) phase = "Running";
  else if (stopped == n) {
    if (policy == "Always") phase = "Running";  // it will be restarted
    else if (succeeded == stopped) phase = "Succeeded";
    else if (policy == "Never") phase = "Failed";
    else phase = "Running";  // OnFailure: the failed ones restart
  }
  const bool all_ready = n > 0 && ready == n;
  json conds = json::array({condition(prev_conds, "PodReadyToStartContainers", !v.pod_ip.empty(), v.now),
                            condition(prev_conds, "Initialized", true, v.now),
                            condition(prev_conds, "Ready", all_ready, v.now, "ContainersNotReady"),
                            condition(prev_conds, "ContainersReady", all_ready, v.now, "ContainersNotReady"),
                            condition(prev_conds, "PodScheduled", true, v.now)});
  json st = {{"phase", phase},
             {"conditions", conds},
             {"hostIP", v.host_ip},
             {"hostIPs", json::array({{{"ip", v.host_ip}}})},
             {"startTime", v.start_time},
             {"containerStatuses", statuses},
             {"qosClass", prev.value("qosClass", "BestEffort")}};
  if (!v.pod_ip.empty()) {
    st["podIP"] = v.pod_ip;
    st["podIPs"] = json::array({{{"ip", v.pod_ip}}});
  }
  return st;
}

runtime::ContainerSpec container_spec(const json& pod, const json& c, const std::string& pod_ip,
                                      const std::string& host_ip) {
  runtime::ContainerSpec s;
  s.name = c.value("name", "");
  s.image = c.value("image", "");
  for (const auto& x : c.value("command", json::array())) s.command.push_back(x.get<std::string>());
  for (const auto& x : c.value("args", json::array())) s.args.push_back(x.get<std::string>());
  s.working_dir = c.value("workingDir", "");
  const json& meta = pod["metadata"];
  for (const auto& e : c.value("env", json::array())) {
    std::string name = e.value("name", "");
    if (e.contains("value")) {
      s.env.emplace_back(name, e.value("value", ""));
      continue;
    }
    std::string path = e.contains("valueFrom") && e["valueFrom"].contains("fieldRef")
                           ? e["valueFrom"]["fieldRef"].value("fieldPath", "")
                           : "";
    std::string value;
    if (path == "metadata.name") value = meta.value("name", "");
    else if (path == "metadata.namespace") value = meta.value("namespace", "");
    else if (path == "metadata.uid") value = meta.value("uid", "");
    else if (path == "spec.nodeName") value = pod["spec"].value("nodeName", "");
    else if (path == "spec.serviceAccountName") value = pod["spec"].value("serviceAccountName", "");
    else if (path == "status.podIP") value = pod_ip;
    else if (path == "status.hostIP") value = host_ip;
    else continue;  // secrets, config maps and resource fields are not served yet
    s.env.emplace_back(name, value);
  }
  // Limits go to the runtime's cgroups.
  if (c.contains("resources") && c["resources"].contains("limits")) {
    const json& l = c["resources"]["limits"];
    if (auto cpu = kube::scheduler::parse_cpu_millicores(l.value("cpu", "0")); cpu) s.resources.cpu_limit_millis = *cpu;
    if (auto mem = kube::scheduler::parse_memory_bytes(l.value("memory", "0")); mem) s.resources.memory_limit_bytes = *mem;
  }
  return s;
}

}  // namespace v6k::node
