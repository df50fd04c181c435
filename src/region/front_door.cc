#include "region/front_door.h"

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "aws/query.h"
#include "aws/request_id.h"
#include "aws/rest_json.h"
#include "aws/xml.h"
#include "ec2/resources.h"
#include "region/iam_records.h"

namespace v6k::region {

using nlohmann::json;

namespace {

constexpr std::string_view kKeyPrefix = kAccessKeyPrefix;
constexpr std::string_view kStsNamespace = "https://sts.amazonaws.com/doc/2011-06-15/";

json key_json(const AccessKey& k) {
  return {{"access_key_id", k.access_key_id}, {"secret_access_key", k.secret_access_key},
          {"account_id", k.account_id}, {"arn", k.arn}};
}

std::optional<AccessKey> key_from(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  return AccessKey{j.value("access_key_id", ""), j.value("secret_access_key", ""), j.value("account_id", ""),
                   j.value("arn", "")};
}

}  // namespace

Result<std::optional<AccessKey>> find_access_key(store::Store& store, std::string_view id) {
  auto kv = store.get(std::string(kKeyPrefix) + std::string(id));
  if (!kv) {
    if (kv.error().code() == ENOENT) return std::optional<AccessKey>();
    return fail(std::move(kv.error()).wrap("reading access key"));
  }
  return key_from(kv->value);
}

Result<AccessKey> ensure_admin_key(store::Store& store, const std::string& account_id) {
  auto existing = store.list(kKeyPrefix);
  if (!existing) return fail(std::move(existing.error()).wrap("listing access keys"));
  // Only the admin's key: IAM users' keys share this prefix (and may sort first).
  for (const auto& kv : existing->items)
    if (auto k = key_from(kv.value); k && k->arn.ends_with(":user/" + std::string(kAdminUserName))) return *k;
  AccessKey k = new_access_key(account_id, iam_user_arn(account_id, "/", kAdminUserName));
  auto created = store.create(std::string(kKeyPrefix) + k.access_key_id, key_json(k).dump());
  if (!created) return fail(std::move(created.error()).wrap("storing the admin access key"));
  return k;
}

FrontDoor::FrontDoor(store::Store& store, ec2::RegionConfig region, Clock clock,
                     std::shared_ptr<eks::Backend> eks_backend)
    : store_(store), ec2_(store, region), eks_(store, region, std::move(eks_backend)),
      iam_(store, region.account_id, clock), clock_(std::move(clock)),
      started_(std::chrono::system_clock::now()) {
  if (!clock_) clock_ = [] { return std::chrono::system_clock::now(); };
}

http::Response FrontDoor::status(const std::string& request_id) {
  json j = {{"service", "v6k"},
            {"pid", ::getpid()},
            {"region", ec2_.region().region},
            {"account", ec2_.region().account_id},
            {"uptime_seconds", std::chrono::duration_cast<std::chrono::seconds>(
                                   std::chrono::system_clock::now() - started_).count()},
            {"request_id", request_id}};
  // Instances count every stored one, terminated ones included (EC2 shows them a while).
  for (auto [name, prefix] : {std::pair{"vpcs", ec2::kVpcPrefix}, std::pair{"subnets", ec2::kSubnetPrefix},
                              std::pair{"instances", ec2::kInstancePrefix}}) {
    auto l = store_.list(prefix);
    j[name] = l ? static_cast<int64_t>(l->items.size()) : -1;
  }
  return http::Response{200, {{"content-type", "application/json"}}, j.dump() + "\n"};
}

http::Response FrontDoor::sts(const http::Request& r, const aws::Caller& caller, const std::string& request_id) {
  auto params = aws::parse_query(r.method == "GET" ? r.query : r.body);
  auto error = [&](int status, std::string code, std::string message) {
    return aws::query_error(status, kStsNamespace, code, message, request_id);
  };
  if (!params) return error(400, "MalformedQueryString", params.error().message());
  auto action = params->get("Action").value_or("");
  if (action != "GetCallerIdentity") return error(400, "InvalidAction", "Could not find operation " + action + " for version 2011-06-15");
  aws::XmlWriter w;
  w.start("GetCallerIdentityResponse", kStsNamespace);
  w.start("GetCallerIdentityResult");
  w.leaf("Arn", caller.credentials.principal_arn);
  // An IAM user's unique id ("AIDA…"), as AWS reports it; the key id when the user has
  // no record yet (v6k-admin's is made on the first IAM call).
  std::string user_id = caller.credentials.access_key_id;
  const std::string& arn = caller.credentials.principal_arn;
  if (auto at = arn.find(":user/"); at != std::string::npos)
    if (auto u = iam::find_user(store_, arn.substr(arn.rfind('/') + 1)); u && *u) user_id = (*u)->id;
  w.leaf("UserId", user_id);
  w.leaf("Account", caller.credentials.account_id);
  w.end();
  w.start("ResponseMetadata");
  w.leaf("RequestId", request_id);
  w.end();
  w.end();
  return http::Response{200, {{"content-type", "text/xml"}, {"x-amzn-requestid", request_id}}, std::move(w).take()};
}

http::Response FrontDoor::eks_service(const http::Request& r, const aws::Caller& caller, const std::string& request_id) {
  if (caller.region != eks_.region().region)
    return aws::json_error(403, "InvalidSignatureException", "Credential should be scoped to a valid region, not '" +
                           caller.region + "'. ", request_id);
  return eks_.handle(r, caller, request_id);
}

http::Response FrontDoor::handle(const http::Request& r) {
  std::string request_id = aws::new_request_id();
  if (r.path == "/_v6k/status" && r.method == "GET") return status(request_id);

  auto lookup = [this](std::string_view id) -> std::optional<aws::Credentials> {
    auto k = find_access_key(store_, id);
    if (!k || !*k) return std::nullopt;
    return aws::Credentials{(*k)->access_key_id, (*k)->secret_access_key, (*k)->account_id, (*k)->arn};
  };
  auto caller = aws::verify_request(r, lookup, clock_());
  if (!caller) {
    // The service is unknown until the signature's scope is trusted; answer in the shape
    // of the service the scope names (STS, EKS), else EC2's.
    auto auth = r.header("authorization").value_or("");
    if (auth.find("/iam/aws4_request") != std::string_view::npos)
      return aws::auth_error_response(caller.error(), aws::Protocol::kAwsQuery, request_id, kIamNamespace);
    auto protocol = auth.find("/sts/aws4_request") != std::string_view::npos   ? aws::Protocol::kAwsQuery
                    : auth.find("/eks/aws4_request") != std::string_view::npos ? aws::Protocol::kRestJson
                                                                               : aws::Protocol::kEc2Query;
    return aws::auth_error_response(caller.error(), protocol, request_id);
  }
  if (caller->service == "sts") return sts(r, *caller, request_id);
  if (caller->service == "eks") return eks_service(r, *caller, request_id);
  if (caller->service == "iam") return iam_.handle(r, *caller, request_id);  // global: any region
  if (caller->service != "ec2")
    return aws::ec2_error(400, "InvalidAction", "The service " + caller->service + " is not served by this region yet.",
                          request_id);
  if (caller->region != ec2_.region().region)
    return aws::ec2_error(401, "AuthFailure", "The region '" + caller->region + "' is not this region ('" +
                          ec2_.region().region + "').", request_id);
  auto params = aws::parse_query(r.method == "GET" ? r.query : r.body);
  if (!params) return aws::ec2_error(400, "InvalidParameterValue", params.error().message(), request_id);
  return ec2_.handle(*params, request_id);
}

}  // namespace v6k::region
