// The fabric end to end: VPCs realised in namespaces, with TCP probes between instances and
// the internet hosts proving routing, security groups, NAT, gateways and restart safety.
// Needs root; every namespace is named "v6kf<pid>-…" and torn down after each test.
#include "fabric/fabric.h"

#include <gtest/gtest.h>
#include <linux/if_addr.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "common/unique_fd.h"
#include "fabric/fabric_impl.h"
#include "netlink/netns.h"
#include "netlink/nft.h"
#include "netlink/rtnl.h"
#include "support/probe.h"
#include "support/proc.h"

namespace v6k::fabric {
namespace {

using testing::tcp_probe;

#define ASSERT_OK(expr)                                           \
  do {                                                            \
    auto&& r_ = (expr);                                           \
    ASSERT_TRUE(r_.has_value()) << r_.error().message();          \
  } while (0)

addr::Ipv4Prefix p4(const char* t) { return addr::Ipv4Prefix::parse(t).value(); }
addr::Ipv6Prefix p6(const char* t) { return addr::Ipv6Prefix::parse(t).value(); }
addr::Ipv4Address a4(const char* t) { return addr::Ipv4Address::parse(t).value(); }
addr::Ipv6Address a6(const char* t) { return addr::Ipv6Address::parse(t).value(); }

SgRule allow_v6(const char* proto, int from, int to, const char* cidr = "::/0") {
  SgRule r{proto, from, to};
  r.v6 = p6(cidr);
  return r;
}
SgRule allow_v4(const char* proto, int from, int to, const char* cidr = "0.0.0.0/0") {
  SgRule r{proto, from, to};
  r.v4 = p4(cidr);
  return r;
}
SgRule allow_group(const char* proto, int from, int to, const char* group) {
  SgRule r{proto, from, to};
  r.group_id = group;
  return r;
}

constexpr const char* kVpc = "vpc-0a00000000000000f";
constexpr const char* kI1 = "i-01000000000000001";  // subnet a, public IPv4, delegated /80
constexpr const char* kI2 = "i-02000000000000002";  // subnet a, no public IPv4
constexpr const char* kI3 = "i-03000000000000003";  // subnet b, public IPv4
constexpr const char* kI1v6 = "2001:db8:0:101::11";
constexpr const char* kI2v6 = "2001:db8:0:101::12";
constexpr const char* kI3v6 = "2001:db8:0:102::13";

Eni eni(const char* id, const char* instance, const char* subnet, const char* v4, const char* v6, const char* sg) {
  Eni e;
  e.id = id;
  e.instance_id = instance;
  e.subnet_id = subnet;
  e.mac = std::string("02:00:00:00:00:") + std::string(id).substr(std::string(id).size() - 2);
  e.ipv4 = a4(v4);
  e.ipv6 = {a6(v6)};
  e.security_groups = {sg};
  return e;
}

// Two subnets, three instances each in its own (empty) security group, an IGW, and
// default routes (v4 + v6) to it in subnet a only; subnet b has no routes.
Vpc three_instances() {
  Vpc v;
  v.id = kVpc;
  v.ipv4 = p4("10.0.0.0/16");
  v.ipv6 = p6("2001:db8:0:100::/56");
  v.internet_gateway = true;
  Subnet a{"subnet-a", p4("10.0.1.0/24"), p6("2001:db8:0:101::/64"), {}};
  a.routes.push_back({p6("::/0"), Target::kInternetGateway});
  a.routes.push_back({p4("0.0.0.0/0"), Target::kInternetGateway});
  Subnet b{"subnet-b", p4("10.0.2.0/24"), p6("2001:db8:0:102::/64"), {}};
  v.subnets = {a, b};
  v.security_groups = {{"sg-1", {}, {}}, {"sg-2", {}, {}}, {"sg-3", {}, {}}};
  Eni e1 = eni("eni-01000000000000001", kI1, "subnet-a", "10.0.1.11", kI1v6, "sg-1");
  e1.public_ipv4 = a4("198.51.100.11");
  e1.ipv6_prefixes = {p6("2001:db8:0:101:1::/80")};
  Eni e2 = eni("eni-02000000000000002", kI2, "subnet-a", "10.0.1.12", kI2v6, "sg-2");
  Eni e3 = eni("eni-03000000000000003", kI3, "subnet-b", "10.0.2.13", kI3v6, "sg-3");
  e3.public_ipv4 = a4("198.51.100.13");
  v.enis = {e1, e2, e3};
  return v;
}

SecurityGroup& sg(Vpc& v, const char* id) {
  for (auto& g : v.security_groups)
    if (g.id == id) return g;
  throw std::runtime_error("no group");
}

ino_t inode_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_ino;
}

class FabricTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to create network namespaces";
    prefix_ = "v6kf" + std::to_string(::getpid()) + "-";
    auto f = Fabric::open({.ns_prefix = prefix_});
    ASSERT_OK(f);
    fabric_ = std::move(*f);
    auto r = fabric_->ensure_internet();
    if (!r && (r.error().code() == EPERM || r.error().code() == ENOSYS))
      GTEST_SKIP() << "network namespaces unavailable: " << r.error().message();
    ASSERT_OK(r);
  }

  void TearDown() override {
    // Every incremental nftables change must have applied as computed: a fallback to
    // whole-table replacement means the model and the kernel disagreed.
    if (auto* impl = dynamic_cast<internal::FabricImpl*>(fabric_.get())) {
      EXPECT_EQ(impl->nft_counters().fallback, 0);
    }
    if (fabric_) (void)fabric_->teardown();
    for (pid_t p : children_) {
      ::kill(p, SIGKILL);
      ::waitpid(p, nullptr, 0);
    }
    // Whatever a failed test left behind.
    for (const auto& n : namespaces())
      (void)netlink::NetNs::remove(prefix_ + n);
  }

  std::string ns(const std::string& name) const { return prefix_ + name; }

  // Names (without the prefix) of our namespaces under /run/netns.
  std::vector<std::string> namespaces() const {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& ent : std::filesystem::directory_iterator("/run/netns", ec)) {
      std::string n = ent.path().filename();
      if (n.rfind(prefix_, 0) == 0) out.push_back(n.substr(prefix_.size()));
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  // Positive probes get time for a SYN retransmission; negative ones fail fast.
  testing::TcpProbe reach(const std::string& from, const std::string& to, const std::string& dst, uint16_t port) {
    return tcp_probe(ns(from), ns(to), dst, port, 3000);
  }
  bool blocked(const std::string& from, const std::string& to, const std::string& dst, uint16_t port) {
    return !tcp_probe(ns(from), ns(to), dst, port, 400).ok;
  }

  // `nft list ruleset` of the VPC router.
  std::string router_ruleset() {
    auto n = netlink::NetNs::open_named(ns(kVpc));
    if (!n) return "";
    auto scope = netlink::NetNsScope::enter(*n);
    if (!scope) return "";
    auto nft = netlink::Nft::open();
    if (!nft) return "";
    return nft->list_ruleset().value_or("");
  }

  std::vector<std::string> links_in(const std::string& name) {
    std::vector<std::string> out;
    auto n = netlink::NetNs::open_named(ns(name));
    if (!n) return out;
    auto r = netlink::Rtnl::open_in(*n);
    if (!r) return out;
    for (const auto& l : r->list_links().value_or(std::vector<netlink::LinkInfo>{})) out.push_back(l.name);
    return out;
  }

  std::string prefix_;
  std::unique_ptr<Fabric> fabric_;
  std::vector<pid_t> children_;
};

