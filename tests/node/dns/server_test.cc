// The server in namespaces the test creates (root; label netns):
//
//   client ns ── veth ── server ns (lo: fd12:3456:789a::a) ── veth ── upstream ns
//   fd99:1::2           fd99:1::1 | fd99:2::1                          fd99:2::2 (fake resolver)
//
// Real DNS over UDP and TCP, sent by ldns-built queries from a thread inside the client
// namespace (never from the root namespace). Everything is removed in the destructor.
#include <gtest/gtest.h>
#include <linux/if_addr.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "ldns_client.h"
#include "netlink/rtnl.h"
#include "netlink/sysctl.h"
#include "node/dns/server.h"

namespace v6k::node::dns {
namespace {

using namespace testing;
using netlink::NetNs;
using netlink::NetNsScope;
using netlink::Rtnl;
using json = nlohmann::json;
using Strings = std::vector<std::string>;

template <typename T>
T must(Result<T> r, const std::string& what) {
  if (!r) throw std::runtime_error(what + ": " + r.error().message());
  return std::move(*r);
}
void must(Result<> r, const std::string& what) {
  if (!r) throw std::runtime_error(what + ": " + r.error().message());
}
addr::IpAddress ip(const char* t) { return addr::parse_ip(t).value(); }
addr::IpInterface iface(const char* t) { return addr::IpInterface::parse(t).value(); }

const char* kDnsIp = "fd12:3456:789a::a";
const char* kUpstreamIp = "fd99:2::2";
const char* kService = "my-service.aws-news-blog.svc.cluster.local";

// A tiny resolver for the upstream role: every question gets AAAA 2001:db8:ffff::80, except
// names starting with "silent", which get nothing. Built with ldns, served on UDP and TCP.
class FakeUpstream {
 public:
  explicit FakeUpstream(const NetNs& ns) {
    auto in = must(NetNsScope::enter(ns), "enter upstream ns");
    auto at = SockAddr::from(ip(kUpstreamIp), 53);
    udp_ = must(bind_udp(at), "upstream udp");
    tcp_ = must(listen_tcp(at), "upstream tcp");
    stop_ = UniqueFd(::eventfd(0, EFD_CLOEXEC));
    thread_ = std::thread([this] { loop(); });
  }
  ~FakeUpstream() {
    uint64_t one = 1;
    (void)!::write(stop_.get(), &one, sizeof one);
    thread_.join();
  }
  int queries() const { return queries_; }

 private:
  std::optional<std::vector<uint8_t>> answer(const std::vector<uint8_t>& q) {
    ++queries_;
    Pkt query = decode(q);
    if (!query || ldns_pkt_qdcount(query.get()) != 1) return std::nullopt;
    ldns_rr* question = ldns_rr_list_rr(ldns_pkt_question(query.get()), 0);
    char* name = ldns_rdf2str(ldns_rr_owner(question));
    std::string qname(name);
    std::free(name);
    if (qname.starts_with("silent")) return std::nullopt;
    Pkt reply(ldns_pkt_new());
    ldns_pkt_set_id(reply.get(), ldns_pkt_id(query.get()));
    ldns_pkt_set_qr(reply.get(), true);
    ldns_pkt_set_rd(reply.get(), ldns_pkt_rd(query.get()));
    ldns_pkt_set_ra(reply.get(), true);
    ldns_pkt_push_rr(reply.get(), LDNS_SECTION_QUESTION, ldns_rr_clone(question));
    ldns_rr* rr = nullptr;
    std::string text = qname + " 60 IN AAAA 2001:db8:ffff::80";
    if (ldns_rr_new_frm_str(&rr, text.c_str(), 0, nullptr, nullptr) != LDNS_STATUS_OK) return std::nullopt;
    ldns_pkt_push_rr(reply.get(), LDNS_SECTION_ANSWER, rr);
    uint8_t* wire = nullptr;
    size_t size = 0;
    if (ldns_pkt2wire(&wire, reply.get(), &size) != LDNS_STATUS_OK) return std::nullopt;
    std::vector<uint8_t> out(wire, wire + size);
    std::free(wire);
    return out;
  }

