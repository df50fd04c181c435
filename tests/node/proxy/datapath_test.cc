// The service proxy against real traffic: a node netns and two pod netns wired like the
// real pod datapath (topology.h), table inet v6k-proxy applied by ServiceProxy in the
// node netns, TCP connections to the ClusterIP from a pod and from the node itself.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <map>
#include <set>

#include "netlink/netns.h"
#include "netlink/nft.h"
#include "node/proxy/service_proxy.h"
#include "topology.h"

namespace v6k::node::proxy {
namespace {

using nlohmann::json;
using testing::Reply;
using testing::Topology;

constexpr const char* kCip6 = "fd00:10::1";
constexpr const char* kCip4 = "10.96.0.10";

json service(const std::string& name, const std::string& ip) {
  return {{"metadata", {{"name", name}, {"namespace", "default"}}},
          {"spec", {{"clusterIP", ip}, {"clusterIPs", {ip}}, {"ports", {{{"name", "http"}, {"port", 80}, {"targetPort", 8080}}}}}}};
}

json slice(const std::string& name, const std::string& svc, int family, const std::vector<std::string>& addrs) {
  json eps = json::array();
  for (const auto& a : addrs) eps.push_back({{"addresses", {a}}, {"conditions", {{"ready", true}}}});
  return {{"metadata", {{"name", name}, {"namespace", "default"}, {"labels", {{"kubernetes.io/service-name", svc}}}}},
          {"addressType", family == 6 ? "IPv6" : "IPv4"},
          {"ports", {{{"name", "http"}, {"port", 8080}, {"protocol", "TCP"}}}},
          {"endpoints", eps}};
}

// Who answered `n` connections from `from_ns`; a failed connection counts as "error <errno>".
std::map<std::string, int> answers(const std::string& from_ns, const std::string& ip, int n, uint16_t port = 80) {
  std::map<std::string, int> seen;
  for (int i = 0; i < n; ++i) {
    Reply r = Topology::connect(from_ns, ip, port);
    seen[r.error ? "error " + std::to_string(r.error) + " at #" + std::to_string(i) : r.who()]++;
  }
  return seen;
}

std::string ruleset(const Topology& t) {
  auto in = netlink::NetNsScope::enter(t.node()).value();
  auto nft = netlink::Nft::open().value();
  return nft.list_ruleset().value();
}

class ProxyDatapath : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = Topology::unavailable()) GTEST_SKIP() << *why;
    topo_.emplace();
    auto p = ServiceProxy::open(topo_->node(), {.node_name = "n1"});
    ASSERT_TRUE(p.has_value()) << p.error().message();
    proxy_.emplace(std::move(*p));
  }
  void TearDown() override {
    if (proxy_) (void)proxy_->cleanup();
    proxy_.reset();
    topo_.reset();
  }
  SyncStats sync() {
    auto r = proxy_->sync();
    EXPECT_TRUE(r.has_value()) << r.error().message();
    return r.value_or(SyncStats{});
  }
  std::string a6() const { return topo_->pod(0).ip6; }
  std::string b6() const { return topo_->pod(1).ip6; }
  std::optional<Topology> topo_;
  std::optional<ServiceProxy> proxy_;
};

TEST_F(ProxyDatapath, Ipv6ClusterIpReachesBothBackendsFromPodAndNode) {
  ASSERT_TRUE(proxy_->update_service(service("web", kCip6)));
  ASSERT_TRUE(proxy_->update_slice(slice("web-1", "web", 6, {a6(), b6()})));
  EXPECT_TRUE(sync().full);
  for (const std::string& from : {topo_->pod(0).ns, topo_->node_ns()}) {
    auto seen = answers(from, kCip6, 40);
    EXPECT_EQ(seen.size(), 2u) << "from " << from << ": " << ::testing::PrintToString(seen);
    EXPECT_GT(seen["a"], 3) << "from " << from;
    EXPECT_GT(seen["b"], 3) << "from " << from;
  }
  // Pod A reaching pod B keeps its own address (only hairpin traffic is masqueraded).
  for (int i = 0; i < 10; ++i) {
    Reply r = Topology::connect(topo_->pod(0).ns, kCip6, 80);
    ASSERT_EQ(r.error, 0);
    if (r.who() == "b") {
      EXPECT_EQ(r.peer(), a6());
      break;
    }
  }
  // A port the Service does not have: rejected, not left to time out.
  Reply wrong = Topology::connect(topo_->pod(1).ns, kCip6, 81);
  EXPECT_EQ(wrong.error, ECONNREFUSED);
}

