// IAM's records in the store and its input checks. Wording of every message: docs/region.md
// ("IAM"), with the evidence.
#include "region/iam_records.h"

#include <sys/random.h>

#include <cctype>
#include <cstdlib>
#include <ctime>
#include <nlohmann/json.hpp>

namespace v6k::region::iam {

using nlohmann::json;

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<User> user_from(const store::KeyValue& kv) {
  json j = json::parse(kv.value, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  User u;
  u.name = j.value("user_name", "");
  u.path = j.value("path", "/");
  u.id = j.value("user_id", "");
  u.arn = j.value("arn", "");
  u.create_date = j.value("create_date", "");
  if (auto t = j.find("tags"); t != j.end() && t->is_array())
    for (const auto& e : *t)
      if (e.is_object()) u.tags.push_back({e.value("Key", ""), e.value("Value", "")});
  u.mod_revision = kv.mod_revision;
  if (u.name.empty()) return std::nullopt;
  return u;
}

std::optional<KeyRecord> key_record_from(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  KeyRecord k;
  k.key = AccessKey{j.value("access_key_id", ""), j.value("secret_access_key", ""), j.value("account_id", ""),
                    j.value("arn", "")};
  k.user_name = j.value("user_name", "");
  k.status = j.value("status", "Active");
  k.create_date = j.value("create_date", "");
  if (k.key.access_key_id.empty()) return std::nullopt;
  return k;
}

bool is_word(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
// [\u0021-\u007F]: printable ASCII and DEL (bytes of a UTF-8 sequence are >= 0x80).
bool is_path_char(char c) { return static_cast<unsigned char>(c) >= 0x21 && static_cast<unsigned char>(c) <= 0x7F; }

}  // namespace

ApiError no_such_user(std::string_view name) {
  return {404, "NoSuchEntity", "The user with name " + std::string(name) + " cannot be found."};
}

ApiError service_failure(const Error& e) {
  // AWS's ServiceFailure text; our own cause goes along after it, for the operator.
  return {500, "ServiceFailure",
          "Request processing has failed due to an unknown error, exception or failure. (" + e.message() + ")"};
}

std::string user_store_key(std::string_view name) { return std::string(kIamUserPrefix) + lower(name); }

std::string user_json(const User& u) {
  json tags = json::array();
  for (const auto& t : u.tags) tags.push_back({{"Key", t.key}, {"Value", t.value}});
  return json{{"user_name", u.name},          {"path", u.path}, {"user_id", u.id}, {"arn", u.arn},
              {"create_date", u.create_date}, {"tags", tags}}
      .dump(-1, ' ', false, json::error_handler_t::replace);  // tags may hold any bytes
}

std::string key_json(const KeyRecord& k) {
  // The first four fields are what find_access_key() reads; the rest is IAM's.
  return json{{"access_key_id", k.key.access_key_id},
              {"secret_access_key", k.key.secret_access_key},
              {"account_id", k.key.account_id},
              {"arn", k.key.arn},
              {"user_name", k.user_name},
              {"status", k.status},
              {"create_date", k.create_date}}
      .dump(-1, ' ', false, json::error_handler_t::replace);  // tags may hold any bytes
}

Answer<std::optional<User>> find_user(store::Store& store, std::string_view name) {
  auto kv = store.get(user_store_key(name));
  if (!kv) {
    if (kv.error().code() == ENOENT) return std::optional<User>();
    return std::unexpected(service_failure(kv.error()));
  }
  return user_from(*kv);
}

Answer<User> get_user(store::Store& store, std::string_view name) {
  auto u = find_user(store, name);
  if (!u) return std::unexpected(u.error());
  if (!*u) return std::unexpected(no_such_user(name));
  return **u;
}

Answer<std::vector<User>> list_users(store::Store& store) {
  auto l = store.list(kIamUserPrefix);
  if (!l) return std::unexpected(service_failure(l.error()));
  std::vector<User> out;
  for (const auto& kv : l->items)
    if (auto u = user_from(kv)) out.push_back(std::move(*u));
  return out;
}

Answer<std::vector<KeyRecord>> keys_of(store::Store& store, const User& u) {
  auto l = store.list(kAccessKeyPrefix);
  if (!l) return std::unexpected(service_failure(l.error()));
  std::vector<KeyRecord> out;
  for (const auto& kv : l->items) {
    auto k = key_record_from(kv.value);
    if (!k || k->key.arn != u.arn) continue;
    if (k->user_name.empty()) k->user_name = u.name;
    if (k->create_date.empty()) k->create_date = u.create_date;
    out.push_back(std::move(*k));
  }
  return out;
}

Answer<std::optional<KeyRecord>> find_key(store::Store& store, std::string_view access_key_id) {
  auto kv = store.get(std::string(kAccessKeyPrefix) + std::string(access_key_id));
  if (!kv) {
    if (kv.error().code() == ENOENT) return std::optional<KeyRecord>();
    return std::unexpected(service_failure(kv.error()));
  }
  return key_record_from(kv->value);
}

Answer<User> ensure_admin_user(store::Store& store, const std::string& account_id,
                               std::chrono::system_clock::time_point now) {
  auto found = find_user(store, kAdminUserName);
  if (!found) return std::unexpected(found.error());
  if (*found) return **found;
  User u;
  u.name = std::string(kAdminUserName);
  u.id = "AIDA" + random_chars(17, kBase32);
  u.arn = iam_user_arn(account_id, u.path, u.name);
  u.create_date = iam_time(now);
  auto created = store.create(user_store_key(u.name), user_json(u));
  if (!created) {
    if (created.error().code() == EEXIST) return get_user(store, kAdminUserName);
    return std::unexpected(service_failure(created.error()));
  }
  u.mod_revision = created->mod_revision;
  return u;
}

std::string iam_time(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string random_chars(size_t n, std::string_view alphabet) {
  std::string out;
  unsigned char buf[64];
  while (out.size() < n) {
    // getrandom of 64 bytes from the urandom pool cannot fail or come up short on Linux.
    if (::getrandom(buf, sizeof buf, 0) != static_cast<ssize_t>(sizeof buf)) std::abort();
    // Rejection sampling keeps every character equally likely.
    for (unsigned char b : buf)
      if (out.size() < n && b < 256 - 256 % alphabet.size()) out += alphabet[b % alphabet.size()];
  }
  return out;
}

ApiError validation(std::string_view member, std::string_view constraint) {
  return {400, "ValidationError",
          "1 validation error detected: Value at '" + std::string(member) +
              "' failed to satisfy constraint: " + std::string(constraint)};
}

std::optional<ApiError> check_user_name(std::string_view v, std::string_view member, size_t max_len) {
  if (v.empty()) return validation(member, "Member must have length greater than or equal to 1");
  if (v.size() > max_len)
    return validation(member, "Member must have length less than or equal to " + std::to_string(max_len));
  for (char c : v)
    if (!is_word(c) && std::string_view("+=,.@-").find(c) == std::string_view::npos)
      return ApiError{400, "ValidationError",
                      "The specified value for " + std::string(member) +
                          " is invalid. It must contain only alphanumeric characters and/or the following: +=,.@_-"};
  return std::nullopt;
}

std::optional<ApiError> check_path(std::string_view v, std::string_view member) {
  if (v.empty()) return validation(member, "Member must have length greater than or equal to 1");
  if (v.size() > 512) return validation(member, "Member must have length less than or equal to 512");
  // (\u002F)|(\u002F[\u0021-\u007F]+\u002F): "/" or "/…/" of printable ASCII.
  bool ok = v == "/" || (v.size() >= 3 && v.front() == '/' && v.back() == '/');
  for (char c : v) ok = ok && is_path_char(c);
  if (ok) return std::nullopt;
  return ApiError{400, "ValidationError",
                  "The specified value for " + std::string(member) +
                      " is invalid. It must begin and end with / and contain only alphanumeric characters and/or / "
                      "characters."};
}

std::optional<ApiError> check_path_prefix(std::string_view v) {
  if (v.empty()) return validation("pathPrefix", "Member must have length greater than or equal to 1");
  if (v.size() > 512) return validation("pathPrefix", "Member must have length less than or equal to 512");
  bool ok = v.front() == '/';
  for (char c : v) ok = ok && is_path_char(c);
  if (ok) return std::nullopt;
  return validation("pathPrefix", "Member must satisfy regular expression pattern: \\u002F[\\u0021-\\u007F]*");
}

std::optional<ApiError> check_access_key_id(std::string_view v) {
  if (v.size() < 16) return validation("accessKeyId", "Member must have length greater than or equal to 16");
  if (v.size() > 128) return validation("accessKeyId", "Member must have length less than or equal to 128");
  for (char c : v)
    if (!is_word(c)) return validation("accessKeyId", "Member must satisfy regular expression pattern: [\\w]+");
  return std::nullopt;
}

}  // namespace v6k::region::iam
