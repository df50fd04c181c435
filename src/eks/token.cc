// `aws eks get-token` token verification (see token.h).
#include "eks/token.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "common/base64.h"

namespace v6k::eks {
namespace {

using Fail = std::unexpected<TokenFailure>;

constexpr std::string_view kPrefix = "k8s-aws-v1.";

Fail malformed(std::string m) { return Fail(TokenFailure{TokenError::kMalformed, std::move(m)}); }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The STS endpoint's region: sts.amazonaws.com is the global endpoint (us-east-1);
// sts.<region>.amazonaws.com(.cn) a regional one. nullopt: not an STS host.
std::optional<std::string> sts_region(std::string_view host) {
  if (host == "sts.amazonaws.com") return std::string("us-east-1");
  for (std::string_view suffix : {".amazonaws.com", ".amazonaws.com.cn"}) {
    if (host.size() <= suffix.size() + 4 || !host.ends_with(suffix) || !host.starts_with("sts.")) continue;
    std::string_view region = host.substr(4, host.size() - 4 - suffix.size());
    if (region.empty() || !std::all_of(region.begin(), region.end(), [](char c) {
          return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
        }))
      return std::nullopt;
    return std::string(region);
  }
  return std::nullopt;
}

}  // namespace

std::expected<std::string, TokenFailure> token_url(std::string_view token) {
  if (token.size() > kMaxTokenBytes) return malformed("token is too large (over 4096 bytes)");
  if (!token.starts_with(kPrefix)) return malformed("token is missing expected \"k8s-aws-v1.\" prefix");
  std::string_view body = token.substr(kPrefix.size());
  while (!body.empty() && body.back() == '=') body.remove_suffix(1);  // as the authenticator: padding tolerated
  std::string std64;
  for (char ch : body) {
    if (ch == '-') std64 += '+';
    else if (ch == '_') std64 += '/';
    else if (std::isalnum(static_cast<unsigned char>(ch))) std64 += ch;
    else return malformed("token is not base64url-encoded (character '" + std::string(1, ch) + "')");
  }
  if (std64.size() % 4 == 1) return malformed("token is not base64url-encoded (bad length)");
  while (std64.size() % 4) std64 += '=';
  auto url = base64_decode(std64);
  if (!url || url->empty()) return malformed("token is not base64url-encoded");
  return std::move(*url);
}

std::expected<TokenIdentity, TokenFailure> verify_token(std::string_view token, std::string_view cluster_name,
                                                        const aws::CredentialLookup& lookup,
                                                        std::chrono::system_clock::time_point now) {
  auto url = token_url(token);
  if (!url) return Fail(url.error());
  std::string_view u = *url;
  if (!u.starts_with("https://")) return malformed("unexpected scheme in pre-signed URL (want https)");
  u.remove_prefix(8);
  size_t path_at = u.find_first_of("/?#");
  std::string host(u.substr(0, path_at));
  auto region = sts_region(lower(host));
  if (!region) return malformed("unexpected hostname \"" + host + "\" in pre-signed URL");
  std::string_view rest = path_at == std::string_view::npos ? std::string_view() : u.substr(path_at);
  size_t q = rest.find('?');
  std::string_view path = rest.substr(0, q);
  if (path != "/") return malformed("unexpected path in pre-signed URL (want \"/\")");
  std::string query(q == std::string_view::npos ? std::string_view() : rest.substr(q + 1));
  if (query.find('#') != std::string::npos) return malformed("unexpected fragment in pre-signed URL");

  // Only the parameters a presigned GetCallerIdentity has, each exactly once.
  static const std::set<std::string> allowed = {"action", "version", "x-amz-algorithm", "x-amz-credential",
                                                "x-amz-date", "x-amz-expires", "x-amz-security-token",
                                                "x-amz-signature", "x-amz-signedheaders"};
  std::map<std::string, std::string> params;
  size_t start = 0;
  while (start <= query.size()) {
    size_t amp = query.find('&', start);
    if (amp == std::string::npos) amp = query.size();
    std::string_view pair = std::string_view(query).substr(start, amp - start);
    start = amp + 1;
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    auto key = http::percent_decode(pair.substr(0, eq));
    auto value = http::percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!key || !value) return malformed("malformed escape in pre-signed URL query");
    std::string k = lower(*key);
    if (!allowed.contains(k)) return malformed("non-whitelisted query parameter \"" + *key + "\"");
    if (!params.emplace(k, *value).second) return malformed("query parameter \"" + *key + "\" appears more than once");
  }
  if (params["action"] != "GetCallerIdentity") return malformed("unexpected action parameter in pre-signed URL");
  std::string signed_headers = lower(params["x-amz-signedheaders"]);
  bool has_id = false;
  for (size_t i = 0; i <= signed_headers.size();) {
    size_t semi = signed_headers.find(';', i);
    if (semi == std::string::npos) semi = signed_headers.size();
    if (signed_headers.substr(i, semi - i) == "x-k8s-aws-id") has_id = true;
    i = semi + 1;
  }
  if (!has_id) return malformed("client did not sign the x-k8s-aws-id header in the pre-signed URL");

  http::Request r;
  r.method = "GET";
  r.path = "/";
  r.query = query;
  r.target = "/?" + query;
  r.headers = {{"host", host}, {"x-k8s-aws-id", std::string(cluster_name)}};
  auto caller = aws::verify_request(r, lookup, now, aws::VerifyOptions{.presigned_window_is_skew = true});
  if (!caller) {
    const auto& f = caller.error();
    switch (f.code) {
      case aws::AuthError::kRequestExpired:
        return Fail(TokenFailure{TokenError::kExpired, "X-Amz-Date parameter is expired (15 minute expiration): " +
                                                           f.message});
      case aws::AuthError::kInvalidClientTokenId:
        return Fail(TokenFailure{TokenError::kUnknownKey, "unknown access key: " + f.message});
      case aws::AuthError::kSignatureDoesNotMatch:
        return Fail(TokenFailure{TokenError::kSignatureMismatch,
                                 "the token's signature does not match for cluster \"" + std::string(cluster_name) +
                                     "\" (minted for another cluster, or altered)"});
      default:
        return malformed("bad pre-signed URL: " + f.message);
    }
  }
  if (caller->service != "sts") return malformed("the pre-signed URL is not signed for sts but " + caller->service);
  if (caller->region != *region)
    return malformed("the pre-signed URL is signed for region " + caller->region + " but sent to " + host);
  return TokenIdentity{caller->credentials.principal_arn, caller->credentials.account_id,
                       caller->credentials.access_key_id};
}

}  // namespace v6k::eks
