// An HTTP/1.1 server for the region daemon's loopback front door, and a tiny blocking
// client. Handlers see plain values (http/message.h), never sockets:
//
//   auto srv = http::Server::start({.listen = {"127.0.0.1:0", "[::1]:0"}},
//                                  [](const http::Request& r) {
//                                    return http::Response::text(200, "hi " + r.path + "\n");
//                                  });
//   if (!srv) return fail(std::move(srv.error()).wrap("starting the front door"));
//   auto resp = http::send_request("::1", (*srv)->port(), {.method = "GET", .target = "/x"});
//
// Behaviour: keep-alive (and `Connection: close`), Content-Length and chunked request
// bodies, 400 for malformed requests, 413 past max_body_bytes, `Server` and `Date`
// headers on every response, HEAD answered without a body, a handler that throws gets a
// 500 and its connection closed. Handlers run on the io threads: a slow handler blocks
// its thread, so keep them short or raise `threads`.
//
// Seams kept open (Boost.Beast/Asio stay out of this header, behind a pimpl; the wire
// code is internal/connection.cc):
//  - TLS (done): `ServerOptions::tls` makes every listener HTTPS. The connection is a
//    template over its stream (beast::tcp_stream | beast::ssl_stream<tcp_stream>) with a
//    handshake before the first read; plain HTTP runs the very same code as before.
//  - Streaming responses (done): `Response::stream` (http/message.h) gets a BodyStream
//    after the chunked header is written; a raw TCP read watches for the peer going away.
//  - Protocol upgrade (WebSocket / SPDY for kubectl exec): a `Response` with status 101 and
//    an upgrade callback makes the connection hand its stream and buffered bytes to that
//    callback (beast::websocket::stream over the same tcp_stream) instead of reading the
//    next request.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "http/message.h"

namespace v6k::http {

using Handler = std::function<Response(const Request&)>;

// HTTPS for every listener of a server: TLS 1.2 or 1.3, ALPN selects "http/1.1" (a client
// offering only h2 gets no ALPN answer and falls back to HTTP/1.1).
struct TlsOptions {
  std::string cert_pem;  // the serving certificate, optionally followed by intermediates
  std::string key_pem;
  // Non-empty: ask clients for a certificate and verify it against these CA(s); the
  // verified CN and O entries reach handlers as Request::client_cn / client_orgs. A
  // certificate that fails verification always fails the handshake.
  std::string client_ca_pem;
  // With client_ca_pem: true = a client without a certificate fails the TLS handshake;
  // false = it is served with empty client_cn (kube-apiserver style: tokens instead).
  bool require_client_cert = true;
};

struct ServerOptions {
  // "127.0.0.1:4566", "[::1]:4566"; port 0 = pick one (see Server::start).
  std::vector<std::string> listen = {"127.0.0.1:0"};
  size_t max_body_bytes = 16 << 20;  // a larger request body gets 413
  int threads = 1;                    // io threads (they also run the handler)
  std::chrono::seconds idle_timeout{60};  // an idle or stalled connection is closed after this
  std::string server_name = "v6k";        // the `Server` header
  std::optional<TlsOptions> tls;          // set: HTTPS on every listener
  // A streamed response whose unsent data exceeds this is closed (a watcher that cannot
  // keep up is dropped, as kube-apiserver does; the client re-watches).
  size_t max_stream_backlog = 64 << 20;
};

class Server {
 public:
  // Binds every listen address (SO_REUSEADDR, IPV6_V6ONLY on v6 sockets) and starts
  // serving on background threads. If the first address has port 0, later addresses with
  // port 0 get the SAME port as the first (so 127.0.0.1 and ::1 share one port). Errors
  // (bad address, EADDRINUSE, ...) name the address.
  static Result<std::unique_ptr<Server>> start(ServerOptions opts, Handler handler);

  uint16_t port() const;                        // the bound port of the first address
  std::vector<std::string> endpoints() const;   // "127.0.0.1:4566", "[::1]:4566"
  // Closes listeners and every connection, joins the threads. Idempotent; in-flight
  // handlers finish first (their responses are dropped).
  void stop();
  ~Server();

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  struct Impl;  // server.cc

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A blocking client (tests, tools, the CLI talking to its daemon): one request on a fresh
// connection, `Connection: close`. host may be "127.0.0.1", "::1" or "localhost" (any
// name the resolver knows, tried in order). `Host` and `Content-Length` are added when
// the request lacks them. The timeout covers connect + write + read.
Result<Response> send_request(const std::string& host, uint16_t port, const Request& req,
                              std::chrono::milliseconds timeout = std::chrono::seconds(10));

// The same over HTTPS: the server certificate must chain to `ca_pem` and match `host`
// (IP SAN for an address literal, DNS SAN otherwise). ALPN offers "http/1.1" only.
struct ClientTls {
  std::string ca_pem;
  std::string cert_pem;  // optional client certificate (+ key) for client-cert servers
  std::string key_pem;
};
Result<Response> send_request_tls(const std::string& host, uint16_t port, const Request& req,
                                  const ClientTls& tls,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace v6k::http
