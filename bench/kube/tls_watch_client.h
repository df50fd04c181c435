// Many HTTPS watch streams read by one thread: each connection sends one GET (a Kubernetes
// watch), then a poll() loop decodes the chunked bodies and hands every complete line to
// a callback with the time it was read. The server certificate is not verified (a
// benchmark against our own loopback server; the TLS cost is what we measure).
//
//   WatchClients c(port, token, {"/api/v1/namespaces/a/pods?watch=true&resourceVersion=5"});
//   c.start([](int watcher, std::string_view line, Clock::time_point at) { ... });
//   ...                     // every connection answered 200 once start() returns
//   c.stop();
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench_kube.h"

namespace v6k::bench {

class WatchClients {
 public:
  using OnLine = std::function<void(int watcher, std::string_view line, Clock::time_point at)>;

  // Connects to [::1]:port and sends each request (dies on failure).
  WatchClients(uint16_t port, const std::string& token, const std::vector<std::string>& targets);
  ~WatchClients();
  WatchClients(const WatchClients&) = delete;
  WatchClients& operator=(const WatchClients&) = delete;

  // Starts the reader thread; returns once every stream has sent its 200 header.
  void start(OnLine on_line);
  void stop();

  struct Conn;

 private:
  void run();
  std::vector<std::unique_ptr<Conn>> conns_;
  void* ctx_ = nullptr;  // SSL_CTX
  OnLine on_line_;
  std::atomic<bool> stop_{false};
  std::atomic<int> ready_{0};
  std::thread reader_;
};

}  // namespace v6k::bench
