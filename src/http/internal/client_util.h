// Internal to src/http: what the three clients (send_request, KeepAliveClient,
// WebSocketClient) share: the dial target of a host and port, and Boost error codes as
// errno-style Errors.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <type_traits>

#include "common/result.h"

namespace v6k::http::internal {

// The host as the resolver and certificate check want it ("[::1]" -> "::1"), and the
// Host header value ("[::1]:6443", "localhost:4566").
struct DialTarget {
  std::string name, authority;
};
DialTarget dial_target(const std::string& host, uint16_t port);

// ETIMEDOUT for a Beast timeout, ECANCELED for an aborted operation, the errno of a system
// error, else EPROTO with the error's own words.
Error client_error(const boost::system::error_code& ec, const std::string& what);

// Runs one asynchronous operation (`start` begins it; its handler stores into `ec`) to
// completion on `ioc`, which serves this one call. True when it succeeded.
template <class Start>
bool run_step(boost::asio::io_context& ioc, boost::system::error_code& ec, Start&& start) {
  ec = {};
  start();
  ioc.restart();
  ioc.run();
  return !ec;
}

// Resolves `name`, connects and, for a TLS stream, handshakes — all under one deadline set
// on the TCP layer, which the caller's later steps keep sharing. Errors name the step.
template <class Stream>
Result<> connect_stream(boost::asio::io_context& ioc, Stream& stream, const std::string& name, uint16_t port,
                        std::chrono::milliseconds timeout) {
  using boost::asio::ip::tcp;
  boost::system::error_code ec;
  tcp::resolver resolver(ioc);
  auto results = resolver.resolve(name, std::to_string(port), tcp::resolver::numeric_service, ec);
  if (ec) return fail(client_error(ec, "resolving " + name));
  auto& tcp_layer = boost::beast::get_lowest_layer(stream);
  tcp_layer.expires_after(timeout);
  if (!run_step(ioc, ec, [&] {
        tcp_layer.async_connect(results, [&](boost::system::error_code e, const tcp::endpoint&) { ec = e; });
      }))
    return fail(client_error(ec, "connecting"));
  if constexpr (!std::is_same_v<Stream, boost::beast::tcp_stream>) {
    if (!run_step(ioc, ec, [&] {
          stream.async_handshake(boost::asio::ssl::stream_base::client, [&](boost::system::error_code e) { ec = e; });
        }))
      return fail(client_error(ec, "TLS handshake"));
  }
  return {};
}

}  // namespace v6k::http::internal
