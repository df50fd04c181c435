// Verifying `aws eks get-token` bearer tokens, as aws-iam-authenticator does, plus the
// signature itself (no STS is reachable here, so the presigned GetCallerIdentity URL is
// checked by recomputing its SigV4 signature with the access key's secret).
//
//   auto id = eks::verify_token(bearer, "my-cluster", lookup, std::chrono::system_clock::now());
//   if (!id) return unauthorized(id.error().message);   // the API server answers 401
//   // id->arn == "arn:aws:iam::123456789012:user/v6k-admin", id->account_id == "123456789012"
//
// A token is "k8s-aws-v1." + base64url(https://sts.<region>.amazonaws.com/?Action=
// GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=…&X-Amz-Credential=…&X-Amz-Date=…
// &X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&X-Amz-Signature=…) with the
// header x-k8s-aws-id: <cluster name> signed. Checks, in order: size (≤ 4096), prefix,
// base64url, https + STS host + path "/", only the allowed query keys and each once,
// Action=GetCallerIdentity, x-k8s-aws-id signed, X-Amz-Date within 15 minutes (the
// authenticator's window; X-Amz-Expires is not what bounds it), then SigV4 (credential
// scope service "sts", the host's region) with the x-k8s-aws-id header set to THIS
// cluster's name — a token minted for another cluster therefore fails the signature.
#pragma once

#include <chrono>
#include <expected>
#include <string>
#include <string_view>

#include "aws/sigv4.h"

namespace v6k::eks {

inline constexpr size_t kMaxTokenBytes = 4096;

enum class TokenError {
  kMalformed,          // size, prefix, encoding, URL, query shape, action, signed headers
  kExpired,            // X-Amz-Date more than 15 minutes away from now
  kUnknownKey,         // the access key id is not one of the region's
  kSignatureMismatch,  // altered, or minted for another cluster
};

struct TokenFailure {
  TokenError code;
  std::string message;
};

struct TokenIdentity {
  std::string arn;         // the principal ("arn:aws:iam::123456789012:user/v6k-admin")
  std::string account_id;  // "123456789012"
  std::string access_key_id;
};

std::expected<TokenIdentity, TokenFailure> verify_token(std::string_view token, std::string_view cluster_name,
                                                        const aws::CredentialLookup& lookup,
                                                        std::chrono::system_clock::time_point now);

// The presigned URL inside a token (prefix and base64url removed), or why not. Exposed
// for the fuzzer and tests.
std::expected<std::string, TokenFailure> token_url(std::string_view token);

}  // namespace v6k::eks
