#include "http/internal/connection.h"

#include <boost/asio/dispatch.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <array>
#include <cstdio>
#include <optional>
#include <type_traits>

#include "http/internal/stream.h"
#include "http/internal/tls.h"
#include "http/internal/upgrade.h"
#include "http/internal/wire.h"

namespace v6k::http::internal {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using boost::system::error_code;

namespace {

constexpr uint32_t kHeaderLimit = 64 * 1024;
// After an error response or Connection: close we stop sending and read (discarding)
// for at most this long, so the peer sees our response instead of a reset.
constexpr auto kLingerTime = std::chrono::seconds(2);

bool is_parse_error(const error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category();
}

// Beast refuses every version but 1.0/1.1 as bad_version; a request line that is well
// formed apart from its version ("GET / HTTP/2.0") deserves 505 rather than 400.
bool is_other_http_version(std::string_view data) {
  auto eol = data.find("\r\n");
  if (eol == std::string_view::npos || eol < 9) return false;
  std::string_view v = data.substr(eol - 9, 9);  // " HTTP/d.d"
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  return v.starts_with(" HTTP/") && digit(v[6]) && v[7] == '.' && digit(v[8]) &&
         data.substr(0, eol).find(' ') < eol - 9;
}

}  // namespace

// One connection. All of its work runs on the socket's strand, one step at a time:
// [TLS handshake ->] read header [-> 100 Continue] -> read body -> handler -> write ->
// (read header | linger).
//
// Every I/O goes through `stream_`: a beast::tcp_stream for HTTP, or a
// beast::ssl_stream<beast::tcp_stream> for HTTPS. Deadlines and closing always act on
// the TCP layer (lowest()); the TLS-only steps are `if constexpr (kTls)`, so plain HTTP
// runs exactly the code it always did.
template <class Stream>
class Connection : public ConnectionBase, public std::enable_shared_from_this<Connection<Stream>> {
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

 public:
  Connection(asio::ip::tcp::socket socket, std::shared_ptr<ServerShared> shared)
      : stream_(make_stream(std::move(socket), *shared)), shared_(std::move(shared)) {
    error_code ec;
    auto ep = lowest().socket().remote_endpoint(ec);
    if (!ec) remote_ = format_endpoint(ep);
  }
  ~Connection() {
    if (stream_state_) stream_state_->close_now();
    if (upgrade_gate_) upgrade_gate_->close();
    std::lock_guard lock(shared_->mu);
    shared_->live.erase(this);
  }

