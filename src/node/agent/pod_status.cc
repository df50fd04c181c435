#include "node/agent/pod_status.h"

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <sstream>

#include "addr/ip.h"
#include "common/atomic_file.h"
#include "kube/scheduler/quantity.h"
#include "node/dns/records.h"

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
               const std::string& reason = "", const std::string& message = "") {
  std::string status = ok ? "True" : "False";
  std::string transition = now;
  for (const auto& c : previous)
    if (c.value("type", "") == type && c.value("status", "") == status) transition = c.value("lastTransitionTime", now);
  json c = {{"type", type}, {"status", status}, {"lastProbeTime", nullptr}, {"lastTransitionTime", transition}};
  if (!ok && !reason.empty()) c["reason"] = reason;
  if (!ok && !message.empty()) c["message"] = message;
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
      cs["ready"] = c.ready;
      cs["started"] = c.started;
      running++;
      if (c.ready) ready++;
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
  // Upstream's wording: "containers with unready status: [web sidecar]".
  std::string unready;
  for (const auto& st : statuses)
    if (!st.value("ready", false)) unready += (unready.empty() ? "" : " ") + st.value("name", "");
  const std::string not_ready = unready.empty() ? "" : "containers with unready status: [" + unready + "]";
  json conds = json::array({condition(prev_conds, "PodReadyToStartContainers", !v.pod_ip.empty(), v.now),
                            condition(prev_conds, "Initialized", true, v.now),
                            condition(prev_conds, "Ready", all_ready, v.now, "ContainersNotReady", not_ready),
                            condition(prev_conds, "ContainersReady", all_ready, v.now, "ContainersNotReady", not_ready),
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

// ---- pod DNS files --------------------------------------------------------------------

ResolvConf parse_resolv_conf(std::string_view text) {
  ResolvConf rc;
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) {
    if (auto hash = line.find_first_of("#;"); hash != std::string::npos) line.resize(hash);
    std::istringstream words(line);
    std::string key;
    if (!(words >> key)) continue;
    std::vector<std::string> rest;
    for (std::string w; words >> w;) rest.push_back(w);
    if (key == "nameserver" && !rest.empty()) rc.nameservers.push_back(rest[0]);
    else if (key == "search" || key == "domain") rc.searches = rest;
    else if (key == "options") rc.options.insert(rc.options.end(), rest.begin(), rest.end());
  }
  return rc;
}

std::string render_resolv_conf(const ResolvConf& rc) {
  std::string out;
  for (const auto& n : rc.nameservers) out += "nameserver " + n + "\n";
  auto line = [&](const char* key, const std::vector<std::string>& v) {
    if (v.empty()) return;
    out += key;
    for (const auto& x : v) out += " " + x;
    out += "\n";
  };
  line("search", rc.searches);
  line("options", rc.options);
  return out;
}

namespace {

// One word of resolv.conf or /etc/hosts: anything else (spaces, newlines, comment marks)
// would add lines of its own. The API server validates these upstream; we do not rely on it.
bool word(std::string_view x) {
  return !x.empty() && std::none_of(x.begin(), x.end(), [](char ch) {
    return static_cast<unsigned char>(ch) <= 0x20 || ch == 0x7f || ch == '#' || ch == ';';
  });
}

void append_unique(std::vector<std::string>& to, const std::string& x) {
  if (word(x) && std::find(to.begin(), to.end(), x) == to.end()) to.push_back(x);
}

// Pod options replace same-named ones in place; new ones go last.
void merge_option(std::vector<std::string>& opts, const std::string& name, const std::string& value) {
  const std::string text = value.empty() ? name : name + ":" + value;
  for (auto& o : opts)
    if (o.substr(0, o.find(':')) == name) {
      o = text;
      return;
    }
  opts.push_back(text);
}

void strings_of(const json& o, const char* field, std::vector<std::string>& out) {
  if (!o.contains(field) || !o[field].is_array()) return;
  for (const auto& x : o[field])
    if (x.is_string()) out.push_back(x.get<std::string>());
}

}  // namespace

PodDnsFiles pod_dns_files(const json& pod, const std::string& pod_ip, const PodDnsOptions& o) {
  PodDnsFiles f;
  const json spec = pod.contains("spec") && pod["spec"].is_object() ? pod["spec"] : json::object();
  const json meta = pod.contains("metadata") && pod["metadata"].is_object() ? pod["metadata"] : json::object();
  auto str = [](const json& j, const char* k) { return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : ""; };
  const std::string ns = word(str(meta, "namespace")) ? str(meta, "namespace") : "default";
  std::string policy = str(spec, "dnsPolicy").empty() ? "ClusterFirst" : str(spec, "dnsPolicy");
  const bool host_network = spec.contains("hostNetwork") && spec["hostNetwork"].is_boolean() && spec["hostNetwork"].get<bool>();
  if (policy == "ClusterFirst" && host_network) policy = "Default";
  if (policy == "ClusterFirstWithHostNet") policy = "ClusterFirst";
  auto dns_ip = addr::parse_ip(o.cluster_dns);
  if (policy == "ClusterFirst" && !dns_ip) {
    f.events.emplace_back("MissingClusterDNS", "pod: \"" + str(meta, "name") + "_" + ns + "(" + str(meta, "uid") +
                                                   ")\". kubelet does not have ClusterDNS IP configured and cannot create "
                                                   "Pod using \"ClusterFirst\" policy. Falling back to \"Default\" policy.");
    policy = "Default";
  }
  ResolvConf rc;
  if (policy == "ClusterFirst") rc = parse_resolv_conf(dns::pod_resolv_conf(*dns_ip, ns, o.cluster_domain));
  else if (policy == "Default") rc = parse_resolv_conf(o.node_resolv_conf);
  if (spec.contains("dnsConfig") && spec["dnsConfig"].is_object()) {
    const json& dc = spec["dnsConfig"];
    std::vector<std::string> servers, searches;
    strings_of(dc, "nameservers", servers);
    strings_of(dc, "searches", searches);
    for (const auto& s : servers)
      if (addr::parse_ip(s)) append_unique(rc.nameservers, s);
    for (const auto& s : searches) append_unique(rc.searches, s);
    if (dc.contains("options") && dc["options"].is_array())
      for (const auto& opt : dc["options"])
        if (opt.is_object() && word(str(opt, "name")) && str(opt, "name").find(':') == std::string::npos &&
            (str(opt, "value").empty() || word(str(opt, "value"))))
          merge_option(rc.options, str(opt, "name"), str(opt, "value"));
  }
  // The resolver's limits, as the kubelet enforces them.
  if (rc.nameservers.size() > 3) {
    rc.nameservers.resize(3);
    f.events.emplace_back("DNSConfigForming",
                          "Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver "
                          "line is: " + rc.nameservers[0] + " " + rc.nameservers[1] + " " + rc.nameservers[2]);
  }
  size_t chars = 0, keep = 0;
  for (; keep < rc.searches.size() && keep < 32; ++keep) {
    if (chars + rc.searches[keep].size() + (keep ? 1 : 0) > 2048) break;
    chars += rc.searches[keep].size() + (keep ? 1 : 0);
  }
  if (keep < rc.searches.size()) {
    rc.searches.resize(keep);
    std::string applied;
    for (const auto& s : rc.searches) applied += (applied.empty() ? "" : " ") + s;
    f.events.emplace_back("DNSConfigForming",
                          "Search Line limits were exceeded, some search paths have been omitted, the applied search "
                          "line is: " + applied);
  }
  f.resolv_conf = render_resolv_conf(rc);

  // /etc/hosts, as the kubelet manages it.
  std::string hostname = word(str(spec, "hostname")) ? str(spec, "hostname") : str(meta, "name");
  if (hostname.size() > 63) hostname.resize(63);
  while (!hostname.empty() && (hostname.back() == '-' || hostname.back() == '.')) hostname.pop_back();
  f.hosts = "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
            "fe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n";
  if (word(pod_ip) && word(hostname)) {
    const std::string sub = word(str(spec, "subdomain")) ? str(spec, "subdomain") : "";
    f.hosts += sub.empty() ? pod_ip + "\t" + hostname + "\n"
                           : pod_ip + "\t" + hostname + "." + sub + "." + ns + ".svc." + o.cluster_domain + "\t" +
                                 hostname + "\n";
  }
  if (spec.contains("hostAliases") && spec["hostAliases"].is_array() && !spec["hostAliases"].empty()) {
    f.hosts += "\n# Entries added by HostAliases.\n";
    for (const auto& a : spec["hostAliases"]) {
      if (!a.is_object() || !addr::parse_ip(str(a, "ip"))) continue;
      std::vector<std::string> names;
      strings_of(a, "hostnames", names);
      f.hosts += str(a, "ip");
      for (const auto& n : names)
        if (word(n)) f.hosts += "\t" + n;
      f.hosts += "\n";
    }
  }
  return f;
}

Result<bool> write_pod_files(const std::string& dir, const PodDnsFiles& files, const std::string& owner) {
  bool wrote = false;
  for (const auto& [name, content] : {std::pair{"/owner", &owner}, std::pair{"/resolv.conf", &files.resolv_conf},
                                      std::pair{"/etc-hosts", &files.hosts}}) {
    if (auto have = read_file(dir + name); have && *have == *content) continue;
    V6K_TRY(make_dirs(dir), "writing the pod's files");
    V6K_TRY(write_file_atomic(dir + name, *content), "writing the pod's files");
    if (std::string_view(name) != "/owner") wrote = true;
  }
  return wrote;
}

void gc_pod_dirs(const std::string& root, const std::string& owner, const std::vector<std::string>& live) {
  std::error_code ec;
  for (const auto& d : std::filesystem::directory_iterator(root, ec)) {
    auto who = read_file(d.path().string() + "/owner");
    if (!who) continue;  // not made by a pod manager: leave it
    const std::string uid = d.path().filename().string();
    const bool ours = *who == owner;
    if ((ours && std::find(live.begin(), live.end(), uid) == live.end()) ||
        (!ours && !std::filesystem::exists(*who, ec)))
      std::filesystem::remove_all(d.path(), ec);
  }
}

}  // namespace v6k::node
