// rest-json error responses.
#include "aws/rest_json.h"

#include <nlohmann/json.hpp>

namespace v6k::aws {

http::Response json_error(int status, std::string_view code, std::string_view message,
                          std::string_view request_id) {
  nlohmann::json body = {{"message", std::string(message)}};
  // replace: invalid UTF-8 in a message (e.g. echoed user input) must not throw.
  http::Response r = http::Response::text(
      status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
  r.set("x-amzn-ErrorType", std::string(code));
  r.set("x-amzn-RequestId", std::string(request_id));
  return r;
}

}  // namespace v6k::aws
