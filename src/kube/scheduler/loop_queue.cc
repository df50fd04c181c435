// SchedulingQueue (scheduler.h): upstream's PriorityQueue reduced to what the loop needs.
// Every key is in exactly one place: the active heap, the back-off timer set, the parked
// (unschedulable) set, or in flight (popped by the scheduling thread, possibly binding).
#include <algorithm>

#include "kube/scheduler/scheduler.h"

namespace v6k::kube::scheduler {

SchedulingQueue::SchedulingQueue(std::chrono::milliseconds initial_backoff, std::chrono::milliseconds max_backoff,
                                 std::chrono::milliseconds unschedulable_flush)
    : next_flush_(Clock::now() + unschedulable_flush),
      initial_(initial_backoff),
      max_(max_backoff),
      flush_(unschedulable_flush) {}

void SchedulingQueue::activate_locked(const std::string& key, Entry& e) {
  e.where = Where::kActive;
  e.readd = false;
  e.seq = ++seq_;
  active_.emplace(HeapKey{-static_cast<int64_t>(e.priority), e.seq}, key);
  cv_.notify_one();
}

void SchedulingQueue::add(const std::string& key, int32_t priority, bool changed) {
  std::lock_guard lock(mu_);
  if (shutting_down_) return;
  auto [it, fresh] = entries_.try_emplace(key);
  Entry& e = it->second;
  if (fresh) {
    e.priority = priority;
    activate_locked(key, e);
    return;
  }
  switch (e.where) {
    case Where::kActive:
    case Where::kBackoff:
      break;  // already waiting its turn (upstream also keeps a backing-off pod backing off)
    case Where::kParked:
      if (changed) {
        --parked_;
        e.priority = priority;
        activate_locked(key, e);
      }
      break;
    case Where::kInFlight:
      if (changed) {
        e.readd = true;
        e.priority = priority;
      }
      break;
  }
}

void SchedulingQueue::remove(const std::string& key) {
  std::lock_guard lock(mu_);
  failures_.erase(key);
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  Entry& e = it->second;
  if (e.where == Where::kActive) {
    active_.erase(HeapKey{-static_cast<int64_t>(e.priority), e.seq});
  } else if (e.where == Where::kBackoff) {
    auto [b, end] = backoff_.equal_range(e.due);
    for (; b != end; ++b)
      if (b->second == key) {
        backoff_.erase(b);
        break;
      }
  } else if (e.where == Where::kParked) {
    --parked_;
  }
  entries_.erase(it);
}

void SchedulingQueue::promote_due_locked(Clock::time_point now) {
  while (!backoff_.empty() && backoff_.begin()->first <= now) {
    std::string key = std::move(backoff_.begin()->second);
    backoff_.erase(backoff_.begin());
    auto it = entries_.find(key);
    if (it != entries_.end() && it->second.where == Where::kBackoff) activate_locked(key, it->second);
  }
  if (now >= next_flush_) {
    // The periodic flush: whatever changed without an event we watch for gets its retry.
    next_flush_ = now + flush_;
    for (auto& [key, e] : entries_)
      if (e.where == Where::kParked) activate_locked(key, e);
    parked_ = 0;
  }
}

std::optional<SchedulingQueue::Item> SchedulingQueue::pop() {
  std::unique_lock lock(mu_);
  for (;;) {
    if (shutting_down_) return std::nullopt;
    promote_due_locked(Clock::now());
    if (!active_.empty()) {
      auto first = active_.begin();
      std::string key = std::move(first->second);
      active_.erase(first);
      entries_[key].where = Where::kInFlight;
      return Item{std::move(key), moves_};
    }
    Clock::time_point wake = next_flush_;
    if (!backoff_.empty()) wake = std::min(wake, backoff_.begin()->first);
    cv_.wait_until(lock, wake);
  }
}

void SchedulingQueue::park(const std::string& key, uint64_t cycle) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.where != Where::kInFlight) return;
  Entry& e = it->second;
  if (e.readd || moves_ != cycle) {
    // The pod or the cluster changed while this cycle ran: the verdict may be stale.
    activate_locked(key, e);
    return;
  }
  e.where = Where::kParked;
  ++parked_;
}

void SchedulingQueue::backoff(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.where != Where::kInFlight) return;
  int n = ++failures_[key];
  auto delay = initial_;
  for (int i = 1; i < n && delay < max_; ++i) delay *= 2;
  delay = std::min(delay, max_);
  Entry& e = it->second;
  e.where = Where::kBackoff;
  e.readd = false;
  e.due = Clock::now() + delay;
  backoff_.emplace(e.due, key);
  cv_.notify_one();
}

void SchedulingQueue::forget(const std::string& key) {
  std::lock_guard lock(mu_);
  failures_.erase(key);
}

void SchedulingQueue::done(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.where != Where::kInFlight) return;
  if (it->second.readd) {
    activate_locked(key, it->second);
  } else {
    entries_.erase(it);
  }
}

void SchedulingQueue::move_all_to_active() {
  std::lock_guard lock(mu_);
  ++moves_;
  if (parked_ == 0) return;
  for (auto& [key, e] : entries_)
    if (e.where == Where::kParked) activate_locked(key, e);
  parked_ = 0;
}

void SchedulingQueue::shutdown() {
  std::lock_guard lock(mu_);
  shutting_down_ = true;
  cv_.notify_all();
}

size_t SchedulingQueue::active_size() const {
  std::lock_guard lock(mu_);
  return active_.size();
}

size_t SchedulingQueue::parked_size() const {
  std::lock_guard lock(mu_);
  return parked_;
}

size_t SchedulingQueue::backoff_size() const {
  std::lock_guard lock(mu_);
  return backoff_.size();
}

bool SchedulingQueue::contains(const std::string& key) const {
  std::lock_guard lock(mu_);
  return entries_.count(key) != 0;
}

}  // namespace v6k::kube::scheduler
