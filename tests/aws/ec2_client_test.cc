// aws::Ec2Client. Unit part: the query body, the credentials file, error documents and the
// typed decoders on EC2-shaped answers (indented like real EC2's). Region part (root): a
// real `v6k serve`, set up with the real aws CLI; the client's answers must match the
// CLI's, AssignIpv6Addresses must delegate /80s inside the subnet, and bad credentials,
// unknown ids and a skewed clock must come back with EC2's codes and messages.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "addr/ip.h"
#include "aws/ec2_client.h"
#include "support/region_daemon.h"

namespace {

using nlohmann::json;
using namespace v6k::aws;
using v6k::testing::RegionDaemon;

TEST(Ec2Query, BodyIsFormEncoded) {
  EXPECT_EQ(ec2_query_body("DescribeInstances", {{"InstanceId.1", "i-1"}, {"Filter.1.Value.1", "a b/c"}}),
            "Action=DescribeInstances&Version=2016-11-15&InstanceId.1=i-1&Filter.1.Value.1=a%20b%2Fc");
}

TEST(Ec2RegionAccess, ParsesTheCredentialsFile) {
  auto a = parse_region_access(R"({"access_key_id": "AKIA1", "secret_access_key": "s3", "region": "us-west-2",
                                   "endpoint": "http://localhost:4566"})");
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(a->host, "localhost");
  EXPECT_EQ(a->port, 4566);
  EXPECT_EQ(a->region, "us-west-2");
  EXPECT_EQ(a->credentials.access_key_id, "AKIA1");
  EXPECT_EQ(a->credentials.secret_access_key, "s3");
  auto v6 = parse_region_access(R"({"access_key_id":"a","secret_access_key":"b","region":"r","endpoint":"http://[::1]:80/"})");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 80);

  struct Bad {
    const char* text;
    const char* error;
  };
  for (const Bad& b : {
           Bad{"[1]", "region credentials: not a JSON object"},
           Bad{"{", "region credentials: not a JSON object"},
           Bad{R"({"access_key_id":"a","region":"r","endpoint":"http://h:1"})",
               "region credentials: access_key_id, secret_access_key and region are required"},
           Bad{R"({"access_key_id":"a","secret_access_key":"b","region":"r","endpoint":"https://h:1"})",
               "region credentials: endpoint \"https://h:1\" is not http://host:port"},
           Bad{R"({"access_key_id":"a","secret_access_key":"b","region":"r","endpoint":"http://h"})",
               "region credentials: endpoint \"http://h\" has no port"},
           Bad{R"({"access_key_id":"a","secret_access_key":"b","region":"r","endpoint":"http://h:70000"})",
               "region credentials: endpoint \"http://h:70000\" has a malformed port"},
           Bad{R"({"access_key_id":"a","secret_access_key":"b","region":"r","endpoint":"http://[::1:5"})",
               "region credentials: endpoint \"http://[::1:5\" has a malformed host"},
       }) {
    auto r = parse_region_access(b.text);
    ASSERT_FALSE(r) << b.text;
    EXPECT_EQ(r.error().message(), b.error) << b.text;
  }
  auto missing = load_region_access("/nonexistent-v6k-state");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("reading /nonexistent-v6k-state/credentials"), std::string::npos);
}

