// Scheduler (scheduler.h): start/stop and the informer handlers that keep the snapshot
// and the queue current. The scheduling cycle is in loop_cycle.cc, binding and status
// writes in loop_bind.cc, the queue in loop_queue.cc.
#include "kube/scheduler/scheduler.h"

#include "kube/scheduler/algorithm.h"
#include "kube/scheduler/objects.h"

namespace v6k::kube::scheduler {

using nlohmann::json;

namespace {

int32_t priority_of(const json& pod) {
  const json* spec = child(pod, "spec");
  const json* p = spec ? child(*spec, "priority") : nullptr;
  if (!p || !p->is_number_integer()) return 0;
  return p->get<int32_t>();
}

bool is_bound(const json& pod) {
  const json* spec = child(pod, "spec");
  return spec && !str_at(*spec, "nodeName").empty();
}

bool is_terminal(const json& pod) {
  const json* status = child(pod, "status");
  std::string_view phase = status ? str_at(*status, "phase") : std::string_view();
  return phase == "Succeeded" || phase == "Failed";
}

const json& field_or_null(const json& obj, std::string_view a, std::string_view b) {
  static const json kNull;
  const json* x = child(obj, a);
  const json* y = x ? child(*x, b) : nullptr;
  return y ? *y : kNull;
}

// Whether a pending pod changed in a way that may change the verdict (not only status).
bool pod_spec_changed(const json& old_pod, const json& pod) {
  return field_or_null(old_pod, "metadata", "labels") != field_or_null(pod, "metadata", "labels") ||
         (child(old_pod, "spec") ? *child(old_pod, "spec") : json()) != (child(pod, "spec") ? *child(pod, "spec") : json());
}

// upstream nodeSchedulingPropertiesChange, for what our filters read: allocatable,
// labels, taints, unschedulable (not the heartbeat-driven conditions).
bool node_scheduling_changed(const json& old_node, const json& node) {
  return field_or_null(old_node, "status", "allocatable") != field_or_null(node, "status", "allocatable") ||
         field_or_null(old_node, "metadata", "labels") != field_or_null(node, "metadata", "labels") ||
         field_or_null(old_node, "spec", "taints") != field_or_null(node, "spec", "taints") ||
         field_or_null(old_node, "spec", "unschedulable") != field_or_null(node, "spec", "unschedulable");
}

}  // namespace

Scheduler::Scheduler(SchedulerOptions options)
    : opt_(std::move(options)),
      client_(opt_.client),
      informers_(client_),
      events_(client_, opt_.scheduler_name),
      queue_(opt_.initial_backoff, opt_.max_backoff, opt_.unschedulable_flush) {
  Informer& pods = informers_.get(kPods);
  pods_ = &pods;
  pods.on_add([this](const json& p) { on_pod_add(p); });
  pods.on_update([this](const json& o, const json& p) { on_pod_update(o, p); });
  pods.on_delete([this](const json& p) { on_pod_delete(p); });
  Informer& nodes = informers_.get(kNodes);
  nodes.on_add([this](const json& n) { on_node_add(n); });
  nodes.on_update([this](const json& o, const json& n) { on_node_update(o, n); });
  nodes.on_delete([this](const json& n) { on_node_delete(n); });
}

Result<std::unique_ptr<Scheduler>> Scheduler::start(SchedulerOptions options) {
  if (!options.client) return fail_invalid("scheduler: no API client");
  if (options.scheduler_name.empty()) return fail_invalid("scheduler: empty scheduler name");
  if (options.bind_workers < 1) return fail_invalid("scheduler: bind_workers must be at least 1");
  std::unique_ptr<Scheduler> s(new Scheduler(std::move(options)));
  s->informers_.start();
  if (!s->informers_.wait_synced(s->opt_.sync_timeout)) {
    s->stop();
    return fail_invalid("scheduler: pods and nodes not listed within " +
                        std::to_string(s->opt_.sync_timeout.count()) + " ms");
  }
  for (int i = 0; i < s->opt_.bind_workers; ++i) s->workers_.emplace_back([p = s.get()] { p->worker_loop(); });
  s->scheduling_thread_ = std::thread([p = s.get()] { p->schedule_loop(); });
  return s;
}

Scheduler::~Scheduler() { stop(); }

void Scheduler::stop() {
  if (stopped_.exchange(true)) return;
  informers_.stop();  // no handler runs after this
  queue_.shutdown();
  if (scheduling_thread_.joinable()) scheduling_thread_.join();
  {
    std::lock_guard lock(jobs_mu_);
    jobs_stopping_ = true;
    jobs_.clear();  // unsent bindings: the pods stay pending for the next scheduler
  }
  jobs_cv_.notify_all();
  for (auto& t : workers_)
    if (t.joinable()) t.join();
  workers_.clear();
  events_.stop();
}

SchedulerStats Scheduler::stats() const {
  return {attempts_.load(), bound_.load(), unschedulable_.load(), bind_failures_.load(), dropped_.load()};
}

// ---- pods

void Scheduler::on_pod_add(const json& pod) {
  if (is_bound(pod)) {
    std::lock_guard lock(snap_mu_);
    (void)snapshot_.add_pod(pod);  // only fails for nameless objects
    return;
  }
  if (needs_scheduling(pod, opt_.scheduler_name)) queue_.add(pod_key(pod), priority_of(pod));
}

void Scheduler::on_pod_update(const json& old_pod, const json& pod) {
  const std::string key = pod_key(pod);
  if (is_bound(pod)) {
    queue_.remove(key);  // bound (by us or anyone): nothing left to schedule
    bool freed = is_terminal(pod) && !is_terminal(old_pod);
    {
      std::lock_guard lock(snap_mu_);
      (void)snapshot_.add_pod(pod);
    }
    if (freed) queue_.move_all_to_active();
    return;
  }
  if (needs_scheduling(pod, opt_.scheduler_name)) {
    queue_.add(key, priority_of(pod), pod_spec_changed(old_pod, pod));
  } else {
    queue_.remove(key);  // terminating, finished, gated or handed to another scheduler
  }
}

void Scheduler::on_pod_delete(const json& pod) {
  const std::string key = pod_key(pod);
  queue_.remove(key);
  bool had = false;
  {
    std::lock_guard lock(snap_mu_);
    if (snapshot_.pod(key)) {
      snapshot_.remove_pod(key);
      had = true;
    }
  }
  if (had) queue_.move_all_to_active();  // its resources and ports are free again
}

// ---- nodes

void Scheduler::on_node_add(const json& node) {
  {
    std::lock_guard lock(snap_mu_);
    (void)snapshot_.upsert_node(node);
  }
  queue_.move_all_to_active();
}

void Scheduler::on_node_update(const json& old_node, const json& node) {
  {
    std::lock_guard lock(snap_mu_);
    (void)snapshot_.upsert_node(node);
  }
  if (node_scheduling_changed(old_node, node)) queue_.move_all_to_active();
}

void Scheduler::on_node_delete(const json& node) {
  const json* meta = child(node, "metadata");
  if (!meta) return;
  std::lock_guard lock(snap_mu_);
  snapshot_.remove_node(str_at(*meta, "name"));
}

}  // namespace v6k::kube::scheduler
