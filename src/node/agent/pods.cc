#include "node/agent/pods.h"

#include <sys/stat.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "common/atomic_file.h"
#include "kube/client/events.h"
#include "kube/client/informer.h"
#include "kube/client/workqueue.h"
#include "netlink/netns.h"
#include "node/agent/pod_status.h"
#include "node/agent/probes.h"

namespace v6k::node {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// What the agent knows of one pod it runs.
struct PodState {
  std::mutex mu;  // held by the worker syncing the pod and by the exit monitor
  std::string uid, ns, name;
  std::string netns_name;
  std::string sandbox_id;
  std::string pod_ip;
  std::string start_time;
  std::map<std::string, ContainerRecord> containers;       // by container name
  std::map<std::string, Clock::time_point> backoff_until;  // by container name
  std::map<std::string, std::chrono::milliseconds> backoff;
  json last_status;
  bool files_written = false;  // resolv.conf and etc-hosts (this agent's run)
  std::set<std::string> probe_killed;  // killed by a probe: restarted unless restartPolicy Never
};

struct PodManager::Impl {
  PodManagerOptions o;
  std::unique_ptr<kube::Informer> pods;
  std::unique_ptr<kube::EventRecorder> events;
  std::unique_ptr<Prober> prober;
  std::mutex kills_mu;                                   // liveness/startup failures to act on
  std::map<std::string, std::vector<ProbeKill>> kills;   // by pod key
  std::string node_resolv_conf;
  kube::WorkQueue queue;
  std::vector<std::thread> workers;
  std::thread monitor;
  std::atomic<bool> stopping{false};
  std::mutex mu;                                         // guards states (entries are per key)
  std::map<std::string, std::shared_ptr<PodState>> states;  // by pod key ns/name
  std::atomic<uint64_t> started{0}, adopted{0}, torn_down{0};

  std::string pod_path(const std::string& ns, const std::string& name) const {
    return "/api/v1/namespaces/" + ns + "/pods/" + name;
  }
  std::string netns_path(const std::string& n) const { return "/var/run/netns/" + n; }
  std::string pod_dir(const std::string& uid) const { return o.pod_root + "/" + uid; }

  Attachment attachment(const PodState& s) const {
    return {.container_id = s.uid, .netns = netns_path(s.netns_name), .pod_namespace = s.ns, .pod_name = s.name,
            .pod_uid = s.uid};
  }

  std::shared_ptr<PodState> state_for(const std::string& key) {
    std::lock_guard lock(mu);
    auto it = states.find(key);
    return it == states.end() ? nullptr : it->second;
  }

