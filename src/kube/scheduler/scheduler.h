// kube-scheduler's control loop around the decision core (algorithm.h): its own pod and
// node informers feed a ClusterSnapshot and a scheduling queue; one scheduling thread
// pops pending pods (higher spec.priority first, then FIFO), runs schedule_pod() under
// the snapshot's lock and assume()s the chosen node; a pool of bind workers POSTs
// pods/<name>/binding and records the "Scheduled" event. Pods that fit nowhere get a
// Warning FailedScheduling event, their PodScheduled condition set to False/Unschedulable,
// and wait in the unschedulable set until the cluster changes (a node added or its
// allocatable/labels/taints/unschedulable changed, a bound pod gone) or 30 s pass.
//
//   auto s = Scheduler::start({.client = client});   // lists+watches, then schedules
//   if (!s) ...s.error().message()...;
//   ... (*s)->stats().bound ...
//   (*s)->stop();                                     // joins every thread promptly
//
// A separate component from the controller manager, as upstream: it owns its informers,
// queue and event recorder. Preemption victims are reported in the message but not
// evicted (see docs/scheduler.md).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "kube/client/client.h"
#include "kube/client/events.h"
#include "kube/client/shared_informers.h"
#include "kube/scheduler/snapshot.h"

namespace v6k::kube::scheduler {

struct SchedulerOptions {
  std::shared_ptr<Client> client;
  std::string scheduler_name = "default-scheduler";
  int bind_workers = 4;
  // How long start() waits for the first lists of pods and nodes.
  std::chrono::milliseconds sync_timeout{std::chrono::seconds(30)};
  // Parked (unschedulable) pods are all retried at least this often (upstream's flush runs
  // every 30 s but only retries pods parked for over 5 min; we retry them all).
  std::chrono::milliseconds unschedulable_flush{std::chrono::seconds(30)};
  // Back-off of pods whose binding failed: initial * 2^(attempts-1), capped (upstream 1 s / 10 s).
  std::chrono::milliseconds initial_backoff{std::chrono::seconds(1)};
  std::chrono::milliseconds max_backoff{std::chrono::seconds(10)};
};

struct SchedulerStats {
  uint64_t attempts = 0;       // scheduling cycles run
  uint64_t bound = 0;          // successful bindings
  uint64_t unschedulable = 0;  // cycles that found no node
  uint64_t bind_failures = 0;  // bindings that failed and were retried
  uint64_t dropped = 0;        // pods dropped: gone, already bound or no longer ours
};

// The scheduling queue (upstream's PriorityQueue): an active heap ordered by priority
// then arrival, a back-off set (timed), and the unschedulable set (parked until a move).
// Keys are "ns/name". Thread-safe; pop() blocks.
//
//   SchedulingQueue q(1s, 10s, 30s);
//   q.add("ns/a", 0);
//   auto item = q.pop();          // {key, cycle}; nullopt after shutdown()
//   q.park(item->key, item->cycle);   // unschedulable: waits for move_all_to_active()
//   q.done(item->key);
class SchedulingQueue {
 public:
  using Clock = std::chrono::steady_clock;
  struct Item {
    std::string key;
    uint64_t cycle = 0;  // the move counter when popped (see park)
  };

  SchedulingQueue(std::chrono::milliseconds initial_backoff, std::chrono::milliseconds max_backoff,
                  std::chrono::milliseconds unschedulable_flush);

  // A pod needs scheduling (new, or updated while pending): into the active heap unless
  // in flight (then it is re-added when done()) or already active. A parked pod is
  // re-activated only when `changed` (its spec or labels changed, not just its status).
  void add(const std::string& key, int32_t priority, bool changed = true);
  void remove(const std::string& key);  // deleted, bound or no longer ours
  // Blocks until a pod is active (backed-off pods become active when due; parked pods are
  // flushed back every `unschedulable_flush`). nullopt after shutdown().
  std::optional<Item> pop();
  // The cycle's outcomes. park: unschedulable; if the cluster changed since pop
  // (move_all_to_active ran), the pod goes straight back to the active heap instead.
  void park(const std::string& key, uint64_t cycle);
  // Retry after a back-off that doubles per consecutive failure.
  void backoff(const std::string& key);
  void forget(const std::string& key);  // success: reset the key's back-off
  void done(const std::string& key);    // the cycle (and its binding, if any) is over
  // The cluster changed in a way that may make parked pods fit: move them all to active.
  void move_all_to_active();