TEST(Ec2Decode, ErrorDocuments) {
  struct Case {
    int status;
    std::string body;
    std::string code, message, request_id, text;
  };
  for (const Case& c : {
           Case{401,
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>AuthFailure</Code><Message>AWS "
                "was not able to validate the provided access credentials</Message></Error></Errors><RequestID>r-1"
                "</RequestID></Response>",
                "AuthFailure", "AWS was not able to validate the provided access credentials", "r-1",
                "DescribeVpcs: AuthFailure: AWS was not able to validate the provided access credentials (HTTP 401)"},
           Case{403,
                "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>"
                "SignatureDoesNotMatch</Code><Message>m</Message></Error><RequestId>r-2</RequestId></ErrorResponse>",
                "SignatureDoesNotMatch", "m", "r-2", "DescribeVpcs: SignatureDoesNotMatch: m (HTTP 403)"},
           Case{503, "Service Unavailable", "", "HTTP 503: Service Unavailable", "",
                "DescribeVpcs: HTTP 503: Service Unavailable (HTTP 503)"},
           Case{200, "<DescribeVpcsResponse><vpcSet>", "", "", "", ""},
           Case{200, "<DescribeSubnetsResponse/>", "", "unexpected answer <DescribeSubnetsResponse>", "",
                "DescribeVpcs: unexpected answer <DescribeSubnetsResponse> (HTTP 200)"},
       }) {
    auto r = decode_ec2_response("DescribeVpcs", c.status, c.body);
    ASSERT_FALSE(r) << c.body;
    EXPECT_EQ(r.error().code, c.code);
    EXPECT_EQ(r.error().http_status, c.status);
    EXPECT_EQ(r.error().action, "DescribeVpcs");
    if (c.message.empty()) {
      EXPECT_EQ(r.error().message,
                "malformed XML answer: XML line 1, column 31: unexpected end of input: <vpcSet> is not closed");
      continue;
    }
    EXPECT_EQ(r.error().message, c.message);
    EXPECT_EQ(r.error().request_id, c.request_id);
    EXPECT_EQ(r.error().text(), c.text);
    EXPECT_EQ(r.error().wrap("getting facts").message(), "getting facts: " + c.text);
  }
}

// An answer as real EC2 indents it: two interfaces listed out of device order, a secondary
// private address listed first, a public address, IPv6 addresses and prefixes.
constexpr const char* kInstances = R"(<?xml version="1.0" encoding="UTF-8"?>
<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
    <requestId>8f7724cf-496f-496e-8fe3-example</requestId>
    <reservationSet>
        <item>
            <reservationId>r-1234567890abcdef0</reservationId>
            <instancesSet>
                <item>
                    <instanceId>i-0aaaaaaaaaaaaaaaa</instanceId>
                    <instanceType>t3.small</instanceType>
                </item>
                <item>
                    <instanceId>i-1234567890abcdef0</instanceId>
                    <imageId>ami-bff32ccc</imageId>
                    <instanceState><code>16</code><name>running</name></instanceState>
                    <privateDnsName>ip-192-168-1-88.eu-west-1.compute.internal</privateDnsName>
                    <keyName>my_keypair</keyName>
                    <instanceType>t2.micro</instanceType>
                    <placement><availabilityZone>eu-west-1c</availabilityZone><tenancy>default</tenancy></placement>
                    <subnetId>subnet-56f5f633</subnetId>
                    <vpcId>vpc-11112222</vpcId>
                    <privateIpAddress>192.168.1.88</privateIpAddress>
                    <ipAddress>54.194.252.215</ipAddress>
                    <groupSet><item><groupId>sg-e4076980</groupId><groupName>SecurityGroup1</groupName></item></groupSet>
                    <architecture>x86_64</architecture>
                    <tagSet><item><key>Name</key><value>node &amp; co</value></item></tagSet>
                    <networkInterfaceSet>
                        <item>
                            <networkInterfaceId>eni-second</networkInterfaceId>
                            <subnetId>subnet-2</subnetId>
                            <attachment><attachmentId>eni-attach-2</attachmentId><deviceIndex>1</deviceIndex></attachment>
                            <privateIpAddress>192.168.2.9</privateIpAddress>
                        </item>
                        <item>
                            <networkInterfaceId>eni-0f62d866</networkInterfaceId>
                            <subnetId>subnet-56f5f633</subnetId>
                            <vpcId>vpc-11112222</vpcId>
                            <status>in-use</status>
                            <macAddress>02:dd:2c:5e:01:69</macAddress>
                            <privateIpAddress>192.168.1.88</privateIpAddress>
                            <privateDnsName>ip-192-168-1-88.eu-west-1.compute.internal</privateDnsName>
                            <groupSet><item><groupId>sg-e4076980</groupId><groupName>SecurityGroup1</groupName></item></groupSet>
                            <attachment><attachmentId>eni-attach-0326646a</attachmentId><deviceIndex>0</deviceIndex></attachment>
                            <association><publicIp>54.194.252.215</publicIp><ipOwnerId>amazon</ipOwnerId></association>
                            <privateIpAddressesSet>
                                <item><privateIpAddress>192.168.1.89</privateIpAddress><primary>false</primary></item>
                                <item><privateIpAddress>192.168.1.88</privateIpAddress><primary>true</primary></item>
                            </privateIpAddressesSet>
                            <ipv6AddressesSet><item><ipv6Address>2001:db8:1234:1a00::123</ipv6Address></item></ipv6AddressesSet>
                            <ipv6PrefixSet><item><ipv6Prefix>2001:db8:1234:1a00:9691::/80</ipv6Prefix></item></ipv6PrefixSet>
                        </item>
                    </networkInterfaceSet>
                    <ipv6Address>2001:db8:1234:1a00::123</ipv6Address>
                </item>
            </instancesSet>
        </item>
    </reservationSet>
