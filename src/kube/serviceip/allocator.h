// Service ClusterIP allocation as kube-apiserver's service registry does it
// (pkg/registry/core/service/ipallocator and storage/alloc.go, 1.32-1.33 behaviour).
//
// ServiceIpAllocator hands out addresses of one service CIDR (the cluster is single-stack:
// an IPv6 /108 such as fd5a:1b2c:3d4e::/108, or IPv4 such as 10.100.0.0/16). As upstream:
//   - the network address is never handed out, nor the IPv4 broadcast address (IPv6 keeps
//     its last address, as the IPAddress-based allocator does);
//   - KEP-3070: the first min(max(16, size/16), 256) usable addresses form a band reserved
//     for static (user-chosen) IPs; dynamic allocation picks a random start in the upper
//     band and scans forward (wrapping), and only falls back to the lower band when the
//     upper one is full;
//   - ranges with more than 20 host bits are refused with kube-apiserver's flag message.
// State is a bitmap (128 KiB for a /108); a scan skips 64 taken addresses per step, so a
// call costs at most size/64 word tests even when the range is nearly full.
//
//   auto a = ServiceIpAllocator::create("fd5a:1b2c:3d4e::/108").value();
//   a->rebuild(all_services);                      // at start: mark IPs already in use
//   Result<std::string> ip = a->allocate();        // "fd5a:1b2c:3d4e::8f1a"
//   a->allocate_specific("fd5a:1b2c:3d4e::a");     // user-chosen (lower band is fine)
//   a->release(*ip);
//
//   // In the Service REST create handler:
//   if (auto r = assign_cluster_ips(svc, *a); !r) {
//     if (r.error().http_status == 422) reply_invalid(invalid_message("", "Service", name, r.error().causes));
//     else reply_internal(r.error().message);     // "failed to allocate a serviceIP: range is full"
//   }
//
// Thread-safe: every member takes an internal mutex (the API server serves requests on
// several threads). Nothing here throws.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "kube/validation/validation.h"

namespace v6k::kube::serviceip {

enum class IpFamily { kIPv4, kIPv6 };
// "IPv4" / "IPv6", the api.IPFamily strings.
std::string_view family_name(IpFamily f);

class ServiceIpAllocator {
 public:
  // cidr: "fd5a:1b2c:3d4e::/108" or "10.100.0.0/16". Errors (EINVAL): unparsable CIDR, or
  // "specified --service-cluster-ip-range is too large; for 128-bit addresses, the mask
  // must be >= 108" (32-bit: ">= 12"). seed 0 picks a random seed.
  static Result<std::unique_ptr<ServiceIpAllocator>> create(std::string_view cidr, uint64_t seed = 0);

  IpFamily family() const { return family_; }
  const std::string& cidr() const { return cidr_; }  // canonical, e.g. "fd5a:1b2c:3d4e::/108"
  uint64_t size() const { return size_; }             // usable addresses
  uint64_t reserved_band() const { return offset_; }  // size of the static (lower) band
  uint64_t used() const;
  uint64_t free() const;

  // A free address (canonical text). Error ENOSPC "range is full" when none is left.
  Result<std::string> allocate();
  // Reserves `ip`. Errors, with upstream's texts in what():
  //   EINVAL "the provided IP (X) is not in the valid range. The range of valid IPs is CIDR"
  //          (also for the network/broadcast address, the other family, or a non-IP text)
  //   EEXIST "provided IP is already allocated"
  Result<void> allocate_specific(std::string_view ip);
  // Frees `ip`; out of range or not allocated is a no-op (as upstream).
  void release(std::string_view ip);
  bool has(std::string_view ip) const;

  // Forgets every allocation and marks the cluster IPs (spec.clusterIPs, else
  // spec.clusterIP) of the given Services that belong to this range. Returns how many
  // addresses were marked; IPs outside the range, "None", and duplicates are skipped.
  size_t rebuild(std::span<const nlohmann::json* const> services);
  size_t rebuild(const nlohmann::json& services);  // a JSON array of Service objects

 private:
  ServiceIpAllocator() = default;
  // Offset (0-based from the first usable address) of ip, or -1 when not in range.
  int64_t offset_of(std::string_view ip) const;
  std::string address_at(uint64_t offset) const;
  bool test(uint64_t i) const { return (bits_[i >> 6] >> (i & 63)) & 1; }
  void set(uint64_t i) { bits_[i >> 6] |= uint64_t{1} << (i & 63); }
  void clear(uint64_t i) { bits_[i >> 6] &= ~(uint64_t{1} << (i & 63)); }
  // First free offset in [from, to), or -1.
  int64_t find_free(uint64_t from, uint64_t to) const;
  // Random start in [lo, hi), scan to hi then wrap to lo; -1 when [lo, hi) is full.
  int64_t pick_in_band(uint64_t lo, uint64_t hi);
  bool mark_locked(std::string_view ip);

  IpFamily family_ = IpFamily::kIPv6;
  std::string cidr_;
  unsigned __int128 first_ = 0;  // network address + 1
  uint64_t size_ = 0;
  uint64_t offset_ = 0;
  uint64_t used_ = 0;
  std::vector<uint64_t> bits_;
  std::mt19937_64 rng_;
  mutable std::mutex mu_;
};

// What assign_cluster_ips reports when it refuses a Service.
struct ServiceIpError {
  int http_status = 422;            // 422 Invalid (causes) or 500 InternalError (message)
  std::vector<FieldError> causes;   // upstream field errors, for invalid_message()
  std::string message;              // 500: "failed to allocate a serviceIP: range is full"
};
using AssignResult = std::expected<void, ServiceIpError>;

// Create-time rules of the service registry for a single-stack cluster whose service
// CIDR is `alloc`'s: defaults spec.ipFamilyPolicy (SingleStack; RequireDualStack for a
// headless Service without selector), infers/defaults spec.ipFamilies, rejects dual-stack
// demands and families the cluster lacks, allocates spec.clusterIPs (specific when given)
// and sets spec.clusterIP = clusterIPs[0]. ExternalName Services get nothing; headless
// Services (clusterIP "None") get clusterIPs ["None"] and families only. On failure the
// Service may be partly defaulted but no address stays allocated.
AssignResult assign_cluster_ips(nlohmann::json& service, ServiceIpAllocator& alloc);
// As above; cluster_family must be alloc.family() (a mismatch is a 500).
AssignResult assign_cluster_ips(nlohmann::json& service, ServiceIpAllocator& alloc, IpFamily cluster_family);

// Releases the Service's cluster IPs of alloc's family (on delete, or a failed create).
void release_cluster_ips(const nlohmann::json& service, ServiceIpAllocator& alloc);

// For an update (PUT) whose body omitted them: copies spec.clusterIP, spec.clusterIPs,
// spec.ipFamilies and spec.ipFamilyPolicy from the stored object, as upstream's
// patchAllocatedValues / initIPFamilyFields do, when neither object is ExternalName.
void update_keeps_ips(const nlohmann::json& old_service, nlohmann::json& new_service);

}  // namespace v6k::kube::serviceip
