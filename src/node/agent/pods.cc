#include "node/agent/pods.h"

#include <sys/stat.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "kube/client/events.h"
#include "kube/client/informer.h"
#include "kube/client/workqueue.h"
#include "netlink/netns.h"
#include "node/agent/pod_status.h"

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
};

struct PodManager::Impl {
  PodManagerOptions o;
  std::unique_ptr<kube::Informer> pods;
  std::unique_ptr<kube::EventRecorder> events;
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
    st.pod_ip = added->ipv6;
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
        const bool again = policy == "Always" || (policy == "OnFailure" && rec.current->exit_code != 0);
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
      if (it != st.containers.end()) recs.push_back(it->second);
      else recs.push_back({.name = c.value("name", ""), .image = c.value("image", "")});
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
    refresh(*st);
    auto next = ensure_containers(*st, p);
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
        std::lock_guard pod_lock(st->mu);
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
