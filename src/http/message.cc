#include "http/message.h"

#include <algorithm>
#include <cctype>

namespace v6k::http {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::optional<std::string_view> find_header(const Headers& hs, std::string_view name) {
  for (const auto& [k, v] : hs) {
    if (iequals(k, name)) return std::string_view(v);
  }
  return std::nullopt;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string_view> Request::header(std::string_view name) const {
  return find_header(headers, name);
}

std::optional<std::string_view> Response::header(std::string_view name) const {
  return find_header(headers, name);
}

Response Response::text(int status, std::string body, std::string content_type) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.headers.emplace_back("content-type", std::move(content_type));
  return r;
}

Response Response::streaming(int status, std::string content_type,
                             std::function<void(std::shared_ptr<BodyStream>)> producer) {
  Response r;
  r.status = status;
  r.headers.emplace_back("content-type", std::move(content_type));
  r.stream = std::move(producer);
  return r;
}

Response& Response::set(std::string name, std::string value) {
  name = lower(std::move(name));
  auto it = std::find_if(headers.begin(), headers.end(),
                         [&](const auto& h) { return iequals(h.first, name); });
  if (it == headers.end()) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  it->second = std::move(value);
  // Drop any later duplicates so the header has exactly one value.
  auto rest = std::remove_if(std::next(it), headers.end(),
                             [&](const auto& h) { return iequals(h.first, name); });
  headers.erase(rest, headers.end());
  return *this;
}

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;  // needs two hex digits after '%'
    int hi = hex_value(s[i + 1]);
    int lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

}  // namespace v6k::http
