// CreateCluster, DescribeCluster, ListClusters, DeleteCluster.
#include <algorithm>
#include <set>

#include "aws/request_id.h"
#include "ec2/model.h"
#include "ec2/service_groups.h"
#include "eks/handlers.h"
#include "eks/validate.h"

namespace v6k::eks {

using nlohmann::json;

namespace {

constexpr const char* kNamePattern = "^[0-9A-Za-z][A-Za-z0-9\\-_]*";

json default_logging() {
  return {{"clusterLogging",
           json::array({{{"types", {"api", "audit", "authenticator", "controllerManager", "scheduler"}},
                         {"enabled", false}}})}};
}

// The subnets' VPC after EKS's checks: each exists, all in one VPC, ≥ 2 zones.
std::expected<ec2::Vpc, ApiError> check_subnets(store::Store& s, const std::vector<std::string>& ids,
                                                const std::string& cluster, std::vector<ec2::Subnet>* out) {
  std::set<std::string> zones, vpcs;
  for (const auto& id : ids) {
    auto kv = s.get(ec2::subnet_key(id));
    if (!kv) {
      if (kv.error().code() == ENOENT)
        return std::unexpected(invalid_parameter("The subnet ID '" + id + "' does not exist", cluster));
      return std::unexpected(server_error(kv.error()));
    }
    auto sub = ec2::subnet_from_json(kv->value);
    if (!sub) return std::unexpected(server_error(sub.error()));
    zones.insert(sub->availability_zone);
    vpcs.insert(sub->vpc_id);
    out->push_back(std::move(*sub));
  }
  if (vpcs.size() > 1)
    return std::unexpected(invalid_parameter("Subnets specified must belong to the same VPC", cluster));
  if (zones.size() < 2)
    return std::unexpected(invalid_parameter("Subnets specified must be in at least two different AZs", cluster));
  auto kv = s.get(ec2::vpc_key(*vpcs.begin()));
  if (!kv) return std::unexpected(server_error(kv.error()));
  auto vpc = ec2::vpc_from_json(kv->value);
  if (!vpc) return std::unexpected(server_error(vpc.error()));
  return std::move(*vpc);
}

// kubernetesNetworkConfig -> ip family and service CIDR fields of `rec`.
std::expected<void, ApiError> network_config(const json& body, const ec2::Vpc& vpc,
                                             const std::vector<ec2::Subnet>& subnets, ClusterRecord& rec) {
  V6K_EKS_TRY(net, opt_object(body, "kubernetesNetworkConfig", "kubernetesNetworkConfig"));
  json cfg = net->value_or(json::object());
  V6K_EKS_TRY(family, opt_string(cfg, "ipFamily", "kubernetesNetworkConfig.ipFamily"));
  V6K_EKS_TRY(v4, opt_string(cfg, "serviceIpv4Cidr", "kubernetesNetworkConfig.serviceIpv4Cidr"));
  rec.ip_family = family->value_or("ipv4");
  if (rec.ip_family != "ipv4" && rec.ip_family != "ipv6")
    return std::unexpected(invalid_parameter(validation_message(rec.ip_family, "kubernetesNetworkConfig.ipFamily",
                                                                "Member must satisfy enum value set: [ipv4, ipv6]"),
                                             rec.name));
  if (rec.ip_family == "ipv6") {
    if (*v4)
      return std::unexpected(invalid_parameter("serviceIpv4Cidr can not be specified when ipFamily is ipv6", rec.name));
    if (!vpc.ipv6)
      return std::unexpected(invalid_parameter("The VPC " + vpc.id + " has no IPv6 CIDR block; an ipv6 cluster "
                                               "needs one", rec.name));
    for (const auto& sub : subnets)
      if (!sub.ipv6)
        return std::unexpected(invalid_parameter("The subnet " + sub.id + " has no IPv6 CIDR block; an ipv6 cluster "
                                                 "needs IPv6 on every subnet", rec.name));
    rec.service_ipv6_cidr = random_service_ipv6_cidr();
    return {};
  }
  if (*v4) {
    auto ok = check_service_ipv4_cidr(**v4, vpc.cidr);
    if (!ok) return std::unexpected(invalid_parameter(ok.error(), rec.name));
    rec.service_ipv4_cidr = *ok;
  } else {
    rec.service_ipv4_cidr = default_service_ipv4_cidr(vpc.cidr);
  }
  return {};
}

}  // namespace

Reply create_cluster(Ctx& c) {
  V6K_EKS_TRY(body, body_object(c.request));
  V6K_EKS_TRY(name, opt_string(*body, "name", "name"));
  if (!*name)
    return std::unexpected(invalid_parameter("1 validation error detected: Value null at 'name' failed to satisfy "
                                             "constraint: Member must not be null"));
  const std::string& n = **name;
  if (n.empty() || n.size() > 100)
    return std::unexpected(invalid_parameter(validation_message(n, "name", n.empty()
                                                 ? "Member must have length greater than or equal to 1"
                                                 : "Member must have length less than or equal to 100")));
  if (!valid_name(n, 100))
    return std::unexpected(invalid_parameter(validation_message(n, "name", std::string("Member must satisfy regular "
                                                                "expression pattern: ") + kNamePattern)));
  V6K_EKS_TRY(token, opt_string(*body, "clientRequestToken", "clientRequestToken"));

  std::lock_guard lock(c.write_mu);
  V6K_EKS_TRY(existing, or_server(load_cluster(c.store, n)));
  if (*existing) {
    const ClusterRecord& have = (*existing)->value;
    // Idempotency: the same token again answers what the first call created.
    if (*token && !(*token)->empty() && have.client_request_token == **token) return json{{"cluster", cluster_shape(have)}};
    return std::unexpected(ApiError{409, "ResourceInUseException", "Cluster already exists with name: " + n, n, ""});
  }

  ClusterRecord rec;
  rec.name = n;
  rec.uid = aws::new_request_id();
  rec.client_request_token = token->value_or("");
  V6K_EKS_TRY(role, opt_string(*body, "roleArn", "roleArn"));
  if (!*role)
    return std::unexpected(invalid_parameter("1 validation error detected: Value null at 'roleArn' failed to satisfy "
                                             "constraint: Member must not be null", n));
  if (!valid_role_arn(**role)) return std::unexpected(invalid_parameter("Error in role params", n));
  rec.role_arn = **role;

  V6K_EKS_TRY(version, opt_string(*body, "version", "version"));
  const KubernetesVersion* kv = *version ? find_version(**version) : &default_version();
  if (!kv) return std::unexpected(invalid_parameter("unsupported Kubernetes version " + **version, n));
  rec.version = kv->version;
  rec.platform_version = kv->platform_version;

  V6K_EKS_TRY(vpc_cfg, opt_object(*body, "resourcesVpcConfig", "resourcesVpcConfig"));
  if (!*vpc_cfg)
    return std::unexpected(invalid_parameter("1 validation error detected: Value null at 'resourcesVpcConfig' failed "
                                             "to satisfy constraint: Member must not be null", n));
  V6K_EKS_TRY(subnet_ids, opt_strings(**vpc_cfg, "subnetIds", "resourcesVpcConfig.subnetIds"));
  V6K_EKS_TRY(group_ids, opt_strings(**vpc_cfg, "securityGroupIds", "resourcesVpcConfig.securityGroupIds"));
  V6K_EKS_TRY(pub, opt_bool(**vpc_cfg, "endpointPublicAccess", "resourcesVpcConfig.endpointPublicAccess"));
  V6K_EKS_TRY(priv, opt_bool(**vpc_cfg, "endpointPrivateAccess", "resourcesVpcConfig.endpointPrivateAccess"));
  V6K_EKS_TRY(cidrs, opt_strings(**vpc_cfg, "publicAccessCidrs", "resourcesVpcConfig.publicAccessCidrs"));
  for (const auto& id : subnet_ids->value_or(std::vector<std::string>{}))  // caller's order, repeats dropped
    if (std::find(rec.subnet_ids.begin(), rec.subnet_ids.end(), id) == rec.subnet_ids.end()) rec.subnet_ids.push_back(id);
  rec.endpoint_public_access = pub->value_or(true);
  rec.endpoint_private_access = priv->value_or(false);
  if (!rec.endpoint_public_access && !rec.endpoint_private_access)
    return std::unexpected(invalid_parameter("At least one of endpointPublicAccess and endpointPrivateAccess must be "
                                             "enabled", n));
  if (*cidrs) {
    for (const auto& cidr : **cidrs)
      if (!addr::Ipv4Prefix::parse(cidr))
        return std::unexpected(invalid_parameter("The CIDR block " + cidr + " in publicAccessCidrs is invalid", n));
    rec.public_access_cidrs = **cidrs;
  }

  std::vector<ec2::Subnet> subnets;
  V6K_EKS_TRY(vpc, check_subnets(c.store, rec.subnet_ids, n, &subnets));
  rec.vpc_id = vpc->id;
  for (const auto& g : group_ids->value_or(std::vector<std::string>{})) {
    V6K_EKS_TRY(found, or_server(ec2::find_security_group(c.store, g)));
    if (!*found) return std::unexpected(invalid_parameter("The security group '" + g + "' does not exist", n));
    if ((*found)->vpc_id != rec.vpc_id)
      return std::unexpected(invalid_parameter("Security group " + g + " is not in the VPC " + rec.vpc_id +
                                               " of the subnets", n));
    rec.security_group_ids.push_back(g);
  }
  if (auto net = network_config(*body, *vpc, subnets, rec); !net) return std::unexpected(net.error());
  V6K_EKS_TRY(tags, tag_map(*body, "tags"));
  rec.tags = *tags;
  V6K_EKS_TRY(logging, opt_object(*body, "logging", "logging"));
  rec.logging = logging->value_or(default_logging());

  rec.account_id = c.region.account_id;
  rec.region = c.region.region;
  rec.arn = "arn:aws:eks:" + rec.region + ":" + rec.account_id + ":cluster/" + n;
  rec.created_at = c.now();
  rec.oidc_issuer = "https://oidc.eks." + rec.region + ".amazonaws.com/id/" + random_hex(32, true);
  rec.creator_arn = c.caller.credentials.principal_arn;
  rec.status = "CREATING";

  // The cluster security group lands in the same commit as the cluster record.
  ec2::ServiceGroupSpec sg;
  sg.vpc_id = rec.vpc_id;
  sg.name = "eks-cluster-sg-" + n + "-" + random_digits(10);
  sg.description = "EKS created security group applied to ENI that is attached to EKS Control Plane master nodes, "
                   "as well as any managed workloads.";
  sg.tags = {{"Name", sg.name}, {"aws:eks:cluster-name", n}, {"kubernetes.io/cluster/" + n, "owned"}};
  sg.self_ingress = true;
  sg.egress_ipv4_all = true;
  sg.egress_ipv6_all = rec.ip_family == "ipv6";
  V6K_EKS_TRY(group, or_server(ec2::plan_service_group(c.store, sg)));
  rec.cluster_security_group_id = group->id;
  std::vector<store::Write> writes = {ec2::service_group_write(*group),
                                      store::Write::create(cluster_key(n), json(rec).dump())};
  auto committed = c.store.commit(writes);
  if (!committed) return std::unexpected(server_error(committed.error()));
  c.wake();
  return json{{"cluster", cluster_shape(rec)}};
}

Reply describe_cluster(Ctx& c, const std::string& name) {
  V6K_EKS_TRY(found, or_server(load_cluster(c.store, name)));
  if (!*found) return std::unexpected(cluster_not_found(name));
  return json{{"cluster", cluster_shape((*found)->value)}};
}

Reply list_clusters(Ctx& c) {
  V6K_EKS_TRY(all, or_server(load_clusters(c.store)));
  std::vector<std::string> names;
  for (const auto& l : *all) names.push_back(l.value.name);
  std::sort(names.begin(), names.end());
  return page(c.request, names, "clusters");
}

Reply delete_cluster(Ctx& c, const std::string& name) {
  std::lock_guard lock(c.write_mu);
  for (int attempt = 0; attempt < 5; ++attempt) {
    V6K_EKS_TRY(found, or_server(load_cluster(c.store, name)));
    if (!*found) return std::unexpected(cluster_not_found(name));
    ClusterRecord rec = (*found)->value;
    V6K_EKS_TRY(groups, or_server(load_nodegroups(c.store, name)));
    if (!groups->empty())
      return std::unexpected(ApiError{409, "ResourceInUseException", "Cluster has nodegroups attached", name,
                                      groups->front().value.name});
    if (rec.status == "DELETING") return json{{"cluster", cluster_shape(rec)}};
    rec.status = "DELETING";
    auto up = c.store.update(cluster_key(name), json(rec).dump(), (*found)->revision);
    if (!up && up.error().code() == ESTALE) continue;  // the worker moved it meanwhile
    if (!up && up.error().code() == ENOENT) return std::unexpected(cluster_not_found(name));
    if (!up) return std::unexpected(server_error(up.error()));
    c.wake();
    return json{{"cluster", cluster_shape(rec)}};
  }
  return std::unexpected(ApiError{409, "ResourceInUseException", "Cluster " + name + " is being changed; retry.",
                                  name, ""});
}

}  // namespace v6k::eks
