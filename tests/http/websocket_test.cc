// WebSocket over the HTTP server's upgrade: the exact handshake bytes, server frames on
// the wire, protocol errors, and the client against the server over TLS (echo,
// fragments, ping/pong, close codes, sends from many threads, server stop).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "http/websocket.h"
#include "http/websocket_frame.h"
#include "pki/pki.h"
#include "raw_client.h"

namespace v6k::http {
namespace {

using namespace std::chrono_literals;
using testing::RawClient;

constexpr std::array<uint8_t, 4> kMask = {1, 2, 3, 4};

// An echo server: every message comes back; "close:<code>" makes the server close.
struct Echo {
  std::atomic<int> closes{0};
  std::atomic<int> last_close_code{0};
  std::unique_ptr<Server> server;

  explicit Echo(std::optional<TlsOptions> tls = std::nullopt) {
    auto s = Server::start({.listen = {"[::1]:0"}, .tls = std::move(tls)}, [this](const Request& req) {
      return accept_websocket(req, {.subprotocols = {"v5.channel.k8s.io", "v4.channel.k8s.io"}, .max_message_bytes = 1 << 20},
                              [this](std::shared_ptr<WebSocket> ws) {
                                return WebSocketHandlers{
                                    .on_message =
                                        [this, ws](WebSocketMessage m) {
                                          if (m.data.starts_with("close:")) return ws->close(std::stoi(m.data.substr(6)), "bye");
                                          ws->send(std::move(m.data), m.binary);
                                        },
                                    .on_pong = nullptr,
                                    .on_close =
                                        [this](uint16_t code, std::string) {
                                          last_close_code = code;
                                          ++closes;
                                        }};
                              });
    });
    if (!s) ADD_FAILURE() << s.error().message();
    if (s) server = std::move(*s);
  }
  void wait_closes(int n) {
    for (int i = 0; i < 200 && closes < n; ++i) std::this_thread::sleep_for(10ms);
  }
};

std::string handshake(const std::string& protocols, const std::string& extra = "") {
  return "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
         (protocols.empty() ? "" : "Sec-WebSocket-Protocol: " + protocols + "\r\n") + extra + "\r\n";
}

TEST(WebSocketServer, HandshakeBytesAndEarlyData) {
  Echo echo;
  RawClient c(echo.server->port(), true);
  ASSERT_TRUE(c.connected());
  // The first frame travels in the same segment as the request: it must not be lost.
  ASSERT_TRUE(c.send(handshake("v4.channel.k8s.io, v5.channel.k8s.io") +
                     ws::encode_frame(ws::Opcode::kBinary, "\x01hi", true, kMask)));
  auto head = c.read_until("\r\n\r\n");
  ASSERT_TRUE(head);
  EXPECT_TRUE(head->starts_with("HTTP/1.1 101 Switching Protocols\r\n")) << *head;
  EXPECT_NE(head->find("\r\nUpgrade: websocket\r\n"), std::string::npos) << *head;
  EXPECT_NE(head->find("\r\nConnection: Upgrade\r\n"), std::string::npos) << *head;
  EXPECT_NE(head->find("\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"), std::string::npos) << *head;
  // Our preference wins over the client's order.
  EXPECT_NE(head->find("\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n"), std::string::npos) << *head;
  EXPECT_EQ(head->find("Content-Length"), std::string::npos) << *head;
  // The echo is an unmasked server frame.
  auto frame = c.read_until("hi");
  ASSERT_TRUE(frame);
  EXPECT_EQ(*frame, std::string("\x82\x03\x01hi", 5));
  // Ping with a payload -> pong with the same payload.
  ASSERT_TRUE(c.send(ws::encode_frame(ws::Opcode::kPing, "beat", true, kMask)));
  auto pong = c.read_until("beat");
  ASSERT_TRUE(pong);
  EXPECT_EQ(*pong, std::string("\x8A\x04", 2) + "beat");
  // Our close 1000 is echoed, then the server ends the connection.
  ASSERT_TRUE(c.send(ws::encode_frame(ws::Opcode::kClose, ws::close_payload(1000), true, kMask)));
  auto close = c.read_until(std::string("\x88\x02\x03\xE8", 4));
  EXPECT_TRUE(close);
  EXPECT_TRUE(c.closed_by_peer());
  echo.wait_closes(1);
  EXPECT_EQ(echo.last_close_code, 1000);
}

TEST(WebSocketServer, RefusesBadHandshakes) {
  Echo echo;
  struct Case {
    std::string request;
    std::string body;
  } cases[] = {
      {handshake("v3.channel.k8s.io"),
       "websocket: none of the offered subprotocols is supported (want one of: v5.channel.k8s.io, v4.channel.k8s.io)\n"},
      {handshake(""), "websocket: none of the offered subprotocols is supported (want one of: v5.channel.k8s.io, "
                      "v4.channel.k8s.io)\n"},
      {"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
       "Sec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n",
       "websocket: not a websocket handshake: 'Sec-WebSocket-Key' header is missing or blank\n"},
      {"GET /ws HTTP/1.1\r\nHost: x\r\n\r\n", "websocket: 'upgrade' token not found in 'Connection' header\n"},
      {"POST /ws HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nUpgrade: SPDY/3.1\r\nConnection: Upgrade\r\n\r\n",
       "websocket: the handshake must be a GET request\n"},
  };
  for (const auto& tc : cases) {
    RawClient c(echo.server->port(), true);
    ASSERT_TRUE(c.send(tc.request));
    auto r = c.read_response();
    ASSERT_TRUE(r) << tc.request;
    EXPECT_EQ(r->status, 400) << tc.request;
    EXPECT_EQ(r->body, tc.body);
  }
}

TEST(WebSocketServer, ProtocolErrorGetsClose1002) {
  Echo echo;
  RawClient c(echo.server->port(), true);
  ASSERT_TRUE(c.send(handshake("v5.channel.k8s.io")));
  ASSERT_TRUE(c.read_until("\r\n\r\n"));
  ASSERT_TRUE(c.send(ws::encode_frame(ws::Opcode::kBinary, "unmasked")));  // clients must mask
  auto close = c.read_until("client");
  ASSERT_TRUE(close);
  EXPECT_EQ(*close, std::string("\x88\x20\x03\xEA", 4) + "unmasked frame from the client");
  EXPECT_TRUE(c.closed_by_peer());
  echo.wait_closes(1);
  EXPECT_EQ(echo.last_close_code, 1002);
}

struct TlsEcho {
  pki::KeyPairPem ca, serving;
  std::unique_ptr<Echo> echo;
  TlsEcho() {
    auto c = pki::make_ca("ws test CA", 1);
    EXPECT_TRUE(c);
    ca = *c;
    auto s = pki::issue(ca, {.common_name = "ws", .ips = {"::1"}, .days = 1});
    EXPECT_TRUE(s);
    serving = *s;
    echo = std::make_unique<Echo>(TlsOptions{serving.cert_pem, serving.key_pem, "", false});
  }
  Result<std::unique_ptr<WebSocketClient>> connect(std::vector<std::string> protocols = {"v5.channel.k8s.io"},
                                                   Response* answer = nullptr) {
    return WebSocketClient::connect({.host = "::1",
                                     .port = echo->server->port(),
                                     .target = "/api/v1/namespaces/default/pods/p/exec?command=sh",
                                     .headers = {{"authorization", "Bearer t0ken"}},
                                     .subprotocols = std::move(protocols),
                                     .tls = ClientTls{.ca_pem = ca.cert_pem}},
                                    answer);
  }
};

TEST(WebSocketClient, EchoOverTlsWithFragmentsAndPing) {
  TlsEcho t;
  auto c = t.connect();
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ((*c)->socket().subprotocol(), "v5.channel.k8s.io");
  ASSERT_TRUE((*c)->socket().send(std::string("\x04{\"Width\":100,\"Height\":30}", 26)));
  auto ev = (*c)->receive(5s);
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->kind, WebSocketEvent::Kind::kMessage);
  EXPECT_TRUE(ev->binary);
  EXPECT_EQ(ev->data, std::string("\x04{\"Width\":100,\"Height\":30}", 26));
  // Fragments are one message to the server (it echoes the whole).
  ASSERT_TRUE((*c)->socket().send_fragmented({std::string("\x00" "ab", 3), "cd", "", "ef"}));
  ev = (*c)->receive(5s);
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->data, std::string("\x00" "abcdef", 7));
  ASSERT_TRUE((*c)->socket().send("text \xC3\xA9", false));
  ev = (*c)->receive(5s);
  ASSERT_TRUE(ev);
  EXPECT_FALSE(ev->binary);
  EXPECT_EQ(ev->data, "text \xC3\xA9");
  ASSERT_TRUE((*c)->socket().ping("12345"));
  ev = (*c)->receive(5s);
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->kind, WebSocketEvent::Kind::kPong);
  EXPECT_EQ(ev->data, "12345");
  // A 3 MB message (many TLS records, several reads) arrives intact.
  std::string big(3 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7);
  ASSERT_TRUE((*c)->socket().send(big));
  ev = (*c)->receive(10s);
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->kind, WebSocketEvent::Kind::kClose);  // over max_message_bytes (1 MB)
  EXPECT_EQ(ev->code, 1009);
}

