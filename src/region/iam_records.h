// Internal to region/iam.cc: IAM's stored records (users, access keys), input checks with
// IAM's exact wording, and the error value every IAM action returns.
//
//   auto u = iam::get_user(store, "alice");        // Answer<User>; NoSuchEntity when absent
//   if (auto bad = iam::check_user_name(name, "userName", 64)) return std::unexpected(*bad);
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "region/iam.h"
#include "store/store.h"

namespace v6k::region::iam {

// An IAM error as it goes on the wire: status, code and message.
struct ApiError {
  int status = 400;
  std::string code;
  std::string message;
};
template <typename T = void>
using Answer = std::expected<T, ApiError>;

ApiError no_such_user(std::string_view name);  // 404 NoSuchEntity
ApiError service_failure(const Error& e);      // 500 ServiceFailure (the store failed)

struct Tag {
  std::string key;
  std::string value;
};

struct User {
  std::string name;  // as created (IAM keeps the case; uniqueness ignores it)
  std::string path = "/";
  std::string id;  // "AIDA…"
  std::string arn;
  std::string create_date;  // "2026-11-27T12:00:00Z"
  std::vector<Tag> tags;
  int64_t mod_revision = 0;
};

struct KeyRecord {
  AccessKey key;
  std::string user_name;
  std::string status = "Active";
  std::string create_date;
};

std::string user_store_key(std::string_view name);  // /iam/users/<lower-cased name>
std::string user_json(const User& u);
std::string key_json(const KeyRecord& k);

Answer<std::optional<User>> find_user(store::Store& store, std::string_view name);
Answer<User> get_user(store::Store& store, std::string_view name);
Answer<std::vector<User>> list_users(store::Store& store);
// The user's keys, oldest first by id. The admin key made by ensure_admin_key() predates
// IAM and carries no user name or date: it matches by ARN and takes the user's date.
Answer<std::vector<KeyRecord>> keys_of(store::Store& store, const User& u);
Answer<std::optional<KeyRecord>> find_key(store::Store& store, std::string_view access_key_id);
// The v6k-admin user, recorded on first use so GetUser/ListUsers show it like any user.
Answer<User> ensure_admin_user(store::Store& store, const std::string& account_id,
                               std::chrono::system_clock::time_point now);

// IAM's time format: 2026-11-27T12:00:00Z (seconds; botocore reads it as a timestamp).
std::string iam_time(std::chrono::system_clock::time_point t);
// n characters of `alphabet`, uniformly from getrandom.
std::string random_chars(size_t n, std::string_view alphabet);
inline constexpr std::string_view kBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

// Checks with IAM's wording; `member` is the lower-camel member name ("userName").
std::optional<ApiError> check_user_name(std::string_view v, std::string_view member, size_t max_len);
std::optional<ApiError> check_path(std::string_view v, std::string_view member);
std::optional<ApiError> check_path_prefix(std::string_view v);
std::optional<ApiError> check_access_key_id(std::string_view v);
// "1 validation error detected: Value at '<member>' failed to satisfy constraint: <what>"
ApiError validation(std::string_view member, std::string_view constraint);

}  // namespace v6k::region::iam
