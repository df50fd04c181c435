// The EKS records this region keeps (JSON in the store, one key per cluster and per node
// group) and how the API renders them in the botocore model's shapes (Cluster, Nodegroup).
//
//   auto c = eks::load_cluster(store, "my-cluster");   // Result<optional<Loaded<ClusterRecord>>>
//   nlohmann::json shape = eks::cluster_shape(c->value); // {"name":…, "arn":…, "status":…}
//
// Keys: /eks/clusters/<name> and /eks/nodegroups/<cluster>/<nodegroup>.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "eks/backend.h"
#include "store/store.h"

namespace v6k::eks {

struct Issue {
  std::string code;  // ClusterIssueCode / NodegroupIssueCode
  std::string message;
  std::vector<std::string> resource_ids;
};

struct ClusterRecord {
  std::string uid;  // unique per incarnation
  std::string name, arn, version, role_arn;
  std::string status = "CREATING";  // CREATING | ACTIVE | DELETING | FAILED
  double created_at = 0;             // epoch seconds (the wire's timestamp form)
  std::string client_request_token;
  std::string vpc_id;
  std::vector<std::string> subnet_ids, security_group_ids;
  std::string cluster_security_group_id;
  bool endpoint_public_access = true, endpoint_private_access = false;
  std::vector<std::string> public_access_cidrs = {"0.0.0.0/0"};
  std::string ip_family = "ipv4";
  std::string service_ipv4_cidr, service_ipv6_cidr;
  nlohmann::json logging = nlohmann::json::object();
  std::string oidc_issuer, platform_version;
  std::string endpoint, ca_pem;  // set once the control plane serves
  std::map<std::string, std::string> tags;
  std::vector<Issue> issues;
  std::string creator_arn, account_id, region;
};

struct NodegroupRecord {
  std::string uid;  // the uuid in the ARN and the ASG name
  std::string cluster, name, arn, version, release_version;
  std::string status = "CREATING";  // CREATING | ACTIVE | DELETING | CREATE_FAILED | DELETE_FAILED
  double created_at = 0, modified_at = 0;
  std::string client_request_token;
  std::string capacity_type = "ON_DEMAND";
  int min_size = 1, max_size = 2, desired_size = 2;
  std::vector<std::string> instance_types, subnets;
  std::string ami_type, node_role;
  bool remote_access = false;  // remoteAccess given (ec2SshKey and/or source groups)
  std::string ssh_key;
  std::vector<std::string> source_security_groups;
  std::string remote_access_security_group;  // created by us when only a key is given
  std::map<std::string, std::string> labels;
  nlohmann::json taints = nlohmann::json::array();
  int disk_size = 20;
  std::string asg_name;
  std::map<std::string, std::string> tags;
  std::vector<Issue> issues;
  std::vector<std::string> instance_ids;  // what start_nodegroup returned
};

void to_json(nlohmann::json& j, const Issue& v);
void from_json(const nlohmann::json& j, Issue& v);
void to_json(nlohmann::json& j, const ClusterRecord& v);
void from_json(const nlohmann::json& j, ClusterRecord& v);
void to_json(nlohmann::json& j, const NodegroupRecord& v);
void from_json(const nlohmann::json& j, NodegroupRecord& v);

inline constexpr std::string_view kClusterPrefix = "/eks/clusters/";
inline constexpr std::string_view kNodegroupPrefix = "/eks/nodegroups/";
inline std::string cluster_key(std::string_view name) { return std::string(kClusterPrefix) + std::string(name); }
inline std::string nodegroups_prefix(std::string_view cluster) {
  return std::string(kNodegroupPrefix) + std::string(cluster) + "/";
}
inline std::string nodegroup_key(std::string_view cluster, std::string_view name) {
  return nodegroups_prefix(cluster) + std::string(name);
}

template <typename T>
struct Loaded {
  T value;
  int64_t revision = 0;
};

Result<std::optional<Loaded<ClusterRecord>>> load_cluster(store::Store& s, std::string_view name);
Result<std::optional<Loaded<NodegroupRecord>>> load_nodegroup(store::Store& s, std::string_view cluster,
                                                              std::string_view name);
Result<std::vector<Loaded<ClusterRecord>>> load_clusters(store::Store& s);
// Every node group of one cluster ("" = of every cluster), in key order.
Result<std::vector<Loaded<NodegroupRecord>>> load_nodegroups(store::Store& s, std::string_view cluster = "");

// The botocore shapes.
nlohmann::json cluster_shape(const ClusterRecord& c);
nlohmann::json nodegroup_shape(const NodegroupRecord& n);

// What the backend is told.
ClusterSpec cluster_spec(const ClusterRecord& c);
NodegroupSpec nodegroup_spec(const ClusterRecord& c, const NodegroupRecord& n);

}  // namespace v6k::eks
