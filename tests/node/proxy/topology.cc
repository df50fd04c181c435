#include "topology.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <stdexcept>

#include "addr/ip.h"
#include "netlink/rtnl.h"
#include "netlink/sysctl.h"

namespace v6k::node::proxy::testing {

using netlink::NetNs;
using netlink::NetNsScope;
using netlink::Rtnl;
using Clock = std::chrono::steady_clock;

namespace {

template <typename T>
T must(Result<T> r, const std::string& what) {
  if (!r) throw std::runtime_error(what + ": " + r.error().message());
  return std::move(*r);
}
void must(Result<> r, const std::string& what) {
  if (!r) throw std::runtime_error(what + ": " + r.error().message());
}

netlink::Mac mac(int pod, int side) {
  return netlink::Mac{{0x02, 0x00, 0x00, 0x00, static_cast<uint8_t>(pod + 1), static_cast<uint8_t>(side)}};
}

socklen_t sockaddr_of(const std::string& ip, uint16_t port, sockaddr_storage& ss) {
  std::memset(&ss, 0, sizeof ss);
  auto a = addr::parse_ip(ip).value();
  if (addr::is_v6(a)) {
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(port);
    std::memcpy(&s6->sin6_addr, std::get<addr::Ipv6Address>(a).bytes().data(), 16);
    return sizeof(sockaddr_in6);
  }
  auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
  s4->sin_family = AF_INET;
  s4->sin_port = htons(port);
  std::memcpy(&s4->sin_addr, std::get<addr::Ipv4Address>(a).bytes().data(), 4);
  return sizeof(sockaddr_in);
}

std::string peer_text(const sockaddr_storage& ss) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET6) {
    const auto* s6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
      ::inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], buf, sizeof buf);
    } else {
      ::inet_ntop(AF_INET6, &s6->sin6_addr, buf, sizeof buf);
    }
  } else {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&ss)->sin_addr, buf, sizeof buf);
  }
  return buf;
}

// Links created from now on in this thread's netns skip DAD on their link-local
// addresses too (as the CNI plugin does), so they are usable at once.
void no_dad() {
  for (const char* k : {"net/ipv6/conf/all/accept_dad", "net/ipv6/conf/default/accept_dad"})
    must(netlink::write_sysctl(k, "0"), k);
}

// Packets sent before a link is operationally up are dropped, and an address added
// before that stays tentative (even with IFA_F_NODAD) until addrconf's work runs after the
// carrier event: packets to it are dropped as address errors. Wait for both.
void wait_ready(Rtnl& rtnl, int ifindex) {
  for (int tries = 0; tries < 400; ++tries) {
    bool ready = must(rtnl.get_link(ifindex), "link").oper_up;
    for (const auto& a : must(rtnl.list_addresses(ifindex), "addresses"))
      ready = ready && (a.flags & IFA_F_TENTATIVE) == 0;
    if (ready) return;
    ::usleep(5000);
  }
  throw std::runtime_error("link " + std::to_string(ifindex) + " not ready after 2 s");
}

}  // namespace

std::optional<std::string> Topology::unavailable() {
  if (::geteuid() != 0) return "needs root (network namespaces)";
  return std::nullopt;
}

Topology::Topology() {
  static std::atomic<int> counter{0};
  prefix_ = "v6kt-proxy-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-";
  try {
    build();
  } catch (...) {
    cleanup();  // a throwing constructor runs no destructor: remove what was created
    throw;
  }
}

Topology::~Topology() { cleanup(); }

void Topology::cleanup() {
  stop_ = true;
  for (auto& t : servers_)
    if (t.joinable()) t.join();
  servers_.clear();
  node_handle_.reset();
  for (const auto& n : created_) (void)NetNs::remove(n);
  created_.clear();
}

