// Polls a condition until it holds or a time limit passes: how the tests wait for
// asynchronous work (controllers, agents, kernels) without fixed sleeps. Header-only.
//
//   ASSERT_TRUE(testing::eventually([&] { return pod_running(); }));          // 20 s, every 20 ms
//   ASSERT_TRUE(testing::eventually([&] { return gone(); }, 5s, 100ms));
#pragma once

#include <chrono>
#include <thread>

namespace v6k::testing {

template <class Pred>
bool eventually(Pred p, std::chrono::milliseconds limit = std::chrono::seconds(20),
                std::chrono::milliseconds step = std::chrono::milliseconds(20)) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (p()) return true;
    std::this_thread::sleep_for(step);
  }
  return p();
}

}  // namespace v6k::testing
