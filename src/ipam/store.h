// Store: the node's pod address allocator, shared by every CNI plugin process on the node.
//
// Each plugin invocation opens the store, does one operation and exits; the store is an
// append-only, checksummed record log (`<data_dir>/alloc.log`) serialized by an flock on
// `<data_dir>/lock`. Every mutating call appends one record and fdatasyncs it before it
// returns, so a returned allocation survives kill -9 and power loss, and a crash at any
// instant can never hand one address to two pods (see docs/ipam.md for the argument).
//
// Locking: the lock is taken per call, not for the object's lifetime. A call locks, checks
// whether another process changed the log since this object last read it (inode + size),
// re-reads it if so, acts, appends + syncs, unlocks. Several Store objects (even in one
// process) may therefore coexist, and a long-lived holder never blocks plugin processes.
//
// Address choice (same rule as the Amazon VPC CNI):
//   1. a released address whose cool-down has expired (the one released longest ago;
//      ties: the lowest address), if it lies in a configured prefix/range;
//   2. else the next never-used address scanning up from the base of the first prefix
//      that still has one, then the next prefix, ...
// In IPv4 pod mode the same rule applies to the configured address list (in list order).
// Never handed out: an IPv6 prefix's base address `<p>::` (the subnet-router anycast
// address, RFC 4291 2.6.1); in the IPv4 range its network address, gateway (.1 = base+1)
// and broadcast address.
//
// Memory and disk are proportional to live allocations plus released addresses still
// remembered for reuse (never to prefix size): the log is rewritten atomically when it
// grows past 1.5 x its live snapshot + compact_slack_bytes (expired releases are dropped).
//
//   auto s = Store::open({.data_dir = "/var/lib/cni/v6k/net", .v6_prefixes = {p}});
//   auto a = s->allocate({.key = {cid, "eth0"}, .pod_namespace = ns, .pod_name = name});
//   // a->v6 == 2001:db8::1 (first allocation of an empty /80)
#pragma once

#include <chrono>
#include <compare>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "addr/ip.h"
#include "common/result.h"
#include "common/unique_fd.h"

namespace v6k::ipam {

struct PoolConfig {
  std::string data_dir;                        // e.g. /var/lib/cni/v6k/<network-name>
  std::vector<addr::Ipv6Prefix> v6_prefixes;   // length <= 124; used in order
  std::optional<addr::Ipv4Prefix> v4_range;    // e.g. 169.254.172.0/22 (length <= 30); nullopt = no IPv4
  // IPv4 pod mode (an IPv4 cluster, as the VPC CNI's default mode): each pod gets one of
  // v4_addresses (its ENI's secondary private IPv4s; may be empty until some are assigned)
  // and no IPv6. Excludes v6_prefixes and v4_range. The list may grow or shrink between
  // calls; an allocation outside it stays live.
  bool ipv4_pods = false;
  std::vector<addr::Ipv4Address> v4_addresses;
  std::chrono::seconds cooldown{30};           // >= 0; 0 = reuse immediately
  // Clock for cool-downs and timestamps (seconds since the epoch); empty = the real clock.
  std::function<int64_t()> now_unix;
  // Compaction threshold: rewrite when file size > 1.5 x snapshot size + this.
  uint64_t compact_slack_bytes = 8 * 1024;
};

// The default IPv4 egress range of a node (169.254.172.0/22).
addr::Ipv4Prefix default_v4_range();

struct AttachmentKey {
  std::string container_id;
  std::string ifname;
  auto operator<=>(const AttachmentKey&) const = default;
};

struct Allocation {
  AttachmentKey key;
  std::optional<addr::Ipv6Address> v6;  // nullopt in IPv4 pod mode only
  std::optional<addr::Ipv4Address> v4;
  int64_t allocated_unix = 0;
  std::string network, pod_namespace, pod_name;
  bool operator==(const Allocation&) const = default;
};

// Each string at most 1024 bytes; container_id and ifname non-empty.
struct AllocateRequest {
  AttachmentKey key;
  std::string network, pod_namespace, pod_name;
};

struct PoolStatus {
  uint64_t live = 0;           // current allocations
  uint64_t cooling = 0;        // released addresses still in cool-down (v6 + v4)
  bool v6_available = false;   // an allocate() now would find an IPv6 address (false in IPv4 pod mode)
  bool v4_available = false;   // same for IPv4; false when no IPv4 is configured
  uint64_t v4_free = 0;        // IPv4 pod mode: listed addresses neither held nor cooling
};

class PoolState;  // in-memory view of the log (pool_state.h)

class Store {
 public:
  // Validates cfg, creates data_dir (and parents) if missing, reads the log under the lock
  // and repairs a torn tail. Errors: EINVAL (bad config), errno from the filesystem.
  static Result<Store> open(PoolConfig cfg);

  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;
  ~Store();

  // Idempotent by key: a repeated call returns the existing allocation unchanged (its
  // metadata is not updated). Durable before it returns. ENOSPC "no free address in
  // <prefixes>" (or "no free IPv4 address in <range>") when exhausted; nothing is written.
  Result<Allocation> allocate(const AllocateRequest& req);
  Result<std::optional<Allocation>> find(const AttachmentKey& key);
  // Returns what was released (its addresses enter cool-down); nullopt if unknown.
  Result<std::optional<Allocation>> release(const AttachmentKey& key);
  // Releases every allocation whose key is not in `valid`; returns them (sorted by key).
  Result<std::vector<Allocation>> gc(const std::vector<AttachmentKey>& valid);
  Result<std::vector<Allocation>> list();  // sorted by key
  Result<PoolStatus> status();
  // IPv4 addresses held by a pod or still cooling down, ascending: what ipamd must not give
  // back to the subnet (an address outside this set is free to release).
  Result<std::vector<addr::Ipv4Address>> unavailable_v4();

  // Bytes currently used by the log file (for tests and benchmarks).
  Result<uint64_t> log_size();

 private:
  Store() = default;
  class Locked;  // RAII flock + refresh of the in-memory state
  Result<Locked> lock();
  Result<> refresh();
  Result<> append(const std::string& record_bytes);
  Result<> maybe_compact(bool force);
  Result<std::vector<Allocation>> gc_matching(
      const std::function<bool(const AttachmentKey&)>& match);
  int64_t now() const;

  PoolConfig cfg_;
  std::string log_path_;
  UniqueFd lock_fd_;
  UniqueFd log_fd_;
  uint64_t log_ino_ = 0;
  uint64_t log_dev_ = 0;
  uint64_t log_size_ = 0;  // bytes of the log this object has applied (== valid end)
  std::unique_ptr<PoolState> state_;
};

}  // namespace v6k::ipam
