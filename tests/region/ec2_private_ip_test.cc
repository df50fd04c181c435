// The real aws CLI against `v6k serve` for secondary private IPv4 addresses (the VPC CNI's
// IPv4 mode): assign-private-ip-addresses hands out the lowest free addresses of the ENI's
// subnet (never AWS's five reserves, never another interface's primary or secondary),
// describe-network-interfaces / describe-instances list them with Primary false, the
// subnet's AvailableIpAddressCount drops, a /28 runs out after its 11 usable addresses with
// EC2's error, unassign frees them, AllowReassignment moves a secondary between ENIs, bad
// requests fail with EC2's codes while nothing changes, and the VPC router really delivers
// a secondary address to its instance (and stops when it is unassigned).
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "support/probe.h"
#include "support/proc.h"
#include "support/region_daemon.h"

namespace {

using nlohmann::json;
using v6k::testing::ExecResult;
using v6k::testing::RegionDaemon;
using Strings = std::vector<std::string>;

const std::string kAmi = "ami-0123456789abcdef0";

std::string join(const Strings& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

class Ec2PrivateIp : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = RegionDaemon::unavailable()) GTEST_SKIP() << *why;
    d_ = std::make_unique<RegionDaemon>();
    vpc_ = aws({"ec2", "create-vpc", "--cidr-block", "10.0.0.0/16"})["Vpc"]["VpcId"];
    subnet_ = aws({"ec2", "create-subnet", "--vpc-id", vpc_, "--cidr-block", "10.0.0.0/28", "--availability-zone",
                   "us-west-2a"})["Subnet"]["SubnetId"];
  }
  json aws(const Strings& args) { return d_->aws_json(args); }
  // A call that must fail with `code` and a message containing `message`.
  void fails(const Strings& args, const std::string& code, const std::string& message) {
    ExecResult r = d_->aws(args);
    EXPECT_EQ(r.exit_code, 254) << join(args) << "\nstdout: " << r.out << "\nstderr: " << r.err;
    EXPECT_EQ(v6k::testing::aws_error_code(r), code) << join(args) << "\n" << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << join(args) << "\n" << r.err;
  }
  // (instance id, its ENI id)
  std::pair<std::string, std::string> run() {
    json i = aws({"ec2", "run-instances", "--image-id", kAmi, "--instance-type", "t3.medium", "--subnet-id",
                  subnet_})["Instances"][0];
    return {i["InstanceId"], i["NetworkInterfaces"][0]["NetworkInterfaceId"]};
  }
  json assign(const std::string& eni, const Strings& extra) {
    Strings args = {"ec2", "assign-private-ip-addresses", "--network-interface-id", eni};
    args.insert(args.end(), extra.begin(), extra.end());
    return aws(args);
  }
  Strings assigned(const json& answer) {
    Strings out;
    for (const auto& a : answer["AssignedPrivateIpAddresses"]) out.push_back(a["PrivateIpAddress"]);
    return out;
  }
  // The ENI's addresses as "ip/primary" in answer order, from describe-network-interfaces.
  Strings addresses(const std::string& eni) {
    json e = aws({"ec2", "describe-network-interfaces", "--network-interface-ids", eni})["NetworkInterfaces"][0];
    Strings out;
    for (const auto& a : e["PrivateIpAddresses"])
      out.push_back(std::string(a["PrivateIpAddress"]) + (a["Primary"] == true ? "/primary" : "/secondary"));
    return out;
  }
  int available() {
    return aws({"ec2", "describe-subnets", "--subnet-ids", subnet_})["Subnets"][0]["AvailableIpAddressCount"];
  }
  json snapshot() {
    return json{{"e", aws({"ec2", "describe-network-interfaces"})},
                {"s", aws({"ec2", "describe-subnets"})}};
  }
  std::unique_ptr<RegionDaemon> d_;
  std::string vpc_, subnet_;
};

