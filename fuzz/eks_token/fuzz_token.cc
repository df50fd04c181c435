// fuzz_eks_token: bytes as an `aws eks get-token` bearer token, both as given and behind the
// "k8s-aws-v1." prefix (so the URL and query checks are reached without valid base64).
// The clock is the token's own X-Amz-Date when it has one, so a well-formed seed gets as
// far as the signature. Invariants: no crash or sanitizer report; a verified token names
// the only key the lookup knows; re-encoding a token's URL verifies the same way.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <string>
#include <string_view>

#include "common/base64.h"
#include "eks/token.h"

using namespace v6k;

namespace {

const aws::Credentials kKey{"AKIAV6KFUZZTOKEN0001", "v6kFuzzSecretKeyForEksTokens000000000000", "123456789012",
                            "arn:aws:iam::123456789012:user/fuzz"};

std::chrono::system_clock::time_point clock_for(std::string_view token) {
  auto url = eks::token_url(token);
  std::tm tm{};
  tm.tm_year = 2022 - 1900;
  if (url) {
    auto at = url->find("X-Amz-Date=");
    if (at != std::string::npos && at + 11 + 16 <= url->size()) {
      std::string d = url->substr(at + 11, 16);
      if (strptime(d.c_str(), "%Y%m%dT%H%M%SZ", &tm) == nullptr) tm = std::tm{};
    }
  }
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

void check(std::string_view token) {
  aws::CredentialLookup lookup = [](std::string_view id) -> std::optional<aws::Credentials> {
    if (id == kKey.access_key_id) return kKey;
    return std::nullopt;
  };
  auto now = clock_for(token);
  auto r = eks::verify_token(token, "fuzz-cluster", lookup, now);
  if (r && (r->arn != kKey.principal_arn || r->account_id != kKey.account_id)) std::abort();
  auto url = eks::token_url(token);
  if (!url) return;
  std::string again = base64_encode(*url);
  for (char& c : again) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!again.empty() && again.back() == '=') again.pop_back();
  auto r2 = eks::verify_token("k8s-aws-v1." + again, "fuzz-cluster", lookup, now);
  if (r.has_value() != r2.has_value()) std::abort();
  if (!r && r.error().code != r2.error().code && r.error().message.find("large") == std::string::npos) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  check(text);
  if (!text.starts_with("k8s-aws-v1.")) {
    // The same bytes as the URL itself.
    std::string enc = base64_encode(text);
    for (char& c : enc) c = c == '+' ? '-' : c == '/' ? '_' : c;
    check("k8s-aws-v1." + enc);
  }
  return 0;
}
