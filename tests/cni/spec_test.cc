// The CNI protocol edge without the kernel: environment, config, result shapes, names.
#include "cni/spec.h"

#include <gtest/gtest.h>

#include <set>

#include "cni/names.h"
#include "cni/node_setup.h"
#include "cni/plugin.h"

namespace v6k::cni {
namespace {

using nlohmann::json;

TEST(Versions, CompareAndSupport) {
  EXPECT_LT(compare_versions("0.4.0", "1.0.0"), 0);
  EXPECT_EQ(compare_versions("1.1.0", "1.1.0"), 0);
  EXPECT_GT(compare_versions("1.1.0", "1.0.0"), 0);
  EXPECT_TRUE(version_supported("0.4.0"));
  EXPECT_FALSE(version_supported("0.3.1"));
  EXPECT_FALSE(version_supported("2.0.0"));
}

TEST(Environment, ParsesArgsAndAllowsEmptyNetnsOnDel) {
  auto e = parse_environment({{"CNI_COMMAND", "DEL"}, {"CNI_CONTAINERID", "abc"}, {"CNI_IFNAME", "eth0"},
                              {"CNI_ARGS", "K8S_POD_NAMESPACE=ns;K8S_POD_NAME=web-1;IgnoreUnknown=1"}});
  ASSERT_TRUE(e) << e.error().msg;
  EXPECT_EQ(e->command, Command::kDel);
  EXPECT_EQ(e->args.at("K8S_POD_NAME"), "web-1");
  EXPECT_EQ(e->args.at("IgnoreUnknown"), "1");
}

TEST(Environment, RejectsMalformedArgs) {
  auto e = parse_environment({{"CNI_COMMAND", "ADD"}, {"CNI_CONTAINERID", "abc"}, {"CNI_IFNAME", "eth0"},
                              {"CNI_NETNS", "/x"}, {"CNI_ARGS", "novalue"}});
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, kErrInvalidEnvironment);
}

TEST(Environment, GcAndStatusNeedOnlyTheCommand) {
  EXPECT_TRUE(parse_environment({{"CNI_COMMAND", "GC"}}));
  EXPECT_TRUE(parse_environment({{"CNI_COMMAND", "STATUS"}}));
  EXPECT_TRUE(parse_environment({{"CNI_COMMAND", "VERSION"}}));
}

json base_conf() {
  return {{"cniVersion", "1.1.0"}, {"name", "v6k"}, {"type", "v6k-cni"}, {"ipv6Prefixes", {"2001:db8:0:1:1::/80"}}};
}

TEST(NetConf, DefaultsAreTheDocumentedOnes) {
  auto c = parse_netconf(base_conf().dump(), Command::kAdd);
  ASSERT_TRUE(c) << c.error().msg;
  EXPECT_EQ(c->mtu, 9001u);
  EXPECT_EQ(c->data_dir, "/var/lib/cni/v6k");
  EXPECT_EQ(c->cooldown_seconds, 30);
  EXPECT_FALSE(c->ipv4_egress.enabled);
  EXPECT_EQ(c->ipv4_egress.range.to_string(), "169.254.172.0/22");
  EXPECT_EQ(c->ipv4_egress.gateway.to_string(), "169.254.172.1");
}

TEST(NetConf, GcTakesBothAttachmentKeys) {
  json j = base_conf();
  j["cni.dev/attachments"] = json::array({{{"containerID", "a"}, {"ifname", "eth0"}}, {{"containerID", "b"}}});
  auto c = parse_netconf(j.dump(), Command::kGc);
  ASSERT_TRUE(c) << c.error().msg;
  ASSERT_EQ(c->valid_attachments.size(), 2u);
  EXPECT_EQ(c->valid_attachments[1].first, "b");
  EXPECT_EQ(c->valid_attachments[1].second, "");
}

TEST(NetConf, PrefixLengthBoundaries) {
  struct Case { const char* prefix; bool ok; };
  for (auto [p, ok] : {Case{"2000::/15", false}, Case{"2001::/16", true}, Case{"2001:db8::/64", true},
                       Case{"2001:db8::/80", true}, Case{"2001:db8::/124", true}, Case{"2001:db8::/125", false},
                       Case{"2001:db8::/128", false}, Case{"2001:db8::/129", false}, Case{"2001:db8::/-1", false}}) {
    json j = base_conf();
    j["ipv6Prefixes"] = {p};
    EXPECT_EQ(parse_netconf(j.dump(), Command::kAdd).has_value(), ok) << p;
  }
}

CniResult sample() {
  CniResult r;
  r.interfaces = {{"v6kabc", "02:6b:00:00:00:01", 9001, ""}, {"eth0", "02:70:00:00:00:01", 9001, "/var/run/netns/p"}};
  r.ips = {{addr::IpInterface::parse("2001:db8::5/128").value(), addr::parse_ip("fe80::1").value(), 1}};
  r.routes = {{"::/0", addr::parse_ip("fe80::1").value()}};
  return r;
}

TEST(ResultEncoding, ShapesPerVersion) {
  json v11 = encode_result(sample(), json(), "1.1.0");
  EXPECT_EQ(v11["interfaces"][1]["mtu"], 9001);
  EXPECT_FALSE(v11["ips"][0].contains("version"));
  json v10 = encode_result(sample(), json(), "1.0.0");
  EXPECT_FALSE(v10["interfaces"][1].contains("mtu"));
  json v04 = encode_result(sample(), json(), "0.4.0");
  EXPECT_EQ(v04["ips"][0]["version"], "6");
  EXPECT_EQ(v04["cniVersion"], "0.4.0");
  EXPECT_EQ(v04["ips"][0]["address"], "2001:db8::5/128");
  EXPECT_EQ(v04["routes"][0]["gw"], "fe80::1");
}

TEST(ResultEncoding, ChainsAfterPrevResult) {
  json prev = {{"cniVersion", "1.0.0"},
               {"interfaces", {{{"name", "lo"}}}},
               {"ips", {{{"address", "10.0.0.5/24"}, {"interface", 0}}}},
               {"dns", {{"nameservers", {"fd00::a"}}}}};
  json out = encode_result(sample(), prev, "1.0.0");
  ASSERT_EQ(out["interfaces"].size(), 3u);
  ASSERT_EQ(out["ips"].size(), 2u);
  EXPECT_EQ(out["ips"][0]["address"], "10.0.0.5/24");
  EXPECT_EQ(out["ips"][1]["interface"], 2);  // our eth0, after prev's interface
  EXPECT_EQ(out["dns"]["nameservers"][0], "fd00::a");
}

TEST(Names, HostVethNamesAreShortStableAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 5000; ++i) {
    std::string n = host_veth_name("v6k", "container-" + std::to_string(i), "eth0");
    EXPECT_EQ(n.size(), 15u);
    EXPECT_EQ(n.rfind("v6k", 0), 0u);
    seen.insert(n);
  }
  EXPECT_EQ(seen.size(), 5000u);
  EXPECT_EQ(host_veth_name("v6k", "a", "eth0"), host_veth_name("v6k", "a", "eth0"));
  EXPECT_NE(host_veth_name("v6k", "a", "eth0"), host_veth_name("v6k", "a", "eth1"));
  EXPECT_NE(host_veth_mac("a", "eth0"), pod_mac("a", "eth0"));
  EXPECT_EQ(host_veth_mac("a", "eth0").bytes[0] & 0x03, 0x02);  // local, unicast
}

