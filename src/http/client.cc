// send_request: one request on a fresh connection, blocking, with one deadline for
// connect + write + read. Runs Beast's async operations on a private io_context so the
// deadline (beast::tcp_stream's timer) applies; each step runs the context to completion.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <limits>

#include "http/internal/wire.h"
#include "http/server.h"

namespace v6k::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

Error to_error(const error_code& ec, const std::string& what) {
  if (ec == beast::error::timeout) return Error::from_errno(ETIMEDOUT, what);
  if (ec.category() == boost::system::system_category() && ec.value() != 0)
    return Error::from_errno(ec.value(), what);
  return Error::from_errno(EPROTO, what, ec.message());
}

}  // namespace

Result<Response> send_request(const std::string& host, uint16_t port, const Request& req,
                              std::chrono::milliseconds timeout) {
  std::string name = host;
  if (name.size() > 2 && name.front() == '[' && name.back() == ']') name = name.substr(1, name.size() - 2);
  const bool v6_literal = name.find(':') != std::string::npos;
  const std::string authority = (v6_literal ? "[" + name + "]" : name) + ":" + std::to_string(port);
  const std::string what = req.method + " http://" + authority + req.target;

  asio::io_context ioc(1);
  error_code ec;
  tcp::resolver resolver(ioc);
  auto results = resolver.resolve(name, std::to_string(port), tcp::resolver::numeric_service, ec);
  if (ec) return fail(to_error(ec, "resolving " + name).wrap(what));

  beast::tcp_stream stream(ioc);
  stream.expires_after(timeout);  // one deadline for every step below
  auto step = [&](auto&& start) {
    ec = {};
    start();
    ioc.restart();
    ioc.run();
    return !ec;
  };
  if (!step([&] { stream.async_connect(results, [&](error_code e, const tcp::endpoint&) { ec = e; }); }))
    return fail(to_error(ec, "connecting").wrap(what));

  internal::BeastRequest out;
  try {
    out = internal::to_beast(req, authority);
  } catch (const std::exception& e) {  // Beast refuses oversized or malformed fields
    return fail(Error::invalid(std::string("building request: ") + e.what()).wrap(what));
  }
  out.keep_alive(false);
  if (!step([&] { bhttp::async_write(stream, out, [&](error_code e, size_t) { ec = e; }); }))
    return fail(to_error(ec, "sending").wrap(what));

  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.header_limit(1 << 20);
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  if (out.method() == bhttp::verb::head) parser.skip(true);
  if (!step([&] { bhttp::async_read(stream, buffer, parser, [&](error_code e, size_t) { ec = e; }); }))
    return fail(to_error(ec, "reading the response").wrap(what));

  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return internal::to_response(parser.release());
}

}  // namespace v6k::http