</DescribeInstancesResponse>
)";

TEST(Ec2Decode, Instance) {
  auto doc = decode_ec2_response("DescribeInstances", 200, kInstances);
  ASSERT_TRUE(doc) << doc.error().text();
  auto i = decode_instance(*doc, "i-1234567890abcdef0");
  ASSERT_TRUE(i) << i.error().text();
  EXPECT_EQ(i->id, "i-1234567890abcdef0");
  EXPECT_EQ(i->image_id, "ami-bff32ccc");
  EXPECT_EQ(i->instance_type, "t2.micro");
  EXPECT_EQ(i->architecture, "x86_64");
  EXPECT_EQ(i->state, "running");
  EXPECT_EQ(i->availability_zone, "eu-west-1c");
  EXPECT_EQ(i->private_dns_name, "ip-192-168-1-88.eu-west-1.compute.internal");
  EXPECT_EQ(i->private_ipv4, "192.168.1.88");
  EXPECT_EQ(i->public_ipv4, "54.194.252.215");
  EXPECT_EQ(i->ipv6_address, "2001:db8:1234:1a00::123");
  EXPECT_EQ(i->subnet_id, "subnet-56f5f633");
  EXPECT_EQ(i->vpc_id, "vpc-11112222");
  EXPECT_EQ(i->key_name, "my_keypair");
  ASSERT_EQ(i->security_groups.size(), 1u);
  EXPECT_EQ(i->security_groups[0].id, "sg-e4076980");
  EXPECT_EQ(i->security_groups[0].name, "SecurityGroup1");
  EXPECT_EQ(i->tags, (std::vector<std::pair<std::string, std::string>>{{"Name", "node & co"}}));
  ASSERT_EQ(i->network_interfaces.size(), 2u);
  const Ec2NetworkInterface& eth0 = i->network_interfaces[0];
  EXPECT_EQ(eth0.id, "eni-0f62d866");
  EXPECT_EQ(eth0.device_index, 0);
  EXPECT_EQ(eth0.attachment_id, "eni-attach-0326646a");
  EXPECT_EQ(eth0.mac_address, "02:dd:2c:5e:01:69");
  EXPECT_EQ(eth0.status, "in-use");
  EXPECT_EQ(eth0.public_ipv4, "54.194.252.215");
  EXPECT_EQ(eth0.private_ipv4s, (std::vector<std::string>{"192.168.1.88", "192.168.1.89"}));
  EXPECT_EQ(eth0.ipv6_addresses, (std::vector<std::string>{"2001:db8:1234:1a00::123"}));
  EXPECT_EQ(eth0.ipv6_prefixes, (std::vector<std::string>{"2001:db8:1234:1a00:9691::/80"}));
  EXPECT_EQ(i->network_interfaces[1].id, "eni-second");
  EXPECT_EQ(i->network_interfaces[1].device_index, 1);
  EXPECT_TRUE(i->network_interfaces[1].ipv6_prefixes.empty());

  auto missing = decode_instance(*doc, "i-0bbbbbbbbbbbbbbbb");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, "InvalidInstanceID.NotFound");
  EXPECT_EQ(missing.error().message, "The instance ID 'i-0bbbbbbbbbbbbbbbb' does not exist");
}

