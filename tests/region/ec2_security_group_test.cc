// EC2 security groups through the real aws CLI against `v6k serve`: the VPC's default group
// and its rules, creating groups, authorizing and revoking ingress/egress rules (IPv6 and
// IPv4 CIDRs, referenced groups, ICMPv6, the CLI's --protocol/--port/--cidr shortcut and the
// legacy flat wire form), DescribeSecurityGroups' grouped IpPermissions and filters,
// DescribeSecurityGroupRules, deletion rules, and a table of bad inputs that each fail with
// EC2's code and change nothing.
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/region_daemon.h"

namespace {

using nlohmann::json;
using v6k::testing::ExecResult;
using v6k::testing::RegionDaemon;

constexpr const char* kOwner = "123456789012";

class SecurityGroupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = RegionDaemon::unavailable()) GTEST_SKIP() << *why;
    d_ = std::make_unique<RegionDaemon>();
  }

  json aws_json(const std::vector<std::string>& args) { return d_->aws_json(args); }
  ExecResult aws(const std::vector<std::string>& args) { return d_->aws(args); }

  // The EC2 error code of a failed call ("" when it did not fail the way the CLI reports).
  static std::string error_code(const ExecResult& r) { return v6k::testing::aws_error_code(r); }

  std::string create_vpc() {
    json v = aws_json({"ec2", "create-vpc", "--cidr-block", "10.0.0.0/16", "--amazon-provided-ipv6-cidr-block"});
    return v["Vpc"]["VpcId"].get<std::string>();
  }
  std::string create_group(const std::string& vpc, const std::string& name) {
    json g = aws_json({"ec2", "create-security-group", "--vpc-id", vpc, "--group-name", name, "--description", name + " group"});
    return g["GroupId"].get<std::string>();
  }
  json group(const std::string& id) {
    json r = aws_json({"ec2", "describe-security-groups", "--group-ids", id});
    EXPECT_EQ(r["SecurityGroups"].size(), 1u) << r.dump();
    return r["SecurityGroups"].empty() ? json::object() : r["SecurityGroups"][0];
  }
  json vpc_groups(const std::string& vpc) {
    return aws_json({"ec2", "describe-security-groups", "--filters", "Name=vpc-id,Values=" + vpc})["SecurityGroups"];
  }

  std::unique_ptr<RegionDaemon> d_;
};

// The IpPermission of `perms` with this protocol and ports (FromPort absent = -1), or null.
json permission(const json& perms, const std::string& protocol, int from, int to) {
  for (const auto& p : perms)
    if (p["IpProtocol"] == protocol && p.value("FromPort", -1) == from && p.value("ToPort", -1) == to) return p;
  return json();
}

std::vector<std::string> cidrs(const json& perm, const char* list, const char* field) {
  std::vector<std::string> out;
  for (const auto& r : perm[list]) out.push_back(r[field].get<std::string>());
  return out;
}

using Strings = std::vector<std::string>;

