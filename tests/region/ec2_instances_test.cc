// The real aws CLI against `v6k serve` for EC2 instances and their network interfaces: the
// seed's sequence (an IPv6 VPC, two auto-assign subnets, run-instances, the seed's
// describe-instances --query printing one IPv6 address per running instance), EC2's address
// choices (first free private IPv4 from .4, IPv6 inside the subnet /64, delegated /80s that
// hold no address), filters, pagination, client-token idempotency, public IPv4, partial
// launches, termination freeing addresses, and a table of bad requests each refused with
// EC2's error code while nothing observable changes.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "addr/ip.h"
#include "support/proc.h"
#include "support/region_daemon.h"

namespace {

using nlohmann::json;
using v6k::addr::Ipv4Address;
using v6k::addr::Ipv6Address;
using v6k::addr::Ipv6Prefix;
using v6k::testing::ExecResult;
const auto& error_code = v6k::testing::aws_error_code;
using v6k::testing::RegionDaemon;
using Strings = std::vector<std::string>;

const std::string kAmi = "ami-0123456789abcdef0";

std::string join(const Strings& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

Strings lines_of(const std::string& text) {
  Strings out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(line);
  return out;
}

Ipv6Prefix prefix(const std::string& text) {
  auto p = Ipv6Prefix::parse(text);
  EXPECT_TRUE(p.has_value()) << text;
  return p.value_or(Ipv6Prefix());
}

Ipv6Address address6(const std::string& text) {
  auto a = Ipv6Address::parse(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(Ipv6Address());
}

// Instances of a describe-instances or run-instances answer, flattened, in answer order.
std::vector<json> instances_of(const json& j) {
  std::vector<json> out;
  if (j.contains("Instances"))
    for (const auto& i : j["Instances"]) out.push_back(i);
  if (j.contains("Reservations"))
    for (const auto& r : j["Reservations"])
      for (const auto& i : r["Instances"]) out.push_back(i);
  return out;
}

Strings ids_of(const std::vector<json>& instances) {
  Strings out;
  for (const auto& i : instances) out.push_back(i["InstanceId"]);
  return out;
}

struct SeedVpc {
  std::string vpc;
  std::string subnet_a, subnet_b;  // 10.0.0.0/24 in us-west-2a, 10.0.1.0/24 in us-west-2b
  Ipv6Prefix v6_a, v6_b;           // their /64s
};

class Ec2Instances : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = RegionDaemon::unavailable()) GTEST_SKIP() << *why;
    d_ = std::make_unique<RegionDaemon>();
  }
  json aws(const Strings& args) { return d_->aws_json(args); }
  // Runs a call that must fail; returns its EC2 error code.
  std::string fails(const Strings& args) {
    ExecResult r = d_->aws(args);
    EXPECT_EQ(r.exit_code, 254) << join(args) << "\nstdout: " << r.out << "\nstderr: " << r.err;
    return error_code(r);
  }

