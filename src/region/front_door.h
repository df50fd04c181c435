// The region daemon's one HTTP handler: authenticates every AWS request with SigV4 against
// the access keys in the store, then routes it by the signed service name (ec2 -> the EC2
// query API, sts -> STS); GET /_v6k/status answers the local CLI without AWS auth.
// Errors come back in the caller's protocol (EC2/STS XML).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "aws/sigv4.h"
#include "ec2/api.h"
#include "ec2/model.h"
#include "http/message.h"
#include "store/store.h"

namespace v6k::region {

struct AccessKey {
  std::string access_key_id;
  std::string secret_access_key;
  std::string account_id;
  std::string arn;  // the principal, e.g. arn:aws:iam::123456789012:user/v6k-admin
};

// The first access key in the store, created (and stored) when there is none.
Result<AccessKey> ensure_admin_key(store::Store& store, const std::string& account_id);
Result<std::optional<AccessKey>> find_access_key(store::Store& store, std::string_view access_key_id);

class FrontDoor {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;
  FrontDoor(store::Store& store, ec2::RegionConfig region, Clock clock = {});
  http::Response handle(const http::Request& r);
  // Where EC2 changes go to be realised (see ec2::Ec2Api::on_change).
  void on_ec2_change(ec2::Ec2Api::ChangeHook hook) { ec2_.on_change(std::move(hook)); }

 private:
  http::Response status(const std::string& request_id);
  http::Response sts(const http::Request& r, const aws::Caller& caller, const std::string& request_id);
  store::Store& store_;
  ec2::Ec2Api ec2_;
  Clock clock_;
  std::chrono::system_clock::time_point started_;
};

}  // namespace v6k::region