TEST(Ec2Decode, MalformedDeviceIndexIsAnError) {
  auto doc = parse_xml(
      "<DescribeNetworkInterfacesResponse><networkInterfaceSet><item><networkInterfaceId>eni-1</networkInterfaceId>"
      "<attachment><deviceIndex>one</deviceIndex></attachment></item></networkInterfaceSet>"
      "</DescribeNetworkInterfacesResponse>");
  ASSERT_TRUE(doc);
  auto e = decode_network_interface(*doc, "eni-1");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().text(), "DescribeNetworkInterfaces: network interface eni-1: malformed deviceIndex 'one' (HTTP 200)");
}

TEST(Ec2Decode, SubnetAndVpcKeepOnlyLiveCidrs) {
  auto subnets = parse_xml(R"(<DescribeSubnetsResponse><subnetSet><item>
      <subnetId>subnet-1</subnetId><vpcId>vpc-1</vpcId><state>available</state><cidrBlock>10.0.0.0/24</cidrBlock>
      <availabilityZone>us-west-2a</availabilityZone><availabilityZoneId>usw2-az1</availabilityZoneId>
      <mapPublicIpOnLaunch>false</mapPublicIpOnLaunch><assignIpv6AddressOnCreation>true</assignIpv6AddressOnCreation>
      <ipv6CidrBlockAssociationSet>
        <item><ipv6CidrBlock>2001:db8:0:9::/64</ipv6CidrBlock><ipv6CidrBlockState><state>disassociated</state></ipv6CidrBlockState></item>
        <item><ipv6CidrBlock>2001:db8::/64</ipv6CidrBlock><ipv6CidrBlockState><state>associated</state></ipv6CidrBlockState></item>
      </ipv6CidrBlockAssociationSet></item></subnetSet></DescribeSubnetsResponse>)");
  ASSERT_TRUE(subnets) << subnets.error().message();
  auto s = decode_subnet(*subnets, "subnet-1");
  ASSERT_TRUE(s) << s.error().text();
  EXPECT_EQ(s->cidr_block, "10.0.0.0/24");
  EXPECT_EQ(s->ipv6_cidr_blocks, (std::vector<std::string>{"2001:db8::/64"}));
  EXPECT_EQ(s->availability_zone, "us-west-2a");
  EXPECT_EQ(s->availability_zone_id, "usw2-az1");
  EXPECT_TRUE(s->assign_ipv6_address_on_creation);
  EXPECT_FALSE(s->map_public_ip_on_launch);
  EXPECT_EQ(decode_subnet(*subnets, "subnet-2").error().message, "The subnet ID 'subnet-2' does not exist");

  auto vpcs = parse_xml(R"(<DescribeVpcsResponse><vpcSet><item><vpcId>vpc-1</vpcId><cidrBlock>10.0.0.0/16</cidrBlock>
      <cidrBlockAssociationSet>
        <item><cidrBlock>10.1.0.0/16</cidrBlock><cidrBlockState><state>associated</state></cidrBlockState></item>
        <item><cidrBlock>10.2.0.0/16</cidrBlock><cidrBlockState><state>disassociating</state></cidrBlockState></item>
        <item><cidrBlock>10.0.0.0/16</cidrBlock><cidrBlockState><state>associated</state></cidrBlockState></item>
      </cidrBlockAssociationSet>
      <ipv6CidrBlockAssociationSet><item><ipv6CidrBlock>2001:db8::/56</ipv6CidrBlock>
        <ipv6CidrBlockState><state>associated</state></ipv6CidrBlockState></item></ipv6CidrBlockAssociationSet>
      </item></vpcSet></DescribeVpcsResponse>)");
  ASSERT_TRUE(vpcs) << vpcs.error().message();
  auto v = decode_vpc(*vpcs, "vpc-1");
  ASSERT_TRUE(v) << v.error().text();
  EXPECT_EQ(v->cidr_block, "10.0.0.0/16");
  EXPECT_EQ(v->cidr_blocks, (std::vector<std::string>{"10.0.0.0/16", "10.1.0.0/16"}));
  EXPECT_EQ(v->ipv6_cidr_blocks, (std::vector<std::string>{"2001:db8::/56"}));
  EXPECT_EQ(decode_vpc(*vpcs, "vpc-2").error().code, "InvalidVpcID.NotFound");
}