  // The seed's step 1: an IPv6 VPC and two subnets (two AZs) auto-assigning IPv6.
  SeedVpc seed_vpc() {
    SeedVpc s;
    json vpc = aws({"ec2", "create-vpc", "--cidr-block", "10.0.0.0/16", "--amazon-provided-ipv6-cidr-block"})["Vpc"];
    s.vpc = vpc["VpcId"];
    json described = aws({"ec2", "describe-vpcs", "--vpc-ids", s.vpc})["Vpcs"][0];
    Ipv6Prefix v56 = prefix(described["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]);
    s.v6_a = v56.subprefix(64, 0).value();
    s.v6_b = v56.subprefix(64, 1).value();
    s.subnet_a = subnet(s.vpc, "10.0.0.0/24", "us-west-2a", s.v6_a.to_string());
    s.subnet_b = subnet(s.vpc, "10.0.1.0/24", "us-west-2b", s.v6_b.to_string());
    for (const auto& id : {s.subnet_a, s.subnet_b})
      aws({"ec2", "modify-subnet-attribute", "--subnet-id", id, "--assign-ipv6-address-on-creation"});
    return s;
  }
  std::string subnet(const std::string& vpc, const std::string& cidr, const std::string& az, const std::string& v6 = "") {
    Strings args = {"ec2", "create-subnet", "--vpc-id", vpc, "--cidr-block", cidr, "--availability-zone", az};
    if (!v6.empty()) args.insert(args.end(), {"--ipv6-cidr-block", v6});
    return aws(args)["Subnet"]["SubnetId"];
  }
  std::vector<json> run(const std::string& subnet_id, const Strings& extra = {}) {
    Strings args = {"ec2", "run-instances", "--image-id", kAmi, "--instance-type", "t3.medium", "--subnet-id", subnet_id};
    args.insert(args.end(), extra.begin(), extra.end());
    return instances_of(aws(args));
  }
  std::vector<json> describe(const Strings& extra = {}) {
    Strings args = {"ec2", "describe-instances"};
    args.insert(args.end(), extra.begin(), extra.end());
    return instances_of(aws(args));
  }
  json enis(const Strings& extra = {}) {
    Strings args = {"ec2", "describe-network-interfaces"};
    args.insert(args.end(), extra.begin(), extra.end());
    return aws(args)["NetworkInterfaces"];
  }
  // Everything the instance and interface APIs show, for "nothing changed" checks.
  json snapshot() { return json{{"i", aws({"ec2", "describe-instances"})}, {"e", enis()}}; }
  std::string default_group(const std::string& vpc) {
    json g = aws({"ec2", "describe-security-groups", "--filters", "Name=vpc-id,Values=" + vpc,
                  "Name=group-name,Values=default"})["SecurityGroups"];
    return g.size() == 1 ? std::string(g[0]["GroupId"]) : std::string();
  }
  Strings seed_query_lines() {
    return lines_of(d_->aws_text({"ec2", "describe-instances", "--query",
                                  "Reservations[].Instances[? State.Name == 'running' ][].NetworkInterfaces[].Ipv6Addresses"}));
  }
  std::unique_ptr<RegionDaemon> d_;
};

TEST_F(Ec2Instances, SeedSequenceRunDescribeAndTheSeedsQuery) {
  SeedVpc s = seed_vpc();
  const std::string sg = default_group(s.vpc);
  ASSERT_FALSE(sg.empty()) << "CreateVpc made no default security group";

  json launched = aws({"ec2", "run-instances", "--image-id", kAmi, "--instance-type", "t3.medium", "--subnet-id",
                       s.subnet_a, "--count", "2", "--tag-specifications",
                       "ResourceType=instance,Tags=[{Key=Name,Value=node}]",
                       "ResourceType=network-interface,Tags=[{Key=role,Value=node-eni}]",
                       "ResourceType=volume,Tags=[{Key=ignored,Value=yes}]"});
  EXPECT_EQ(launched["OwnerId"], "123456789012");
  EXPECT_EQ(std::string(launched["ReservationId"]).rfind("r-", 0), 0u);
  std::vector<json> first = instances_of(launched);
  ASSERT_EQ(first.size(), 2u);
  for (size_t n = 0; n < 2; ++n) {
    const json& i = first[n];
    EXPECT_EQ(i["AmiLaunchIndex"], n);
    EXPECT_EQ(i["State"], (json{{"Code", 0}, {"Name", "pending"}}));  // as EC2 answers a launch
    EXPECT_EQ(i["PrivateIpAddress"], n == 0 ? "10.0.0.4" : "10.0.0.5");  // first free after the reserved .0-.3
    EXPECT_EQ(i["ImageId"], kAmi);
    EXPECT_EQ(i["InstanceType"], "t3.medium");
    EXPECT_EQ(i["Tags"], (json{{{"Key", "Name"}, {"Value", "node"}}}));
    ASSERT_EQ(i["SecurityGroups"].size(), 1u);
    EXPECT_EQ(i["SecurityGroups"][0]["GroupId"], sg);
    EXPECT_EQ(i["SecurityGroups"][0]["GroupName"], "default");
  }
  std::vector<json> second = run(s.subnet_b);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0]["PrivateIpAddress"], "10.0.1.4");
  EXPECT_EQ(second[0]["Placement"]["AvailabilityZone"], "us-west-2b");

  std::vector<json> all = describe();
  ASSERT_EQ(all.size(), 3u);
  std::set<std::string> macs, v6s;
  for (const json& i : all) {
    const bool in_a = i["SubnetId"] == s.subnet_a;
    const Ipv6Prefix& v64 = in_a ? s.v6_a : s.v6_b;
    EXPECT_EQ(i["State"], (json{{"Code", 16}, {"Name", "running"}}));
    EXPECT_EQ(i["VpcId"], s.vpc);
    EXPECT_EQ(i["Placement"]["AvailabilityZone"], in_a ? "us-west-2a" : "us-west-2b");
    std::string ip = i["PrivateIpAddress"];
    std::string dashed = ip;
    std::replace(dashed.begin(), dashed.end(), '.', '-');
    EXPECT_EQ(i["PrivateDnsName"], "ip-" + dashed + ".us-west-2.compute.internal");
    EXPECT_EQ(i["PublicDnsName"], "");
    EXPECT_FALSE(i.contains("PublicIpAddress"));
    EXPECT_EQ(i["Architecture"], "x86_64");
    EXPECT_EQ(i["RootDeviceType"], "ebs");
    EXPECT_EQ(i["VirtualizationType"], "hvm");
    EXPECT_EQ(i["Hypervisor"], "xen");
    EXPECT_EQ(i["SourceDestCheck"], true);
    EXPECT_EQ(i["EnaSupport"], true);
    EXPECT_EQ(i["PrivateDnsNameOptions"]["HostnameType"], "ip-name");
    ASSERT_EQ(i["NetworkInterfaces"].size(), 1u);
    const json& ni = i["NetworkInterfaces"][0];
    EXPECT_EQ(std::string(ni["NetworkInterfaceId"]).rfind("eni-", 0), 0u);
    EXPECT_EQ(ni["SubnetId"], i["SubnetId"]);
    EXPECT_EQ(ni["Status"], "in-use");
    EXPECT_EQ(ni["InterfaceType"], "interface");
    EXPECT_EQ(ni["PrivateIpAddress"], ip);
    EXPECT_EQ(ni["Attachment"]["DeviceIndex"], 0);
    EXPECT_EQ(ni["Attachment"]["Status"], "attached");
    EXPECT_EQ(ni["Attachment"]["DeleteOnTermination"], true);
    EXPECT_EQ(ni["PrivateIpAddresses"][0]["Primary"], true);
    EXPECT_EQ(ni["PrivateIpAddresses"][0]["PrivateIpAddress"], ip);
    EXPECT_EQ(ni["Groups"][0]["GroupId"], sg);
    std::string mac = ni["MacAddress"];
    EXPECT_EQ(mac.size(), 17u);
    EXPECT_EQ(mac.rfind("02:", 0), 0u);
    macs.insert(mac);
    ASSERT_EQ(ni["Ipv6Addresses"].size(), 1u) << "auto-assign gives one address";
    std::string v6 = ni["Ipv6Addresses"][0]["Ipv6Address"];
    EXPECT_TRUE(v64.contains(address6(v6))) << v6 << " not in " << v64.to_string();
    EXPECT_EQ(i["Ipv6Address"], v6);
    v6s.insert(v6);
  }
  EXPECT_EQ(macs.size(), 3u);
  EXPECT_EQ(v6s.size(), 3u);