TEST_F(Ec2PrivateIp, AssignDescribeRunOutAndUnassign) {
  EXPECT_EQ(available(), 11);  // a /28 less AWS's five
  auto [i1, eni1] = run();
  EXPECT_EQ(available(), 10);

  json a = assign(eni1, {"--secondary-private-ip-address-count", "2"});
  EXPECT_EQ(a["NetworkInterfaceId"], eni1);
  EXPECT_EQ(assigned(a), (Strings{"10.0.0.5", "10.0.0.6"}));
  EXPECT_EQ(addresses(eni1), (Strings{"10.0.0.4/primary", "10.0.0.5/secondary", "10.0.0.6/secondary"}));
  EXPECT_EQ(available(), 8);
  json inst = aws({"ec2", "describe-instances", "--instance-ids", i1})["Reservations"][0]["Instances"][0];
  const json& listed = inst["NetworkInterfaces"][0]["PrivateIpAddresses"];
  ASSERT_EQ(listed.size(), 3u) << listed;
  EXPECT_EQ(listed[2], (json{{"Primary", false},
                             {"PrivateDnsName", "ip-10-0-0-6.us-west-2.compute.internal"},
                             {"PrivateIpAddress", "10.0.0.6"}}));
  EXPECT_EQ(inst["PrivateIpAddress"], "10.0.0.4");  // the primary stays the instance's address
  // The filter sees secondaries too.
  json found = aws({"ec2", "describe-network-interfaces", "--filters",
                    "Name=addresses.private-ip-address,Values=10.0.0.6"})["NetworkInterfaces"];
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0]["NetworkInterfaceId"], eni1);

  // A named address, then a new instance: both skip what is taken.
  EXPECT_EQ(assigned(assign(eni1, {"--private-ip-addresses", "10.0.0.10"})), (Strings{"10.0.0.10"}));
  auto [i2, eni2] = run();
  EXPECT_EQ(addresses(eni2), (Strings{"10.0.0.7/primary"}));
  EXPECT_EQ(available(), 6);

  // The last six usable addresses, then nothing is left.
  EXPECT_EQ(assigned(assign(eni2, {"--secondary-private-ip-address-count", "6"})),
            (Strings{"10.0.0.8", "10.0.0.9", "10.0.0.11", "10.0.0.12", "10.0.0.13", "10.0.0.14"}));
  EXPECT_EQ(available(), 0);
  json before = snapshot();
  const std::string full = "The specified subnet does not have enough free addresses to satisfy the request.";
  fails({"ec2", "assign-private-ip-addresses", "--network-interface-id", eni1, "--secondary-private-ip-address-count",
         "1"}, "InsufficientFreeAddressesInSubnet", full);
  EXPECT_EQ(snapshot(), before);
  ExecResult launch = d_->aws({"ec2", "run-instances", "--image-id", kAmi, "--subnet-id", subnet_});
  EXPECT_EQ(v6k::testing::aws_error_code(launch), "InsufficientFreeAddressesInSubnet") << launch.err;
  EXPECT_EQ(snapshot(), before);

  // Unassign frees them; the next assignment takes the lowest again.
  json un = aws({"ec2", "unassign-private-ip-addresses", "--network-interface-id", eni1, "--private-ip-addresses",
                 "10.0.0.5", "10.0.0.6"});
  EXPECT_EQ(un, json::object());
  EXPECT_EQ(addresses(eni1), (Strings{"10.0.0.4/primary", "10.0.0.10/secondary"}));
  EXPECT_EQ(available(), 2);
  EXPECT_EQ(assigned(assign(eni2, {"--secondary-private-ip-address-count", "1"})), (Strings{"10.0.0.5"}));

  // AllowReassignment moves a secondary from another interface; without it, it is in use.
  fails({"ec2", "assign-private-ip-addresses", "--network-interface-id", eni1, "--private-ip-addresses", "10.0.0.5"},
        "InvalidIPAddress.InUse", "Address 10.0.0.5 is in use.");
  EXPECT_EQ(assigned(assign(eni1, {"--private-ip-addresses", "10.0.0.5", "--allow-reassignment"})),
            (Strings{"10.0.0.5"}));
  EXPECT_EQ(addresses(eni1), (Strings{"10.0.0.4/primary", "10.0.0.10/secondary", "10.0.0.5/secondary"}));
  EXPECT_EQ(addresses(eni2).size(), 7u);  // 10.0.0.7 + the six, without 10.0.0.5

  // Terminating an instance frees its secondaries with it.
  aws({"ec2", "terminate-instances", "--instance-ids", i2});
  EXPECT_EQ(available(), 8);
}

