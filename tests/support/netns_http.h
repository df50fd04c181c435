// A plain HTTP GET from inside a network namespace the test made (a thread enters it, so
// the socket lives there; the root namespace never sends the traffic). Header-only.
//
//   std::string page = http_get_in("v6kt-node", "2001:db8::5");   // "" on failure
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "netlink/netns.h"

namespace v6k::testing {

inline std::string http_get_in(const std::string& ns, const std::string& ip6, int port = 80) {
  std::string out;
  std::thread t([&] {
    auto target = netlink::NetNs::open_named(ns);
    if (!target) return;
    auto in = netlink::NetNsScope::enter(*target);
    if (!in) return;
    int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET6, ip6.c_str(), &a.sin6_addr);
    timeval tv{2, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
      std::string req = "GET / HTTP/1.0\r\nHost: pod\r\n\r\n";
      if (::write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
        char buf[4096];
        for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
      }
    }
    ::close(fd);
  });
  t.join();
  return out;
}

}  // namespace v6k::testing