  // The seed's step 5, verbatim: one IPv6 address per running instance.
  Strings printed = seed_query_lines();
  EXPECT_EQ(std::set<std::string>(printed.begin(), printed.end()), v6s) << join(printed);
  EXPECT_EQ(printed.size(), 3u);

  // The interfaces, as DescribeNetworkInterfaces shows them.
  json listed = enis();
  ASSERT_EQ(listed.size(), 3u);
  for (const json& e : listed) {
    EXPECT_EQ(e["VpcId"], s.vpc);
    EXPECT_EQ(e["OwnerId"], "123456789012");
    EXPECT_EQ(e["RequesterManaged"], false);
    EXPECT_EQ(e["Attachment"]["InstanceOwnerId"], "123456789012");
    EXPECT_TRUE(v6s.count(e["Ipv6Addresses"][0]["Ipv6Address"]));
  }
  json tagged = enis({"--filters", "Name=tag:role,Values=node-eni"});
  EXPECT_EQ(tagged.size(), 2u);
  const std::string id0 = first[0]["InstanceId"];
  json of0 = enis({"--filters", "Name=attachment.instance-id,Values=" + id0});
  ASSERT_EQ(of0.size(), 1u);
  EXPECT_EQ(of0[0]["PrivateIpAddress"], "10.0.0.4");
  EXPECT_EQ(of0[0]["AvailabilityZone"], "us-west-2a");
  std::string eni0 = of0[0]["NetworkInterfaceId"];
  EXPECT_EQ(enis({"--network-interface-ids", eni0})[0]["Attachment"]["InstanceId"], id0);
  EXPECT_EQ(enis({"--filters", "Name=subnet-id,Values=" + s.subnet_b}).size(), 1u);
  EXPECT_EQ(enis({"--filters", "Name=private-ip-address,Values=10.0.0.5"}).size(), 1u);
  EXPECT_EQ(enis({"--filters", "Name=mac-address,Values=" + std::string(of0[0]["MacAddress"])}).size(), 1u);
  EXPECT_EQ(enis({"--filters", "Name=group-id,Values=" + sg}).size(), 3u);
  EXPECT_EQ(enis({"--filters", "Name=status,Values=available"}).size(), 0u);

  // Instance filters, each against what it must select.
  const std::string v6_of_second = second[0]["NetworkInterfaces"][0]["Ipv6Addresses"][0]["Ipv6Address"];
  const struct {
    Strings filters;
    size_t want;
  } cases[] = {
      {{"Name=instance-state-name,Values=running"}, 3},
      {{"Name=instance-state-code,Values=16"}, 3},
      {{"Name=instance-state-name,Values=terminated"}, 0},
      {{"Name=subnet-id,Values=" + s.subnet_b}, 1},
      {{"Name=vpc-id,Values=" + s.vpc}, 3},
      {{"Name=private-ip-address,Values=10.0.0.5"}, 1},
      {{"Name=private-ip-address,Values=10.0.0.*"}, 2},
      {{"Name=network-interface.ipv6-addresses.ipv6-address,Values=" + v6_of_second}, 1},
      {{"Name=network-interface.network-interface-id,Values=" + eni0}, 1},
      {{"Name=tag:Name,Values=node"}, 2},
      {{"Name=tag-key,Values=Name"}, 2},
      {{"Name=availability-zone,Values=us-west-2a"}, 2},
      {{"Name=instance-type,Values=t3.medium"}, 3},
      {{"Name=image-id,Values=" + kAmi}, 3},
      {{"Name=instance-id,Values=" + id0}, 1},
      {{"Name=reservation-id,Values=" + std::string(launched["ReservationId"])}, 2},
      {{"Name=key-name,Values=anything"}, 0},
      {{"Name=instance.group-id,Values=" + sg}, 3},
      {{"Name=subnet-id,Values=" + s.subnet_a, "Name=private-ip-address,Values=10.0.0.4"}, 1},
  };
  for (const auto& c : cases) {
    Strings args = {"--filters"};
    args.insert(args.end(), c.filters.begin(), c.filters.end());
    EXPECT_EQ(describe(args).size(), c.want) << join(c.filters);
  }
  std::vector<json> by_id = describe({"--instance-ids", id0});
  ASSERT_EQ(by_id.size(), 1u);
  EXPECT_EQ(by_id[0]["PrivateIpAddress"], "10.0.0.4");
}

