// What every controller of the controller manager shares: the API client, the shared
// informers, an event recorder and the options; and QueueWorkers, the loop that drains a
// work queue with N threads (sync a key; on failure retry it with back-off).
//
//   class FooController : public Controller {
//    public:
//     explicit FooController(ControllerContext& ctx) : ctx_(ctx), workers_(queue_, [this](auto& k) { return sync(k); }) {
//       ctx.informers.get(kFoos).on_add([this](const json& o) { queue_.add(object_key(o)); });
//     }
//     void start(int n) override { workers_.start(n); }
//     void stop() override { queue_.shutdown(); workers_.join(); }
//   };
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "kube/client/client.h"
#include "kube/client/events.h"
#include "kube/client/informer.h"
#include "kube/client/shared_informers.h"
#include "kube/client/workqueue.h"

namespace v6k::kube {

struct ControllerOptions {
  // Node lifecycle: a node whose Lease was not renewed for this long turns Unknown.
  std::chrono::seconds node_monitor_grace{40};
  std::chrono::milliseconds node_monitor_period{std::chrono::seconds(5)};
  // Worker threads per controller.
  int workers = 2;
  // The ReplicaSet controller syncs a ReplicaSet at most once per this period for changes
  // of its pods (adds and updates; deletes and ReplicaSet changes sync at once), as
  // upstream's Job and EndpointSlice controllers batch pod updates: a ReplicaSet whose
  // 100 pods turn Ready within a second then writes its status a few dozen times, not
  // 100. 0 = every pod event syncs at once.
  std::chrono::milliseconds pod_batch_period{20};
};

struct ControllerContext {
  std::shared_ptr<Client> client;
  SharedInformers& informers;
  EventRecorder& events;
  ControllerOptions options;
};

class Controller {
 public:
  virtual ~Controller() = default;
  virtual std::string name() const = 0;
  // Called after the shared informers have synced.
  virtual void start() = 0;
  virtual void stop() = 0;
};

// Drains `queue` with `n` threads; `sync(key)` returns false to retry the key later.
class QueueWorkers {
 public:
  QueueWorkers(WorkQueue& queue, std::function<bool(const std::string&)> sync)
      : queue_(queue), sync_(std::move(sync)) {}
  ~QueueWorkers() { join(); }

  void start(int n) {
    for (int i = 0; i < n; ++i)
      threads_.emplace_back([this] {
        while (auto key = queue_.get()) {
          bool ok = false;
          try {
            ok = sync_(*key);
          } catch (const std::exception&) {
            ok = false;  // a malformed object: retry later rather than die
          }
          if (ok) queue_.forget(*key);
          else queue_.add_rate_limited(*key);
          queue_.done(*key);
        }
      });
  }
  // Call after queue.shutdown().
  void join() {
    for (auto& t : threads_)
      if (t.joinable()) t.join();
    threads_.clear();
  }

 private:
  WorkQueue& queue_;
  std::function<bool(const std::string&)> sync_;
  std::vector<std::thread> threads_;
};

}  // namespace v6k::kube
