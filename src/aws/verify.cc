// verify_request: the Authorization-header and presigned-query forms of SigV4.
// Checks run in the order AWS reports them: shape (IncompleteSignature), clock
// (RequestExpired), key (InvalidClientTokenId), then the signature itself.
#include <openssl/crypto.h>

#include <ctime>
#include <map>

#include "aws/sigv4.h"
#include "aws/sigv4_internal.h"

namespace v6k::aws {
namespace {

using Clock = std::chrono::system_clock;
using Fail = std::unexpected<AuthFailure>;

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view kSignatureMismatch =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";

Fail fail(AuthError e, std::string msg) { return Fail(AuthFailure{e, std::move(msg)}); }

bool all_digits(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return !s.empty();
}

// "20150830T123600Z" -> time point; nullopt when malformed.
std::optional<Clock::time_point> parse_amz_date(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z' || !all_digits(s.substr(0, 8)) ||
      !all_digits(s.substr(9, 6))) {
    return std::nullopt;
  }
  auto num = [&](size_t pos, size_t n) {
    int v = 0;
    for (size_t i = 0; i < n; ++i) v = v * 10 + (s[pos + i] - '0');
    return v;
  };
  std::tm tm{};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(4, 2) - 1;
  tm.tm_mday = num(6, 2);
  tm.tm_hour = num(9, 2);
  tm.tm_min = num(11, 2);
  tm.tm_sec = num(13, 2);
  if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 60) {
    return std::nullopt;
  }
  return Clock::from_time_t(timegm(&tm));
}

struct Scope {
  std::string access_key_id, date, region, service;
};