TEST_F(Ec2Instances, PaginationAndClientTokenIdempotency) {
  SeedVpc s = seed_vpc();
  std::vector<json> launched = run(s.subnet_a, {"--count", "7"});
  ASSERT_EQ(launched.size(), 7u);
  Strings ids = ids_of(launched);

  // EC2's page range is 5..1000; the CLI follows NextToken across pages by itself.
  std::vector<json> paged = describe({"--page-size", "5"});
  EXPECT_EQ(ids_of(paged), ids) << "all 7, in launch order, across two pages";
  // --max-items counts reservations (the paginator's result key); a page of 5 instances
  // carries the first 5 of the one 7-instance reservation.
  json first_page = aws({"ec2", "describe-instances", "--page-size", "5", "--max-items", "1"});
  ASSERT_TRUE(first_page.contains("NextToken"));
  EXPECT_EQ(ids_of(instances_of(first_page)), Strings(ids.begin(), ids.begin() + 5));
  std::vector<json> rest = describe({"--page-size", "5", "--starting-token", first_page["NextToken"]});
  EXPECT_EQ(ids_of(rest), Strings(ids.begin() + 5, ids.end()));
  json raw = aws({"ec2", "describe-instances", "--no-paginate", "--max-results", "5"});
  EXPECT_EQ(instances_of(raw).size(), 5u);
  ASSERT_TRUE(raw.contains("NextToken"));
  json raw2 = aws({"ec2", "describe-instances", "--no-paginate", "--max-results", "5", "--next-token", raw["NextToken"]});
  EXPECT_EQ(ids_of(instances_of(raw2)), Strings(ids.begin() + 5, ids.end()));
  EXPECT_FALSE(raw2.contains("NextToken"));
  EXPECT_EQ(fails({"ec2", "describe-instances", "--page-size", "2"}), "InvalidParameterValue");
  EXPECT_EQ(fails({"ec2", "describe-instances", "--page-size", "5", "--instance-ids", ids[0]}),
            "InvalidParameterCombination");
  EXPECT_EQ(fails({"ec2", "describe-instances", "--no-paginate", "--max-results", "5", "--next-token", "zz"}),
            "InvalidParameterValue");
  // Paging the interfaces too.
  json eni_page = aws({"ec2", "describe-network-interfaces", "--no-paginate", "--max-results", "5"});
  EXPECT_EQ(eni_page["NetworkInterfaces"].size(), 5u);
  EXPECT_EQ(enis({"--page-size", "5"}).size(), 7u);

  // A retried launch with the same client token returns the first reservation, launching nothing.
  json once = aws({"ec2", "run-instances", "--image-id", kAmi, "--subnet-id", s.subnet_b, "--count", "2",
                   "--client-token", "seed-token-1"});
  json again = aws({"ec2", "run-instances", "--image-id", kAmi, "--subnet-id", s.subnet_b, "--count", "2",
                    "--client-token", "seed-token-1"});
  EXPECT_EQ(once["ReservationId"], again["ReservationId"]);
  EXPECT_EQ(ids_of(instances_of(once)), ids_of(instances_of(again)));
  EXPECT_EQ(describe().size(), 9u);
  EXPECT_EQ(instances_of(once)[0]["InstanceType"], "m1.small");  // EC2's default type
  EXPECT_EQ(instances_of(once)[0]["ClientToken"], "seed-token-1");
  EXPECT_EQ(describe({"--filters", "Name=client-token,Values=seed-token-1"}).size(), 2u);
  EXPECT_EQ(enis().size(), 9u);
}

