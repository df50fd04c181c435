// Internal to src/http: conversions between Beast messages and our Request/Response
// values, listen-address parsing, and the `Date` header. Other modules must not include
// this (it pulls in Beast); it is separate so the fuzz target can drive the exact code
// the server runs.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <string>
#include <string_view>

#include "common/result.h"
#include "http/message.h"

namespace v6k::http::internal {

namespace beast_http = boost::beast::http;
using BeastRequest = beast_http::request<beast_http::string_body>;
using BeastResponse = beast_http::response<beast_http::string_body>;
using Endpoint = boost::asio::ip::tcp::endpoint;

// "127.0.0.1:4566" or "[::1]:0" -> endpoint. Host names are refused (bind is explicit).
Result<Endpoint> parse_listen(std::string_view s);
// The inverse: "127.0.0.1:4566", "[::1]:4566".
std::string format_endpoint(const Endpoint& ep);

// Moves a parsed Beast request into our value (names lower-cased, path/query split).
Request to_request(BeastRequest&& in, std::string remote);

// Builds the wire response for `r` answering a request of `version` (10/11).
// `head`: keep Content-Length, send no body. `keep_alive`: what the connection will do.
// Invalid handler output (bad status, header names or values with CR/LF) becomes a 500.
BeastResponse to_beast(Response&& r, unsigned version, bool head, bool keep_alive,
                       std::string_view server_name);

// True when the handler asked the server to close the connection after this response.
bool wants_close(const Response& r);

// The current time as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), cached per second.
std::string_view http_date();

// Builds a Beast request for the client (adds Host and Content-Length when absent).
BeastRequest to_beast(const Request& r, std::string_view host_header);
// Copies a client-side Beast response into our value.
Response to_response(beast_http::response<beast_http::string_body>&& in);

}  // namespace v6k::http::internal
