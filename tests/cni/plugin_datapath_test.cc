// v6k-cni end to end in real namespaces: the binary exec'd in a node namespace exactly as
// a runtime does, then real traffic between pods, across nodes and to an IPv4-only host.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "addr/ip.h"
#include "lab.h"
#include "netlink/netns.h"
#include "netlink/nft.h"
#include "netlink/rtnl.h"

namespace v6k::testing {
namespace {

using nlohmann::json;

class PluginDatapath : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = Lab::unavailable()) GTEST_SKIP() << *why;
    lab_ = std::make_unique<Lab>(2);
  }
  std::pair<std::string, json> add_pod(int node, const std::string& cid) {
    return lab_->add_pod(node, cid, lab_->config(node));
  }
  static std::string pod_ip(const json& result) { return Lab::first_ip(result); }
  std::unique_ptr<Lab> lab_;
};

TEST_F(PluginDatapath, AddReturnsAddressFromPrefixAndConfiguresPod) {
  auto [pod, res] = add_pod(1, "c1");
  ASSERT_TRUE(res.is_object());
  EXPECT_EQ(res["cniVersion"], "1.1.0");
  ASSERT_EQ(res["ips"].size(), 1u);  // the IPv4 egress address is not a pod IP
  auto prefix = addr::Ipv6Prefix::parse(lab_->pod_prefix(1)).value();
  auto ip = addr::Ipv6Address::parse(pod_ip(res)).value();
  EXPECT_TRUE(prefix.contains(ip));
  EXPECT_EQ(res["ips"][0]["gateway"], "fe80::1");
  EXPECT_EQ(res["ips"][0]["interface"], 1);
  ASSERT_EQ(res["interfaces"].size(), 2u);
  EXPECT_EQ(res["interfaces"][1]["name"], "eth0");
  EXPECT_EQ(res["interfaces"][1]["sandbox"], lab_->pod_path(pod));
  EXPECT_EQ(res["interfaces"][1]["mtu"], 9001);
  EXPECT_LE(res["interfaces"][0]["name"].get<std::string>().size(), 15u);
  EXPECT_EQ(res["routes"][0]["dst"], "::/0");

  // The pod side really is as DESIGN.md says: /128 without DAD, routes, neighbour.
  auto ns = netlink::NetNs::open_named(pod).value();
  auto rt = netlink::Rtnl::open_in(ns).value();
  auto eth0 = rt.get_link("eth0").value();
  EXPECT_TRUE(eth0.up);
  EXPECT_EQ(eth0.mtu, 9001u);
  auto addrs = rt.list_addresses(eth0.index).value();
  bool found = false;
  for (const auto& a : addrs)
    if (a.address == addr::IpInterface{ip, 128}) {
      found = true;
      EXPECT_TRUE(a.flags & IFA_F_NODAD);
      EXPECT_FALSE(a.flags & IFA_F_TENTATIVE);
    }
  EXPECT_TRUE(found);
}

TEST_F(PluginDatapath, PodToPodSameNodeAndAcrossNodes) {
  auto [a, ra] = add_pod(1, "a");
  auto [b, rb] = add_pod(1, "b");
  auto [c, rc] = add_pod(2, "c");
  auto same = tcp_probe(a, b, pod_ip(rb), 8080);
  ASSERT_TRUE(same.ok) << same.error;
  EXPECT_EQ(same.server_saw, pod_ip(ra));  // no NAT for IPv6
  auto across = tcp_probe(a, c, pod_ip(rc), 8081);
  ASSERT_TRUE(across.ok) << across.error;
  EXPECT_EQ(across.server_saw, pod_ip(ra));
  auto back = tcp_probe(c, b, pod_ip(rb), 8082);
  ASSERT_TRUE(back.ok) << back.error;
  EXPECT_EQ(back.server_saw, pod_ip(rc));
}

TEST_F(PluginDatapath, PodReachesIpv4OnlyHostThroughNodeSnat) {
  auto [a, ra] = add_pod(1, "a");
  auto probe = tcp_probe(a, lab_->inet(), "203.0.113.10", 8090);
  ASSERT_TRUE(probe.ok) << probe.error;
  EXPECT_EQ(probe.server_saw, lab_->node_ipv4(1));
  auto [c, rc] = add_pod(2, "c");
  auto probe2 = tcp_probe(c, lab_->inet(), "203.0.113.10", 8091);
  ASSERT_TRUE(probe2.ok) << probe2.error;
  EXPECT_EQ(probe2.server_saw, lab_->node_ipv4(2));
}

