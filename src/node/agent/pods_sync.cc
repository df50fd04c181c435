// What one sync does to one pod (see pods.h): adopt what an earlier agent left, make the
// sandbox (netns + CNI ADD), start and restart containers, write pod files, act on probe
// kills, refresh from the runtime and write the status; and the teardown of a pod.
#include <cstdio>
#include <filesystem>

#include "netlink/netns.h"
#include "node/agent/pods_internal.h"

namespace v6k::node {

// Adopts sandboxes and containers an earlier agent left running.
void PodManager::Impl::adopt() {
  auto sandboxes = o.runtime->list_sandboxes();
  auto containers = o.runtime->list();
  if (!sandboxes || !containers) return;
  for (const auto& sb : *sandboxes) {
    auto st = std::make_shared<PodState>();
    st->uid = sb.config.pod_uid;
    st->ns = sb.config.pod_namespace;
    st->name = sb.config.pod_name;
    st->sandbox_id = sb.id;
    st->netns_name = sb.config.netns_path.substr(sb.config.netns_path.rfind('/') + 1);
    st->start_time = rfc3339_of_ns(sb.created_ns);
    for (const auto& c : *containers) {
      if (c.sandbox_id != sb.id) continue;
      auto& rec = st->containers[c.name];
      rec.name = c.name;
      rec.image = c.image;
      if (rec.current) {
        rec.last_terminated = rec.current;
        rec.restart_count++;
      }
      rec.current = c;  // oldest first: the last one wins
    }
    if (auto p = pods->get(st->ns, st->name); p && (*p)["metadata"].value("uid", "") == st->uid)
      st->pod_ip = (*p)["status"].value("podIP", "");
    std::lock_guard lock(mu);
    states[kube::object_key(st->ns, st->name)] = st;
    adopted++;
  }
}

// Stops and removes everything of a pod on this node.
void PodManager::Impl::teardown(const std::shared_ptr<PodState>& st, std::chrono::milliseconds grace) {
  prober->remove_pod(kube::object_key(st->ns, st->name));
  if (!st->sandbox_id.empty()) {
    for (auto& [name, rec] : st->containers)
      if (rec.current && rec.current->state == runtime::ContainerState::kRunning) {
        events->record({{"metadata", {{"name", st->name}, {"namespace", st->ns}, {"uid", st->uid}}}}, "Normal",
                       "Killing", "Stopping container " + name, "Pod", "v1");
      }
    if (auto r = o.runtime->remove_sandbox(st->sandbox_id, grace); !r)
      std::fprintf(stderr, "agent: removing the sandbox of %s/%s: %s\n", st->ns.c_str(), st->name.c_str(),
                   r.error().message().c_str());
  }
  if (!st->netns_name.empty()) {
    if (auto r = o.cni->del(attachment(*st)); !r)
      std::fprintf(stderr, "agent: %s\n", r.error().message().c_str());
    netlink::NetNs::remove(st->netns_name);
  }
  std::error_code ec;
  std::filesystem::remove_all(pod_dir(st->uid), ec);
  torn_down++;
}

bool PodManager::Impl::ensure_sandbox(PodState& st, const json& pod) {
  if (!st.sandbox_id.empty() && !st.pod_ip.empty()) return true;
  st.netns_name = o.netns_prefix + "pod-" + st.uid.substr(0, 18);
  if (!netlink::NetNs::open_named(st.netns_name)) {
    if (auto ns = netlink::NetNs::create(st.netns_name); !ns) {
      std::fprintf(stderr, "agent: %s\n", ns.error().message().c_str());
      return false;
    }
  }
  auto added = o.cni->add(attachment(st));
  if (!added) {
    events->record(pod, "Warning", "FailedCreatePodSandBox",
                   "Failed to create pod sandbox: " + added.error().message(), "Pod", "v1");
    return false;
  }
  st.pod_ip = added->pod_ip();
  if (st.sandbox_id.empty()) {
    auto sb = o.runtime->create_sandbox({.pod_uid = st.uid, .pod_name = st.name, .pod_namespace = st.ns,
                                         .netns_path = netns_path(st.netns_name)});
    if (!sb) {
      std::fprintf(stderr, "agent: %s\n", sb.error().message().c_str());
      return false;
    }
    st.sandbox_id = sb->id;
    st.start_time = kube::now_rfc3339();
    started++;
  }
  return true;
}

// Starts containers that are not running and may (re)start now; returns the time of the
// next back-off expiry, if any.
std::optional<std::chrono::milliseconds> PodManager::Impl::ensure_containers(PodState& st, const json& pod) {
  std::optional<std::chrono::milliseconds> next;
  const std::string policy = pod["spec"].value("restartPolicy", "Always");
  for (const auto& c : pod["spec"].value("containers", json::array())) {
    const std::string name = c.value("name", "");
    auto& rec = st.containers[name];
    rec.name = name;
    rec.image = c.value("image", "");
    if (rec.current && rec.current->state == runtime::ContainerState::kRunning) continue;
    if (rec.current) {  // exited: restart by policy
      const bool again = policy == "Always" ||
                         (policy == "OnFailure" && (rec.current->exit_code != 0 || st.probe_killed.count(name)));
      if (!again) continue;
    }
    auto now = Clock::now();
    if (auto b = st.backoff_until.find(name); b != st.backoff_until.end() && now < b->second) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(b->second - now);
      if (rec.current) rec.waiting_reason = "CrashLoopBackOff";
      next = next ? std::min(*next, left) : left;
      continue;
    }
    const int attempt = rec.current ? rec.restart_count + 1 : rec.restart_count;
    const std::string dir = o.log_root + "/" + st.ns + "_" + st.name + "_" + st.uid + "/" + name;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    auto spec = container_spec(pod, c, st.pod_ip, o.host_ip);
    for (const auto& [file, target] : {std::pair{"/resolv.conf", "/etc/resolv.conf"}, std::pair{"/etc-hosts", "/etc/hosts"}})
      if (st.files_written && std::filesystem::exists(target))
        spec.mounts.push_back({.host_path = pod_dir(st.uid) + file, .container_path = target, .read_only = true});
    auto r = o.runtime->start_container(st.sandbox_id, spec, dir + "/" + std::to_string(attempt) + ".log");
    if (!r) {
      const bool image = r.error().code() == ENOENT || r.error().code() == EINVAL;
      rec.waiting_reason = image ? (rec.waiting_reason == "ErrImagePull" || rec.waiting_reason == "ImagePullBackOff"
                                        ? "ImagePullBackOff"
                                        : "ErrImagePull")
                                 : "CreateContainerError";
      rec.waiting_message = r.error().what();
      events->record(pod, "Warning", "Failed", (image ? "Failed to pull image \"" + rec.image + "\": " : "Error: ") +
                                                   r.error().what(),
                     "Pod", "v1");
    } else {
      if (rec.current) {
        rec.last_terminated = rec.current;
        rec.restart_count = attempt;
      }
      rec.current = *r;
      st.probe_killed.erase(name);
      rec.waiting_reason.clear();
      rec.waiting_message.clear();
      events->record(pod, "Normal", "Started", "Started container " + name, "Pod", "v1");
      continue;
    }
    // Back-off: upstream doubles from 10 s up to 5 min.
    auto& delay = st.backoff[name];
    delay = delay.count() == 0 ? o.restart_backoff : std::min(delay * 2, o.max_restart_backoff);
    st.backoff_until[name] = now + delay;
    next = next ? std::min(*next, delay) : delay;
    continue;
  }
  return next;
}

