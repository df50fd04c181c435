// v6k-cni's IPv4 pod mode (an IPv4 cluster, the VPC CNI's default mode) in real
// namespaces: each pod gets one of the node's listed secondary IPv4s as a /32 and routes
// through 169.254.1.1; pods talk to each other with their own addresses, across nodes too;
// traffic leaving the VPC takes the node's IPv4; the list running out fails ADD with
// "try again later" and changes nothing.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "addr/ip.h"
#include "lab.h"
#include "netlink/netns.h"
#include "netlink/rtnl.h"

namespace v6k::testing {
namespace {

using nlohmann::json;

class PluginIpv4Pods : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = Lab::unavailable()) GTEST_SKIP() << *why;
    lab_ = std::make_unique<Lab>(2);
  }
  std::pair<std::string, json> add_pod(int node, const std::string& cid) {
    return lab_->add_pod(node, cid, lab_->config_v4(node));
  }
  static std::string pod_ip(const json& result) { return Lab::first_ip(result); }
  std::unique_ptr<Lab> lab_;
};

TEST_F(PluginIpv4Pods, AddHandsOutAListedAddressAsSlash32WithTheVpcCniGateway) {
  auto [pod, res] = add_pod(1, "c1");
  ASSERT_TRUE(res.is_object());
  ASSERT_EQ(res["ips"].size(), 1u);
  EXPECT_EQ(res["ips"][0]["address"], "10.0.1.17/32");  // the first listed address
  EXPECT_EQ(res["ips"][0]["gateway"], "169.254.1.1");
  EXPECT_EQ(res["routes"], json::parse(R"([{"dst":"0.0.0.0/0","gw":"169.254.1.1"}])"));

  auto ns = netlink::NetNs::open_named(pod).value();
  auto rt = netlink::Rtnl::open_in(ns).value();
  auto eth0 = rt.get_link("eth0").value();
  bool v4 = false, global_v6 = false;
  auto addrs = rt.list_addresses(eth0.index).value();
  for (const auto& a : addrs) {
    if (a.address == addr::IpInterface::parse("10.0.1.17/32").value()) v4 = true;
    if (addr::is_v6(a.address.address) && a.address.to_string().rfind("fe80:", 0) != 0) global_v6 = true;
  }
  EXPECT_TRUE(v4);
  EXPECT_FALSE(global_v6) << "an IPv4 pod has no IPv6 address";

  json conf = lab_->config_v4(1);
  conf["prevResult"] = res;
  ExecResult check = lab_->cni(1, "CHECK", "c1", pod, conf);
  EXPECT_EQ(check.exit_code, 0) << check.out;
}

TEST_F(PluginIpv4Pods, PodsReachEachOtherWithTheirOwnAddressesAcrossNodes) {
  auto [a, ra] = add_pod(1, "a");
  auto [b, rb] = add_pod(1, "b");
  auto [c, rc] = add_pod(2, "c");
  EXPECT_EQ(pod_ip(rc), "10.0.2.17");
  auto same = tcp_probe(a, b, pod_ip(rb), 8180);
  ASSERT_TRUE(same.ok) << same.error;
  EXPECT_EQ(same.server_saw, pod_ip(ra));
  auto across = tcp_probe(a, c, pod_ip(rc), 8181);
  ASSERT_TRUE(across.ok) << across.error;
  EXPECT_EQ(across.server_saw, pod_ip(ra)) << "no NAT inside the VPC";
  auto back = tcp_probe(c, b, pod_ip(rb), 8182);
  ASSERT_TRUE(back.ok) << back.error;
  EXPECT_EQ(back.server_saw, pod_ip(rc));
}

TEST_F(PluginIpv4Pods, TrafficLeavingTheVpcTakesTheNodeAddress) {
  auto [a, ra] = add_pod(1, "a");
  auto probe = tcp_probe(a, lab_->inet(), "203.0.113.10", 8190);
  ASSERT_TRUE(probe.ok) << probe.error;
  EXPECT_EQ(probe.server_saw, lab_->node_ipv4(1));
}

