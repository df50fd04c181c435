// RunInstances, DescribeInstances, TerminateInstances.
//
// An instance is stored under kInstancePrefix with its one network interface (device 0)
// under kEniPrefix; both are written in one commit, and TerminateInstances deletes the
// interface (freeing its addresses) in the same commit that marks the instance terminated.
// Instances are "running" the moment RunInstances returns (the fabric realises them while
// the call is still holding the writer lock); the response says "pending", as EC2's does.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <set>
#include <unordered_map>

#include "ec2/inst_alloc.h"
#include "ec2/inst_launch.h"
#include "ec2/inst_query.h"
#include "ec2/inst_xml.h"
#include "ec2/ops.h"

namespace v6k::ec2 {
namespace {

using EniMap = std::unordered_map<std::string, EniPtr>;

std::string launch_time_now() {
  // EC2 reports launch times to the second (".000Z").
  return aws::iso8601(std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()));
}

// The order DescribeInstances lists instances in (and pages by): launch order, then the
// reservation, then the launch index, so a reservation's instances stay together.
std::string sort_key(const Instance& i) {
  char index[16];
  std::snprintf(index, sizeof index, "%06d", i.ami_launch_index);
  return i.launch_time + "|" + i.reservation_id + "|" + index + "|" + i.id;
}

std::vector<const NetworkInterface*> enis_of(const Instance& i, const EniMap& enis) {
  std::vector<const NetworkInterface*> out;
  if (i.state == "terminated") return out;
  for (const auto& id : i.network_interface_ids)
    if (auto it = enis.find(id); it != enis.end()) out.push_back(it->second.get());
  return out;
}

std::optional<std::vector<std::string>> instance_filter_values(const Instance& i,
                                                               const std::vector<const NetworkInterface*>& enis,
                                                               const GroupNames& groups, const RegionConfig& region,
                                                               const std::string& name) {
  using V = std::vector<std::string>;
  const NetworkInterface* primary = enis.empty() ? nullptr : enis.front();
  auto each_eni = [&](auto&& fn) {
    V out;
    for (const auto* e : enis) fn(*e, out);
    return out;
  };
  if (name == "instance-id") return V{i.id};
  if (name == "instance-state-name") return V{i.state};
  if (name == "instance-state-code") return V{std::to_string(instance_state_code(i.state))};
  if (name == "reservation-id") return V{i.reservation_id};
  if (name == "owner-id") return V{region.account_id};
  if (name == "image-id") return V{i.image_id};
  if (name == "instance-type") return V{i.instance_type};
  if (name == "key-name") return i.key_name.empty() ? V{} : V{i.key_name};
  if (name == "availability-zone") return V{i.availability_zone};
  if (name == "architecture") return V{i.architecture};
  if (name == "client-token") return V{i.client_token};
  if (name == "launch-time") return V{i.launch_time};
  if (name == "launch-index" || name == "ami-launch-index") return V{std::to_string(i.ami_launch_index)};
  if (name == "tenancy" || name == "placement.tenancy") return V{"default"};
  if (name == "root-device-type") return V{"ebs"};
  if (name == "root-device-name") return V{"/dev/xvda"};
  if (name == "virtualization-type") return V{"hvm"};
  if (name == "hypervisor") return V{"xen"};
  if (name == "monitoring-state") return V{"disabled"};
  if (name == "platform-details") return V{"Linux/UNIX"};
  if (name == "vpc-id") return primary ? V{i.vpc_id} : V{};
  if (name == "subnet-id") return primary ? V{i.subnet_id} : V{};
  if (name == "private-ip-address") return primary ? V{primary->private_ipv4.to_string()} : V{};
  if (name == "private-dns-name") return primary ? V{private_dns_name(primary->private_ipv4, region.region)} : V{};
  if (name == "ip-address")
    return primary && primary->public_ipv4 ? V{primary->public_ipv4->to_string()} : V{};
  if (name == "dns-name") return V{};
  if (name == "instance.group-id" || name == "group-id") return primary ? i.security_group_ids : V{};
  if (name == "instance.group-name" || name == "group-name") {
    V out;
    if (primary)
      for (const auto& g : i.security_group_ids)
        if (auto it = groups.find(g); it != groups.end()) out.push_back(it->second);
    return out;
  }
  if (name == "network-interface.network-interface-id")
    return each_eni([](const NetworkInterface& e, V& out) { out.push_back(e.id); });
  if (name == "network-interface.subnet-id")
    return each_eni([](const NetworkInterface& e, V& out) { out.push_back(e.subnet_id); });
  if (name == "network-interface.vpc-id")
    return each_eni([](const NetworkInterface& e, V& out) { out.push_back(e.vpc_id); });
  if (name == "network-interface.mac-address")
    return each_eni([](const NetworkInterface& e, V& out) { out.push_back(e.mac); });
  if (name == "network-interface.status")
    return each_eni([](const NetworkInterface& e, V& out) { out.push_back(e.status); });
  if (name == "network-interface.description")
    return each_eni([](const NetworkInterface& e, V& out) { out.push_back(e.description); });
  if (name == "network-interface.attachment.attachment-id")
    return each_eni([](const NetworkInterface& e, V& out) { out.push_back(e.attachment_id); });
  if (name == "network-interface.attachment.instance-id")
    return each_eni([](const NetworkInterface& e, V& out) { out.push_back(e.instance_id); });
  if (name == "network-interface.attachment.device-index")
    return each_eni([](const NetworkInterface& e, V& out) { out.push_back(std::to_string(e.device_index)); });
  if (name == "network-interface.attachment.status")
    return each_eni([](const NetworkInterface&, V& out) { out.push_back("attached"); });
  if (name == "network-interface.group-id")
    return each_eni([](const NetworkInterface& e, V& out) {
      out.insert(out.end(), e.security_group_ids.begin(), e.security_group_ids.end());
    });
  if (name == "network-interface.addresses.private-ip-address" || name == "network-interface.private-ip-address")
    return each_eni([](const NetworkInterface& e, V& out) { out.push_back(e.private_ipv4.to_string()); });
  if (name == "network-interface.private-dns-name")
    return each_eni([&](const NetworkInterface& e, V& out) {
      out.push_back(private_dns_name(e.private_ipv4, region.region));
    });
  if (name == "network-interface.addresses.association.public-ip" || name == "association.public-ip")
    return each_eni([](const NetworkInterface& e, V& out) {
      if (e.public_ipv4) out.push_back(e.public_ipv4->to_string());
    });
  if (name == "network-interface.ipv6-addresses.ipv6-address" || name == "network-interface.ipv6-address" ||
      name == "ipv6-address")
    return each_eni([](const NetworkInterface& e, V& out) {
      for (const auto& a : e.ipv6_addresses) out.push_back(a.to_string());
    });
  bool known = false;
  auto tags = tag_filter_values(i.tags, name, &known);
  if (known) return tags;
  return std::nullopt;
}

// What a RunInstances or DescribeInstances response shows: instances in order, grouped into
// reservations, with the interfaces and group names they refer to.
struct InstancesView {
  std::vector<InstancePtr> instances;
  EniMap enis;
  GroupNames groups;
  RegionConfig region;
  std::string next_token;
};

void write_reservation_start(aws::XmlWriter& w, const std::string& reservation_id, const std::string& owner) {
  w.leaf("reservationId", reservation_id);
  w.leaf("ownerId", owner);
  w.start("groupSet").end();
}

// The RunInstances response: one reservation.
BodyWriter launch_response(std::shared_ptr<const InstancesView> v, std::string state) {
  return [v, state](aws::XmlWriter& w) {
    write_reservation_start(w, v->instances.front()->reservation_id, v->region.account_id);
    w.start("instancesSet");
    for (const auto& i : v->instances) write_instance(w, *i, enis_of(*i, v->enis), v->groups, v->region, state);
    w.end();
  };
}

EniMap eni_map(const std::vector<EniPtr>& enis) {
  EniMap out;
  out.reserve(enis.size());
  for (const auto& e : enis) out.emplace(e->id, e);
  return out;
}

// ClientToken: a retried RunInstances gets the reservation its first call made.
std::expected<std::vector<InstancePtr>, ApiError> instances_with_token(store::Store& s, const std::string& token) {
  auto all = load_instances(s);
  if (!all) return std::unexpected(all.error());
  std::string reservation;
  for (const auto& i : *all)
    if (i->client_token == token) reservation = i->reservation_id;
  std::vector<InstancePtr> out;
  if (reservation.empty()) return out;
  for (const auto& i : *all)
    if (i->reservation_id == reservation) out.push_back(i);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return sort_key(*a) < sort_key(*b); });
  return out;
}

