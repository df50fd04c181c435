// A private HTTP/1.1 client for the etcd gateway: keep-alive connections (one request at
// a time each) in a small pool, and a streaming reader for /v3/watch's chunked JSON lines.
// v6k::http's send_request opens a connection per request, which would double the cost
// of every etcd call; this client keeps them open. Beast's async operations run on a
// private io_context per connection so that beast::tcp_stream's deadline applies.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"

namespace v6k::etcd::internal {

struct Endpoint {
  std::string host;
  uint16_t port = 0;
  std::chrono::milliseconds timeout{5000};
};

class HttpConn;

// POSTs JSON bodies over pooled keep-alive connections. Thread-safe.
class HttpPool {
 public:
  explicit HttpPool(Endpoint ep);
  ~HttpPool();
  // POST `body` to `target`; returns the HTTP status and body.
  struct Reply {
    unsigned status = 0;
    std::string body;
  };
  Result<Reply> post(const std::string& target, const std::string& body);
  const Endpoint& endpoint() const { return ep_; }

 private:
  std::unique_ptr<HttpConn> take();
  void give_back(std::unique_ptr<HttpConn> c);

  Endpoint ep_;
  std::mutex mu_;
  std::vector<std::unique_ptr<HttpConn>> idle_;  // guarded by mu_
};

// One streaming POST (the watch): sends the request, then yields the response body's
// newline-separated lines as they arrive. Used by one thread; shutdown() may be called
// from any thread to make a blocked next_lines() return.
class LineStream {
 public:
  ~LineStream();
  static Result<std::unique_ptr<LineStream>> open(const Endpoint& ep, const std::string& target,
                                                  const std::string& body);
  // Blocks until at least one complete line arrived (appended to `out`), or the stream
  // ends (ECONNRESET: closed by the server; ECANCELED after shutdown()).
  Result<> next_lines(std::vector<std::string>& out);
  void shutdown();
  // Until called, every read has the endpoint's timeout; after it, none (reader thread only).
  void no_deadline();

 private:
  struct Impl;
  explicit LineStream(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace v6k::etcd::internal