std::expected<Scope, AuthFailure> parse_scope(std::string_view credential) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t slash = credential.find('/', start);
    parts.push_back(credential.substr(start, slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (parts.size() != 5 || parts[0].empty() || parts[2].empty() || parts[3].empty()) {
    return fail(AuthError::kIncompleteSignature,
                "Credential should be scoped to a valid region and service: '" +
                    std::string(credential) + "'. Expected <access key>/<date>/<region>/<service>/aws4_request.");
  }
  if (parts[4] != "aws4_request") {
    return fail(AuthError::kIncompleteSignature,
                "Credential should be scoped with a valid terminator: 'aws4_request', not '" +
                    std::string(parts[4]) + "'.");
  }
  return Scope{std::string(parts[0]), std::string(parts[1]), std::string(parts[2]),
               std::string(parts[3])};
}

std::expected<std::vector<std::string>, AuthFailure> parse_signed_headers(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t semi = s.find(';', start);
    if (semi == std::string_view::npos) semi = s.size();
    std::string_view name = s.substr(start, semi - start);
    if (name.empty()) return fail(AuthError::kIncompleteSignature, "Empty name in SignedHeaders: '" + std::string(s) + "'.");
    out.emplace_back(name);
    start = semi + 1;
  }
  bool host = false;
  for (const auto& n : out) {
    for (char c : n)
      if (c >= 'A' && c <= 'Z')
        return fail(AuthError::kIncompleteSignature, "SignedHeaders must be lower case: '" + std::string(s) + "'.");
    host = host || n == "host";
  }
  if (!host) {
    return fail(AuthError::kIncompleteSignature,
                "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
  }
  return out;
}

// Everything both forms share once their parts are extracted.
struct Parts {
  std::string credential, signed_headers, signature, date;
  bool presigned = false;
  std::optional<long long> expires;  // presigned only
};

std::expected<Caller, AuthFailure> check(const http::Request& r, const Parts& p,
                                         const CredentialLookup& lookup, Clock::time_point now,
                                         const VerifyOptions& options) {
  auto scope = parse_scope(p.credential);
  if (!scope) return Fail(scope.error());
  auto names = parse_signed_headers(p.signed_headers);
  if (!names) return Fail(names.error());
  auto when = parse_amz_date(p.date);
  if (!when) {
    return fail(AuthError::kIncompleteSignature,
                "Date must be in ISO-8601 'basic format'. Got '" + p.date +
                    "'. See http://en.wikipedia.org/wiki/ISO_8601");
  }
  if (scope->date != std::string_view(p.date).substr(0, 8)) {
    return fail(AuthError::kSignatureDoesNotMatch,
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
                "from HTTP: '" + scope->date + "' != '" + p.date.substr(0, 8) + "', from 'X-Amz-Date'.");
  }
  if (p.signature.size() != 64) {
    return fail(AuthError::kIncompleteSignature, "Signature must be 64 hexadecimal characters.");
  }

  auto skew = std::chrono::duration_cast<Clock::duration>(kMaxSkew);
  if (p.presigned && !options.presigned_window_is_skew) {
    if (now > *when + std::chrono::seconds(*p.expires)) {
      return fail(AuthError::kRequestExpired, "Request has expired.");
    }
  } else if (now - *when > skew) {
    return fail(AuthError::kRequestExpired, "Signature expired: " + p.date +
                                                " is now earlier than " + amz_date(now - skew) +
                                                " (" + amz_date(now) + " - 15 min.)");
  }
  if (*when - now > skew) {
    return fail(AuthError::kRequestExpired, "Signature not yet current: " + p.date +
                                                " is still later than " + amz_date(now + skew) +
                                                " (" + amz_date(now) + " + 15 min.)");
  }

  auto creds = lookup ? lookup(scope->access_key_id) : std::nullopt;
  if (!creds) {
    return fail(AuthError::kInvalidClientTokenId,
                "The security token included in the request is invalid.");
  }
  std::string creq = canonical_request(r, *names, hex_sha256(r.body), p.presigned);
  std::string credential_scope =
      scope->date + "/" + scope->region + "/" + scope->service + "/aws4_request";
  std::string expected = hex_hmac_sha256(
      signing_key(creds->secret_access_key, scope->date, scope->region, scope->service),
      string_to_sign(p.date, credential_scope, creq));
  if (CRYPTO_memcmp(expected.data(), p.signature.data(), expected.size()) != 0) {
    return fail(AuthError::kSignatureDoesNotMatch, std::string(kSignatureMismatch));
  }
  return Caller{std::move(*creds), scope->region, scope->service};
}

std::expected<Parts, AuthFailure> header_parts(const http::Request& r, std::string_view auth) {
  std::string quoted = "Authorization=" + std::string(auth);
  size_t sp = auth.find(' ');
  std::string_view algo = auth.substr(0, sp);
  if (algo != kAlgorithm || sp == std::string_view::npos) {
    return fail(AuthError::kIncompleteSignature,
                "Unsupported AWS 'algorithm': '" + std::string(algo) + "'. " + quoted);
  }
  std::map<std::string, std::string, std::less<>> kv;
  std::string_view rest = auth.substr(sp + 1);
  size_t start = 0;
  while (start <= rest.size()) {
    size_t comma = rest.find(',', start);
    if (comma == std::string_view::npos) comma = rest.size();
    std::string_view item = rest.substr(start, comma - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    start = comma + 1;
    if (item.empty()) continue;
    size_t eq = item.find('=');
    if (eq == std::string_view::npos || !kv.emplace(item.substr(0, eq), item.substr(eq + 1)).second) {
      return fail(AuthError::kIncompleteSignature,
                  "Authorization header requires each component as key=value, once. " + quoted);
    }
  }
  std::string missing;
  for (std::string_view k : {"Credential", "Signature", "SignedHeaders"}) {
    if (!kv.contains(k)) missing += "Authorization header requires '" + std::string(k) + "' parameter. ";
  }
  auto date = r.header("x-amz-date");
  if (!date) missing += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
  if (!missing.empty()) return fail(AuthError::kIncompleteSignature, missing + quoted);
  return Parts{kv["Credential"], kv["SignedHeaders"], kv["Signature"], std::string(*date), false, {}};
}

std::expected<Parts, AuthFailure> query_parts(const http::Request& r) {
  std::map<std::string, std::string, std::less<>> kv;
  for (auto [k, v] : internal::split_query(r.query)) {
    auto dk = internal::decode_component(k);
    auto dv = internal::decode_component(v);
    if (!dk || !dv) {
      return fail(AuthError::kInvalidQuery, "The query string contains a malformed percent-escape.");
    }
    if (!kv.emplace(std::move(*dk), std::move(*dv)).second) {
      return fail(AuthError::kInvalidQuery, "The query parameter '" + std::string(k) + "' is repeated.");
    }
  }
  std::string missing;
  for (std::string_view k : {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature",
                             "X-Amz-Date", "X-Amz-SignedHeaders"}) {
    if (!kv.contains(k)) missing += (missing.empty() ? "'" : ", '") + std::string(k) + "'";
  }
  if (!missing.empty()) {
    return fail(AuthError::kIncompleteSignature,
                "AWS query-string parameters must include " + missing +
                    ". Re-examine the query-string parameters.");
  }
  if (kv["X-Amz-Algorithm"] != kAlgorithm) {
    return fail(AuthError::kIncompleteSignature,
                "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\".");
  }
  Parts p{kv["X-Amz-Credential"], kv["X-Amz-SignedHeaders"], kv["X-Amz-Signature"],
          kv["X-Amz-Date"], true, {}};
  auto it = kv.find("X-Amz-Expires");
  if (it == kv.end()) {
    p.expires = 900;  // presigned URLs without an explicit lifetime get the skew window
  } else {
    if (!all_digits(it->second) || it->second.size() > 6 || std::stoll(it->second) < 1 ||
        std::stoll(it->second) > 604800) {
      return fail(AuthError::kInvalidQuery,
                  "X-Amz-Expires must be a number of seconds between 1 and 604800, not '" +
                      it->second + "'.");
    }
    p.expires = std::stoll(it->second);
  }
  return p;
}

bool has_presigned_key(std::string_view query) {
  for (auto [k, v] : internal::split_query(query)) {
    if (k == "X-Amz-Algorithm" || k == "X-Amz-Credential" || k == "X-Amz-Signature") return true;
  }
  return false;
}

}  // namespace

std::expected<Caller, AuthFailure> verify_request(const http::Request& r,
                                                  const CredentialLookup& lookup,
                                                  Clock::time_point now,
                                                  const VerifyOptions& options) {
  auto auth = r.header("authorization");
  bool presigned = has_presigned_key(r.query);
  if (auth && presigned) {
    return fail(AuthError::kIncompleteSignature,
                "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or "
                "the Authorization header should be specified.");
  }
  if (!auth && !presigned) {
    return fail(AuthError::kMissingAuthenticationToken, "Request is missing Authentication Token");
  }
  auto parts = auth ? header_parts(r, *auth) : query_parts(r);
  if (!parts) return Fail(parts.error());
  return check(r, *parts, lookup, now, options);
}

}  // namespace v6k::aws
