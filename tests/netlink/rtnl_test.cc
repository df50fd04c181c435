// Rtnl against the real kernel: a "node" and a "pod" namespace joined by a veth whose
// peer is created directly in the pod. Nothing touches the root namespace.
#include <linux/if_addr.h>

#include <algorithm>

#include "netlink/rtnl.h"
#include "netns_fixture.h"

namespace v6k::netlink {
namespace {

const Mac kHostMac{{0x02, 0x76, 0x36, 0x6b, 0x00, 0x01}};
const Mac kPodMac{{0x02, 0x76, 0x36, 0x6b, 0x00, 0x02}};

addr::IpAddress ip(const char* text) { return addr::parse_ip(text).value(); }
addr::IpInterface iface(const char* text) { return addr::IpInterface::parse(text).value(); }

class RtnlTest : public testing::NetnsTest {
 protected:
  void SetUp() override {
    NetnsTest::SetUp();
    if (IsSkipped()) return;
    auto n = create_ns();
    auto p = create_ns();
    ASSERT_TRUE(n) << n.error().message();
    ASSERT_TRUE(p) << p.error().message();
    node_ns_.emplace(std::move(*n));
    pod_ns_.emplace(std::move(*p));
    auto nr = Rtnl::open_in(*node_ns_);
    auto pr = Rtnl::open_in(*pod_ns_);
    ASSERT_TRUE(nr) << nr.error().message();
    ASSERT_TRUE(pr) << pr.error().message();
    node_.emplace(std::move(*nr));
    pod_.emplace(std::move(*pr));
  }

  VethSpec spec() const {
    return VethSpec{.name = "v6kh0", .peer_name = "eth0", .peer_netns_fd = pod_ns_->fd(),
                    .mtu = 1400, .mac = kHostMac, .peer_mac = kPodMac};
  }

  // Creates the veth and brings both ends up; returns {host ifindex, pod ifindex}.
  std::pair<int, int> make_up_veth() {
    auto r = node_->create_veth(spec());
    EXPECT_TRUE(r) << r.error().message();
    auto host = node_->get_link("v6kh0");
    auto eth0 = pod_->get_link("eth0");
    EXPECT_TRUE(host && eth0);
    if (!host || !eth0) return {0, 0};
    EXPECT_TRUE(node_->set_link_up(host->index));
    EXPECT_TRUE(pod_->set_link_up(eth0->index));
    return {host->index, eth0->index};
  }

  std::optional<NetNs> node_ns_, pod_ns_;
  std::optional<Rtnl> node_, pod_;
};

TEST_F(RtnlTest, CreateVethReportsBothIfindexes) {
  auto created = node_->create_veth(spec());
  ASSERT_TRUE(created) << created.error().message();
  auto host = node_->get_link("v6kh0");
  auto eth0 = pod_->get_link("eth0");
  ASSERT_TRUE(host && eth0);
  if (created->index == 0) GTEST_SKIP() << "kernel does not echo new links (NLM_F_ECHO needs Linux >= 6.1)";
  EXPECT_EQ(created->index, host->index);
  EXPECT_EQ(created->peer_index, eth0->index);
  EXPECT_EQ(host->link_index, eth0->index);
}

TEST_F(RtnlTest, VethPeerIsCreatedDirectlyInTargetNamespace) {
  V6K_ASSERT_OK(node_->create_veth(spec()));

  auto eth0 = pod_->get_link("eth0");
  ASSERT_TRUE(eth0) << eth0.error().message();
  EXPECT_EQ(eth0->name, "eth0");
  EXPECT_EQ(eth0->mac, kPodMac);
  EXPECT_EQ(eth0->mtu, 1400u);
  EXPECT_EQ(eth0->kind, "veth");

  auto host = node_->get_link("v6kh0");
  ASSERT_TRUE(host) << host.error().message();
  EXPECT_EQ(host->mac, kHostMac);
  EXPECT_EQ(host->mtu, 1400u);
  EXPECT_EQ(host->kind, "veth");

  auto absent = node_->get_link("eth0");
  ASSERT_FALSE(absent) << "peer must not exist in the host namespace";
  EXPECT_EQ(absent.error().code(), ENODEV);
  EXPECT_EQ(pod_->get_link("v6kh0").error().code(), ENODEV);

  auto by_index = pod_->get_link(eth0->index);
  ASSERT_TRUE(by_index);
  EXPECT_EQ(by_index->name, "eth0");
}

TEST_F(RtnlTest, ListLinks) {
  V6K_ASSERT_OK(node_->create_veth(spec()));
  auto links = pod_->list_links();
  ASSERT_TRUE(links) << links.error().message();
  std::vector<std::string> names;
  for (const auto& l : *links) names.push_back(l.name);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"eth0", "lo"}));
}

