// KeepAliveClient: one persistent connection, Beast's async operations run to completion
// on a private io_context by the calling thread (so beast::tcp_stream's timer gives every
// step a deadline). cancel() posts to that io_context, so the cancellation runs on the
// calling thread inside its run() and never races the operation it aborts.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/buffer_traits.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <openssl/ssl.h>

#include <atomic>
#include <cctype>
#include <limits>

#include "http/client.h"
#include "http/internal/client_util.h"
#include "http/internal/tls.h"
#include "http/internal/wire.h"

namespace v6k::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;
using boost::system::error_code;

struct KeepAliveClient::Impl {
  KeepAliveOptions opts;
  std::string name;       // host as the resolver and certificate check want it
  std::string authority;  // Host header
  asio::io_context ioc{1};
  std::unique_ptr<asio::ssl::context> ssl_ctx;
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;
  std::atomic<bool> cancelled{false};
  error_code ec;
  std::chrono::steady_clock::time_point last_used;

  explicit Impl(KeepAliveOptions o) : opts(std::move(o)) {
    auto t = internal::dial_target(opts.host, opts.port);
    name = std::move(t.name);
    authority = std::move(t.authority);
  }

  bool open() const { return plain || secure; }
  beast::tcp_stream& tcp() { return secure ? beast::get_lowest_layer(*secure) : *plain; }

  template <class F>
  auto with_stream(F&& f) {
    if (secure) return f(*secure);
    return f(*plain);
  }

  // Runs one async operation to completion on this thread.
  template <class Start>
  bool step(Start&& start) {
    ec = {};
    if (cancelled.load()) {
      ec = asio::error::operation_aborted;
      return false;
    }
    start();
    ioc.restart();
    ioc.run();
    if (!ec && cancelled.load()) ec = asio::error::operation_aborted;
    return !ec;
  }

  void close() {
    if (!open()) return;
    error_code ignored;
    tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp().socket().close(ignored);
    secure.reset();
    plain.reset();
    buffer.clear();
  }

  Result<void> connect() {
    const std::string what = "connecting to " + authority;
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(name, std::to_string(opts.port), tcp::resolver::numeric_service, ec);
    if (ec) return fail(internal::client_error(ec, "resolving " + name).wrap(what));
    if (opts.tls) {
      if (!ssl_ctx) {
        auto ctx = internal::make_client_context(*opts.tls);
        if (!ctx) return fail(std::move(ctx.error()).wrap(what));
        ssl_ctx = std::move(*ctx);
      }
      secure = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(ioc, *ssl_ctx);
      secure->set_verify_callback(asio::ssl::host_name_verification(name));
      error_code not_ip;
      asio::ip::make_address(name, not_ip);
      if (not_ip && !SSL_set_tlsext_host_name(secure->native_handle(), name.c_str())) {
        secure.reset();
        return fail(Error::invalid("setting SNI " + name).wrap(what));
      }
    } else {
      plain = std::make_unique<beast::tcp_stream>(ioc);
    }
    tcp().expires_after(opts.connect_timeout);
    if (!step([&] { tcp().async_connect(results, [this](error_code e, const tcp::endpoint&) { ec = e; }); })) {
      auto err = internal::client_error(ec, "connect");
      close();
      return fail(std::move(err).wrap(what));
    }
    tcp().socket().set_option(tcp::no_delay(true), ec);
    if (secure) {
      if (!step([&] { secure->async_handshake(asio::ssl::stream_base::client, [this](error_code e) { ec = e; }); })) {
        auto err = internal::client_error(ec, "TLS handshake");
        close();
        return fail(std::move(err).wrap(what));
      }
    }
    return {};
  }

  Result<internal::BeastRequest> build(const Request& req, const std::string& what) {
    try {
      auto out = internal::to_beast(req, authority);
      out.keep_alive(true);
      return out;
    } catch (const std::exception& e) {  // Beast refuses oversized or malformed fields
      return fail(Error::invalid(std::string("building request: ") + e.what()).wrap(what));
    }
  }

