// Internal to src/http: one accepted connection, serving requests until the peer closes,
// it idles past the timeout, a request is malformed, or the server stops.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <mutex>
#include <unordered_map>

#include "http/server.h"

namespace v6k::http::internal {

// What ServerShared needs of a connection, whatever its stream (plain or TLS).
class ConnectionBase {
 public:
  virtual ~ConnectionBase() = default;
  // Closes the socket; only call when no io thread is running.
  virtual void close() = 0;
};

// What every connection of one server shares; outlives them all (held by shared_ptr).
struct ServerShared {
  ServerOptions options;
  Handler handler;
  std::unique_ptr<boost::asio::ssl::context> tls;  // set: every connection is HTTPS

  // Live connections, so stop() can close them. Entries remove themselves on destruction.
  std::mutex mu;
  std::unordered_map<const ConnectionBase*, std::weak_ptr<ConnectionBase>> live;

  // Closes every live connection's socket. Only call when no io thread is running.
  void close_all();
};

// Starts serving `socket` (already on its own strand); the connection keeps itself alive.
void serve(boost::asio::ip::tcp::socket socket, std::shared_ptr<ServerShared> shared);

}  // namespace v6k::http::internal
