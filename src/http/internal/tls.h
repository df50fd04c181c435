// Internal to src/http: OpenSSL contexts for the HTTPS server and client, and the client
// identity of a verified peer certificate. Built once per server (or client call); a bad
// certificate or key is reported as EINVAL when the server starts, not per connection.
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "http/server.h"

struct ssl_st;

namespace v6k::http::internal {

Result<std::unique_ptr<boost::asio::ssl::context>> make_server_context(const TlsOptions& opts);
Result<std::unique_ptr<boost::asio::ssl::context>> make_client_context(const ClientTls& opts);

// CN and O entries of the peer's certificate (already verified by the handshake); both
// empty when the peer sent none.
struct PeerIdentity {
  std::string cn;
  std::vector<std::string> orgs;
};
PeerIdentity peer_identity(ssl_st* ssl);

}  // namespace v6k::http::internal