// The security groups a launch uses: those named (by id or name, all in the subnet's VPC),
// else the VPC's default group.
std::expected<std::vector<std::string>, ApiError> resolve_groups(store::Store& s, const LaunchRequest& req,
                                                                 const Subnet& subnet, GroupNames& names) {
  auto all = load_all<SecurityGroup>(s, kSecurityGroupPrefix, "security group");
  if (!all) return std::unexpected(all.error());
  std::vector<std::string> out;
  auto add = [&](const std::string& id) {
    if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
  };
  for (const auto& id : req.group_ids) {
    if (auto r = check_id_format(id, "sg", "InvalidGroupId.Malformed"); !r) return std::unexpected(r.error());
    auto it = std::find_if(all->begin(), all->end(), [&](const SecurityGroup& g) { return g.id == id; });
    if (it == all->end())
      return std::unexpected(api_error("InvalidGroup.NotFound", "The security group '" + id + "' does not exist"));
    if (it->vpc_id != subnet.vpc_id)
      return std::unexpected(api_error("InvalidParameter", "Security group " + id + " and subnet " + subnet.id +
                                       " belong to different networks."));
    add(id);
  }
  for (const auto& name : req.group_names) {
    auto it = std::find_if(all->begin(), all->end(),
                           [&](const SecurityGroup& g) { return g.name == name && g.vpc_id == subnet.vpc_id; });
    if (it == all->end())
      return std::unexpected(api_error("InvalidGroup.NotFound", "The security group '" + name +
                                       "' does not exist in VPC '" + subnet.vpc_id + "'"));
    add(it->id);
  }
  if (out.empty())
    for (const auto& g : *all)
      if (g.is_default && g.vpc_id == subnet.vpc_id) add(g.id);
  for (const auto& g : *all) names.emplace(g.id, g.name);
  return out;
}

