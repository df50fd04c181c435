// kubectl exec / attach as the node agent sees it: what to run, and the session's
// streams. The API server validates the request (pod, container, host), upgrades to
// WebSocket `v5.channel.k8s.io`, then calls PodStreams::exec (apiserver.h) with an
// ExecRequest and an ExecChannel; the hook starts the command and returns at once (it
// runs on an io thread), then feeds the channel from its own threads:
//
//   streams.exec = [](kube::ExecRequest req, std::shared_ptr<kube::ExecChannel> ch) {
//     std::thread([req, ch] {
//       auto proc = start(req.command, req.tty);            // the agent's business
//       ch->on_stdin([&](std::string_view b, bool eof) { eof ? proc.close_stdin() : proc.write(b); });
//       ch->on_resize([&](uint16_t w, uint16_t h) { proc.resize(w, h); });
//       ch->on_close([&] { proc.kill(); });                 // kubectl went away
//       while (auto out = proc.read()) ch->write_stdout(*out);
//       ch->finish(proc.wait());                            // exit code: Status, close 1000
//     }).detach();
//   };
//
// Wire (v5.channel.k8s.io, docs/kube-apiserver.md "exec and attach"): binary messages
// whose first byte is the stream: 0 stdin, 1 stdout, 2 stderr, 3 Status, 4 resize JSON,
// 255 close of a stream (FF 00 = stdin ended).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace v6k::http {
class WebSocket;
}

namespace v6k::kube {

struct ExecRequest {
  std::string namespace_;
  std::string pod;
  nlohmann::json pod_object;
  std::string container;             // validated against the pod (defaulted when not given)
  std::vector<std::string> command;  // argv; empty for attach
  bool attach = false;               // pods/attach: connect to the container's main process
  bool stdin = false, stdout = false, stderr = false, tty = false;
};

// One session's streams. Thread-safe: any thread may write or finish. Callbacks run on
// an io thread (they must not block) and may be set at any time; stdin or resize
// messages that arrived earlier are delivered when the callback is set.
class ExecChannel {
 public:
  // Backpressure: a write waits while more than this is queued for the client.
  static constexpr size_t kMaxBacklog = 4 << 20;

  explicit ExecChannel(std::shared_ptr<http::WebSocket> ws, bool want_stdout, bool want_stderr);
  ~ExecChannel();

  // False once the session is over (client gone or finished): stop producing. Output
  // of a stream the client did not ask for (stderr with a TTY) is dropped.
  bool write_stdout(std::string_view bytes);
  bool write_stderr(std::string_view bytes);
  // Ends the session: the stream-3 Status ({"status":"Success"} for 0; reason
  // NonZeroExitCode with the code as cause otherwise), then close 1000. The first
  // finish or fail wins.
  void finish(int exit_code);
  // Ends it with an InternalError Status: kubectl prints
  // "error: Internal error occurred: error executing command in container: <message>".
  void fail(std::string message);

  // Stream 0: each message's bytes, then ("", true) when the client closes stdin.
  void on_stdin(std::function<void(std::string_view bytes, bool eof)> fn);
  // Stream 4: the terminal size (TTY sessions: first at start, again on every change).
  void on_resize(std::function<void(uint16_t width, uint16_t height)> fn);
  // Once, when the session ends without finish()/fail() (client went away, server
  // stopping); at once if it already has.
  void on_close(std::function<void()> fn);
  bool open() const;

  // Internal (exec.cc): messages from the client and the end of the session.
  void deliver(std::string message);
  void closed();

  struct State;

 private:
  bool write(uint8_t stream, std::string_view bytes);
  void end(const std::string& status);  // the Status JSON, in the kubelet's field order
  std::shared_ptr<http::WebSocket> ws_;
  bool want_stdout_, want_stderr_;
  std::unique_ptr<State> state_;
};

}  // namespace v6k::kube