  // One attempt of send(); `retryable` is set when it failed before any response byte on
  // a connection that had been used before.
  Result<Response> attempt(const internal::BeastRequest& out, std::chrono::milliseconds timeout,
                           const std::string& what, bool& retryable) {
    retryable = false;
    if (open() && std::chrono::steady_clock::now() - last_used > opts.idle_reuse_limit) close();
    const bool reused = open();
    const auto m = out.method();
    const bool idempotent = m == bhttp::verb::get || m == bhttp::verb::head || m == bhttp::verb::put ||
                            m == bhttp::verb::delete_ || m == bhttp::verb::options;
    if (!reused) V6K_TRY(connect(), what);
    tcp().expires_after(timeout);
    bool wrote = with_stream([&](auto& s) {
      return step([&] { bhttp::async_write(s, out, [this](error_code e, size_t) { ec = e; }); });
    });
    if (!wrote) {
      retryable = reused && !cancelled.load() && ec != beast::error::timeout;
      auto err = internal::client_error(ec, "sending");
      close();
      return fail(std::move(err).wrap(what));
    }
    bhttp::response_parser<bhttp::string_body> parser;
    parser.header_limit(1 << 20);
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    if (out.method() == bhttp::verb::head) parser.skip(true);
    bool read = with_stream([&](auto& s) {
      return step([&] { bhttp::async_read(s, buffer, parser, [this](error_code e, size_t) { ec = e; }); });
    });
    if (!read) {
      retryable = reused && idempotent && !parser.got_some() && !cancelled.load() && ec != beast::error::timeout;
      auto err = internal::client_error(ec, "reading the response");
      close();
      return fail(std::move(err).wrap(what));
    }
    const bool keep = parser.get().keep_alive();
    Response resp = internal::to_response(parser.release());
    if (!keep) close();
    last_used = std::chrono::steady_clock::now();
    return resp;
  }
};

KeepAliveClient::KeepAliveClient(KeepAliveOptions opts) : impl_(std::make_unique<Impl>(std::move(opts))) {}

KeepAliveClient::~KeepAliveClient() { impl_->close(); }

bool KeepAliveClient::connected() const { return impl_->open(); }

void KeepAliveClient::cancel() {
  impl_->cancelled.store(true);
  Impl* impl = impl_.get();
  asio::post(impl->ioc, [impl] {
    if (impl->open()) impl->tcp().cancel();
  });
}

Result<Response> KeepAliveClient::send(const Request& req, std::chrono::milliseconds timeout) {
  const std::string what = req.method + " " + (impl_->opts.tls ? "https://" : "http://") +
                           impl_->authority + req.target;
  auto out = impl_->build(req, what);
  if (!out) return fail(std::move(out.error()));
  bool retryable = false;
  auto r = impl_->attempt(*out, timeout, what, retryable);
  if (!r && retryable) r = impl_->attempt(*out, timeout, what, retryable);
  return r;
}

Result<Response> KeepAliveClient::stream(const Request& req,
                                         const std::function<bool(std::string_view)>& on_body,
                                         std::chrono::milliseconds idle_timeout) {
  Impl& im = *impl_;
  const std::string what = req.method + " " + (im.opts.tls ? "https://" : "http://") + im.authority + req.target;
  auto out = im.build(req, what);
  if (!out) return fail(std::move(out.error()));
  // A stream owns its connection from start to end: open a fresh one.
  im.close();
  V6K_TRY(im.connect(), what);
  struct Closer {
    Impl& im;
    ~Closer() { im.close(); }
  } closer{im};

  im.tcp().expires_after(idle_timeout);
  bool wrote = im.with_stream([&](auto& s) {
    return im.step([&] { bhttp::async_write(s, *out, [&im](error_code e, size_t) { im.ec = e; }); });
  });
  if (!wrote) return fail(internal::client_error(im.ec, "sending").wrap(what));

  bhttp::response_parser<bhttp::buffer_body> parser;
  parser.header_limit(1 << 20);
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  bool head = im.with_stream([&](auto& s) {
    return im.step([&] { bhttp::async_read_header(s, im.buffer, parser, [&im](error_code e, size_t) { im.ec = e; }); });
  });
  if (!head) return fail(internal::client_error(im.ec, "reading the response header").wrap(what));

  Response resp;
  resp.status = static_cast<int>(parser.get().result_int());
  for (const auto& f : parser.get()) {
    std::string n(f.name_string());
    for (auto& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    resp.headers.emplace_back(std::move(n), std::string(f.value()));
  }
  const bool ok = resp.status >= 200 && resp.status < 300;
  std::string buf(64 * 1024, '\0');
  while (!parser.is_done()) {
    parser.get().body().data = buf.data();
    parser.get().body().size = buf.size();
    im.tcp().expires_after(idle_timeout);
    im.with_stream([&](auto& s) {
      return im.step([&] { bhttp::async_read_some(s, im.buffer, parser, [&im](error_code e, size_t) { im.ec = e; }); });
    });
    if (im.ec == bhttp::error::need_buffer) im.ec = {};
    const size_t got = buf.size() - parser.get().body().size;
    if (got > 0) {
      std::string_view piece(buf.data(), got);
      if (!ok) {
        resp.body.append(piece);
      } else if (!on_body(piece)) {
        return resp;
      }
    }
    if (im.ec) {
      if (im.ec == bhttp::error::end_of_stream || im.ec == bhttp::error::partial_message) break;
      return fail(internal::client_error(im.ec, "reading the response body").wrap(what));
    }
  }
  return resp;
}

}  // namespace v6k::http
