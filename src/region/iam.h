// A minimal IAM for the region: users and their access keys, answered in IAM's aws-query
// protocol (XML, namespace https://iam.amazonaws.com/doc/2010-05-08/). It exists so that a
// second principal with its own key can call the region — e.g. to show that an EKS
// cluster refuses it until kube-system/aws-auth maps it.
//
//   region::IamApi iam(store, "123456789012");
//   // in the front door, once SigV4 has named the caller and the service is "iam":
//   http::Response resp = iam.handle(request, caller, request_id);
//
//   $ aws iam create-user --user-name alice
//   $ aws iam create-access-key --user-name alice   # works at once for EC2, EKS, STS
//
// Actions: CreateUser, GetUser, ListUsers, DeleteUser, CreateAccessKey, ListAccessKeys,
// DeleteAccessKey. Only the region's admin user (v6k-admin, the first key) may call IAM;
// everyone else gets AccessDenied, as a user without IAM permissions would in AWS.
//
// Store layout (the access keys are where find_access_key() and SigV4 look them up):
//   /iam/users/<lower-cased name>  {"user_name","path","user_id","arn","create_date","tags"}
//   /iam/access-keys/<key id>      {"access_key_id","secret_access_key","account_id","arn",
//                                   "user_name","status","create_date"}
// IAM user names are unique regardless of case, hence the lower-cased key.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "aws/sigv4.h"
#include "http/message.h"
#include "store/store.h"

namespace v6k::region {

inline constexpr std::string_view kIamNamespace = "https://iam.amazonaws.com/doc/2010-05-08/";
inline constexpr std::string_view kAccessKeyPrefix = "/iam/access-keys/";
inline constexpr std::string_view kIamUserPrefix = "/iam/users/";
inline constexpr std::string_view kAdminUserName = "v6k-admin";

struct AccessKey {
  std::string access_key_id;
  std::string secret_access_key;
  std::string account_id;
  std::string arn;  // the principal, e.g. arn:aws:iam::123456789012:user/v6k-admin
};

// arn:aws:iam::<account>:user<path><name>; `path` is "/" or "/a/b/".
std::string iam_user_arn(std::string_view account_id, std::string_view path, std::string_view name);

// A fresh random key for `arn`: "AKIA" + 16 base32 characters, a 40-character secret.
AccessKey new_access_key(const std::string& account_id, const std::string& arn);

class IamApi {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;
  IamApi(store::Store& store, std::string account_id, Clock clock = {});

  // One IAM request (POST form body or GET query) from a SigV4-verified caller. Any
  // signing region is accepted: IAM is global (the CLI signs with us-east-1, or with the
  // configured region when --endpoint-url is given). Never throws.
  http::Response handle(const http::Request& r, const aws::Caller& caller, const std::string& request_id);

  const std::string& account_id() const { return account_id_; }

 private:
  store::Store& store_;
  std::string account_id_;
  Clock clock_;
  // Serialises IAM calls: "at most 2 keys" and "no keys left before DeleteUser" are
  // check-then-write, and IAM traffic is tiny.
  std::mutex mu_;
};

}  // namespace v6k::region
