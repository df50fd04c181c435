// fuzz_http_request: arbitrary bytes through the server's exact request path — Beast's
// request parser with our limits, our conversion to Request, and a response built back
// for it — plus the listen-address parser and percent_decode. Invariants: no crash, and
// what we report matches what we were given (path + "?" + query == target, lower-case
// header names, body within the limit).
#include <boost/beast/http/parser.hpp>

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "http/internal/wire.h"

namespace bhttp = boost::beast::http;
using namespace v6k::http;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  constexpr size_t kBodyLimit = 1024;

  (void)internal::parse_listen(in.substr(0, 64));
  if (auto d = percent_decode(in.substr(0, 256)); d && d->size() > 256) std::abort();

  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(64 * 1024);
  parser.body_limit(kBodyLimit);
  parser.eager(true);
  boost::system::error_code ec;
  size_t off = 0;
  while (off < in.size() && !parser.is_done()) {
    size_t used = parser.put(boost::asio::buffer(in.data() + off, in.size() - off), ec);
    if (ec == bhttp::error::need_more) {
      ec = {};
      if (used == 0) break;
    }
    if (ec) return 0;
    off += used;
  }
  if (!parser.is_done()) return 0;
  const bool head = parser.get().method() == bhttp::verb::head;
  const unsigned version = parser.get().version();
  Request req = internal::to_request(parser.release(), "127.0.0.1:1");
  if (req.body.size() > kBodyLimit) std::abort();
  std::string joined = req.query.empty() && req.target.find('?') == std::string::npos
                           ? req.path
                           : req.path + "?" + req.query;
  if (joined != req.target) std::abort();
  for (const auto& [name, value] : req.headers) {
    for (char c : name)
      if (c >= 'A' && c <= 'Z') std::abort();
  }
  Response resp = Response::text(200, req.body);
  for (const auto& h : req.headers) resp.headers.push_back(h);  // echo untrusted headers
  auto wire = internal::to_beast(std::move(resp), version, head, true, "v6k");
  (void)wire;
  return 0;
}
