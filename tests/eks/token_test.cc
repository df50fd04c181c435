// get-token verification, table-driven, with tokens minted by the real
// `/usr/bin/aws eks get-token` (it signs offline with the key in the environment).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "common/base64.h"
#include "eks/token.h"
#include "support/proc.h"

namespace v6k::eks {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const aws::Credentials kKey{"AKIAV6KTESTTOKEN0001", "v6kTestSecretKeyForEksTokens0000000000000", "123456789012",
                            "arn:aws:iam::123456789012:user/blog-admin"};

std::string mint(const std::string& cluster) {
  auto r = v6k::testing::run_command(
      {"/usr/bin/aws", "eks", "get-token", "--cluster-name", cluster, "--output", "json"},
      {{"AWS_ACCESS_KEY_ID", kKey.access_key_id}, {"AWS_SECRET_ACCESS_KEY", kKey.secret_access_key},
       {"AWS_DEFAULT_REGION", "us-west-2"}, {"AWS_CONFIG_FILE", "/nonexistent"},
       {"AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"}, {"HOME", "/tmp"}, {"PATH", "/usr/bin:/bin"}},
      "");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  json j = json::parse(r.out, nullptr, false);
  return j.is_object() ? j["status"]["token"].get<std::string>() : "";
}

std::string b64url(std::string_view s) {
  std::string out = base64_encode(s);
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!out.empty() && out.back() == '=') out.pop_back();
  return out;
}

// A token whose URL is changed by `edit`.
std::string reencode(const std::string& token, const std::function<std::string(std::string)>& edit) {
  auto url = token_url(token);
  EXPECT_TRUE(url.has_value());
  return "k8s-aws-v1." + b64url(edit(url.value_or("")));
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  auto at = s.find(from);
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

TEST(EksToken, VerifiesWhatGetTokenMints) {
  if (::access("/usr/bin/aws", X_OK) != 0) GTEST_SKIP() << "/usr/bin/aws (Debian awscli) is not installed";
  auto minted_at = std::chrono::system_clock::now();
  std::string token = mint("AWSNewsBlog");
  ASSERT_TRUE(token.starts_with("k8s-aws-v1.")) << token;
  aws::CredentialLookup known = [](std::string_view id) -> std::optional<aws::Credentials> {
    if (id == kKey.access_key_id) return kKey;
    return std::nullopt;
  };
  aws::CredentialLookup unknown = [](std::string_view) -> std::optional<aws::Credentials> { return std::nullopt; };

  auto ok = verify_token(token, "AWSNewsBlog", known, minted_at);
  ASSERT_TRUE(ok.has_value()) << ok.error().message;
  EXPECT_EQ(ok->arn, kKey.principal_arn);
  EXPECT_EQ(ok->account_id, "123456789012");
  EXPECT_EQ(ok->access_key_id, kKey.access_key_id);
  // kubectl caches the ExecCredential for 14 minutes: still good then (X-Amz-Expires=60 is not the bound).
  EXPECT_TRUE(verify_token(token, "AWSNewsBlog", known, minted_at + 14min).has_value());

  std::string sig_tampered = reencode(token, [](std::string u) {
    auto at = u.find("X-Amz-Signature=") + 16;
    u[at] = u[at] == '0' ? '1' : '0';
    return u;
  });
  struct Case {
    std::string what;
    std::string token;
    std::string cluster;
    const aws::CredentialLookup* lookup;
    std::chrono::system_clock::time_point now;
    TokenError code;
    std::string message;  // a prefix of the message
  };
  std::vector<Case> cases = {
      {"expired", token, "AWSNewsBlog", &known, minted_at + 16min, TokenError::kExpired,
       "X-Amz-Date parameter is expired (15 minute expiration): Signature expired: "},
      {"other cluster", token, "other-cluster", &known, minted_at, TokenError::kSignatureMismatch,
       "the token's signature does not match for cluster \"other-cluster\" (minted for another cluster, or altered)"},
      {"tampered signature", sig_tampered, "AWSNewsBlog", &known, minted_at, TokenError::kSignatureMismatch,
       "the token's signature does not match for cluster \"AWSNewsBlog\""},
      {"unknown key", token, "AWSNewsBlog", &unknown, minted_at, TokenError::kUnknownKey, "unknown access key: "},
      {"no prefix", token.substr(11), "AWSNewsBlog", &known, minted_at, TokenError::kMalformed,
       "token is missing expected \"k8s-aws-v1.\" prefix"},
      {"garbage", "k8s-aws-v1.!!!not-base64", "AWSNewsBlog", &known, minted_at, TokenError::kMalformed,
       "token is not base64url-encoded (character '!')"},
      {"too large", "k8s-aws-v1." + std::string(4100, 'A'), "AWSNewsBlog", &known, minted_at, TokenError::kMalformed,
       "token is too large (over 4096 bytes)"},
      {"not STS", reencode(token, [](std::string u) { return replace(u, "sts.us-west-2.amazonaws.com", "sts.evil.example"); }),
       "AWSNewsBlog", &known, minted_at, TokenError::kMalformed,
       "unexpected hostname \"sts.evil.example\" in pre-signed URL"},
      {"http", reencode(token, [](std::string u) { return replace(u, "https://", "http://"); }), "AWSNewsBlog", &known,
       minted_at, TokenError::kMalformed, "unexpected scheme in pre-signed URL (want https)"},
      {"path", reencode(token, [](std::string u) { return replace(u, "amazonaws.com/?", "amazonaws.com/x?"); }),
       "AWSNewsBlog", &known, minted_at, TokenError::kMalformed, "unexpected path in pre-signed URL (want \"/\")"},
      {"extra key", reencode(token, [](std::string u) { return u + "&Foo=1"; }), "AWSNewsBlog", &known, minted_at,
       TokenError::kMalformed, "non-whitelisted query parameter \"Foo\""},
      {"duplicate key", reencode(token, [](std::string u) { return u + "&Action=GetCallerIdentity"; }), "AWSNewsBlog",
       &known, minted_at, TokenError::kMalformed, "query parameter \"Action\" appears more than once"},
      {"action", reencode(token, [](std::string u) { return replace(u, "Action=GetCallerIdentity", "Action=AssumeRole"); }),
       "AWSNewsBlog", &known, minted_at, TokenError::kMalformed, "unexpected action parameter in pre-signed URL"},
      {"unsigned id", reencode(token, [](std::string u) { return replace(u, "host%3Bx-k8s-aws-id", "host"); }),
       "AWSNewsBlog", &known, minted_at, TokenError::kMalformed,
       "client did not sign the x-k8s-aws-id header in the pre-signed URL"},
  };
  for (const auto& c : cases) {
    auto r = verify_token(c.token, c.cluster, *c.lookup, c.now);
    ASSERT_FALSE(r.has_value()) << c.what;
    EXPECT_EQ(r.error().code, c.code) << c.what << ": " << r.error().message;
    EXPECT_EQ(r.error().message.substr(0, c.message.size()), c.message) << c.what;
  }
}

}  // namespace
}  // namespace v6k::eks
