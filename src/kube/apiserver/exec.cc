// pods/<name>/exec and pods/<name>/attach: validation as kube-apiserver's streamLocation
// does it, then the WebSocket upgrade (v5.channel.k8s.io) and the node agent's hook
// (PodStreams::exec) behind an ExecChannel. kubectl 1.32 tries WebSocket first and falls
// back to SPDY (POST + Upgrade: SPDY/3.1) when the handshake fails; we do not speak SPDY,
// so that POST gets the same validation errors, or a clear one about SPDY.
#include "kube/apiserver/exec.h"

#include "kube/client/exec_protocol.h"

#include <algorithm>
#include <mutex>
#include <optional>

#include "http/websocket.h"
#include "kube/apiserver/internal.h"

namespace v6k::kube {

namespace {

using namespace exec_protocol;
constexpr const char* kV5 = kSubprotocol;
constexpr size_t kChunk = 64 << 10;  // stdout/stderr bytes per message


}  // namespace

struct ExecChannel::State {
  std::mutex mu;  // finished/gone flags, buffered input
  bool finished = false;
  bool gone = false;
  std::function<void()> on_close;
  // Callbacks run under cb_mu, so input is delivered in order even while a callback is
  // being installed from another thread.
  std::mutex cb_mu;
  std::function<void(std::string_view, bool)> on_stdin;
  std::function<void(uint16_t, uint16_t)> on_resize;
  std::vector<std::pair<std::string, bool>> stdin_pending;
  std::optional<std::pair<uint16_t, uint16_t>> resize_pending;
};

ExecChannel::ExecChannel(std::shared_ptr<http::WebSocket> ws, bool want_stdout, bool want_stderr)
    : ws_(std::move(ws)), want_stdout_(want_stdout), want_stderr_(want_stderr), state_(std::make_unique<State>()) {}

ExecChannel::~ExecChannel() = default;

bool ExecChannel::open() const {
  std::lock_guard lock(state_->mu);
  return !state_->finished && !state_->gone;
}

bool ExecChannel::write(uint8_t stream, std::string_view bytes) {
  if (!open()) return false;
  while (!bytes.empty()) {
    // Flow control: wait for the client to drain what is queued.
    while (ws_->backlog() >= kMaxBacklog) {
      if (!ws_->wait_backlog_below(kMaxBacklog, std::chrono::seconds(1)) && !ws_->open()) return false;
    }
    std::string_view part = bytes.substr(0, kChunk);
    bytes.remove_prefix(part.size());
    std::string msg;
    msg.reserve(part.size() + 1);
    msg += static_cast<char>(stream);
    msg += part;
    if (!ws_->send(std::move(msg))) return false;
  }
  return true;
}

bool ExecChannel::write_stdout(std::string_view bytes) { return want_stdout_ ? write(kStdout, bytes) : open(); }
bool ExecChannel::write_stderr(std::string_view bytes) { return want_stderr_ ? write(kStderr, bytes) : open(); }

void ExecChannel::end(const std::string& status) {
  {
    std::lock_guard lock(state_->mu);
    if (state_->finished || state_->gone) return;
    state_->finished = true;
    state_->on_close = nullptr;
  }
  ws_->send(std::string(1, static_cast<char>(kError)) + status);
  ws_->close(1000);
}

void ExecChannel::finish(int exit_code) { end(exit_status(exit_code)); }

void ExecChannel::fail(std::string message) { end(error_status(message)); }

void ExecChannel::on_stdin(std::function<void(std::string_view, bool)> fn) {
  std::lock_guard cb(state_->cb_mu);
  state_->on_stdin = std::move(fn);
  for (auto& [bytes, eof] : state_->stdin_pending) state_->on_stdin(bytes, eof);
  state_->stdin_pending.clear();
}

void ExecChannel::on_resize(std::function<void(uint16_t, uint16_t)> fn) {
  std::lock_guard cb(state_->cb_mu);
  state_->on_resize = std::move(fn);
  if (state_->resize_pending) state_->on_resize(state_->resize_pending->first, state_->resize_pending->second);
  state_->resize_pending.reset();
}

void ExecChannel::on_close(std::function<void()> fn) {
  {
    std::lock_guard lock(state_->mu);
    if (state_->finished) return;
    if (!state_->gone) {
      state_->on_close = std::move(fn);
      return;
    }
  }
  fn();
}

void ExecChannel::deliver(std::string message) {
  if (message.empty()) return;
  const auto stream = static_cast<uint8_t>(message[0]);
  std::lock_guard cb(state_->cb_mu);
  if (stream == kStdin || (stream == kCloseStream && message.size() >= 2 && message[1] == kStdin)) {
    const bool eof = stream == kCloseStream;
    std::string bytes = eof ? std::string() : message.substr(1);
    if (!eof && bytes.empty()) return;
    if (state_->on_stdin)
      state_->on_stdin(bytes, eof);
    else
      state_->stdin_pending.emplace_back(std::move(bytes), eof);
  } else if (stream == kResize) {
    auto j = nlohmann::json::parse(message.begin() + 1, message.end(), nullptr, false);
    if (!j.is_object()) return;
    auto dim = [&](const char* k) -> std::optional<uint16_t> {
      auto it = j.find(k);
      if (it == j.end() || !it->is_number_unsigned() || it->get<uint64_t>() > 0xFFFF) return std::nullopt;
      return static_cast<uint16_t>(it->get<uint64_t>());
    };
    auto w = dim("Width"), h = dim("Height");
    if (!w || !h) return;
    if (state_->on_resize)
      state_->on_resize(*w, *h);
    else
      state_->resize_pending = std::pair{*w, *h};
  }
}

void ExecChannel::closed() {
  std::function<void()> fn;
  {
    std::lock_guard lock(state_->mu);
    if (state_->gone) return;
    state_->gone = true;
    if (!state_->finished) fn = std::move(state_->on_close);
    state_->on_close = nullptr;
  }
  if (fn) fn();
}

namespace internal {

namespace {

std::vector<std::string> names_of(const json& pod, const char* field) {
  std::vector<std::string> out;
  for (const auto& c : pod["spec"].value(field, json::array())) out.push_back(c.value("name", ""));
  return out;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

// The container to run in, as kube-apiserver's streamLocation picks it (plus kubectl's
// default-container annotation, which the server honours too).
ApiResult<std::string> pick_container(const json& pod, const std::string& name, std::string container) {
  auto containers = names_of(pod, "containers");
  if (container.empty()) {
    using P = json::json_pointer;
    std::string annotated = pod.value(P("/metadata/annotations/kubectl.kubernetes.io~1default-container"), "");
    if (!annotated.empty() && std::find(containers.begin(), containers.end(), annotated) != containers.end())
      return annotated;
    if (containers.size() == 1) return containers[0];
    if (containers.empty()) return fail_status(bad_request("a container name must be specified for pod " + name));
    std::string msg = "a container name must be specified for pod " + name + ", choose one of: [" + joined(containers) + "]";
    auto init = names_of(pod, "initContainers");
    if (!init.empty()) msg += " or one of the init containers: [" + joined(init) + "]";
    return fail_status(bad_request(msg));
  }
  for (const char* field : {"containers", "initContainers", "ephemeralContainers"}) {
    auto names = names_of(pod, field);
    if (std::find(names.begin(), names.end(), container) != names.end()) return container;
  }
  return fail_status(bad_request("container " + container + " is not valid for pod " + name));
}

}  // namespace

http::Response handle_exec(Ctx& c) {
  const bool attach = c.info.subresource == "attach";
  if (c.info.verb != "get" && c.info.verb != "create") return status_response(method_not_supported(*c.res, c.info.verb));
  // Exec is a write whatever the method: authorize it as upstream's RBAC does ("create").
  RequestInfo as_create = c.info;
  as_create.verb = "create";
  if (auto why = authorize(c.user, as_create); !why.empty()) return status_response(forbidden(*c.res, c.info.name, why));

  auto pod = read_object(c, c.info.namespace_, c.info.name);
  if (!pod) return status_response(pod.error());
  ExecRequest req;
  req.namespace_ = c.info.namespace_;
  req.pod = c.info.name;
  req.attach = attach;
  auto [lo, hi] = c.info.query.equal_range("command");
  for (auto it = lo; it != hi; ++it) req.command.push_back(it->second);
  req.stdin = c.info.flag("stdin");
  req.stdout = c.info.flag("stdout");
  req.stderr = c.info.flag("stderr");
  req.tty = c.info.flag("tty");
  if (!attach && req.command.empty()) return status_response(bad_request("you must specify at least 1 command"));
  if (!req.stdin && !req.stdout && !req.stderr)
    return status_response(bad_request("you must specify at least 1 of stdin, stdout, stderr"));
  if (req.tty) req.stderr = false;  // a terminal merges stderr into stdout
  auto container = pick_container(*pod, c.info.name, c.info.param("container"));
  if (!container) return status_response(container.error());
  req.container = std::move(*container);
  using P = json::json_pointer;
  std::string node = pod->value(P("/spec/nodeName"), "");
  if (node.empty()) return status_response(bad_request("pod " + c.info.name + " does not have a host assigned"));
  if (!c.env.options.pod_streams.exec) {
    // As upstream when the kubelet cannot be reached: a 500 without a reason, which
    // kubectl prints as "Error from server: error dialing backend: ...".
    ApiStatus s = internal_error("");
    s.reason.clear();
    s.message = "error dialing backend: no node agent is connected for node \"" + node + "\"";
    return status_response(s);
  }

  auto ok = http::check_websocket_request(c.req, {.subprotocols = {kV5}});
  if (!ok) {
    const bool spdy = c.req.header("upgrade").value_or("").starts_with("SPDY");
    return status_response(bad_request(
        spdy ? "unable to upgrade connection: SPDY is not supported by this server; use a client that speaks "
               "WebSocket (v5.channel.k8s.io), such as kubectl 1.30 or newer"
             : "unable to upgrade connection: " + ok.error()));
  }
  req.pod_object = std::move(*pod);
  auto hook = c.env.options.pod_streams.exec;
  return http::accept_websocket(
      c.req, {.subprotocols = {kV5}, .max_message_bytes = 1 << 20},
      [hook, req = std::move(req)](std::shared_ptr<http::WebSocket> ws) {
        auto channel = std::make_shared<ExecChannel>(ws, req.stdout, req.stderr);
        http::WebSocketHandlers h{
            .on_message = [channel](http::WebSocketMessage m) { channel->deliver(std::move(m.data)); },
            .on_pong = nullptr,
            .on_close = [channel](uint16_t, std::string) { channel->closed(); }};
        try {
          hook(req, channel);
        } catch (const std::exception& e) {
          channel->fail(e.what());
        }
        return h;
      });
}

}  // namespace internal
}  // namespace v6k::kube
