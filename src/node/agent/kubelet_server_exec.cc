// /exec on the kubelet endpoint: a WebSocket (v5.channel.k8s.io) session around a process
// started in the container (runtime exec_in_container). One thread per session relays
// the process's output (waiting for the peer to drain: backpressure), a second one writes
// stdin; messages from the peer arrive on the io thread and are only queued there. The
// session ends with the kubelet's Status message (stream 3) and close 1000; a peer that
// goes away, or the agent stopping, kills the process.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <condition_variable>
#include <deque>

#include <nlohmann/json.hpp>

#include "http/websocket.h"
#include "kube/client/exec_protocol.h"
#include "node/agent/kubelet_server_internal.h"

namespace v6k::node {

namespace {

using namespace kube::exec_protocol;
constexpr size_t kMaxBacklog = 4 << 20;

struct Session {
  KubeletServer::Impl* impl = nullptr;
  ExecQuery q;
  std::string container_id;
  std::shared_ptr<http::WebSocket> ws;

  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::string> input;
  bool input_eof = false;
  bool gone = false;   // the peer closed or vanished
  bool ended = false;  // the process is done: the stdin writer stops
  std::optional<runtime::ExecProcess> proc;
  std::optional<std::pair<uint16_t, uint16_t>> size;  // width, height

  // On the io thread: queue, never block.
  void on_message(std::string m) {
    if (m.empty()) return;
    const auto stream = static_cast<uint8_t>(m[0]);
    std::lock_guard lock(mu);
    if (stream == kStdin && m.size() > 1) {
      input.push_back(m.substr(1));
    } else if (stream == kCloseStream && m.size() >= 2 && static_cast<uint8_t>(m[1]) == kStdin) {
      input_eof = true;
    } else if (stream == kResize) {
      auto j = nlohmann::json::parse(m.begin() + 1, m.end(), nullptr, false);
      if (!j.is_object() || !j.value("Width", nlohmann::json()).is_number_unsigned() ||
          !j.value("Height", nlohmann::json()).is_number_unsigned())
        return;
      size = {static_cast<uint16_t>(j["Width"].get<uint64_t>()), static_cast<uint16_t>(j["Height"].get<uint64_t>())};
      if (proc && q.tty) (void)proc->resize(size->second, size->first);
    }
    cv.notify_all();
  }
  void on_close() {
    std::lock_guard lock(mu);
    gone = true;
    cv.notify_all();
  }
  bool peer_gone() {
    std::lock_guard lock(mu);
    return gone || impl->stopping.load();
  }

  bool send(uint8_t stream, std::string_view bytes) {
    return send_stream_message(*ws, stream, bytes, [this] { return peer_gone(); });
  }

  // stdin: queued input written to the process; closed at the peer's end of stdin.
  void write_stdin(int fd) {
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, nullptr);  // a dead reader is EPIPE, not a signal
    for (;;) {
      std::string chunk;
      {
        std::unique_lock lock(mu);
        cv.wait_for(lock, std::chrono::milliseconds(200), [&] { return !input.empty() || input_eof || gone || ended; });
        if (gone || ended) break;
        if (input.empty()) {
          if (!input_eof) continue;
          if (q.tty) (void)!::write(fd, "\x04", 1);  // a terminal's end of input
          break;
        }
        chunk = std::move(input.front());
        input.pop_front();
      }
      std::string_view rest(chunk);
      while (!rest.empty()) {
        pollfd p{fd, POLLOUT, 0};
        if (::poll(&p, 1, 200) <= 0) {
          std::lock_guard lock(mu);
          if (gone || ended) break;
          continue;
        }
        ssize_t n = ::write(fd, rest.data(), rest.size());
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (n <= 0) return (void)::close(fd);
        rest.remove_prefix(static_cast<size_t>(n));
      }
    }
    ::close(fd);
  }