std::expected<Subnet, ApiError> load_launch_subnet(store::Store& s, const LaunchRequest& req,
                                                   const RegionConfig& region) {
  if (req.subnet_id.empty())
    return std::unexpected(api_error("VPCIdNotSpecified", "No default VPC for this user"));
  if (auto r = check_id_format(req.subnet_id, "subnet", "InvalidSubnetID.Malformed"); !r)
    return std::unexpected(r.error());
  auto loaded_subnet = load_subnet(s, req.subnet_id);
  if (!loaded_subnet) return std::unexpected(loaded_subnet.error());
  const Subnet* subnet = &loaded_subnet->value;
  if (!req.placement_zone.empty()) {
    if (!region.has_zone(req.placement_zone))
      return std::unexpected(api_error("InvalidParameterValue", "Invalid availability zone: [" + req.placement_zone + "]"));
    if (req.placement_zone != subnet->availability_zone)
      return std::unexpected(api_error("InvalidParameterValue", "Value (" + req.placement_zone +
                                       ") for parameter availabilityZone is invalid. Subnet " + subnet->id +
                                       " is in availability zone " + subnet->availability_zone + "."));
  }
  const bool wants_v6 = req.ipv6_count.value_or(0) > 0 || !req.ipv6_addresses.empty() ||
                        req.prefix_count.value_or(0) > 0 || !req.prefixes.empty();
  if (wants_v6 && !subnet->ipv6)
    return std::unexpected(api_error("InvalidParameterValue", "The subnet '" + subnet->id +
                                     "' does not have an IPv6 CIDR block, so IPv6 addresses and prefixes cannot be "
                                     "assigned to instances launched in it."));
  return std::move(loaded_subnet->value);
}

ApiError claim_error(AddressClaim c, const std::string& address, const std::string& what) {
  switch (c) {
    case AddressClaim::kOutside:
      return api_error("InvalidParameterValue", "Address " + address + " does not fall within the subnet's " + what + ".");
    case AddressClaim::kReserved:
      return api_error("InvalidParameterValue", "Address " + address + " is reserved by AWS in this subnet.");
    default:
      return api_error("InvalidIPAddress.InUse", "Address " + address + " is in use.");
  }
}

// Addresses for up to req.max_count interfaces, stopping at the first that cannot be
// served; the caller compares what it got with MinCount.
struct InterfaceAddresses {
  addr::Ipv4Address private_ipv4;
  std::optional<addr::Ipv4Address> public_ipv4;
  std::vector<addr::Ipv6Address> ipv6;
  std::vector<addr::Ipv6Prefix> prefixes;
};

