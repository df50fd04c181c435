// The machinery behind a managed node group, doing what EKS's Auto Scaling group and the
// nodes' bootstrap do: RunInstances through the region's own EC2 API (as an ASG would; one
// ClientToken per slot, so a resumed launch after a daemon restart finds the instances it
// already made), then one supervised `v6k agent` per instance with its own node token, and
// the count of the group's Nodes that are Ready. Deleting drains the nodes (cordon, delete
// their pods, wait for the agents to tear them down), stops the agents, terminates the
// instances and deletes the Node objects.
//
//   NodeFleet fleet({.ec2 = &ec2_client, .planes = &planes, .supervisor = &sup,
//                    .v6k_binary = "/usr/lib/v6k/v6k", .state_dir = "/var/lib/v6k"});
//   auto ids = fleet.launch(spec);   // ["i-0…", "i-0…"]
//   fleet.ready_nodes(spec);         // 2 once both agents registered Ready Nodes
//   fleet.remove(spec);
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "aws/ec2_client.h"
#include "common/result.h"
#include "eks/host/control_planes.h"
#include "eks/host/supervisor.h"

namespace v6k::eks::host {

struct FleetSpec {
  std::string cluster;
  std::string nodegroup;
  std::string version;        // "1.21": the kubelet version the nodes report
  std::string service_cidr;   // for the agents' service proxy and cluster DNS
  bool ipv6 = true;           // an IPv6 cluster: every node gets an IPv6 address and a /80
  std::vector<std::string> subnets;
  std::string instance_type = "t3.medium";
  std::string image_id;       // "" = the AMI type's image
  std::string ami_type = "AL2_x86_64";
  std::string ssh_key;
  std::vector<std::string> security_group_ids;  // the cluster security group
  int desired = 2;
  std::map<std::string, std::string> labels;
  nlohmann::json taints = nlohmann::json::array();  // [{key, value, effect: NO_SCHEDULE…}]
  std::string asg_name;       // eks-<nodegroup>-<uuid>: the launch's idempotency key
};

struct NodeFleetOptions {
  aws::Ec2Client* ec2 = nullptr;
  ControlPlanes* planes = nullptr;
  Supervisor* supervisor = nullptr;
  std::string v6k_binary;  // `v6k` itself, for `v6k agent`
  std::string state_dir;   // the region's state dir (agents keep theirs under agents/<id>)
};

class NodeFleet {
 public:
  explicit NodeFleet(NodeFleetOptions o) : o_(std::move(o)) {}

  // Launches (or finds) the group's instances and starts their agents. Idempotent.
  Result<std::vector<std::string>> launch(const FleetSpec& spec);
  // Nodes of the group registered in the cluster with condition Ready=True.
  Result<int> ready_nodes(const FleetSpec& spec);
  // Drains, stops the agents, terminates the instances, deletes the Nodes. Idempotent.
  Result<> remove(const FleetSpec& spec);

  // The AMI id EKS would pick for an AMI type (a fixed, well-formed id per type).
  static std::string image_for(const std::string& ami_type);

 private:
  struct Instance {
    std::string id, private_dns_name, state;
  };
  Result<std::vector<Instance>> instances_of(const FleetSpec& spec);    // RunInstances per slot
  Result<std::vector<Instance>> find_instances(const FleetSpec& spec);  // by the group's tags
  aws::Ec2Result<aws::XmlElement> ec2_call(std::string_view action, const aws::QueryParameters& params);
  Result<> start_agent(const FleetSpec& spec, const Instance& inst);
  NodeFleetOptions o_;
};

}  // namespace v6k::eks::host
