// verify_request (and our signer, and the query parser) per request, against the named
// peer: botocore's SigV4Auth.add_auth of the same EC2 request, timed in one python process.
// Ends with "ratio" lines (ours / peer wall time per op; < 1 is faster). Verification does
// strictly more than signing (parse the header, look up the key, check the clock, then the
// same canonicalise + HMAC chain), so the pair is fair to the peer.
#include <chrono>
#include <cstdio>
#include <string>

#include <benchmark/benchmark.h>

#include "aws/query.h"
#include "aws/sigv4.h"

namespace {

using namespace v6k;

const aws::Credentials kCreds{"AKIAV6KTEST000000001", "v6k/Secret+Key/EXAMPLEKEY0000000000000000",
                              "000000000000", "arn:aws:iam::000000000000:root"};
const std::string kBody =
    "Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=instance-state-name"
    "&Filter.1.Value.1=running";

std::optional<aws::Credentials> lookup(std::string_view id) {
  if (id == kCreds.access_key_id) return kCreds;
  return std::nullopt;
}

http::Request unsigned_request() {
  http::Request r;
  r.method = "POST";
  r.target = r.path = "/";
  r.headers = {{"host", "localhost:4566"},
               {"content-type", "application/x-www-form-urlencoded; charset=utf-8"}};
  r.body = kBody;
  return r;
}

http::Request signed_request(std::chrono::system_clock::time_point now) {
  http::Request r = unsigned_request();
  aws::sign_request(r, kCreds, "us-west-2", "ec2", now);
  return r;
}

void verify_ours(benchmark::State& state) {
  auto now = std::chrono::system_clock::now();
  http::Request r = signed_request(now);
  for (auto _ : state) {
    auto v = aws::verify_request(r, lookup, now);
    if (!v) state.SkipWithError("verification failed");
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(verify_ours);

void sign_ours(benchmark::State& state) {
  auto now = std::chrono::system_clock::now();
  for (auto _ : state) {
    http::Request r = unsigned_request();
    aws::sign_request(r, kCreds, "us-west-2", "ec2", now);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(sign_ours);

void parse_query_ours(benchmark::State& state) {
  for (auto _ : state) {
    auto q = aws::parse_query(kBody);
    benchmark::DoNotOptimize(q);
  }
}
BENCHMARK(parse_query_ours);

template <typename Fn>
double seconds_per_op(int n, Fn&& fn) {
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / n;
}

double botocore_seconds_per_sign(int n) {
  std::string cmd = std::string("/usr/bin/python3 ") + V6K_BOTOCORE_PEER + " bench " + std::to_string(n);
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return -1;
  double s = -1;
  if (fscanf(p, "%lf", &s) != 1) s = -1;
  if (pclose(p) != 0) return -1;
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();

  auto now = std::chrono::system_clock::now();
  http::Request r = signed_request(now);
  double verify = seconds_per_op(20000, [&] { benchmark::DoNotOptimize(aws::verify_request(r, lookup, now)); });
  double sign = seconds_per_op(20000, [&] {
    http::Request u = unsigned_request();
    aws::sign_request(u, kCreds, "us-west-2", "ec2", now);
    benchmark::DoNotOptimize(u);
  });
  double peer = botocore_seconds_per_sign(5000);
  std::printf("verify_request (ours)            %10.2f us/op\n", verify * 1e6);
  std::printf("sign_request (ours)              %10.2f us/op\n", sign * 1e6);
  if (peer <= 0) {
    std::printf("peer botocore SigV4Auth.add_auth unavailable (is Debian awscli installed?)\n");
    return 0;
  }
  std::printf("peer botocore SigV4Auth.add_auth %10.2f us/op\n", peer * 1e6);
  std::printf("ratio verify_request/botocore_sign = %.3f\n", verify / peer);
  std::printf("ratio sign_request/botocore_sign   = %.3f\n", sign / peer);
  return 0;
}