TEST(WebSocketClient, CloseCodesBothWays) {
  TlsEcho t;
  {
    auto c = t.connect();
    ASSERT_TRUE(c) << c.error().message();
    ASSERT_TRUE((*c)->socket().send("close:4001"));
    auto ev = (*c)->receive(5s);
    ASSERT_TRUE(ev);
    EXPECT_EQ(ev->kind, WebSocketEvent::Kind::kClose);
    EXPECT_EQ(ev->code, 4001);
    EXPECT_EQ(ev->data, "bye");
    EXPECT_FALSE((*c)->socket().send("late"));
    EXPECT_FALSE((*c)->socket().open());
  }
  t.echo->wait_closes(1);
  EXPECT_EQ(t.echo->last_close_code, 4001);  // the client's echo
  {
    auto c = t.connect();
    ASSERT_TRUE(c);
    (*c)->socket().close(1000);
    auto ev = (*c)->receive(5s);
    ASSERT_TRUE(ev);
    EXPECT_EQ(ev->kind, WebSocketEvent::Kind::kClose);
    EXPECT_EQ(ev->code, 1000);
  }
  t.echo->wait_closes(2);
  EXPECT_EQ(t.echo->last_close_code, 1000);
}

TEST(WebSocketClient, RefusalsAreErrors) {
  TlsEcho t;
  Response answer;
  auto c = t.connect({"v9.channel.k8s.io"}, &answer);
  ASSERT_FALSE(c);
  EXPECT_EQ(answer.status, 400);
  EXPECT_NE(c.error().message().find("upgrade refused: HTTP 400: websocket: none of the offered subprotocols"),
            std::string::npos)
      << c.error().message();
}

