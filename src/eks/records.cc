// Stored EKS records and their botocore shapes.
#include "eks/records.h"

#include <cmath>

#include "common/base64.h"

namespace v6k::eks {

using nlohmann::json;

namespace {

// Fields are stored under their C++ names; a missing field keeps its default, so records
// written by an older build still load.
template <typename T>
void field(const json& j, const char* key, T& out) {
  auto it = j.find(key);
  if (it != j.end() && !it->is_null()) it->get_to(out);
}

#define V6K_EKS_CLUSTER_FIELDS(X)                                                             \
  X(uid) X(name) X(arn) X(version) X(role_arn) X(status) X(created_at) X(client_request_token) \
  X(vpc_id) X(subnet_ids) X(security_group_ids) X(cluster_security_group_id)                  \
  X(endpoint_public_access) X(endpoint_private_access) X(public_access_cidrs) X(ip_family)     \
  X(service_ipv4_cidr) X(service_ipv6_cidr) X(logging) X(oidc_issuer) X(platform_version)      \
  X(endpoint) X(ca_pem) X(tags) X(issues) X(creator_arn) X(account_id) X(region)

#define V6K_EKS_NODEGROUP_FIELDS(X)                                                            \
  X(uid) X(cluster) X(name) X(arn) X(version) X(release_version) X(status) X(created_at)       \
  X(modified_at) X(client_request_token) X(capacity_type) X(min_size) X(max_size)              \
  X(desired_size) X(instance_types) X(subnets) X(ami_type) X(node_role) X(remote_access)       \
  X(ssh_key) X(source_security_groups) X(remote_access_security_group) X(labels) X(taints)     \
  X(disk_size) X(asg_name) X(tags) X(issues) X(instance_ids)

#define V6K_EKS_PUT(f) j[#f] = v.f;
#define V6K_EKS_GET(f) field(j, #f, v.f);

json issues_shape(const std::vector<Issue>& issues) {
  json out = json::array();
  for (const auto& i : issues) {
    json one = {{"code", i.code}, {"message", i.message}};
    if (!i.resource_ids.empty()) one["resourceIds"] = i.resource_ids;
    out.push_back(std::move(one));
  }
  return out;
}

// Whole seconds stay integers on the wire ("createdAt": 1642000000.123 otherwise).
json timestamp(double t) {
  if (t == std::floor(t)) return static_cast<int64_t>(t);
  return t;
}

template <typename T>
Result<std::optional<Loaded<T>>> load_one(store::Store& s, const std::string& key, const char* what) {
  auto kv = s.get(key);
  if (!kv) {
    if (kv.error().code() == ENOENT) return std::optional<Loaded<T>>();
    return fail(std::move(kv.error()).wrap(std::string("reading ") + what));
  }
  json j = json::parse(kv->value, nullptr, false);
  if (!j.is_object()) return fail_invalid(std::string("stored ") + what + " " + key + " is not a JSON object");
  try {
    return std::optional<Loaded<T>>(Loaded<T>{j.get<T>(), kv->mod_revision});
  } catch (const std::exception& e) {
    return fail_invalid(std::string("stored ") + what + " " + key + ": " + e.what());
  }
}

template <typename T>
Result<std::vector<Loaded<T>>> load_all(store::Store& s, const std::string& prefix, const char* what) {
  auto l = s.list(prefix);
  if (!l) return fail(std::move(l.error()).wrap(std::string("listing ") + what + "s"));
  std::vector<Loaded<T>> out;
  for (const auto& kv : l->items) {
    json j = json::parse(kv.value, nullptr, false);
    if (!j.is_object()) return fail_invalid(std::string("stored ") + what + " " + kv.key + " is not a JSON object");
    try {
      out.push_back(Loaded<T>{j.get<T>(), kv.mod_revision});
    } catch (const std::exception& e) {
      return fail_invalid(std::string("stored ") + what + " " + kv.key + ": " + e.what());
    }
  }
  return out;
}

}  // namespace

void to_json(json& j, const Issue& v) {
  j = {{"code", v.code}, {"message", v.message}, {"resource_ids", v.resource_ids}};
}
void from_json(const json& j, Issue& v) {
  field(j, "code", v.code);
  field(j, "message", v.message);
  field(j, "resource_ids", v.resource_ids);
}
void to_json(json& j, const ClusterRecord& v) {
  j = json::object();
  V6K_EKS_CLUSTER_FIELDS(V6K_EKS_PUT)
}
void from_json(const json& j, ClusterRecord& v) { V6K_EKS_CLUSTER_FIELDS(V6K_EKS_GET) }
void to_json(json& j, const NodegroupRecord& v) {
  j = json::object();
  V6K_EKS_NODEGROUP_FIELDS(V6K_EKS_PUT)
}
void from_json(const json& j, NodegroupRecord& v) { V6K_EKS_NODEGROUP_FIELDS(V6K_EKS_GET) }

Result<std::optional<Loaded<ClusterRecord>>> load_cluster(store::Store& s, std::string_view name) {
  return load_one<ClusterRecord>(s, cluster_key(name), "cluster");
}
Result<std::optional<Loaded<NodegroupRecord>>> load_nodegroup(store::Store& s, std::string_view cluster,
                                                              std::string_view name) {
  return load_one<NodegroupRecord>(s, nodegroup_key(cluster, name), "node group");
}
Result<std::vector<Loaded<ClusterRecord>>> load_clusters(store::Store& s) {
  return load_all<ClusterRecord>(s, std::string(kClusterPrefix), "cluster");
}
Result<std::vector<Loaded<NodegroupRecord>>> load_nodegroups(store::Store& s, std::string_view cluster) {
  return load_all<NodegroupRecord>(s, cluster.empty() ? std::string(kNodegroupPrefix) : nodegroups_prefix(cluster),
                                   "node group");
}

json cluster_shape(const ClusterRecord& c) {
  json vpc = {{"subnetIds", c.subnet_ids},
              {"securityGroupIds", c.security_group_ids},
              {"clusterSecurityGroupId", c.cluster_security_group_id},
              {"vpcId", c.vpc_id},
              {"endpointPublicAccess", c.endpoint_public_access},
              {"endpointPrivateAccess", c.endpoint_private_access},
              {"publicAccessCidrs", c.public_access_cidrs}};
  json net = {{"ipFamily", c.ip_family}};
  if (!c.service_ipv4_cidr.empty()) net["serviceIpv4Cidr"] = c.service_ipv4_cidr;
  if (!c.service_ipv6_cidr.empty()) net["serviceIpv6Cidr"] = c.service_ipv6_cidr;
  json out = {{"name", c.name},
              {"arn", c.arn},
              {"createdAt", timestamp(c.created_at)},
              {"version", c.version},
              {"roleArn", c.role_arn},
              {"resourcesVpcConfig", std::move(vpc)},
              {"kubernetesNetworkConfig", std::move(net)},
              {"logging", c.logging},
              {"identity", {{"oidc", {{"issuer", c.oidc_issuer}}}}},
              {"status", c.status},
              {"certificateAuthority", json::object()},
              {"platformVersion", c.platform_version},
              {"tags", c.tags}};
  // EKS fills endpoint and CA data once the control plane is up.
  if (!c.endpoint.empty()) out["endpoint"] = c.endpoint;
  if (!c.ca_pem.empty()) out["certificateAuthority"]["data"] = base64_encode(c.ca_pem);
  if (!c.issues.empty()) out["health"] = {{"issues", issues_shape(c.issues)}};
  return out;
}

json nodegroup_shape(const NodegroupRecord& n) {
  json out = {{"nodegroupName", n.name},
              {"nodegroupArn", n.arn},
              {"clusterName", n.cluster},
              {"version", n.version},
              {"releaseVersion", n.release_version},
              {"createdAt", timestamp(n.created_at)},
              {"modifiedAt", timestamp(n.modified_at)},
              {"status", n.status},
              {"capacityType", n.capacity_type},
              {"scalingConfig", {{"minSize", n.min_size}, {"maxSize", n.max_size}, {"desiredSize", n.desired_size}}},
              {"instanceTypes", n.instance_types},
              {"subnets", n.subnets},
              {"amiType", n.ami_type},
              {"nodeRole", n.node_role},
              {"labels", n.labels},
              {"diskSize", n.disk_size},
              {"health", {{"issues", issues_shape(n.issues)}}},
              {"updateConfig", {{"maxUnavailable", 1}}},
              {"tags", n.tags}};
  if (n.remote_access) {
    json ra = json::object();
    if (!n.ssh_key.empty()) ra["ec2SshKey"] = n.ssh_key;
    if (!n.source_security_groups.empty()) ra["sourceSecurityGroups"] = n.source_security_groups;
    out["remoteAccess"] = std::move(ra);
  }
  if (!n.taints.empty()) out["taints"] = n.taints;
  json resources = {{"autoScalingGroups", json::array({{{"name", n.asg_name}}})}};
  if (!n.remote_access_security_group.empty()) resources["remoteAccessSecurityGroup"] = n.remote_access_security_group;
  out["resources"] = std::move(resources);
  return out;
}

ClusterSpec cluster_spec(const ClusterRecord& c) {
  ClusterSpec s;
  s.name = c.name;
  s.arn = c.arn;
  s.version = c.version;
  s.ip_family = c.ip_family;
  s.service_cidr = c.ip_family == "ipv6" ? c.service_ipv6_cidr : c.service_ipv4_cidr;
  s.vpc_id = c.vpc_id;
  s.subnet_ids = c.subnet_ids;
  s.security_group_ids = c.security_group_ids;
  s.cluster_security_group_id = c.cluster_security_group_id;
  s.creator_arn = c.creator_arn;
  s.account_id = c.account_id;
  s.region = c.region;
  s.uid = c.uid;
  return s;
}

NodegroupSpec nodegroup_spec(const ClusterRecord& c, const NodegroupRecord& n) {
  NodegroupSpec s;
  s.cluster = cluster_spec(c);
  s.name = n.name;
  s.arn = n.arn;
  s.subnets = n.subnets;
  s.instance_types = n.instance_types;
  s.ami_type = n.ami_type;
  s.capacity_type = n.capacity_type;
  s.desired = n.desired_size;
  s.min_size = n.min_size;
  s.max_size = n.max_size;
  s.disk_size = n.disk_size;
  s.labels.assign(n.labels.begin(), n.labels.end());
  s.taints = n.taints;
  s.ssh_key = n.ssh_key;
  s.remote_access_security_group_id = n.remote_access_security_group;
  s.node_role = n.node_role;
  s.asg_name = n.asg_name;
  s.tags.assign(n.tags.begin(), n.tags.end());
  return s;
}

}  // namespace v6k::eks
