// IAM's seven user/key actions over aws-query. Shapes follow botocore's iam 2010-05-08
// model; codes, statuses and messages are AWS's (docs/region.md, "IAM", has the evidence).
#include "region/iam.h"

#include <cctype>
#include <exception>
#include <utility>

#include "aws/query.h"
#include "aws/xml.h"
#include "region/iam_records.h"

namespace v6k::region {

using iam::Answer;
using iam::ApiError;
using iam::KeyRecord;
using iam::User;

std::string iam_user_arn(std::string_view account_id, std::string_view path, std::string_view name) {
  return "arn:aws:iam::" + std::string(account_id) + ":user" + std::string(path) + std::string(name);
}

AccessKey new_access_key(const std::string& account_id, const std::string& arn) {
  return AccessKey{"AKIA" + iam::random_chars(16, iam::kBase32),
                   iam::random_chars(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"),
                   account_id, arn};
}

namespace {

constexpr int kAccessKeysPerUser = 2;

// Everything one action needs to know about its call.
struct Call {
  store::Store& store;
  const std::string& account;
  const aws::QueryParams& p;
  const aws::Caller& caller;
  std::string_view action;
  std::chrono::system_clock::time_point now;
  const User& admin;
  const std::string& request_id;
};

using Handler = Answer<http::Response> (*)(const Call&);

http::Response ok(const Call& c, const std::function<void(aws::XmlWriter&)>& result) {
  aws::XmlWriter w;
  std::string action(c.action);
  w.start(action + "Response", kIamNamespace);
  if (result) {
    w.start(action + "Result");
    result(w);
    w.end();
  }
  w.start("ResponseMetadata").leaf("RequestId", c.request_id).end();
  w.end();
  return http::Response{200, {{"content-type", "text/xml"}, {"x-amzn-requestid", c.request_id}}, std::move(w).take()};
}

void write_user(aws::XmlWriter& w, std::string_view element, const User& u, bool with_tags) {
  w.start(element);
  w.leaf("Path", u.path).leaf("UserName", u.name).leaf("UserId", u.id).leaf("Arn", u.arn);
  w.leaf("CreateDate", u.create_date);
  if (with_tags && !u.tags.empty()) {
    w.start("Tags");
    for (const auto& t : u.tags) w.start("member").leaf("Key", t.key).leaf("Value", t.value).end();
    w.end();
  }
  w.end();
}

// The caller's own user name: the last segment of arn:aws:iam::<account>:user/<path>/<name>.
std::string caller_name(const Call& c) {
  const std::string& arn = c.caller.credentials.principal_arn;
  if (arn.find(":user/") == std::string::npos) return {};
  return arn.substr(arn.rfind('/') + 1);
}

// AWS's wording for an IAM call without an allowing policy; only v6k-admin has one.
std::optional<ApiError> authorize(const Call& c, const std::string& resource) {
  if (c.caller.credentials.principal_arn == c.admin.arn) return std::nullopt;
  std::string action = "iam:" + std::string(c.action);
  return ApiError{403, "AccessDenied",
                  "User: " + c.caller.credentials.principal_arn + " is not authorized to perform: " + action +
                      " on resource: " + resource + " because no identity-based policy allows the " + action +
                      " action"};
}

// The user an action names (UserName, or the caller when it is absent; IAM defaults to the
// signer for GetUser and the access-key actions), checked against existingUserNameType.
Answer<std::string> target_name(const Call& c) {
  auto name = c.p.get("UserName");
  if (!name) {
    std::string self = caller_name(c);
    if (self.empty()) return std::unexpected(iam::validation("userName", "Member must not be null"));
    return self;
  }
  if (auto bad = iam::check_user_name(*name, "userName", 128)) return std::unexpected(*bad);
  return *name;
}

// The resource ARN AccessDenied names: the user's real ARN when it exists.
Answer<std::string> resource_of(const Call& c, const std::string& name) {
  auto u = iam::find_user(c.store, name);
  if (!u) return std::unexpected(u.error());
  return *u ? (*u)->arn : iam_user_arn(c.account, "/", name);
}

// Authorizes the action on user `name`, then loads that user.
Answer<User> authorized_user(const Call& c, const std::string& name) {
  auto resource = resource_of(c, name);
  if (!resource) return std::unexpected(resource.error());
  if (auto denied = authorize(c, *resource)) return std::unexpected(*denied);
  return iam::get_user(c.store, name);
}

struct Page {
  size_t max_items = 100;
  std::optional<std::string> marker;
};

Answer<Page> page_of(const Call& c) {
  Page page;
  auto max = c.p.get_int("MaxItems");
  if (!max) return std::unexpected(ApiError{400, "InvalidInput", max.error().what()});
  if (*max) {
    if (**max < 1)
      return std::unexpected(iam::validation("maxItems", "Member must have value greater than or equal to 1"));
    if (**max > 1000)
      return std::unexpected(iam::validation("maxItems", "Member must have value less than or equal to 1000"));
    page.max_items = static_cast<size_t>(**max);
  }
  page.marker = c.p.get("Marker");
  if (page.marker && page.marker->empty())
    return std::unexpected(iam::validation("marker", "Member must have length greater than or equal to 1"));
  return page;
}

Answer<std::vector<iam::Tag>> tags_of(const Call& c) {
  auto structs = c.p.structs("Tags.member");
  if (!structs) return std::unexpected(ApiError{400, "InvalidInput", structs.error().what()});
  if (structs->size() > 50)
    return std::unexpected(iam::validation("tags", "Member must have length less than or equal to 50"));
  std::vector<iam::Tag> tags;
  for (size_t i = 0; i < structs->size(); ++i) {
    std::string at = "tags." + std::to_string(i + 1) + ".member.";
    auto key = (*structs)[i].get("Key");
    auto value = (*structs)[i].get("Value");
    if (!key) return std::unexpected(iam::validation(at + "key", "Member must not be null"));
    if (!value) return std::unexpected(iam::validation(at + "value", "Member must not be null"));
    if (key->empty() || key->size() > 128)
      return std::unexpected(iam::validation(at + "key", key->empty()
                                                             ? "Member must have length greater than or equal to 1"
                                                             : "Member must have length less than or equal to 128"));
    if (value->size() > 256)
      return std::unexpected(iam::validation(at + "value", "Member must have length less than or equal to 256"));
    for (const auto& t : tags) {
      bool same = t.key.size() == key->size();
      for (size_t j = 0; same && j < key->size(); ++j)
        same =
            std::tolower(static_cast<unsigned char>(t.key[j])) == std::tolower(static_cast<unsigned char>((*key)[j]));
      if (same)
        return std::unexpected(
            ApiError{400, "InvalidInput", "Duplicate tag keys found. Please note that Tag keys are case insensitive."});
    }
    tags.push_back({*key, *value});
  }
  return tags;
}

Answer<http::Response> create_user(const Call& c) {
  auto name = c.p.get("UserName");
  if (!name) return std::unexpected(iam::validation("userName", "Member must not be null"));
  if (auto bad = iam::check_user_name(*name, "userName", 64)) return std::unexpected(*bad);
  User u;
  u.name = *name;
  u.path = c.p.get("Path").value_or("/");
  if (auto bad = iam::check_path(u.path, "path")) return std::unexpected(*bad);
  auto tags = tags_of(c);
  if (!tags) return std::unexpected(tags.error());
  u.tags = std::move(*tags);
  if (c.p.has("PermissionsBoundary"))
    return std::unexpected(ApiError{400, "InvalidInput", "PermissionsBoundary is not supported by this region."});
  u.arn = iam_user_arn(c.account, u.path, u.name);
  if (auto denied = authorize(c, u.arn)) return std::unexpected(*denied);
  u.id = "AIDA" + iam::random_chars(17, iam::kBase32);
  u.create_date = iam::iam_time(c.now);
  auto created = c.store.create(iam::user_store_key(u.name), iam::user_json(u));
  if (!created) {
    if (created.error().code() == EEXIST)
      return std::unexpected(ApiError{409, "EntityAlreadyExists", "User with name " + u.name + " already exists."});
    return std::unexpected(iam::service_failure(created.error()));
  }
  return ok(c, [&](aws::XmlWriter& w) { write_user(w, "User", u, true); });
}

Answer<http::Response> get_user(const Call& c) {
  auto name = target_name(c);
  if (!name) return std::unexpected(name.error());
  auto u = authorized_user(c, *name);
  if (!u) return std::unexpected(u.error());
  return ok(c, [&](aws::XmlWriter& w) { write_user(w, "User", *u, true); });
}

Answer<http::Response> list_users(const Call& c) {
  auto prefix = c.p.get("PathPrefix");
  if (prefix)
    if (auto bad = iam::check_path_prefix(*prefix)) return std::unexpected(*bad);
  auto page = page_of(c);
  if (!page) return std::unexpected(page.error());
  if (auto denied = authorize(c, iam_user_arn(c.account, prefix.value_or("/"), ""))) return std::unexpected(*denied);
  auto users = iam::list_users(c.store);
  if (!users) return std::unexpected(users.error());
  // Users come in store-key (lower-cased name) order; the marker is the last key returned.
  std::vector<const User*> shown;
  bool truncated = false;
  std::string marker;
  for (const auto& u : *users) {
    std::string key = iam::user_store_key(u.name).substr(kIamUserPrefix.size());
    if (page->marker && key <= *page->marker) continue;
    if (prefix && u.path.rfind(*prefix, 0) != 0) continue;
    if (shown.size() == page->max_items) {
      truncated = true;
      break;
    }
    shown.push_back(&u);
    marker = key;
  }
  return ok(c, [&](aws::XmlWriter& w) {
    w.start("Users");
    for (const User* u : shown) write_user(w, "member", *u, false);
    w.end();
    w.leaf("IsTruncated", truncated);
    if (truncated) w.leaf("Marker", marker);
  });
}

Answer<http::Response> delete_user(const Call& c) {
  auto name = c.p.get("UserName");
  if (!name) return std::unexpected(iam::validation("userName", "Member must not be null"));
  if (auto bad = iam::check_user_name(*name, "userName", 128)) return std::unexpected(*bad);
  auto u = authorized_user(c, *name);
  if (!u) return std::unexpected(u.error());
  auto keys = iam::keys_of(c.store, *u);
  if (!keys) return std::unexpected(keys.error());
  if (!keys->empty())
    return std::unexpected(ApiError{409, "DeleteConflict", "Cannot delete entity, must delete access keys first."});
  if (auto r = c.store.remove(iam::user_store_key(u->name), u->mod_revision); !r)
    return std::unexpected(iam::service_failure(r.error()));
  return ok(c, nullptr);
}

Answer<http::Response> create_access_key(const Call& c) {
  auto name = target_name(c);
  if (!name) return std::unexpected(name.error());
  auto u = authorized_user(c, *name);
  if (!u) return std::unexpected(u.error());
  auto keys = iam::keys_of(c.store, *u);
  if (!keys) return std::unexpected(keys.error());
  if (keys->size() >= kAccessKeysPerUser)
    return std::unexpected(ApiError{409, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2"});
  KeyRecord k{new_access_key(c.account, u->arn), u->name, "Active", iam::iam_time(c.now)};
  if (auto r = c.store.create(std::string(kAccessKeyPrefix) + k.key.access_key_id, iam::key_json(k)); !r)
    return std::unexpected(iam::service_failure(r.error()));
  return ok(c, [&](aws::XmlWriter& w) {
    w.start("AccessKey").leaf("UserName", k.user_name).leaf("AccessKeyId", k.key.access_key_id);
    w.leaf("Status", k.status).leaf("SecretAccessKey", k.key.secret_access_key).leaf("CreateDate", k.create_date);
    w.end();
  });
}

Answer<http::Response> list_access_keys(const Call& c) {
  auto name = target_name(c);
  if (!name) return std::unexpected(name.error());
  auto page = page_of(c);
  if (!page) return std::unexpected(page.error());
  auto u = authorized_user(c, *name);
  if (!u) return std::unexpected(u.error());
  auto keys = iam::keys_of(c.store, *u);
  if (!keys) return std::unexpected(keys.error());
  std::vector<const KeyRecord*> shown;
  bool truncated = false;
  for (const auto& k : *keys) {
    if (page->marker && k.key.access_key_id <= *page->marker) continue;
    if (shown.size() == page->max_items) {
      truncated = true;
      break;
    }
    shown.push_back(&k);
  }
  return ok(c, [&](aws::XmlWriter& w) {
    w.start("AccessKeyMetadata");
    for (const KeyRecord* k : shown) {
      w.start("member").leaf("UserName", k->user_name).leaf("AccessKeyId", k->key.access_key_id);
      w.leaf("Status", k->status).leaf("CreateDate", k->create_date).end();
    }
    w.end();
    w.leaf("IsTruncated", truncated);
    if (truncated) w.leaf("Marker", shown.back()->key.access_key_id);
  });
}

Answer<http::Response> delete_access_key(const Call& c) {
  auto id = c.p.get("AccessKeyId");
  if (!id) return std::unexpected(iam::validation("accessKeyId", "Member must not be null"));
  if (auto bad = iam::check_access_key_id(*id)) return std::unexpected(*bad);
  auto name = target_name(c);
  if (!name) return std::unexpected(name.error());
  auto u = authorized_user(c, *name);
  if (!u) return std::unexpected(u.error());
  auto k = iam::find_key(c.store, *id);
  if (!k) return std::unexpected(k.error());
  // Another user's key is as unknown as a missing one: IAM looks it up under this user.
  if (!*k || (*k)->key.arn != u->arn)
    return std::unexpected(ApiError{404, "NoSuchEntity", "The Access Key with id " + *id + " cannot be found."});
  if (auto r = c.store.remove(std::string(kAccessKeyPrefix) + *id); !r)
    return std::unexpected(iam::service_failure(r.error()));
  return ok(c, nullptr);
}

constexpr std::pair<std::string_view, Handler> kActions[] = {
    {"CreateUser", create_user},
    {"GetUser", get_user},
    {"ListUsers", list_users},
    {"DeleteUser", delete_user},
    {"CreateAccessKey", create_access_key},
    {"ListAccessKeys", list_access_keys},
    {"DeleteAccessKey", delete_access_key},
};

}  // namespace

IamApi::IamApi(store::Store& store, std::string account_id, Clock clock)
    : store_(store), account_id_(std::move(account_id)), clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return std::chrono::system_clock::now(); };
}

http::Response IamApi::handle(const http::Request& r, const aws::Caller& caller, const std::string& request_id) {
  auto error = [&](const ApiError& e) {
    return aws::query_error(e.status, kIamNamespace, e.code, e.message, request_id);
  };
  try {
    auto params = aws::parse_query(r.method == "GET" ? r.query : r.body);
    if (!params) return error({400, "MalformedQueryString", params.error().what()});
    std::string action = params->get("Action").value_or("");
    Handler handler = nullptr;
    for (const auto& [name, h] : kActions)
      if (name == action) handler = h;
    if (!handler)
      return error({400, "InvalidAction", "Could not find operation " + action + " for version 2010-05-08"});
    std::lock_guard lock(mu_);
    auto now = clock_();
    auto admin = iam::ensure_admin_user(store_, account_id_, now);
    if (!admin) return error(admin.error());
    Call call{store_, account_id_, *params, caller, action, now, *admin, request_id};
    auto answer = handler(call);
    return answer ? std::move(*answer) : error(answer.error());
  } catch (const std::exception& e) {
    return error(iam::service_failure(Error::invalid(e.what())));
  }
}

}  // namespace v6k::region
