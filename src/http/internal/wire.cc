#include "http/internal/wire.h"
#include "http/internal/stream.h"

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <ctime>

namespace v6k::http::internal {
namespace {

// Beast 1.74 speaks boost::string_view; we speak std::string_view.
boost::beast::string_view bsv(std::string_view s) { return {s.data(), s.size()}; }
std::string_view ssv(boost::beast::string_view s) { return {s.data(), s.size()}; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// RFC 9110 token characters (header names).
bool is_token(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

bool is_field_value(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

bool body_forbidden(int status) { return status < 200 || status == 204 || status == 304; }

BeastResponse internal_error(unsigned version, std::string_view server_name) {
  BeastResponse out{beast_http::status::internal_server_error, version};
  out.set(beast_http::field::server, bsv(server_name));
  out.set(beast_http::field::date, bsv(http_date()));
  out.set(beast_http::field::content_type, "text/plain; charset=utf-8");
  out.body() = "internal error: invalid response from handler\n";
  out.content_length(out.body().size());
  out.keep_alive(false);
  return out;
}

}  // namespace

Result<Endpoint> parse_listen(std::string_view s) {
  std::string_view host, port;
  if (!s.empty() && s.front() == '[') {
    auto close = s.find(']');
    if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':')
      return fail_invalid("listen address \"" + std::string(s) + "\": expected [v6addr]:port");
    host = s.substr(1, close - 1);
    port = s.substr(close + 2);
  } else {
    auto colon = s.rfind(':');
    if (colon == std::string_view::npos || s.find(':') != colon)
      return fail_invalid("listen address \"" + std::string(s) + "\": expected host:port");
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
  }
  unsigned p = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || p > 65535)
    return fail_invalid("listen address \"" + std::string(s) + "\": bad port");
  boost::system::error_code aec;
  auto addr = boost::asio::ip::make_address(std::string(host), aec);
  if (aec || (addr.is_v4() && s.front() == '['))
    return fail_invalid("listen address \"" + std::string(s) + "\": bad IP address");
  return Endpoint(addr, static_cast<uint16_t>(p));
}

std::string format_endpoint(const Endpoint& ep) {
  std::string port = std::to_string(ep.port());
  if (ep.address().is_v6()) return "[" + ep.address().to_string() + "]:" + port;
  return ep.address().to_string() + ":" + port;
}

Request to_request(BeastRequest&& in, std::string remote) {
  Request r;
  r.method = std::string(ssv(in.method_string()));
  r.target = std::string(ssv(in.target()));
  auto q = r.target.find('?');
  r.path = r.target.substr(0, q);
  if (q != std::string::npos) r.query = r.target.substr(q + 1);
  r.headers.reserve(std::distance(in.begin(), in.end()));
  for (const auto& f : in) r.headers.emplace_back(lower(ssv(f.name_string())), std::string(ssv(f.value())));
  r.body = std::move(in.body());
  r.remote = std::move(remote);
  return r;
}

bool wants_close(const Response& r) {
  auto c = r.header("connection");
  return c && lower(*c).find("close") != std::string::npos;
}

BeastResponse to_beast(Response&& r, unsigned version, bool head, bool keep_alive,
                       std::string_view server_name) {
  if (r.status < 100 || r.status > 999) return internal_error(version, server_name);
  BeastResponse out;
  out.version(version);
  out.result(static_cast<unsigned>(r.status));
  bool have_server = false, have_date = false;
  std::string_view head_length;  // a handler-given Content-Length for HEAD
  for (const auto& [name, value] : r.headers) {
    if (!is_token(name) || !is_field_value(value)) return internal_error(version, server_name);
    std::string key = lower(name);
    if (key == "content-length") {
      if (head) head_length = value;
      continue;  // otherwise ours, from the body
    }
    if (key == "transfer-encoding" || key == "connection") continue;  // the server's business
    have_server |= key == "server";
    have_date |= key == "date";
    // Known fields go out in their canonical spelling ("Content-Type"); others as given.
    if (auto f = beast_http::string_to_field(bsv(key)); f != beast_http::field::unknown)
      out.insert(f, bsv(value));
    else
      out.insert(bsv(name), bsv(value));
  }
  if (!have_server) out.set(beast_http::field::server, bsv(server_name));
  if (!have_date) out.set(beast_http::field::date, bsv(http_date()));
  out.keep_alive(keep_alive);
  if (body_forbidden(r.status)) return out;  // no body, no Content-Length
  if (head) {
    if (!head_length.empty() && r.body.empty())
      out.set(beast_http::field::content_length, bsv(head_length));
    else
      out.content_length(r.body.size());
    return out;  // the body is not sent
  }
  out.body() = std::move(r.body);
  out.content_length(out.body().size());
  return out;
}

std::string_view http_date() {
  thread_local std::time_t cached_at = 0;
  thread_local char buf[64] = {};
  std::time_t now = std::time(nullptr);
  if (now != cached_at) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    cached_at = now;
  }
  return buf;
}

BeastRequest to_beast(const Request& r, std::string_view host_header) {
  BeastRequest out;
  out.version(11);
  out.method_string(bsv(r.method.empty() ? std::string_view("GET") : std::string_view(r.method)));
  if (!r.target.empty())
    out.target(bsv(r.target));
  else
    out.target(bsv((r.path.empty() ? "/" : r.path) + (r.query.empty() ? "" : "?" + r.query)));
  bool have_host = false, have_length = false;
  for (const auto& [name, value] : r.headers) {
    std::string key = lower(name);
    have_host |= key == "host";
    have_length |= key == "content-length" || key == "transfer-encoding";
    out.insert(bsv(name), bsv(value));
  }
  if (!have_host) out.set(beast_http::field::host, bsv(host_header));
  out.body() = r.body;
  if (!have_length && (!r.body.empty() || r.method == "POST" || r.method == "PUT" ||
                       r.method == "PATCH"))
    out.content_length(r.body.size());
  return out;
}

Response to_response(beast_http::response<beast_http::string_body>&& in) {
  Response r;
  r.status = static_cast<int>(in.result_int());
  for (const auto& f : in) r.headers.emplace_back(lower(ssv(f.name_string())), std::string(ssv(f.value())));
  r.body = std::move(in.body());
  return r;
}

}  // namespace v6k::http::internal

namespace v6k::http::internal {

std::string frame_chunk(std::string_view data) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string size;
  for (size_t n = data.size(); n; n >>= 4) size.insert(size.begin(), kHex[n & 15]);
  if (size.empty()) size = "0";
  std::string out;
  out.reserve(size.size() + data.size() + 4);
  out.append(size).append("\r\n").append(data).append("\r\n");
  return out;
}

}  // namespace v6k::http::internal
