// The nftables text of a VPC router: SG rule rendering, the model (sets, chains, NAT maps)
// and the delta between two models. No kernel needed; fabric_test loads the same text into
// a real router.
#include "fabric/nft_rules.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "fabric/names.h"

namespace v6k::fabric::internal {
namespace {

addr::Ipv4Prefix p4(const char* t) { return addr::Ipv4Prefix::parse(t).value(); }
addr::Ipv6Prefix p6(const char* t) { return addr::Ipv6Prefix::parse(t).value(); }
addr::Ipv4Address a4(const char* t) { return addr::Ipv4Address::parse(t).value(); }
addr::Ipv6Address a6(const char* t) { return addr::Ipv6Address::parse(t).value(); }

SgRule v4(const char* proto, int from, int to, const char* cidr) {
  SgRule r{proto, from, to};
  r.v4 = p4(cidr);
  return r;
}
SgRule v6(const char* proto, int from, int to, const char* cidr) {
  SgRule r{proto, from, to};
  r.v6 = p6(cidr);
  return r;
}
SgRule grp(const char* proto, int from, int to, const char* group) {
  SgRule r{proto, from, to};
  r.group_id = group;
  return r;
}

struct RenderCase {
  const char* name;
  SgRule rule;
  bool ingress;
  std::vector<std::string> want;
};

TEST(RenderSgRule, EveryProtocolAndSourceKind) {
  const std::vector<RenderCase> cases = {
      {"all from anywhere v6", v6("-1", -1, -1, "::/0"), true, {"meta nfproto ipv6 accept"}},
      {"all from anywhere v4", v4("-1", -1, -1, "0.0.0.0/0"), true, {"meta nfproto ipv4 accept"}},
      {"tcp single port", v6("tcp", 80, 80, "::/0"), true, {"meta nfproto ipv6 meta l4proto tcp th dport 80 accept"}},
      {"udp range from a prefix", v4("udp", 1000, 2000, "10.0.0.0/16"), true,
       {"ip saddr 10.0.0.0/16 meta l4proto udp th dport 1000-2000 accept"}},
      {"tcp full range has no port match", v4("6", 0, 65535, "10.0.0.5/32"), true,
       {"ip saddr 10.0.0.5 meta l4proto tcp accept"}},
      {"icmp type and code", v4("icmp", 8, 0, "0.0.0.0/0"), true,
       {"meta nfproto ipv4 meta l4proto icmp icmp type 8 icmp code 0 accept"}},
      {"icmp any", v4("1", -1, -1, "0.0.0.0/0"), true, {"meta nfproto ipv4 meta l4proto icmp accept"}},
      {"icmpv6 type", v6("icmpv6", 128, -1, "2001:db8::/32"), true,
       {"ip6 saddr 2001:db8::/32 meta l4proto ipv6-icmp icmpv6 type 128 accept"}},
      {"icmp from an IPv6 range never matches", v6("icmp", -1, -1, "::/0"), true, {}},
      {"icmpv6 from an IPv4 range never matches", v4("58", -1, -1, "0.0.0.0/0"), true, {}},
      {"protocol number", v4("132", -1, -1, "0.0.0.0/0"), true, {"meta nfproto ipv4 meta l4proto 132 accept"}},
      {"unknown protocol name is skipped", v4("gre", -1, -1, "0.0.0.0/0"), true, {}},
      {"reversed port range is skipped", v4("tcp", 90, 80, "0.0.0.0/0"), true, {}},
      {"group source gives both families and the delegated /80s", grp("tcp", 22, 22, "sg-1"), true,
       {"ip saddr @g4_sg_1 meta l4proto tcp th dport 22 accept", "ip6 saddr @g6_sg_1 meta l4proto tcp th dport 22 accept",
        "ip6 saddr & ffff:ffff:ffff:ffff:ffff:: @g6p_sg_1 meta l4proto tcp th dport 22 accept"}},
      {"group icmp only IPv4", grp("icmp", -1, -1, "sg-1"), true, {"ip saddr @g4_sg_1 meta l4proto icmp accept"}},
      {"egress matches destinations", v6("tcp", 443, 443, "2001:db8:ffff::/48"), false,
       {"ip6 daddr 2001:db8:ffff::/48 meta l4proto tcp th dport 443 return"}},
  };
  for (const auto& c : cases) {
    auto got = render_sg_rule(c.rule, c.ingress, c.ingress ? "accept" : "return");
    EXPECT_EQ(got, c.want) << c.name;
  }
}

TEST(RenderSgRule, OtherPrefixLengthsUseTheIntervalSet) {
  auto got = render_sg_rule(grp("-1", -1, -1, "sg-1"), false, "return", {"sg-1"});
  EXPECT_EQ(got.back(), "ip6 daddr @g6x_sg_1 return");
  EXPECT_EQ(got.size(), 4u);
}

Vpc sample() {
  Vpc v;
  v.id = "vpc-0123456789abcdef0";
  v.ipv4 = p4("10.0.0.0/16");
  v.ipv6 = p6("2001:db8:0:100::/56");
  SecurityGroup web{"sg-web", {v6("tcp", 80, 80, "::/0"), grp("-1", -1, -1, "sg-web")}, {v6("-1", -1, -1, "::/0")}};
  SecurityGroup none{"sg-none", {}, {}};
  v.security_groups = {web, none};
  Eni a;
  a.id = "eni-aaaaaaaaaaaaaaaaa";
  a.instance_id = "i-a";
  a.subnet_id = "subnet-1";
  a.ipv4 = a4("10.0.1.5");
  a.public_ipv4 = a4("198.51.100.5");
  a.ipv6 = {a6("2001:db8:0:101::5")};
  a.ipv6_prefixes = {p6("2001:db8:0:101:1::/80")};
  a.security_groups = {"sg-web"};
  Eni b = a;
  b.id = "eni-bbbbbbbbbbbbbbbbb";
  b.instance_id = "i-b";
  b.ipv4 = a4("10.0.1.6");
  b.public_ipv4.reset();
  b.ipv6 = {a6("2001:db8:0:101::6")};
  b.ipv6_prefixes = {};
  b.security_groups = {"sg-web", "sg-ghost"};
  Eni c = b;
  c.id = "eni-ccccccccccccccccc";
  c.instance_id = "i-c";
  c.ipv4 = a4("10.0.1.7");
  c.ipv6 = {a6("2001:db8:0:101::7")};
  c.security_groups = {"sg-web"};  // same groups as a: same chains
  v.enis = {a, b, c};
  return v;
}

const std::string& combo_of(const NftModel& m, const std::string& link) { return m.eni_combo.at(link); }

TEST(NftModel, SetsChainsAndNat) {
  NftModel m = nft_model(sample());
  EXPECT_EQ(m.sets.at("g4_sg_web"), (std::vector<std::string>{"10.0.1.5", "10.0.1.6", "10.0.1.7"}));
  EXPECT_EQ(m.sets.at("g6_sg_web"),
            (std::vector<std::string>{"2001:db8:0:101::5", "2001:db8:0:101::6", "2001:db8:0:101::7"}));
  EXPECT_EQ(m.sets.at("g6p_sg_web"), (std::vector<std::string>{"2001:db8:0:101:1::"}));
  EXPECT_FALSE(m.sets.count("g6x_sg_web")) << "only non-/80 prefixes need the interval set";
  EXPECT_TRUE(m.sets.at("g4_sg_none").empty());
  EXPECT_TRUE(m.sets.count("g6_sg_ghost")) << "a group an ENI names but the VPC lacks still gets sets";
  EXPECT_EQ(m.sets.at("nat_private"), (std::vector<std::string>{"10.0.1.5"}));
  EXPECT_EQ(m.pub2priv.at("198.51.100.5"), "10.0.1.5");
  EXPECT_EQ(m.priv2pub.at("10.0.1.5"), "198.51.100.5");
  EXPECT_EQ(m.combos.size(), 2u) << "a and c share their groups, so their chains";
  EXPECT_EQ(combo_of(m, "eniaaaaaaaaaaaa"), combo_of(m, "enicccccccccccc"));
  EXPECT_NE(combo_of(m, "eniaaaaaaaaaaaa"), combo_of(m, "enibbbbbbbbbbbb"));
  const Combo& c = m.combos.at(combo_of(m, "eniaaaaaaaaaaaa"));
  EXPECT_EQ(c.in.back(), "drop");
  EXPECT_EQ(c.in.size(), 5u);  // tcp/80 + group (v4, v6, /80) + drop
  EXPECT_EQ(c.out, (std::vector<std::string>{"meta nfproto ipv6 return", "drop"}));
}

TEST(NftModel, FullTextReplacesBothTablesAtomically) {
  NftModel m = nft_model(sample());
  std::string t = nft_full(m);
  EXPECT_EQ(t.rfind("add table inet v6k-sg\ndelete table inet v6k-sg\n", 0), 0u);
  EXPECT_NE(t.find("\"eniaaaaaaaaaaaa\" : jump in_" + combo_of(m, "eniaaaaaaaaaaaa")), std::string::npos);
  EXPECT_NE(t.find("oifname \"igw\" snat to ip saddr map @priv2pub"), std::string::npos);
  EXPECT_NE(t.find("elements = { 198.51.100.5 : 10.0.1.5 }"), std::string::npos);
}

TEST(NftDelta, EqualModelsNeedNothing) {
  auto m = nft_model(sample());
  EXPECT_TRUE(nft_delta(m, m).empty());
}

bool has(const std::vector<ElementOp>& ops, const ElementOp& want) {
  return std::find(ops.begin(), ops.end(), want) != ops.end();
}

TEST(NftDelta, InstanceWithKnownGroupsIsElementsOnly) {
  Vpc before = sample();
  Vpc after = before;
  Eni d = after.enis[0];
  d.id = "eni-ddddddddddddddddd";
  d.instance_id = "i-d";
  d.ipv4 = a4("10.0.1.8");
  d.public_ipv4 = a4("198.51.100.8");
  d.ipv6 = {a6("2001:db8:0:101::8")};
  d.ipv6_prefixes = {p6("2001:db8:0:101:2::/80")};
  after.enis.push_back(d);
  auto m = nft_model(after);
  NftDelta delta = nft_delta(nft_model(before), m);
  EXPECT_EQ(delta.before, "") << "no chain or set changes";
  EXPECT_EQ(delta.after, "");
  const std::string combo = combo_of(m, eni_link("eni-ddddddddddddddddd"));
  const std::vector<ElementOp> want = {
      {true, false, "g4_sg_web", "10.0.1.8", ""},
      {true, false, "g6_sg_web", "2001:db8:0:101::8", ""},
      {true, false, "g6p_sg_web", "2001:db8:0:101:2::", ""},
      {true, false, "nat_private", "10.0.1.8", ""},
      {true, false, "eni_in", eni_link("eni-ddddddddddddddddd"), "in_" + combo},
      {true, false, "eni_out", eni_link("eni-ddddddddddddddddd"), "out_" + combo},
      {true, true, "pub2priv", "198.51.100.8", "10.0.1.8"},
      {true, true, "priv2pub", "10.0.1.8", "198.51.100.8"},
  };
  EXPECT_EQ(delta.elements.size(), want.size());
  for (const auto& w : want) EXPECT_TRUE(has(delta.elements, w)) << w.set << " " << w.key;
}

TEST(NftDelta, RemovedEniLosesElementsAndItsLastChains) {
  Vpc before = sample();
  Vpc after = before;
  after.enis.erase(after.enis.begin() + 1);  // b: the only one with sg-ghost
  auto m0 = nft_model(before);
  NftDelta d = nft_delta(m0, nft_model(after));
  EXPECT_TRUE(has(d.elements, {false, false, "eni_in", "enibbbbbbbbbbbb", "in_" + combo_of(m0, "enibbbbbbbbbbbb")}));
  EXPECT_TRUE(has(d.elements, {false, false, "g4_sg_web", "10.0.1.6", ""}));
  EXPECT_TRUE(has(d.elements, {false, false, "g4_sg_ghost", "10.0.1.6", ""}));
  EXPECT_NE(d.after.find("delete chain inet v6k-sg in_" + combo_of(m0, "enibbbbbbbbbbbb")), std::string::npos)
      << d.after;
  EXPECT_EQ(d.after.find(combo_of(m0, "eniaaaaaaaaaaaa")), std::string::npos) << "a's chains stay";
  EXPECT_NE(d.after.find("delete set inet v6k-sg g4_sg_ghost"), std::string::npos) << d.after;
}

TEST(NftDelta, ChangedRuleRewritesOnlyAffectedChains) {
  Vpc before = sample();
  Vpc after = before;
  after.security_groups[0].ingress.push_back(v4("tcp", 22, 22, "0.0.0.0/0"));
  auto m = nft_model(after);
  NftDelta d = nft_delta(nft_model(before), m);
  const std::string combo = combo_of(m, "eniaaaaaaaaaaaa");
  EXPECT_NE(d.before.find("flush chain inet v6k-sg in_" + combo + "\n"), std::string::npos) << d.before;
  EXPECT_NE(d.before.find("add rule inet v6k-sg in_" + combo + " meta nfproto ipv4 meta l4proto tcp th dport 22 accept"),
            std::string::npos)
      << d.before;
  EXPECT_EQ(d.before.find("out_"), std::string::npos) << "egress unchanged: " << d.before;
  EXPECT_TRUE(d.elements.empty());
}

TEST(NftDelta, GroupChangeMovesTheEniToOtherChains) {
  Vpc before = sample();
  Vpc after = before;
  after.enis[0].security_groups = {"sg-none"};
  auto m0 = nft_model(before), m1 = nft_model(after);
  NftDelta d = nft_delta(m0, m1);
  const std::string from = combo_of(m0, "eniaaaaaaaaaaaa"), to = combo_of(m1, "eniaaaaaaaaaaaa");
  EXPECT_NE(d.before.find("add chain inet v6k-sg in_" + to), std::string::npos) << d.before;
  EXPECT_TRUE(has(d.elements, {false, false, "eni_in", "eniaaaaaaaaaaaa", "in_" + from}));
  EXPECT_TRUE(has(d.elements, {true, false, "eni_in", "eniaaaaaaaaaaaa", "in_" + to}));
  EXPECT_TRUE(has(d.elements, {false, false, "g6p_sg_web", "2001:db8:0:101:1::", ""}));
  EXPECT_TRUE(has(d.elements, {true, false, "g6p_sg_none", "2001:db8:0:101:1::", ""}));
  EXPECT_EQ(d.after, "") << "c still uses a's old chains";
}

TEST(NftDelta, ChangedPublicAddressReplacesNatEntries) {
  Vpc before = sample();
  Vpc after = before;
  after.enis[0].public_ipv4 = a4("198.51.100.99");
  NftDelta d = nft_delta(nft_model(before), nft_model(after));
  EXPECT_TRUE(has(d.elements, {false, true, "pub2priv", "198.51.100.5", "10.0.1.5"}));
  EXPECT_TRUE(has(d.elements, {true, true, "pub2priv", "198.51.100.99", "10.0.1.5"}));
  EXPECT_TRUE(has(d.elements, {false, true, "priv2pub", "10.0.1.5", "198.51.100.5"}));
  EXPECT_TRUE(has(d.elements, {true, true, "priv2pub", "10.0.1.5", "198.51.100.99"}));
  // Removals come first in the transaction, so the new pair never meets the old one.
  size_t last_removal = 0, first_add = d.elements.size();
  for (size_t i = 0; i < d.elements.size(); ++i) {
    if (!d.elements[i].add) last_removal = i;
    if (d.elements[i].add && first_add == d.elements.size()) first_add = i;
  }
  EXPECT_LT(last_removal, first_add);
}

TEST(NftDelta, OddPrefixLengthsGoThroughTheIntervalSet) {
  Vpc before = sample();
  Vpc after = before;
  after.enis[1].ipv6_prefixes = {p6("2001:db8:0:101:8000::/65")};
  NftDelta d = nft_delta(nft_model(before), nft_model(after));
  EXPECT_NE(d.before.find("add set inet v6k-sg g6x_sg_web { type ipv6_addr; flags interval; }"), std::string::npos)
      << d.before;
  EXPECT_NE(d.before.find("add element inet v6k-sg g6x_sg_web { 2001:db8:0:101:8000::/65 }"), std::string::npos)
      << d.before;
  EXPECT_NE(d.before.find("@g6x_sg_web"), std::string::npos) << "rules now match it: " << d.before;
}

TEST(Names, InterfaceNamesFitAndDiffer) {
  EXPECT_EQ(eni_link("eni-0123456789abcdef0"), "eni0123456789ab");
  EXPECT_EQ(igw_inet_link("vpc-0123456789abcdef0"), "v0123456789ab");
  EXPECT_EQ(eigw_inet_link("vpc-0123456789abcdef0"), "e0123456789ab");
  std::string odd = eni_link("eni-1");  // short ids are hashed
  EXPECT_EQ(odd.size(), 15u);
  EXPECT_NE(odd, eni_link("eni-2"));
  EXPECT_EQ(nft_ident("sg-0a.b"), "sg_0a_b");
}

TEST(Names, MacsAreUnicastAndStable) {
  auto m = eni_router_mac("eni-1");
  EXPECT_EQ(m, eni_router_mac("eni-1"));
  EXPECT_EQ(m.bytes[0] & 1, 0);
  Eni e;
  e.id = "eni-1";
  e.mac = "02:00:00:00:00:07";
  EXPECT_EQ(eni_mac(e).to_string(), "02:00:00:00:00:07");
  e.mac = "garbage";
  EXPECT_EQ(eni_mac(e).bytes[0], 0x02);
}

}  // namespace
}  // namespace v6k::fabric::internal
