// AssociateVpcCidrBlock: gives a VPC that has none an Amazon-provided IPv6 /56 from the
// region's pool, allocated exactly as CreateVpc does. A VPC here holds at most one IPv6
// block and only its primary IPv4 CIDR, so secondary blocks are refused with a clear code.
#include "ec2/ops.h"

namespace v6k::ec2 {

OpResult associate_vpc_cidr_block(OpContext& c) {
  auto vpc_id = required(c.params, "VpcId");
  if (!vpc_id) return std::unexpected(vpc_id.error());
  auto amazon = optional_bool(c.params, "AmazonProvidedIpv6CidrBlock");
  if (!amazon) return std::unexpected(amazon.error());
  for (const char* p : {"CidrBlock", "Ipv4IpamPoolId", "Ipv4NetmaskLength"})
    if (c.params.get(p))
      return std::unexpected(api_error("UnsupportedOperation", "Secondary IPv4 CIDR blocks are not supported by this "
                                       "region: a VPC keeps the IPv4 CIDR it was created with."));
  for (const char* p : {"Ipv6CidrBlock", "Ipv6Pool", "Ipv6IpamPoolId", "Ipv6NetmaskLength"})
    if (c.params.get(p))
      return std::unexpected(api_error("UnsupportedOperation", "Only Amazon-provided IPv6 CIDR blocks "
                                       "(AmazonProvidedIpv6CidrBlock) are supported by this region."));
  if (!amazon->value_or(false))
    return std::unexpected(api_error("MissingParameter", "Either 'amazonProvidedIpv6CidrBlock' or 'cidrBlock' should "
                                     "be provided."));
  if (auto group = c.params.get("Ipv6CidrBlockNetworkBorderGroup"); group && *group != c.region.region)
    return std::unexpected(api_error("InvalidParameterValue", "Value (" + *group + ") for parameter "
                                     "Ipv6CidrBlockNetworkBorderGroup is invalid. The network border group of this "
                                     "region is " + c.region.region + "."));

  auto kv = c.store.get(vpc_key(*vpc_id));
  if (!kv) {
    if (kv.error().code() == ENOENT)
      return std::unexpected(api_error("InvalidVpcID.NotFound", "The vpc ID '" + *vpc_id + "' does not exist"));
    return std::unexpected(internal_error(kv.error()));
  }
  auto vpc = vpc_from_json(kv->value);
  if (!vpc) return std::unexpected(internal_error(vpc.error()));
  if (vpc->ipv6)
    return std::unexpected(api_error("CidrLimitExceeded", "This network '" + *vpc_id + "' has met its maximum number "
                                     "of allowed IPv6 CIDRs: 1"));
  auto vpcs = load_vpcs(c.store);
  if (!vpcs) return std::unexpected(vpcs.error());
  auto block = allocate_vpc_block(c.region, *vpcs);
  if (!block) return std::unexpected(block.error());
  vpc->ipv6 = Ipv6Block{*block, new_id("vpc-cidr-assoc")};
  if (auto r = c.store.update(vpc_key(vpc->id), to_json(*vpc).dump(), kv->mod_revision); !r)
    return std::unexpected(internal_error(r.error()));
  c.touch(vpc->id);
  Ipv6Block b = *vpc->ipv6;
  std::string id = vpc->id;
  std::string border = c.region.region;
  return [b, id, border](aws::XmlWriter& w) {
    w.start("ipv6CidrBlockAssociation");
    w.leaf("associationId", b.association_id);
    w.leaf("ipv6CidrBlock", b.cidr.to_string());
    w.start("ipv6CidrBlockState");
    w.leaf("state", "associating");
    w.end();
    w.leaf("networkBorderGroup", border);
    w.leaf("ipv6Pool", "Amazon");
    w.end();
    w.leaf("vpcId", id);
  };
}

}  // namespace v6k::ec2