// The pod's resolv.conf and etc-hosts, (re)written when their content changes; the
// containers started afterwards bind-mount them.
void PodManager::Impl::ensure_pod_files(PodState& st, const json& pod) {
  auto files = pod_dns_files(pod, st.pod_ip, {.cluster_dns = o.cluster_dns, .cluster_domain = o.cluster_domain,
                                              .node_resolv_conf = node_resolv_conf});
  auto wrote = write_pod_files(pod_dir(st.uid), files, o.runtime->options().root);
  if (!wrote) {  // containers start without them rather than not at all
    std::fprintf(stderr, "agent: pod %s/%s: %s\n", st.ns.c_str(), st.name.c_str(), wrote.error().message().c_str());
    return;
  }
  if (*wrote)
    for (const auto& [reason, message] : files.events) events->record(pod, "Warning", reason, message, "Pod", "v1");
  st.files_written = true;
}

// Kills the containers whose liveness or startup probe failed (restarted below by policy).
void PodManager::Impl::apply_kills(PodState& st, const json& pod, const std::string& key) {
  std::vector<ProbeKill> todo;
  {
    std::lock_guard lock(kills_mu);
    if (auto it = kills.find(key); it != kills.end()) {
      todo = std::move(it->second);
      kills.erase(it);
    }
  }
  for (const auto& k : todo) {
    auto it = st.containers.find(k.container);
    if (it == st.containers.end() || !it->second.current || it->second.current->id != k.container_id ||
        it->second.current->state != runtime::ContainerState::kRunning)
      continue;
    std::string msg = "Container " + k.container + " failed " +
                      (k.type == ProbeType::kStartup ? "startup" : "liveness") + " probe";
    if (pod["spec"].value("restartPolicy", "Always") != "Never") msg += ", will be restarted";
    events->record(pod, "Normal", "Killing", msg, "Pod", "v1");
    prober->remove(key, k.container);
    const int grace = k.grace_seconds.value_or(pod["spec"].value("terminationGracePeriodSeconds", 30));
    if (auto r = o.runtime->stop_container(k.container_id, std::chrono::seconds(grace)); !r)
      std::fprintf(stderr, "agent: %s\n", r.error().message().c_str());
    st.probe_killed.insert(k.container);
  }
}