std::expected<std::vector<InterfaceAddresses>, ApiError> allocate(const LaunchRequest& req, const Subnet& subnet,
                                                                  const std::vector<EniPtr>& enis,
                                                                  const RegionConfig& region) {
  SubnetAddresses subnet_addresses(subnet, enis);
  const bool public_ip = req.associate_public_ip.value_or(subnet.map_public_ip_on_launch);
  std::optional<PublicIpv4Pool> pool;
  if (public_ip) pool.emplace(region.public_ipv4_pool, enis);
  const long long v6_count = req.ipv6_count ? *req.ipv6_count
                             : !req.ipv6_addresses.empty() ? 0
                             : subnet.assign_ipv6_address_on_creation ? 1 : 0;
  const long long prefix_count = req.prefix_count.value_or(0);

  // Specific addresses (only with MaxCount 1) are claimed first: a clash is the caller's error.
  InterfaceAddresses first;
  if (req.private_ip) {
    if (auto c = subnet_addresses.claim_ipv4(*req.private_ip); c != AddressClaim::kOk)
      return std::unexpected(claim_error(c, req.private_ip->to_string(), "address range"));
    first.private_ipv4 = *req.private_ip;
  }
  for (const auto& a : req.ipv6_addresses) {
    if (auto c = subnet_addresses.claim_ipv6(a); c != AddressClaim::kOk)
      return std::unexpected(claim_error(c, a.to_string(), "IPv6 CIDR block"));
    first.ipv6.push_back(a);
  }
  for (const auto& p : req.prefixes) {
    if (auto c = subnet_addresses.claim_prefix80(p); c != AddressClaim::kOk)
      return std::unexpected(claim_error(c, p.to_string(), "IPv6 CIDR block"));
    first.prefixes.push_back(p);
  }

  std::vector<InterfaceAddresses> out;
  ApiError shortage = api_error("InsufficientFreeAddressesInSubnet", "There are not enough free addresses in subnet '" +
                                subnet.id + "' to satisfy the requested number of instances.");
  for (long long n = 0; n < req.max_count; ++n) {
    InterfaceAddresses a = n == 0 ? first : InterfaceAddresses{};
    if (!(n == 0 && req.private_ip)) {
      auto v4 = subnet_addresses.next_ipv4();
      if (!v4) break;
      a.private_ipv4 = *v4;
    }
    if (pool) {
      a.public_ipv4 = pool->next();
      if (!a.public_ipv4) {
        shortage = api_error("AddressLimitExceeded", "The maximum number of addresses has been reached.");
        break;
      }
    }
    bool short_v6 = false;
    for (long long k = 0; k < v6_count && !short_v6; ++k) {
      auto v6 = subnet_addresses.next_ipv6();
      if (v6) a.ipv6.push_back(*v6);
      else short_v6 = true;
    }
    for (long long k = 0; k < prefix_count && !short_v6; ++k) {
      auto p = subnet_addresses.next_prefix80();
      if (p) a.prefixes.push_back(*p);
      else short_v6 = true;
    }
    if (short_v6) break;
    out.push_back(std::move(a));
  }
  if (static_cast<long long>(out.size()) < req.min_count) return std::unexpected(shortage);
  return out;
}

}  // namespace

