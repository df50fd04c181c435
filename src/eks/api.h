// The EKS API (rest-json, botocore's eks 2017-11-01 model) over the region's store:
// clusters and managed node groups. Requests only validate and write records; one worker
// thread moves the records through their states by calling the Backend (eks/backend.h):
//   cluster    CREATING -> start_cluster -> ACTIVE (FAILED with a health issue on error)
//              DELETING -> stop_cluster + cluster security group removed -> gone
//   node group CREATING -> start_nodegroup -> ACTIVE once ready_nodes == desired
//              (CREATE_FAILED with a health issue on error or timeout)
//              DELETING -> delete_nodegroup -> gone (DELETE_FAILED on error)
// At construction the worker also resumes: every ACTIVE cluster and node group is started
// again (the backend is idempotent), so a daemon restart brings them back.
//
//   eks::EksApi eks(store, ec2::RegionConfig::defaults(), backend);
//   http::Response r = eks.handle(request, caller, request_id);  // caller: verified SigV4
//
// Routes: POST/GET /clusters, GET/DELETE /clusters/{name},
// POST/GET /clusters/{name}/node-groups, GET/DELETE /clusters/{name}/node-groups/{ng}.
// Errors: x-amzn-ErrorType + {"message", "clusterName"?, "nodegroupName"?}; docs/eks.md
// lists every validation and its text.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "aws/sigv4.h"
#include "ec2/region.h"
#include "eks/backend.h"
#include "http/message.h"
#include "store/store.h"

namespace v6k::eks {

class Lifecycle;

struct EksOptions {
  // How often the worker polls while something is in progress (ready nodes, …).
  std::chrono::milliseconds poll_interval{100};
  // How often it looks when nothing is (requests wake it at once anyway).
  std::chrono::milliseconds idle_interval{1000};
  // A node group whose nodes are not all Ready by then is CREATE_FAILED.
  std::chrono::milliseconds nodegroup_timeout{std::chrono::minutes(5)};
  // Wait before retrying a failed resume or delete.
  std::chrono::milliseconds retry_interval{std::chrono::seconds(5)};
  // Wall clock for createdAt / modifiedAt (epoch seconds); default: system clock.
  std::function<double()> now;
};

class EksApi {
 public:
  // backend == nullptr: eks::null_backend() (every start fails "not available yet").
  EksApi(store::Store& store, ec2::RegionConfig region, std::shared_ptr<Backend> backend = nullptr,
         EksOptions options = {});
  ~EksApi();
  EksApi(const EksApi&) = delete;
  EksApi& operator=(const EksApi&) = delete;

  // One request whose SigV4 signature (service "eks") the caller already verified; the
  // caller's principal becomes the creator (cluster admin) of what it creates.
  http::Response handle(const http::Request& r, const aws::Caller& caller, const std::string& request_id);
  const ec2::RegionConfig& region() const { return region_; }

 private:
  store::Store& store_;
  ec2::RegionConfig region_;
  EksOptions options_;
  std::mutex write_mu_;  // one writer at a time: existence checks read, then write
  std::unique_ptr<Lifecycle> lifecycle_;
};

}  // namespace v6k::eks
