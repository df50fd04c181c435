// The scheduling thread (scheduler.h): one cycle per popped pod. Only the decision and
// the assumption run here (under the snapshot's lock); every API write goes to the bind
// pool so that the next pod's cycle never waits on the network.
#include <cstdio>
#include <exception>

#include "kube/scheduler/algorithm.h"
#include "kube/scheduler/objects.h"
#include "kube/scheduler/scheduler.h"

namespace v6k::kube::scheduler {

using nlohmann::json;

namespace {

// The pod's PodScheduled condition, or nullptr.
const json* pod_scheduled_condition(const json& pod) {
  const json* status = child(pod, "status");
  const json* conds = status ? child(*status, "conditions") : nullptr;
  if (!conds || !conds->is_array()) return nullptr;
  for (const json& c : *conds)
    if (c.is_object() && str_at(c, "type") == "PodScheduled") return &c;
  return nullptr;
}

}  // namespace

void Scheduler::schedule_loop() {
  while (auto item = queue_.pop()) {
    try {
      schedule_one(*item);
    } catch (const std::exception& e) {
      // Only allocation failure can get here: retry the pod later rather than die.
      std::fprintf(stderr, "kube_scheduler: scheduling %s: %s\n", item->key.c_str(), e.what());
      queue_.backoff(item->key);
    }
  }
}

void Scheduler::schedule_one(const SchedulingQueue::Item& item) {
  ObjectPtr pod = pods_->get(item.key);
  if (!pod || !needs_scheduling(*pod, opt_.scheduler_name)) {
    // Deleted, bound or handed elsewhere since it was queued.
    dropped_.fetch_add(1);
    queue_.done(item.key);
    return;
  }
  attempts_.fetch_add(1);
  ScheduleDecision d;
  {
    std::lock_guard lock(snap_mu_);
    if (snapshot_.pod(item.key)) {
      // Already assumed (its binding is on its way) or bound in a newer event.
      queue_.done(item.key);
      return;
    }
    d = schedule_pod(*pod, snapshot_);
    if (d.node && !snapshot_.assume(*pod, *d.node)) d.node.reset();
  }
  if (d.node) {
    submit([this, pod, key = item.key, node = *d.node]() mutable { bind(std::move(pod), std::move(key), std::move(node)); });
    return;
  }
  handle_unschedulable(pod, item.key, item.cycle, d.message);
}

void Scheduler::handle_unschedulable(const ObjectPtr& pod, const std::string& key, uint64_t cycle,
                                     const std::string& message) {
  unschedulable_.fetch_add(1);
  // Preemption victims (d.preemption) are not evicted: the message still names the outcome.
  events_.record(*pod, "Warning", "FailedScheduling", message, "Pod", "v1");
  const json* cond = pod_scheduled_condition(*pod);
  bool same = cond && str_at(*cond, "status") == "False" && str_at(*cond, "reason") == "Unschedulable" &&
              str_at(*cond, "message") == message;
  if (!same) submit([this, pod, message] { update_condition(pod, message); });
  queue_.park(key, cycle);
}

}  // namespace v6k::kube::scheduler
