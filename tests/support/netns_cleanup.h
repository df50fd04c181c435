// Removes the network namespaces a test made, by name prefix. An empty prefix removes
// nothing (a skipped test's fixture has none, and "" would match every namespace on the
// machine). Header-only.
//
//   void TearDown() override { testing::remove_namespaces_with_prefix(prefix_); }
#pragma once

#include <filesystem>
#include <string>

#include "netlink/netns.h"

namespace v6k::testing {

inline int remove_namespaces_with_prefix(const std::string& prefix) {
  if (prefix.empty()) return 0;
  int removed = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/var/run/netns", ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    if (netlink::NetNs::remove(name)) ++removed;
  }
  return removed;
}

}  // namespace v6k::testing