TEST(WebSocketClient, SendsFromManyThreadsInOrder) {
  TlsEcho t;
  auto c = t.connect();
  ASSERT_TRUE(c);
  std::vector<std::thread> threads;
  for (int k = 0; k < 4; ++k)
    threads.emplace_back([&, k] {
      for (int i = 0; i < 200; ++i) (*c)->socket().send(std::to_string(k) + ":" + std::to_string(i));
    });
  for (auto& th : threads) th.join();
  int next[4] = {0, 0, 0, 0};
  for (int n = 0; n < 800; ++n) {
    auto ev = (*c)->receive(5s);
    ASSERT_TRUE(ev && ev->kind == WebSocketEvent::Kind::kMessage) << n;
    int k = ev->data[0] - '0';
    EXPECT_EQ(ev->data.substr(2), std::to_string(next[k]++));
  }
}

TEST(WebSocketClient, ServerStopEndsSessions) {
  TlsEcho t;
  auto c = t.connect();
  ASSERT_TRUE(c);
  auto handle = (*c)->shared_socket();
  t.echo->server->stop();
  auto ev = (*c)->receive(5s);
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->kind, WebSocketEvent::Kind::kClose);
  EXPECT_EQ(ev->code, 1006);
  EXPECT_EQ(t.echo->closes, 1);
  EXPECT_EQ(t.echo->last_close_code, 1006);
  EXPECT_FALSE(handle->send("x"));
}

}  // namespace
}  // namespace v6k::http