TEST_F(FabricTest, InternetHostsExistAndReachEachOther) {
  EXPECT_EQ(namespaces(), (std::vector<std::string>{"inet", "laptop", "svc4", "svc46"}));
  auto p = reach("laptop", "svc4", InternetHosts::kService4Ipv4, 8080);
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.server_saw, InternetHosts::kLaptopIpv4);
  p = reach("svc4", "svc46", InternetHosts::kService46Ipv4, 8080);
  EXPECT_TRUE(p.ok) << p.error;
  EXPECT_TRUE(blocked("laptop", "svc46", InternetHosts::kService46Ipv6, 8080)) << "laptop is IPv4-only";
  ASSERT_OK(fabric_->ensure_internet());  // idempotent
  EXPECT_TRUE(reach("laptop", "svc4", InternetHosts::kService4Ipv4, 8081).ok);
}

TEST_F(FabricTest, SecurityGroupsGateTrafficBetweenInstances) {
  Vpc v = three_instances();
  ASSERT_OK(fabric_->apply(v));
  EXPECT_EQ(namespaces(), (std::vector<std::string>{"i-01000000000000001", "i-02000000000000002",
                                                    "i-03000000000000003", "inet", "laptop", "svc4", "svc46",
                                                    kVpc}));
  // Groups without rules: nothing passes.
  EXPECT_TRUE(blocked(kI1, kI3, kI3v6, 8080));

  // i-1 may send anything over IPv6, i-3 accepts tcp/8080 from anywhere.
  sg(v, "sg-1").egress = {allow_v6("-1", -1, -1)};
  sg(v, "sg-3").ingress = {allow_v6("tcp", 8080, 8080)};
  ASSERT_OK(fabric_->apply(v));
  auto p = reach(kI1, kI3, kI3v6, 8080);
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.server_saw, kI1v6);
  EXPECT_TRUE(blocked(kI1, kI3, kI3v6, 8081)) << "only port 8080 is open";
  EXPECT_TRUE(blocked(kI3, kI1, kI1v6, 8080)) << "i-1 has no ingress rule";

  // Source-group rule: i-3 accepts from members of sg-1 only, IPv4 and IPv6.
  sg(v, "sg-1").egress.push_back(allow_v4("-1", -1, -1));
  sg(v, "sg-2").egress = {allow_v6("-1", -1, -1)};
  sg(v, "sg-3").ingress = {allow_group("tcp", 8080, 8080, "sg-1")};
  ASSERT_OK(fabric_->apply(v));
  p = reach(kI1, kI3, kI3v6, 8080);
  EXPECT_TRUE(p.ok) << p.error;
  p = reach(kI1, kI3, "10.0.2.13", 8080);
  EXPECT_TRUE(p.ok) << "IPv4 across subnets: " << p.error;
  EXPECT_EQ(p.server_saw, "10.0.1.11");
  EXPECT_TRUE(blocked(kI2, kI3, kI3v6, 8080)) << "i-2 is not in sg-1";

  // Moving i-2 into sg-1 (membership change only) lets it in.
  v.enis[1].security_groups = {"sg-1"};
  ASSERT_OK(fabric_->apply(v));
  p = reach(kI2, kI3, kI3v6, 8080);
  EXPECT_TRUE(p.ok) << p.error;

  // Egress restriction: sg-1 may only send to tcp/9090.
  sg(v, "sg-1").egress = {allow_v6("tcp", 9090, 9090), allow_v4("tcp", 9090, 9090)};
  sg(v, "sg-3").ingress = {allow_v6("tcp", 8080, 9090)};
  ASSERT_OK(fabric_->apply(v));
  EXPECT_TRUE(blocked(kI1, kI3, kI3v6, 8080));
  p = reach(kI1, kI3, kI3v6, 9090);
  EXPECT_TRUE(p.ok) << p.error;
  auto counters = dynamic_cast<internal::FabricImpl&>(*fabric_).nft_counters();
  EXPECT_EQ(counters.full, 1) << "only the first apply replaces the tables";
  EXPECT_EQ(counters.delta, 4);
}