TEST_F(PluginDatapath, CheckNoticesFlushedEgressRulesAndNextAddRepairsThem) {
  auto [a, ra] = add_pod(1, "a");
  {
    auto node = netlink::NetNs::open_named(lab_->node(1)).value();
    auto scope = netlink::NetNsScope::enter(node).value();
    auto nft = netlink::Nft::open().value();
    ASSERT_TRUE(nft.run("flush ruleset\n"));
  }
  EXPECT_FALSE(tcp_probe(a, lab_->inet(), "203.0.113.10", 8092, 300).ok) << "egress without SNAT must fail";
  json conf = lab_->config(1);
  conf["prevResult"] = ra;
  ExecResult check = lab_->cni(1, "CHECK", "a", a, conf);
  EXPECT_NE(check.exit_code, 0);
  EXPECT_NE(check.out.find("egress rules"), std::string::npos) << check.out;
  auto [b, rb] = add_pod(1, "b");
  auto probe = tcp_probe(b, lab_->inet(), "203.0.113.10", 8093);
  ASSERT_TRUE(probe.ok) << probe.error;
  EXPECT_EQ(probe.server_saw, lab_->node_ipv4(1));
  EXPECT_EQ(lab_->cni(1, "CHECK", "a", a, conf).exit_code, 0);
}

TEST_F(PluginDatapath, PodToPodIpv4IsDropped) {
  auto [a, ra] = add_pod(1, "a");
  auto [b, rb] = add_pod(1, "b");
  // b's egress address: the second one handed out on node 1 (.2 is a's, .3 is b's).
  auto ns = netlink::NetNs::open_named(b).value();
  auto rt = netlink::Rtnl::open_in(ns).value();
  std::string b4;
  auto b_addrs = rt.list_addresses(rt.get_link("eth0").value().index).value();
  for (const auto& ad : b_addrs)
    if (!addr::is_v6(ad.address.address)) b4 = addr::to_string(ad.address.address);
  ASSERT_FALSE(b4.empty());
  auto probe = tcp_probe(a, b, b4, 8095, 500);
  EXPECT_FALSE(probe.ok) << "pod-to-pod IPv4 must be dropped, server saw " << probe.server_saw;
  // IPv6 between the same pods still works.
  EXPECT_TRUE(tcp_probe(a, b, pod_ip(rb), 8096).ok);
}

TEST_F(PluginDatapath, CheckPassesThenCatchesDeletedRoute) {
  auto [pod, res] = add_pod(1, "chk");
  json conf = lab_->config(1);
  conf["prevResult"] = res;
  ExecResult ok = lab_->cni(1, "CHECK", "chk", pod, conf);
  EXPECT_EQ(ok.exit_code, 0) << ok.out;
  EXPECT_EQ(ok.out, "");

  auto ns = netlink::NetNs::open_named(pod).value();
  auto rt = netlink::Rtnl::open_in(ns).value();
  int idx = rt.get_link("eth0").value().index;
  netlink::Route def;
  def.dst = addr::Ipv6Address();
  def.dst_len = 0;
  def.gateway = addr::Ipv6Address::parse("fe80::1").value();
  def.ifindex = idx;
  ASSERT_TRUE(rt.delete_route(def));

  ExecResult bad = lab_->cni(1, "CHECK", "chk", pod, conf);
  EXPECT_NE(bad.exit_code, 0);
  json err = json::parse(bad.out, nullptr, false);
  ASSERT_TRUE(err.is_object()) << bad.out;
  EXPECT_NE(err["details"].get<std::string>().find("default route via fe80::1 is missing"), std::string::npos)
      << bad.out;
}

TEST_F(PluginDatapath, DelCutsThePodOffAndIsIdempotent) {
  auto [pod, res] = add_pod(1, "del");
  auto [peer, rpeer] = add_pod(1, "peer");
  std::string veth = res["interfaces"][0]["name"];
  ASSERT_TRUE(tcp_probe(peer, pod, pod_ip(res), 8100).ok);
  json conf = lab_->config(1);
  conf["prevResult"] = res;
  ExecResult d1 = lab_->cni(1, "DEL", "del", pod, conf);
  EXPECT_EQ(d1.exit_code, 0) << d1.out;
  EXPECT_EQ(d1.out, "");
  // The pod is unreachable at once, and the node has no route to its address any more.
  EXPECT_FALSE(tcp_probe(peer, pod, pod_ip(res), 8101, 300).ok);
  auto node = netlink::NetNs::open_named(lab_->node(1)).value();
  auto rt = netlink::Rtnl::open_in(node).value();
  auto routes = rt.list_routes(AF_INET6).value();
  for (const auto& r : routes)
    EXPECT_FALSE(r.dst && addr::to_string(*r.dst) == pod_ip(res) && r.dst_len == 128) << "route left behind";
  ExecResult d2 = lab_->cni(1, "DEL", "del", pod, conf);
  EXPECT_EQ(d2.exit_code, 0) << d2.out;
  // The veth dies with the pod's netns when the runtime deletes it.
  lab_->delete_pod(pod);
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    gone = !rt.get_link(veth).has_value();
    if (!gone) usleep(10000);
  }
  EXPECT_TRUE(gone) << veth << " outlived its netns";
  // DEL after the runtime already removed the netns also succeeds.
  ExecResult d3 = lab_->cni(1, "DEL", "del", "", conf);
  EXPECT_EQ(d3.exit_code, 0) << d3.out;
  // The other pod is untouched.
  json c = lab_->config(1);
  c["prevResult"] = rpeer;
  EXPECT_EQ(lab_->cni(1, "CHECK", "peer", peer, c).exit_code, 0);
}

