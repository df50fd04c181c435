#include "node/agent/pods.h"

#include <cstdio>

#include "common/atomic_file.h"
#include "common/volatile_dir.h"
#include "node/agent/pods_internal.h"

namespace v6k::node {

std::string PodManager::Impl::pod_path(const std::string& ns, const std::string& name) const {
  return "/api/v1/namespaces/" + ns + "/pods/" + name;
}

bool PodManager::Impl::sync(const std::string& key) {
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

void PodManager::Impl::monitor_loop() {
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

void PodManager::Impl::stop() {
  if (stopping.exchange(true)) return;
  if (prober) prober->stop();  // no more callbacks into the queue
  queue.shutdown();
  for (auto& w : workers)
    if (w.joinable()) w.join();
  if (monitor.joinable()) monitor.join();
  if (pods) pods->stop();
  if (events) events->stop();
}

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
  if (im->o.pod_root.empty()) im->o.pod_root = volatile_root() + "/v6k/pods";
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
