// A client that keeps its connection: the API clients of the control plane (controllers,
// scheduler, node agents) make thousands of calls to one server, and a fresh TCP + TLS
// handshake per call would cost more than the call. It also reads streamed bodies
// (Kubernetes watches, `logs -f`) piece by piece.
//
//   http::KeepAliveClient c({.host = "::1", .port = 6443, .tls = http::ClientTls{ca}});
//   auto r = c.send({.method = "GET", .target = "/api/v1/nodes"});
//   auto w = c.stream({.method = "GET", .target = "/api/v1/pods?watch=true"},
//                     [](std::string_view piece) { ...; return true; });   // false = stop
//   // another thread: c.cancel();  -> the blocked stream() returns ECANCELED
//
// One request at a time (not thread-safe, except cancel()). The connection is opened on
// first use and reopened when the server closed it or it sat idle too long. A request
// that fails on a reused connection before any response byte arrived is retried once on
// a fresh one, as Go's net/http does: always when it could not even be written, and
// after it was written only for idempotent methods (GET, HEAD, PUT, DELETE, OPTIONS), so a
// POST or PATCH the server may have carried out is never sent twice.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "http/message.h"
#include "http/server.h"  // ClientTls

namespace v6k::http {

struct KeepAliveOptions {
  std::string host = "::1";  // address literal or resolvable name
  uint16_t port = 0;
  std::optional<ClientTls> tls;  // set: HTTPS, server verified against tls->ca_pem
  std::chrono::milliseconds connect_timeout{5000};
  // A connection idle for longer is not reused but reopened: servers close idle
  // connections (ours after 60-120 s), and a request racing that close may be lost.
  std::chrono::milliseconds idle_reuse_limit{30000};
};

class KeepAliveClient {
 public:
  explicit KeepAliveClient(KeepAliveOptions opts);
  ~KeepAliveClient();
  KeepAliveClient(const KeepAliveClient&) = delete;
  KeepAliveClient& operator=(const KeepAliveClient&) = delete;

  // One request/response; `timeout` covers write + read of the whole response.
  Result<Response> send(const Request& req,
                        std::chrono::milliseconds timeout = std::chrono::seconds(30));

  // A 2xx response's body goes to `on_body` as it arrives (chunked bodies de-chunked);
  // returning false stops reading. The returned Response has the status and headers and
  // an empty body. A non-2xx response is read whole and returned with its body, without
  // calling on_body. `idle_timeout` bounds the wait for each piece. The connection is
  // closed afterwards.
  Result<Response> stream(const Request& req, const std::function<bool(std::string_view)>& on_body,
                          std::chrono::milliseconds idle_timeout = std::chrono::minutes(10));

  // Thread-safe: aborts the request in progress (and any later one) with ECANCELED.
  void cancel();

  // True after a successful request left the connection open for reuse.
  bool connected() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace v6k::http
