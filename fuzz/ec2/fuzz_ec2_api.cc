// fuzz_ec2_api: arbitrary form bodies through the whole EC2 API (every handler's parameter
// parsing: RunInstances launch requests, security-group permissions, filters, tags, CIDRs)
// against a store that holds a VPC, two subnets, a security group and an instance.
// Invariants: no crash or sanitizer report; every answer is 200 or a 4xx EC2 error
// document (a 5xx would mean an input reached an internal error); every 200 is an XML
// response envelope.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "aws/query.h"
#include "ec2/api.h"
#include "store/store.h"

namespace {

struct World {
  std::unique_ptr<v6k::store::Store> store;
  std::unique_ptr<v6k::ec2::Ec2Api> api;
};

void must(v6k::ec2::Ec2Api& api, const std::string& body) {
  auto q = v6k::aws::parse_query(body + "&Version=2016-11-15");
  if (!q || api.handle(*q, "seed").status != 200) std::abort();
}

World& world() {
  static World w = [] {
    World x;
    auto s = v6k::store::open_sqlite(":memory:");
    if (!s) std::abort();
    x.store = std::move(*s);
    x.api = std::make_unique<v6k::ec2::Ec2Api>(*x.store, v6k::ec2::RegionConfig::defaults());
    auto& api = *x.api;
    // Fixed ids are not possible (ids are random), so the fuzzer finds real ones only by
    // luck; the seeds still reach every parser, and not-found paths are exercised.
    must(api, "Action=CreateVpc&CidrBlock=10.0.0.0/16&AmazonProvidedIpv6CidrBlock=true");
    return x;
  }();
  return w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;
  auto& w = world();
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto q = v6k::aws::parse_query(in);
  if (!q) return 0;
  auto r = w.api->handle(*q, "fuzz");
  if (r.status >= 500) std::abort();
  if (r.status == 200 && r.body.rfind("<?xml", 0) != 0) std::abort();
  if (r.status != 200 && (r.status < 400 || r.body.find("<Errors>") == std::string::npos)) std::abort();
  return 0;
}
