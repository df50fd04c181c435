// SigV4 building blocks (hashing, canonical request, signing key) and the signer.
// Canonicalisation follows botocore's SigV4Auth, the client we must accept: the path is
// dot-segment-normalised (consecutive slashes collapsed) then URI-encoded again (AWS's
// "double encoding" for every service but S3); query pairs are decoded, re-encoded with
// the RFC 3986 unreserved set and sorted by key then value; header values are trimmed
// and inner whitespace runs collapsed, repeated headers joined with ','.
#include "aws/sigv4.h"

#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <ctime>
#include <utility>

#include "aws/sigv4_internal.h"

namespace v6k::aws {
namespace {

std::string to_hex(const unsigned char* p, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(n * 2, '\0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[p[i] >> 4];
    out[2 * i + 1] = kDigits[p[i] & 0xf];
  }
  return out;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Trimall: strip, and collapse inner whitespace runs to one space.
std::string trim_all(std::string_view v) {
  std::string out;
  bool pending_space = false;
  for (char c : v) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

namespace internal {

bool is_unreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

std::string uri_encode(std::string_view s, bool keep_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    if (is_unreserved(c) || (keep_slash && c == '/')) {
      out += c;
    } else {
      auto b = static_cast<unsigned char>(c);
      out += '%';
      out += kDigits[b >> 4];
      out += kDigits[b & 0xf];
    }
  }
  return out;
}

// botocore's utils.remove_dot_segments (RFC 3986 5.2.4 plus collapsing '//').
std::string normalize_path(std::string_view path) {
  if (path.empty()) return "/";
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view seg = path.substr(start, slash - start);
    if (seg == "..") {
      if (!out.empty()) out.pop_back();
    } else if (!seg.empty() && seg != ".") {
      out.push_back(seg);
    }
    start = slash + 1;
  }
  std::string result = path.front() == '/' ? "/" : "";
  for (size_t i = 0; i < out.size(); ++i) {
    if (i) result += '/';
    result += out[i];
  }
  if (path.back() == '/' && !out.empty()) result += '/';
  return result;
}

std::optional<std::string> decode_component(std::string_view s) {
  return http::percent_decode(s);  // '+' stays '+': SigV4 decodes exactly like a path
}

std::vector<std::pair<std::string_view, std::string_view>> split_query(std::string_view q) {
  std::vector<std::pair<std::string_view, std::string_view>> pairs;
  size_t start = 0;
  while (start <= q.size()) {
    size_t amp = q.find('&', start);
    if (amp == std::string_view::npos) amp = q.size();
    std::string_view pair = q.substr(start, amp - start);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      if (eq == std::string_view::npos) {
        pairs.emplace_back(pair, std::string_view());
      } else {
        pairs.emplace_back(pair.substr(0, eq), pair.substr(eq + 1));
      }
    }
    start = amp + 1;
  }
  return pairs;
}

std::string canonical_query(std::string_view query, bool drop_signature) {
  std::vector<std::pair<std::string, std::string>> enc;
  for (auto [k, v] : split_query(query)) {
    // A malformed escape keeps its raw bytes (the '%' is then encoded as %25): the
    // signature cannot match one computed over a well-formed query, which is the point.
    auto dk = decode_component(k);
    auto dv = decode_component(v);
    std::string key = dk ? std::move(*dk) : std::string(k);
    if (drop_signature && key == "X-Amz-Signature") continue;
    enc.emplace_back(uri_encode(key, false), uri_encode(dv ? *dv : std::string(v), false));
  }
  std::sort(enc.begin(), enc.end());
  std::string out;
  for (size_t i = 0; i < enc.size(); ++i) {
    if (i) out += '&';
    out += enc[i].first;
    out += '=';
    out += enc[i].second;
  }
  return out;
}

}  // namespace internal

namespace {
// OpenSSL 3 fetches algorithm implementations by name on every one-shot call (HMAC(),
// EVP_sha256() digests); fetching once and cloning a keyed-less template context makes
// the six HMACs and two digests of a verification ~3x cheaper.
EVP_MD* sha256_md() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  if (!md) std::abort();
  return md;
}

EVP_MAC_CTX* hmac_template() {
  static EVP_MAC_CTX* tmpl = [] {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (!mac) std::abort();
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac);  // the context holds its own reference
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
                           OSSL_PARAM_construct_end()};
    if (!ctx || EVP_MAC_CTX_set_params(ctx, params) != 1) std::abort();
    return ctx;
  }();
  return tmpl;
}

