#include "node/dns/sockets.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace v6k::node::dns {
namespace {

#ifndef IPV6_FREEBIND
#define IPV6_FREEBIND 78
#endif

int ms_until(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : int(std::min<long long>(left, 1 << 30));
}

Result<> wait_for(int fd, short events, Clock::time_point deadline, const char* what) {
  while (true) {
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, ms_until(deadline));
    if (n > 0) return {};
    if (n == 0) return fail(Error::from_errno(ETIMEDOUT, what));
    if (errno != EINTR) return fail_errno(what);
  }
}

Result<UniqueFd> make_socket(int family, int type) {
  UniqueFd fd(::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return fail_errno("creating socket");
  return fd;
}

void freebind(int fd, int family) {
  int one = 1;
  if (family == AF_INET6) {
    (void)::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    (void)::setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof one);
  } else {
    (void)::setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof one);
  }
}

}  // namespace

SockAddr SockAddr::from(const addr::IpAddress& ip, uint16_t port) {
  SockAddr a;
  if (addr::is_v6(ip)) {
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&a.ss);
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(port);
    auto b = std::get<addr::Ipv6Address>(ip).bytes();
    std::memcpy(&s6->sin6_addr, b.data(), 16);
    a.len = sizeof(sockaddr_in6);
  } else {
    auto* s4 = reinterpret_cast<sockaddr_in*>(&a.ss);
    s4->sin_family = AF_INET;
    s4->sin_port = htons(port);
    auto b = std::get<addr::Ipv4Address>(ip).bytes();
    std::memcpy(&s4->sin_addr, b.data(), 4);
    a.len = sizeof(sockaddr_in);
  }
  return a;
}

uint16_t SockAddr::port() const {
  if (family() == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_port);
  return ntohs(reinterpret_cast<const sockaddr_in*>(&ss)->sin_port);
}

std::string SockAddr::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family() == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_addr, buf, sizeof buf);
    return "[" + std::string(buf) + "]:" + std::to_string(port());
  }
  ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&ss)->sin_addr, buf, sizeof buf);
  return std::string(buf) + ":" + std::to_string(port());
}

Result<UniqueFd> bind_udp(const SockAddr& at) {
  auto fd = make_socket(at.family(), SOCK_DGRAM);
  if (!fd) return fd;
  freebind(fd->get(), at.family());
  int buf = 1 << 20;  // absorb bursts of queries while one is being answered
  (void)::setsockopt(fd->get(), SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
  if (::bind(fd->get(), at.get(), at.len) < 0) return fail_errno("binding UDP " + at.to_string());
  return fd;
}

Result<UniqueFd> listen_tcp(const SockAddr& at) {
  auto fd = make_socket(at.family(), SOCK_STREAM);
  if (!fd) return fd;
  int one = 1;
  (void)::setsockopt(fd->get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  freebind(fd->get(), at.family());
  if (::bind(fd->get(), at.get(), at.len) < 0) return fail_errno("binding TCP " + at.to_string());
  if (::listen(fd->get(), 128) < 0) return fail_errno("listening on TCP " + at.to_string());
  return fd;
}

Result<UniqueFd> connect_udp(const SockAddr& to) {
  auto fd = make_socket(to.family(), SOCK_DGRAM);
  if (!fd) return fd;
  if (::connect(fd->get(), to.get(), to.len) < 0) return fail_errno("connecting UDP to " + to.to_string());
  return fd;
}

Result<UniqueFd> connect_tcp(const SockAddr& to, Clock::time_point deadline) {
  auto fd = make_socket(to.family(), SOCK_STREAM);
  if (!fd) return fd;
  int one = 1;
  (void)::setsockopt(fd->get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(fd->get(), to.get(), to.len) < 0) {
    if (errno != EINPROGRESS) return fail_errno("connecting TCP to " + to.to_string());
    V6K_TRY(wait_for(fd->get(), POLLOUT, deadline, "connecting TCP"), to.to_string());
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd->get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err) return fail_errno("connecting TCP to " + to.to_string(), err);
  }
  return fd;
}

Result<> write_all(int fd, std::span<const uint8_t> data, Clock::time_point deadline) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      done += size_t(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN) return fail_errno("sending on TCP");
    V6K_TRY(wait_for(fd, POLLOUT, deadline, "sending on TCP"), "");
  }
  return {};
}

Result<> read_exact(int fd, std::span<uint8_t> out, Clock::time_point deadline) {
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::recv(fd, out.data() + done, out.size() - done, MSG_DONTWAIT);
    if (n > 0) {
      done += size_t(n);
      continue;
    }
    if (n == 0) return fail(Error::from_errno(ECONNRESET, "TCP peer closed the connection"));
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return fail_errno("reading from TCP");
    V6K_TRY(wait_for(fd, POLLIN, deadline, "reading from TCP"), "");
  }
  return {};
}

Result<std::vector<uint8_t>> read_tcp_message(int fd, Clock::time_point deadline) {
  uint8_t len[2];
  V6K_TRY(read_exact(fd, len, deadline), "reading a DNS message length");
  std::vector<uint8_t> msg(size_t(len[0]) << 8 | len[1]);
  V6K_TRY(read_exact(fd, msg, deadline), "reading a DNS message");
  return msg;
}

Result<> write_tcp_message(int fd, std::span<const uint8_t> msg, Clock::time_point deadline) {
  if (msg.size() > 65535) return fail_invalid("DNS message longer than 65535 bytes");
  std::vector<uint8_t> out;
  out.reserve(msg.size() + 2);
  out.push_back(uint8_t(msg.size() >> 8));
  out.push_back(uint8_t(msg.size()));
  out.insert(out.end(), msg.begin(), msg.end());
  return write_all(fd, out, deadline);
}

}  // namespace v6k::node::dns
