// WebSocketClient: the opening handshake runs blocking on the caller's thread (one
// deadline, as send_request); the session then runs on the client's own io thread, over
// the same internal::start_websocket the server uses (client role: frames masked).
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "http/internal/client_util.h"
#include "http/internal/tls.h"
#include "http/internal/upgrade.h"
#include "http/internal/wire.h"
#include "http/internal/ws_session.h"
#include "http/websocket.h"

namespace v6k::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

std::string random_key() {
  unsigned char raw[16];
  if (RAND_bytes(raw, sizeof raw) != 1) std::fill(std::begin(raw), std::end(raw), 0x42);
  unsigned char b64[25];
  int n = EVP_EncodeBlock(b64, raw, sizeof raw);
  return std::string(reinterpret_cast<char*>(b64), static_cast<size_t>(n));
}

using Plain = beast::tcp_stream;
using Tls = beast::ssl_stream<beast::tcp_stream>;

}  // namespace

struct WebSocketClient::Impl {
  asio::io_context ioc{1};
  std::thread thread;
  std::function<bool(std::function<void()>)> post;  // onto the session's strand
  std::function<void()> abort;                      // runs there: closes the socket

  std::mutex mu;
  std::condition_variable cv;
  std::deque<WebSocketEvent> events;
  std::optional<WebSocketEvent> closed;

  void push(WebSocketEvent ev) {
    {
      std::lock_guard lock(mu);
      if (ev.kind == WebSocketEvent::Kind::kClose) closed = ev;
      events.push_back(std::move(ev));
    }
    cv.notify_all();
  }

  // Connect [+ TLS] + request + response on `stream`; then the session on the io thread.
  template <class Stream>
  Result<std::shared_ptr<WebSocket>> open(std::shared_ptr<Stream> stream, const WebSocketClientOptions& o,
                                          const std::string& name, Response* response, const std::string& what);
};

template <class Stream>
Result<std::shared_ptr<WebSocket>> WebSocketClient::Impl::open(std::shared_ptr<Stream> stream,
                                                               const WebSocketClientOptions& o, const std::string& name,
                                                               Response* response, const std::string& what) {
  if (auto c = internal::connect_stream(ioc, *stream, name, o.port, o.timeout); !c)
    return fail(std::move(c.error()).wrap(what));
  beast::tcp_stream& tcp_layer = beast::get_lowest_layer(*stream);
  error_code ec;
  auto step = [&](auto&& start) { return internal::run_step(ioc, ec, start); };
  const std::string authority = internal::dial_target(name, o.port).authority;
  bhttp::request<bhttp::empty_body> req{bhttp::verb::get, o.target, 11};
  const std::string key = random_key();
  try {
    req.set(bhttp::field::host, authority);
    req.set(bhttp::field::upgrade, "websocket");
    req.set(bhttp::field::connection, "Upgrade");
    req.set(bhttp::field::sec_websocket_key, key);
    req.set(bhttp::field::sec_websocket_version, "13");
    std::string protos;
    for (const auto& p : o.subprotocols) protos += (protos.empty() ? "" : ", ") + p;
    if (!protos.empty()) req.set(bhttp::field::sec_websocket_protocol, protos);
    for (const auto& [k, v] : o.headers) req.set(k, v);
  } catch (const std::exception& e) {
    return fail(Error::invalid(std::string("building the handshake: ") + e.what()).wrap(what));
  }
  if (!step([&] { bhttp::async_write(*stream, req, [&](error_code e, size_t) { ec = e; }); }))
    return fail(internal::client_error(ec, "sending the handshake").wrap(what));
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(1 << 20);
  if (!step([&] { bhttp::async_read(*stream, buffer, parser, [&](error_code e, size_t) { ec = e; }); }))
    return fail(internal::client_error(ec, "reading the handshake answer").wrap(what));
  Response answer = internal::to_response(parser.release());
  if (response) *response = answer;
  if (answer.status != 101)
    return fail(Error::invalid("upgrade refused: HTTP " + std::to_string(answer.status) + ": " + answer.body).wrap(what));
  if (answer.header("sec-websocket-accept").value_or("") != ws::accept_key(key))
    return fail(Error::invalid("bad Sec-WebSocket-Accept in the answer").wrap(what));
  std::string proto(answer.header("sec-websocket-protocol").value_or(""));
  if (!o.subprotocols.empty() &&
      std::find(o.subprotocols.begin(), o.subprotocols.end(), proto) == o.subprotocols.end())
    return fail(Error::invalid("the server chose subprotocol \"" + proto + "\", which was not offered").wrap(what));
  tcp_layer.expires_never();

  auto data = buffer.cdata();
  std::string buffered(static_cast<const char*>(data.data()), data.size());
  auto gate = std::make_shared<internal::PostGate>(stream->get_executor());
  auto sock = std::make_unique<internal::UpgradedSocket<Stream>>(stream, *stream, std::move(buffered), gate,
                                                                 authority);
  post = [gate](std::function<void()> fn) { return gate->post(std::move(fn)); };
  abort = [stream] { beast::get_lowest_layer(*stream).close(); };

  WebSocketHandlers handlers;
  if (o.handlers) {
    handlers = *o.handlers;
  } else {
    handlers.on_message = [this](WebSocketMessage m) {
      push({WebSocketEvent::Kind::kMessage, m.binary, std::move(m.data), 0});
    };
    handlers.on_pong = [this](std::string p) { push({WebSocketEvent::Kind::kPong, true, std::move(p), 0}); };
    handlers.on_close = [this](uint16_t code, std::string reason) {
      push({WebSocketEvent::Kind::kClose, true, std::move(reason), code});
    };
  }
  std::shared_ptr<WebSocket> ws;
  std::mutex ws_mu;
  std::condition_variable ws_cv;
  asio::post(ioc, [&, sock = std::move(sock), proto, max = o.max_message_bytes]() mutable {
    internal::start_websocket(std::move(sock), internal::WsRole::kClient, proto, max,
                              [&, handlers](std::shared_ptr<WebSocket> h) {
                                std::lock_guard lock(ws_mu);
                                ws = std::move(h);
                                ws_cv.notify_all();
                                return handlers;
                              });
  });
  ioc.restart();
  thread = std::thread([this] { ioc.run(); });
  std::unique_lock lock(ws_mu);
  ws_cv.wait(lock, [&] { return ws != nullptr; });
  return ws;
}

