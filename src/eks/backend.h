// What actually runs an EKS cluster's control plane and a node group's instances. The EKS
// API (eks/api.h) only keeps records and moves them through their states; its worker
// thread calls a Backend to do the work. The region daemon plugs in the real one (API
// servers on loopback, EC2 instances with node agents); tests plug in a fake.
//
//   class MyBackend : public eks::Backend { ... };
//   eks::EksApi api(store, region, std::make_shared<MyBackend>());
//
// Every call runs on the EksApi worker thread (one at a time) and may block for as long
// as the work takes; requests never wait for it. Calls are idempotent: after a daemon
// restart the worker calls start_cluster / start_nodegroup again for every ACTIVE record,
// and the backend resumes what already exists.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace v6k::eks {

struct ClusterSpec {
  std::string name;
  std::string arn;          // arn:aws:eks:<region>:<account>:cluster/<name>
  std::string version;      // "1.21"
  std::string ip_family;    // "ipv4" | "ipv6"
  std::string service_cidr; // "fd9c:1a2b:3c4d::/108" or "172.20.0.0/16"
  std::string vpc_id;
  std::vector<std::string> subnet_ids;
  std::vector<std::string> security_group_ids;  // additional groups given at creation
  std::string cluster_security_group_id;        // the "eks-cluster-sg-…" group
  std::string creator_arn;  // the principal that created it: cluster admin
  std::string account_id;
  std::string region;
  std::string uid;          // unique per incarnation (a re-created name gets a new one)
};

struct ClusterAccess {
  std::string endpoint;  // "https://127.0.0.1:34567" (DescribeCluster's `endpoint`)
  std::string ca_pem;    // the cluster CA (DescribeCluster gives it base64-encoded)
};

struct NodegroupSpec {
  ClusterSpec cluster;
  std::string name;
  std::string arn;  // arn:aws:eks:<region>:<account>:nodegroup/<cluster>/<name>/<uuid>
  std::vector<std::string> subnets;
  std::vector<std::string> instance_types;  // first one is used
  std::string ami_type;                     // AL2_x86_64 | AL2_ARM_64 | …
  std::string capacity_type;                // ON_DEMAND | SPOT
  int desired = 2;
  int min_size = 1;
  int max_size = 2;
  int disk_size = 20;
  std::vector<std::pair<std::string, std::string>> labels;  // Kubernetes node labels
  nlohmann::json taints = nlohmann::json::array();         // [{key, value, effect}] as EKS spells them
  std::string ssh_key;                                      // "" = no remote access
  std::string remote_access_security_group_id;              // "" = none created
  std::string node_role;
  std::string asg_name;  // "eks-<nodegroup>-<uuid>"
  std::vector<std::pair<std::string, std::string>> tags;
};

class Backend {
 public:
  virtual ~Backend();
  // Starts (or after a daemon restart, resumes) the cluster's control plane; returns once
  // it serves. Idempotent per name.
  virtual Result<ClusterAccess> start_cluster(const ClusterSpec& spec) = 0;
  // Stops the control plane; with delete_data also removes its state (DeleteCluster).
  virtual Result<> stop_cluster(const ClusterSpec& spec, bool delete_data) = 0;
  // Launches (or resumes) the node group's instances and their node agents; returns the
  // instance ids. Idempotent.
  virtual Result<std::vector<std::string>> start_nodegroup(const NodegroupSpec& spec) = 0;
  // How many of the node group's nodes are Ready in the cluster.
  virtual Result<int> ready_nodes(const NodegroupSpec& spec) = 0;
  // Drains the nodes, terminates the instances. Idempotent.
  virtual Result<> delete_nodegroup(const NodegroupSpec& spec) = 0;
};

// The backend used until the real one is wired in: every start fails with
// "… not available yet …", stops and deletes succeed (nothing was started).
std::shared_ptr<Backend> null_backend();

}  // namespace v6k::eks