TEST_F(FabricTest, SameSubnetIpv4GoesThroughTheRouter) {
  Vpc v = three_instances();
  sg(v, "sg-1").ingress = {allow_v4("tcp", 8080, 8080, "10.0.0.0/16")};
  sg(v, "sg-2").egress = {allow_v4("-1", -1, -1)};
  ASSERT_OK(fabric_->apply(v));
  auto p = reach(kI2, kI1, "10.0.1.11", 8080);  // on-link for i-2: proxy ARP answers
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.server_saw, "10.0.1.12");
}

TEST_F(FabricTest, PublicIpv4IsOneToOneNatAtTheInternetGateway) {
  Vpc v = three_instances();
  sg(v, "sg-1").egress = {allow_v4("-1", -1, -1), allow_v6("-1", -1, -1)};
  sg(v, "sg-2").egress = {allow_v4("-1", -1, -1)};
  ASSERT_OK(fabric_->apply(v));

  auto p = reach(kI1, "svc4", InternetHosts::kService4Ipv4, 8080);
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.server_saw, "198.51.100.11") << "svc4 sees the public IPv4";
  EXPECT_TRUE(blocked(kI2, "svc4", InternetHosts::kService4Ipv4, 8080)) << "no public IPv4, no internet";

  // Inbound to the public IPv4 only when the group allows 0.0.0.0/0.
  EXPECT_TRUE(blocked("laptop", kI1, "198.51.100.11", 8080));
  sg(v, "sg-1").ingress = {allow_v4("tcp", 8080, 8080)};
  ASSERT_OK(fabric_->apply(v));
  p = reach("laptop", kI1, "198.51.100.11", 8080);
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.server_saw, InternetHosts::kLaptopIpv4);
  EXPECT_TRUE(blocked("laptop", kI1, kI1v6, 8080)) << "the laptop has no IPv6";

  // A changed public address moves the NAT and the inet route.
  v.enis[0].public_ipv4 = a4("198.51.100.111");
  ASSERT_OK(fabric_->apply(v));
  p = reach(kI1, "svc4", InternetHosts::kService4Ipv4, 8080);
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.server_saw, "198.51.100.111");
  EXPECT_TRUE(reach("laptop", kI1, "198.51.100.111", 8080).ok);
  EXPECT_TRUE(blocked("laptop", kI1, "198.51.100.11", 8080));
}