OpResult run_instances(OpContext& c) {
  auto req = parse_launch_request(c.params);
  if (!req) return std::unexpected(req.error());

  if (!req->client_token.empty()) {
    auto earlier = instances_with_token(c.store, req->client_token);
    if (!earlier) return std::unexpected(earlier.error());
    if (!earlier->empty()) {
      auto view = std::make_shared<InstancesView>();
      view->instances = std::move(*earlier);
      auto enis = load_network_interfaces(c.store);
      if (!enis) return std::unexpected(enis.error());
      view->enis = eni_map(*enis);
      auto groups = load_group_names(c.store);
      if (!groups) return std::unexpected(groups.error());
      view->groups = std::move(*groups);
      view->region = c.region;
      return launch_response(view, "");
    }
  }

  auto subnet = load_launch_subnet(c.store, *req, c.region);
  if (!subnet) return std::unexpected(subnet.error());
  auto view = std::make_shared<InstancesView>();
  view->region = c.region;
  auto groups = resolve_groups(c.store, *req, *subnet, view->groups);
  if (!groups) return std::unexpected(groups.error());
  if (!req->key_name.empty()) {
    auto key = load_one<KeyPair>(c.store, key_of(kKeyPairPrefix, req->key_name), "key pair");
    if (!key) return std::unexpected(key.error());
    if (!*key)
      return std::unexpected(api_error("InvalidKeyPair.NotFound", "The key pair '" + req->key_name + "' does not exist"));
  }
  auto enis = load_network_interfaces(c.store);
  if (!enis) return std::unexpected(enis.error());
  auto addresses = allocate(*req, *subnet, *enis, c.region);
  if (!addresses) return std::unexpected(addresses.error());

  const std::string reservation = new_id("r");
  const std::string launched = launch_time_now();
  const std::string architecture = architecture_for(req->instance_type);
  WriteSet ws;
  for (size_t n = 0; n < addresses->size(); ++n) {
    auto& a = (*addresses)[n];
    Instance i;
    i.id = new_id("i");
    i.reservation_id = reservation;
    i.image_id = req->image_id;
    i.instance_type = req->instance_type;
    i.key_name = req->key_name;
    i.subnet_id = subnet->id;
    i.vpc_id = subnet->vpc_id;
    i.availability_zone = subnet->availability_zone;
    i.state = "running";
    i.launch_time = launched;
    i.ami_launch_index = static_cast<int>(n);
    i.client_token = req->client_token;
    i.security_group_ids = *groups;
    i.architecture = architecture;
    i.tags = req->instance_tags;

    NetworkInterface e;
    e.id = new_id("eni");
    e.subnet_id = subnet->id;
    e.vpc_id = subnet->vpc_id;
    e.availability_zone = subnet->availability_zone;
    e.description = req->eni_description;
    e.mac = new_mac_address();
    e.private_ipv4 = a.private_ipv4;
    e.public_ipv4 = a.public_ipv4;
    e.ipv6_addresses = std::move(a.ipv6);
    e.ipv6_prefixes = std::move(a.prefixes);
    e.security_group_ids = *groups;
    e.instance_id = i.id;
    e.attachment_id = new_id("eni-attach");
    e.device_index = 0;
    e.status = "in-use";
    e.tags = req->eni_tags;
    i.network_interface_ids = {e.id};

    ws.create(key_of(kInstancePrefix, i.id), i);
    ws.create(key_of(kEniPrefix, e.id), e);
    std::string eni_id = e.id;
    view->enis.emplace(std::move(eni_id), std::make_shared<const NetworkInterface>(std::move(e)));
    view->instances.push_back(std::make_shared<const Instance>(std::move(i)));
  }
  if (auto r = ws.commit(c.store); !r) return std::unexpected(r.error());
  c.touch(subnet->vpc_id);
  return launch_response(view, "pending");
}

