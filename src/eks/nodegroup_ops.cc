// CreateNodegroup, DescribeNodegroup, ListNodegroups, DeleteNodegroup.
#include <algorithm>

#include "aws/request_id.h"
#include "ec2/inst_launch.h"
#include "ec2/model.h"
#include "ec2/service_groups.h"
#include "eks/handlers.h"
#include "eks/validate.h"

namespace v6k::eks {

using nlohmann::json;

namespace {

ApiError nodegroup_not_found(const std::string& cluster, const std::string& name) {
  return ApiError{404, "ResourceNotFoundException", "No node group found for name: " + name + ".", cluster, name};
}

const std::vector<std::string>& ami_types() {
  static const std::vector<std::string> t = {
      "AL2_x86_64", "AL2_x86_64_GPU", "AL2_ARM_64", "CUSTOM", "BOTTLEROCKET_ARM_64", "BOTTLEROCKET_x86_64",
      "BOTTLEROCKET_ARM_64_NVIDIA", "BOTTLEROCKET_x86_64_NVIDIA", "WINDOWS_CORE_2019_x86_64",
      "WINDOWS_FULL_2019_x86_64", "WINDOWS_CORE_2022_x86_64", "WINDOWS_FULL_2022_x86_64"};
  return t;
}

std::string enum_list(const std::vector<std::string>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + values[i];
  return out + "]";
}

// scalingConfig with EKS's defaults (min 1, max 2, desired 2) and its ordering rules.
std::expected<void, ApiError> scaling(const json& body, NodegroupRecord& ng) {
  V6K_EKS_TRY(cfg, opt_object(body, "scalingConfig", "scalingConfig"));
  json s = cfg->value_or(json::object());
  V6K_EKS_TRY(min, opt_int(s, "minSize", "scalingConfig.minSize"));
  V6K_EKS_TRY(max, opt_int(s, "maxSize", "scalingConfig.maxSize"));
  V6K_EKS_TRY(desired, opt_int(s, "desiredSize", "scalingConfig.desiredSize"));
  long long mn = min->value_or(1), mx = max->value_or(std::max<long long>(2, mn)),
            d = desired->value_or(std::clamp<long long>(2, mn, std::max(mn, mx)));
  auto bad = [&](std::string m) { return std::unexpected(invalid_parameter(std::move(m), ng.cluster, ng.name)); };
  if (mn < 0) return bad(validation_message(std::to_string(mn), "scalingConfig.minSize", "Member must have value greater than or equal to 0"));
  if (mx < 1) return bad(validation_message(std::to_string(mx), "scalingConfig.maxSize", "Member must have value greater than or equal to 1"));
  if (d < 0) return bad(validation_message(std::to_string(d), "scalingConfig.desiredSize", "Member must have value greater than or equal to 0"));
  if (mn > mx) return bad("Minimum capacity " + std::to_string(mn) + " can't be greater than maximum capacity " + std::to_string(mx));
  if (d > mx) return bad("Desired capacity " + std::to_string(d) + " can't be greater than maximum capacity " + std::to_string(mx));
  if (d < mn) return bad("Desired capacity " + std::to_string(d) + " can't be less than minimum capacity " + std::to_string(mn));
  if (mx > 100) return bad("Maximum capacity " + std::to_string(mx) + " is over the limit of 100 nodes per node group");
  ng.min_size = static_cast<int>(mn);
  ng.max_size = static_cast<int>(mx);
  ng.desired_size = static_cast<int>(d);
  return {};
}

std::expected<void, ApiError> labels_and_taints(const json& body, NodegroupRecord& ng) {
  auto bad = [&](std::string m) { return std::unexpected(invalid_parameter(std::move(m), ng.cluster, ng.name)); };
  V6K_EKS_TRY(labels, opt_object(body, "labels", "labels"));
  const json given = labels->value_or(json::object());  // iterated below: must outlive the loop
  for (const auto& [k, v] : given.items()) {
    if (!v.is_string()) return bad("Invalid type for parameter labels." + k + ", expected a string.");
    if (k.empty() || k.size() > 253 || v.get<std::string>().size() > 63)
      return bad("Label " + k + " is invalid: keys are 1 to 253 characters, values at most 63.");
    ng.labels[k] = v.get<std::string>();
  }
  auto it = body.find("taints");
  if (it == body.end() || it->is_null()) return {};
  if (!it->is_array()) return bad("Invalid type for parameter taints, expected a list.");
  if (it->size() > 50) return bad("A node group can have at most 50 taints.");
  for (const auto& t : *it) {
    if (!t.is_object()) return bad("Invalid type for parameter taints, expected a list of structures.");
    V6K_EKS_TRY(key, opt_string(t, "key", "taints.key"));
    V6K_EKS_TRY(value, opt_string(t, "value", "taints.value"));
    V6K_EKS_TRY(effect, opt_string(t, "effect", "taints.effect"));
    if (!*key || (*key)->empty() || (*key)->size() > 63)
      return bad(validation_message(key->value_or(""), "taints.key", "Member must have length between 1 and 63"));
    if (value->value_or("").size() > 63)
      return bad(validation_message(**value, "taints.value", "Member must have length less than or equal to 63"));
    std::string e = effect->value_or("");
    if (e != "NO_SCHEDULE" && e != "NO_EXECUTE" && e != "PREFER_NO_SCHEDULE")
      return bad(validation_message(e, "taints.effect",
                                    "Member must satisfy enum value set: [NO_SCHEDULE, NO_EXECUTE, PREFER_NO_SCHEDULE]"));
    json one = {{"key", **key}, {"effect", e}};
    if (*value) one["value"] = **value;
    ng.taints.push_back(std::move(one));
  }
  return {};
}

// remoteAccess: the key pair must exist; without source groups EKS opens SSH to the world
// through a group of its own ("eks-remoteAccess-<uuid>"), returned in `planned`.
std::expected<void, ApiError> remote_access(Ctx& c, const json& body, const ClusterRecord& cluster,
                                            NodegroupRecord& ng, std::optional<ec2::SecurityGroup>* planned) {
  V6K_EKS_TRY(ra, opt_object(body, "remoteAccess", "remoteAccess"));
  if (!*ra) return {};
  ng.remote_access = true;
  V6K_EKS_TRY(key, opt_string(**ra, "ec2SshKey", "remoteAccess.ec2SshKey"));
  V6K_EKS_TRY(sources, opt_strings(**ra, "sourceSecurityGroups", "remoteAccess.sourceSecurityGroups"));
  if (*key && !(*key)->empty()) {
    V6K_EKS_TRY(found, or_server(ec2::find_key_pair(c.store, **key)));
    if (!*found)
      return std::unexpected(invalid_parameter("The key pair '" + **key + "' does not exist", ng.cluster, ng.name));
    ng.ssh_key = **key;
  }
  for (const auto& g : sources->value_or(std::vector<std::string>{})) {
    V6K_EKS_TRY(found, or_server(ec2::find_security_group(c.store, g)));
    if (!*found || (*found)->vpc_id != cluster.vpc_id)
      return std::unexpected(invalid_parameter("The security group '" + g + "' does not exist in the cluster's VPC " +
                                               cluster.vpc_id, ng.cluster, ng.name));
    ng.source_security_groups.push_back(g);
  }
  if (ng.ssh_key.empty() || !ng.source_security_groups.empty()) return {};
  ec2::ServiceGroupSpec spec;
  spec.vpc_id = cluster.vpc_id;
  spec.name = "eks-remoteAccess-" + ng.uid;
  spec.description = "Security group for all nodes in the nodeGroup to allow SSH access";
  spec.tags = {{"eks", "remoteAccess"}, {"eks:cluster-name", ng.cluster}, {"eks:nodegroup-name", ng.name}};
  ec2::SgRule ssh;
  ssh.protocol = "tcp";
  ssh.from_port = ssh.to_port = 22;
  ssh.cidr_ipv4 = "0.0.0.0/0";
  spec.ingress.push_back(ssh);
  if (cluster.ip_family == "ipv6") {
    ssh.cidr_ipv4.clear();
    ssh.cidr_ipv6 = "::/0";
    spec.ingress.push_back(ssh);
  }
  spec.egress_ipv6_all = cluster.ip_family == "ipv6";
  V6K_EKS_TRY(group, or_server(ec2::plan_service_group(c.store, spec)));
  ng.remote_access_security_group = group->id;
  *planned = std::move(*group);
  return {};
}

}  // namespace

Reply create_nodegroup(Ctx& c, const std::string& cluster_name) {
  V6K_EKS_TRY(body, body_object(c.request));
  std::lock_guard lock(c.write_mu);
  V6K_EKS_TRY(found, or_server(load_cluster(c.store, cluster_name)));
  if (!*found) return std::unexpected(cluster_not_found(cluster_name));
  const ClusterRecord& cluster = (*found)->value;

  V6K_EKS_TRY(name, opt_string(*body, "nodegroupName", "nodegroupName"));
  if (!*name)
    return std::unexpected(invalid_parameter("1 validation error detected: Value null at 'nodegroupName' failed to "
                                             "satisfy constraint: Member must not be null", cluster_name));
  const std::string& n = **name;
  if (!valid_name(n, 63))
    return std::unexpected(invalid_parameter("Nodegroup name " + n + " is invalid: it must be 1 to 63 characters, "
                                             "start with a letter or digit and contain only letters, digits, '-' and '_'",
                                             cluster_name, n));
  V6K_EKS_TRY(token, opt_string(*body, "clientRequestToken", "clientRequestToken"));
  V6K_EKS_TRY(existing, or_server(load_nodegroup(c.store, cluster_name, n)));
  if (*existing) {
    const NodegroupRecord& have = (*existing)->value;
    if (*token && !(*token)->empty() && have.client_request_token == **token)
      return json{{"nodegroup", nodegroup_shape(have)}};
    return std::unexpected(ApiError{409, "ResourceInUseException",
                                    "NodeGroup already exists with name " + n + " and cluster name " + cluster_name,
                                    cluster_name, n});
  }
  if (cluster.status != "ACTIVE")
    return std::unexpected(ApiError{400, "InvalidRequestException", "Cluster '" + cluster_name +
                                    "' is not in ACTIVE status", cluster_name, n});

  NodegroupRecord ng;
  ng.uid = aws::new_request_id();
  ng.cluster = cluster_name;
  ng.name = n;
  ng.client_request_token = token->value_or("");
  auto bad = [&](std::string m) { return std::unexpected(invalid_parameter(std::move(m), cluster_name, n)); };

  V6K_EKS_TRY(role, opt_string(*body, "nodeRole", "nodeRole"));
  if (!*role) return bad("1 validation error detected: Value null at 'nodeRole' failed to satisfy constraint: "
                         "Member must not be null");
  if (!valid_role_arn(**role)) return bad("Error in role params");
  ng.node_role = **role;

  V6K_EKS_TRY(subnets, opt_strings(*body, "subnets", "subnets"));
  if (!*subnets || (*subnets)->empty()) return bad("Subnets are required");
  for (const auto& id : **subnets) {
    auto kv = c.store.get(ec2::subnet_key(id));
    if (!kv && kv.error().code() == ENOENT) return bad("The subnet ID '" + id + "' does not exist");
    if (!kv) return std::unexpected(server_error(kv.error()));
    auto sub = ec2::subnet_from_json(kv->value);
    if (!sub) return std::unexpected(server_error(sub.error()));
    if (sub->vpc_id != cluster.vpc_id)
      return bad("Subnet " + id + " is not in the cluster's VPC " + cluster.vpc_id);
    if (std::find(ng.subnets.begin(), ng.subnets.end(), id) == ng.subnets.end()) ng.subnets.push_back(id);
  }

  V6K_EKS_TRY(version, opt_string(*body, "version", "version"));
  if (*version && **version != cluster.version)
    return bad("Requested Nodegroup version " + **version + " is invalid. Allowed values: " + cluster.version);
  ng.version = cluster.version;
  ng.release_version = find_version(cluster.version) ? find_version(cluster.version)->ami_release : "";

  V6K_EKS_TRY(types, opt_strings(*body, "instanceTypes", "instanceTypes"));
  ng.instance_types = types->value_or(std::vector<std::string>{"t3.medium"});
  if (ng.instance_types.empty()) return bad("instanceTypes must not be empty");
  V6K_EKS_TRY(ami, opt_string(*body, "amiType", "amiType"));
  bool arm = ec2::architecture_for(ng.instance_types.front()) == "arm64";
  ng.ami_type = ami->value_or(arm ? "AL2_ARM_64" : "AL2_x86_64");
  if (std::find(ami_types().begin(), ami_types().end(), ng.ami_type) == ami_types().end())
    return bad(validation_message(ng.ami_type, "amiType", "Member must satisfy enum value set: " + enum_list(ami_types())));
  bool ami_arm = ng.ami_type.find("ARM") != std::string::npos;
  if (ng.ami_type != "CUSTOM" && ami_arm != arm)
    return bad("Instance type " + ng.instance_types.front() + " is not supported for AMI type " + ng.ami_type);
  V6K_EKS_TRY(capacity, opt_string(*body, "capacityType", "capacityType"));
  ng.capacity_type = capacity->value_or("ON_DEMAND");
  if (ng.capacity_type != "ON_DEMAND" && ng.capacity_type != "SPOT")
    return bad(validation_message(ng.capacity_type, "capacityType", "Member must satisfy enum value set: [ON_DEMAND, SPOT]"));
  V6K_EKS_TRY(disk, opt_int(*body, "diskSize", "diskSize"));
  ng.disk_size = static_cast<int>(disk->value_or(20));
  if (ng.disk_size < 1 || ng.disk_size > 16384) return bad("diskSize must be between 1 and 16384 GiB");
  if (auto s = scaling(*body, ng); !s) return std::unexpected(s.error());
  if (auto l = labels_and_taints(*body, ng); !l) return std::unexpected(l.error());
  V6K_EKS_TRY(tags, tag_map(*body, "tags"));
  ng.tags = *tags;
  std::optional<ec2::SecurityGroup> ssh_group;
  if (auto r = remote_access(c, *body, cluster, ng, &ssh_group); !r) return std::unexpected(r.error());

  ng.arn = "arn:aws:eks:" + cluster.region + ":" + cluster.account_id + ":nodegroup/" + cluster_name + "/" + n + "/" +
           ng.uid;
  ng.asg_name = "eks-" + n + "-" + ng.uid;
  ng.created_at = ng.modified_at = c.now();
  ng.status = "CREATING";
  std::vector<store::Write> writes;
  if (ssh_group) writes.push_back(ec2::service_group_write(*ssh_group));
  writes.push_back(store::Write::create(nodegroup_key(cluster_name, n), json(ng).dump()));
  auto committed = c.store.commit(writes);
  if (!committed) return std::unexpected(server_error(committed.error()));
  c.wake();
  return json{{"nodegroup", nodegroup_shape(ng)}};
}

Reply describe_nodegroup(Ctx& c, const std::string& cluster, const std::string& name) {
  V6K_EKS_TRY(cl, or_server(load_cluster(c.store, cluster)));
  if (!*cl) return std::unexpected(cluster_not_found(cluster));
  V6K_EKS_TRY(found, or_server(load_nodegroup(c.store, cluster, name)));
  if (!*found) return std::unexpected(nodegroup_not_found(cluster, name));
  return json{{"nodegroup", nodegroup_shape((*found)->value)}};
}

Reply list_nodegroups(Ctx& c, const std::string& cluster) {
  V6K_EKS_TRY(cl, or_server(load_cluster(c.store, cluster)));
  if (!*cl) return std::unexpected(cluster_not_found(cluster));
  V6K_EKS_TRY(all, or_server(load_nodegroups(c.store, cluster)));
  std::vector<std::string> names;
  for (const auto& l : *all) names.push_back(l.value.name);
  std::sort(names.begin(), names.end());
  return page(c.request, names, "nodegroups");
}

Reply delete_nodegroup(Ctx& c, const std::string& cluster, const std::string& name) {
  std::lock_guard lock(c.write_mu);
  V6K_EKS_TRY(cl, or_server(load_cluster(c.store, cluster)));
  if (!*cl) return std::unexpected(cluster_not_found(cluster));
  for (int attempt = 0; attempt < 5; ++attempt) {
    V6K_EKS_TRY(found, or_server(load_nodegroup(c.store, cluster, name)));
    if (!*found) return std::unexpected(nodegroup_not_found(cluster, name));
    NodegroupRecord ng = (*found)->value;
    if (ng.status == "DELETING") return json{{"nodegroup", nodegroup_shape(ng)}};
    ng.status = "DELETING";
    ng.modified_at = c.now();
    auto up = c.store.update(nodegroup_key(cluster, name), json(ng).dump(), (*found)->revision);
    if (!up && up.error().code() == ESTALE) continue;
    if (!up && up.error().code() == ENOENT) return std::unexpected(nodegroup_not_found(cluster, name));
    if (!up) return std::unexpected(server_error(up.error()));
    c.wake();
    return json{{"nodegroup", nodegroup_shape(ng)}};
  }
  return std::unexpected(ApiError{409, "ResourceInUseException", "Nodegroup " + name + " is being changed; retry.",
                                  cluster, name});
}

}  // namespace v6k::eks
