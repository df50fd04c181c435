// fuzz_region_iam: arbitrary form bodies through region::IamApi (every action's parameter
// checks: user names, paths, tags, markers, MaxItems, access key ids) against a store
// holding v6k-admin, alice (one key) and bob. The first byte picks the caller: even =
// v6k-admin, odd = alice.
// Invariants: no crash or sanitizer report; no 5xx (an input reached an internal error);
// every 200 is <ActionResponse xmlns=IAM>, every error an <ErrorResponse>; alice never
// gets a 200 (only v6k-admin may call IAM); no user ever holds more than 2 access keys.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "aws/query.h"
#include "region/iam.h"
#include "store/store.h"

namespace {

using namespace v6k;

constexpr const char* kAccount = "123456789012";

struct World {
  std::unique_ptr<store::Store> store;
  std::unique_ptr<region::IamApi> api;
  aws::Caller admin, alice;
};

http::Response call(World& w, const aws::Caller& who, std::string body) {
  http::Request r;
  r.method = "POST";
  r.path = r.target = "/";
  r.body = std::move(body);
  return w.api->handle(r, who, "fuzz");
}

World& world() {
  static World w = [] {
    World x;
    auto s = store::open_sqlite(":memory:");
    if (!s) std::abort();
    x.store = std::move(*s);
    // The admin key as ensure_admin_key() stores it (no user name, no date: it predates IAM).
    auto admin = region::new_access_key(kAccount, region::iam_user_arn(kAccount, "/", region::kAdminUserName));
    nlohmann::json key = {{"access_key_id", admin.access_key_id},
                          {"secret_access_key", admin.secret_access_key},
                          {"account_id", kAccount},
                          {"arn", admin.arn}};
    if (!x.store->create(std::string(region::kAccessKeyPrefix) + admin.access_key_id, key.dump())) std::abort();
    x.api = std::make_unique<region::IamApi>(*x.store, kAccount);
    x.admin = aws::Caller{{admin.access_key_id, admin.secret_access_key, kAccount, admin.arn}, "us-east-1", "iam"};
    x.alice = aws::Caller{
        {"AKIAFUZZ000000000000", "s", kAccount, region::iam_user_arn(kAccount, "/", "alice")}, "us-east-1", "iam"};
    for (const char* seed : {"Action=CreateUser&UserName=alice", "Action=CreateUser&UserName=bob&Path=%2Fteam%2F",
                             "Action=CreateAccessKey&UserName=alice"})
      if (call(x, x.admin, seed).status != 200) std::abort();
    return x;
  }();
  return w;
}

void check_key_quota(store::Store& store) {
  auto keys = store.list(region::kAccessKeyPrefix);
  if (!keys) std::abort();
  std::map<std::string, int> per_user;
  for (const auto& kv : keys->items) {
    auto j = nlohmann::json::parse(kv.value, nullptr, false);
    if (!j.is_object() || ++per_user[j.value("arn", "")] > 2) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 4096) return 0;
  auto& w = world();
  bool as_alice = data[0] & 1;
  std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto q = aws::parse_query(body);
  std::string action = q ? q->get("Action").value_or("") : "";
  http::Response r = call(w, as_alice ? w.alice : w.admin, body);
  if (r.status >= 500) std::abort();
  if (r.status == 200) {
    if (as_alice) std::abort();
    if (r.body.rfind("<" + action + "Response xmlns=\"" + std::string(region::kIamNamespace) + "\">", 0) != 0)
      std::abort();
  } else if (r.status < 400 || r.body.find("<ErrorResponse") == std::string::npos) {
    std::abort();
  }
  check_key_quota(*w.store);
  return 0;
}