TEST_F(Ec2Instances, PrefixDelegationAssignAndUnassign) {
  SeedVpc s = seed_vpc();
  std::vector<json> launched = run(s.subnet_a, {"--count", "2"});
  const json& ni = launched[0]["NetworkInterfaces"][0];
  const std::string eni = ni["NetworkInterfaceId"];
  const Ipv6Address own = address6(ni["Ipv6Addresses"][0]["Ipv6Address"]);
  const Ipv6Address other = address6(launched[1]["NetworkInterfaces"][0]["Ipv6Addresses"][0]["Ipv6Address"]);

  json assigned = aws({"ec2", "assign-ipv6-addresses", "--network-interface-id", eni, "--ipv6-prefix-count", "1"});
  EXPECT_EQ(assigned["NetworkInterfaceId"], eni);
  ASSERT_EQ(assigned["AssignedIpv6Prefixes"].size(), 1u);
  const std::string p_text = assigned["AssignedIpv6Prefixes"][0];
  Ipv6Prefix p = prefix(p_text);
  EXPECT_EQ(p.length(), 80);
  EXPECT_TRUE(s.v6_a.contains(p)) << p_text;
  EXPECT_FALSE(p.contains(own));
  EXPECT_FALSE(p.contains(other));
  json listed = enis({"--network-interface-ids", eni})[0];
  EXPECT_EQ(listed["Ipv6Prefixes"], (json{{{"Ipv6Prefix", p_text}}}));
  EXPECT_EQ(describe({"--instance-ids", launched[0]["InstanceId"]})[0]["NetworkInterfaces"][0]["Ipv6Prefixes"],
            (json{{{"Ipv6Prefix", p_text}}}));

  json more = aws({"ec2", "assign-ipv6-addresses", "--network-interface-id", eni, "--ipv6-address-count", "2"});
  ASSERT_EQ(more["AssignedIpv6Addresses"].size(), 2u);
  std::set<Ipv6Address> mine = {own};
  for (const auto& a : more["AssignedIpv6Addresses"]) {
    Ipv6Address v = address6(a);
    EXPECT_TRUE(s.v6_a.contains(v));
    EXPECT_FALSE(p.contains(v)) << "an address inside the delegated /80";
    mine.insert(v);
  }
  EXPECT_EQ(mine.size(), 3u);
  EXPECT_EQ(enis({"--network-interface-ids", eni})[0]["Ipv6Addresses"].size(), 3u);
  EXPECT_EQ(describe({"--filters", "Name=network-interface.ipv6-addresses.ipv6-address,Values=" +
                                       std::string(more["AssignedIpv6Addresses"][1])}).size(), 1u);

  // Taken space is refused, whoever holds it.
  json before = snapshot();
  const std::string inside_p = p.at(7).value().to_string();
  const std::string eni1 = launched[1]["NetworkInterfaces"][0]["NetworkInterfaceId"];
  EXPECT_EQ(fails({"ec2", "assign-ipv6-addresses", "--network-interface-id", eni1, "--ipv6-prefixes", p_text}),
            "InvalidIPAddress.InUse");
  EXPECT_EQ(fails({"ec2", "assign-ipv6-addresses", "--network-interface-id", eni1, "--ipv6-addresses", inside_p}),
            "InvalidIPAddress.InUse");
  EXPECT_EQ(fails({"ec2", "assign-ipv6-addresses", "--network-interface-id", eni1, "--ipv6-addresses", own.to_string()}),
            "InvalidIPAddress.InUse");
  EXPECT_EQ(fails({"ec2", "assign-ipv6-addresses", "--network-interface-id", eni1, "--ipv6-addresses",
                   s.v6_b.at(99).value().to_string()}),
            "InvalidParameterValue");
  EXPECT_EQ(fails({"ec2", "assign-ipv6-addresses", "--network-interface-id", eni1, "--ipv6-prefixes",
                   s.v6_a.to_string()}),
            "InvalidParameterValue");  // prefixes are /80s
  EXPECT_EQ(fails({"ec2", "unassign-ipv6-addresses", "--network-interface-id", eni1, "--ipv6-addresses",
                   own.to_string()}),
            "InvalidParameterValue");  // not on that interface
  EXPECT_EQ(fails({"ec2", "assign-ipv6-addresses", "--network-interface-id", "eni-00000000000000000",
                   "--ipv6-prefix-count", "1"}),
            "InvalidNetworkInterfaceID.NotFound");
  EXPECT_EQ(snapshot(), before);

  // A specific free address and /80 are taken as given.
  const std::string chosen_p = s.v6_a.subprefix(80, 0x4242).value().to_string();
  const std::string chosen_a = s.v6_a.at(0x1234).value().to_string();
  if (!p.contains(address6(chosen_a)) && p.to_string() != chosen_p) {
    json given = aws({"ec2", "assign-ipv6-addresses", "--network-interface-id", eni1, "--ipv6-prefixes", chosen_p});
    EXPECT_EQ(given["AssignedIpv6Prefixes"], (json{chosen_p}));
    given = aws({"ec2", "assign-ipv6-addresses", "--network-interface-id", eni1, "--ipv6-addresses", chosen_a});
    EXPECT_EQ(given["AssignedIpv6Addresses"], (json{chosen_a}));
  }

  // Unassign frees: the prefix can be delegated again, to another interface.
  json un = aws({"ec2", "unassign-ipv6-addresses", "--network-interface-id", eni, "--ipv6-prefixes", p_text,
                 "--ipv6-addresses", more["AssignedIpv6Addresses"][0]});
  EXPECT_EQ(un["NetworkInterfaceId"], eni);
  EXPECT_EQ(un["UnassignedIpv6Prefixes"], (json{p_text}));
  EXPECT_EQ(un["UnassignedIpv6Addresses"], (json{more["AssignedIpv6Addresses"][0]}));
  json after = enis({"--network-interface-ids", eni})[0];
  EXPECT_FALSE(after.contains("Ipv6Prefixes") && !after["Ipv6Prefixes"].empty());
  EXPECT_EQ(after["Ipv6Addresses"].size(), 2u);
  json reused = aws({"ec2", "assign-ipv6-addresses", "--network-interface-id", eni1, "--ipv6-prefixes", p_text});
  EXPECT_EQ(reused["AssignedIpv6Prefixes"], (json{p_text}));

  // An instance launched with a delegated prefix (the NetworkInterfaces form).
  std::vector<json> node = instances_of(aws({"ec2", "run-instances", "--image-id", kAmi, "--network-interfaces",
                                             "DeviceIndex=0,SubnetId=" + s.subnet_b + ",Ipv6PrefixCount=1"}));
  ASSERT_EQ(node.size(), 1u);
  const json& nni = node[0]["NetworkInterfaces"][0];
  ASSERT_EQ(nni["Ipv6Prefixes"].size(), 1u);
  Ipv6Prefix np = prefix(nni["Ipv6Prefixes"][0]["Ipv6Prefix"]);
  EXPECT_TRUE(s.v6_b.contains(np));
  ASSERT_EQ(nni["Ipv6Addresses"].size(), 1u);  // the subnet auto-assigns
  EXPECT_FALSE(np.contains(address6(nni["Ipv6Addresses"][0]["Ipv6Address"])));
}