  void run() {
    runtime::ExecOptions eo{.argv = q.command, .tty = q.tty, .stdin = q.input};
    {
      std::lock_guard lock(mu);
      if (size) eo.rows = size->second, eo.cols = size->first;
    }
    auto started = impl->o.runtime->exec_in_container(container_id, eo);
    if (!started) {
      ws->send(std::string(1, static_cast<char>(kError)) + error_status(started.error().message()));
      return ws->close(1000);
    }
    int in = -1;
    {
      std::lock_guard lock(mu);
      proc = std::move(*started);
      if (q.input && proc->stdin_fd() >= 0) {
        in = ::fcntl(proc->stdin_fd(), F_DUPFD_CLOEXEC, 0);
        proc->close_stdin();  // the writer's copy is the only one left
      }
      if (size && q.tty) (void)proc->resize(size->second, size->first);
    }
    std::thread writer;
    if (in >= 0) {
      ::fcntl(in, F_SETFL, ::fcntl(in, F_GETFL) | O_NONBLOCK);
      writer = std::thread([this, in] { write_stdin(in); });
    }
    const int code = relay_output();
    {
      std::lock_guard lock(mu);
      ended = true;
      cv.notify_all();
    }
    if (writer.joinable()) writer.join();
    if (code >= 0 && !peer_gone()) ws->send(std::string(1, static_cast<char>(kError)) + exit_status(code));
    ws->close(1000);
  }

  // Output until the process has exited and its pipes are drained; the exit code, or -1
  // when the peer went away (the process is killed).
  int relay_output() {
    struct Stream {
      int fd;
      uint8_t id;
      bool wanted;
    };
    std::vector<Stream> open;
    if (proc->stdout_fd() >= 0) open.push_back({proc->stdout_fd(), kStdout, q.output});
    if (proc->stderr_fd() >= 0) open.push_back({proc->stderr_fd(), kStderr, q.error});
    for (const auto& s : open) ::fcntl(s.fd, F_SETFL, ::fcntl(s.fd, F_GETFL) | O_NONBLOCK);
    std::string buf(64 << 10, '\0');
    std::optional<int> exit_code;
    bool killed = false;
    auto drain = [&](size_t i, bool once) {  // false: the stream ended
      for (;;) {
        ssize_t n = ::read(open[i].fd, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return true;
        if (n <= 0) return false;  // EOF, or EIO from a terminal whose last user left
        if (open[i].wanted && !killed && !send(open[i].id, std::string_view(buf.data(), static_cast<size_t>(n)))) {
          killed = true;
          (void)proc->signal(SIGKILL);
        }
        if (once) return true;
      }
    };
    while (!open.empty()) {
      if (!killed && peer_gone()) {
        killed = true;
        (void)proc->signal(SIGKILL);
      }
      std::vector<pollfd> fds;
      for (const auto& s : open) fds.push_back({s.fd, POLLIN, 0});
      ::poll(fds.data(), fds.size(), 200);
      for (size_t i = open.size(); i-- > 0;)
        if (fds[i].revents && !drain(i, true)) open.erase(open.begin() + static_cast<long>(i));
      if (!exit_code) {
        auto w = proc->wait(std::chrono::milliseconds(0));
        if (w) exit_code = *w;
      }
      if (exit_code) {
        // Whatever the command wrote is in the pipes now; children it left behind that
        // keep them open do not hold the session.
        for (size_t i = 0; i < open.size(); ++i) drain(i, false);
        break;
      }
    }
    if (!exit_code) {
      auto w = proc->wait(std::chrono::seconds(30));
      if (!w) {
        (void)proc->signal(SIGKILL);
        w = proc->wait(std::chrono::seconds(5));
      }
      exit_code = w ? *w : 137;
    }
    return killed ? -1 : *exit_code;
  }
};

}  // namespace

bool send_stream_message(http::WebSocket& ws, uint8_t stream, std::string_view bytes,
                         const std::function<bool()>& ending) {
  while (ws.backlog() >= kMaxBacklog)
    if (!ws.wait_backlog_below(kMaxBacklog, std::chrono::seconds(1)) && (!ws.open() || ending())) return false;
  std::string m(1, static_cast<char>(stream));
  m += bytes;
  return ws.send(std::move(m));
}

http::Response KubeletServer::Impl::serve_exec(const http::Request& req, const KubeletPath& p) {
  ExecQuery q;
  auto f = stream_target(req, p, /*needs_command=*/true, q);
  if (!f) return std::move(f.error());
  auto session = std::make_shared<Session>();
  session->impl = this;
  session->q = std::move(q);
  session->container_id = f->current.id;
  return accept_stream(
      req, [session](std::shared_ptr<http::WebSocket> ws) { session->ws = std::move(ws); },
      [session] { session->run(); },
      {.on_message = [session](http::WebSocketMessage m) { session->on_message(std::move(m.data)); },
       .on_pong = nullptr,
       .on_close = [session](uint16_t, std::string) { session->on_close(); }});
}

}  // namespace v6k::node
