// Requests signed by the real botocore (awscli 2.9.19) verify; tampered ones fail with the
// right AuthError. Includes the presigned STS URL inside an `aws eks get-token` token.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "aws/peer.h"
#include "aws/query.h"
#include "aws/sigv4.h"

namespace v6k::aws {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;
using nlohmann::json;

const Credentials kPeer{"AKIAV6KTEST000000001", "v6k/Secret+Key/EXAMPLEKEY0000000000000000",
                        "000000000000", "arn:aws:iam::000000000000:root"};

std::optional<Credentials> lookup(std::string_view id) {
  if (id == kPeer.access_key_id) return kPeer;
  return std::nullopt;
}

std::string b64decode(std::string_view in, bool url) {
  std::string out;
  int val = 0, bits = -8;
  for (char c : in) {
    int d;
    if (c >= 'A' && c <= 'Z') d = c - 'A';
    else if (c >= 'a' && c <= 'z') d = c - 'a' + 26;
    else if (c >= '0' && c <= '9') d = c - '0' + 52;
    else if (c == (url ? '-' : '+')) d = 62;
    else if (c == (url ? '_' : '/')) d = 63;
    else break;
    val = (val << 6) | d;
    bits += 6;
    if (bits >= 0) {
      out += static_cast<char>((val >> bits) & 0xff);
      bits -= 8;
    }
  }
  return out;
}

// "http://localhost:4566/clusters?x=1" -> method/path/query + host header (as the wire has it).
http::Request from_url(std::string method, std::string_view url) {
  http::Request r;
  r.method = std::move(method);
  size_t host_start = url.find("://") + 3;
  size_t path_start = url.find('/', host_start);
  r.headers.emplace_back("host", std::string(url.substr(host_start, path_start - host_start)));
  r.target = std::string(url.substr(path_start));
  size_t q = r.target.find('?');
  r.path = r.target.substr(0, q);
  r.query = q == std::string::npos ? "" : r.target.substr(q + 1);
  return r;
}

struct Signed {
  std::string name, service;
  http::Request request;
};

class Botocore : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!testing::botocore_available()) return;
    auto out = testing::run_peer("sign");
    if (!out) return;
    peer_ = new json(json::parse(*out));
  }
  static void TearDownTestSuite() {
    delete peer_;
    peer_ = nullptr;
  }
  void SetUp() override {
    if (!testing::botocore_available()) GTEST_SKIP() << "Debian awscli (botocore) not installed";
    ASSERT_NE(peer_, nullptr) << "botocore_peer.py sign failed";
  }
  std::vector<Signed> requests() {
    std::vector<Signed> out;
    for (const auto& j : *peer_) {
      if (j.contains("token")) continue;
      Signed s{j["name"], j["service"], from_url(j["method"], j["url"].get<std::string>())};
      for (const auto& h : j["headers"]) {
        std::string k = h[0];
        for (char& c : k) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        s.request.headers.emplace_back(k, h[1]);
      }
      s.request.body = b64decode(j["body"].get<std::string>(), false);
      out.push_back(std::move(s));
    }
    return out;
  }
  const json& token_entry() {
    for (const auto& j : *peer_)
      if (j.contains("token")) return j;
    std::abort();
  }
  static inline json* peer_ = nullptr;
};

TEST_F(Botocore, SignedRequestsVerify) {
  auto reqs = requests();
  ASSERT_EQ(reqs.size(), 8u);
  for (const auto& s : reqs) {
    SCOPED_TRACE(s.name);
    auto caller = verify_request(s.request, lookup, Clock::now());
    ASSERT_TRUE(caller.has_value()) << caller.error().message;
    EXPECT_EQ(caller->service, s.service);
    EXPECT_EQ(caller->region, "us-west-2");
    if (s.service == "ec2") {  // and the body parses as the query protocol
      auto q = parse_query(s.request.body);
      ASSERT_TRUE(q.has_value()) << q.error().message();
      EXPECT_EQ(q->get("Version"), "2016-11-15");
    }
  }
}

TEST_F(Botocore, QueryBodiesDecodeToWhatWasSent) {
  for (const auto& s : requests()) {
    if (s.name == "ec2-describe-instances") {
      auto q = parse_query(s.request.body);
      ASSERT_TRUE(q.has_value());
      auto filters = q->structs("Filter");
      ASSERT_TRUE(filters.has_value());
      ASSERT_EQ(filters->size(), 2u);
      EXPECT_EQ((*filters)[0].list("Value").value(), (std::vector<std::string>{"running", "pending"}));
      EXPECT_EQ((*filters)[1].get("Name"), "tag:Name");
      EXPECT_EQ((*filters)[1].list("Value").value()[0], "n\xc3\xb6" "de & <x> +1 ~/%");
    }
    if (s.name == "ec2-run-instances") {
      auto q = parse_query(s.request.body);
      ASSERT_TRUE(q.has_value());
      auto specs = q->structs("TagSpecification");
      ASSERT_TRUE(specs.has_value());
      auto tags = (*specs)[0].structs("Tag");
      ASSERT_TRUE(tags.has_value());
      EXPECT_EQ((*tags)[0].get("Value"), "\xe6\xb5\x8b\xe8\xaf\x95 node");
      EXPECT_EQ(q->get_int("MaxCount").value(), 1);
    }
  }
}