TEST_F(PluginIpv4Pods, ExhaustionFailsAddAndStatusUntilAnAddressIsListed) {
  json conf = lab_->config_v4(1);
  conf["cooldownSeconds"] = 0;
  for (const char* cid : {"x1", "x2", "x3"}) {
    ExecResult r = lab_->cni(1, "ADD", cid, lab_->new_pod(), conf);
    ASSERT_EQ(r.exit_code, 0) << r.out;
  }
  std::string pod = lab_->new_pod();
  ExecResult full = lab_->cni(1, "ADD", "x4", pod, conf);
  EXPECT_NE(full.exit_code, 0);
  json err = json::parse(full.out, nullptr, false);
  EXPECT_EQ(err.value("code", 0), 11) << full.out;  // try again later
  EXPECT_EQ(err.value("msg", ""), "cannot allocate a pod address") << full.out;
  EXPECT_NE(err.value("details", "").find("no free IPv4 address in 3 IPv4 pod addresses of the node"),
            std::string::npos)
      << full.out;
  {  // nothing was left behind in the node namespace for x4
    auto node = netlink::Rtnl::open_in(netlink::NetNs::open_named(lab_->node(1)).value()).value();
    int veths = 0;
    auto links = node.list_links().value();
    for (const auto& l : links)
      if (l.kind == "veth" && l.name.rfind("v6k", 0) == 0) ++veths;
    EXPECT_EQ(veths, 3);
  }
  ExecResult status = lab_->cni(1, "STATUS", "", "", conf);
  EXPECT_NE(status.exit_code, 0);
  EXPECT_EQ(json::parse(status.out, nullptr, false).value("code", 0), 50) << status.out;

  // An empty list (no address assigned yet) is a valid config whose ADD asks to retry.
  json none = conf;
  none["ipv4Addresses"] = json::array();
  ExecResult empty = lab_->cni(1, "ADD", "x0", lab_->new_pod(), none);
  EXPECT_EQ(json::parse(empty.out, nullptr, false).value("code", 0), 11) << empty.out;

  // ipamd assigns one more secondary: the same ADD now succeeds with it.
  conf["ipv4Addresses"].push_back("10.0.1.20");
  ExecResult again = lab_->cni(1, "ADD", "x4", pod, conf);
  ASSERT_EQ(again.exit_code, 0) << again.out;
  EXPECT_EQ(json::parse(again.out)["ips"][0]["address"], "10.0.1.20/32");
  // A released address is reused (cool-down 0) and DEL is idempotent.
  EXPECT_EQ(lab_->cni(1, "DEL", "x2", "", conf).exit_code, 0);
  EXPECT_EQ(lab_->cni(1, "DEL", "x2", "", conf).exit_code, 0);
  ExecResult reuse = lab_->cni(1, "ADD", "x5", lab_->new_pod(), conf);
  ASSERT_EQ(reuse.exit_code, 0) << reuse.out;
  EXPECT_EQ(json::parse(reuse.out)["ips"][0]["address"], "10.0.1.18/32");
}

TEST_F(PluginIpv4Pods, ConfigErrorsAreInvalidConfigAndChangeNothing) {
  struct Case {
    const char* what;
    json patch;
    const char* msg;
  };
  const Case cases[] = {
      {"both modes", {{"ipv6Prefixes", {"2001:db8::/80"}}}, "\"ipv6Prefixes\" and \"ipv4Addresses\" exclude each other"},
      {"egress with v4 pods", {{"ipv4Egress", {{"enabled", true}, {"nodeIPv4", "10.0.1.2"}}}},
       "\"ipv4Egress\" is for IPv6 pods; with \"ipv4Addresses\" use \"ipv4Snat\""},
      {"not a list", {{"ipv4Addresses", "10.0.1.17"}}, "\"ipv4Addresses\" must be an array of at most 4096 IPv4 addresses"},
      {"duplicate", {{"ipv4Addresses", {"10.0.1.17", "10.0.1.17"}}}, "\"ipv4Addresses\" lists an address twice"},
      {"link-local", {{"ipv4Addresses", {"169.254.1.1"}}}, "\"ipv4Addresses\" must be unicast pod addresses"},
      {"not an address", {{"ipv4Addresses", {"10.0.1.300"}}}, "invalid IPv4 address in \"ipv4Addresses\""},
      {"snat without node", {{"ipv4Snat", {{"excludeCidrs", {"10.0.0.0/16"}}}}},
       "\"ipv4Snat.nodeIPv4\" is required when source NAT is enabled"},
      {"snat bad cidr", {{"ipv4Snat", {{"nodeIPv4", "10.0.1.2"}, {"excludeCidrs", {"10.0.0.0/33"}}}}},
       "invalid CIDR in \"ipv4Snat.excludeCidrs\""},
  };
  for (const auto& c : cases) {
    json conf = lab_->config_v4(1);
    for (auto& [k, v] : c.patch.items()) conf[k] = v;
    ExecResult r = lab_->cni(1, "ADD", "bad", lab_->new_pod(), conf);
    EXPECT_NE(r.exit_code, 0) << c.what;
    json err = json::parse(r.out, nullptr, false);
    EXPECT_EQ(err.value("code", 0), 7) << c.what << ": " << r.out;
    EXPECT_EQ(err.value("msg", ""), c.msg) << c.what;
  }
  // ipv4Snat without ipv4Addresses is refused too.
  json v6 = lab_->config(1);
  v6["ipv4Snat"] = {{"nodeIPv4", "10.0.1.2"}};
  ExecResult r = lab_->cni(1, "ADD", "bad6", lab_->new_pod(), v6);
  EXPECT_EQ(json::parse(r.out, nullptr, false).value("msg", ""),
            "\"ipv4Snat\" needs \"ipv4Addresses\"; IPv6 pods use \"ipv4Egress\"");
  auto node = netlink::Rtnl::open_in(netlink::NetNs::open_named(lab_->node(1)).value()).value();
  auto links = node.list_links().value();
  for (const auto& l : links) EXPECT_NE(l.name.rfind("v6k", 0), 0u) << l.name << " left behind";
}

}  // namespace
}  // namespace v6k::testing
