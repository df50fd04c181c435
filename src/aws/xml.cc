// EC2/query XML: writer, envelopes and error documents.
#include "aws/xml.h"

#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace v6k::aws {

namespace {
// Appends s escaped to out; runs of plain bytes are copied whole, with no temporary string.
void append_escaped(std::string& out, std::string_view s) {
  size_t plain = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    auto u = static_cast<unsigned char>(s[i]);
    const char* rep = nullptr;
    switch (s[i]) {
      case '&': rep = "&amp;"; break;
      case '<': rep = "&lt;"; break;
      case '>': rep = "&gt;"; break;
      case '"': rep = "&quot;"; break;
      case '\'': rep = "&apos;"; break;
      case '\t': rep = "&#x9;"; break;
      case '\n': rep = "&#xA;"; break;
      case '\r': rep = "&#xD;"; break;
      default:
        if (u < 0x20) rep = "\xEF\xBF\xBD";
        else if (u == 0x7f) rep = "&#x7F;";
    }
    if (!rep) continue;
    out.append(s.data() + plain, i - plain);
    out += rep;
    plain = i + 1;
  }
  out.append(s.data() + plain, s.size() - plain);
}
}  // namespace

std::string xml_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  append_escaped(out, s);
  return out;
}

XmlWriter& XmlWriter::start(std::string_view name) {
  out_ += '<';
  out_ += name;
  out_ += '>';
  open_.emplace_back(name);
  return *this;
}

XmlWriter& XmlWriter::start(std::string_view name, std::string_view xmlns) {
  out_ += '<';
  out_ += name;
  out_ += " xmlns=\"";
  out_ += xml_escape(xmlns);
  out_ += "\">";
  open_.emplace_back(name);
  return *this;
}

XmlWriter& XmlWriter::text(std::string_view value) {
  append_escaped(out_, value);
  return *this;
}

XmlWriter& XmlWriter::end() {
  if (open_.empty()) std::abort();  // unbalanced end(): a bug in the caller
  out_ += "</";
  out_ += open_.back();
  out_ += '>';
  open_.pop_back();
  return *this;
}

XmlWriter& XmlWriter::leaf(std::string_view name, std::string_view value) {
  out_ += '<';
  out_ += name;
  out_ += '>';
  append_escaped(out_, value);
  out_ += "</";
  out_ += name;
  out_ += '>';
  return *this;
}

XmlWriter& XmlWriter::leaf(std::string_view name, bool value) {
  return leaf(name, std::string_view(value ? "true" : "false"));
}

XmlWriter& XmlWriter::leaf(std::string_view name, long long value) {
  return leaf(name, std::string_view(std::to_string(value)));
}

std::string XmlWriter::take() && {
  if (!open_.empty()) std::abort();  // unclosed element: a bug in the caller
  return std::move(out_);
}

namespace {
constexpr std::string_view kProlog = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

http::Response xml_response(int status, std::string body) {
  return http::Response::text(status, std::move(body), "text/xml;charset=UTF-8");
}
}  // namespace

std::string ec2_response(std::string_view action, std::string_view request_id,
                         const std::function<void(XmlWriter&)>& body) {
  XmlWriter w;
  std::string root = std::string(action) + "Response";
  w.raw(kProlog).start(root, kEc2Namespace).leaf("requestId", request_id);
  if (body) body(w);
  w.end();
  return std::move(w).take();  // no copy: a DescribeInstances answer can be megabytes
}

http::Response ec2_ok(std::string_view action, std::string_view request_id,
                      const std::function<void(XmlWriter&)>& body) {
  return xml_response(200, ec2_response(action, request_id, body));
}

http::Response ec2_error(int status, std::string_view code, std::string_view message,
                         std::string_view request_id) {
  XmlWriter w;
  w.start("Response").start("Errors").start("Error");
  w.leaf("Code", code).leaf("Message", message);
  w.end().end().leaf("RequestID", request_id).end();
  return xml_response(status, std::string(kProlog) + std::move(w).take());
}

http::Response query_error(int status, std::string_view xmlns, std::string_view code,
                           std::string_view message, std::string_view request_id) {
  XmlWriter w;
  w.start("ErrorResponse", xmlns).start("Error");
  w.leaf("Type", status >= 500 ? "Receiver" : "Sender").leaf("Code", code).leaf("Message", message);
  w.end().leaf("RequestId", request_id).end();
  return xml_response(status, std::string(kProlog) + std::move(w).take());
}

std::string iso8601(std::chrono::system_clock::time_point t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  long long secs = ms / 1000;
  long long frac = ms % 1000;
  if (frac < 0) {
    frac += 1000;
    secs -= 1;
  }
  std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03lldZ", buf, frac);
  return out;
}

}  // namespace v6k::aws
