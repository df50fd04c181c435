// Internal to src/http: what the three clients (send_request, KeepAliveClient,
// WebSocketClient) share: the dial target of a host and port, and Boost error codes as
// errno-style Errors.
#pragma once

#include <boost/system/error_code.hpp>

#include <cstdint>
#include <string>

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

}  // namespace v6k::http::internal
