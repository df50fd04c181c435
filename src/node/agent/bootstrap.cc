#include "node/agent/bootstrap.h"

#include <sys/utsname.h>

#include <fstream>
#include <map>
#include <sstream>

namespace v6k::node {

namespace {

std::string first_line(const std::string& path) {
  std::ifstream in(path);
  std::string l;
  std::getline(in, l);
  return l;
}

std::string os_pretty_name() {
  std::ifstream in("/etc/os-release");
  for (std::string l; std::getline(in, l);)
    if (l.rfind("PRETTY_NAME=", 0) == 0) {
      std::string v = l.substr(12);
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      return v;
    }
  return "Linux";
}

bool is_80(const std::string& prefix) { return prefix.size() > 3 && prefix.compare(prefix.size() - 3, 3, "/80") == 0; }

}  // namespace

std::pair<int64_t, int64_t> instance_shape(const std::string& t) {
  static const std::map<std::string, std::pair<int64_t, int64_t>> kShapes = {
      {"t3.small", {2, 2}},   {"t3.medium", {2, 4}},  {"t3.large", {2, 8}},   {"m5.large", {2, 8}},
      {"m5.xlarge", {4, 16}}, {"m5.2xlarge", {8, 32}}, {"c5.large", {2, 4}},  {"c5.xlarge", {4, 8}},
      {"m6g.large", {2, 8}},  {"m6g.xlarge", {4, 16}}, {"t4g.medium", {2, 4}}, {"r5.large", {2, 16}}};
  auto it = kShapes.find(t);
  auto s = it == kShapes.end() ? std::pair<int64_t, int64_t>{2, 8} : it->second;
  return {s.first, s.second << 30};
}

Result<NodeIdentity> bootstrap_node(const BootstrapOptions& o) {
  if (!o.ec2) return fail_invalid("node bootstrap: no EC2 client");
  const std::string what = "bootstrapping node " + o.instance_id;
  auto inst = o.ec2->describe_instance(o.instance_id);
  if (!inst) return fail(inst.error().wrap(what));
  if (inst->network_interfaces.empty()) return fail_invalid(what + ": the instance has no network interface");
  const aws::Ec2NetworkInterface& eni = inst->network_interfaces.front();  // sorted: device 0 first
  if (o.ipv6_cluster && eni.ipv6_addresses.empty())
    return fail_invalid(what + ": its network interface " + eni.id +
                        " has no IPv6 address (the subnet must assign IPv6 addresses on creation)");
  NodeIdentity id;
  id.eni_id = eni.id;
  if (!o.ipv6_cluster) {
    for (const auto& a : eni.private_ipv4s)
      if (a != eni.private_ipv4) id.pod_ipv4s.push_back(a);
    auto vpc = o.ec2->describe_vpc(inst->vpc_id);
    if (!vpc) return fail(vpc.error().wrap(what + ": reading its VPC"));
    id.vpc_ipv4_cidrs = vpc->cidr_blocks.empty() ? std::vector<std::string>{vpc->cidr_block} : vpc->cidr_blocks;
  }
  // The /80: the one already delegated to this ENI, or a new one.
  for (const auto& p : eni.ipv6_prefixes)
    if (o.ipv6_cluster && is_80(p)) {
      id.pod_prefix = p;
      break;
    }
  if (o.ipv6_cluster && id.pod_prefix.empty()) {
    auto got = o.ec2->assign_ipv6_prefixes(eni.id, 1);
    if (!got) return fail(got.error().wrap(what + ": delegating a /80 to " + eni.id));
    if (got->prefixes.empty()) return fail_invalid(what + ": AssignIpv6Addresses returned no prefix");
    id.pod_prefix = got->prefixes.front();
  }
  id.instance_id = inst->id;
  id.node_name = inst->private_dns_name.empty() ? inst->id : inst->private_dns_name;
  id.instance_type = inst->instance_type;
  id.architecture = inst->architecture;
  id.region = o.region;
  id.zone = inst->availability_zone;
  id.internal_ipv6 = eni.ipv6_addresses.empty() ? "" : eni.ipv6_addresses.front();
  id.internal_ipv4 = inst->private_ipv4;
  id.external_ipv4 = inst->public_ipv4;
  id.nodegroup = o.nodegroup;
  id.ipv6_cluster = o.ipv6_cluster;
  id.max_pods = o.max_pods;
  std::tie(id.cpu, id.memory_bytes) = instance_shape(inst->instance_type);
  id.kubelet_version = o.kubelet_version;
  utsname u{};
  if (::uname(&u) == 0) id.kernel_version = u.release;
  id.os_image = os_pretty_name();
  id.boot_id = first_line("/proc/sys/kernel/random/boot_id");
  id.machine_id = first_line("/etc/machine-id");
  return id;
}

}  // namespace v6k::node