TEST_F(Ec2Instances, TerminateFreesTheInterfaceAndItsAddresses) {
  SeedVpc s = seed_vpc();
  std::vector<json> launched = run(s.subnet_a, {"--count", "2"});
  const std::string gone = launched[0]["InstanceId"], kept = launched[1]["InstanceId"];
  const std::string gone_eni = launched[0]["NetworkInterfaces"][0]["NetworkInterfaceId"];
  aws({"ec2", "assign-ipv6-addresses", "--network-interface-id", gone_eni, "--ipv6-prefix-count", "1"});

  json t = aws({"ec2", "terminate-instances", "--instance-ids", gone});
  ASSERT_EQ(t["TerminatingInstances"].size(), 1u);
  EXPECT_EQ(t["TerminatingInstances"][0]["InstanceId"], gone);
  EXPECT_EQ(t["TerminatingInstances"][0]["CurrentState"], (json{{"Code", 32}, {"Name", "shutting-down"}}));
  EXPECT_EQ(t["TerminatingInstances"][0]["PreviousState"], (json{{"Code", 16}, {"Name", "running"}}));

  std::vector<json> after = describe({"--instance-ids", gone});
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0]["State"], (json{{"Code", 48}, {"Name", "terminated"}}));
  EXPECT_TRUE(after[0]["NetworkInterfaces"].empty());
  EXPECT_FALSE(after[0].contains("PrivateIpAddress"));
  EXPECT_EQ(after[0]["StateReason"]["Code"], "Client.UserInitiatedShutdown");
  EXPECT_EQ(fails({"ec2", "describe-network-interfaces", "--network-interface-ids", gone_eni}),
            "InvalidNetworkInterfaceID.NotFound");
  EXPECT_EQ(enis().size(), 1u);
  EXPECT_EQ(describe({"--filters", "Name=instance-state-name,Values=terminated"}).size(), 1u);
  EXPECT_EQ(seed_query_lines().size(), 1u) << "only the running instance prints";

  json twice = aws({"ec2", "terminate-instances", "--instance-ids", gone});
  EXPECT_EQ(twice["TerminatingInstances"][0]["CurrentState"]["Name"], "terminated");
  EXPECT_EQ(twice["TerminatingInstances"][0]["PreviousState"]["Name"], "terminated");

  // The freed private address is the first free one again.
  std::vector<json> next = run(s.subnet_a);
  EXPECT_EQ(next[0]["PrivateIpAddress"], "10.0.0.4");
  EXPECT_EQ(describe({"--instance-ids", kept})[0]["State"]["Name"], "running");
}

