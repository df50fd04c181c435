// rest-json (EKS) error responses as botocore parses them: the code comes from the
// x-amzn-ErrorType header, the text from the body's "message".
//
//   return aws::json_error(404, "ResourceNotFoundException", "No cluster found for name: x.", rid);
#pragma once

#include <string_view>

#include "http/message.h"

namespace v6k::aws {

// Headers x-amzn-ErrorType: code, x-amzn-RequestId: id, content-type: application/json;
// body {"message":"..."}.
http::Response json_error(int status, std::string_view code, std::string_view message,
                          std::string_view request_id);

}  // namespace v6k::aws
