// SigV4 against the published AWS SigV4 test-suite vectors (AKIDEXAMPLE, 20150830T123600Z,
// us-east-1, service "service"), then our signer against our verifier with tampering.
#include <gtest/gtest.h>

#include "aws/sigv4.h"

namespace v6k::aws {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;

const Credentials kExample{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "000000000000",
                           "arn:aws:iam::000000000000:root"};
constexpr std::string_view kEmptyHash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

Clock::time_point vector_time() { return Clock::from_time_t(1440938160); }  // 20150830T123600Z

CredentialLookup lookup_of(const Credentials& c) {
  return [c](std::string_view id) -> std::optional<Credentials> {
    if (id == c.access_key_id) return c;
    return std::nullopt;
  };
}

http::Request make(std::string method, std::string path, std::string query,
                   http::Headers headers = {}, std::string body = {}) {
  http::Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.query = std::move(query);
  r.target = r.path + (r.query.empty() ? "" : "?" + r.query);
  r.headers = {{"host", "example.amazonaws.com"}, {"x-amz-date", "20150830T123600Z"}};
  for (auto& h : headers) r.headers.push_back(std::move(h));
  r.body = std::move(body);
  return r;
}

struct Vector {
  const char* name;
  http::Request request;
  std::vector<std::string> signed_headers;
  const char* signature;
};

std::vector<Vector> vectors() {
  std::vector<std::string> hd = {"host", "x-amz-date"};
  std::vector<std::string> chd = {"content-type", "host", "x-amz-date"};
  return {
      {"get-vanilla", make("GET", "/", ""), hd,
       "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
      {"get-vanilla-query-order-key-case", make("GET", "/", "Param2=value2&Param1=value1"), hd,
       "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
      {"get-vanilla-empty-query-key", make("GET", "/", "Param1=value1"), hd,
       "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"},
      {"get-unreserved",
       make("GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", ""), hd,
       "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
      // The suite's request lines carry the raw characters; canonical form encodes once.
      {"get-space", make("GET", "/example space/", ""), hd,
       "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"},
      {"get-utf8", make("GET", "/\xe1\x88\xb4", ""), hd,
       "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"},
      {"post-vanilla", make("POST", "/", ""), hd,
       "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
      {"post-x-www-form-urlencoded",
       make("POST", "/", "", {{"content-type", "application/x-www-form-urlencoded"}}, "Param1=value1"),
       chd, "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"},
      // botocore sends the path already encoded and encodes it again (non-S3 double
      // encoding); signatures computed by botocore 2.9.19 for the same inputs.
      {"botocore-space-double-encoded", make("GET", "/example%20space/", ""), hd,
       "446b817944c553435b35e813c261ff4e161fff982d1bacdef1c87f6785dd1662"},
      {"botocore-utf8-double-encoded", make("GET", "/%E1%88%B4", ""), hd,
       "697b34846207a3f72246f99d74ae1ee4fe54f44bb06730c58a0d339eb079596d"},
  };
}

std::string scope() { return "20150830/us-east-1/service/aws4_request"; }

TEST(SigV4Vectors, CanonicalRequestOfGetVanilla) {
  auto r = make("GET", "/", "");
  std::string creq = canonical_request(r, {"host", "x-amz-date"}, hex_sha256(""), false);
  EXPECT_EQ(creq,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\n" + std::string(kEmptyHash));
  EXPECT_EQ(hex_sha256(creq), "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
}

TEST(SigV4Vectors, SigningKeyMatchesTheDocumentedExample) {
  std::string key = signing_key(kExample.secret_access_key, "20150830", "us-east-1", "iam");
  ASSERT_EQ(key.size(), 32u);
  EXPECT_EQ(hex_hmac_sha256(key, ""), hex_hmac_sha256(key, ""));  // deterministic
  std::string hex;
  for (unsigned char c : key) {
    static constexpr char d[] = "0123456789abcdef";
    hex += d[c >> 4];
    hex += d[c & 15];
  }
  EXPECT_EQ(hex, "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
}

TEST(SigV4Vectors, SignaturesMatchAndVerify) {
  std::string key = signing_key(kExample.secret_access_key, "20150830", "us-east-1", "service");
  for (auto& v : vectors()) {
    SCOPED_TRACE(v.name);
    std::string creq = canonical_request(v.request, v.signed_headers, hex_sha256(v.request.body), false);
    std::string sig = hex_hmac_sha256(key, string_to_sign("20150830T123600Z", scope(), creq));
    EXPECT_EQ(sig, v.signature) << creq;

    // The same request with its Authorization header verifies ...
    http::Request signed_req = v.request;
    std::string sh;
    for (auto& h : v.signed_headers) sh += (sh.empty() ? "" : ";") + h;
    signed_req.headers.emplace_back("authorization",
                                    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/" + scope() +
                                        ", SignedHeaders=" + sh + ", Signature=" + v.signature);
    auto caller = verify_request(signed_req, lookup_of(kExample), vector_time());
    ASSERT_TRUE(caller.has_value()) << caller.error().message;
    EXPECT_EQ(caller->region, "us-east-1");
    EXPECT_EQ(caller->service, "service");
    EXPECT_EQ(caller->credentials.account_id, "000000000000");

    // ... and our signer produces exactly that header.
    http::Request ours = v.request;
    sign_request(ours, kExample, "us-east-1", "service", vector_time());
    EXPECT_EQ(*ours.header("authorization"), *signed_req.header("authorization"));
  }
}

TEST(SigV4Canonical, HeaderValuesAreTrimmedAndRepeatedHeadersJoined) {
  auto r = make("GET", "/", "", {{"my-header1", "  value1  "}, {"my-header2", "\"a   b   c\""},
                                 {"my-header1", "value2"}});
  std::string creq = canonical_request(r, {"host", "my-header1", "my-header2"}, kEmptyHash, false);
  EXPECT_NE(creq.find("my-header1:value1,value2\nmy-header2:\"a b c\"\n"), std::string::npos) << creq;
}

TEST(SigV4Canonical, PathNormalisationAndQueryEncoding) {
  auto r = make("GET", "/a/./b/../c//d/", "b=%7e&a=x y&a=1&z&X-Amz-Signature=ff");
  std::string creq = canonical_request(r, {"host"}, kEmptyHash, true);
  EXPECT_EQ(creq.substr(0, creq.find("\nhost")), "GET\n/a/c/d/\na=1&a=x%20y&b=~&z=");
}

class SignerVerifier : public ::testing::Test {
 protected:
  Credentials creds{"AKIAV6K0000000000001", "s3cr3t/with+plus", "123456789012",
                    "arn:aws:iam::123456789012:root"};
  Clock::time_point now = Clock::now();
  http::Request signed_post() {
    http::Request r;
    r.method = "POST";
    r.path = "/";
    r.target = "/";
    r.headers = {{"host", "localhost:4566"},
                 {"content-type", "application/x-www-form-urlencoded; charset=utf-8"}};
    r.body = "Action=DescribeVpcs&Version=2016-11-15";
    sign_request(r, creds, "us-west-2", "ec2", now);
    return r;
  }
  AuthError error_of(const http::Request& r, Clock::time_point at) {
    auto v = verify_request(r, lookup_of(creds), at);
    EXPECT_FALSE(v.has_value());
    return v ? AuthError::kInvalidQuery : v.error().code;
  }
  static void set(http::Request& r, std::string_view name, std::string value) {
    for (auto& [k, v] : r.headers)
      if (k == name) v = std::move(value);
  }
};

TEST_F(SignerVerifier, AcceptsItsOwnSignature) {
  auto v = verify_request(signed_post(), lookup_of(creds), now);
  ASSERT_TRUE(v.has_value()) << v.error().message;
  EXPECT_EQ(v->service, "ec2");
  EXPECT_EQ(v->region, "us-west-2");
  EXPECT_EQ(v->credentials.principal_arn, creds.principal_arn);
}

TEST_F(SignerVerifier, TamperingIsRejectedWithTheRightError) {
  auto r = signed_post();
  r.body += "&DryRun=true";
  EXPECT_EQ(error_of(r, now), AuthError::kSignatureDoesNotMatch);

  r = signed_post();
  set(r, "content-type", "application/json");
  EXPECT_EQ(error_of(r, now), AuthError::kSignatureDoesNotMatch);

  r = signed_post();
  set(r, "host", "localhost:4567");
  EXPECT_EQ(error_of(r, now), AuthError::kSignatureDoesNotMatch);

  r = signed_post();  // date moved one second: still in the window, signature breaks
  set(r, "x-amz-date", amz_date(now + 1s));
  EXPECT_EQ(error_of(r, now), AuthError::kSignatureDoesNotMatch);

  EXPECT_EQ(error_of(signed_post(), now + 16min), AuthError::kRequestExpired);
  EXPECT_EQ(error_of(signed_post(), now - 16min), AuthError::kRequestExpired);
  EXPECT_TRUE(verify_request(signed_post(), lookup_of(creds), now + 14min).has_value());

  Credentials other = creds;
  other.access_key_id = "AKIAOTHER";
  EXPECT_EQ(verify_request(signed_post(), lookup_of(other), now).error().code,
            AuthError::kInvalidClientTokenId);
  other = creds;
  other.secret_access_key = "wrong";
  EXPECT_EQ(verify_request(signed_post(), lookup_of(other), now).error().code,
            AuthError::kSignatureDoesNotMatch);
}

TEST_F(SignerVerifier, MalformedAuthorizationHeaders) {
  auto with_auth = [&](std::string value) {
    auto r = signed_post();
    set(r, "authorization", std::move(value));
    return r;
  };
  auto r = signed_post();
  std::erase_if(r.headers, [](auto& h) { return h.first == "authorization"; });
  EXPECT_EQ(error_of(r, now), AuthError::kMissingAuthenticationToken);

  std::string good(*signed_post().header("authorization"));
  std::string cred = good.substr(good.find("Credential="), good.find(',') - good.find("Credential="));
  const std::vector<std::string> incomplete = {
      "AWS AKIA:abc",
      "AWS4-HMAC-SHA256",
      "AWS4-HMAC-SHA256 " + cred,
      "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host;x-amz-date",
      "AWS4-HMAC-SHA256 Credential=AKIA/20200101/us-west-2/ec2, SignedHeaders=host, Signature=" +
          std::string(64, 'a'),
      "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=content-type;x-amz-date, Signature=" +
          std::string(64, 'a'),
      "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host, Signature=abc",
      "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=Host, Signature=" + std::string(64, 'a'),
      "AWS4-HMAC-SHA256 " + cred + ", " + cred + ", SignedHeaders=host, Signature=" + std::string(64, 'a'),
  };
  for (const auto& a : incomplete) {
    SCOPED_TRACE(a);
    EXPECT_EQ(error_of(with_auth(a), now), AuthError::kIncompleteSignature);
  }
  r = signed_post();
  std::erase_if(r.headers, [](auto& h) { return h.first == "x-amz-date"; });
  EXPECT_EQ(error_of(r, now), AuthError::kIncompleteSignature);
  r = signed_post();
  set(r, "x-amz-date", "2020-01-01T00:00:00Z");
  EXPECT_EQ(error_of(r, now), AuthError::kIncompleteSignature);
  r = signed_post();  // scope date differs from X-Amz-Date
  set(r, "x-amz-date", amz_date(now - 24h));
  EXPECT_EQ(error_of(r, now - 24h), AuthError::kSignatureDoesNotMatch);
}

TEST(AuthErrors, CodesAndStatusesPerProtocol) {
  struct Row {
    AuthError e;
    std::string_view ec2, query, json;
    int ec2_status, query_status, json_status;
  };
  const Row rows[] = {
      {AuthError::kMissingAuthenticationToken, "MissingAuthenticationToken",
       "MissingAuthenticationToken", "MissingAuthenticationTokenException", 401, 403, 403},
      {AuthError::kIncompleteSignature, "IncompleteSignature", "IncompleteSignature",
       "IncompleteSignatureException", 400, 400, 403},
      {AuthError::kInvalidClientTokenId, "AuthFailure", "InvalidClientTokenId",
       "UnrecognizedClientException", 401, 403, 403},
      {AuthError::kSignatureDoesNotMatch, "AuthFailure", "SignatureDoesNotMatch",
       "InvalidSignatureException", 401, 403, 403},
      {AuthError::kRequestExpired, "RequestExpired", "SignatureDoesNotMatch",
       "InvalidSignatureException", 400, 403, 403},
      {AuthError::kInvalidQuery, "InvalidQueryParameter", "InvalidQueryParameter",
       "IncompleteSignatureException", 400, 400, 403},
  };
  for (const auto& row : rows) {
    EXPECT_EQ(error_code(row.e, Protocol::kEc2Query), row.ec2);
    EXPECT_EQ(error_code(row.e, Protocol::kAwsQuery), row.query);
    EXPECT_EQ(error_code(row.e, Protocol::kRestJson), row.json);
    EXPECT_EQ(http_status(row.e, Protocol::kEc2Query), row.ec2_status);
    EXPECT_EQ(http_status(row.e, Protocol::kAwsQuery), row.query_status);
    EXPECT_EQ(http_status(row.e, Protocol::kRestJson), row.json_status);
  }
  AuthFailure expired{AuthError::kRequestExpired, "Signature expired: ..."};
  EXPECT_EQ(error_message(expired, Protocol::kEc2Query), "Request has expired.");
  EXPECT_EQ(error_message(expired, Protocol::kRestJson), "Signature expired: ...");
}

}  // namespace
}  // namespace v6k::aws
