// SigV4 fuzzer. Input: "METHOD\nTARGET\nname: value\n...\n\nBODY". Runs the canonicaliser
// and the verifier on the request as given (must never crash), then signs it with our
// signer and checks the verifier accepts it (and rejects it with a changed body).
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "aws/sigv4.h"

using namespace v6k;

namespace {
const aws::Credentials kCreds{"AKIDFUZZ", "fuzz/secret+key", "000000000000", "arn:aws:iam::000000000000:root"};

std::optional<aws::Credentials> lookup(std::string_view id) {
  if (id == kCreds.access_key_id) return kCreds;
  return std::nullopt;
}

bool token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
  return true;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto next_line = [&]() {
    size_t nl = in.find('\n');
    std::string_view line = in.substr(0, nl);
    in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
    return line;
  };
  http::Request r;
  r.method = std::string(next_line());
  r.target = std::string(next_line());
  size_t q = r.target.find('?');
  r.path = r.target.substr(0, q);
  r.query = q == std::string::npos ? "" : r.target.substr(q + 1);
  while (!in.empty()) {
    std::string_view line = next_line();
    if (line.empty()) break;
    size_t colon = line.find(':');
    std::string name(line.substr(0, colon));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    r.headers.emplace_back(name, colon == std::string_view::npos ? "" : std::string(line.substr(colon + 1)));
  }
  r.body = std::string(in);

  auto now = std::chrono::system_clock::from_time_t(1440938160);
  std::vector<std::string> names;
  for (const auto& [k, v] : r.headers) names.push_back(k);
  (void)aws::canonical_request(r, names, aws::hex_sha256(r.body), false);
  (void)aws::canonical_request(r, names, aws::hex_sha256(r.body), true);
  (void)aws::verify_request(r, lookup, now);
  (void)aws::verify_request(r, lookup, now, {.presigned_window_is_skew = true});

  // Oracle: whatever we sign, we verify — when the headers are ones a server could hold.
  bool signable = r.query.find("X-Amz-") == std::string::npos;
  bool has_host = false;
  for (const auto& [k, v] : r.headers) {
    signable = signable && token(k);
    has_host = has_host || k == "host";
  }
  if (!signable) return 0;
  if (!has_host) r.headers.emplace_back("host", "localhost:4566");
  aws::sign_request(r, kCreds, "us-west-2", "ec2", now);
  auto ok = aws::verify_request(r, lookup, now);
  if (!ok) {
    fprintf(stderr, "own signature rejected: %s\n", ok.error().message.c_str());
    std::abort();
  }
  r.body += "x";
  if (aws::verify_request(r, lookup, now)) std::abort();
  return 0;
}