// Running containers are probed; the others are not.
void PodManager::Impl::sync_probes(PodState& st, const json& pod, const std::string& key) {
  const json statuses = pod["status"].value("containerStatuses", json::array());
  for (const auto& c : pod["spec"].value("containers", json::array())) {
    const std::string name = c.value("name", "");
    auto it = st.containers.find(name);
    if (it == st.containers.end() || !it->second.current ||
        it->second.current->state != runtime::ContainerState::kRunning) {
      prober->remove(key, name);
      continue;
    }
    const auto& cur = *it->second.current;
    bool was_ready = false;
    for (const auto& cs : statuses)
      if (cs.value("containerID", "") == "v6k://" + cur.id) was_ready = cs.value("ready", false);
    prober->add({.pod_key = key, .container = name, .container_id = cur.id, .pod_ip = st.pod_ip,
                 .netns_path = netns_path(st.netns_name), .started_ns = cur.started_ns,
                 .pod = {{"metadata", {{"name", st.name}, {"namespace", st.ns}, {"uid", st.uid}}}},
                 .spec = c, .was_ready = was_ready});
  }
}

// Refreshes the runtime's view of the pod's containers; true if any changed.
bool PodManager::Impl::refresh(PodState& st) {
  bool changed = false;
  for (auto& [name, rec] : st.containers) {
    if (!rec.current || rec.current->state != runtime::ContainerState::kRunning) continue;
    auto s = o.runtime->status(rec.current->id);
    if (!s) continue;
    if (s->state != rec.current->state) {
      changed = true;
      // As the kubelet: the first exit restarts at once, then 10 s, 20 s, ... up to 5 min.
      auto& delay = st.backoff[name];
      st.backoff_until[name] = Clock::now() + delay;
      delay = delay.count() == 0 ? o.restart_backoff : std::min(delay * 2, o.max_restart_backoff);
    }
    rec.current = *s;
  }
  return changed;
}

void PodManager::Impl::write_status(PodState& st, const json& pod) {
  std::vector<ContainerRecord> recs;
  for (const auto& c : pod["spec"].value("containers", json::array())) {
    auto it = st.containers.find(c.value("name", ""));
    if (it == st.containers.end()) {
      recs.push_back({.name = c.value("name", ""), .image = c.value("image", "")});
      continue;
    }
    recs.push_back(it->second);
    if (it->second.current && it->second.current->state == runtime::ContainerState::kRunning) {
      auto p = prober->status(kube::object_key(st.ns, st.name), it->first, it->second.current->id);
      recs.back().ready = p.ready;
      recs.back().started = p.started;
    }
  }
  json status = pod_status(pod, recs, {.pod_ip = st.pod_ip, .host_ip = o.host_ip, .start_time = st.start_time,
                                       .now = kube::now_rfc3339()});
  json cmp = status;
  if (cmp == st.last_status) return;
  auto r = o.client->patch(pod_path(st.ns, st.name) + "/status", kube::PatchType::kMerge, {{"status", status}});
  if (r) st.last_status = std::move(cmp);
}

}  // namespace v6k::node
