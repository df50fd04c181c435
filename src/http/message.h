// HTTP/1.1 requests and responses as plain values, shared by the server, the client and
// every API module (aws, ec2, eks, kube) so handlers are testable without sockets.
//
//   Response handle(const Request& r) {
//     if (r.method != "POST") return Response::text(405, "method not allowed\n");
//     auto ct = r.header("content-type");   // names are matched case-insensitively
//     ...
//   }
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace v6k::http {

using Headers = std::vector<std::pair<std::string, std::string>>;  // names lower-cased

struct Request {
  std::string method;   // "GET", "POST", ...
  std::string target;   // as sent: "/clusters/x?maxResults=5"
  std::string path;     // target before '?', still percent-encoded
  std::string query;    // target after '?', raw ("" when none)
  Headers headers;      // in arrival order, names lower-cased
  std::string body;
  std::string remote;   // peer address, "[::1]:51234" or "127.0.0.1:51234"
  // HTTPS with client certificates (ServerOptions::tls->client_ca_pem): the verified
  // client certificate's subject CN and O entries (Kubernetes: user and groups). Empty
  // when the connection is plain HTTP or the client sent no certificate.
  std::string client_cn;
  std::vector<std::string> client_orgs;

  // First header with this name (case-insensitive), if any.
  std::optional<std::string_view> header(std::string_view name) const;
};

// The producer's end of a streamed (chunked) response body: Kubernetes watch, logs -f.
// Thread-safe: any thread may write. Writes are queued and sent in order on the
// connection's strand; consecutive writes may share one chunk.
class BodyStream {
 public:
  virtual ~BodyStream() = default;
  // Queues `data`. False once the stream is closed (peer gone, server stopping, finish()
  // called, or the peer fell more than max_stream_backlog bytes behind): stop producing.
  virtual bool write(std::string data) = 0;
  // Ends the body with the last chunk, then the connection closes. Idempotent.
  virtual void finish() = 0;
  // `fn` runs once when the stream ends for any reason but finish() (peer gone, server
  // stopping, backlog overflow), or at once if it already has. It runs on an io thread or
  // the stopping thread and must not block; typically it drops the producer's resources.
  virtual void on_close(std::function<void()> fn) = 0;
};

// The raw byte stream of a connection after a `101 Switching Protocols` response (see
// Response::upgrade): plain TCP or TLS, whichever the request came over. Every method
// but poster() must be called on the connection's strand, i.e. from the upgrade callback
// or from a completion of this stream (or a function run through poster()).
class UpgradedStream {
 public:
  virtual ~UpgradedStream() = default;
  // Bytes the peer sent after its request that the HTTP reader already took in; the
  // protocol's first input, before anything read_some delivers. Empty after the first call.
  virtual std::string take_buffered() = 0;
  // Reads once; `done(true, bytes)` or `done(false, {})` at EOF, error or close. One read
  // at a time; `bytes` is valid during the call only.
  virtual void read_some(std::function<void(bool ok, std::string_view bytes)> done) = 0;
  // Writes all of `data`; one write at a time.
  virtual void write(std::string data, std::function<void(bool ok)> done) = 0;
  // Runs `fn` once after `delay` on the strand, unless close() comes first. One timer:
  // a new call replaces the previous one.
  virtual void after(std::chrono::milliseconds delay, std::function<void()> fn) = 0;
  // Ends the connection: TCP half-close, then close. Pending operations fail.
  virtual void close() = 0;
  // A thread-safe way onto the strand: the returned function runs `fn` there later and
  // returns true, or returns false (fn dropped) once the connection is closed or the
  // server stops. It never keeps the connection alive.
  virtual std::function<bool(std::function<void()>)> poster() = 0;
  virtual const std::string& remote() const = 0;  // "[::1]:51234"
};

struct Response {
  int status = 200;
  Headers headers;  // Content-Length is set by the server
  std::string body;
  // Set: `body` is ignored; the server sends status and headers with
  // `Transfer-Encoding: chunked` and `Connection: close`, then calls `stream` once (on
  // an io thread; it must not block) with the writer for the body.
  std::function<void(std::shared_ptr<BodyStream>)> stream;
  // Set together with status 101: the server writes status and headers with
  // `Connection: Upgrade` (no body), stops speaking HTTP on this connection and calls
  // `upgrade` once, on an io thread (it must not block), with the connection's stream.
  // With any other status it is ignored. http/websocket.h builds such responses.
  std::function<void(std::unique_ptr<UpgradedStream>)> upgrade;

  static Response text(int status, std::string body, std::string content_type = "text/plain; charset=utf-8");
  static Response streaming(int status, std::string content_type,
                            std::function<void(std::shared_ptr<BodyStream>)> producer);
  Response& set(std::string name, std::string value);  // replaces an existing header
  std::optional<std::string_view> header(std::string_view name) const;
};

// "%2F" -> "/", "+" stays "+" (path semantics); nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view s);

}  // namespace v6k::http