TEST_F(Botocore, TamperedRequestsFailWithTheRightError) {
  for (const auto& s : requests()) {
    SCOPED_TRACE(s.name);
    auto now = Clock::now();
    auto code = [&](const http::Request& r, Clock::time_point at) {
      auto v = verify_request(r, lookup, at);
      return v ? std::optional<AuthError>() : std::optional<AuthError>(v.error().code);
    };
    http::Request r = s.request;
    r.body += " ";
    EXPECT_EQ(code(r, now), AuthError::kSignatureDoesNotMatch);

    r = s.request;
    for (auto& [k, v] : r.headers)
      if (k == "host") v = "localhost:4567";
    EXPECT_EQ(code(r, now), AuthError::kSignatureDoesNotMatch);

    r = s.request;
    if (!r.query.empty()) {
      r.query += "0";
      EXPECT_EQ(code(r, now), AuthError::kSignatureDoesNotMatch);
    }
    r = s.request;
    r.path += "x";
    EXPECT_EQ(code(r, now), AuthError::kSignatureDoesNotMatch);

    r = s.request;
    for (auto& [k, v] : r.headers)
      if (k == "x-amz-date") v[v.size() - 2] = v[v.size() - 2] == '0' ? '1' : '0';
    EXPECT_EQ(code(r, now), AuthError::kSignatureDoesNotMatch);

    EXPECT_EQ(code(s.request, now + 16min), AuthError::kRequestExpired);

    Credentials wrong = kPeer;
    wrong.secret_access_key[0] ^= 1;
    auto v = verify_request(s.request, [&](std::string_view) { return wrong; }, now);
    ASSERT_FALSE(v.has_value());
    EXPECT_EQ(v.error().code, AuthError::kSignatureDoesNotMatch);
    v = verify_request(s.request, [](std::string_view) { return std::nullopt; }, now);
    ASSERT_FALSE(v.has_value());
    EXPECT_EQ(v.error().code, AuthError::kInvalidClientTokenId);
  }
}

// `aws eks get-token`: k8s-aws-v1.<base64url(presigned STS URL)>, header x-k8s-aws-id signed.
TEST_F(Botocore, GetTokenPresignedUrlVerifies) {
  const json& t = token_entry();
  std::string token = t["token"];
  ASSERT_TRUE(token.starts_with("k8s-aws-v1."));
  std::string url = b64decode(std::string_view(token).substr(11), true);
  ASSERT_TRUE(url.starts_with("https://sts.us-west-2.amazonaws.com/?")) << url;
  EXPECT_NE(url.find("X-Amz-SignedHeaders=host%3Bx-k8s-aws-id"), std::string::npos) << url;
  EXPECT_NE(url.find("X-Amz-Expires=60"), std::string::npos) << url;

  http::Request r = from_url("GET", url);
  r.headers.emplace_back("x-k8s-aws-id", t["cluster"].get<std::string>());
  auto now = Clock::now();
  auto caller = verify_request(r, lookup, now);
  ASSERT_TRUE(caller.has_value()) << caller.error().message;
  EXPECT_EQ(caller->service, "sts");
  EXPECT_EQ(caller->region, "us-west-2");

  // STS rule: dead after X-Amz-Expires (60 s); the EKS rule: alive for 15 minutes.
  EXPECT_EQ(verify_request(r, lookup, now + 2min).error().code, AuthError::kRequestExpired);
  VerifyOptions eks{.presigned_window_is_skew = true};
  EXPECT_TRUE(verify_request(r, lookup, now + 14min, eks).has_value());
  EXPECT_EQ(verify_request(r, lookup, now + 16min, eks).error().code, AuthError::kRequestExpired);

  http::Request other = r;  // token minted for another cluster
  other.headers.back().second = "other-cluster";
  EXPECT_EQ(verify_request(other, lookup, now).error().code, AuthError::kSignatureDoesNotMatch);
  other = r;
  other.query += "&Action=AssumeRole";
  EXPECT_EQ(verify_request(other, lookup, now).error().code, AuthError::kInvalidQuery);
  other = r;
  other.query = other.query.substr(0, other.query.find("&X-Amz-Signature="));
  EXPECT_EQ(verify_request(other, lookup, now).error().code, AuthError::kIncompleteSignature);
  other = r;
  other.query += "%G1";
  EXPECT_EQ(verify_request(other, lookup, now).error().code, AuthError::kInvalidQuery);
}

}  // namespace
}  // namespace v6k::aws