TEST_F(SecurityGroupTest, DefaultGroupHasItsRules) {
  std::string vpc = create_vpc();
  json found = aws_json({"ec2", "describe-security-groups", "--filters", "Name=vpc-id,Values=" + vpc,
                         "Name=group-name,Values=default"})["SecurityGroups"];
  ASSERT_EQ(found.size(), 1u) << found.dump();
  const json& g = found[0];
  std::string id = g["GroupId"];
  EXPECT_EQ(id.rfind("sg-", 0), 0u);
  EXPECT_EQ(g["GroupName"], "default");
  EXPECT_EQ(g["Description"], "default VPC security group");
  EXPECT_EQ(g["VpcId"], vpc);
  EXPECT_EQ(g["OwnerId"], kOwner);

  // Ingress: all traffic from the group itself; no ports for protocol -1.
  ASSERT_EQ(g["IpPermissions"].size(), 1u) << g.dump();
  const json& in = g["IpPermissions"][0];
  EXPECT_EQ(in["IpProtocol"], "-1");
  EXPECT_FALSE(in.contains("FromPort"));
  ASSERT_EQ(in["UserIdGroupPairs"].size(), 1u);
  EXPECT_EQ(in["UserIdGroupPairs"][0]["GroupId"], id);
  EXPECT_EQ(in["UserIdGroupPairs"][0]["UserId"], kOwner);
  EXPECT_TRUE(in["IpRanges"].empty());

  // Egress: all traffic to 0.0.0.0/0 and, the VPC having IPv6, to ::/0.
  ASSERT_EQ(g["IpPermissionsEgress"].size(), 1u) << g.dump();
  const json& out = g["IpPermissionsEgress"][0];
  EXPECT_EQ(out["IpProtocol"], "-1");
  EXPECT_EQ(cidrs(out, "IpRanges", "CidrIp"), Strings{"0.0.0.0/0"});
  EXPECT_EQ(cidrs(out, "Ipv6Ranges", "CidrIpv6"), Strings{"::/0"});

  // The same three rows as SecurityGroupRules, each with its own sgr- id.
  json rules = aws_json({"ec2", "describe-security-group-rules", "--filters", "Name=group-id,Values=" + id})["SecurityGroupRules"];
  ASSERT_EQ(rules.size(), 3u) << rules.dump();
  int egress = 0;
  for (const auto& r : rules) {
    EXPECT_EQ(r["SecurityGroupRuleId"].get<std::string>().rfind("sgr-", 0), 0u);
    EXPECT_EQ(r["GroupId"], id);
    EXPECT_EQ(r["GroupOwnerId"], kOwner);
    EXPECT_EQ(r["IpProtocol"], "-1");
    EXPECT_EQ(r["FromPort"], -1);
    egress += r["IsEgress"].get<bool>() ? 1 : 0;
    if (!r["IsEgress"].get<bool>()) {
      EXPECT_EQ(r["ReferencedGroupInfo"]["GroupId"], id);
    }
  }
  EXPECT_EQ(egress, 2);

  ExecResult del = aws({"ec2", "delete-security-group", "--group-id", id});
  EXPECT_EQ(error_code(del), "CannotDelete") << del.err;
  EXPECT_EQ(group(id)["GroupName"], "default");
}