TEST(Ec2Client, NothingListening) {
  // A port nothing listens on: connection refused, no AWS answer.
  Ec2ClientOptions o;
  o.host = "127.0.0.1";
  o.port = 1;  // privileged and unused on loopback here
  o.credentials = {"AKIA", "secret", "", ""};
  o.timeout = std::chrono::milliseconds(2000);
  Ec2Client c(o);
  auto r = c.describe_vpc("vpc-1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, "");
  EXPECT_EQ(r.error().http_status, 0);
  EXPECT_EQ(r.error().action, "DescribeVpcs");
}

// --- Against a real region ---

class Ec2ClientRegion : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = RegionDaemon::unavailable()) GTEST_SKIP() << *why;
    d_ = std::make_unique<RegionDaemon>();
    auto access = load_region_access(d_->state_dir());
    ASSERT_TRUE(access) << access.error().message();
    access_ = *access;
  }
  json aws(const std::vector<std::string>& args) { return d_->aws_json(args); }
  Ec2ClientOptions options() const { return Ec2ClientOptions::from(access_); }

  std::unique_ptr<RegionDaemon> d_;
  RegionAccess access_;
};

v6k::addr::Ipv6Prefix prefix6(const std::string& text) {
  auto p = v6k::addr::Ipv6Prefix::parse(text);
  EXPECT_TRUE(p) << text;
  return p.value_or(v6k::addr::Ipv6Prefix());
}

std::vector<std::string> strings_of(const json& list, const char* field) {
  std::vector<std::string> out;
  for (const auto& e : list) out.push_back(e[field]);
  return out;
}