std::string raw_hmac(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  size_t len = 0;
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_dup(hmac_template());
  // Failure here means memory exhaustion inside OpenSSL: nothing sensible to return.
  if (!ctx || EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(key.data()), key.size(), nullptr) != 1 ||
      EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1 ||
      EVP_MAC_final(ctx, md, &len, sizeof md) != 1) {
    std::abort();
  }
  EVP_MAC_CTX_free(ctx);
  return std::string(reinterpret_cast<const char*>(md), len);
}
}  // namespace

std::string hex_sha256(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, sha256_md(), nullptr) != 1) std::abort();
  return to_hex(md, len);
}

std::string hex_hmac_sha256(std::string_view key, std::string_view data) {
  std::string mac = raw_hmac(key, data);
  return to_hex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
}

std::string signing_key(std::string_view secret, std::string_view date, std::string_view region,
                        std::string_view service) {
  std::string k = raw_hmac("AWS4" + std::string(secret), date);
  k = raw_hmac(k, region);
  k = raw_hmac(k, service);
  return raw_hmac(k, "aws4_request");
}

std::string canonical_request(const http::Request& r, const std::vector<std::string>& signed_headers,
                              std::string_view payload_hash, bool presigned) {
  std::string out = r.method;
  out += '\n';
  out += internal::uri_encode(internal::normalize_path(r.path), true);
  out += '\n';
  out += internal::canonical_query(r.query, presigned);
  out += '\n';
  for (const auto& name : signed_headers) {
    out += name;
    out += ':';
    bool first = true;
    for (const auto& [k, v] : r.headers) {
      if (!iequals(k, name)) continue;
      if (!first) out += ',';
      out += trim_all(v);
      first = false;
    }
    out += '\n';
  }
  out += '\n';
  for (size_t i = 0; i < signed_headers.size(); ++i) {
    if (i) out += ';';
    out += signed_headers[i];
  }
  out += '\n';
  out += payload_hash;
  return out;
}

std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request) {
  std::string out = "AWS4-HMAC-SHA256\n";
  out += amz_date;
  out += '\n';
  out += scope;
  out += '\n';
  out += hex_sha256(canonical_request);
  return out;
}

std::string amz_date(std::chrono::system_clock::time_point t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

void sign_request(http::Request& r, const Credentials& c, std::string_view region,
                  std::string_view service, std::chrono::system_clock::time_point now) {
  std::string date = amz_date(now);
  std::erase_if(r.headers, [](const auto& h) {
    return iequals(h.first, "authorization") || iequals(h.first, "x-amz-date");
  });
  r.headers.emplace_back("x-amz-date", date);
  std::vector<std::string> names;
  for (const auto& [k, v] : r.headers) {
    std::string n = k;
    for (char& ch : n) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (n == "user-agent" || n == "expect" || n == "x-amzn-trace-id" || n == "content-length") continue;
    names.push_back(std::move(n));
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::string day = date.substr(0, 8);
  std::string scope = day + "/" + std::string(region) + "/" + std::string(service) + "/aws4_request";
  std::string creq = canonical_request(r, names, hex_sha256(r.body), false);
  std::string sig = hex_hmac_sha256(signing_key(c.secret_access_key, day, region, service),
                                    string_to_sign(date, scope, creq));
  std::string joined;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) joined += ';';
    joined += names[i];
  }
  r.headers.emplace_back("authorization", "AWS4-HMAC-SHA256 Credential=" + c.access_key_id + "/" +
                                              scope + ", SignedHeaders=" + joined +
                                              ", Signature=" + sig);
}

}  // namespace v6k::aws
