#include "etcd/internal/http_conn.h"

#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <atomic>
#include <functional>
#include <limits>

namespace v6k::etcd::internal {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr size_t kMaxIdle = 8;

Error to_error(const error_code& ec, const std::string& what) {
  if (ec == beast::error::timeout) return Error::from_errno(ETIMEDOUT, what);
  if (ec == bhttp::error::end_of_stream || ec == asio::error::eof)
    return Error::from_errno(ECONNRESET, what, "connection closed by etcd");
  if (ec.category() == boost::system::system_category() && ec.value() != 0)
    return Error::from_errno(ec.value(), what);
  return Error::from_errno(EPROTO, what, ec.message());
}

// A failure that means "the server had closed this idle keep-alive connection": the
// request never reached it, so sending it again on a new connection is safe.
bool stale_connection(const error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe;
}

std::string authority(const Endpoint& ep) {
  const bool v6 = ep.host.find(':') != std::string::npos;
  return (v6 ? "[" + ep.host + "]" : ep.host) + ":" + std::to_string(ep.port);
}

bhttp::request<bhttp::string_body> make_post(const Endpoint& ep, const std::string& target,
                                             const std::string& body) {
  bhttp::request<bhttp::string_body> req(bhttp::verb::post, target, 11);
  req.set(bhttp::field::host, authority(ep));
  req.set(bhttp::field::content_type, "application/json");
  req.keep_alive(true);
  req.body() = body;
  req.prepare_payload();
  return req;
}

// Runs one async operation to completion on the connection's private io_context.
template <typename Start>
error_code run_step(asio::io_context& ioc, Start&& start) {
  error_code ec;
  start(ec);
  ioc.restart();
  ioc.run();
  return ec;
}

error_code connect(asio::io_context& ioc, beast::tcp_stream& stream, const Endpoint& ep) {
  error_code ec;
  tcp::resolver resolver(ioc);
  auto results = resolver.resolve(ep.host, std::to_string(ep.port),
                                  tcp::resolver::numeric_service, ec);
  if (ec) return ec;
  stream.expires_after(ep.timeout);
  ec = run_step(ioc, [&](error_code& out) {
    stream.async_connect(results, [&out](error_code e, const tcp::endpoint&) { out = e; });
  });
  if (!ec) stream.socket().set_option(tcp::no_delay(true), ec);
  return ec;
}

}  // namespace

class HttpConn {
 public:
  asio::io_context ioc{1};
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buf;
  bool reused = false;
  bool keep = true;

  // One request/response exchange; `ec` tells the caller whether a retry is safe.
  Result<HttpPool::Reply> exchange(const Endpoint& ep, const std::string& target,
                                   const std::string& body, error_code& ec) {
    auto req = make_post(ep, target, body);
    stream.expires_after(ep.timeout);
    ec = run_step(ioc, [&](error_code& out) {
      bhttp::async_write(stream, req, [&out](error_code e, size_t) { out = e; });
    });
    if (ec) return fail(to_error(ec, "sending"));
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    ec = run_step(ioc, [&](error_code& out) {
      bhttp::async_read(stream, buf, parser, [&out](error_code e, size_t) { out = e; });
    });
    if (ec) return fail(to_error(ec, "reading the reply"));
    auto res = parser.release();
    keep = res.keep_alive();
    return HttpPool::Reply{res.result_int(), std::move(res.body())};
  }
};

HttpPool::HttpPool(Endpoint ep) : ep_(std::move(ep)) {}
HttpPool::~HttpPool() = default;

std::unique_ptr<HttpConn> HttpPool::take() {
  std::lock_guard lock(mu_);
  if (idle_.empty()) return nullptr;
  auto c = std::move(idle_.back());
  idle_.pop_back();
  return c;
}

void HttpPool::give_back(std::unique_ptr<HttpConn> c) {
  std::lock_guard lock(mu_);
  if (idle_.size() < kMaxIdle) idle_.push_back(std::move(c));
}

