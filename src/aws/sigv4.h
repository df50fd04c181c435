// AWS Signature Version 4: verify what the real aws CLI (botocore) signs, and sign
// requests ourselves (our CLI and tests talking to the daemon).
//
//   auto caller = aws::verify_request(req, lookup, std::chrono::system_clock::now());
//   if (!caller) return aws::auth_error_response(caller.error(), aws::Protocol::kEc2Query, rid);
//   // caller->credentials.account_id, caller->region, caller->service
//
// Two forms are accepted: the Authorization header ("AWS4-HMAC-SHA256 Credential=...,
// SignedHeaders=..., Signature=...") with X-Amz-Date, and the presigned query form
// (X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders,
// X-Amz-Signature), which is what `aws eks get-token` puts inside its token.
// Which AWS error code / HTTP status each failure maps to per protocol: docs/aws.md.
#pragma once

#include <chrono>
#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"

namespace v6k::aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string account_id;     // 12 digits, e.g. "000000000000"
  std::string principal_arn;  // "arn:aws:iam::000000000000:root"
};

// Returns the credentials for an access key id, or nullopt when the key is unknown.
using CredentialLookup = std::function<std::optional<Credentials>(std::string_view access_key_id)>;

enum class AuthError {
  kMissingAuthenticationToken,  // no Authorization header and no presigned query
  kIncompleteSignature,         // malformed Authorization / credential scope / missing parts
  kInvalidClientTokenId,        // access key id unknown
  kSignatureDoesNotMatch,       // recomputed signature differs
  kRequestExpired,              // X-Amz-Date skew > 15 min, or presigned URL past X-Amz-Expires
  kInvalidQuery,                // presigned query malformed (bad escapes, duplicate keys, bad expires)
};

struct AuthFailure {
  AuthError code;
  std::string message;  // worded as AWS words it
};

struct Caller {
  Credentials credentials;
  std::string region;   // from the credential scope
  std::string service;  // from the credential scope ("ec2", "eks", "sts")
};

// Wire protocol of the service answering: decides the error code string and status.
enum class Protocol { kEc2Query, kAwsQuery /* STS */, kRestJson /* EKS */ };

// Maximum clock skew (and presigned lifetime cap is X-Amz-Expires, at most 7 days).
inline constexpr std::chrono::minutes kMaxSkew{15};

struct VerifyOptions {
  // Presigned form only. false: valid from X-Amz-Date - 15 min until X-Amz-Date +
  // X-Amz-Expires (what STS does). true: X-Amz-Expires is ignored and the URL is valid
  // while |now - X-Amz-Date| <= 15 min (what aws-iam-authenticator does with EKS tokens,
  // which `aws eks get-token` presigns for 60 s but kubectl caches for 14 min).
  bool presigned_window_is_skew = false;
};

// Checks the signature and the clock. The caller checks that Caller::service and
// Caller::region are the ones it serves.
std::expected<Caller, AuthFailure> verify_request(const http::Request& r,
                                                  const CredentialLookup& lookup,
                                                  std::chrono::system_clock::time_point now,
                                                  const VerifyOptions& options = {});

// The AWS error code string for a failure in a given protocol, e.g.
// (kSignatureDoesNotMatch, kRestJson) -> "InvalidSignatureException".
std::string_view error_code(AuthError e, Protocol p);
// The HTTP status AWS answers with (see docs/aws.md for the evidence).
int http_status(AuthError e, Protocol p);
// The message in that protocol: usually f.message; EC2 uses its own fixed wording for
// bad keys/signatures ("AWS was not able to validate the provided access credentials")
// and expiry ("Request has expired.").
std::string error_message(const AuthFailure& f, Protocol p);

// --- Building blocks, exposed for tests, the EKS token verifier and the fuzzer ---

// The SigV4 canonical request. `signed_headers` are lower-case names, in the order given
// (callers pass them sorted, as SigV4 requires). For `presigned`, X-Amz-Signature is
// dropped from the canonical query. As botocore does: the raw (still encoded) path gets
// dot segments removed and "//" collapsed, then is URI-encoded again (non-S3 double
// encoding); query pairs are decoded, re-encoded (RFC 3986 unreserved) and sorted.
std::string canonical_request(const http::Request& r, const std::vector<std::string>& signed_headers,
                              std::string_view payload_hash, bool presigned);
std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request);
// Raw 32-byte key: HMAC chain "AWS4"+secret -> date -> region -> service -> "aws4_request".
std::string signing_key(std::string_view secret, std::string_view date, std::string_view region,
                        std::string_view service);
std::string hex_hmac_sha256(std::string_view key, std::string_view data);
std::string hex_sha256(std::string_view data);

// Signs in place: sets x-amz-date (and host must already be present), then Authorization
// over every header present (sorted, lower-case) and the body's SHA-256.
void sign_request(http::Request& r, const Credentials& c, std::string_view region,
                  std::string_view service, std::chrono::system_clock::time_point now);

// The error response for an auth failure in the service's protocol (EC2 XML, aws-query
// XML with `query_xmlns`, rest-json), with error_code() and http_status().
http::Response auth_error_response(const AuthFailure& f, Protocol p, std::string_view request_id,
                                   std::string_view query_xmlns = "https://sts.amazonaws.com/doc/2011-06-15/");

// "20150830T123600Z" for a time point (UTC).
std::string amz_date(std::chrono::system_clock::time_point t);

}  // namespace v6k::aws