TEST_F(Ec2ClientRegion, FactsPrefixesAndErrorsMatchTheCli) {
  EXPECT_EQ(access_.port, d_->port());
  EXPECT_EQ(access_.region, "us-west-2");
  json vpc = aws({"ec2", "create-vpc", "--cidr-block", "10.0.0.0/16", "--amazon-provided-ipv6-cidr-block"})["Vpc"];
  const std::string vpc_id = vpc["VpcId"];
  const std::string v56 = aws({"ec2", "describe-vpcs", "--vpc-ids", vpc_id})["Vpcs"][0]["Ipv6CidrBlockAssociationSet"][0]
                                 ["Ipv6CidrBlock"];
  const std::string v64 = prefix6(v56).subprefix(64, 0).value().to_string();
  const std::string subnet_id = aws({"ec2", "create-subnet", "--vpc-id", vpc_id, "--cidr-block", "10.0.0.0/24",
                                     "--availability-zone", "us-west-2b", "--ipv6-cidr-block", v64})["Subnet"]["SubnetId"];
  aws({"ec2", "modify-subnet-attribute", "--subnet-id", subnet_id, "--assign-ipv6-address-on-creation"});
  json run = aws({"ec2", "run-instances", "--image-id", "ami-0123456789abcdef0", "--instance-type", "t3.medium",
                  "--subnet-id", subnet_id, "--associate-public-ip-address"});
  const std::string instance_id = run["Instances"][0]["InstanceId"];
  json cli = aws({"ec2", "describe-instances", "--instance-ids", instance_id})["Reservations"][0]["Instances"][0];

  Ec2Client ec2(options());
  auto inst = ec2.describe_instance(instance_id);
  ASSERT_TRUE(inst) << inst.error().text();
  EXPECT_EQ(inst->id, instance_id);
  EXPECT_EQ(inst->instance_type, "t3.medium");
  EXPECT_EQ(inst->instance_type, cli["InstanceType"]);
  EXPECT_EQ(inst->architecture, cli["Architecture"]);
  EXPECT_EQ(inst->state, "running");
  EXPECT_EQ(inst->state, cli["State"]["Name"]);
  EXPECT_EQ(inst->availability_zone, "us-west-2b");
  EXPECT_EQ(inst->private_dns_name, cli["PrivateDnsName"]);
  EXPECT_EQ(inst->private_dns_name, "ip-10-0-0-4.us-west-2.compute.internal");
  EXPECT_EQ(inst->private_ipv4, "10.0.0.4");
  EXPECT_EQ(inst->public_ipv4, cli["PublicIpAddress"]);
  EXPECT_FALSE(inst->public_ipv4.empty());
  EXPECT_EQ(inst->ipv6_address, cli["Ipv6Address"]);
  EXPECT_EQ(inst->subnet_id, subnet_id);
  EXPECT_EQ(inst->vpc_id, vpc_id);
  EXPECT_EQ(inst->image_id, "ami-0123456789abcdef0");
  ASSERT_EQ(inst->security_groups.size(), cli["SecurityGroups"].size());
  ASSERT_EQ(inst->security_groups.size(), 1u);
  EXPECT_EQ(inst->security_groups[0].id, cli["SecurityGroups"][0]["GroupId"]);
  EXPECT_EQ(inst->security_groups[0].name, "default");
  ASSERT_EQ(inst->network_interfaces.size(), 1u);
  const Ec2NetworkInterface& eni = inst->network_interfaces[0];
  const json& cli_eni = cli["NetworkInterfaces"][0];
  EXPECT_EQ(eni.id, cli_eni["NetworkInterfaceId"]);
  EXPECT_EQ(eni.device_index, 0);
  EXPECT_EQ(eni.subnet_id, subnet_id);
  EXPECT_EQ(eni.vpc_id, vpc_id);
  EXPECT_EQ(eni.mac_address, cli_eni["MacAddress"]);
  EXPECT_EQ(eni.private_ipv4, "10.0.0.4");
  EXPECT_EQ(eni.private_ipv4s, strings_of(cli_eni["PrivateIpAddresses"], "PrivateIpAddress"));
  EXPECT_EQ(eni.public_ipv4, inst->public_ipv4);
  EXPECT_EQ(eni.ipv6_addresses, strings_of(cli_eni["Ipv6Addresses"], "Ipv6Address"));
  ASSERT_EQ(eni.ipv6_addresses.size(), 1u);
  EXPECT_TRUE(prefix6(v64).contains(v6k::addr::Ipv6Address::parse(eni.ipv6_addresses[0]).value()));
  EXPECT_TRUE(eni.ipv6_prefixes.empty());
  EXPECT_EQ(eni.security_groups.size(), 1u);

  auto subnet = ec2.describe_subnet(subnet_id);
  ASSERT_TRUE(subnet) << subnet.error().text();
  EXPECT_EQ(subnet->cidr_block, "10.0.0.0/24");
  EXPECT_EQ(subnet->ipv6_cidr_blocks, (std::vector<std::string>{v64}));
  EXPECT_EQ(subnet->availability_zone, "us-west-2b");
  EXPECT_EQ(subnet->vpc_id, vpc_id);
  EXPECT_TRUE(subnet->assign_ipv6_address_on_creation);
  auto v = ec2.describe_vpc(vpc_id);
  ASSERT_TRUE(v) << v.error().text();
  EXPECT_EQ(v->cidr_block, "10.0.0.0/16");
  EXPECT_EQ(v->cidr_blocks, (std::vector<std::string>{"10.0.0.0/16"}));
  EXPECT_EQ(v->ipv6_cidr_blocks, (std::vector<std::string>{v56}));

  // The ipamd call: one /80, inside the subnet's /64, not holding the node's own address.
  auto first = ec2.assign_ipv6_prefixes(eni.id, 1);
  ASSERT_TRUE(first) << first.error().text();
  EXPECT_EQ(first->network_interface_id, eni.id);
  EXPECT_TRUE(first->addresses.empty());
  ASSERT_EQ(first->prefixes.size(), 1u);
  const auto p1 = prefix6(first->prefixes[0]);
  EXPECT_EQ(p1.length(), 80);
  EXPECT_TRUE(prefix6(v64).contains(p1));
  EXPECT_FALSE(p1.contains(v6k::addr::Ipv6Address::parse(eni.ipv6_addresses[0]).value()));
  auto listed = ec2.describe_network_interface(eni.id);
  ASSERT_TRUE(listed) << listed.error().text();
  EXPECT_EQ(listed->ipv6_prefixes, first->prefixes);
  EXPECT_EQ(listed->instance_id, instance_id);
  EXPECT_EQ(listed->availability_zone, "us-west-2b");
  EXPECT_EQ(listed->device_index, 0);
  EXPECT_EQ(listed->ipv6_addresses, eni.ipv6_addresses);
  json cli_listed = aws({"ec2", "describe-network-interfaces", "--network-interface-ids", eni.id})["NetworkInterfaces"][0];
  EXPECT_EQ(strings_of(cli_listed["Ipv6Prefixes"], "Ipv6Prefix"), first->prefixes);

  auto second = ec2.assign_ipv6_prefixes(eni.id, 1);
  ASSERT_TRUE(second) << second.error().text();
  ASSERT_EQ(second->prefixes.size(), 1u);
  const auto p2 = prefix6(second->prefixes[0]);
  EXPECT_EQ(p2.length(), 80);
  EXPECT_TRUE(prefix6(v64).contains(p2));
  EXPECT_FALSE(p1.overlaps(p2));
  auto both = ec2.describe_instance(instance_id);
  ASSERT_TRUE(both) << both.error().text();
  EXPECT_EQ(both->network_interfaces[0].ipv6_prefixes, (std::vector<std::string>{first->prefixes[0], second->prefixes[0]}));

  // EC2's errors, with its codes and words.
  auto unknown = ec2.describe_instance("i-0123456789abcdef9");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, "InvalidInstanceID.NotFound");
  EXPECT_EQ(unknown.error().message, "The instance ID 'i-0123456789abcdef9' does not exist");
  EXPECT_EQ(unknown.error().http_status, 400);
  EXPECT_FALSE(unknown.error().request_id.empty());
  auto no_eni = ec2.assign_ipv6_prefixes("eni-0123456789abcdef9", 1);
  ASSERT_FALSE(no_eni);
  EXPECT_EQ(no_eni.error().code, "InvalidNetworkInterfaceID.NotFound");
  EXPECT_EQ(no_eni.error().message, "The networkInterface ID 'eni-0123456789abcdef9' does not exist");
  auto zero = ec2.assign_ipv6_prefixes(eni.id, 0);
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().code, "InvalidParameterValue");
  auto unknown_action = ec2.call("DescribeNothing", {});
  ASSERT_FALSE(unknown_action);
  EXPECT_EQ(unknown_action.error().code, "InvalidAction");

  Ec2ClientOptions wrong_secret = options();
  wrong_secret.credentials.secret_access_key += "x";
  Ec2ClientOptions wrong_key = options();
  wrong_key.credentials.access_key_id = "AKIAIOSFODNN7EXAMPLE";
  for (const Ec2ClientOptions& o : {wrong_secret, wrong_key}) {
    Ec2Client bad(o);
    auto r = bad.describe_instance(instance_id);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, "AuthFailure");
    EXPECT_EQ(r.error().message, "AWS was not able to validate the provided access credentials");
    EXPECT_EQ(r.error().http_status, 401);
  }
  Ec2ClientOptions late = options();
  late.clock = [] { return std::chrono::system_clock::now() - std::chrono::minutes(20); };
  Ec2Client skewed(late);
  auto expired = skewed.describe_vpc(vpc_id);
  ASSERT_FALSE(expired);
  EXPECT_EQ(expired.error().code, "RequestExpired");
  EXPECT_EQ(expired.error().message, "Request has expired.");

  // Still one kept-alive client: it keeps answering after errors.
  auto again = ec2.describe_network_interface(eni.id);
  ASSERT_TRUE(again) << again.error().text();
  EXPECT_EQ(again->ipv6_prefixes.size(), 2u);
}

}  // namespace
