// Node registration and heartbeats, as the kubelet does them: register the Node (create,
// or adopt the existing one after a restart, refreshing its labels), write its status,
// renew its Lease in kube-node-lease every `lease_renew` (the node lifecycle controller
// marks the node NotReady when renewals stop), and rewrite the status every
// `status_report` or at once when health changes.
//
//   auto hb = NodeHeartbeat::start({.client = c, .id = id, .health = [&] { return health(); }});
//   if (!hb) ...;
//   (*hb)->report_now();   // health changed
//   (*hb)->stop();
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "common/result.h"
#include "kube/client/client.h"
#include "node/agent/node_object.h"

namespace v6k::node {

struct HeartbeatOptions {
  std::shared_ptr<kube::Client> client;
  NodeIdentity id;
  std::function<NodeHealth()> health;  // unset: always Ready
  std::chrono::milliseconds lease_renew{std::chrono::seconds(10)};
  std::chrono::milliseconds status_report{std::chrono::seconds(60)};
};

class NodeHeartbeat {
 public:
  // Registers the node and writes its first status and Lease before returning.
  static Result<std::unique_ptr<NodeHeartbeat>> start(HeartbeatOptions opts);
  ~NodeHeartbeat();
  void report_now();
  void stop();
  uint64_t renewals() const { return renewals_.load(); }

 private:
  explicit NodeHeartbeat(HeartbeatOptions opts) : opts_(std::move(opts)) {}
  kube::KubeResult<void> register_node();
  kube::KubeResult<void> write_status();
  kube::KubeResult<void> renew_lease();
  void run();

  HeartbeatOptions opts_;
  std::string node_uid_;
  nlohmann::json last_conditions_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool report_ = false;
  std::atomic<uint64_t> renewals_{0};
  std::thread thread_;
};

}  // namespace v6k::node