TEST_F(RtnlTest, UpDownMtuMac) {
  V6K_ASSERT_OK(node_->create_veth(spec()));
  auto eth0 = pod_->get_link("eth0");
  ASSERT_TRUE(eth0);
  EXPECT_FALSE(eth0->up);
  V6K_ASSERT_OK(pod_->set_link_up(eth0->index));
  EXPECT_TRUE(pod_->get_link(eth0->index)->up);
  V6K_ASSERT_OK(pod_->set_link_up(eth0->index, false));
  EXPECT_FALSE(pod_->get_link(eth0->index)->up);

  V6K_ASSERT_OK(pod_->set_mtu(eth0->index, 9001));
  EXPECT_EQ(pod_->get_link(eth0->index)->mtu, 9001u);

  const Mac other = Mac::parse("02:aa:bb:cc:dd:ee").value();
  V6K_ASSERT_OK(pod_->set_mac(eth0->index, other));
  EXPECT_EQ(pod_->get_link(eth0->index)->mac, other);
}

TEST_F(RtnlTest, AddressesWithNodadAreNotTentative) {
  auto [host, eth0] = make_up_veth();
  ASSERT_NE(eth0, 0);
  V6K_ASSERT_OK(pod_->add_address(eth0, iface("2001:db8:0:1:3::5/128"), IFA_F_NODAD));
  V6K_ASSERT_OK(pod_->add_address(eth0, iface("169.254.172.5/22")));

  auto addrs = pod_->list_addresses(eth0);
  ASSERT_TRUE(addrs) << addrs.error().message();
  bool v6 = false, v4 = false;
  for (const auto& a : *addrs) {
    EXPECT_EQ(a.ifindex, eth0);
    if (a.address == iface("2001:db8:0:1:3::5/128")) {
      v6 = true;
      EXPECT_TRUE(a.flags & IFA_F_NODAD);
      EXPECT_FALSE(a.flags & IFA_F_TENTATIVE);
      EXPECT_EQ(a.scope, RT_SCOPE_UNIVERSE);
    }
    if (a.address == iface("169.254.172.5/22")) v4 = true;
  }
  EXPECT_TRUE(v6 && v4);

  auto dup = pod_->add_address(eth0, iface("2001:db8:0:1:3::5/128"), IFA_F_NODAD);
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code(), EEXIST);

  V6K_ASSERT_OK(pod_->delete_address(eth0, iface("2001:db8:0:1:3::5/128")));
  auto after = pod_->list_addresses(eth0);
  ASSERT_TRUE(after);
  for (const auto& a : *after) EXPECT_NE(a.address, iface("2001:db8:0:1:3::5/128"));

  auto all = pod_->list_addresses();  // all links: also loopback's ::1 and 127.0.0.1
  ASSERT_TRUE(all);
  EXPECT_TRUE(std::any_of(all->begin(), all->end(), [](const AddressInfo& a) {
    return a.ifindex == 1 && a.address == iface("127.0.0.1/8");
  }));
}

