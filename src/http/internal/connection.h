// Internal to src/http: one accepted connection, serving requests until the peer closes,
// it idles past the timeout, a request is malformed, or the server stops.
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <memory>
#include <mutex>
#include <unordered_map>

#include "http/server.h"

namespace v6k::http::internal {

class Connection;

// What every connection of one server shares; outlives them all (held by shared_ptr).
struct ServerShared {
  ServerOptions options;
  Handler handler;

  // Live connections, so stop() can close them. Entries remove themselves on destruction.
  std::mutex mu;
  std::unordered_map<const Connection*, std::weak_ptr<Connection>> live;

  // Closes every live connection's socket. Only call when no io thread is running.
  void close_all();
};

// Starts serving `socket` (already on its own strand); the connection keeps itself alive.
void serve(boost::asio::ip::tcp::socket socket, std::shared_ptr<ServerShared> shared);

}  // namespace v6k::http::internal