  void shutdown();
  size_t active_size() const;
  size_t parked_size() const;
  size_t backoff_size() const;
  bool contains(const std::string& key) const;  // active, backing off, parked or in flight

 private:
  enum class Where { kActive, kBackoff, kParked, kInFlight };
  struct Entry {
    Where where = Where::kActive;
    int32_t priority = 0;
    uint64_t seq = 0;        // arrival order within a priority
    bool readd = false;      // in flight and added again meanwhile
    Clock::time_point due{};  // kBackoff: when it becomes active
  };
  using HeapKey = std::pair<int64_t, uint64_t>;  // (-priority, seq): std::map order = pop order
  void activate_locked(const std::string& key, Entry& e);
  void promote_due_locked(Clock::time_point now);

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_map<std::string, Entry> entries_;
  std::map<HeapKey, std::string> active_;
  std::multimap<Clock::time_point, std::string> backoff_;
  size_t parked_ = 0;
  std::unordered_map<std::string, int> failures_;
  uint64_t seq_ = 0;
  uint64_t moves_ = 0;
  Clock::time_point next_flush_;
  std::chrono::milliseconds initial_, max_, flush_;
  bool shutting_down_ = false;
};

class Scheduler {
 public:
  // Builds the informers, waits for their first lists, then starts scheduling.
  static Result<std::unique_ptr<Scheduler>> start(SchedulerOptions options);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Stops the informers, the scheduling thread and the bind workers, and joins them.
  // Bindings not yet sent are abandoned (their pods stay pending for the next scheduler).
  void stop();
  SchedulerStats stats() const;
  // Counts for tests: pods waiting in the queue's active heap and in the parked set.
  size_t active_pods() const { return queue_.active_size(); }
  size_t parked_pods() const { return queue_.parked_size(); }

 private:
  explicit Scheduler(SchedulerOptions options);

  // Informer handlers (informer threads; short).
  void on_pod_add(const nlohmann::json& pod);
  void on_pod_update(const nlohmann::json& old_pod, const nlohmann::json& pod);
  void on_pod_delete(const nlohmann::json& pod);
  void on_node_add(const nlohmann::json& node);
  void on_node_update(const nlohmann::json& old_node, const nlohmann::json& node);
  void on_node_delete(const nlohmann::json& node);

  // The scheduling thread and one cycle (loop_cycle.cc).
  void schedule_loop();
  void schedule_one(const SchedulingQueue::Item& item);
  void handle_unschedulable(const ObjectPtr& pod, const std::string& key, uint64_t cycle, const std::string& message);
  // Work for the bind pool (loop_bind.cc).
  void bind(ObjectPtr pod, std::string key, std::string node);
  void update_condition(ObjectPtr pod, std::string message);
  void forget_assumed(const std::string& key);
  void submit(std::function<void()> job);
  void worker_loop();

  SchedulerOptions opt_;
  std::shared_ptr<Client> client_;
  SharedInformers informers_;
  Informer* pods_ = nullptr;
  EventRecorder events_;
  SchedulingQueue queue_;

  std::mutex snap_mu_;  // guards snapshot_ (the core is not thread-safe)
  ClusterSnapshot snapshot_;

  std::mutex jobs_mu_;
  std::condition_variable jobs_cv_;
  std::deque<std::function<void()>> jobs_;
  bool jobs_stopping_ = false;
  std::vector<std::thread> workers_;
  std::thread scheduling_thread_;
  std::atomic<bool> stopped_{false};

  std::atomic<uint64_t> attempts_{0}, bound_{0}, unschedulable_{0}, bind_failures_{0}, dropped_{0};
};

}  // namespace v6k::kube::scheduler