  void loop() {
    std::vector<uint8_t> buf(65536);
    while (true) {
      pollfd fds[3] = {{udp_.get(), POLLIN, 0}, {tcp_.get(), POLLIN, 0}, {stop_.get(), POLLIN, 0}};
      if (::poll(fds, 3, -1) < 0 || fds[2].revents) return;
      if (fds[0].revents & POLLIN) {
        SockAddr from;
        from.len = sizeof from.ss;
        ssize_t n = ::recvfrom(udp_.get(), buf.data(), buf.size(), 0, from.get(), &from.len);
        if (n > 0) {
          if (auto r = answer({buf.begin(), buf.begin() + n}))
            (void)::sendto(udp_.get(), r->data(), r->size(), 0, from.get(), from.len);
        }
      }
      if (fds[1].revents & POLLIN) {
        UniqueFd c(::accept4(tcp_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
        if (!c) continue;
        auto deadline = Clock::now() + std::chrono::seconds(2);
        auto q = read_tcp_message(c.get(), deadline);
        if (!q) continue;
        if (auto r = answer(*q)) {
          (void)write_tcp_message(c.get(), *r, deadline);
        } else {
          silent_.push_back(std::move(c));  // keep it open: the asker must time out
        }
      }
    }
  }

  UniqueFd udp_, tcp_, stop_;
  std::vector<UniqueFd> silent_;
  std::thread thread_;
  std::atomic<int> queries_{0};
};

class Lab {
 public:
  Lab() {
    static int counter = 0;
    prefix_ = "v6kt-dns-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-";
    try {
      build();
    } catch (...) {
      cleanup();
      throw;
    }
  }
  ~Lab() { cleanup(); }
  const NetNs& server() const { return *server_; }
  const NetNs& client() const { return *client_; }
  std::string server_path() const { return "/var/run/netns/" + prefix_ + "s"; }
  const NetNs& upstream() const { return *upstream_; }

 private:
  NetNs make(const std::string& suffix) {
    std::string name = prefix_ + suffix;
    NetNs ns = must(NetNs::create(name), "create " + name);
    names_.push_back(name);
    auto in = must(NetNsScope::enter(ns), "enter " + name);
    must(netlink::write_sysctl("net/ipv6/conf/all/accept_dad", "0"), "sysctl");
    must(netlink::write_sysctl("net/ipv6/conf/default/accept_dad", "0"), "sysctl");
    return ns;
  }

  // A veth from the server ns to `peer` with one /64 on each end, both up and operational.
  void wire(Rtnl& s, const NetNs& peer, const std::string& name, const char* s_addr, const char* p_addr) {
    Rtnl p = must(Rtnl::open_in(peer), "rtnl peer");
    must(s.create_veth({.name = name, .peer_name = "eth0", .peer_netns_fd = peer.fd()}), "veth " + name);
    int si = must(s.get_link(name), "link").index, pi = must(p.get_link("eth0"), "peer link").index;
    must(s.add_address(si, iface(s_addr), IFA_F_NODAD), "addr");
    must(p.add_address(pi, iface(p_addr), IFA_F_NODAD), "peer addr");
    must(s.set_link_up(si), "up");
    must(p.set_link_up(pi), "peer up");
    auto host = [](const char* cidr) { return ip(std::string(cidr).substr(0, std::string(cidr).find('/')).c_str()); };
    // Packets sent before the link is operational, or to an address whose local route the
    // kernel has not installed yet (it does so asynchronously after link up), are dropped.
    auto local = [](Rtnl& r, const addr::IpAddress& a) {
      auto t = r.route_type(a);
      return t && *t == RTN_LOCAL;
    };
    for (int i = 0; i < 400; ++i) {
      if (must(s.get_link(si), "link").oper_up && must(p.get_link(pi), "link").oper_up &&
          local(s, host(s_addr)) && local(p, host(p_addr)))
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    // Permanent neighbours both ways: a neighbour solicitation lost on a fresh wire would
    // otherwise stall the first query for the 1 s retransmit timer.
    must(s.add_neighbour({.ifindex = si, .ip = host(p_addr), .mac = must(p.get_link(pi), "peer").mac}), "neigh");
    must(p.add_neighbour({.ifindex = pi, .ip = host(s_addr), .mac = must(s.get_link(si), "link").mac}), "peer neigh");
  }

  void build() {
    server_.emplace(make("s"));
    client_.emplace(make("c"));
    upstream_.emplace(make("u"));
    Rtnl s = must(Rtnl::open_in(*server_), "rtnl server");
    int lo = must(s.get_link("lo"), "lo").index;
    must(s.add_address(lo, iface("fd12:3456:789a::a/128"), IFA_F_NODAD), "dns address on lo");
    wire(s, *client_, "c0", "fd99:1::1/64", "fd99:1::2/64");
    wire(s, *upstream_, "u0", "fd99:2::1/64", "fd99:2::2/64");
    Rtnl c = must(Rtnl::open_in(*client_), "rtnl client");
    int eth0 = must(c.get_link("eth0"), "client eth0").index;
    netlink::Route r;
    r.dst = ip("fd12:3456:789a::");
    r.dst_len = 108;
    r.gateway = ip("fd99:1::1");
    r.ifindex = eth0;
    must(c.add_route(r), "client route to the service CIDR");
  }

  void cleanup() {
    for (const auto& n : names_) (void)NetNs::remove(n);
    names_.clear();
  }

  std::string prefix_;
  std::vector<std::string> names_;
  std::optional<NetNs> server_, client_, upstream_;
};

class DnsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces)";
    lab_ = std::make_unique<Lab>();
    zone_ = std::make_shared<Records>(ZoneConfig{.nameservers = {ip(kDnsIp)}});
    ASSERT_TRUE(zone_->upsert_service({{"metadata", {{"namespace", "aws-news-blog"}, {"name", "my-service"}}},
                                       {"spec", {{"clusterIP", "fd12:3456:789a::1234"}, {"ports", {{{"port", 80}}}}}}}));
  }

