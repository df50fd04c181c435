// send_request / send_request_tls: one request on a fresh connection, blocking, with one
// deadline for connect [+ handshake] + write + read. Runs Beast's async operations on a private io_context so the
// deadline (beast::tcp_stream's timer) applies; each step runs the context to completion.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <openssl/ssl.h>

#include <limits>
#include <type_traits>

#include "http/internal/client_util.h"
#include "http/internal/tls.h"
#include "http/internal/wire.h"
#include "http/server.h"

namespace v6k::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

using internal::DialTarget;
using internal::dial_target;

// Connect [+ TLS handshake] + write + read on `stream`, which is a beast::tcp_stream or a
// beast::ssl_stream over one; every step shares the TCP layer's single deadline.
template <class Stream>
Result<Response> exchange(asio::io_context& ioc, Stream& stream, const DialTarget& t, uint16_t port,
                          const Request& req, std::chrono::milliseconds timeout,
                          const std::string& what) {
  if (auto c = internal::connect_stream(ioc, stream, t.name, port, timeout); !c)
    return fail(std::move(c.error()).wrap(what));
  beast::tcp_stream& tcp_layer = beast::get_lowest_layer(stream);
  error_code ec;
  auto step = [&](auto&& start) { return internal::run_step(ioc, ec, start); };

  internal::BeastRequest out;
  try {
    out = internal::to_beast(req, t.authority);
  } catch (const std::exception& e) {  // Beast refuses oversized or malformed fields
    return fail(Error::invalid(std::string("building request: ") + e.what()).wrap(what));
  }
  out.keep_alive(false);
  if (!step([&] { bhttp::async_write(stream, out, [&](error_code e, size_t) { ec = e; }); }))
    return fail(internal::client_error(ec, "sending").wrap(what));

  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.header_limit(1 << 20);
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  if (out.method() == bhttp::verb::head) parser.skip(true);
  if (!step([&] { bhttp::async_read(stream, buffer, parser, [&](error_code e, size_t) { ec = e; }); }))
    return fail(internal::client_error(ec, "reading the response").wrap(what));

  // No TLS close_notify exchange: the response is complete and the connection is ours
  // alone, so a TCP shutdown is enough (the server's linger handles the truncation).
  tcp_layer.socket().shutdown(tcp::socket::shutdown_both, ec);
  return internal::to_response(parser.release());
}

}  // namespace

Result<Response> send_request(const std::string& host, uint16_t port, const Request& req,
                              std::chrono::milliseconds timeout) {
  const DialTarget t = dial_target(host, port);
  const std::string what = req.method + " http://" + t.authority + req.target;
  asio::io_context ioc(1);
  beast::tcp_stream stream(ioc);
  return exchange(ioc, stream, t, port, req, timeout, what);
}

Result<Response> send_request_tls(const std::string& host, uint16_t port, const Request& req,
                                  const ClientTls& tls, std::chrono::milliseconds timeout) {
  const DialTarget t = dial_target(host, port);
  const std::string what = req.method + " https://" + t.authority + req.target;
  auto ctx = internal::make_client_context(tls);
  if (!ctx) return fail(std::move(ctx.error()).wrap(what));
  asio::io_context ioc(1);
  beast::ssl_stream<beast::tcp_stream> stream(ioc, **ctx);
  // The certificate must name what we dialled: an IP SAN for an address literal, else a
  // DNS SAN (which is also sent as SNI).
  stream.set_verify_callback(asio::ssl::host_name_verification(t.name));
  error_code not_ip;
  asio::ip::make_address(t.name, not_ip);
  const bool ip_literal = !not_ip;
  if (!ip_literal && !SSL_set_tlsext_host_name(stream.native_handle(), t.name.c_str()))
    return fail(Error::invalid("setting SNI " + t.name).wrap(what));
  return exchange(ioc, stream, t, port, req, timeout, what);
}

}  // namespace v6k::http
