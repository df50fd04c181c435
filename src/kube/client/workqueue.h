// A work queue of object keys, as client-go's rate-limited workqueue: a key queued many
// times before a worker takes it is processed once; a key is never processed by two
// workers at once (re-added while in flight, it is queued again when done()); failed keys
// come back after a per-key exponential back-off; add_after() schedules a later visit.
//
//   WorkQueue q;
//   informer.on_any([&](const json& o) { q.add(key_of(o)); });
//   while (auto key = q.get()) {           // blocks; nullopt after shutdown()
//     if (sync(*key)) q.forget(*key); else q.add_rate_limited(*key);
//     q.done(*key);
//   }
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>

namespace v6k::kube {

class WorkQueue {
 public:
  using Clock = std::chrono::steady_clock;

  // Back-off for add_rate_limited: base * 2^(failures-1), capped.
  explicit WorkQueue(std::chrono::milliseconds base_delay = std::chrono::milliseconds(5),
                     std::chrono::milliseconds max_delay = std::chrono::seconds(30));
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  void add(const std::string& key);
  void add_after(const std::string& key, std::chrono::milliseconds delay);
  void add_rate_limited(const std::string& key);
  void forget(const std::string& key);  // resets the key's back-off
  int failures(const std::string& key) const;

  // Blocks until a key is ready or the queue shuts down (nullopt).
  std::optional<std::string> get();
  void done(const std::string& key);

  void shutdown();
  size_t size() const;  // keys waiting (not in flight, not delayed)

 private:
  void add_locked(const std::string& key);
  void timer_loop();

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable timer_cv_;
  std::deque<std::string> queue_;
  std::unordered_set<std::string> dirty_;       // queued (in queue_ or waiting for done)
  std::unordered_set<std::string> processing_;  // taken by a worker
  std::multimap<Clock::time_point, std::string> delayed_;
  std::unordered_map<std::string, int> failures_;
  std::chrono::milliseconds base_, max_;
  bool shutting_down_ = false;
  std::thread timer_;
};

}  // namespace v6k::kube