TEST_F(ProxyDatapath, EndpointChangesApplyWithinMillisecondsAndNoEndpointsRejects) {
  ASSERT_TRUE(proxy_->update_service(service("web", kCip6)));
  ASSERT_TRUE(proxy_->update_slice(slice("web-1", "web", 6, {a6(), b6()})));
  sync();
  auto both = answers(topo_->pod(1).ns, kCip6, 30);
  EXPECT_EQ(both.size(), 2u) << ::testing::PrintToString(both);

  ASSERT_TRUE(proxy_->update_slice(slice("web-1", "web", 6, {b6()})));
  SyncStats st = sync();
  EXPECT_TRUE(st.applied);
  EXPECT_FALSE(st.full) << st.fallback_reason;
  EXPECT_LT(st.took.count(), 50'000) << "delta sync took " << st.took.count() << " us";
  std::cout << "[ metric ] one endpoint removed: sync " << st.took.count() << " us, " << st.script_bytes << " bytes\n";
  auto seen = answers(topo_->pod(0).ns, kCip6, 20);
  EXPECT_EQ(seen, (std::map<std::string, int>{{"b", 20}}));

  ASSERT_TRUE(proxy_->update_slice(slice("web-1", "web", 6, {})));
  sync();
  for (const std::string& from : {topo_->pod(0).ns, topo_->node_ns()}) {
    Reply r = Topology::connect(from, kCip6, 80);
    EXPECT_EQ(r.error, ECONNREFUSED) << "from " << from << ": " << r.text;
    EXPECT_LT(r.ms, 200) << "reject must be immediate";
  }

  ASSERT_TRUE(proxy_->update_slice(slice("web-1", "web", 6, {a6()})));
  sync();
  EXPECT_EQ(answers(topo_->pod(1).ns, kCip6, 10), (std::map<std::string, int>{{"a", 10}}));
}

TEST_F(ProxyDatapath, HairpinPodReachesItselfThroughItsService) {
  ASSERT_TRUE(proxy_->update_service(service("web", kCip6)));
  ASSERT_TRUE(proxy_->update_slice(slice("web-1", "web", 6, {a6()})));
  sync();
  Reply r = Topology::connect(topo_->pod(0).ns, kCip6, 80);
  ASSERT_EQ(r.error, 0) << "hairpin connection failed";
  EXPECT_EQ(r.who(), "a");
  EXPECT_EQ(r.peer(), Topology::kNodeIp6) << "hairpin traffic is masqueraded to the node's address";
}

TEST_F(ProxyDatapath, Ipv4Service) {
  ASSERT_TRUE(proxy_->update_service(service("web4", kCip4)));
  ASSERT_TRUE(proxy_->update_slice(slice("web4-1", "web4", 4, {topo_->pod(0).ip4, topo_->pod(1).ip4})));
  sync();
  for (const std::string& from : {topo_->pod(0).ns, topo_->node_ns()}) {
    auto seen = answers(from, kCip4, 40);
    EXPECT_EQ(seen.size(), 2u) << "from " << from << ": " << ::testing::PrintToString(seen);
    EXPECT_GT(seen["a"], 3);
    EXPECT_GT(seen["b"], 3);
  }
  Reply hair = Topology::connect(topo_->pod(1).ns, kCip4, 80);  // may land on b itself
  EXPECT_EQ(hair.error, 0);
  ASSERT_TRUE(proxy_->update_slice(slice("web4-1", "web4", 4, {})));
  sync();
  EXPECT_EQ(Topology::connect(topo_->pod(0).ns, kCip4, 80).error, ECONNREFUSED);
}

TEST_F(ProxyDatapath, RemovingTheServiceRemovesItsRulesAndCleanupTheTable) {
  ASSERT_TRUE(proxy_->update_service(service("web", kCip6)));
  ASSERT_TRUE(proxy_->update_service(service("other", "fd00:10::2")));
  ASSERT_TRUE(proxy_->update_slice(slice("web-1", "web", 6, {a6(), b6()})));
  sync();
  EXPECT_NE(ruleset(*topo_).find("fd00:10::1 . tcp . 80"), std::string::npos);
  proxy_->remove_service("default/web");
  sync();
  std::string rules = ruleset(*topo_);
  EXPECT_EQ(rules.find("fd00:10::1"), std::string::npos) << rules;
  EXPECT_NE(rules.find("fd00:10::2"), std::string::npos);
  // Nothing answers for the removed ClusterIP any more (the node has no route to it).
  EXPECT_NE(Topology::connect(topo_->pod(0).ns, kCip6, 80, 300).error, 0);

  ASSERT_TRUE(proxy_->cleanup());
  EXPECT_EQ(ruleset(*topo_).find("v6k-proxy"), std::string::npos);
  // The next sync rebuilds it whole.
  proxy_->remove_service("default/other");
  ASSERT_TRUE(proxy_->update_service(service("web", kCip6)));
  EXPECT_TRUE(sync().full);
  EXPECT_EQ(answers(topo_->pod(0).ns, kCip6, 30).size(), 2u);  // 10 could all land on one backend
}

TEST_F(ProxyDatapath, RecoversWhenTheTableWasChangedBehindItsBack) {
  ASSERT_TRUE(proxy_->update_service(service("web", kCip6)));
  ASSERT_TRUE(proxy_->update_slice(slice("web-1", "web", 6, {a6(), b6()})));
  sync();
  {
    auto in = netlink::NetNsScope::enter(topo_->node()).value();
    ASSERT_TRUE(netlink::Nft::open().value().run("delete table inet v6k-proxy\n"));
  }
  ASSERT_TRUE(proxy_->update_slice(slice("web-1", "web", 6, {b6()})));
  EXPECT_TRUE(sync().full) << "a failed delta falls back to replacing the table";
  EXPECT_EQ(answers(topo_->pod(0).ns, kCip6, 10), (std::map<std::string, int>{{"b", 10}}));
}

}  // namespace
}  // namespace v6k::node::proxy
