#include "ec2/inst_xml.h"

#include "ec2/ops.h"

namespace v6k::ec2 {
namespace {

void write_groups(aws::XmlWriter& w, const std::vector<std::string>& ids, const GroupNames& groups) {
  w.start("groupSet");
  for (const auto& id : ids) {
    w.start("item");
    w.leaf("groupId", id);
    auto it = groups.find(id);
    w.leaf("groupName", it == groups.end() ? std::string_view() : std::string_view(it->second));
    w.end();
  }
  w.end();
}

// An interface's addresses as text, formatted once per response item.
struct EniText {
  std::string private_ip;
  std::string public_ip;  // "" when none
  std::string dns;
  EniText(const NetworkInterface& e, const RegionConfig& region)
      : private_ip(e.private_ipv4.to_string()),
        public_ip(e.public_ipv4 ? e.public_ipv4->to_string() : std::string()),
        dns(private_dns_name(e.private_ipv4, region.region)) {}
};

// Custom VPCs start with DNS hostnames off, so a public address has no public DNS name.
void write_association(aws::XmlWriter& w, const EniText& t) {
  if (t.public_ip.empty()) return;
  w.start("association");
  w.leaf("publicIp", t.public_ip);
  w.leaf("publicDnsName", "");
  w.leaf("ipOwnerId", "amazon");
  w.end();
}

// The primary first, then the secondaries (AssignPrivateIpAddresses) with primary false and
// no association: the public address is NATed to the primary only.
void write_private_addresses(aws::XmlWriter& w, const NetworkInterface& e, const EniText& t,
                             const RegionConfig& region) {
  w.start("privateIpAddressesSet");
  w.start("item");
  w.leaf("privateIpAddress", t.private_ip);
  w.leaf("privateDnsName", t.dns);
  w.leaf("primary", "true");
  write_association(w, t);
  w.end();
  for (const auto& a : e.ipv4_secondaries) {
    w.start("item");
    w.leaf("privateIpAddress", a.to_string());
    w.leaf("privateDnsName", private_dns_name(a, region.region));
    w.leaf("primary", "false");
    w.end();
  }
  w.end();
}

void write_ipv6(aws::XmlWriter& w, const NetworkInterface& e) {
  w.start("ipv6AddressesSet");
  for (const auto& a : e.ipv6_addresses) {
    w.start("item");
    w.leaf("ipv6Address", a.to_string());
    w.leaf("isPrimaryIpv6", "false");
    w.end();
  }
  w.end();
  if (e.ipv6_prefixes.empty()) return;
  w.start("ipv6PrefixSet");
  for (const auto& p : e.ipv6_prefixes) {
    w.start("item");
    w.leaf("ipv6Prefix", p.to_string());
    w.end();
  }
  w.end();
}

// One networkInterfaceSet item of an instance (botocore InstanceNetworkInterface).
void write_instance_eni(aws::XmlWriter& w, const NetworkInterface& e, const EniText& t, const Instance& inst,
                        const GroupNames& groups, const RegionConfig& region) {
  w.start("item");
  w.leaf("networkInterfaceId", e.id);
  w.leaf("subnetId", e.subnet_id);
  w.leaf("vpcId", e.vpc_id);
  w.leaf("description", e.description);
  w.leaf("ownerId", region.account_id);
  w.leaf("status", e.status);
  w.leaf("macAddress", e.mac);
  w.leaf("privateIpAddress", t.private_ip);
  w.leaf("privateDnsName", t.dns);
  w.leaf("sourceDestCheck", "true");
  write_groups(w, e.security_group_ids, groups);
  w.start("attachment");
  w.leaf("attachmentId", e.attachment_id);
  w.leaf("deviceIndex", static_cast<long long>(e.device_index));
  w.leaf("status", "attached");
  w.leaf("attachTime", inst.launch_time);
  w.leaf("deleteOnTermination", "true");
  w.leaf("networkCardIndex", "0");
  w.end();
  write_association(w, t);
  write_private_addresses(w, e, t, region);
  write_ipv6(w, e);
  w.leaf("interfaceType", "interface");
  w.end();
}

bool is_arm(const std::string& architecture) { return architecture == "arm64"; }

}  // namespace

int instance_state_code(std::string_view state) {
  if (state == "pending") return 0;
  if (state == "running") return 16;
  if (state == "shutting-down") return 32;
  if (state == "terminated") return 48;
  if (state == "stopping") return 64;
  if (state == "stopped") return 80;
  return 16;
}

void write_instance_state(aws::XmlWriter& w, std::string_view element, std::string_view state) {
  w.start(element);
  w.leaf("code", static_cast<long long>(instance_state_code(state)));
  w.leaf("name", state);
  w.end();
}

void write_instance(aws::XmlWriter& w, const Instance& inst, const std::vector<const NetworkInterface*>& enis,
                    const GroupNames& groups, const RegionConfig& region, std::string_view state) {
  if (state.empty()) state = inst.state;
  const NetworkInterface* primary = enis.empty() ? nullptr : enis.front();
  std::vector<EniText> texts;
  texts.reserve(enis.size());
  for (const auto* e : enis) texts.emplace_back(*e, region);
  const bool gone = inst.state == "terminated";
  w.start("item");
  w.leaf("instanceId", inst.id);
  w.leaf("imageId", inst.image_id);
  write_instance_state(w, "instanceState", state);
  w.leaf("privateDnsName", primary ? std::string_view(texts.front().dns) : std::string_view());
  w.leaf("dnsName", "");
  w.leaf("reason", gone ? "User initiated" : "");
  if (!inst.key_name.empty()) w.leaf("keyName", inst.key_name);
  w.leaf("amiLaunchIndex", static_cast<long long>(inst.ami_launch_index));
  w.start("productCodes").end();
  w.leaf("instanceType", inst.instance_type);
  w.leaf("launchTime", inst.launch_time);
  w.start("placement");
  w.leaf("availabilityZone", inst.availability_zone);
  w.leaf("groupName", "");
  w.leaf("tenancy", "default");
  w.end();
  w.start("monitoring");
  w.leaf("state", "disabled");
  w.end();
  if (primary) {
    w.leaf("subnetId", inst.subnet_id);
    w.leaf("vpcId", inst.vpc_id);
    w.leaf("privateIpAddress", texts.front().private_ip);
    if (primary->public_ipv4) w.leaf("ipAddress", texts.front().public_ip);
  }
  w.leaf("sourceDestCheck", "true");
  write_groups(w, gone ? std::vector<std::string>{} : inst.security_group_ids, groups);
  if (gone) {
    w.start("stateReason");
    w.leaf("code", "Client.UserInitiatedShutdown");
    w.leaf("message", "Client.UserInitiatedShutdown: User initiated shutdown");
    w.end();
  }
  w.leaf("architecture", inst.architecture);
  w.leaf("rootDeviceType", "ebs");
  w.leaf("rootDeviceName", "/dev/xvda");
  w.start("blockDeviceMapping").end();
  w.leaf("virtualizationType", "hvm");
  w.leaf("clientToken", inst.client_token);
  write_tags(w, inst.tags);
  w.leaf("hypervisor", "xen");
  w.start("networkInterfaceSet");
  for (size_t n = 0; n < enis.size(); ++n) write_instance_eni(w, *enis[n], texts[n], inst, groups, region);
  w.end();
  w.leaf("ebsOptimized", "false");
  w.leaf("enaSupport", "true");
  w.start("cpuOptions");
  w.leaf("coreCount", "1");
  w.leaf("threadsPerCore", is_arm(inst.architecture) ? "1" : "2");
  w.end();
  w.start("capacityReservationSpecification");
  w.leaf("capacityReservationPreference", "open");
  w.end();
  w.start("hibernationOptions");
  w.leaf("configured", "false");
  w.end();
  w.start("metadataOptions");
  w.leaf("state", "applied");
  w.leaf("httpTokens", "optional");
  w.leaf("httpPutResponseHopLimit", "1");
  w.leaf("httpEndpoint", "enabled");
  w.leaf("httpProtocolIpv6", "disabled");
  w.leaf("instanceMetadataTags", "disabled");
  w.end();
  w.start("enclaveOptions");
  w.leaf("enabled", "false");
  w.end();
  w.leaf("platformDetails", "Linux/UNIX");
  w.leaf("usageOperation", "RunInstances");
  w.leaf("usageOperationUpdateTime", inst.launch_time);
  w.start("privateDnsNameOptions");
  w.leaf("hostnameType", "ip-name");
  w.leaf("enableResourceNameDnsARecord", "false");
  w.leaf("enableResourceNameDnsAAAARecord", "false");
  w.end();
  if (primary && !primary->ipv6_addresses.empty()) w.leaf("ipv6Address", primary->ipv6_addresses.front().to_string());
  w.start("maintenanceOptions");
  w.leaf("autoRecovery", "default");
  w.end();
  w.leaf("currentInstanceBootMode", is_arm(inst.architecture) ? "uefi" : "legacy-bios");
  w.end();
}

void write_network_interface(aws::XmlWriter& w, const NetworkInterface& e, const GroupNames& groups,
                             const RegionConfig& region, const std::string& attach_time) {
  const EniText t(e, region);
  w.start("item");
  w.leaf("networkInterfaceId", e.id);
  w.leaf("subnetId", e.subnet_id);
  w.leaf("vpcId", e.vpc_id);
  w.leaf("availabilityZone", e.availability_zone);
  w.leaf("description", e.description);
  w.leaf("ownerId", region.account_id);
  w.leaf("requesterManaged", "false");
  w.leaf("status", e.status);
  w.leaf("macAddress", e.mac);
  w.leaf("privateIpAddress", t.private_ip);
  w.leaf("privateDnsName", t.dns);
  w.leaf("sourceDestCheck", "true");
  write_groups(w, e.security_group_ids, groups);
  if (!e.instance_id.empty()) {
    w.start("attachment");
    w.leaf("attachmentId", e.attachment_id);
    w.leaf("instanceId", e.instance_id);
    w.leaf("instanceOwnerId", region.account_id);
    w.leaf("deviceIndex", static_cast<long long>(e.device_index));
    w.leaf("status", "attached");
    w.leaf("attachTime", attach_time);
    w.leaf("deleteOnTermination", "true");
    w.leaf("networkCardIndex", "0");
    w.end();
  }
  write_association(w, t);
  write_tags(w, e.tags);
  write_private_addresses(w, e, t, region);
  write_ipv6(w, e);
  w.leaf("interfaceType", "interface");
  w.leaf("ipv6Native", "false");
  w.end();
}

}  // namespace v6k::ec2
