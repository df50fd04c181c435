#include "http/internal/client_util.h"

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>

namespace v6k::http::internal {

DialTarget dial_target(const std::string& host, uint16_t port) {
  std::string name = host;
  if (name.size() > 2 && name.front() == '[' && name.back() == ']') name = name.substr(1, name.size() - 2);
  const bool v6_literal = name.find(':') != std::string::npos;
  return {name, (v6_literal ? "[" + name + "]" : name) + ":" + std::to_string(port)};
}

Error client_error(const boost::system::error_code& ec, const std::string& what) {
  if (ec == boost::beast::error::timeout) return Error::from_errno(ETIMEDOUT, what);
  if (ec == boost::asio::error::operation_aborted) return Error::from_errno(ECANCELED, what);
  if (ec.category() == boost::system::system_category() && ec.value() != 0)
    return Error::from_errno(ec.value(), what);
  return Error::from_errno(EPROTO, what, ec.message());
}

}  // namespace v6k::http::internal