TEST_F(SecurityGroupTest, RuleLifecycle) {
  std::string vpc = create_vpc();
  json created = aws_json({"ec2", "create-security-group", "--vpc-id", vpc, "--group-name", "web", "--description",
                           "web servers", "--tag-specifications",
                           "ResourceType=security-group,Tags=[{Key=Name,Value=web}]"});
  std::string web = created["GroupId"];
  ASSERT_EQ(web.rfind("sg-", 0), 0u);
  EXPECT_EQ(created["Tags"][0]["Value"], "web");
  std::string app = create_group(vpc, "app");

  // A new group: no ingress, egress all traffic to 0.0.0.0/0 only (EC2 adds no ::/0).
  json fresh = group(web);
  EXPECT_EQ(fresh["Description"], "web servers");
  EXPECT_TRUE(fresh["IpPermissions"].empty());
  ASSERT_EQ(fresh["IpPermissionsEgress"].size(), 1u);
  EXPECT_EQ(cidrs(fresh["IpPermissionsEgress"][0], "IpRanges", "CidrIp"), Strings{"0.0.0.0/0"});
  EXPECT_TRUE(fresh["IpPermissionsEgress"][0]["Ipv6Ranges"].empty());

  // The seed's rule: SSH from anywhere over IPv6.
  json seed = aws_json({"ec2", "authorize-security-group-ingress", "--group-id", web, "--ip-permissions",
                        "IpProtocol=tcp,FromPort=22,ToPort=22,Ipv6Ranges=[{CidrIpv6=::/0}]"});
  EXPECT_EQ(seed["Return"], true);
  ASSERT_EQ(seed["SecurityGroupRules"].size(), 1u) << seed.dump();
  const json& sr = seed["SecurityGroupRules"][0];
  EXPECT_EQ(sr["GroupId"], web);
  EXPECT_EQ(sr["IsEgress"], false);
  EXPECT_EQ(sr["IpProtocol"], "tcp");
  EXPECT_EQ(sr["FromPort"], 22);
  EXPECT_EQ(sr["ToPort"], 22);
  EXPECT_EQ(sr["CidrIpv6"], "::/0");

  aws_json({"ec2", "authorize-security-group-ingress", "--group-id", web, "--ip-permissions",
            R"([{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"IpRanges":[{"CidrIp":"0.0.0.0/0","Description":"ssh v4"}]},
                {"IpProtocol":"6","FromPort":8080,"ToPort":8080,"UserIdGroupPairs":[{"GroupId":")" + app + R"("}]}])"});
  json icmp = aws_json({"ec2", "authorize-security-group-ingress", "--group-id", web, "--ip-permissions",
                        "IpProtocol=icmpv6,Ipv6Ranges=[{CidrIpv6=2001:db8::/32}]"});
  ASSERT_EQ(icmp["SecurityGroupRules"].size(), 1u);
  EXPECT_EQ(icmp["SecurityGroupRules"][0]["FromPort"], -1);
  std::string icmp_rule = icmp["SecurityGroupRules"][0]["SecurityGroupRuleId"];
  // The CLI's own shortcut (--protocol/--port/--cidr) and a source group by name.
  aws_json({"ec2", "authorize-security-group-ingress", "--group-id", web, "--protocol", "udp", "--port", "53",
            "--cidr", "10.9.8.7/16"});
  aws_json({"ec2", "authorize-security-group-ingress", "--group-id", web, "--protocol", "tcp", "--port", "9000-9100",
            "--source-group", "app"});
  // The legacy flat wire form (top-level IpProtocol/FromPort/ToPort/CidrIp).
  aws_json({"ec2", "authorize-security-group-ingress", "--cli-input-json",
            R"({"GroupId":")" + web + R"(","IpProtocol":"tcp","FromPort":443,"ToPort":443,"CidrIp":"192.0.2.0/24"})"});

  // Describe groups the rows by (protocol, ports).
  json g = group(web);
  const json& in = g["IpPermissions"];
  ASSERT_EQ(in.size(), 6u) << in.dump(2);
  json ssh = permission(in, "tcp", 22, 22);
  ASSERT_FALSE(ssh.is_null()) << in.dump(2);
  EXPECT_EQ(cidrs(ssh, "IpRanges", "CidrIp"), Strings{"0.0.0.0/0"});
  EXPECT_EQ(ssh["IpRanges"][0]["Description"], "ssh v4");
  EXPECT_EQ(cidrs(ssh, "Ipv6Ranges", "CidrIpv6"), Strings{"::/0"});
  EXPECT_TRUE(ssh["UserIdGroupPairs"].empty());
  json from_app = permission(in, "tcp", 8080, 8080);
  ASSERT_EQ(from_app["UserIdGroupPairs"].size(), 1u) << in.dump(2);
  EXPECT_EQ(from_app["UserIdGroupPairs"][0]["GroupId"], app);
  EXPECT_EQ(from_app["UserIdGroupPairs"][0]["UserId"], kOwner);
  json v6icmp = permission(in, "icmpv6", -1, -1);
  EXPECT_EQ(cidrs(v6icmp, "Ipv6Ranges", "CidrIpv6"), Strings{"2001:db8::/32"});
  // 10.9.8.7/16 is stored as its network.
  EXPECT_EQ(cidrs(permission(in, "udp", 53, 53), "IpRanges", "CidrIp"), Strings{"10.9.0.0/16"});
  EXPECT_EQ(permission(in, "tcp", 9000, 9100)["UserIdGroupPairs"][0]["GroupId"], app);
  EXPECT_EQ(cidrs(permission(in, "tcp", 443, 443), "IpRanges", "CidrIp"), Strings{"192.0.2.0/24"});

  // Filters over the rules.
  auto ids_of = [&](const std::string& filter) {
    Strings out;
    json found = aws_json({"ec2", "describe-security-groups", "--filters", "Name=vpc-id,Values=" + vpc, filter});
    for (const auto& x : found["SecurityGroups"]) out.push_back(x["GroupId"]);
    return out;
  };
  EXPECT_EQ(ids_of("Name=ip-permission.ipv6-cidr,Values=::/0"), Strings{web});
  EXPECT_EQ(ids_of("Name=ip-permission.group-id,Values=" + app), Strings{web});
  EXPECT_EQ(ids_of("Name=ip-permission.from-port,Values=8080"), Strings{web});
  EXPECT_EQ(ids_of("Name=egress.ip-permission.ipv6-cidr,Values=::/0").size(), 1u);  // only the default group
  EXPECT_EQ(ids_of("Name=tag:Name,Values=web"), Strings{web});

  // A duplicate, alone or beside a new rule, adds nothing; so does the same CIDR spelled
  // with host bits.
  ExecResult dup = aws({"ec2", "authorize-security-group-ingress", "--group-id", web, "--ip-permissions",
                        "IpProtocol=tcp,FromPort=22,ToPort=22,Ipv6Ranges=[{CidrIpv6=::/0}]"});
  EXPECT_EQ(error_code(dup), "InvalidPermission.Duplicate") << dup.err;
  dup = aws({"ec2", "authorize-security-group-ingress", "--group-id", web, "--ip-permissions",
             "IpProtocol=tcp,FromPort=25,ToPort=25,IpRanges=[{CidrIp=0.0.0.0/0}]",
             "IpProtocol=udp,FromPort=53,ToPort=53,IpRanges=[{CidrIp=10.9.1.1/16}]"});
  EXPECT_EQ(error_code(dup), "InvalidPermission.Duplicate") << dup.err;
  EXPECT_EQ(group(web), g);

  // Revoke by permission and by rule id.
  json rv = aws_json({"ec2", "revoke-security-group-ingress", "--group-id", web, "--ip-permissions",
                      "IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{CidrIp=0.0.0.0/0}]"});
  EXPECT_EQ(rv["Return"], true);
  aws_json({"ec2", "revoke-security-group-ingress", "--group-id", web, "--security-group-rule-ids", icmp_rule});
  ExecResult gone = aws({"ec2", "revoke-security-group-ingress", "--group-id", web, "--ip-permissions",
                         "IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{CidrIp=0.0.0.0/0}]"});
  EXPECT_EQ(error_code(gone), "InvalidPermission.NotFound") << gone.err;
  g = group(web);
  EXPECT_EQ(g["IpPermissions"].size(), 5u) << g.dump(2);
  ssh = permission(g["IpPermissions"], "tcp", 22, 22);
  EXPECT_TRUE(ssh["IpRanges"].empty());
  EXPECT_EQ(cidrs(ssh, "Ipv6Ranges", "CidrIpv6"), Strings{"::/0"});
  EXPECT_TRUE(permission(g["IpPermissions"], "icmpv6", -1, -1).is_null());

  // Egress: add HTTPS to ::/0, drop the all-traffic rule.
  json eg = aws_json({"ec2", "authorize-security-group-egress", "--group-id", web, "--ip-permissions",
                      "IpProtocol=tcp,FromPort=443,ToPort=443,Ipv6Ranges=[{CidrIpv6=::/0}]"});
  EXPECT_EQ(eg["SecurityGroupRules"][0]["IsEgress"], true);
  aws_json({"ec2", "revoke-security-group-egress", "--group-id", web, "--ip-permissions",
            "IpProtocol=-1,IpRanges=[{CidrIp=0.0.0.0/0}]"});
  g = group(web);
  ASSERT_EQ(g["IpPermissionsEgress"].size(), 1u) << g.dump(2);
  EXPECT_EQ(g["IpPermissionsEgress"][0]["IpProtocol"], "tcp");
  EXPECT_EQ(cidrs(g["IpPermissionsEgress"][0], "Ipv6Ranges", "CidrIpv6"), Strings{"::/0"});

  // DescribeSecurityGroupRules: five ingress rows and one egress row, by group, by id, and
  // in pages (--page-size sends MaxResults).
  json rules = aws_json({"ec2", "describe-security-group-rules", "--filters", "Name=group-id,Values=" + web})["SecurityGroupRules"];
  ASSERT_EQ(rules.size(), 6u) << rules.dump(2);
  int egress = 0;
  for (const auto& r : rules) egress += r["IsEgress"].get<bool>() ? 1 : 0;
  EXPECT_EQ(egress, 1);
  std::string one = rules[0]["SecurityGroupRuleId"];
  json by_id = aws_json({"ec2", "describe-security-group-rules", "--security-group-rule-ids", one})["SecurityGroupRules"];
  ASSERT_EQ(by_id.size(), 1u);
  EXPECT_EQ(by_id[0], rules[0]);
  json paged = aws_json({"ec2", "describe-security-group-rules", "--filters", "Name=group-id,Values=" + web,
                         "--page-size", "5"})["SecurityGroupRules"];
  EXPECT_EQ(paged, rules);  // the CLI followed NextToken through two pages of at most 5

  // app is referenced by web's rules: it cannot go until they do.
  ExecResult busy = aws({"ec2", "delete-security-group", "--group-id", app});
  EXPECT_EQ(error_code(busy), "DependencyViolation") << busy.err;
  aws_json({"ec2", "revoke-security-group-ingress", "--group-id", web, "--ip-permissions",
            R"([{"IpProtocol":"tcp","FromPort":8080,"ToPort":8080,"UserIdGroupPairs":[{"GroupId":")" + app + R"("}]},
                {"IpProtocol":"tcp","FromPort":9000,"ToPort":9100,"UserIdGroupPairs":[{"GroupName":"app"}]}])"});
  EXPECT_EQ(aws({"ec2", "delete-security-group", "--group-id", app}).exit_code, 0);
  EXPECT_EQ(aws({"ec2", "delete-security-group", "--group-name", "web"}).exit_code, 0);
  json left = vpc_groups(vpc);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0]["GroupName"], "default");
  ExecResult missing = aws({"ec2", "describe-security-groups", "--group-ids", web});
  EXPECT_EQ(error_code(missing), "InvalidGroup.NotFound") << missing.err;
}

