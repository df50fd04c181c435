// Internal to src/eks: the worker thread that moves cluster and node-group records through
// their states by calling the Backend (see api.h for the state machine). It owns no
// record: the store is the truth, every pass re-reads it, and writes are conditional on
// the revision read, so a request that changed a record meanwhile (DeleteCluster during
// CREATING) always wins and the worker re-reads.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "eks/api.h"
#include "eks/backend.h"
#include "eks/records.h"
#include "store/store.h"

namespace v6k::eks {

class Lifecycle {
 public:
  Lifecycle(store::Store& store, std::shared_ptr<Backend> backend, const EksOptions& options);
  ~Lifecycle();  // stops the thread (after the backend call in progress returns)
  void wake();

 private:
  using Clock = std::chrono::steady_clock;
  struct Launch {
    bool started = false;
    Clock::time_point deadline;
  };
  void run();
  bool pass();  // true while something is in progress
  bool step_cluster(const Loaded<ClusterRecord>& c);
  bool step_nodegroup(const Loaded<NodegroupRecord>& n, const ClusterRecord* cluster);
  bool waiting(const std::string& uid) const;  // in its retry pause
  void pause(const std::string& uid);
  // Re-reads, applies `change` (false = leave it), writes at the revision read; retries
  // on ESTALE. Returns false when the record is gone or `change` declined.
  bool update_cluster(const std::string& name, const std::function<bool(ClusterRecord&)>& change);
  bool update_nodegroup(const std::string& cluster, const std::string& name,
                        const std::function<bool(NodegroupRecord&)>& change);

  store::Store& store_;
  std::shared_ptr<Backend> backend_;
  EksOptions options_;
  std::set<std::string> serving_;          // cluster uids started by this process
  std::map<std::string, Launch> launched_; // node group uids started by this process
  std::map<std::string, Clock::time_point> retry_at_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool woken_ = false;
  std::thread thread_;
};

}  // namespace v6k::eks
