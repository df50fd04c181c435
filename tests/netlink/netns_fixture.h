// Shared fixture for netlink tests: every namespace is created with a unique name
// ("v6kt-nl-<pid>-<n>") and removed in TearDown, also when the test failed. Tests skip
// with a reason when not root or when the kernel refuses network namespaces.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <vector>

#include "netlink/netns.h"

#define V6K_ASSERT_OK(expr)                                                \
  do {                                                                     \
    auto&& v6k_r_ = (expr);                                                \
    ASSERT_TRUE(v6k_r_.has_value()) << v6k_r_.error().message();          \
  } while (0)

#define V6K_EXPECT_OK(expr)                                                \
  do {                                                                     \
    auto&& v6k_r_ = (expr);                                                \
    EXPECT_TRUE(v6k_r_.has_value()) << v6k_r_.error().message();          \
  } while (0)

namespace v6k::netlink::testing {

inline std::string unique_netns_name() {
  static std::atomic<int> counter{0};
  return "v6kt-nl-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

class NetnsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to create network namespaces";
    static const std::string unsupported = [] {
      std::string name = unique_netns_name();
      auto ns = NetNs::create(name);
      if (!ns) return ns.error().message();
      (void)NetNs::remove(name);
      return std::string();
    }();
    if (!unsupported.empty()) GTEST_SKIP() << "network namespaces unavailable: " << unsupported;
  }

  void TearDown() override {
    for (const auto& name : names_) (void)NetNs::remove(name);
  }

  // Creates a namespace that TearDown removes.
  Result<NetNs> create_ns() {
    std::string name = unique_netns_name();
    names_.push_back(name);
    return NetNs::create(name);
  }

  const std::vector<std::string>& names() const { return names_; }

 private:
  std::vector<std::string> names_;
};

}  // namespace v6k::netlink::testing