  std::unique_ptr<Server> start(bool with_upstream, uint16_t port = 53) {
    ServerConfig cfg{.netns = lab_->server_path(), .address = ip(kDnsIp), .port = port};
    if (with_upstream) cfg.upstream = Upstream{ip(kUpstreamIp), 53};
    cfg.upstream_timeout = std::chrono::milliseconds(400);
    auto s = Server::start(zone_, cfg);
    EXPECT_TRUE(s) << s.error().message();
    return s ? std::move(*s) : nullptr;
  }

  Pkt ask(const std::string& name, ldns_rr_type type, bool tcp = false, uint16_t port = 53, QueryOptions o = {}) {
    auto reply = exchange(lab_->client(), SockAddr::from(ip(kDnsIp), port), make_query(name, type, o), tcp);
    EXPECT_TRUE(reply) << reply.error().message();
    if (!reply) return nullptr;
    Pkt p = decode(*reply);
    EXPECT_TRUE(p);
    if (p) {
      EXPECT_EQ(ldns_pkt_id(p.get()), o.id);
    }
    return p;
  }

  std::unique_ptr<Lab> lab_;
  std::shared_ptr<Records> zone_;
};

TEST_F(DnsServerTest, AnswersServiceFromAnotherNamespaceOverUdpAndTcp) {
  auto srv = start(false);
  ASSERT_TRUE(srv);
  for (bool tcp : {false, true}) {
    SCOPED_TRACE(tcp ? "tcp" : "udp");
    Pkt p = ask(kService, LDNS_RR_TYPE_AAAA, tcp);
    ASSERT_TRUE(p);
    EXPECT_EQ(ldns_pkt_get_rcode(p.get()), LDNS_RCODE_NOERROR);
    EXPECT_TRUE(ldns_pkt_aa(p.get()));
    EXPECT_EQ(rrs(p.get(), LDNS_SECTION_ANSWER), Strings{std::string(kService) + ". 5 AAAA fd12:3456:789a::1234"});
  }
  auto st = srv->stats();
  EXPECT_EQ(st.udp_queries, 1u);
  EXPECT_EQ(st.tcp_queries, 1u);
}

TEST_F(DnsServerTest, UpdatesAreVisibleImmediately) {
  auto srv = start(false);
  ASSERT_TRUE(srv);
  const std::string name = "web.default.svc.cluster.local";
  Pkt before = ask(name, LDNS_RR_TYPE_AAAA);
  ASSERT_TRUE(before);
  EXPECT_EQ(ldns_pkt_get_rcode(before.get()), LDNS_RCODE_NXDOMAIN);
  ASSERT_TRUE(zone_->upsert_service({{"metadata", {{"namespace", "default"}, {"name", "web"}}},
                                     {"spec", {{"clusterIP", "fd12:3456:789a::77"}, {"ports", {{{"port", 80}}}}}}}));
  Pkt after = ask(name, LDNS_RR_TYPE_AAAA);
  ASSERT_TRUE(after);
  EXPECT_EQ(rrs(after.get(), LDNS_SECTION_ANSWER), Strings{name + ". 5 AAAA fd12:3456:789a::77"});
  zone_->remove_service("default", "web");
  Pkt gone = ask(name, LDNS_RR_TYPE_AAAA);
  ASSERT_TRUE(gone);
  EXPECT_EQ(ldns_pkt_get_rcode(gone.get()), LDNS_RCODE_NXDOMAIN);
}

TEST_F(DnsServerTest, LargeAnswerTruncatedOverUdpCompleteOverTcp) {
  auto srv = start(false);
  ASSERT_TRUE(srv);
  json eps = json::array();
  for (int i = 0; i < 60; ++i) eps.push_back({{"addresses", {"2001:db8::" + std::to_string(i + 1)}}});
  ASSERT_TRUE(zone_->upsert_service({{"metadata", {{"namespace", "default"}, {"name", "big"}}}, {"spec", {{"clusterIP", "None"}}}}));
  ASSERT_TRUE(zone_->upsert_slice({{"metadata", {{"namespace", "default"}, {"name", "big-1"}, {"labels", {{"kubernetes.io/service-name", "big"}}}}},
                                   {"endpoints", eps}}));
  Pkt udp = ask("big.default.svc.cluster.local", LDNS_RR_TYPE_AAAA);
  ASSERT_TRUE(udp);
  EXPECT_TRUE(ldns_pkt_tc(udp.get()));
  Pkt tcp = ask("big.default.svc.cluster.local", LDNS_RR_TYPE_AAAA, true);
  ASSERT_TRUE(tcp);
  EXPECT_FALSE(ldns_pkt_tc(tcp.get()));
  EXPECT_EQ(ldns_pkt_ancount(tcp.get()), 60);
  EXPECT_EQ(srv->stats().truncated, 1u);
}

TEST_F(DnsServerTest, ForwardsOtherNamesToTheUpstream) {
  FakeUpstream up(lab_->upstream());
  auto srv = start(true);
  ASSERT_TRUE(srv);
  for (bool tcp : {false, true}) {
    SCOPED_TRACE(tcp ? "tcp" : "udp");
    Pkt p = ask("www.example.com", LDNS_RR_TYPE_AAAA, tcp, 53, {.id = uint16_t(tcp ? 0x1111 : 0x2222)});
    ASSERT_TRUE(p);
    EXPECT_EQ(ldns_pkt_get_rcode(p.get()), LDNS_RCODE_NOERROR);
    EXPECT_FALSE(ldns_pkt_aa(p.get()));
    EXPECT_EQ(rrs(p.get(), LDNS_SECTION_ANSWER), Strings{"www.example.com. 60 AAAA 2001:db8:ffff::80"});
  }
  EXPECT_EQ(up.queries(), 2);
  // Cluster names never reach the upstream.
  Pkt local = ask(kService, LDNS_RR_TYPE_AAAA);
  ASSERT_TRUE(local);
  EXPECT_EQ(up.queries(), 2);
  // An upstream that does not answer: SERVFAIL after the timeout, over both transports.
  for (bool tcp : {false, true}) {
    auto t0 = Clock::now();
    Pkt p = ask("silent.example.com", LDNS_RR_TYPE_AAAA, tcp);
    ASSERT_TRUE(p);
    EXPECT_EQ(ldns_pkt_get_rcode(p.get()), LDNS_RCODE_SERVFAIL);
    EXPECT_GE(Clock::now() - t0, std::chrono::milliseconds(350));
  }
  auto st = srv->stats();
  EXPECT_EQ(st.forwarded, 4u);  // www and silent, each over UDP and TCP
  EXPECT_EQ(st.upstream_timeouts, 2u);
}

TEST_F(DnsServerTest, NxdomainWithoutUpstream) {
  auto srv = start(false, 5353);
  ASSERT_TRUE(srv);
  EXPECT_EQ(srv->port(), 5353);
  for (bool tcp : {false, true}) {
    Pkt p = ask("www.example.com", LDNS_RR_TYPE_AAAA, tcp, 5353);
    ASSERT_TRUE(p);
    EXPECT_EQ(ldns_pkt_get_rcode(p.get()), LDNS_RCODE_NXDOMAIN);
    EXPECT_FALSE(ldns_pkt_aa(p.get()));
  }
  // The search-path expansion a pod's resolver tries first for "my-service.aws-news-blog".
  Pkt p = ask("my-service.aws-news-blog.svc.cluster.local", LDNS_RR_TYPE_AAAA, false, 5353);
  ASSERT_TRUE(p);
  EXPECT_EQ(ldns_pkt_ancount(p.get()), 1);
}

TEST_F(DnsServerTest, StartFailsClearlyWhenThePortIsTaken) {
  auto first = start(false);
  ASSERT_TRUE(first);
  auto second = Server::start(zone_, {.netns = lab_->server_path(), .address = ip(kDnsIp), .port = 53});
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message().find("binding UDP [fd12:3456:789a::a]:53"), std::string::npos)
      << second.error().message();
  EXPECT_EQ(second.error().code(), EADDRINUSE);
  first->stop();
  first->stop();  // idempotent
}

}  // namespace
}  // namespace v6k::node::dns
