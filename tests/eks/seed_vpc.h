// The EC2 side the EKS tests stand on, made with the real aws CLI: the seed's IPv6 VPC
// (10.0.0.0/16 + an Amazon-provided /56) with two subnets in two zones that auto-assign
// IPv6, a third subnet that does not, and a key pair.
//
//   SeedVpc v = make_seed_vpc(region);   // v.subnet1, v.subnet2, v.no_auto6, v.vpc_id
#pragma once

#include <string>

#include "harness.h"

namespace v6k::eks::testing {

struct SeedVpc {
  std::string vpc_id, subnet1, subnet2, no_auto6, key_name = "blog-key";
};

inline SeedVpc make_seed_vpc(Region& r) {
  SeedVpc v;
  json vpc = r.aws_json({"ec2", "create-vpc", "--cidr-block", "10.0.0.0/16", "--amazon-provided-ipv6-cidr-block"});
  v.vpc_id = vpc["Vpc"]["VpcId"];
  std::string six = vpc["Vpc"]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"];
  std::string base = six.substr(0, six.find("::"));  // 2001:db8:0:100
  std::string stem = base.substr(0, base.size() - 1);
  auto subnet = [&](const char* cidr, const std::string& net6, const char* zone) {
    json s = r.aws_json({"ec2", "create-subnet", "--vpc-id", v.vpc_id, "--cidr-block", cidr, "--ipv6-cidr-block",
                         net6, "--availability-zone", zone});
    return s["Subnet"]["SubnetId"].get<std::string>();
  };
  v.subnet1 = subnet("10.0.0.0/24", base + "::/64", "us-west-2a");
  v.subnet2 = subnet("10.0.1.0/24", stem + "1::/64", "us-west-2b");
  v.no_auto6 = subnet("10.0.2.0/24", stem + "2::/64", "us-west-2c");
  for (const auto& s : {v.subnet1, v.subnet2})
    r.aws_json({"ec2", "modify-subnet-attribute", "--subnet-id", s, "--assign-ipv6-address-on-creation"});
  r.aws_json({"ec2", "create-key-pair", "--key-name", v.key_name});
  return v;
}

}  // namespace v6k::eks::testing
