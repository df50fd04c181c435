// WebSocket (RFC 6455) over the HTTP server's protocol upgrade, and a client for it.
//
// Server: a handler answers an upgrade request with accept_websocket(); once the 101 is
// written, `on_open` runs with the session's handle and returns the event handlers.
//
//   return http::accept_websocket(req, {.subprotocols = {"v5.channel.k8s.io"}},
//       [](std::shared_ptr<http::WebSocket> ws) {
//         ws->send(std::string("\x01hi\n", 4));            // binary by default
//         return http::WebSocketHandlers{
//             .on_message = [ws](http::WebSocketMessage m) { ws->send(std::move(m.data)); },
//             .on_close = [](uint16_t code, std::string) { /* peer gone or closed */ }};
//       });
//
// Client (its own io thread; receive() or handlers):
//
//   auto c = http::WebSocketClient::connect({.host = "::1", .port = port, .target = "/x",
//       .headers = {{"authorization", "Bearer t"}}, .subprotocols = {"v5.channel.k8s.io"},
//       .tls = http::ClientTls{.ca_pem = ca}});
//   (*c)->socket().send("\x00abc");
//   auto ev = (*c)->receive(std::chrono::seconds(5));   // message, pong or close
//
// Behaviour of both ends: pings are answered with a pong carrying the same payload;
// fragmented messages are reassembled; a peer's close frame is echoed (same code) and
// ends the session; a protocol violation is answered with close 1002/1007/1009; frames
// we send are masked by the client and never by the server. WebSocket is thread-safe:
// any thread may send; its frames go out in order on the connection's strand.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "http/message.h"
#include "http/server.h"

namespace v6k::http {

struct WebSocketMessage {
  bool binary = true;  // false: a text message (valid UTF-8)
  std::string data;
};

// Run on the connection's strand (an io thread): they must not block. Any may be empty.
struct WebSocketHandlers {
  std::function<void(WebSocketMessage)> on_message;
  std::function<void(std::string payload)> on_pong;
  // Once, when the session ends: the peer's close code (1005 if its close frame had
  // none), our error code after a protocol violation, or 1006 when the connection ended
  // without a close frame (peer gone, server stopping).
  std::function<void(uint16_t code, std::string reason)> on_close;
};

class WebSocket {
 public:
  struct Link;  // websocket.cc: shared between this handle and the session
  explicit WebSocket(std::shared_ptr<Link> link);
  ~WebSocket();

  // Queues one message. False once close() was called or the session ended.
  bool send(std::string data, bool binary = true);
  // Queues one message as several frames (a continuation sequence), for peers' tests.
  bool send_fragmented(const std::vector<std::string>& parts, bool binary = true);
  bool ping(std::string payload = {});  // at most 125 bytes
  // Queues a close frame after what is already queued; no more sends. The session ends
  // when the peer answers (or after 2 s). Idempotent.
  void close(uint16_t code = 1000, std::string reason = {});

  // Bytes queued or being written: a producer faster than the peer waits on this.
  size_t backlog() const;
  // Blocks until backlog() < bytes (true), or the session ends or `timeout` passes (false).
  bool wait_backlog_below(size_t bytes, std::chrono::milliseconds timeout) const;
  bool open() const;  // false once the session ended
  const std::string& subprotocol() const;

 private:
  std::shared_ptr<Link> link_;
};

struct WebSocketAcceptOptions {
  // Subprotocols we speak, preferred first. Non-empty: the client must offer one of them.
  std::vector<std::string> subprotocols;
  size_t max_message_bytes = 16 << 20;  // a larger message is answered with close 1009
};

// Validates the handshake (GET, `Connection: Upgrade`, `Upgrade: websocket`,
// `Sec-WebSocket-Version: 13`, a 16-byte base64 `Sec-WebSocket-Key`, a subprotocol we
// accept) and returns the chosen subprotocol ("" when none configured), or what is wrong.
std::expected<std::string, std::string> check_websocket_request(const Request& req,
                                                                const WebSocketAcceptOptions& opts);

// The 101 response accepting `req` (Sec-WebSocket-Accept, Sec-WebSocket-Protocol), or a
// 400 text response saying what check_websocket_request found wrong.
Response accept_websocket(const Request& req, const WebSocketAcceptOptions& opts,
                          std::function<WebSocketHandlers(std::shared_ptr<WebSocket>)> on_open);

struct WebSocketClientOptions {
  std::string host = "::1";  // an address literal or a name; TLS checks it against the cert
  uint16_t port = 0;
  std::string target = "/";
  Headers headers;                        // extra request headers, e.g. authorization
  std::vector<std::string> subprotocols;  // offered; the answer must pick one of them
  std::optional<ClientTls> tls;           // set: wss (TLS; ALPN http/1.1)
  std::chrono::milliseconds timeout{10000};  // connect + TLS + handshake
  size_t max_message_bytes = 16 << 20;
  // Set: events go here (on the client's io thread) instead of receive()'s queue.
  std::optional<WebSocketHandlers> handlers;
};

struct WebSocketEvent {
  enum class Kind { kMessage, kPong, kClose };
  Kind kind = Kind::kMessage;
  bool binary = true;
  std::string data;     // message or pong payload; close reason
  uint16_t code = 0;    // kClose: as WebSocketHandlers::on_close
};

class WebSocketClient {
 public:
  // Connects and upgrades. A refusal (any status but 101, a missing or wrong
  // Sec-WebSocket-Accept or subprotocol) is an error naming the status and body; with
  // `response` set, it receives the server's handshake answer either way.
  static Result<std::unique_ptr<WebSocketClient>> connect(WebSocketClientOptions opts,
                                                         Response* response = nullptr);
  ~WebSocketClient();  // ends the session abruptly if still open and joins the io thread

  WebSocket& socket() { return *ws_; }
  std::shared_ptr<WebSocket> shared_socket() { return ws_; }
  // The next event in arrival order, nullopt after `timeout`. After the close event, every
  // call returns it again at once.
  std::optional<WebSocketEvent> receive(std::chrono::milliseconds timeout);

  struct Impl;  // websocket_client.cc

 private:
  explicit WebSocketClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::shared_ptr<WebSocket> ws_;
};

}  // namespace v6k::http