  // Adopts sandboxes and containers an earlier agent left running.
  void adopt() {
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
  void teardown(const std::shared_ptr<PodState>& st, std::chrono::milliseconds grace) {
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

  bool ensure_sandbox(PodState& st, const json& pod) {
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
  std::optional<std::chrono::milliseconds> ensure_containers(PodState& st, const json& pod) {
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
  void ensure_pod_files(PodState& st, const json& pod) {
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
  void apply_kills(PodState& st, const json& pod, const std::string& key) {
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
  void sync_probes(PodState& st, const json& pod, const std::string& key) {
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
  bool refresh(PodState& st) {
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

  void write_status(PodState& st, const json& pod) {
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

  bool sync(const std::string& key) {
    auto pod = pods->get(key);
    auto st = state_for(key);
    if (!pod || (st && (*pod)["metadata"].value("uid", "") != st->uid)) {
      // Gone from the API (or replaced by a new pod of the same name): clean up.
      if (st) {
        std::lock_guard pod_lock(st->mu);
        teardown(st, std::chrono::seconds(0));
        std::lock_guard lock(mu);
        states.erase(key);
      }
      if (!pod) return true;
      st = nullptr;
    }
    const json& p = *pod;
    const json& meta = p["metadata"];
    if (meta.contains("deletionTimestamp")) {
      if (st) {
        std::lock_guard pod_lock(st->mu);
        teardown(st, std::chrono::seconds(meta.value("deletionGracePeriodSeconds", 30)));
        std::lock_guard lock(mu);
        states.erase(key);
      }
      // The kubelet's confirmation: the pod object goes now.
      json opts = {{"gracePeriodSeconds", 0}, {"preconditions", {{"uid", meta.value("uid", "")}}}};
      auto r = o.client->remove(pod_path(meta.value("namespace", ""), meta.value("name", "")), opts);
      return r || r.error().not_found() || r.error().conflict();
    }
    const std::string phase = p["status"].value("phase", "");
    if (!st) {
      if (phase == "Succeeded" || phase == "Failed") return true;  // finished before we came
      st = std::make_shared<PodState>();
      st->uid = meta.value("uid", "");
      st->ns = meta.value("namespace", "");
      st->name = meta.value("name", "");
      std::lock_guard lock(mu);
      states[key] = st;
    }
    std::lock_guard pod_lock(st->mu);
    if (!ensure_sandbox(*st, p)) {
      write_status(*st, p);
      return false;  // retried with back-off
    }
    ensure_pod_files(*st, p);
    apply_kills(*st, p, key);
    refresh(*st);
    auto next = ensure_containers(*st, p);
    sync_probes(*st, p, key);
    write_status(*st, p);
    if (next) queue.add_after(key, *next);
    return true;
  }

  void monitor_loop() {
    while (!stopping) {
      std::vector<std::pair<std::string, std::shared_ptr<PodState>>> all;
      {
        std::lock_guard lock(mu);
        all.assign(states.begin(), states.end());
      }
      for (auto& [key, st] : all) {
        // A pod busy in a worker (stopping a container within its grace period) is synced
        // anyway; waiting for it would delay noticing every other pod's exits.
        std::unique_lock pod_lock(st->mu, std::try_to_lock);
        if (!pod_lock.owns_lock()) continue;
        for (const auto& [name, rec] : st->containers) {
          if (!rec.current || rec.current->state != runtime::ContainerState::kRunning) continue;
          auto s = o.runtime->status(rec.current->id);
          if (s && s->state != runtime::ContainerState::kRunning) {
            queue.add(key);
            break;
          }
        }
      }
      for (int i = 0; i < 10 && !stopping; ++i) std::this_thread::sleep_for(o.monitor_period / 10);
    }
  }

  void stop() {
    if (stopping.exchange(true)) return;
    if (prober) prober->stop();  // no more callbacks into the queue
    queue.shutdown();
    for (auto& w : workers)
      if (w.joinable()) w.join();
    if (monitor.joinable()) monitor.join();
    if (pods) pods->stop();
    if (events) events->stop();
  }
};

PodManager::PodManager(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PodManager::~PodManager() { stop(); }
void PodManager::stop() { impl_->stop(); }

PodManagerStats PodManager::stats() const {
  return {impl_->started.load(), impl_->adopted.load(), impl_->torn_down.load()};
}

Result<std::unique_ptr<PodManager>> PodManager::start(PodManagerOptions opts) {
  if (!opts.client || !opts.cni || !opts.runtime || opts.node_name.empty())
    return fail_invalid("pod manager: client, CNI network, runtime and node name are required");
  auto impl = std::make_unique<Impl>();
  impl->o = std::move(opts);
  Impl* im = impl.get();
  im->events = std::make_unique<kube::EventRecorder>(im->o.client, "kubelet", im->o.node_name);
  if (!im->o.resolv_conf.empty()) {
    auto text = read_file(im->o.resolv_conf);
    if (!text) return fail(std::move(text.error()).wrap("pod manager: the node's resolv.conf"));
    im->node_resolv_conf = std::move(*text);
  }
  auto prober = Prober::start(
      {.runtime = im->o.runtime,
       .events = im->events.get(),
       .on_change = [im](const std::string& key) { im->queue.add(key); },
       .on_kill = [im](const ProbeKill& k) {
         {
           std::lock_guard lock(im->kills_mu);
           im->kills[k.pod_key].push_back(k);
         }
         im->queue.add(k.pod_key);
       }});
  if (!prober) return fail(std::move(prober.error()).wrap("pod manager"));
  im->prober = std::move(*prober);
  im->pods = std::make_unique<kube::Informer>(
      im->o.client, kube::InformerOptions{.resource = kube::ResourceRef{"", "v1", "pods"},
                                          .field_selector = "spec.nodeName=" + im->o.node_name});
  im->pods->on_add([im](const json& p) { im->queue.add(kube::object_key(p)); });
  im->pods->on_update([im](const json&, const json& p) { im->queue.add(kube::object_key(p)); });
  im->pods->on_delete([im](const json& p) { im->queue.add(kube::object_key(p)); });
  im->pods->start();
  if (!im->pods->wait_synced(std::chrono::seconds(30))) {
    im->stop();
    return fail(Error::from_errno(ETIMEDOUT, "pod manager", "the pod list did not arrive"));
  }
  im->adopt();
  if (im->o.pod_root.empty()) im->o.pod_root = "/run/v6k/pods";
  {
    std::vector<std::string> live;
    std::lock_guard lock(im->mu);
    for (const auto& [key, st] : im->states) live.push_back(st->uid);
    gc_pod_dirs(im->o.pod_root, im->o.runtime->options().root, live);
  }
  // Free the addresses of pods this node no longer runs (the agent may have died between
  // a pod's deletion and its CNI DEL).
  std::vector<std::pair<std::string, std::string>> valid;
  {
    std::lock_guard lock(im->mu);
    for (const auto& [key, st] : im->states) valid.emplace_back(st->uid, "eth0");
  }
  if (auto r = im->o.cni->gc(valid); !r) std::fprintf(stderr, "agent: CNI GC: %s\n", r.error().message().c_str());
  for (const auto& p : im->pods->list()) im->queue.add(kube::object_key(*p));
  {
    std::lock_guard lock(im->mu);
    for (const auto& [key, st] : im->states) im->queue.add(key);  // adopted pods the API may have lost
  }
  for (int i = 0; i < std::max(1, im->o.workers); ++i)
    im->workers.emplace_back([im] {
      while (auto key = im->queue.get()) {
        bool ok = false;
        try {
          ok = im->sync(*key);
        } catch (const std::exception& e) {
          std::fprintf(stderr, "agent: pod %s: %s\n", key->c_str(), e.what());
        }
        if (ok) im->queue.forget(*key);
        else im->queue.add_rate_limited(*key);
        im->queue.done(*key);
      }
    });
  im->monitor = std::thread([im] { im->monitor_loop(); });
  return std::unique_ptr<PodManager>(new PodManager(std::move(impl)));
}

}  // namespace v6k::node
