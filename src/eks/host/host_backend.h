// The region daemon's eks::Backend: control planes hosted in-process (ControlPlanes) and
// node groups as EC2 instances with supervised node agents (NodeFleet).
//
//   auto backend = std::make_shared<HostBackend>(HostBackendOptions{
//       .store_path = state + "/state.db", .state_dir = state, .v6k_binary = self,
//       .ec2 = &ec2_client, .verify_aws_token = verify});
//   eks::EksApi api(store, region, backend);
#pragma once

#include <memory>

#include "aws/ec2_client.h"
#include "eks/backend.h"
#include "eks/host/control_planes.h"
#include "eks/host/node_fleet.h"
#include "eks/host/supervisor.h"

namespace v6k::eks::host {

struct HostBackendOptions {
  std::string store_path;
  std::string state_dir;
  std::string v6k_binary;
  aws::Ec2Client* ec2 = nullptr;
  AwsTokenVerifier verify_aws_token;
};

class HostBackend : public Backend {
 public:
  explicit HostBackend(HostBackendOptions o);
  ~HostBackend() override;
  Result<ClusterAccess> start_cluster(const ClusterSpec& spec) override;
  Result<> stop_cluster(const ClusterSpec& spec, bool delete_data) override;
  Result<std::vector<std::string>> start_nodegroup(const NodegroupSpec& spec) override;
  Result<int> ready_nodes(const NodegroupSpec& spec) override;
  Result<> delete_nodegroup(const NodegroupSpec& spec) override;

  // Stops every agent, then every control plane (the daemon's shutdown; pods keep running).
  void shutdown();

 private:
  HostBackendOptions o_;
  Supervisor supervisor_;
  ControlPlanes planes_;
  NodeFleet fleet_;
};

}  // namespace v6k::eks::host
