// kube-proxy (nftables mode) for one node: keeps table `inet v6k-proxy` in the NODE's
// network namespace in step with the Services and EndpointSlices an agent's informers hold.
//
//   auto ns = netlink::NetNs::open(node_netns_path).value();
//   auto proxy = ServiceProxy::open(ns, {.node_name = "ip-10-0-0-5...", .min_sync_interval = 10ms}).value();
//   informer callbacks:  proxy.update_service(obj);  proxy.remove_slice("ns/name");  ...
//   loop:                auto wait = proxy.sync_if_due().value();  // sleep `wait` if > 0
//   shutdown for good:   proxy.cleanup();                         // deletes the table
//
// Changes are only recorded until a sync, which recomputes the share of each touched
// Service (rules.h, state_index.h) and applies the difference in ONE nftables transaction:
// element updates of the table's maps and sets, so one change costs about the same at 10
// or 1,000 services (bench/node/bench_proxy.cc). The first sync, and any sync after a failed one, replaces
// the whole table, also atomically. Destroying a ServiceProxy leaves the rules in place
// (as kube-proxy does on restart: traffic keeps flowing; the next instance's first sync
// replaces them).
//
// Not thread-safe: call from one thread (the agent's proxy loop). The nftables context is
// bound to the node's namespace at open(), whatever thread later uses it.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "netlink/netns.h"
#include "netlink/nft.h"
#include "node/proxy/objects.h"
#include "node/proxy/rules.h"
#include "node/proxy/state_index.h"

namespace v6k::node::proxy {

struct ProxyOptions {
  std::string node_name;  // for internalTrafficPolicy: Local
  // sync_if_due() applies at most once per interval; changes in between are coalesced.
  std::chrono::milliseconds min_sync_interval{0};
};

struct SyncStats {
  bool applied = false;  // false: nothing had changed
  bool full = false;     // whole table replaced (first sync, recovery) rather than a delta
  size_t script_bytes = 0;
  std::string fallback_reason;  // why a delta was rejected and the table replaced, if it was
  std::chrono::microseconds took{0};  // computing + applying
};

class ServiceProxy {
 public:
  static Result<ServiceProxy> open(const netlink::NetNs& node_ns, ProxyOptions options = {});

  ServiceProxy(ServiceProxy&&) noexcept = default;
  ServiceProxy& operator=(ServiceProxy&&) noexcept = default;

  // Informer events. A parse error leaves the previous version in place and is returned.
  Result<> update_service(const nlohmann::json& service);
  void remove_service(const std::string& key);  // "ns/name"; absent is fine
  Result<> update_slice(const nlohmann::json& slice);
  void remove_slice(const std::string& key);
  // A whole snapshot (after a relist): replaces every input. On a parse error nothing changes.
  Result<> replace_all(const std::vector<nlohmann::json>& services, const std::vector<nlohmann::json>& slices);

  bool dirty() const { return !dirty_services_.empty() || !have_applied_; }
  // Applies pending changes now.
  Result<SyncStats> sync();
  // Applies pending changes if min_sync_interval has passed since the last apply.
  // Returns how long to wait before calling again when changes are pending, else 0.
  Result<std::chrono::milliseconds> sync_if_due();
  // Replaces the whole table from the current inputs, changed or not (periodic repair).
  Result<SyncStats> full_resync();
  // Deletes the table; the next sync builds it again.
  Result<> cleanup();

  // What the table holds after the last successful sync (every set listed).
  ProxyState applied_state() const { return index_.snapshot(); }

 private:
  ServiceProxy(netlink::Nft nft, ProxyOptions options) : nft_(std::move(nft)), options_(std::move(options)) {}
  Result<SyncStats> apply(bool force_full);

  void link_slice(const SliceInfo& s, bool add);

  netlink::Nft nft_;
  ProxyOptions options_;
  std::map<std::string, ServiceInfo> services_;
  std::map<std::string, SliceInfo> slices_;
  std::map<std::string, std::set<std::string>> slices_of_;  // service key -> its slice keys
  std::set<std::string> dirty_services_;  // service keys whose share must be recomputed
  StateIndex index_;            // the shares as last computed
  bool have_applied_ = false;   // the kernel holds index_'s state (else: full replace next)
  std::chrono::steady_clock::time_point last_apply_{};
};

}  // namespace v6k::node::proxy