TEST_F(PluginDatapath, GcDeletesVethsWhoseNetnsOutlivedDel) {
  auto [pod, res] = add_pod(1, "linger");
  std::string veth = res["interfaces"][0]["name"];
  ASSERT_EQ(lab_->cni(1, "DEL", "linger", pod, lab_->config(1)).exit_code, 0);
  auto node = netlink::NetNs::open_named(lab_->node(1)).value();
  auto rt = netlink::Rtnl::open_in(node).value();
  ASSERT_TRUE(rt.get_link(veth));  // netns still there, so is the (down) veth
  json conf = lab_->config(1);
  conf["cni.dev/valid-attachments"] = json::array();
  ExecResult gc = lab_->cni(1, "GC", "", "", conf);
  EXPECT_EQ(gc.exit_code, 0) << gc.out;
  EXPECT_FALSE(rt.get_link(veth));
}

TEST_F(PluginDatapath, RepeatedAddReturnsSameAddress) {
  std::string pod = lab_->new_pod();
  ExecResult r1 = lab_->cni(1, "ADD", "same", pod, lab_->config(1));
  ExecResult r2 = lab_->cni(1, "ADD", "same", pod, lab_->config(1));
  ASSERT_EQ(r1.exit_code, 0) << r1.out;
  ASSERT_EQ(r2.exit_code, 0) << r2.out;
  EXPECT_EQ(json::parse(r1.out)["ips"], json::parse(r2.out)["ips"]);
}

TEST_F(PluginDatapath, GcReleasesEverythingNotValid) {
  auto [p1, r1] = add_pod(1, "keep");
  auto [p2, r2] = add_pod(1, "drop1");
  auto [p3, r3] = add_pod(1, "drop2");
  json conf = lab_->config(1);
  conf["cni.dev/valid-attachments"] = json::array({{{"containerID", "keep"}, {"ifname", "eth0"}}});
  ExecResult gc = lab_->cni(1, "GC", "", "", conf);
  EXPECT_EQ(gc.exit_code, 0) << gc.out;
  auto node = netlink::NetNs::open_named(lab_->node(1)).value();
  auto rt = netlink::Rtnl::open_in(node).value();
  EXPECT_TRUE(rt.get_link(r1["interfaces"][0]["name"].get<std::string>()));
  EXPECT_FALSE(rt.get_link(r2["interfaces"][0]["name"].get<std::string>()));
  EXPECT_FALSE(rt.get_link(r3["interfaces"][0]["name"].get<std::string>()));
  // The kept pod still works; CHECK of a collected one says it has no address.
  json c1 = lab_->config(1);
  c1["prevResult"] = r1;
  EXPECT_EQ(lab_->cni(1, "CHECK", "keep", p1, c1).exit_code, 0);
  json c2 = lab_->config(1);
  EXPECT_NE(lab_->cni(1, "CHECK", "drop1", p2, c2).exit_code, 0);
}

TEST_F(PluginDatapath, StatusAndVersion) {
  ExecResult st = lab_->cni(1, "STATUS", "", "", lab_->config(1));
  EXPECT_EQ(st.exit_code, 0) << st.out;
  ExecResult v = lab_->cni(1, "VERSION", "", "", json{{"cniVersion", "1.0.0"}});
  ASSERT_EQ(v.exit_code, 0);
  json j = json::parse(v.out);
  EXPECT_EQ(j["cniVersion"], "1.0.0");
  EXPECT_EQ(j["supportedVersions"], json::array({"0.4.0", "1.0.0", "1.1.0"}));
  // A /124 has 15 usable addresses: the 16th pod gets STATUS "not available".
  json small = lab_->config(1, {{"ipv6Prefixes", {"2001:db8:0:11:1::/124"}}, {"name", "small"},
                                   {"ipv4Egress", {{"enabled", false}}}});
  for (int i = 0; i < 15; ++i) {
    std::string pod = lab_->new_pod();
    ASSERT_EQ(lab_->cni(1, "ADD", "s" + std::to_string(i), pod, small).exit_code, 0);
  }
  ExecResult full = lab_->cni(1, "STATUS", "", "", small);
  EXPECT_NE(full.exit_code, 0);
  EXPECT_EQ(json::parse(full.out)["code"], 50);
  std::string pod = lab_->new_pod();
  ExecResult add = lab_->cni(1, "ADD", "s15", pod, small);
  EXPECT_NE(add.exit_code, 0);
  EXPECT_EQ(json::parse(add.out)["code"], 11);
}

}  // namespace
}  // namespace v6k::testing