Result<HttpPool::Reply> HttpPool::post(const std::string& target, const std::string& body) {
  const std::string what = "POST http://" + authority(ep_) + target;
  for (int attempt = 0;; ++attempt) {
    auto c = take();
    if (!c) {
      c = std::make_unique<HttpConn>();
      if (auto ec = connect(c->ioc, c->stream, ep_)) return fail(to_error(ec, "connecting").wrap(what));
    }
    error_code ec;
    auto reply = c->exchange(ep_, target, body, ec);
    if (reply) {
      c->reused = true;
      if (c->keep) give_back(std::move(c));
      return reply;
    }
    // An idle connection the server closed meanwhile: retry once on a fresh one.
    if (c->reused && stale_connection(ec) && attempt == 0) continue;
    return fail(std::move(reply.error()).wrap(what));
  }
}

struct LineStream::Impl {
  asio::io_context ioc{1};
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buf;
  std::string pending;  // body bytes not yet split into lines
  // The parser keeps a reference to its chunk callback: declared first, it outlives it.
  std::function<size_t(std::uint64_t, beast::string_view, error_code&)> on_chunk =
      [this](std::uint64_t, beast::string_view data, error_code&) {
        pending.append(data.data(), data.size());
        return data.size();
      };
  bhttp::response_parser<bhttp::string_body> parser;  // body bytes not yet split into lines
  std::atomic<bool> shut{false};
};

LineStream::LineStream(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LineStream::~LineStream() = default;

Result<std::unique_ptr<LineStream>> LineStream::open(const Endpoint& ep, const std::string& target,
                                                     const std::string& body) {
  const std::string what = "POST http://" + authority(ep) + target;
  auto impl = std::make_unique<Impl>();
  Impl& s = *impl;
  if (auto ec = connect(s.ioc, s.stream, ep)) return fail(to_error(ec, "connecting").wrap(what));
  auto req = make_post(ep, target, body);
  s.stream.expires_after(ep.timeout);
  auto ec = run_step(s.ioc, [&](error_code& out) {
    bhttp::async_write(s.stream, req, [&out](error_code e, size_t) { out = e; });
  });
  if (ec) return fail(to_error(ec, "sending").wrap(what));
  s.parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  ec = run_step(s.ioc, [&](error_code& out) {
    bhttp::async_read_header(s.stream, s.buf, s.parser, [&out](error_code e, size_t) { out = e; });
  });
  if (ec) return fail(to_error(ec, "reading the reply header").wrap(what));
  if (s.parser.get().result_int() != 200) {
    ec = run_step(s.ioc, [&](error_code& out) {
      bhttp::async_read(s.stream, s.buf, s.parser, [&out](error_code e, size_t) { out = e; });
    });
    if (ec) return fail(to_error(ec, "reading the error reply").wrap(what));
    return fail(Error::from_errno(EPROTO, what + ": HTTP " +
                                              std::to_string(s.parser.get().result_int()),
                                  s.parser.get().body().substr(0, 300)));
  }
  s.stream.expires_after(ep.timeout);  // for the first line; see no_deadline()
  s.parser.on_chunk_body(s.on_chunk);
  return std::unique_ptr<LineStream>(new LineStream(std::move(impl)));
}

Result<> LineStream::next_lines(std::vector<std::string>& out) {
  Impl& s = *impl_;
  while (true) {
    size_t start = 0;
    for (size_t nl; (nl = s.pending.find('\n', start)) != std::string::npos; start = nl + 1) {
      if (nl > start) out.emplace_back(s.pending, start, nl - start);
    }
    s.pending.erase(0, start);
    if (!out.empty()) return {};
    if (s.shut) return fail(Error::from_errno(ECANCELED, "watch stream shut down"));
    if (s.parser.is_done())
      return fail(Error::from_errno(ECONNRESET, "watch stream ended by etcd"));
    auto ec = run_step(s.ioc, [&](error_code& res) {
      bhttp::async_read_some(s.stream, s.buf, s.parser, [&res](error_code e, size_t) { res = e; });
    });
    if (s.shut) return fail(Error::from_errno(ECANCELED, "watch stream shut down"));
    if (ec) return fail(to_error(ec, "reading the watch stream"));
  }
}

void LineStream::no_deadline() { impl_->stream.expires_never(); }

void LineStream::shutdown() {
  impl_->shut = true;
  // ::shutdown on the descriptor (not the asio object, which is the reader's) wakes a
  // blocked read with EOF; safe from any thread while the socket is open.
  ::shutdown(impl_->stream.socket().native_handle(), SHUT_RDWR);
}

}  // namespace v6k::etcd::internal