void Topology::build() {
  node_ = prefix_ + "node";
  node_handle_.emplace(must(NetNs::create(node_), "creating node netns"));
  created_.push_back(node_);
  Rtnl node = must(Rtnl::open_in(*node_handle_), "node rtnl");
  {
    auto in = must(NetNsScope::enter(*node_handle_), "entering node");
    must(netlink::write_sysctl("net/ipv6/conf/all/forwarding", "1"), "ipv6 forwarding");
    must(netlink::write_sysctl("net/ipv4/ip_forward", "1"), "ipv4 forwarding");
    no_dad();
  }
  // The node's own address lives on "eth0" (its ENI in the real system).
  must(node.create_veth({.name = "eth0", .peer_name = "eth0p"}), "node eth0");
  for (const char* l : {"eth0", "eth0p"}) must(node.set_link_up(must(node.get_link(l), l).index), "eth0 up");
  int eth0 = must(node.get_link("eth0"), "eth0").index;
  must(node.add_address(eth0, addr::IpInterface::parse(std::string(kNodeIp6) + "/128").value(), IFA_F_NODAD), "node ip6");
  must(node.add_address(eth0, addr::IpInterface::parse(std::string(kNodeIp4) + "/32").value()), "node ip4");

  // Default routes like a real node's (towards its VPC router), so the node's own
  // connect() to a ClusterIP finds a route and reaches the output hook. The "router" is
  // a MAC nobody has: what is not DNATed goes out eth0 and is dropped by its peer.
  auto router6 = addr::parse_ip("fe80::ff").value();
  auto router4 = addr::parse_ip("10.255.0.254").value();
  netlink::Mac nobody{{0x02, 0x00, 0x00, 0x00, 0xff, 0xff}};
  must(node.add_route({.gateway = router6, .ifindex = eth0}), "node default6");
  must(node.add_route({.gateway = router4, .ifindex = eth0, .onlink = true}), "node default4");
  must(node.add_neighbour({.ifindex = eth0, .ip = router6, .mac = nobody}), "node gw6 neighbour");
  must(node.add_neighbour({.ifindex = eth0, .ip = router4, .mac = nobody}), "node gw4 neighbour");

  const char* names[] = {"a", "b"};
  for (int i = 0; i < 2; ++i) {
    Pod p{names[i], prefix_ + names[i], std::string("2001:db8:1::") + names[i], "169.254.172." + std::to_string(10 + i)};
    NetNs ns = must(NetNs::create(p.ns), "pod netns");
    created_.push_back(p.ns);
    {
      auto in = must(NetNsScope::enter(ns), "entering pod");
      no_dad();
    }
    std::string host = std::string("veth-") + names[i];
    auto made = must(node.create_veth({.name = host, .peer_name = "eth0", .peer_netns_fd = ns.fd(),
                                       .mac = mac(i, 1), .peer_mac = mac(i, 2)}),
                     "pod veth");
    int host_index = made.index ? made.index : must(node.get_link(host), host).index;
    must(node.set_link_up(host_index), "host veth up");
    for (const std::string& dst : {p.ip6 + "/128", p.ip4 + "/32"}) {
      netlink::Route r{.dst = addr::parse_ip(dst.substr(0, dst.find('/'))).value(),
                       .dst_len = dst.ends_with("/128") ? 128 : 32, .ifindex = host_index, .scope = RT_SCOPE_LINK};
      must(node.add_route(r), "node route to pod " + dst);
      must(node.add_neighbour({.ifindex = host_index, .ip = *r.dst, .mac = mac(i, 2)}), "node neighbour");
    }
    Rtnl pod = must(Rtnl::open_in(ns), "pod rtnl");
    int e = must(pod.get_link("eth0"), "pod eth0").index;
    must(pod.set_link_up(e), "pod eth0 up");
    must(pod.add_address(e, addr::IpInterface::parse(p.ip6 + "/128").value(), IFA_F_NODAD), "pod ip6");
    must(pod.add_address(e, addr::IpInterface::parse(p.ip4 + "/32").value()), "pod ip4");
    auto gw6 = addr::parse_ip("fe80::1").value();
    auto gw4 = addr::parse_ip("169.254.172.1").value();
    must(pod.add_route({.dst = gw6, .dst_len = 128, .ifindex = e, .scope = RT_SCOPE_LINK}), "fe80::1 route");
    must(pod.add_route({.gateway = gw6, .ifindex = e}), "default6");
    must(pod.add_route({.gateway = gw4, .ifindex = e, .onlink = true}), "default4");
    must(pod.add_neighbour({.ifindex = e, .ip = gw6, .mac = mac(i, 1)}), "gw6 neighbour");
    must(pod.add_neighbour({.ifindex = e, .ip = gw4, .mac = mac(i, 1)}), "gw4 neighbour");

    UniqueFd listener;
    {
      auto in = must(NetNsScope::enter(ns), "entering pod");
      listener.reset(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
      int zero = 0, one = 1;
      ::setsockopt(listener.get(), IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);  // IPv4 too
      ::setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      sockaddr_storage ss;
      socklen_t len = sockaddr_of("::", 8080, ss);
      if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0 || ::listen(listener.get(), 64) != 0)
        throw std::runtime_error(std::string("pod server: ") + std::strerror(errno));
    }
    wait_ready(pod, e);
    // The address's local route is inserted just after its tentative flag clears; until
    // then packets to it are forwarded (and dropped) instead of delivered.
    for (const std::string& ip : {p.ip6, p.ip4}) {
      auto a = addr::parse_ip(ip).value();
      for (int tries = 0; tries < 400; ++tries) {
        auto type = pod.route_type(a);
        if (type && *type == RTN_LOCAL) break;
        ::usleep(2000);
      }
    }
    pods_.push_back(p);
    servers_.emplace_back([this, i, l = std::move(listener)]() mutable { serve(i, std::move(l)); });
  }
  for (const char* l : {"eth0", "veth-a", "veth-b"}) wait_ready(node, must(node.get_link(l), l).index);
}