TEST_F(FabricTest, Ipv6FromTheInternetNeedsGroupRouteAndGateway) {
  Vpc v = three_instances();
  sg(v, "sg-1").ingress = {allow_v6("tcp", 80, 80)};
  sg(v, "sg-3").ingress = {allow_v6("tcp", 80, 80)};
  sg(v, "sg-3").egress = {allow_v6("-1", -1, -1)};
  ASSERT_OK(fabric_->apply(v));
  auto p = reach("svc46", kI1, kI1v6, 80);
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.server_saw, InternetHosts::kService46Ipv6);
  EXPECT_TRUE(blocked("svc46", kI1, kI1v6, 81)) << "the group allows port 80 only";
  EXPECT_TRUE(blocked("svc46", kI2, kI2v6, 80)) << "sg-2 has no ::/0 rule";
  EXPECT_TRUE(blocked("svc46", kI3, kI3v6, 80)) << "subnet b has no route back to the internet";
  EXPECT_TRUE(blocked(kI3, "svc46", InternetHosts::kService46Ipv6, 80)) << "subnet b has no route out";

  // Giving subnet b its route table fixes both directions.
  v.subnets[1].routes.push_back({p6("::/0"), Target::kInternetGateway});
  ASSERT_OK(fabric_->apply(v));
  EXPECT_TRUE(reach("svc46", kI3, kI3v6, 80).ok);
  EXPECT_TRUE(reach(kI3, "svc46", InternetHosts::kService46Ipv6, 80).ok);

  // Detaching the internet gateway cuts the VPC off (the routes become blackholes).
  v.internet_gateway = false;
  ASSERT_OK(fabric_->apply(v));
  EXPECT_TRUE(blocked("svc46", kI1, kI1v6, 80));
  EXPECT_TRUE(blocked(kI3, "svc46", InternetHosts::kService46Ipv6, 80));
  for (const auto& l : links_in("inet")) EXPECT_NE(l[0], 'v') << "inet still has " << l;
  v.internet_gateway = true;
  ASSERT_OK(fabric_->apply(v));
  EXPECT_TRUE(reach("svc46", kI1, kI1v6, 80).ok);
}

TEST_F(FabricTest, EgressOnlyGatewayLetsIpv6OutButNotIn) {
  Vpc v = three_instances();
  v.internet_gateway = false;
  v.egress_only_gateway = true;
  v.subnets[0].routes = {{p6("::/0"), Target::kEgressOnlyGateway}, {p4("0.0.0.0/0"), Target::kInternetGateway}};
  sg(v, "sg-1").ingress = {allow_v6("-1", -1, -1)};
  sg(v, "sg-1").egress = {allow_v6("-1", -1, -1), allow_v4("-1", -1, -1)};
  ASSERT_OK(fabric_->apply(v));
  auto p = reach(kI1, "svc46", InternetHosts::kService46Ipv6, 8080);
  ASSERT_TRUE(p.ok) << p.error;
  EXPECT_EQ(p.server_saw, kI1v6);
  EXPECT_TRUE(blocked("svc46", kI1, kI1v6, 8080)) << "inbound on an egress-only gateway is refused";
  EXPECT_TRUE(blocked(kI1, "svc4", InternetHosts::kService4Ipv4, 8080)) << "no IGW: no IPv4 out";
}