TEST_F(RtnlTest, PodRoutesAsTheCniInstallsThem) {
  auto [host, eth0] = make_up_veth();
  ASSERT_NE(eth0, 0);
  V6K_ASSERT_OK(pod_->add_address(eth0, iface("2001:db8:0:1:3::5/128"), IFA_F_NODAD));
  V6K_ASSERT_OK(pod_->add_address(eth0, iface("169.254.172.5/22")));

  Route gw6{.dst = ip("fe80::1"), .dst_len = 128, .ifindex = eth0, .scope = RT_SCOPE_LINK};
  Route def6{.gateway = ip("fe80::1"), .ifindex = eth0};
  Route def4{.gateway = ip("169.254.172.1"), .ifindex = eth0, .onlink = true};
  Route other{.dst = ip("2001:db8:5::"), .dst_len = 64, .gateway = ip("fe80::1"),
              .ifindex = eth0, .table = 1000};
  V6K_ASSERT_OK(pod_->add_route(gw6));
  V6K_ASSERT_OK(pod_->add_route(def6));
  V6K_ASSERT_OK(pod_->add_route(def4));
  V6K_ASSERT_OK(pod_->add_route(other));
  V6K_ASSERT_OK(pod_->add_route(def6, /*replace=*/true));
  EXPECT_EQ(pod_->add_route(def6).error().code(), EEXIST);

  auto v6 = pod_->list_routes(AF_INET6);
  ASSERT_TRUE(v6) << v6.error().message();
  auto has = [](const std::vector<Route>& rs, auto pred) {
    return std::any_of(rs.begin(), rs.end(), pred);
  };
  EXPECT_TRUE(has(*v6, [&](const Route& r) {
    return r.dst == ip("fe80::1") && r.dst_len == 128 && !r.gateway && r.ifindex == eth0;
  }));
  EXPECT_TRUE(has(*v6, [&](const Route& r) {
    return !r.dst && r.dst_len == 0 && r.gateway == ip("fe80::1") && r.ifindex == eth0;
  }));
  EXPECT_FALSE(has(*v6, [&](const Route& r) { return r.table == 1000 || r.dst_len == 64; }));

  auto v4 = pod_->list_routes(AF_INET);
  ASSERT_TRUE(v4) << v4.error().message();
  EXPECT_TRUE(has(*v4, [&](const Route& r) {
    return !r.dst && r.gateway == ip("169.254.172.1") && r.onlink && r.ifindex == eth0;
  }));

  auto t1000 = pod_->list_routes(AF_INET6, 1000);
  ASSERT_TRUE(t1000) << t1000.error().message();
  ASSERT_EQ(t1000->size(), 1u);
  EXPECT_EQ((*t1000)[0].dst, ip("2001:db8:5::"));
  EXPECT_EQ((*t1000)[0].dst_len, 64);
  EXPECT_EQ((*t1000)[0].table, 1000u);

  V6K_ASSERT_OK(pod_->delete_route(other));
  V6K_ASSERT_OK(pod_->delete_route(def4));
  EXPECT_TRUE(pod_->list_routes(AF_INET6, 1000)->empty());
  EXPECT_FALSE(has(*pod_->list_routes(AF_INET), [&](const Route& r) { return !r.dst; }));
  EXPECT_EQ(pod_->delete_route(other).error().code(), ESRCH);
}

TEST_F(RtnlTest, PermanentNeighbours) {
  auto [host, eth0] = make_up_veth();
  ASSERT_NE(eth0, 0);
  V6K_ASSERT_OK(pod_->add_neighbour({.ifindex = eth0, .ip = ip("fe80::1"), .mac = kHostMac}));
  V6K_ASSERT_OK(pod_->add_neighbour({.ifindex = eth0, .ip = ip("169.254.172.1"), .mac = kHostMac}));
  V6K_ASSERT_OK(pod_->add_neighbour({.ifindex = eth0, .ip = ip("fe80::1"), .mac = kHostMac}));

  auto n6 = pod_->list_neighbours(eth0, AF_INET6);
  ASSERT_TRUE(n6) << n6.error().message();
  ASSERT_EQ(n6->size(), 1u);
  EXPECT_EQ((*n6)[0].ip, ip("fe80::1"));
  EXPECT_EQ((*n6)[0].mac, kHostMac);
  EXPECT_TRUE((*n6)[0].permanent);
  auto n4 = pod_->list_neighbours(eth0, AF_INET);
  ASSERT_TRUE(n4) << n4.error().message();
  ASSERT_EQ(n4->size(), 1u);
  EXPECT_EQ((*n4)[0].ip, ip("169.254.172.1"));

  auto excl = pod_->add_neighbour({.ifindex = eth0, .ip = ip("fe80::1"), .mac = kHostMac}, false);
  ASSERT_FALSE(excl);
  EXPECT_EQ(excl.error().code(), EEXIST);
}