OpResult describe_instances(OpContext& c) {
  auto filters = parse_filters(c.params);
  if (!filters) return std::unexpected(filters.error());
  auto ids = param_list(c.params, "InstanceId");
  if (!ids) return std::unexpected(ids.error());
  auto page = parse_page_request(c.params);
  if (!page) return std::unexpected(page.error());
  if (page->max_results && !ids->empty())
    return std::unexpected(api_error("InvalidParameterCombination",
                                     "The parameter instancesSet cannot be used with the parameter maxResults"));
  for (const auto& id : *ids)
    if (auto r = check_id_format(id, "i", "InvalidInstanceID.Malformed"); !r) return std::unexpected(r.error());

  auto instances = load_instances(c.store);
  if (!instances) return std::unexpected(instances.error());
  if (!ids->empty()) {
    std::set<std::string> wanted(ids->begin(), ids->end());
    std::set<std::string> stored;
    for (const auto& i : *instances) stored.insert(i->id);
    std::vector<std::string> missing;
    for (const auto& id : wanted)
      if (!stored.count(id)) missing.push_back(id);
    if (!missing.empty()) return std::unexpected(ids_not_found("InvalidInstanceID.NotFound", "instance", missing));
    std::erase_if(*instances, [&](const InstancePtr& i) { return !wanted.count(i->id); });
  }

  auto view = std::make_shared<InstancesView>();
  view->region = c.region;
  auto enis = load_network_interfaces(c.store);
  if (!enis) return std::unexpected(enis.error());
  view->enis = eni_map(*enis);
  auto groups = load_group_names(c.store);
  if (!groups) return std::unexpected(groups.error());
  view->groups = std::move(*groups);

  std::vector<std::pair<std::string, size_t>> order;
  order.reserve(instances->size());
  for (size_t n = 0; n < instances->size(); ++n) order.emplace_back(sort_key(*(*instances)[n]), n);
  std::sort(order.begin(), order.end());
  for (const auto& [key, n] : order) {
    if (page->after && key <= *page->after) continue;
    const Instance& i = *(*instances)[n];
    if (!filters->empty()) {
      auto i_enis = enis_of(i, view->enis);
      auto ok = matches(*filters, [&](const std::string& f) {
        return instance_filter_values(i, i_enis, view->groups, c.region, f);
      });
      if (!ok) return std::unexpected(ok.error());
      if (!*ok) continue;
    }
    if (page->max_results && static_cast<long long>(view->instances.size()) == *page->max_results) {
      view->next_token = page_token(sort_key(*view->instances.back()));
      break;
    }
    view->instances.push_back((*instances)[n]);
  }

  return [view](aws::XmlWriter& w) {
    w.reserve(view->instances.size() * 4096);  // an instance renders to about 3.8 KB
    w.start("reservationSet");
    const auto& list = view->instances;
    for (size_t n = 0; n < list.size();) {
      w.start("item");
      const std::string& reservation = list[n]->reservation_id;
      write_reservation_start(w, reservation, view->region.account_id);
      w.start("instancesSet");
      size_t end = n;
      for (; end < list.size() && list[end]->reservation_id == reservation; ++end)
        write_instance(w, *list[end], enis_of(*list[end], view->enis), view->groups, view->region);
      w.end();
      w.end();
      n = end;
    }
    w.end();
    if (!view->next_token.empty()) w.leaf("nextToken", view->next_token);
  };
}

OpResult terminate_instances(OpContext& c) {
  auto ids = param_list(c.params, "InstanceId");
  if (!ids) return std::unexpected(ids.error());
  if (ids->empty())
    return std::unexpected(api_error("MissingParameter", "The request must contain the parameter InstanceId"));
  std::vector<std::string> unique;
  for (const auto& id : *ids) {
    if (auto r = check_id_format(id, "i", "InvalidInstanceID.Malformed"); !r) return std::unexpected(r.error());
    if (std::find(unique.begin(), unique.end(), id) == unique.end()) unique.push_back(id);
  }

  std::vector<Loaded<Instance>> found;
  std::vector<std::string> missing;
  for (const auto& id : unique) {
    auto i = load_one<Instance>(c.store, key_of(kInstancePrefix, id), "instance");
    if (!i) return std::unexpected(i.error());
    if (!*i) missing.push_back(id);
    else found.push_back(std::move(**i));
  }
  if (!missing.empty()) return std::unexpected(ids_not_found("InvalidInstanceID.NotFound", "instance", missing));

  struct Change {
    std::string id, previous, current;
  };
  std::vector<Change> changes;
  std::vector<std::string> vpcs;
  WriteSet ws;
  for (auto& [inst, revision] : found) {
    if (inst.state == "terminated") {
      changes.push_back({inst.id, "terminated", "terminated"});
      continue;
    }
    changes.push_back({inst.id, inst.state, "shutting-down"});
    for (const auto& eni_id : inst.network_interface_ids) {
      auto e = load_one<NetworkInterface>(c.store, key_of(kEniPrefix, eni_id), "network interface");
      if (!e) return std::unexpected(e.error());
      if (*e) ws.remove(key_of(kEniPrefix, eni_id), (*e)->revision);
    }
    // No shutdown delay here: the instance is gone once this commit lands.
    inst.state = "terminated";
    inst.network_interface_ids.clear();
    ws.update(key_of(kInstancePrefix, inst.id), inst, revision);
    if (std::find(vpcs.begin(), vpcs.end(), inst.vpc_id) == vpcs.end()) vpcs.push_back(inst.vpc_id);
  }
  if (auto r = ws.commit(c.store); !r) return std::unexpected(r.error());
  for (const auto& v : vpcs) c.touch(v);
  return [changes](aws::XmlWriter& w) {
    w.start("instancesSet");
    for (const auto& ch : changes) {
      w.start("item");
      w.leaf("instanceId", ch.id);
      write_instance_state(w, "currentState", ch.current);
      write_instance_state(w, "previousState", ch.previous);
      w.end();
    }
    w.end();
  };
}

}  // namespace v6k::ec2