TEST_F(SecurityGroupTest, GroupOnANetworkInterfaceCannotBeDeleted) {
  std::string vpc = create_vpc();
  std::string subnet = aws_json({"ec2", "create-subnet", "--vpc-id", vpc, "--cidr-block", "10.0.1.0/24"})["Subnet"]["SubnetId"];
  std::string sg = create_group(vpc, "node");
  json run = aws_json({"ec2", "run-instances", "--image-id", "ami-0123456789abcdef0", "--instance-type", "t3.micro",
                       "--subnet-id", subnet, "--security-group-ids", sg, "--count", "1"});
  ASSERT_EQ(run["Instances"].size(), 1u) << run.dump();
  ExecResult busy = aws({"ec2", "delete-security-group", "--group-id", sg});
  EXPECT_EQ(error_code(busy), "DependencyViolation") << busy.err;
  EXPECT_EQ(group(sg)["GroupName"], "node");
  aws({"ec2", "terminate-instances", "--instance-ids", run["Instances"][0]["InstanceId"]});
}

TEST_F(SecurityGroupTest, BadInputsChangeNothing) {
  std::string vpc = create_vpc();
  std::string t = create_group(vpc, "target");
  aws_json({"ec2", "authorize-security-group-ingress", "--group-id", t, "--ip-permissions",
            "IpProtocol=tcp,FromPort=22,ToPort=22,Ipv6Ranges=[{CidrIpv6=::/0}]"});
  std::string default_id;
  for (const auto& g : vpc_groups(vpc))
    if (g["GroupName"] == "default") default_id = g["GroupId"];
  ASSERT_FALSE(default_id.empty());
  const json before = vpc_groups(vpc);
  const json rules_before = aws_json({"ec2", "describe-security-group-rules"});

  auto ingress = [&](const std::string& perms) {
    return Strings{"ec2", "authorize-security-group-ingress", "--group-id", t, "--ip-permissions", perms};
  };
  const std::string nobody = "sg-0123456789abcdef0";
  struct Case {
    Strings args;
    std::string code;
    std::string message;  // a part of EC2's message, when it is worth pinning
  };
  const std::vector<Case> cases = {
      {{"ec2", "create-security-group", "--vpc-id", vpc, "--group-name", "default", "--description", "x"},
       "InvalidParameterValue", "Cannot use reserved security group name: default"},
      {{"ec2", "create-security-group", "--group-name", "novpc", "--description", "x"}, "VPCIdNotSpecified", ""},
      {{"ec2", "create-security-group", "--vpc-id", "vpc-0123456789abcdef0", "--group-name", "x", "--description", "x"},
       "InvalidVpcID.NotFound", ""},
      {{"ec2", "create-security-group", "--vpc-id", vpc, "--group-name", "target", "--description", "x"},
       "InvalidGroup.Duplicate", "already exists for VPC"},
      {{"ec2", "create-security-group", "--vpc-id", vpc, "--group-name", "sg-lookalike", "--description", "x"},
       "InvalidParameterValue", ""},
      {{"ec2", "create-security-group", "--vpc-id", vpc, "--group-name", "x<y", "--description", "x"},
       "InvalidParameterValue", ""},
      {ingress("IpProtocol=tcp,FromPort=0,ToPort=70000,IpRanges=[{CidrIp=0.0.0.0/0}]"), "InvalidParameterValue", ""},
      {ingress("IpProtocol=tcp,FromPort=100,ToPort=22,IpRanges=[{CidrIp=0.0.0.0/0}]"), "InvalidParameterValue", ""},
      {ingress("IpProtocol=udp,IpRanges=[{CidrIp=0.0.0.0/0}]"), "InvalidParameterValue", "Must specify both from and to ports"},
      {ingress("IpProtocol=icmp,FromPort=300,ToPort=0,IpRanges=[{CidrIp=0.0.0.0/0}]"), "InvalidParameterValue", ""},
      {ingress("IpProtocol=icmpv6,FromPort=-1,ToPort=-2,Ipv6Ranges=[{CidrIpv6=::/0}]"), "InvalidParameterValue", ""},
      {ingress("IpProtocol=bogus,FromPort=1,ToPort=2,IpRanges=[{CidrIp=0.0.0.0/0}]"), "InvalidParameterValue", "Unknown protocol"},
      {ingress("IpProtocol=256,IpRanges=[{CidrIp=0.0.0.0/0}]"), "InvalidParameterValue", "Unknown protocol"},
      {ingress("IpProtocol=tcp,FromPort=80,ToPort=80,IpRanges=[{CidrIp=10.0.0.0/33}]"), "InvalidParameterValue",
       "CIDR block 10.0.0.0/33 is malformed"},
      {ingress("IpProtocol=tcp,FromPort=80,ToPort=80,IpRanges=[{CidrIp=10.0.0.1}]"), "InvalidParameterValue",
       "CIDR block 10.0.0.1 is malformed"},
      {ingress("IpProtocol=tcp,FromPort=80,ToPort=80,Ipv6Ranges=[{CidrIpv6=2001:db8::/129}]"), "InvalidParameterValue",
       "CIDR block 2001:db8::/129 is malformed"},
      {ingress("IpProtocol=tcp,FromPort=80,ToPort=80,Ipv6Ranges=[{CidrIpv6=10.0.0.0/8}]"), "InvalidParameterValue",
       "CIDR block 10.0.0.0/8 is malformed"},
      {ingress("IpProtocol=tcp,FromPort=80,ToPort=80,IpRanges=[{CidrIp=0.0.0.0/0,Description=a<b}]"),
       "InvalidParameterValue", "Invalid rule description"},
      // One good permission and one bad: neither lands.
      {{"ec2", "authorize-security-group-ingress", "--group-id", t, "--ip-permissions",
        "IpProtocol=tcp,FromPort=80,ToPort=80,IpRanges=[{CidrIp=0.0.0.0/0}]",
        "IpProtocol=tcp,FromPort=81,ToPort=81,IpRanges=[{CidrIp=300.0.0.0/8}]"},
       "InvalidParameterValue", "CIDR block 300.0.0.0/8 is malformed"},
      {ingress("IpProtocol=tcp,FromPort=80,ToPort=80,UserIdGroupPairs=[{GroupId=" + nobody + "}]"), "InvalidGroup.NotFound", ""},
      {ingress("IpProtocol=tcp,FromPort=80,ToPort=80,UserIdGroupPairs=[{GroupName=nosuch}]"), "InvalidGroup.NotFound", ""},
      {ingress("IpProtocol=tcp,FromPort=80,ToPort=80,PrefixListIds=[{PrefixListId=pl-12345678}]"),
       "InvalidPrefixListId.NotFound", ""},
      {ingress("IpProtocol=tcp,FromPort=22,ToPort=22,Ipv6Ranges=[{CidrIpv6=::/0},{CidrIpv6=2001:db8::/32}]"),
       "InvalidPermission.Duplicate", "peer: ::/0, TCP, from port: 22, to port: 22, ALLOW"},
      {{"ec2", "authorize-security-group-ingress", "--group-id", nobody, "--ip-permissions",
        "IpProtocol=tcp,FromPort=80,ToPort=80,IpRanges=[{CidrIp=0.0.0.0/0}]"},
       "InvalidGroup.NotFound", ""},
      {{"ec2", "authorize-security-group-egress", "--group-id", t, "--ip-permissions",
        "IpProtocol=-1,IpRanges=[{CidrIp=0.0.0.0/0}]"},
       "InvalidPermission.Duplicate", ""},
      {{"ec2", "revoke-security-group-ingress", "--group-id", t, "--ip-permissions",
        "IpProtocol=tcp,FromPort=23,ToPort=23,Ipv6Ranges=[{CidrIpv6=::/0}]"},
       "InvalidPermission.NotFound", ""},
      // The second permission matches nothing, so the first (which does) stays too.
      {{"ec2", "revoke-security-group-ingress", "--group-id", t, "--ip-permissions",
        "IpProtocol=tcp,FromPort=22,ToPort=22,Ipv6Ranges=[{CidrIpv6=::/0}]",
        "IpProtocol=tcp,FromPort=23,ToPort=23,Ipv6Ranges=[{CidrIpv6=::/0}]"},
       "InvalidPermission.NotFound", ""},
      {{"ec2", "revoke-security-group-ingress", "--group-id", t, "--security-group-rule-ids", "sgr-0123456789abcdef0"},
       "InvalidSecurityGroupRuleId.NotFound", ""},
      {{"ec2", "describe-security-group-rules", "--security-group-rule-ids", "sgr-0123456789abcdef0"},
       "InvalidSecurityGroupRuleId.NotFound", ""},
      {{"ec2", "delete-security-group", "--group-id", default_id}, "CannotDelete", "cannot be deleted by a user"},
      {{"ec2", "delete-security-group", "--group-id", nobody}, "InvalidGroup.NotFound", ""},
      {{"ec2", "describe-security-groups", "--group-ids", nobody}, "InvalidGroup.NotFound", ""},
      {{"ec2", "describe-security-groups", "--filters", "Name=bogus,Values=x"}, "InvalidParameterValue", ""},
  };
  for (const auto& c : cases) {
    std::string what;
    for (const auto& a : c.args) what += a + " ";
    ExecResult r = aws(c.args);
    EXPECT_EQ(r.exit_code, 254) << what << "\n" << r.out;
    EXPECT_EQ(error_code(r), c.code) << what << "\n" << r.err;
    if (!c.message.empty()) {
      EXPECT_NE(r.err.find(c.message), std::string::npos) << what << "\n" << r.err;
    }
    EXPECT_EQ(vpc_groups(vpc), before) << "changed by: " << what;
  }
  EXPECT_EQ(aws_json({"ec2", "describe-security-group-rules"}), rules_before);
}

}  // namespace
