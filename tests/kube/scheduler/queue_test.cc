// SchedulingQueue: pop order, dedupe, parking and moves, back-off, removal, shutdown.
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "kube/scheduler/scheduler.h"

namespace v6k::kube::scheduler {
namespace {

using namespace std::chrono_literals;

SchedulingQueue make_queue(std::chrono::milliseconds flush = 30s) { return SchedulingQueue(50ms, 200ms, flush); }

TEST(SchedulingQueue, PopsHigherPriorityFirstThenFifo) {
  auto q = make_queue();
  q.add("ns/low-1", 0);
  q.add("ns/high", 1000);
  q.add("ns/low-2", 0);
  q.add("ns/neg", -5);
  q.add("ns/low-1", 0);  // queued twice: popped once
  std::vector<std::string> order;
  for (int i = 0; i < 4; ++i) {
    auto it = q.pop();
    ASSERT_TRUE(it);
    order.push_back(it->key);
    q.done(it->key);
  }
  EXPECT_EQ(order, (std::vector<std::string>{"ns/high", "ns/low-1", "ns/low-2", "ns/neg"}));
  EXPECT_EQ(q.active_size(), 0u);
  EXPECT_FALSE(q.contains("ns/low-1"));
}

TEST(SchedulingQueue, ChangedWhileInFlightComesBackAfterDone) {
  auto q = make_queue();
  q.add("ns/a", 0);
  auto it = q.pop();
  ASSERT_TRUE(it);
  q.add("ns/a", 0, /*changed=*/false);  // a status-only update: nothing to redo
  q.done("ns/a");
  EXPECT_FALSE(q.contains("ns/a"));
  q.add("ns/a", 0);
  it = q.pop();
  q.add("ns/a", 0, /*changed=*/true);
  EXPECT_EQ(q.active_size(), 0u);  // never twice at once
  q.done("ns/a");
  EXPECT_EQ(q.active_size(), 1u);
}

TEST(SchedulingQueue, ParkedPodsWaitForAMove) {
  auto q = make_queue();
  q.add("ns/a", 0);
  q.add("ns/b", 0);
  auto a = q.pop();
  q.park(a->key, a->cycle);
  auto b = q.pop();
  q.park(b->key, b->cycle);
  EXPECT_EQ(q.parked_size(), 2u);
  EXPECT_EQ(q.active_size(), 0u);
  q.add("ns/a", 0, /*changed=*/false);  // our own status patch echoing back
  EXPECT_EQ(q.parked_size(), 2u);
  q.add("ns/b", 0, /*changed=*/true);  // the pod's spec changed: try again
  EXPECT_EQ(q.parked_size(), 1u);
  EXPECT_EQ(q.active_size(), 1u);
  q.move_all_to_active();
  EXPECT_EQ(q.parked_size(), 0u);
  EXPECT_EQ(q.active_size(), 2u);
  EXPECT_EQ(q.pop()->key, "ns/b");  // activated first
  EXPECT_EQ(q.pop()->key, "ns/a");
}

TEST(SchedulingQueue, AMoveDuringTheCycleBeatsParking) {
  auto q = make_queue();
  q.add("ns/a", 0);
  auto a = q.pop();
  q.move_all_to_active();  // a node was added while the pod was being judged
  q.park(a->key, a->cycle);
  EXPECT_EQ(q.parked_size(), 0u);
  EXPECT_EQ(q.active_size(), 1u);
}

TEST(SchedulingQueue, PeriodicFlushRetriesParkedPods) {
  auto q = make_queue(100ms);
  q.add("ns/a", 0);
  auto a = q.pop();
  q.park(a->key, a->cycle);
  auto t0 = std::chrono::steady_clock::now();
  auto again = q.pop();  // blocks until the flush
  auto waited = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(again);
  EXPECT_EQ(again->key, "ns/a");
  EXPECT_LE(waited, 150ms);
}

TEST(SchedulingQueue, BackoffDoublesAndForgetResets) {
  auto q = make_queue();
  q.add("ns/a", 0);
  std::vector<double> waits;
  for (int i = 0; i < 4; ++i) {
    auto it = q.pop();
    ASSERT_TRUE(it);
    q.backoff(it->key);
    EXPECT_EQ(q.backoff_size(), 1u);
    auto t0 = std::chrono::steady_clock::now();
    it = q.pop();
    waits.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    q.done(it->key);
    q.add("ns/a", 0);
  }
  // 50, 100, 200 (cap), 200 ms.
  EXPECT_GE(waits[0], 45);
  EXPECT_LT(waits[0], 95);
  EXPECT_GE(waits[1], 95);
  EXPECT_LT(waits[1], 190);
  EXPECT_GE(waits[2], 195);
  EXPECT_GE(waits[3], 195);
  EXPECT_LT(waits[3], 300);
  q.forget("ns/a");
  auto it = q.pop();
  q.backoff(it->key);
  auto t0 = std::chrono::steady_clock::now();
  q.pop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 95ms);
}

TEST(SchedulingQueue, RemoveDropsFromEveryPlace) {
  auto q = make_queue();
  q.add("ns/active", 0);
  q.add("ns/parked", 0);
  q.add("ns/backoff", 0);
  q.add("ns/flying", 0);
  auto a = q.pop();  // ns/active
  q.done(a->key);
  q.add("ns/active", 0);
  auto p = q.pop();  // ns/parked
  q.park(p->key, p->cycle);
  auto b = q.pop();  // ns/backoff
  q.backoff(b->key);
  auto f = q.pop();  // ns/flying
  ASSERT_EQ(f->key, "ns/flying");
  for (const char* k : {"ns/active", "ns/parked", "ns/backoff", "ns/flying"}) {
    EXPECT_TRUE(q.contains(k)) << k;
    q.remove(k);
    EXPECT_FALSE(q.contains(k)) << k;
  }
  EXPECT_EQ(q.active_size() + q.parked_size() + q.backoff_size(), 0u);
  q.park("ns/flying", f->cycle);  // the cycle of a removed pod ends: stays gone
  q.done("ns/flying");
  EXPECT_FALSE(q.contains("ns/flying"));
}

TEST(SchedulingQueue, ShutdownWakesPop) {
  auto q = make_queue();
  std::thread t([&] { EXPECT_FALSE(q.pop()); });
  std::this_thread::sleep_for(20ms);
  q.shutdown();
  t.join();
  q.add("ns/a", 0);  // ignored after shutdown
  EXPECT_FALSE(q.pop());
}

}  // namespace
}  // namespace v6k::kube::scheduler