TEST_F(RtnlTest, DuplicateVethIsEexistNamingTheLink) {
  V6K_ASSERT_OK(node_->create_veth(spec()));
  auto dup = node_->create_veth(spec());
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code(), EEXIST);
  EXPECT_NE(dup.error().message().find("v6kh0"), std::string::npos) << dup.error().message();
}

TEST_F(RtnlTest, DeletingMissingLinkIsEnodev) {
  EXPECT_EQ(node_->delete_link("v6k-nope").error().code(), ENODEV);
  EXPECT_EQ(node_->delete_link(4242).error().code(), ENODEV);
  V6K_ASSERT_OK(node_->create_veth(spec()));
  V6K_ASSERT_OK(node_->delete_link("v6kh0"));
  EXPECT_EQ(pod_->get_link("eth0").error().code(), ENODEV) << "deleting one end removes both";
}

TEST_F(RtnlTest, BadRouteCarriesKernelExtendedAck) {
  auto [host, eth0] = make_up_veth();
  ASSERT_NE(eth0, 0);
  // The IPv4 gateway is on no connected prefix of the pod and "onlink" is missing: the
  // kernel rejects it and says why in the extended ACK.
  auto r = pod_->add_route({.gateway = ip("169.254.172.1"), .ifindex = eth0});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ENETUNREACH) << r.error().message();
  EXPECT_NE(r.error().detail().find("Nexthop has invalid gateway"), std::string::npos)
      << r.error().message();
  EXPECT_NE(r.error().message().find("via 169.254.172.1"), std::string::npos);
  auto bad_dev = pod_->add_route({.dst = ip("2001:db8::"), .dst_len = 64, .ifindex = 999});
  ASSERT_FALSE(bad_dev);
  EXPECT_EQ(bad_dev.error().code(), ENODEV);
}

TEST_F(RtnlTest, BatchAppliesInOrderAndReportsTheFailingRequest) {
  auto [host, eth0] = make_up_veth();
  ASSERT_NE(eth0, 0);
  pod_->begin_batch();
  V6K_ASSERT_OK(pod_->add_address(eth0, iface("2001:db8:0:1:3::5/128"), IFA_F_NODAD));
  V6K_ASSERT_OK(pod_->add_route({.dst = ip("fe80::1"), .dst_len = 128, .ifindex = eth0}));
  V6K_ASSERT_OK(pod_->add_route({.gateway = ip("fe80::1"), .ifindex = eth0}));
  V6K_ASSERT_OK(pod_->add_neighbour({.ifindex = eth0, .ip = ip("fe80::1"), .mac = kHostMac}));
  EXPECT_EQ(pod_->list_links().error().code(), EBUSY);
  V6K_ASSERT_OK(pod_->commit_batch());
  EXPECT_EQ(pod_->list_routes(AF_INET6)->size() >= 2, true);
  EXPECT_EQ(pod_->list_neighbours(eth0, AF_INET6)->size(), 1u);

  pod_->begin_batch();
  V6K_ASSERT_OK(pod_->add_address(eth0, iface("2001:db8:0:1:3::6/128"), IFA_F_NODAD));
  V6K_ASSERT_OK(pod_->add_route({.gateway = ip("fe80::1"), .ifindex = eth0}));  // EEXIST
  V6K_ASSERT_OK(pod_->add_address(eth0, iface("2001:db8:0:1:3::7/128"), IFA_F_NODAD));
  auto r = pod_->commit_batch();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), EEXIST);
  EXPECT_NE(r.error().message().find("adding route default via fe80::1"), std::string::npos)
      << r.error().message();
  auto addrs = pod_->list_addresses(eth0);  // socket is clean afterwards; both addresses applied
  ASSERT_TRUE(addrs) << addrs.error().message();
  EXPECT_EQ(std::count_if(addrs->begin(), addrs->end(), [](const AddressInfo& a) {
              return a.address == iface("2001:db8:0:1:3::6/128") ||
                     a.address == iface("2001:db8:0:1:3::7/128");
            }),
            2);
}

}  // namespace
}  // namespace v6k::netlink