// Adds `address`/128 to lo in `ns_name` and waits until it is usable (IPv6 makes an
// address's local route from a work queue, a little after the ACK).
void add_to_lo(const std::string& ns_name, const char* address) {
  auto n = netlink::NetNs::open_named(ns_name);
  ASSERT_OK(n);
  auto r = netlink::Rtnl::open_in(*n);
  ASSERT_OK(r);
  ASSERT_OK(r->add_address(1, {a6(address), 128}, IFA_F_NODAD));
  for (int i = 0; i < 1000 && r->route_type(a6(address)).value_or(0) != RTN_LOCAL; ++i) ::usleep(1000);
}

// A TCP connection from `src` (an address of client_ns) to [dst]:port, served in server_ns.
bool connects_from(const std::string& client_ns, const std::string& src, const std::string& server_ns,
                   const std::string& dst, uint16_t port, int timeout_ms) {
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  sa.sin6_port = htons(port);
  UniqueFd listener, client;
  {
    auto n = netlink::NetNs::open_named(server_ns).value();
    auto scope = netlink::NetNsScope::enter(n).value();
    listener.reset(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
    int one = 1;
    ::setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(listener.get(), 4) != 0)
      return false;
  }
  {
    auto n = netlink::NetNs::open_named(client_ns).value();
    auto scope = netlink::NetNsScope::enter(n).value();
    client.reset(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  }
  sockaddr_in6 from{};
  from.sin6_family = AF_INET6;
  std::memcpy(&from.sin6_addr, a6(src.c_str()).bytes().data(), 16);
  if (::bind(client.get(), reinterpret_cast<sockaddr*>(&from), sizeof from) != 0) return false;
  std::memcpy(&sa.sin6_addr, a6(dst.c_str()).bytes().data(), 16);
  if (::connect(client.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 && errno != EINPROGRESS) return false;
  pollfd p{listener.get(), POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) == 1;
}

TEST_F(FabricTest, DelegatedPrefixesAreRoutedAndMatchTheirGroups) {
  Vpc v = three_instances();
  // i-1 also gets a prefix that is not a /80 (the interval-set path of group matching).
  v.enis[0].ipv6_prefixes.push_back(p6("2001:db8:0:101:2::/96"));
  sg(v, "sg-1").ingress = {allow_v6("tcp", 8080, 8080, "2001:db8:0:100::/56")};
  sg(v, "sg-1").egress = {allow_v6("-1", -1, -1)};
  sg(v, "sg-3").ingress = {allow_group("tcp", 8080, 8080, "sg-1")};
  sg(v, "sg-3").egress = {allow_v6("-1", -1, -1)};
  ASSERT_OK(fabric_->apply(v));
  add_to_lo(ns(kI1), "2001:db8:0:101:1::5");   // in the /80: a pod, say
  add_to_lo(ns(kI1), "2001:db8:0:101:2::7");   // in the /96

  auto p = reach(kI3, kI1, "2001:db8:0:101:1::5", 8080);
  ASSERT_TRUE(p.ok) << "routed to the ENI it is delegated to: " << p.error;
  EXPECT_EQ(p.server_saw, kI3v6);
  EXPECT_TRUE(reach(kI3, kI1, "2001:db8:0:101:2::7", 8080).ok);

  // Sources in i-1's prefixes count as members of i-1's group (sg-3 admits only sg-1).
  EXPECT_TRUE(connects_from(ns(kI1), "2001:db8:0:101:1::5", ns(kI3), kI3v6, 8080, 3000));
  EXPECT_TRUE(connects_from(ns(kI1), "2001:db8:0:101:2::7", ns(kI3), kI3v6, 8080, 3000));
  EXPECT_TRUE(connects_from(ns(kI1), kI1v6, ns(kI3), kI3v6, 8080, 3000));
  EXPECT_NE(router_ruleset().find("g6x_sg_1"), std::string::npos);

  // Taking the /96 away takes it out of the group; its interval set goes.
  v.enis[0].ipv6_prefixes.pop_back();
  ASSERT_OK(fabric_->apply(v));
  EXPECT_EQ(router_ruleset().find("g6x_sg_1"), std::string::npos);
  EXPECT_TRUE(connects_from(ns(kI1), "2001:db8:0:101:1::5", ns(kI3), kI3v6, 8080, 3000));
}

// A connected TCP pair: client fd in one namespace, accepted server fd in another.
struct Connection {
  UniqueFd listener, client, server;
};

Connection connect_between(const std::string& client_ns, const std::string& server_ns, const std::string& dst6,
                           uint16_t port) {
  Connection c;
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  sa.sin6_port = htons(port);
  {
    auto n = netlink::NetNs::open_named(server_ns).value();
    auto scope = netlink::NetNsScope::enter(n).value();
    c.listener.reset(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
    int one = 1;
    ::setsockopt(c.listener.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(c.listener.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(c.listener.get(), 4) != 0)
      return c;
  }
  {
    auto n = netlink::NetNs::open_named(client_ns).value();
    auto scope = netlink::NetNsScope::enter(n).value();
    c.client.reset(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
  }
  auto dst = a6(dst6.c_str());
  std::memcpy(&sa.sin6_addr, dst.bytes().data(), 16);
  timeval tv{3, 0};
  ::setsockopt(c.client.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(c.client.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) return c;
  c.server.reset(::accept4(c.listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  return c;
}

bool echo(int from, int to, char byte) {
  if (::write(from, &byte, 1) != 1) return false;
  pollfd p{to, POLLIN, 0};
  char got = 0;
  return ::poll(&p, 1, 3000) == 1 && ::read(to, &got, 1) == 1 && got == byte;
}

TEST_F(FabricTest, RestartedFabricKeepsInstancesAndTheirProcesses) {
  Vpc v = three_instances();
  sg(v, "sg-1").ingress = {allow_v6("tcp", 7070, 7075)};
  sg(v, "sg-3").egress = {allow_v6("-1", -1, -1)};
  ASSERT_OK(fabric_->apply(v));
  const std::string path = "/run/netns/" + ns(kI1);
  const ino_t before = inode_of(path);
  ASSERT_NE(before, 0u);

  pid_t sleeper = -1;
  testing::run_in_netns(path, {"/bin/sleep", "300"}, {}, "", &sleeper, false);
  ASSERT_GT(sleeper, 0);
  children_.push_back(sleeper);
  Connection c = connect_between(ns(kI3), ns(kI1), kI1v6, 7070);
  ASSERT_TRUE(c.server) << "no connection before the restart";
  ASSERT_TRUE(echo(c.client.get(), c.server.get(), 'a'));

  // A new daemon: fresh Fabric object, no memory of what the first one did.
  auto second = Fabric::open({.ns_prefix = prefix_});
  ASSERT_OK(second);
  ASSERT_OK((*second)->ensure_internet());
  ASSERT_OK((*second)->apply(v));
  EXPECT_EQ(inode_of(path), before) << "the instance namespace was recreated";
  EXPECT_EQ(inode_of("/proc/" + std::to_string(sleeper) + "/ns/net"), before);
  EXPECT_EQ(::kill(sleeper, 0), 0) << "the process inside died";
  EXPECT_TRUE(echo(c.client.get(), c.server.get(), 'b')) << "the established connection broke";
  EXPECT_TRUE(echo(c.server.get(), c.client.get(), 'c'));
  EXPECT_TRUE(blocked(kI1, kI3, kI3v6, 8080)) << "security groups were reinstalled";

  // The restarted fabric converges changes onto the kept namespace.
  v.enis[0].ipv6.push_back(a6("2001:db8:0:101::111"));
  v.enis[0].ipv4 = a4("10.0.1.111");
  ASSERT_OK((*second)->apply(v));
  EXPECT_EQ(inode_of(path), before);
  auto p = reach(kI3, kI1, "2001:db8:0:101::111", 7071);
  EXPECT_TRUE(p.ok) << p.error;
  EXPECT_TRUE(echo(c.client.get(), c.server.get(), 'd'));

  // A third one, after the change, converges to the same and keeps everything too.
  auto third = Fabric::open({.ns_prefix = prefix_});
  ASSERT_OK(third);
  ASSERT_OK((*third)->apply(v));
  EXPECT_EQ(inode_of(path), before);
  EXPECT_TRUE(reach(kI3, kI1, "2001:db8:0:101::111", 7072).ok);
  EXPECT_TRUE(blocked(kI3, kI1, kI1v6, 7080));
  fabric_ = std::move(*third);  // TearDown tears down through it
}

TEST_F(FabricTest, RemovedInstanceGoesAndNewOnesArrive) {
  Vpc v = three_instances();
  sg(v, "sg-3").ingress = {allow_v6("tcp", 8080, 8080)};
  sg(v, "sg-2").egress = {allow_v6("-1", -1, -1)};
  ASSERT_OK(fabric_->apply(v));
  v.enis.erase(v.enis.begin());  // terminate i-1
  ASSERT_OK(fabric_->apply(v));
  auto names = namespaces();
  EXPECT_EQ(std::count(names.begin(), names.end(), kI1), 0);
  for (const auto& l : links_in(kVpc)) EXPECT_NE(l, "eni010000000000") << "router link left behind";
  EXPECT_TRUE(reach(kI2, kI3, kI3v6, 8080).ok);
  Eni e4 = eni("eni-04000000000000004", "i-04000000000000004", "subnet-b", "10.0.2.14", "2001:db8:0:102::14", "sg-2");
  v.enis.push_back(e4);
  ASSERT_OK(fabric_->apply(v));
  auto p = reach("i-04000000000000004", kI3, kI3v6, 8080);
  EXPECT_TRUE(p.ok) << p.error;
}

TEST_F(FabricTest, PruneKeepsNamedAndInternetNamespaces) {
  Vpc v = three_instances();
  ASSERT_OK(fabric_->apply(v));
  ASSERT_OK(fabric_->prune({kVpc, kI1, kI3}));
  EXPECT_EQ(namespaces(), (std::vector<std::string>{"i-01000000000000001", "i-03000000000000003", "inet", "laptop",
                                                    "svc4", "svc46", kVpc}));
  ASSERT_OK(fabric_->prune({}));
  EXPECT_EQ(namespaces(), (std::vector<std::string>{"inet", "laptop", "svc4", "svc46"}));
  for (const auto& l : links_in("inet")) EXPECT_EQ(l.rfind("h-", 0) == 0 || l == "lo", true) << l;
}

TEST_F(FabricTest, RemoveVpcAndTeardownLeaveNothing) {
  Vpc v = three_instances();
  v.egress_only_gateway = true;
  ASSERT_OK(fabric_->apply(v));
  Vpc w = three_instances();
  w.id = "vpc-0b00000000000000f";  // interface names use the first 12 characters of ids
  w.ipv6 = p6("2001:db8:0:200::/56");
  for (auto& e : w.enis) {
    e.id[4] = 'b';
    e.instance_id[2] = 'b';
    e.public_ipv4.reset();
  }
  ASSERT_OK(fabric_->apply(w));
  EXPECT_EQ(namespaces().size(), 4u + 2u + 6u);

  ASSERT_OK(fabric_->remove_vpc(kVpc));
  auto names = namespaces();
  EXPECT_EQ(names.size(), 4u + 1u + 3u);
  EXPECT_EQ(std::count(names.begin(), names.end(), kVpc), 0);
  EXPECT_EQ(std::count(names.begin(), names.end(), kI1), 0);
  for (const auto& l : links_in("inet"))
    EXPECT_TRUE(l == "lo" || l.rfind("h-", 0) == 0 || l == "v" + w.id.substr(4, 12) || l == "e" + w.id.substr(4, 12)) << l;

  // A daemon that never saw w removes it too (router, instances and inet links).
  auto other = Fabric::open({.ns_prefix = prefix_});
  ASSERT_OK(other);
  ASSERT_OK((*other)->remove_vpc(w.id));
  EXPECT_EQ(namespaces(), (std::vector<std::string>{"inet", "laptop", "svc4", "svc46"}));
  for (const auto& l : links_in("inet")) EXPECT_TRUE(l == "lo" || l.rfind("h-", 0) == 0) << l;

  ASSERT_OK(fabric_->apply(v));
  ASSERT_OK(fabric_->teardown());
  EXPECT_TRUE(namespaces().empty());
  ASSERT_OK(fabric_->teardown());  // nothing left is fine
}

TEST_F(FabricTest, RejectsAVpcItCannotRealise) {
  Vpc v = three_instances();
  v.enis[0].subnet_id = "subnet-missing";
  auto r = fabric_->apply(v);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("unknown subnet"), std::string::npos) << r.error().message();
  v = three_instances();
  v.enis[1].instance_id = v.enis[0].instance_id;
  EXPECT_FALSE(fabric_->apply(v));
  EXPECT_EQ(namespaces(), (std::vector<std::string>{"inet", "laptop", "svc4", "svc46"})) << "nothing was created";
}

}  // namespace
}  // namespace v6k::fabric
