#include "kube/client/workqueue.h"

#include <algorithm>

namespace v6k::kube {

WorkQueue::WorkQueue(std::chrono::milliseconds base_delay, std::chrono::milliseconds max_delay)
    : base_(base_delay), max_(max_delay) {
  timer_ = std::thread([this] { timer_loop(); });
}

WorkQueue::~WorkQueue() {
  shutdown();
  if (timer_.joinable()) timer_.join();
}

void WorkQueue::add_locked(const std::string& key) {
  if (shutting_down_) return;
  if (!dirty_.insert(key).second) return;  // already waiting
  if (processing_.count(key)) return;      // done() queues it again
  queue_.push_back(key);
  cv_.notify_one();
}

void WorkQueue::add(const std::string& key) {
  std::lock_guard lock(mu_);
  add_locked(key);
}

void WorkQueue::add_after(const std::string& key, std::chrono::milliseconds delay) {
  if (delay.count() <= 0) return add(key);
  std::lock_guard lock(mu_);
  if (shutting_down_) return;
  auto at = Clock::now() + delay;
  // Keep only the earliest visit per key.
  for (auto it = delayed_.begin(); it != delayed_.end(); ++it) {
    if (it->second != key) continue;
    if (it->first <= at) return;
    delayed_.erase(it);
    break;
  }
  delayed_.emplace(at, key);
  timer_cv_.notify_one();
}

void WorkQueue::add_rate_limited(const std::string& key) {
  std::chrono::milliseconds delay;
  {
    std::lock_guard lock(mu_);
    int n = ++failures_[key];
    auto d = base_.count() << std::min(n - 1, 30);
    delay = std::chrono::milliseconds(std::min<long long>(d, max_.count()));
  }
  add_after(key, delay);
}

void WorkQueue::forget(const std::string& key) {
  std::lock_guard lock(mu_);
  failures_.erase(key);
}

int WorkQueue::failures(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = failures_.find(key);
  return it == failures_.end() ? 0 : it->second;
}

std::optional<std::string> WorkQueue::get() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return shutting_down_ || !queue_.empty(); });
  if (shutting_down_) return std::nullopt;
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  processing_.insert(key);
  dirty_.erase(key);
  return key;
}

void WorkQueue::done(const std::string& key) {
  std::lock_guard lock(mu_);
  processing_.erase(key);
  if (dirty_.count(key) && !shutting_down_) {
    queue_.push_back(key);
    cv_.notify_one();
  }
}

void WorkQueue::shutdown() {
  std::lock_guard lock(mu_);
  shutting_down_ = true;
  cv_.notify_all();
  timer_cv_.notify_all();
}

size_t WorkQueue::size() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void WorkQueue::timer_loop() {
  std::unique_lock lock(mu_);
  while (!shutting_down_) {
    if (delayed_.empty()) {
      timer_cv_.wait(lock);
      continue;
    }
    auto next = delayed_.begin()->first;
    if (Clock::now() < next) {
      timer_cv_.wait_until(lock, next);
      continue;
    }
    std::string key = delayed_.begin()->second;
    delayed_.erase(delayed_.begin());
    add_locked(key);
  }
}

}  // namespace v6k::kube
