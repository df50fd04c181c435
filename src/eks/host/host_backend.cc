#include "eks/host/host_backend.h"

namespace v6k::eks::host {

namespace {

FleetSpec fleet_spec(const NodegroupSpec& s) {
  FleetSpec f;
  f.cluster = s.cluster.name;
  f.nodegroup = s.name;
  f.version = s.cluster.version;
  f.service_cidr = s.cluster.service_cidr;
  f.ipv6 = s.cluster.ip_family == "ipv6";
  f.subnets = s.subnets;
  if (!s.instance_types.empty()) f.instance_type = s.instance_types.front();
  f.ami_type = s.ami_type;
  f.ssh_key = s.ssh_key;
  if (!s.cluster.cluster_security_group_id.empty())
    f.security_group_ids.push_back(s.cluster.cluster_security_group_id);
  if (!s.remote_access_security_group_id.empty()) f.security_group_ids.push_back(s.remote_access_security_group_id);
  f.desired = s.desired;
  for (const auto& [k, v] : s.labels) f.labels[k] = v;
  f.taints = s.taints;
  f.asg_name = s.asg_name;
  return f;
}

}  // namespace

HostBackend::HostBackend(HostBackendOptions o)
    : o_(std::move(o)),
      planes_({.store_path = o_.store_path, .verify_aws_token = o_.verify_aws_token}),
      fleet_({.ec2 = o_.ec2, .planes = &planes_, .supervisor = &supervisor_, .v6k_binary = o_.v6k_binary,
              .state_dir = o_.state_dir}) {}

HostBackend::~HostBackend() { shutdown(); }

void HostBackend::shutdown() {
  supervisor_.stop_all();
  planes_.stop_all();
}

Result<ClusterAccess> HostBackend::start_cluster(const ClusterSpec& spec) {
  auto a = planes_.start({.name = spec.name, .version = spec.version, .service_cidr = spec.service_cidr,
                          .creator_arn = spec.creator_arn});
  if (!a) return fail(a.error());
  return ClusterAccess{.endpoint = a->endpoint, .ca_pem = a->ca_pem};
}

Result<> HostBackend::stop_cluster(const ClusterSpec& spec, bool delete_data) {
  return planes_.stop(spec.name, delete_data);
}

Result<std::vector<std::string>> HostBackend::start_nodegroup(const NodegroupSpec& spec) {
  return fleet_.launch(fleet_spec(spec));
}

Result<int> HostBackend::ready_nodes(const NodegroupSpec& spec) { return fleet_.ready_nodes(fleet_spec(spec)); }

Result<> HostBackend::delete_nodegroup(const NodegroupSpec& spec) { return fleet_.remove(fleet_spec(spec)); }

}  // namespace v6k::eks::host
