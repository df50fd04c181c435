// The bind pool (scheduler.h): N threads running the scheduler's API writes — bindings
// (POST pods/<name>/binding, then the "Scheduled" event) and PodScheduled=False status
// patches — so the scheduling thread keeps deciding while the network works.
#include <cstdio>

#include "kube/scheduler/objects.h"
#include "kube/scheduler/scheduler.h"

namespace v6k::kube::scheduler {

using nlohmann::json;

namespace {

std::string pod_path(const json& pod) {
  const json* meta = child(pod, "metadata");
  std::string ns(meta ? str_at(*meta, "namespace") : std::string_view());
  std::string name(meta ? str_at(*meta, "name") : std::string_view());
  return "/api/v1/namespaces/" + (ns.empty() ? std::string("default") : ns) + "/pods/" + name;
}

// A 409 that means "nothing left to do": someone bound it first, or it is going away.
bool binding_moot(const ApiError& e) {
  if (e.not_found()) return true;
  if (e.code != 409) return false;
  return e.message.find("already assigned") != std::string::npos ||
         e.message.find("being deleted") != std::string::npos;
}

}  // namespace

void Scheduler::submit(std::function<void()> job) {
  {
    std::lock_guard lock(jobs_mu_);
    if (jobs_stopping_) return;
    jobs_.push_back(std::move(job));
  }
  jobs_cv_.notify_one();
}

void Scheduler::worker_loop() {
  std::unique_lock lock(jobs_mu_);
  for (;;) {
    jobs_cv_.wait(lock, [&] { return jobs_stopping_ || !jobs_.empty(); });
    if (jobs_stopping_) return;
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    try {
      job();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "kube_scheduler: bind worker: %s\n", e.what());
    }
    lock.lock();
  }
}

void Scheduler::forget_assumed(const std::string& key) {
  std::lock_guard lock(snap_mu_);
  const PodEntry* e = snapshot_.pod(key);
  // Only our own assumption: a bound event that arrived meanwhile is the truth.
  if (e && e->assumed) snapshot_.remove_pod(key);
}

void Scheduler::bind(ObjectPtr pod, std::string key, std::string node) {
  const json* meta = child(*pod, "metadata");
  std::string ns(meta ? str_at(*meta, "namespace") : std::string_view());
  std::string name(meta ? str_at(*meta, "name") : std::string_view());
  json binding = {{"apiVersion", "v1"},
                  {"kind", "Binding"},
                  {"metadata", {{"name", name}, {"namespace", ns}}},
                  {"target", {{"apiVersion", "v1"}, {"kind", "Node"}, {"name", node}}}};
  auto r = client_->create(pod_path(*pod) + "/binding", binding);
  if (r) {
    bound_.fetch_add(1);
    events_.record(*pod, "Normal", "Scheduled", "Successfully assigned " + ns + "/" + name + " to " + node, "Pod",
                   "v1");
    queue_.forget(key);
    queue_.done(key);
    return;
  }
  forget_assumed(key);
  if (binding_moot(r.error())) {
    dropped_.fetch_add(1);
    queue_.done(key);
    return;
  }
  // Anything else (a transient server or network error): schedule it again after a back-off.
  bind_failures_.fetch_add(1);
  events_.record(*pod, "Warning", "FailedScheduling", "Binding rejected: " + r.error().text(), "Pod", "v1");
  queue_.backoff(key);
}

void Scheduler::update_condition(ObjectPtr pod, std::string message) {
  // Keep lastTransitionTime when the status does not change (podutil.UpdatePodCondition).
  std::string transition = now_rfc3339();
  const json* status = child(*pod, "status");
  const json* conds = status ? child(*status, "conditions") : nullptr;
  if (conds && conds->is_array())
    for (const json& c : *conds)
      if (c.is_object() && str_at(c, "type") == "PodScheduled" && str_at(c, "status") == "False" &&
          !str_at(c, "lastTransitionTime").empty())
        transition = std::string(str_at(c, "lastTransitionTime"));
  json cond = {{"type", "PodScheduled"},     {"status", "False"},       {"reason", "Unschedulable"},
               {"message", message},         {"lastProbeTime", nullptr}, {"lastTransitionTime", transition}};
  // Strategic merge: conditions merge by type, so the pod's other conditions stay.
  json patch = {{"status", {{"conditions", json::array({cond})}}}};
  auto r = client_->patch(pod_path(*pod) + "/status", PatchType::kStrategic, patch);
  if (!r && !r.error().not_found())
    std::fprintf(stderr, "kube_scheduler: setting PodScheduled on %s: %s\n", pod_key(*pod).c_str(),
                 r.error().text().c_str());
}

}  // namespace v6k::kube::scheduler