TEST(Plugin, VersionNeedsNoConfig) {
  auto out = run_plugin({{"CNI_COMMAND", "VERSION"}}, "");
  EXPECT_EQ(out.exit_code, 0);
  json j = json::parse(out.stdout_text);
  EXPECT_EQ(j["cniVersion"], "1.1.0");
}

// The node's nftables batches, exactly: nft gets them verbatim, and CHECK looks for them.
TEST(NodeRules, EgressAndSnatRulesetsAreTheDocumentedTables) {
  Ipv4Egress e;
  e.enabled = true;
  e.range = addr::Ipv4Prefix::parse("169.254.172.0/22").value();
  e.node_ipv4 = addr::Ipv4Address::parse("10.0.0.108").value();
  e.uplink = "eth0";
  EXPECT_EQ(egress_ruleset(e),
            "add table ip v6k-egress\n"
            "delete table ip v6k-egress\n"
            "table ip v6k-egress {\n"
            "  chain postrouting {\n"
            "    type nat hook postrouting priority srcnat; policy accept;\n"
            "    ip saddr 169.254.172.0/22 ip daddr != 169.254.172.0/22 oifname \"eth0\" snat to 10.0.0.108 fully-random\n"
            "  }\n"
            "  chain forward {\n"
            "    type filter hook forward priority filter; policy accept;\n"
            "    ip saddr 169.254.172.0/22 ip daddr 169.254.172.0/22 drop\n"
            "  }\n"
            "}\n");
  Ipv4Snat s;
  s.enabled = true;
  s.node_ipv4 = addr::Ipv4Address::parse("10.0.1.5").value();
  s.exclude = {addr::Ipv4Prefix::parse("10.0.0.0/16").value(), addr::Ipv4Prefix::parse("172.16.0.0/12").value()};
  s.uplink = "eth0";
  EXPECT_EQ(snat_ruleset(s),
            "add table ip v6k-snat\n"
            "delete table ip v6k-snat\n"
            "table ip v6k-snat {\n"
            "  chain postrouting {\n"
            "    type nat hook postrouting priority srcnat; policy accept;\n"
            "    oifname \"eth0\" ip saddr != 10.0.1.5 ip daddr != { 10.0.0.0/16, 172.16.0.0/12 } snat to 10.0.1.5 "
            "fully-random\n"
            "  }\n"
            "}\n");
  s.uplink.clear();
  s.exclude.clear();
  EXPECT_NE(snat_ruleset(s).find("    ip saddr != 10.0.1.5 snat to 10.0.1.5 fully-random\n"), std::string::npos)
      << snat_ruleset(s);
}

}  // namespace
}  // namespace v6k::cni