  void start() {
    {
      std::lock_guard lock(shared_->mu);
      shared_->live.emplace(this, this->weak_from_this());
    }
    asio::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (kTls) {
        self->handshake();
      } else {
        self->read_header();
      }
    });
  }

  // From ServerShared::close_all (no io thread running): pending operations complete with
  // operation_aborted and the connection is released.
  void close() override {
    if (stream_state_) stream_state_->close_now();
    if (upgrade_gate_) upgrade_gate_->close();
    lowest().close();
  }

 private:
  enum class After { kNextRequest, kLinger };

  static Stream make_stream(asio::ip::tcp::socket socket, ServerShared& shared) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *shared.tls);
    } else {
      return Stream(std::move(socket));
    }
  }

  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  // TLS only: a failed handshake (wrong CA, no client certificate when one is required,
  // plain HTTP sent to an HTTPS port) just closes; there is no HTTP to answer with.
  void handshake() {
    lowest().expires_after(shared_->options.idle_timeout);
    stream_.async_handshake(asio::ssl::stream_base::server,
                            [self = this->shared_from_this()](error_code ec) {
                              if (ec) return self->lowest().close();
                              self->peer_ = peer_identity(self->stream_.native_handle());
                              self->read_header();
                            });
  }

  void read_header() {
    parser_.emplace();
    parser_->header_limit(kHeaderLimit);
    parser_->body_limit(shared_->options.max_body_bytes);
    lowest().expires_after(shared_->options.idle_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = this->shared_from_this()](error_code ec, size_t) {
                               if (ec) return self->on_read_error(ec);
                               self->on_header();
                             });
  }

  void on_header() {
    const auto& req = parser_->get();
    if (req.version() != 10 && req.version() != 11)
      return reject(bhttp::status::http_version_not_supported, "HTTP version not supported\n");
    if (parser_->is_done()) return handle();
    if (beast::iequals(req[bhttp::field::expect], "100-continue")) {
      continue_.emplace(bhttp::status::continue_, 11);
      bhttp::async_write(stream_, *continue_, [self = this->shared_from_this()](error_code ec, size_t) {
        if (ec) return self->lowest().close();
        self->read_body();
      });
      return;
    }
    read_body();
  }

  void read_body() {
    lowest().expires_after(shared_->options.idle_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = this->shared_from_this()](error_code ec, size_t) {
                        if (ec) return self->on_read_error(ec);
                        self->handle();
                      });
  }

  void on_read_error(const error_code& ec) {
    if (ec == bhttp::error::body_limit)
      return reject(bhttp::status::payload_too_large, "request body too large\n");
    if (ec == bhttp::error::bad_version) {
      auto data = buffer_.cdata();
      if (is_other_http_version({static_cast<const char*>(data.data()), data.size()}))
        return reject(bhttp::status::http_version_not_supported, "HTTP version not supported\n");
    }
    if (ec == bhttp::error::header_limit)
      return reject(bhttp::status::request_header_fields_too_large, "request header too large\n");
    if (ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message &&
        is_parse_error(ec))
      return reject(bhttp::status::bad_request, "bad request: " + ec.message() + "\n");
    // Peer closed, timed out, reset, or the server is stopping: nothing to answer.
    lowest().close();
  }

  void handle() {
    const auto& breq = parser_->get();
    const bool head = breq.method() == bhttp::verb::head;
    const unsigned version = breq.version();
    bool keep_alive = breq.keep_alive();
    Request req = to_request(parser_->release(), remote_);
    if constexpr (kTls) {
      req.client_cn = peer_.cn;
      req.client_orgs = peer_.orgs;
    }
    Response resp;
    try {
      resp = shared_->handler(req);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "v6k http: handler for %s %s threw: %s\n", req.method.c_str(),
                   req.target.c_str(), e.what());
      resp = Response::text(500, "internal error\n");
      keep_alive = false;
    } catch (...) {
      std::fprintf(stderr, "v6k http: handler for %s %s threw\n", req.method.c_str(),
                   req.target.c_str());
      resp = Response::text(500, "internal error\n");
      keep_alive = false;
    }
    if (resp.stream && !head) return start_stream(std::move(resp), version);
    if (resp.status == 101 && resp.upgrade && !head) return start_upgrade(std::move(resp), version);
    keep_alive = keep_alive && !wants_close(resp);
    res_ = to_beast(std::move(resp), version, head, keep_alive, shared_->options.server_name);
    write(res_.keep_alive() ? After::kNextRequest : After::kLinger);
  }

  // A streamed response: the header with chunked encoding, then whatever the producer
  // writes, framed as chunks, until it finishes or the stream closes. The connection
  // closes afterwards (no next request), so a raw TCP read can watch for the peer leaving
  // without ever competing with an HTTP read.
  void start_stream(Response resp, unsigned version) {
    auto producer = std::move(resp.stream);
    resp.stream = nullptr;
    resp.body.clear();
    res_ = to_beast(std::move(resp), version, false, false, shared_->options.server_name);
    const bool ok = res_.body().empty();  // else to_beast refused the headers (a 500)
    res_.erase(bhttp::field::content_length);
    res_.chunked(true);
    if (!ok) return write(After::kLinger);  // invalid headers became a 500
    stream_state_ = std::make_shared<StreamState>();
    stream_state_->max_backlog = shared_->options.max_stream_backlog;
    serializer_.emplace(res_);
    lowest().expires_never();
    bhttp::async_write_header(stream_, *serializer_, [self = this->shared_from_this(),
                                                      producer = std::move(producer)](error_code ec, size_t) {
      if (ec) {
        self->stream_state_->close_now();
        return self->lowest().close();
      }
      self->watch_peer();
      std::weak_ptr<Connection> weak = self;
      auto writer = std::make_shared<StreamWriter>(self->stream_state_, self->stream_.get_executor(),
                                                   [weak] {
                                                     if (auto c = weak.lock()) c->send_pending();
                                                   });
      try {
        producer(std::move(writer));
      } catch (const std::exception& e) {
        std::fprintf(stderr, "v6k http: stream producer threw: %s\n", e.what());
        self->stream_state_->close_now();
        self->lowest().close();
      }
    });
  }

  // A protocol upgrade: the 101 header, then the stream (and whatever the peer already
  // sent past its request) belongs to the handler's callback; no more HTTP is read.
  void start_upgrade(Response resp, unsigned version) {
    auto upgrade = std::move(resp.upgrade);
    resp.upgrade = nullptr;
    resp.body.clear();
    res_ = to_beast(std::move(resp), version, false, false, shared_->options.server_name);
    if (res_.result_int() != 101) return write(After::kLinger);  // invalid headers became a 500
    res_.set(bhttp::field::connection, "Upgrade");
    lowest().expires_after(shared_->options.idle_timeout);
    bhttp::async_write(stream_, res_, [self = this->shared_from_this(),
                                       upgrade = std::move(upgrade)](error_code ec, size_t) {
      self->res_ = {};
      if (ec) return self->lowest().close();
      self->lowest().expires_never();  // the new protocol keeps its own time
      auto data = self->buffer_.cdata();
      std::string buffered(static_cast<const char*>(data.data()), data.size());
      self->buffer_.consume(data.size());
      self->upgrade_gate_ = std::make_shared<PostGate>(self->stream_.get_executor());
      auto sock = std::make_unique<UpgradedSocket<Stream>>(self, self->stream_, std::move(buffered),
                                                           self->upgrade_gate_, self->remote_);
      try {
        upgrade(std::move(sock));
      } catch (const std::exception& e) {
        std::fprintf(stderr, "v6k http: upgrade callback threw: %s\n", e.what());
      }
    });
  }

  // On the strand: hands pending data (or the last chunk) to the socket, one write at a time.
  void send_pending() {
    if (stream_writing_) return;
    std::string data;
    bool last = false;
    {
      std::lock_guard lock(stream_state_->mu);
      if (stream_state_->closed) return lowest().close();
      data = std::move(stream_state_->pending);
      stream_state_->pending.clear();
      if (data.empty()) {
        if (!stream_state_->finishing) return;
        stream_state_->closed = true;
        last = true;
      }
    }
    stream_out_ = last ? std::string("0\r\n\r\n") : frame_chunk(data);
    stream_writing_ = true;
    asio::async_write(stream_, asio::buffer(stream_out_),
                      [self = this->shared_from_this(), last](error_code ec, size_t) {
                        self->stream_writing_ = false;
                        if (ec) {
                          self->stream_state_->close_now();
                          return self->lowest().close();
                        }
                        if (last) {
                          // Done: half-close; the peer read below ends the connection.
                          error_code ignored;
                          self->lowest().socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
                          return;
                        }
                        self->send_pending();
                      });
  }

  // While streaming, nothing more is read as HTTP: any bytes are discarded and EOF or an
  // error means the peer is gone.
  void watch_peer() {
    if (!drain_) drain_ = std::make_unique<std::array<char, 4096>>();
    lowest().socket().async_read_some(asio::buffer(*drain_), [self = this->shared_from_this()](error_code ec, size_t) {
      if (!ec) return self->watch_peer();
      self->stream_state_->close_now();
      self->lowest().close();
    });
  }

  // Answers a request we could not read, then closes.
  void reject(bhttp::status status, std::string text) {
    Response r = Response::text(static_cast<int>(status), std::move(text));
    res_ = to_beast(std::move(r), 11, false, false, shared_->options.server_name);
    write(After::kLinger);
  }

  void write(After after) {
    lowest().expires_after(shared_->options.idle_timeout);
    bhttp::async_write(stream_, res_, [self = this->shared_from_this(), after](error_code ec, size_t) {
      self->res_ = {};
      if (ec) return self->lowest().close();
      if (after == After::kNextRequest) return self->read_header();
      self->linger();
    });
  }

  void linger() {
    lowest().expires_after(kLingerTime);  // one deadline for the whole linger
    if constexpr (kTls) {
      // close_notify first (it waits for the peer's, which many clients never send);
      // then the same TCP half-close and drain as plain HTTP, below the TLS layer.
      stream_.async_shutdown([self = this->shared_from_this()](error_code) { self->drain_tcp(); });
    } else {
      drain_tcp();
    }
  }

  void drain_tcp() {
    error_code ignored;
    lowest().socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    if (!drain_) drain_ = std::make_unique<std::array<char, 4096>>();
    drain();
  }

  void drain() {
    lowest().async_read_some(asio::buffer(*drain_), [self = this->shared_from_this()](error_code ec, size_t) {
      if (ec) return self->lowest().close();
      self->drain();
    });
  }

  Stream stream_;
  std::shared_ptr<ServerShared> shared_;
  std::string remote_;
  PeerIdentity peer_;  // TLS: the verified client certificate's names, if any
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::response<bhttp::empty_body>> continue_;
  BeastResponse res_;  // lives until its write completes
  std::optional<bhttp::response_serializer<bhttp::string_body>> serializer_;  // streamed header
  std::shared_ptr<StreamState> stream_state_;  // set while a streamed response runs
  std::shared_ptr<PostGate> upgrade_gate_;      // set once the connection is upgraded
  std::string stream_out_;                      // the chunk being written
  bool stream_writing_ = false;
  std::unique_ptr<std::array<char, 4096>> drain_;
};

void ServerShared::close_all() {
  std::vector<std::shared_ptr<ConnectionBase>> conns;
  {
    std::lock_guard lock(mu);
    for (auto& [ptr, weak] : live) {
      if (auto c = weak.lock()) conns.push_back(std::move(c));
    }
  }
  for (auto& c : conns) c->close();
}

void serve(asio::ip::tcp::socket socket, std::shared_ptr<ServerShared> shared) {
  if (shared->tls) {
    using Tls = Connection<beast::ssl_stream<beast::tcp_stream>>;
    std::make_shared<Tls>(std::move(socket), std::move(shared))->start();
  } else {
    std::make_shared<Connection<beast::tcp_stream>>(std::move(socket), std::move(shared))->start();
  }
}

}  // namespace v6k::http::internal