void Topology::serve(int index, UniqueFd listener) {
  const char* names[] = {"a", "b"};
  while (!stop_) {
    pollfd p{listener.get(), POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    UniqueFd c(::accept4(listener.get(), reinterpret_cast<sockaddr*>(&peer), &len, SOCK_CLOEXEC));
    if (!c) continue;
    std::string msg = std::string(names[index]) + " " + peer_text(peer) + "\n";
    (void)::send(c.get(), msg.data(), msg.size(), MSG_NOSIGNAL);
  }
}

Reply Topology::connect(const std::string& from_ns, const std::string& dst, uint16_t port, int timeout_ms) {
  Reply r;
  auto t0 = Clock::now();
  auto done = [&](int err) {
    r.error = err;
    r.ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    return r;
  };
  sockaddr_storage ss;
  socklen_t len = sockaddr_of(dst, port, ss);
  UniqueFd s;
  {
    auto ns = NetNs::open_named(from_ns);
    if (!ns) return done(ns.error().code());
    auto in = NetNsScope::enter(*ns);
    if (!in) return done(in.error().code());
    s.reset(::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  }
  if (!s) return done(errno);
  if (::connect(s.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0 && errno != EINPROGRESS) return done(errno);
  auto deadline = t0 + std::chrono::milliseconds(timeout_ms);
  pollfd p{s.get(), POLLOUT, 0};
  int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
  if (::poll(&p, 1, std::max(left, 0)) <= 0) return done(ETIMEDOUT);
  int err = 0;
  socklen_t elen = sizeof err;
  ::getsockopt(s.get(), SOL_SOCKET, SO_ERROR, &err, &elen);
  if (err != 0) return done(err);
  char buf[256];
  for (;;) {
    pollfd q{s.get(), POLLIN, 0};
    left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
    if (::poll(&q, 1, std::max(left, 0)) <= 0) return done(ETIMEDOUT);
    ssize_t n = ::read(s.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return done(errno);
    if (n == 0) break;
    r.text.append(buf, static_cast<size_t>(n));
  }
  while (!r.text.empty() && r.text.back() == '\n') r.text.pop_back();
  return done(0);
}

}  // namespace v6k::node::proxy::testing
