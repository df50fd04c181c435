#include "support/probe.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "addr/ip.h"
#include "common/unique_fd.h"
#include "netlink/netns.h"

namespace v6k::testing {

using netlink::NetNs;
using netlink::NetNsScope;

TcpProbe tcp_probe(const std::string& client_ns, const std::string& server_ns, const std::string& dst,
                   uint16_t port, int timeout_ms) {
  TcpProbe res;
  auto dst_ip = addr::parse_ip(dst);
  if (!dst_ip) return {false, "", "bad address " + dst};
  bool v6 = addr::is_v6(*dst_ip);
  sockaddr_storage ss{};
  socklen_t slen;
  if (v6) {
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(port);
    auto b = std::get<addr::Ipv6Address>(*dst_ip).bytes();
    std::memcpy(&s6->sin6_addr, b.data(), 16);
    slen = sizeof(sockaddr_in6);
  } else {
    auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
    s4->sin_family = AF_INET;
    s4->sin_port = htons(port);
    auto b = std::get<addr::Ipv4Address>(*dst_ip).bytes();
    std::memcpy(&s4->sin_addr, b.data(), 4);
    slen = sizeof(sockaddr_in);
  }
  UniqueFd server, client;
  {
    auto ns = NetNs::open("/var/run/netns/" + server_ns);
    if (!ns) return {false, "", ns.error().message()};
    auto scope = NetNsScope::enter(*ns);
    if (!scope) return {false, "", scope.error().message()};
    server.reset(::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    int one = 1;
    ::setsockopt(server.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_storage any = ss;
    if (v6) std::memset(&reinterpret_cast<sockaddr_in6*>(&any)->sin6_addr, 0, 16);
    else reinterpret_cast<sockaddr_in*>(&any)->sin_addr.s_addr = 0;
    if (::bind(server.get(), reinterpret_cast<sockaddr*>(&any), slen) != 0 || ::listen(server.get(), 4) != 0)
      return {false, "", std::string("server bind/listen: ") + std::strerror(errno)};
  }
  {
    auto ns = NetNs::open("/var/run/netns/" + client_ns);
    if (!ns) return {false, "", ns.error().message()};
    auto scope = NetNsScope::enter(*ns);
    if (!scope) return {false, "", scope.error().message()};
    client.reset(::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  }
  if (::connect(client.get(), reinterpret_cast<sockaddr*>(&ss), slen) != 0 && errno != EINPROGRESS)
    return {false, "", std::string("connect: ") + std::strerror(errno)};
  pollfd pfd{client.get(), POLLOUT, 0};
  if (::poll(&pfd, 1, timeout_ms) != 1) return {false, "", "connect timed out"};
  int soerr = 0;
  socklen_t len = sizeof soerr;
  ::getsockopt(client.get(), SOL_SOCKET, SO_ERROR, &soerr, &len);
  if (soerr != 0) return {false, "", std::string("connect: ") + std::strerror(soerr)};
  pollfd sp{server.get(), POLLIN, 0};
  if (::poll(&sp, 1, timeout_ms) != 1) return {false, "", "accept timed out"};
  sockaddr_storage peer{};
  socklen_t plen = sizeof peer;
  UniqueFd conn(::accept4(server.get(), reinterpret_cast<sockaddr*>(&peer), &plen, SOCK_CLOEXEC));
  if (!conn) return {false, "", std::string("accept: ") + std::strerror(errno)};
  if (::write(client.get(), "x", 1) != 1) return {false, "", "write failed"};
  char c = 0;
  pollfd cp{conn.get(), POLLIN, 0};
  if (::poll(&cp, 1, timeout_ms) != 1 || ::read(conn.get(), &c, 1) != 1 || c != 'x')
    return {false, "", "no data crossed the connection"};
  char text[INET6_ADDRSTRLEN] = {};
  if (peer.ss_family == AF_INET6)
    ::inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&peer)->sin6_addr, text, sizeof text);
  else
    ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&peer)->sin_addr, text, sizeof text);
  res.ok = true;
  res.server_saw = text;
  return res;
}

}  // namespace v6k::testing
