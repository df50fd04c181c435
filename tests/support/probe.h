// Traffic between namespaces, from this process (sockets are created inside each netns).
#pragma once

#include <cstdint>
#include <string>

namespace v6k::testing {

// A TCP connection from `client_ns` to [dst]:port served in `server_ns`: returns the peer
// address the server saw, or an error text. Times out after timeout_ms.
struct TcpProbe {
  bool ok = false;
  std::string server_saw;  // client address as seen by the server
  std::string error;
};
TcpProbe tcp_probe(const std::string& client_ns, const std::string& server_ns, const std::string& dst,
                   uint16_t port, int timeout_ms = 2000);

}  // namespace v6k::testing