TEST_F(Ec2PrivateIp, BadRequestsFailWithEc2ErrorsAndChangeNothing) {
  auto [i1, eni1] = run();
  auto [i2, eni2] = run();
  assign(eni1, {"--private-ip-addresses", "10.0.0.9"});
  json before = snapshot();
  const Strings base = {"ec2", "assign-private-ip-addresses", "--network-interface-id"};
  auto with = [&](const Strings& head, const std::string& eni, const Strings& extra) {
    Strings args = head;
    args.push_back(eni);
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  fails(with(base, "nope-1", {"--secondary-private-ip-address-count", "1"}), "InvalidNetworkInterfaceID.Malformed",
        "Invalid id: \"nope-1\"");
  fails(with(base, "eni-0123456789abcdef0", {"--secondary-private-ip-address-count", "1"}),
        "InvalidNetworkInterfaceID.NotFound", "The networkInterface ID 'eni-0123456789abcdef0' does not exist");
  fails(with(base, eni1, {"--secondary-private-ip-address-count", "0"}), "InvalidParameterValue",
        "Value (0) for parameter secondaryPrivateIpAddressCount is invalid. Expected a value greater than or equal to 1.");
  fails(with(base, eni1, {"--private-ip-addresses", "10.0.1.5"}), "InvalidParameterValue",
        "Address 10.0.1.5 does not fall within the subnet's address range.");
  fails(with(base, eni1, {"--private-ip-addresses", "10.0.0.1"}), "InvalidParameterValue",
        "Address 10.0.0.1 is reserved by AWS in this subnet.");
  fails(with(base, eni1, {"--private-ip-addresses", "10.0.0.15"}), "InvalidParameterValue",
        "Address 10.0.0.15 is reserved by AWS in this subnet.");
  fails(with(base, eni1, {"--private-ip-addresses", "10.0.0.300"}), "InvalidParameterValue",
        "Value (10.0.0.300) for parameter privateIpAddress is invalid. This is not a valid IPv4 address.");
  // Another instance's primary is never reassigned, with or without the flag.
  fails(with(base, eni1, {"--private-ip-addresses", "10.0.0.5"}), "InvalidIPAddress.InUse",
        "Address 10.0.0.5 is in use.");
  fails(with(base, eni1, {"--private-ip-addresses", "10.0.0.5", "--allow-reassignment"}), "InvalidIPAddress.InUse",
        "Address 10.0.0.5 is in use.");
  // All or nothing: one bad address among good ones assigns none.
  fails(with(base, eni1, {"--private-ip-addresses", "10.0.0.6", "10.0.0.9"}), "InvalidIPAddress.InUse",
        "Address 10.0.0.9 is in use.");
  fails(with(base, eni1, {"--private-ip-addresses", "10.0.0.6", "--secondary-private-ip-address-count", "1"}),
        "InvalidParameterCombination", "may not be specified on the same request");
  fails(with(base, eni1, {}), "MissingParameter",
        "The request must contain the parameter privateIpAddress or secondaryPrivateIpAddressCount");
  const Strings un = {"ec2", "unassign-private-ip-addresses", "--network-interface-id"};
  const std::string not_assigned = "Some of the specified addresses are not assigned to interface " + eni1;
  fails(with(un, eni1, {"--private-ip-addresses", "10.0.0.4"}), "InvalidParameterValue", not_assigned);  // the primary
  fails(with(un, eni1, {"--private-ip-addresses", "10.0.0.9", "10.0.0.6"}), "InvalidParameterValue", not_assigned);
  fails(with(un, "eni-0123456789abcdef0", {"--private-ip-addresses", "10.0.0.9"}),
        "InvalidNetworkInterfaceID.NotFound", "does not exist");
  EXPECT_EQ(snapshot(), before);
}

TEST_F(Ec2PrivateIp, TheRouterDeliversSecondariesToTheirInstance) {
  auto [i1, eni1] = run();
  auto [i2, eni2] = run();
  const std::string ns1 = d_->netns(i1), ns2 = d_->netns(i2);
  ASSERT_EQ(assigned(assign(eni1, {"--private-ip-addresses", "10.0.0.12"})), (Strings{"10.0.0.12"}));
  // The router routes it to the ENI's link; the instance does not configure it (the CNI will).
  ExecResult route = v6k::testing::run_command({"/usr/sbin/ip", "-n", d_->netns(vpc_), "-4", "route", "show",
                                                "10.0.0.12"}, {}, "");
  ASSERT_EQ(route.exit_code, 0) << route.err;
  EXPECT_NE(route.out.find("10.0.0.12 dev eni"), std::string::npos) << route.out;
  ExecResult addr = v6k::testing::run_command({"/usr/sbin/ip", "-n", ns1, "-4", "addr", "show", "dev", "eth0"}, {}, "");
  EXPECT_EQ(addr.out.find("10.0.0.12"), std::string::npos) << addr.out;

  // Configured by hand (as the CNI would), it is reachable from the other instance of the
  // default group (which admits its own members: secondaries count as members).
  ASSERT_EQ(v6k::testing::run_command({"/usr/sbin/ip", "-n", ns1, "addr", "add", "10.0.0.12/32", "dev", "eth0"}, {}, "")
                .exit_code, 0);
  auto reached = v6k::testing::tcp_probe(ns2, ns1, "10.0.0.12", 8080, 2000);
  ASSERT_TRUE(reached.ok) << reached.error;
  EXPECT_EQ(reached.server_saw, "10.0.0.5");

  // Unassigned, the router no longer delivers it.
  aws({"ec2", "unassign-private-ip-addresses", "--network-interface-id", eni1, "--private-ip-addresses", "10.0.0.12"});
  EXPECT_FALSE(v6k::testing::tcp_probe(ns2, ns1, "10.0.0.12", 8080, 1000).ok);
}

}  // namespace
