// /attach on the kubelet endpoint: a WebSocket (v5.channel.k8s.io) session that streams
// what the container's main process writes from now on — stdout on stream 1, stderr on
// stream 2 — until the container exits (Status Success, close 1000), the peer goes, or the
// agent stops. The v6k runtime sends a container's output to its CRI log file and keeps no
// stdin (a pod spec's `stdin: true` is not honoured), so the session follows that file
// the way `kubectl logs -f --tail=0` would, and input from the peer is dropped.
#include <cstdio>
#include <thread>

#include "http/websocket.h"
#include "kube/client/exec_protocol.h"
#include "node/agent/kubelet_server_internal.h"
#include "node/runtime/logs.h"

namespace v6k::node {

namespace {

using namespace kube::exec_protocol;

struct AttachSession {
  KubeletServer::Impl* impl = nullptr;
  ExecQuery q;
  std::string container_id, log_path;
  std::shared_ptr<http::WebSocket> ws;
  std::atomic<bool> gone{false};

  bool ending() const { return gone.load() || impl->stopping.load(); }
  std::function<bool()> alive() { return impl->while_running(container_id, [this] { return gone.load(); }); }

  bool send(uint8_t stream, std::string_view bytes) {
    return send_stream_message(*ws, stream, bytes, [this] { return ending(); });
  }

  void follow(runtime::LogStream which, uint8_t id) {
    runtime::LogOptions lo;
    lo.tail_lines = 0;  // from now on
    lo.follow = true;
    lo.include_stdout = which == runtime::LogStream::kStdout;
    lo.include_stderr = which == runtime::LogStream::kStderr;
    lo.keep_following = alive();
    auto r = runtime::read_logs(log_path, lo, [&](std::string_view chunk) { return send(id, chunk); });
    if (!r) std::fprintf(stderr, "kubelet endpoint: attach %s: %s\n", container_id.c_str(), r.error().message().c_str());
  }

  void run() {
    std::thread err;
    if (q.error) err = std::thread([this] { follow(runtime::LogStream::kStderr, kStderr); });
    if (q.output) {
      follow(runtime::LogStream::kStdout, kStdout);
    } else {
      auto running = alive();
      while (running()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (err.joinable()) err.join();
    if (!ending()) ws->send(std::string(1, static_cast<char>(kError)) + exit_status(0));
    ws->close(1000);
  }
};

}  // namespace

http::Response KubeletServer::Impl::serve_attach(const http::Request& req, const KubeletPath& p) {
  ExecQuery q;
  auto f = stream_target(req, p, /*needs_command=*/false, q);
  if (!f) return std::move(f.error());
  auto session = std::make_shared<AttachSession>();
  session->impl = this;
  session->q = std::move(q);
  session->container_id = f->current.id;
  session->log_path = f->current.log_path;
  return accept_stream(
      req, [session](std::shared_ptr<http::WebSocket> ws) { session->ws = std::move(ws); },
      [session] { session->run(); },
      {.on_message = [](http::WebSocketMessage) {},  // no stdin to write to
       .on_pong = nullptr,
       .on_close = [session](uint16_t, std::string) { session->gone = true; }});
}

}  // namespace v6k::node
