// XML for the EC2 query protocol: a tiny streaming writer, the response envelope and the
// error document.
//
//   std::string body = aws::ec2_response("CreateVpc", rid, [&](aws::XmlWriter& w) {
//     w.start("vpc"); w.leaf("vpcId", "vpc-0123"); w.leaf("state", "available"); w.end();
//   });
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"

namespace v6k::aws {

inline constexpr std::string_view kEc2Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/";

class XmlWriter {
 public:
  // Opens <name>. `name` is trusted (our own element names).
  XmlWriter& start(std::string_view name);
  XmlWriter& start(std::string_view name, std::string_view xmlns);
  // Escaped character data inside the current element.
  XmlWriter& text(std::string_view value);
  // Room for `bytes` more output (large answers grow once instead of doubling).
  void reserve(size_t bytes) { out_.reserve(out_.size() + bytes); }
  // Appends trusted markup as is (the prolog; a fragment rendered earlier by a writer).
  XmlWriter& raw(std::string_view markup) {
    out_ += markup;
    return *this;
  }
  // Closes the innermost open element.
  XmlWriter& end();
  // <name>escaped value</name>
  XmlWriter& leaf(std::string_view name, std::string_view value);
  XmlWriter& leaf(std::string_view name, bool value);  // "true" / "false"
  XmlWriter& leaf(std::string_view name, long long value);
  XmlWriter& leaf(std::string_view name, const char* value) {
    return leaf(name, std::string_view(value));
  }

  // The document so far; every start() must have been ended.
  std::string take() &&;
  const std::string& str() const { return out_; }
  int depth() const { return static_cast<int>(open_.size()); }

 private:
  std::string out_;
  std::vector<std::string> open_;
};

// Escapes & < > " ' ; other control characters (not \t \n \r) become &#xN; ... except
// those XML 1.0 forbids outright, which are replaced with U+FFFD.
std::string xml_escape(std::string_view s);

// <?xml ...?>\n<{Action}Response xmlns="..."><requestId>id</requestId>{body}</{Action}Response>
std::string ec2_response(std::string_view action, std::string_view request_id,
                         const std::function<void(XmlWriter&)>& body);
// Same, as an http::Response (200, text/xml;charset=UTF-8).
http::Response ec2_ok(std::string_view action, std::string_view request_id,
                      const std::function<void(XmlWriter&)>& body);

// <?xml ...?>\n<Response><Errors><Error><Code>c</Code><Message>m</Message></Error></Errors>
// <RequestID>id</RequestID></Response>
http::Response ec2_error(int status, std::string_view code, std::string_view message,
                         std::string_view request_id);

// The aws-query (STS) error shape: <ErrorResponse xmlns=...><Error><Type>Sender</Type>
// <Code>c</Code><Message>m</Message></Error><RequestId>id</RequestId></ErrorResponse>
http::Response query_error(int status, std::string_view xmlns, std::string_view code,
                           std::string_view message, std::string_view request_id);

// 2022-01-06T12:00:00.000Z (UTC, milliseconds).
std::string iso8601(std::chrono::system_clock::time_point t);

}  // namespace v6k::aws
