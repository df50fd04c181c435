// Internal to the kubelet endpoint (kubelet_server*.cc): the server's state, shared by the
// request handling (kubelet_server.cc) and the exec sessions (kubelet_server_exec.cc).
#pragma once

#include <atomic>
#include <chrono>
#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "http/message.h"
#include "http/server.h"
#include "http/websocket.h"
#include "node/agent/kubelet_server.h"
#include "node/agent/kubelet_server_query.h"

namespace v6k::node {

// One v5.channel.k8s.io message (`stream` byte + bytes) to the peer, waiting while more
// than 4 MiB is queued for it (a slow client slows the stream down); false when the
// session is closed, or `ending` says so while waiting (kubelet_server_exec.cc).
bool send_stream_message(http::WebSocket& ws, uint8_t stream, std::string_view bytes,
                         const std::function<bool()>& ending);

struct FoundContainer {
  runtime::ContainerStatus current;
  std::optional<runtime::ContainerStatus> previous;  // the one it replaced, if still listed
};

struct KubeletServer::Impl {
  KubeletServerOptions o;
  std::string ca_pem;
  std::unique_ptr<http::Server> http;
  std::atomic<bool> stopping{false};

  struct CachedUser {
    bool authenticated = false;
    std::string name;
    std::vector<std::string> groups;
    std::chrono::steady_clock::time_point expires;
  };
  std::mutex auth_mu;
  std::map<std::string, CachedUser> auth_cache;  // by token

  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::mutex work_mu;
  std::vector<Worker> workers;

  http::Response handle(const http::Request& req);
  // Who the request's bearer token belongs to, or the 401/403 answer.
  std::optional<http::Response> check_access(const http::Request& req);
  std::expected<FoundContainer, http::Response> find(const KubeletPath& p) const;
  http::Response serve_logs(const http::Request& req, const KubeletPath& p);
  http::Response serve_exec(const http::Request& req, const KubeletPath& p);    // kubelet_server_exec.cc
  http::Response serve_attach(const http::Request& req, const KubeletPath& p);  // kubelet_server_attach.cc
  // exec and attach alike: SPDY refused, the query parsed (a command required for exec),
  // the container found and running, the WebSocket upgrade checked; else the answer.
  std::expected<FoundContainer, http::Response> stream_target(const http::Request& req, const KubeletPath& p,
                                                              bool needs_command, ExecQuery& q) const;

  // exec and attach alike: the upgrade to v5.channel.k8s.io. `bind` gets the socket, then
  // `run` starts on a worker (or the socket closes with 1001 if the agent is stopping); the
  // socket's events go to `handlers`.
  http::Response accept_stream(const http::Request& req, std::function<void(std::shared_ptr<http::WebSocket>)> bind,
                               std::function<void()> run, http::WebSocketHandlers handlers);

  // A follower's "keep going": false once `gone` says the peer left, the agent stops, or
  // the container has exited (its state is a file read: checked twice a second).
  std::function<bool()> while_running(std::string container_id, std::function<bool()> gone) const;

  // Runs `fn` on a thread that stop() joins (fn must watch `stopping`).
  void spawn(std::function<void()> fn);
  void join_workers();
};

}  // namespace v6k::node
