// The datapath is real: two namespaces joined by a veth, IPv6 /128s without DAD, routes
// and permanent neighbours, then a TCP byte exchanged between them.
#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "common/unique_fd.h"
#include "netlink/rtnl.h"
#include "netns_fixture.h"

namespace v6k::netlink {
namespace {

using testing::NetnsTest;

addr::IpAddress ip(const char* text) { return addr::parse_ip(text).value(); }
addr::IpInterface iface(const char* text) { return addr::IpInterface::parse(text).value(); }

sockaddr_in6 sockaddr_of(const char* text, uint16_t port) {
  sockaddr_in6 sa{};
  sa.sin6_family = AF_INET6;
  sa.sin6_port = htons(port);
  EXPECT_EQ(inet_pton(AF_INET6, text, &sa.sin6_addr), 1);
  return sa;
}

void set_timeouts(int fd) {
  timeval tv{.tv_sec = 5, .tv_usec = 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

TEST_F(NetnsTest, TcpBetweenTwoNamespacesOverVeth) {
  auto a_ns = create_ns();
  auto b_ns = create_ns();
  ASSERT_TRUE(a_ns && b_ns);
  auto a = Rtnl::open_in(*a_ns);
  auto b = Rtnl::open_in(*b_ns);
  ASSERT_TRUE(a && b);
  const Mac a_mac = Mac::parse("02:76:36:6b:0a:01").value();
  const Mac b_mac = Mac::parse("02:76:36:6b:0b:01").value();
  V6K_ASSERT_OK(a->create_veth({.name = "va", .peer_name = "vb", .peer_netns_fd = b_ns->fd(),
                                .mac = a_mac, .peer_mac = b_mac}));
  auto va = a->get_link("va");
  auto vb = b->get_link("vb");
  ASSERT_TRUE(va && vb);
  V6K_ASSERT_OK(a->set_link_up(va->index));
  V6K_ASSERT_OK(b->set_link_up(vb->index));
  V6K_ASSERT_OK(a->add_address(va->index, iface("2001:db8:7::a/128"), IFA_F_NODAD));
  V6K_ASSERT_OK(b->add_address(vb->index, iface("2001:db8:7::b/128"), IFA_F_NODAD));
  V6K_ASSERT_OK(a->add_route({.dst = ip("2001:db8:7::b"), .dst_len = 128, .ifindex = va->index,
                              .scope = RT_SCOPE_LINK}));
  V6K_ASSERT_OK(b->add_route({.dst = ip("2001:db8:7::a"), .dst_len = 128, .ifindex = vb->index,
                              .scope = RT_SCOPE_LINK}));
  V6K_ASSERT_OK(a->add_neighbour({.ifindex = va->index, .ip = ip("2001:db8:7::b"), .mac = b_mac}));
  V6K_ASSERT_OK(b->add_neighbour({.ifindex = vb->index, .ip = ip("2001:db8:7::a"), .mac = a_mac}));

  // The end brought up first gets its carrier (and qdisc) from the kernel's link
  // watcher, asynchronously; a SYN sent before that is dropped and retried a second
  // later. Wait for operational state UP on both ends, as a pod's first packet would
  // (in practice the container starts long after).
  for (int i = 0; i < 2000; ++i) {
    if (a->get_link(va->index)->oper_up && b->get_link(vb->index)->oper_up) break;
    ::usleep(500);
  }
  ASSERT_TRUE(a->get_link(va->index)->oper_up && b->get_link(vb->index)->oper_up);

  UniqueFd listener;
  uint16_t port = 0;
  {
    auto in_b = NetNsScope::enter(*b_ns);
    ASSERT_TRUE(in_b);
    listener = UniqueFd(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
    ASSERT_TRUE(listener);
    sockaddr_in6 sa = sockaddr_of("2001:db8:7::b", 0);
    ASSERT_EQ(::bind(listener.get(), reinterpret_cast<sockaddr*>(&sa), sizeof(sa)), 0)
        << strerror(errno);
    ASSERT_EQ(::listen(listener.get(), 1), 0);
    socklen_t len = sizeof(sa);
    ASSERT_EQ(::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&sa), &len), 0);
    port = ntohs(sa.sin6_port);
    set_timeouts(listener.get());
  }
  UniqueFd client;
  {
    auto in_a = NetNsScope::enter(*a_ns);
    ASSERT_TRUE(in_a);
    client = UniqueFd(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
    ASSERT_TRUE(client);
    set_timeouts(client.get());
  }
  // The sockets keep their namespaces; this thread is back in the root namespace.
  sockaddr_in6 dst = sockaddr_of("2001:db8:7::b", port);
  ASSERT_EQ(::connect(client.get(), reinterpret_cast<sockaddr*>(&dst), sizeof(dst)), 0)
      << strerror(errno);
  sockaddr_in6 peer{};
  socklen_t peer_len = sizeof(peer);
  UniqueFd server(::accept4(listener.get(), reinterpret_cast<sockaddr*>(&peer), &peer_len,
                            SOCK_CLOEXEC));
  ASSERT_TRUE(server) << strerror(errno);
  char peer_text[INET6_ADDRSTRLEN] = {};
  inet_ntop(AF_INET6, &peer.sin6_addr, peer_text, sizeof(peer_text));
  EXPECT_STREQ(peer_text, "2001:db8:7::a");

  char byte = 'x';
  ASSERT_EQ(::send(client.get(), &byte, 1, 0), 1);
  char got = 0;
  ASSERT_EQ(::recv(server.get(), &got, 1, 0), 1) << strerror(errno);
  EXPECT_EQ(got, 'x');
  byte = 'y';
  ASSERT_EQ(::send(server.get(), &byte, 1, 0), 1);
  ASSERT_EQ(::recv(client.get(), &got, 1, 0), 1) << strerror(errno);
  EXPECT_EQ(got, 'y');
}

}  // namespace
}  // namespace v6k::netlink
