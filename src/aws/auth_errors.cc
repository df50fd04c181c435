// How each SigV4 failure is reported per protocol. The evidence for every code, status
// and message is in docs/aws.md ("Authentication failures").
#include "aws/rest_json.h"
#include "aws/sigv4.h"
#include "aws/xml.h"

namespace v6k::aws {

std::string_view error_code(AuthError e, Protocol p) {
  switch (p) {
    case Protocol::kEc2Query:
      switch (e) {
        case AuthError::kMissingAuthenticationToken: return "MissingAuthenticationToken";
        case AuthError::kIncompleteSignature: return "IncompleteSignature";
        case AuthError::kInvalidClientTokenId: return "AuthFailure";
        case AuthError::kSignatureDoesNotMatch: return "AuthFailure";
        case AuthError::kRequestExpired: return "RequestExpired";
        case AuthError::kInvalidQuery: return "InvalidQueryParameter";
      }
      break;
    case Protocol::kAwsQuery:
      switch (e) {
        case AuthError::kMissingAuthenticationToken: return "MissingAuthenticationToken";
        case AuthError::kIncompleteSignature: return "IncompleteSignature";
        case AuthError::kInvalidClientTokenId: return "InvalidClientTokenId";
        case AuthError::kSignatureDoesNotMatch: return "SignatureDoesNotMatch";
        case AuthError::kRequestExpired: return "SignatureDoesNotMatch";  // "Signature expired: ..."
        case AuthError::kInvalidQuery: return "InvalidQueryParameter";
      }
      break;
    case Protocol::kRestJson:
      switch (e) {
        case AuthError::kMissingAuthenticationToken: return "MissingAuthenticationTokenException";
        case AuthError::kIncompleteSignature: return "IncompleteSignatureException";
        case AuthError::kInvalidClientTokenId: return "UnrecognizedClientException";
        case AuthError::kSignatureDoesNotMatch: return "InvalidSignatureException";
        case AuthError::kRequestExpired: return "InvalidSignatureException";
        case AuthError::kInvalidQuery: return "IncompleteSignatureException";
      }
      break;
  }
  return "AccessDenied";  // unreachable with valid enumerators
}

int http_status(AuthError e, Protocol p) {
  switch (p) {
    case Protocol::kEc2Query:
      switch (e) {
        case AuthError::kMissingAuthenticationToken:
        case AuthError::kInvalidClientTokenId:
        case AuthError::kSignatureDoesNotMatch: return 401;
        case AuthError::kIncompleteSignature:
        case AuthError::kRequestExpired:
        case AuthError::kInvalidQuery: return 400;
      }
      break;
    case Protocol::kAwsQuery:
      switch (e) {
        case AuthError::kIncompleteSignature:
        case AuthError::kInvalidQuery: return 400;
        default: return 403;
      }
    case Protocol::kRestJson: return 403;
  }
  return 403;
}

std::string error_message(const AuthFailure& f, Protocol p) {
  if (p == Protocol::kEc2Query) {
    switch (f.code) {
      case AuthError::kInvalidClientTokenId:
      case AuthError::kSignatureDoesNotMatch:
        return "AWS was not able to validate the provided access credentials";
      case AuthError::kRequestExpired: return "Request has expired.";
      default: break;
    }
  }
  if (p == Protocol::kRestJson && f.code == AuthError::kMissingAuthenticationToken) {
    return "Missing Authentication Token";
  }
  return f.message;
}

http::Response auth_error_response(const AuthFailure& f, Protocol p, std::string_view request_id,
                                   std::string_view query_xmlns) {
  int status = http_status(f.code, p);
  std::string_view code = error_code(f.code, p);
  std::string message = error_message(f, p);
  switch (p) {
    case Protocol::kEc2Query: return ec2_error(status, code, message, request_id);
    case Protocol::kAwsQuery: return query_error(status, query_xmlns, code, message, request_id);
    case Protocol::kRestJson: break;
  }
  return json_error(status, code, message, request_id);
}

}  // namespace v6k::aws