TEST_F(Ec2Instances, PublicIpv4AndPartialLaunches) {
  SeedVpc s = seed_vpc();
  aws({"ec2", "modify-subnet-attribute", "--subnet-id", s.subnet_b, "--map-public-ip-on-launch"});
  std::vector<json> mapped = run(s.subnet_b, {"--count", "2"});
  EXPECT_EQ(mapped[0]["NetworkInterfaces"][0]["Association"]["PublicIp"], "198.51.100.2");
  EXPECT_EQ(mapped[1]["NetworkInterfaces"][0]["Association"]["PublicIp"], "198.51.100.3");
  EXPECT_EQ(mapped[0]["PublicIpAddress"], "198.51.100.2");
  EXPECT_EQ(mapped[0]["NetworkInterfaces"][0]["Association"]["IpOwnerId"], "amazon");
  std::vector<json> opted_out = run(s.subnet_b, {"--no-associate-public-ip-address"});
  EXPECT_FALSE(opted_out[0].contains("PublicIpAddress"));
  std::vector<json> opted_in = run(s.subnet_a, {"--associate-public-ip-address"});
  EXPECT_EQ(opted_in[0]["PublicIpAddress"], "198.51.100.4");
  EXPECT_EQ(opted_in[0]["SubnetId"], s.subnet_a);
  EXPECT_EQ(describe({"--filters", "Name=ip-address,Values=198.51.100.3"}).size(), 1u);
  EXPECT_EQ(enis({"--filters", "Name=association.public-ip,Values=198.51.100.4"}).size(), 1u);

  // A /28 has 11 usable addresses (.4-.14): MinCount above that fails, a range launches what fits.
  std::string small = subnet(s.vpc, "10.0.9.0/28", "us-west-2c");
  json before = snapshot();
  EXPECT_EQ(fails({"ec2", "run-instances", "--image-id", kAmi, "--subnet-id", small, "--count", "12"}),
            "InsufficientFreeAddressesInSubnet");
  EXPECT_EQ(snapshot(), before);
  std::vector<json> packed = run(small, {"--count", "5:20"});
  ASSERT_EQ(packed.size(), 11u);
  EXPECT_EQ(packed.front()["PrivateIpAddress"], "10.0.9.4");
  EXPECT_EQ(packed.back()["PrivateIpAddress"], "10.0.9.14");
  EXPECT_EQ(fails({"ec2", "run-instances", "--image-id", kAmi, "--subnet-id", small}),
            "InsufficientFreeAddressesInSubnet");
  // A v4-only subnet gives no IPv6 unless asked (and cannot be asked).
  EXPECT_TRUE(packed[0]["NetworkInterfaces"][0]["Ipv6Addresses"].empty());
  EXPECT_FALSE(packed[0].contains("Ipv6Address"));
}

TEST_F(Ec2Instances, BadRequestsAreRefusedAndChangeNothing) {
  SeedVpc s = seed_vpc();
  std::string v4only = subnet(s.vpc, "10.0.5.0/24", "us-west-2a");
  std::vector<json> existing = run(s.subnet_a);
  const std::string eni = existing[0]["NetworkInterfaces"][0]["NetworkInterfaceId"];
  std::vector<json> v4_instance = run(v4only);
  const std::string v4_eni = v4_instance[0]["NetworkInterfaces"][0]["NetworkInterfaceId"];
  const Strings launch = {"ec2", "run-instances", "--image-id", kAmi};
  auto with = [](Strings base, const Strings& more) {
    base.insert(base.end(), more.begin(), more.end());
    return base;
  };
  const struct {
    Strings args;
    std::string code;
  } cases[] = {
      {with(launch, {"--subnet-id", "subnet-00000000000000000"}), "InvalidSubnetID.NotFound"},
      {with(launch, {}), "VPCIdNotSpecified"},
      {with(launch, {"--subnet-id", s.subnet_a, "--count", "3:2"}), "InvalidParameterValue"},
      {with(launch, {"--subnet-id", s.subnet_a, "--count", "0"}), "InvalidParameterValue"},
      {{"ec2", "run-instances", "--image-id", "fedora", "--subnet-id", s.subnet_a}, "InvalidAMIID.Malformed"},
      {with(launch, {"--subnet-id", s.subnet_a, "--instance-type", "large"}), "InvalidParameterValue"},
      {with(launch, {"--subnet-id", v4only, "--ipv6-address-count", "1"}), "InvalidParameterValue"},
      {with(launch, {"--subnet-id", s.subnet_a, "--ipv6-address-count", "1", "--ipv6-addresses",
                     "Ipv6Address=" + s.v6_a.at(77).value().to_string()}),
       "InvalidParameterCombination"},
      {with(launch, {"--subnet-id", s.subnet_a, "--ipv6-addresses", "Ipv6Address=" + s.v6_b.at(77).value().to_string()}),
       "InvalidParameterValue"},
      {with(launch, {"--subnet-id", s.subnet_a, "--key-name", "no-such-key"}), "InvalidKeyPair.NotFound"},
      {with(launch, {"--subnet-id", s.subnet_a, "--security-group-ids", "sg-00000000000000000"}),
       "InvalidGroup.NotFound"},
      {with(launch, {"--subnet-id", s.subnet_a, "--placement", "AvailabilityZone=us-west-2b"}),
       "InvalidParameterValue"},
      {with(launch, {"--network-interfaces", "DeviceIndex=1,SubnetId=" + s.subnet_a}), "InvalidParameterValue"},
      {with(launch, {"--subnet-id", s.subnet_a, "--count", "2", "--private-ip-address", "10.0.0.50"}),
       "InvalidParameterCombination"},
      {with(launch, {"--subnet-id", s.subnet_a, "--private-ip-address", "10.0.0.4"}), "InvalidIPAddress.InUse"},
      {with(launch, {"--subnet-id", s.subnet_a, "--private-ip-address", "10.0.0.1"}), "InvalidParameterValue"},
      {with(launch, {"--subnet-id", s.subnet_a, "--private-ip-address", "10.0.1.9"}), "InvalidParameterValue"},
      {with(launch, {"--subnet-id", s.subnet_a, "--tag-specifications", "ResourceType=vpc,Tags=[{Key=a,Value=b}]"}),
       "InvalidParameterValue"},
      {{"ec2", "describe-instances", "--instance-ids", "i-00000000000000000"}, "InvalidInstanceID.NotFound"},
      {{"ec2", "describe-instances", "--instance-ids", "bogus"}, "InvalidInstanceID.Malformed"},
      {{"ec2", "describe-instances", "--filters", "Name=no-such-filter,Values=x"}, "InvalidParameterValue"},
      {{"ec2", "terminate-instances", "--instance-ids", existing[0]["InstanceId"], "i-00000000000000000"},
       "InvalidInstanceID.NotFound"},
      {{"ec2", "describe-network-interfaces", "--network-interface-ids", "eni-00000000000000000"},
       "InvalidNetworkInterfaceID.NotFound"},
      {{"ec2", "describe-network-interfaces", "--filters", "Name=no-such-filter,Values=x"}, "InvalidParameterValue"},
      {{"ec2", "assign-ipv6-addresses", "--network-interface-id", v4_eni, "--ipv6-address-count", "1"},
       "InvalidParameterValue"},
      {{"ec2", "assign-ipv6-addresses", "--network-interface-id", eni, "--ipv6-address-count", "1",
        "--ipv6-addresses", s.v6_a.at(88).value().to_string()},
       "InvalidParameterCombination"},
      {{"ec2", "assign-ipv6-addresses", "--network-interface-id", eni}, "MissingParameter"},
      {{"ec2", "assign-ipv6-addresses", "--network-interface-id", eni, "--ipv6-prefixes", "2001:db8::/64"},
       "InvalidParameterValue"},
      {{"ec2", "unassign-ipv6-addresses", "--network-interface-id", eni, "--ipv6-addresses",
        s.v6_a.at(99).value().to_string()},
       "InvalidParameterValue"},
      {{"ec2", "unassign-ipv6-addresses", "--network-interface-id", eni, "--ipv6-prefixes",
        s.v6_a.subprefix(80, 9).value().to_string()},
       "InvalidParameterValue"},
  };
  json before = snapshot();
  for (const auto& c : cases) {
    EXPECT_EQ(fails(c.args), c.code) << join(c.args);
    EXPECT_EQ(snapshot(), before) << "changed by: " << join(c.args);
  }
}

