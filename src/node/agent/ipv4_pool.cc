#include "node/agent/ipv4_pool.h"

#include <algorithm>

namespace v6k::node {

namespace {
constexpr const char* kAssignFailed = "failed to assign an IP address to container";
}  // namespace

Result<int> Ipv4Pool::assign(int count) {
  count = std::min(count, o_.max - static_cast<int>(o_.assigned.size()));
  if (count <= 0)
    return fail_invalid(std::string(kAssignFailed) + ": the node already has " + std::to_string(o_.assigned.size()) +
                        " pod addresses, its maximum");
  auto got = o_.ec2->assign_private_ipv4s(o_.eni_id, count);
  // EC2 assigns all or nothing: with fewer left in the subnet, take them one by one.
  if (!got && count > 1 && got.error().code == "InsufficientFreeAddressesInSubnet") {
    int added = 0;
    while (added < count) {
      auto one = o_.ec2->assign_private_ipv4s(o_.eni_id, 1);
      if (!one) {
        if (added > 0) return added;
        return fail_invalid(std::string(kAssignFailed) + ": " + one.error().text());
      }
      o_.assigned.insert(o_.assigned.end(), one->begin(), one->end());
      added += static_cast<int>(one->size());
    }
    return added;
  }
  if (!got) return fail_invalid(std::string(kAssignFailed) + ": " + got.error().text());
  o_.assigned.insert(o_.assigned.end(), got->begin(), got->end());
  return static_cast<int>(got->size());
}

Result<> Ipv4Pool::fill() {
  std::lock_guard lock(mu_);
  int missing = o_.warm - static_cast<int>(o_.assigned.size());
  if (missing <= 0) return {};
  auto n = assign(missing);
  if (!n) return fail(std::move(n.error()));
  return {};
}

Result<std::vector<std::string>> Ipv4Pool::grow(size_t known) {
  std::lock_guard lock(mu_);
  if (o_.assigned.size() > known) return o_.assigned;
  auto n = assign(std::max(o_.warm, 1));
  if (!n) return fail(std::move(n.error()));
  return o_.assigned;
}

std::vector<std::string> Ipv4Pool::take_surplus(const std::set<std::string>& keep) {
  std::lock_guard lock(mu_);
  int free = 0;
  for (const auto& a : o_.assigned) free += keep.contains(a) ? 0 : 1;
  std::vector<std::string> taken;
  for (size_t i = o_.assigned.size(); i-- > 0 && free > o_.warm;) {
    if (keep.contains(o_.assigned[i])) continue;
    taken.push_back(o_.assigned[i]);
    o_.assigned.erase(o_.assigned.begin() + static_cast<std::ptrdiff_t>(i));
    --free;
  }
  return taken;
}

Result<> Ipv4Pool::unassign(const std::vector<std::string>& addresses) {
  if (addresses.empty()) return {};
  auto r = o_.ec2->unassign_private_ipv4s(o_.eni_id, addresses);
  if (r) return {};
  std::lock_guard lock(mu_);
  o_.assigned.insert(o_.assigned.end(), addresses.begin(), addresses.end());
  return fail_invalid("failed to release " + std::to_string(addresses.size()) + " IP address" +
                      (addresses.size() == 1 ? "" : "es") + ": " + r.error().text());
}

std::vector<std::string> Ipv4Pool::addresses() const {
  std::lock_guard lock(mu_);
  return o_.assigned;
}

}  // namespace v6k::node
