// WorkQueue: de-duplication, one worker per key, re-queue while in flight, back-off,
// delayed adds and shutdown.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "kube/client/workqueue.h"

namespace v6k::kube {
namespace {

using namespace std::chrono_literals;

TEST(WorkQueue, DuplicatesCollapse) {
  WorkQueue q;
  q.add("a");
  q.add("b");
  q.add("a");
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.get(), "a");
  EXPECT_EQ(q.get(), "b");
  EXPECT_EQ(q.size(), 0u);
}

TEST(WorkQueue, KeyAddedWhileInFlightComesBackAfterDone) {
  WorkQueue q;
  q.add("a");
  auto k = q.get();
  ASSERT_EQ(k, "a");
  q.add("a");  // changed while being processed
  EXPECT_EQ(q.size(), 0u) << "must not be handed to a second worker";
  q.done("a");
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(q.get(), "a");
  q.done("a");
  EXPECT_EQ(q.size(), 0u);
}

TEST(WorkQueue, RateLimitedBacksOffExponentially) {
  WorkQueue q(20ms, 1000ms);
  auto t0 = std::chrono::steady_clock::now();
  q.add_rate_limited("k");  // 20 ms
  ASSERT_EQ(q.get(), "k");
  auto first = std::chrono::steady_clock::now() - t0;
  q.done("k");
  q.add_rate_limited("k");  // 40 ms
  q.add_rate_limited("k");  // 80 ms (the earlier visit stays: 40 ms)
  EXPECT_EQ(q.failures("k"), 3);
  t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(q.get(), "k");
  auto second = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(first, 18ms);
  EXPECT_GE(second, 35ms);
  EXPECT_LT(second, 75ms);
  q.forget("k");
  EXPECT_EQ(q.failures("k"), 0);
}

TEST(WorkQueue, AddAfterWaits) {
  WorkQueue q;
  auto t0 = std::chrono::steady_clock::now();
  q.add_after("later", 60ms);
  q.add("now");
  EXPECT_EQ(q.get(), "now");
  EXPECT_EQ(q.get(), "later");
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 55ms);
}

TEST(WorkQueue, ShutdownWakesWorkers) {
  WorkQueue q;
  std::atomic<int> ended{0};
  std::vector<std::thread> ws;
  for (int i = 0; i < 3; ++i)
    ws.emplace_back([&] {
      while (auto k = q.get()) q.done(*k);
      ended++;
    });
  q.add("x");
  std::this_thread::sleep_for(20ms);
  q.shutdown();
  for (auto& w : ws) w.join();
  EXPECT_EQ(ended.load(), 3);
  q.add("y");
  EXPECT_EQ(q.size(), 0u);
}

TEST(WorkQueue, ManyWorkersNeverShareAKey) {
  WorkQueue q;
  std::atomic<int> in_flight_a{0}, max_a{0}, processed{0};
  std::vector<std::thread> ws;
  for (int i = 0; i < 4; ++i)
    ws.emplace_back([&] {
      while (auto k = q.get()) {
        if (*k == "a") {
          int n = ++in_flight_a;
          max_a = std::max(max_a.load(), n);
          std::this_thread::sleep_for(1ms);
          --in_flight_a;
        }
        processed++;
        q.done(*k);
      }
    });
  for (int i = 0; i < 200; ++i) {
    q.add("a");
    q.add("k" + std::to_string(i % 10));
    if (i % 20 == 0) std::this_thread::sleep_for(1ms);
  }
  std::this_thread::sleep_for(100ms);
  q.shutdown();
  for (auto& w : ws) w.join();
  EXPECT_EQ(max_a.load(), 1);
  EXPECT_GE(processed.load(), 11);
}

}  // namespace
}  // namespace v6k::kube