// Key pairs and security groups come from their own handlers; launches must honour them.
TEST_F(Ec2Instances, KeyPairsAndSecurityGroups) {
  SeedVpc s = seed_vpc();
  aws({"ec2", "create-key-pair", "--key-name", "seed-key"});
  std::string web = aws({"ec2", "create-security-group", "--group-name", "web", "--description", "web nodes",
                         "--vpc-id", s.vpc})["GroupId"];
  std::string other_vpc = aws({"ec2", "create-vpc", "--cidr-block", "10.1.0.0/16"})["Vpc"]["VpcId"];
  std::string foreign = aws({"ec2", "create-security-group", "--group-name", "web", "--description", "elsewhere",
                             "--vpc-id", other_vpc})["GroupId"];

  std::vector<json> keyed = run(s.subnet_a, {"--key-name", "seed-key", "--security-group-ids", web});
  EXPECT_EQ(keyed[0]["KeyName"], "seed-key");
  ASSERT_EQ(keyed[0]["SecurityGroups"].size(), 1u);
  EXPECT_EQ(keyed[0]["SecurityGroups"][0], (json{{"GroupId", web}, {"GroupName", "web"}}));
  EXPECT_EQ(keyed[0]["NetworkInterfaces"][0]["Groups"][0]["GroupId"], web);
  EXPECT_EQ(describe({"--filters", "Name=key-name,Values=seed-key"}).size(), 1u);
  EXPECT_EQ(describe({"--filters", "Name=instance.group-name,Values=web"}).size(), 1u);

  std::vector<json> by_name = run(s.subnet_b, {"--security-groups", "web", "default"});
  ASSERT_EQ(by_name[0]["SecurityGroups"].size(), 2u);
  EXPECT_EQ(by_name[0]["SecurityGroups"][0]["GroupId"], web);
  EXPECT_EQ(by_name[0]["SecurityGroups"][1]["GroupId"], default_group(s.vpc));

  json before = snapshot();
  EXPECT_EQ(fails({"ec2", "run-instances", "--image-id", kAmi, "--subnet-id", s.subnet_a, "--security-group-ids",
                   foreign}),
            "InvalidParameter");
  EXPECT_EQ(fails({"ec2", "run-instances", "--image-id", kAmi, "--subnet-id", s.subnet_a, "--security-groups",
                   "nope"}),
            "InvalidGroup.NotFound");
  EXPECT_EQ(snapshot(), before);
}

}  // namespace
