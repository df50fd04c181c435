// RawClient: a plain blocking TCP socket for tests that must control the exact bytes on
// the wire (keep-alive, chunked bodies, malformed requests) and see the exact answers.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cstring>
#include <optional>
#include <string>

#include "common/unique_fd.h"

namespace v6k::http::testing {

struct RawResponse {
  int status = 0;
  std::string head;  // status line + headers, as received
  std::string body;
};

class RawClient {
 public:
  // Connects to 127.0.0.1:port (or ::1 when v6); fd invalid on failure.
  explicit RawClient(uint16_t port, bool v6 = false, int timeout_ms = 5000) {
    fd_.reset(::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    ::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int rc;
    if (v6) {
      sockaddr_in6 a{};
      a.sin6_family = AF_INET6;
      a.sin6_port = htons(port);
      a.sin6_addr = in6addr_loopback;
      rc = ::connect(fd_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a);
    } else {
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(port);
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      rc = ::connect(fd_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a);
    }
    if (rc != 0) fd_.reset();
  }

  bool connected() const { return fd_.valid(); }

  bool send(const std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::send(fd_.get(), data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }

  // Reads one response framed by Content-Length (or no body for HEAD / 1xx / 204 / 304
  // when `no_body`). nullopt on EOF, timeout or garbage.
  std::optional<RawResponse> read_response(bool no_body = false) {
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return std::nullopt;
    }
    RawResponse r;
    r.head = buf_.substr(0, end + 2);
    buf_.erase(0, end + 4);
    if (r.head.size() < 12 || r.head.compare(0, 5, "HTTP/") != 0) return std::nullopt;
    r.status = std::atoi(r.head.c_str() + 9);
    size_t length = 0;
    auto pos = lower(r.head).find("\r\ncontent-length:");
    if (pos != std::string::npos) length = std::strtoul(r.head.c_str() + pos + 17, nullptr, 10);
    if (no_body) length = 0;
    while (buf_.size() < length) {
      if (!fill()) return std::nullopt;
    }
    r.body = buf_.substr(0, length);
    buf_.erase(0, length);
    return r;
  }

  // True when the peer closed (read returns 0) before the receive timeout.
  bool closed_by_peer() {
    char c;
    for (;;) {
      ssize_t n = ::recv(fd_.get(), &c, 1, 0);
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET;
    }
  }

  // Reads until `marker` has arrived (everything received so far, marker included,
  // leaves the buffer); nullopt on timeout or close before it.
  std::optional<std::string> read_until(std::string_view marker) {
    size_t end;
    while ((end = buf_.find(marker)) == std::string::npos) {
      if (!fill()) return std::nullopt;
    }
    std::string out = buf_.substr(0, end + marker.size());
    buf_.erase(0, end + marker.size());
    return out;
  }

  void close() { fd_.reset(); }

 private:
  static std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }
  bool fill() {
    char tmp[4096];
    ssize_t n = ::recv(fd_.get(), tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }

  UniqueFd fd_;
  std::string buf_;
};

// True when a socket can bind [::1] (IPv6 loopback present).
inline bool ipv6_loopback_available() {
  UniqueFd fd(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return false;
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  return ::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
}

}  // namespace v6k::http::testing