Result<std::unique_ptr<WebSocketClient>> WebSocketClient::connect(WebSocketClientOptions o, Response* response) {
  const internal::DialTarget target = internal::dial_target(o.host, o.port);
  const std::string& name = target.name;
  const std::string what = std::string(o.tls ? "wss://" : "ws://") + target.authority + o.target;
  auto impl = std::make_unique<Impl>();
  Result<std::shared_ptr<WebSocket>> ws;
  if (o.tls) {
    auto ctx = internal::make_client_context(*o.tls);
    if (!ctx) return fail(std::move(ctx.error()).wrap(what));
    // The context must outlive the stream: the stream's deleter owns it.
    std::shared_ptr<asio::ssl::context> shared_ctx(std::move(*ctx));
    auto* raw = new Tls(impl->ioc, *shared_ctx);
    std::shared_ptr<Tls> stream(raw, [shared_ctx](Tls* s) { delete s; });
    stream->set_verify_callback(asio::ssl::host_name_verification(name));
    error_code not_ip;
    asio::ip::make_address(name, not_ip);
    if (not_ip && !SSL_set_tlsext_host_name(stream->native_handle(), name.c_str()))
      return fail(Error::invalid("setting SNI " + name).wrap(what));
    ws = impl->open(std::move(stream), o, name, response, what);
  } else {
    ws = impl->open(std::make_shared<Plain>(impl->ioc), o, name, response, what);
  }
  if (!ws) return fail(std::move(ws.error()));
  auto c = std::unique_ptr<WebSocketClient>(new WebSocketClient(std::move(impl)));
  c->ws_ = std::move(*ws);
  return c;
}

WebSocketClient::WebSocketClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

WebSocketClient::~WebSocketClient() {
  if (impl_->post && impl_->abort) impl_->post(impl_->abort);
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::optional<WebSocketEvent> WebSocketClient::receive(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mu);
  impl_->cv.wait_for(lock, timeout, [&] { return !impl_->events.empty() || impl_->closed; });
  if (!impl_->events.empty()) {
    auto ev = std::move(impl_->events.front());
    impl_->events.pop_front();
    return ev;
  }
  return impl_->closed;
}

}  // namespace v6k::http
