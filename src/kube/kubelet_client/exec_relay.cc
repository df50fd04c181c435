// exec/attach: the API server's session (ExecChannel, already upgraded) joined to a
// WebSocket session with the pod's kubelet. Input (stdin, its end, terminal sizes) goes
// to the kubelet as it arrives; output comes back on a relay thread that blocks on the
// kubelet and waits for kubectl to drain (backpressure both ways through TCP); the
// kubelet's Status message (stream 3) ends the session with its exit code.
#include <thread>

#include "http/websocket.h"
#include "kube/client/exec_protocol.h"
#include "kube/kubelet_client/internal.h"

namespace v6k::kube::kubelet_internal {

namespace {

using nlohmann::json;
constexpr const char* kV5 = exec_protocol::kSubprotocol;
using namespace exec_protocol;

std::string exec_target(const ExecRequest& r) {
  std::string q;
  auto add = [&](const char* k, const std::string& v) { q += (q.empty() ? "?" : "&") + std::string(k) + "=" + query_escape(v); };
  for (const auto& c : r.command) add("command", c);
  if (r.stdin) add("input", "1");
  if (r.stdout) add("output", "1");
  if (r.stderr) add("error", "1");
  if (r.tty) add("tty", "1");
  return kubelet_path(r.attach ? "attach" : "exec", r.namespace_, r.pod, r.container) + q;
}

std::string without_prefix(std::string s, std::string_view p) {
  if (s.starts_with(p)) s.erase(0, p.size());
  return s;
}

// The kubelet's closing Status, replayed on kubectl's session.
void end_with_status(ExecChannel& ch, std::string_view text) {
  json st = json::parse(text, nullptr, false);
  if (!st.is_object()) return ch.fail("unreadable status from the node agent");
  if (st.value("status", "") == "Success") return ch.finish(0);
  if (st.value("reason", "") == "NonZeroExitCode") {
    for (const auto& c : st.value(json::json_pointer("/details/causes"), json::array())) {
      if (c.value("reason", "") != "ExitCode") continue;
      try {
        return ch.finish(std::stoi(c.value("message", "")));
      } catch (const std::exception&) {
        break;
      }
    }
  }
  // ExecChannel::fail adds both prefixes again.
  std::string m = without_prefix(st.value("message", "failed"), "Internal error occurred: ");
  ch.fail(without_prefix(std::move(m), "error executing command in container: "));
}

// A kubelet's refusal of the upgrade: its Status message, or its text.
std::string refusal(const http::Response& r) {
  json st = json::parse(r.body, nullptr, false);
  std::string m = st.is_object() && st.contains("message") && st["message"].is_string() ? st["message"].get<std::string>() : r.body;
  while (!m.empty() && (m.back() == '\n' || m.back() == '\r')) m.pop_back();
  return m.empty() ? "the node agent answered " + std::to_string(r.status) : m;
}

void run(std::shared_ptr<Shared> s, ExecRequest req, std::shared_ptr<ExecChannel> ch) {
  const std::string node = req.pod_object.value(json::json_pointer("/spec/nodeName"), "");
  auto port = s->kubelet_port(node);
  if (!port) return ch->fail("error dialing backend: " + port.error());
  std::unique_ptr<http::WebSocketClient> ws;
  for (int attempt = 0; !ws; ++attempt) {
    auto ca = s->anchor(*port, attempt > 0);
    if (!ca) return ch->fail("error dialing backend: " + ca.error().message());
    http::Response answer;
    answer.status = 0;
    auto c = http::WebSocketClient::connect({.host = s->o.kubelet_host, .port = *port, .target = exec_target(req),
                                             .headers = s->auth_headers(), .subprotocols = {kV5},
                                             .tls = http::ClientTls{.ca_pem = *ca}, .timeout = s->o.dial_timeout,
                                             .max_message_bytes = 1 << 20},
                                            &answer);
    if (c) {
      ws = std::move(*c);
    } else if (answer.status != 0 && answer.status != 101) {
      return ch->fail(refusal(answer));
    } else if (attempt > 0) {
      return ch->fail("error dialing backend: " + c.error().message());
    }
  }
  auto sock = ws->shared_socket();
  ch->on_stdin([sock](std::string_view bytes, bool eof) {
    if (eof) return (void)sock->send(std::string{static_cast<char>(kCloseStream), static_cast<char>(kStdin)});
    std::string m(1, static_cast<char>(kStdin));
    m += bytes;
    sock->send(std::move(m));
  });
  ch->on_resize([sock](uint16_t w, uint16_t h) {
    sock->send(std::string(1, static_cast<char>(kResize)) + json{{"Width", w}, {"Height", h}}.dump());
  });
  ch->on_close([sock] { sock->close(1000); });  // kubectl went away: the kubelet kills the command
  for (;;) {
    auto ev = ws->receive(std::chrono::seconds(1));
    if (!ev) {
      if (!ch->open()) break;
      continue;
    }
    if (ev->kind == http::WebSocketEvent::Kind::kClose) {
      ch->fail("the node agent ended the session without a status (close code " + std::to_string(ev->code) + ")");
      break;
    }
    if (ev->kind != http::WebSocketEvent::Kind::kMessage || ev->data.empty()) continue;
    const auto stream = static_cast<uint8_t>(ev->data[0]);
    std::string_view bytes(ev->data);
    bytes.remove_prefix(1);
    bool more = true;
    if (stream == kStdout) more = ch->write_stdout(bytes);
    if (stream == kStderr) more = ch->write_stderr(bytes);
    if (stream == kError) {
      end_with_status(*ch, bytes);
      break;
    }
    if (!more) break;  // kubectl is gone
  }
  sock->close(1000);
}

}  // namespace

void relay_exec(const std::shared_ptr<Shared>& s, ExecRequest req, std::shared_ptr<ExecChannel> ch) {
  // Dialing and relaying block: never on the API server's io thread.
  std::thread(run, s, std::move(req), std::move(ch)).detach();
}

}  // namespace v6k::kube::kubelet_internal
