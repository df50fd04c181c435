// The region daemon's one HTTP handler: authenticates every AWS request with SigV4 against
// the access keys in the store, then routes it by the signed service name (ec2 -> the EC2
// query API, sts -> STS, eks -> the EKS rest-json API, iam -> IAM users and keys, see
// region/iam.h); GET /_v6k/status answers the local CLI without AWS auth. Errors come back
// in the caller's protocol (EC2/STS/IAM XML, EKS JSON).
//
//   region::FrontDoor door(store, ec2::RegionConfig::defaults(), {}, eks_backend);
//   http::Response resp = door.handle(request);
//
// `eks_backend` runs EKS control planes and node groups (eks/backend.h); nullptr means
// eks::null_backend(): clusters are accepted and then FAILED "not available yet".
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "aws/sigv4.h"
#include "ec2/api.h"
#include "ec2/model.h"
#include "eks/api.h"
#include "eks/backend.h"
#include "http/message.h"
#include "region/iam.h"
#include "store/store.h"

namespace v6k::region {

// AccessKey is in region/iam.h. The admin user's (v6k-admin's) first access key, created
// (and stored) when it has none; other users' keys (IAM) are never returned here.
Result<AccessKey> ensure_admin_key(store::Store& store, const std::string& account_id);
Result<std::optional<AccessKey>> find_access_key(store::Store& store, std::string_view access_key_id);

class FrontDoor {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;
  FrontDoor(store::Store& store, ec2::RegionConfig region, Clock clock = {},
            std::shared_ptr<eks::Backend> eks_backend = nullptr);
  http::Response handle(const http::Request& r);
  // Where EC2 changes go to be realised (see ec2::Ec2Api::on_change).
  void on_ec2_change(ec2::Ec2Api::ChangeHook hook) { ec2_.on_change(std::move(hook)); }

 private:
  http::Response status(const std::string& request_id);
  http::Response sts(const http::Request& r, const aws::Caller& caller, const std::string& request_id);
  http::Response eks_service(const http::Request& r, const aws::Caller& caller, const std::string& request_id);
  store::Store& store_;
  ec2::Ec2Api ec2_;
  eks::EksApi eks_;
  IamApi iam_;
  Clock clock_;
  std::chrono::system_clock::time_point started_;
};

}  // namespace v6k::region
