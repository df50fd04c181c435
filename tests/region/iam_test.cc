// IAM users and access keys (region/iam.h). The real /usr/bin/aws against an in-process
// region (SQLite store + region::FrontDoor behind an http::Server on loopback, no root):
// a new user's key works at once on STS, EC2 and EKS and stops working once deleted, only
// v6k-admin may call IAM, and every error comes back with AWS's code and message. The
// input checks are a table against IamApi directly (no CLI start-up per row).
#include "region/iam.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "aws/xml_reader.h"
#include "http/server.h"
#include "region/front_door.h"
#include "store/store.h"
#include "support/proc.h"
#include "support/temp_dir.h"

namespace {

using nlohmann::json;
using namespace v6k;
namespace vt = v6k::testing;

constexpr const char* kAccount = "123456789012";

struct CliError {
  int exit_code = 0;
  std::string code;
  std::string message;
  std::string raw;
};

// One region on loopback: store, front door, server; aws() runs the CLI as any key.
class Region {
 public:
  Region() : dir_("v6k-iam") {
    auto s = store::open_sqlite(dir_.path() + "/state.db");
    EXPECT_TRUE(s.has_value());
    store_ = std::move(*s);
    auto key = region::ensure_admin_key(*store_, kAccount);
    EXPECT_TRUE(key.has_value());
    admin_ = *key;
    door_ = std::make_unique<region::FrontDoor>(*store_, ec2::RegionConfig::defaults());
    auto srv = http::Server::start({.listen = {"127.0.0.1:0", "[::1]:0"}, .threads = 2},
                                   [this](const http::Request& r) { return door_->handle(r); });
    EXPECT_TRUE(srv.has_value()) << (srv ? "" : srv.error().message());
    if (srv) server_ = std::move(*srv);
  }
  ~Region() {
    server_.reset();
    door_.reset();
  }

  vt::ExecResult aws(const std::vector<std::string>& args, const std::string& key_id, const std::string& secret) {
    std::vector<std::string> argv = {"/usr/bin/aws", "--endpoint-url",
                                     "http://localhost:" + std::to_string(server_ ? server_->port() : 1), "--output",
                                     "json"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::map<std::string, std::string> env = {{"AWS_ACCESS_KEY_ID", key_id},
                                              {"AWS_SECRET_ACCESS_KEY", secret},
                                              {"AWS_DEFAULT_REGION", "us-west-2"},
                                              {"AWS_PAGER", ""},
                                              {"AWS_MAX_ATTEMPTS", "1"},
                                              {"AWS_CONFIG_FILE", dir_.path() + "/none"},
                                              {"AWS_SHARED_CREDENTIALS_FILE", dir_.path() + "/none"},
                                              {"HOME", dir_.path()},
                                              {"PATH", "/usr/bin:/bin"}};
    return vt::run_command(argv, env, "");
  }
  json ok(const std::vector<std::string>& args, const std::string& key_id = {}, const std::string& secret = {}) {
    auto r =
        aws(args, key_id.empty() ? admin_.access_key_id : key_id, key_id.empty() ? admin_.secret_access_key : secret);
    EXPECT_EQ(r.exit_code, 0) << args[0] << " " << args[1] << ": " << r.err;
    if (r.exit_code != 0 || r.out.empty()) return json::object();
    return json::parse(r.out, nullptr, false);
  }
  CliError error(const std::vector<std::string>& args, const std::string& key_id = {}, const std::string& secret = {}) {
    auto r =
        aws(args, key_id.empty() ? admin_.access_key_id : key_id, key_id.empty() ? admin_.secret_access_key : secret);
    CliError e{r.exit_code, "", "", r.err};
    static const std::string kMark = "An error occurred (";
    auto open = r.err.find(kMark);
    if (open == std::string::npos) return e;
    open += kMark.size();
    auto close = r.err.find(')', open);
    e.code = r.err.substr(open, close - open);
    // "… when calling the X operation[ (reached max retries: N)]: message"
    auto op = r.err.find(" operation", close);
    if (op != std::string::npos && r.err.compare(op + 10, 2, " (") == 0) op = r.err.find(')', op);
    auto colon = op == std::string::npos ? op : r.err.find(": ", op);
    if (colon != std::string::npos) e.message = r.err.substr(colon + 2);
    while (!e.message.empty() && e.message.back() == '\n') e.message.pop_back();
    return e;
  }

  store::Store& store() { return *store_; }
  const region::AccessKey& admin() const { return admin_; }

 private:
  vt::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  region::AccessKey admin_;
  std::unique_ptr<region::FrontDoor> door_;
  std::unique_ptr<http::Server> server_;
};

bool have_aws_cli() { return ::access("/usr/bin/aws", X_OK) == 0; }

std::string arn(const std::string& rest) { return std::string("arn:aws:iam::") + kAccount + ":" + rest; }

std::string denied(const std::string& who, const std::string& action, const std::string& resource) {
  return "User: " + arn(who) + " is not authorized to perform: iam:" + action + " on resource: " + resource +
         " because no identity-based policy allows the iam:" + action + " action";
}

TEST(IamCli, UsersKeysAndWhoMayCallIam) {
  if (!have_aws_cli()) GTEST_SKIP() << "/usr/bin/aws is not installed";
  Region r;

  // The admin is a user like any other, recorded on first use.
  json me = r.ok({"iam", "get-user"});
  EXPECT_EQ(me["User"]["UserName"], "v6k-admin");
  EXPECT_EQ(me["User"]["Arn"], arn("user/v6k-admin"));

  json alice = r.ok({"iam", "create-user", "--user-name", "alice"});
  EXPECT_EQ(alice["User"]["Arn"], arn("user/alice"));
  EXPECT_EQ(alice["User"]["Path"], "/");
  std::string user_id = alice["User"]["UserId"];
  EXPECT_EQ(user_id.rfind("AIDA", 0), 0u) << user_id;
  EXPECT_EQ(user_id.size(), 21u) << user_id;
  EXPECT_TRUE(alice["User"]["CreateDate"].is_string());
  json bob = r.ok({"iam", "create-user", "--user-name", "bob", "--path", "/team/", "--tags", "Key=team,Value=net"});
  EXPECT_EQ(bob["User"]["Arn"], arn("user/team/bob"));
  EXPECT_EQ(bob["User"]["Tags"][0]["Value"], "net");
  EXPECT_EQ(r.ok({"iam", "get-user", "--user-name", "bob"})["User"]["Tags"][0]["Key"], "team");
  json users = r.ok({"iam", "list-users"});
  ASSERT_EQ(users["Users"].size(), 3u) << users.dump();
  EXPECT_EQ(users["Users"][0]["UserName"], "alice");
  EXPECT_EQ(users["Users"][1]["UserName"], "bob");
  EXPECT_EQ(users["Users"][2]["UserName"], "v6k-admin");
  EXPECT_EQ(r.ok({"iam", "list-users", "--path-prefix", "/team/"})["Users"].size(), 1u);
  // The CLI's own pagination follows our Marker.
  EXPECT_EQ(r.ok({"iam", "list-users", "--page-size", "1"})["Users"].size(), 3u);

  // A new key works at once, on every service, as alice.
  json k1 = r.ok({"iam", "create-access-key", "--user-name", "alice"});
  std::string id1 = k1["AccessKey"]["AccessKeyId"], secret1 = k1["AccessKey"]["SecretAccessKey"];
  EXPECT_EQ(id1.rfind("AKIA", 0), 0u);
  EXPECT_EQ(id1.size(), 20u);
  EXPECT_EQ(secret1.size(), 40u);
  EXPECT_EQ(k1["AccessKey"]["Status"], "Active");
  EXPECT_EQ(k1["AccessKey"]["UserName"], "alice");
  json who = r.ok({"sts", "get-caller-identity"}, id1, secret1);
  EXPECT_EQ(who["Arn"], arn("user/alice"));
  EXPECT_EQ(who["Account"], kAccount);
  EXPECT_EQ(who["UserId"], user_id) << "the user's AIDA… id, as AWS reports it";
  EXPECT_TRUE(r.ok({"ec2", "describe-vpcs"}, id1, secret1)["Vpcs"].is_array());
  EXPECT_TRUE(r.ok({"eks", "list-clusters"}, id1, secret1)["clusters"].is_array());

  // Only v6k-admin may call IAM.
  auto e = r.error({"iam", "list-users"}, id1, secret1);
  EXPECT_EQ(e.code, "AccessDenied") << e.raw;
  EXPECT_EQ(e.message, denied("user/alice", "ListUsers", arn("user/")));
  e = r.error({"iam", "create-user", "--user-name", "mallory"}, id1, secret1);
  EXPECT_EQ(e.message, denied("user/alice", "CreateUser", arn("user/mallory")));
  e = r.error({"iam", "get-user"}, id1, secret1);
  EXPECT_EQ(e.message, denied("user/alice", "GetUser", arn("user/alice")));
  e = r.error({"iam", "create-access-key", "--user-name", "bob"}, id1, secret1);
  EXPECT_EQ(e.message, denied("user/alice", "CreateAccessKey", arn("user/team/bob")));

  // Two keys per user.
  json k2 = r.ok({"iam", "create-access-key", "--user-name", "alice"});
  std::string id2 = k2["AccessKey"]["AccessKeyId"];
  e = r.error({"iam", "create-access-key", "--user-name", "alice"});
  EXPECT_EQ(e.code, "LimitExceeded") << e.raw;
  EXPECT_EQ(e.message, "Cannot exceed quota for AccessKeysPerUser: 2");
  json keys = r.ok({"iam", "list-access-keys", "--user-name", "alice"});
  ASSERT_EQ(keys["AccessKeyMetadata"].size(), 2u);
  for (const auto& k : keys["AccessKeyMetadata"]) {
    EXPECT_EQ(k["UserName"], "alice");
    EXPECT_EQ(k["Status"], "Active");
    EXPECT_TRUE(k["AccessKeyId"] == id1 || k["AccessKeyId"] == id2) << k.dump();
  }
  json mine = r.ok({"iam", "list-access-keys"});  // the caller's own: the admin key
  ASSERT_EQ(mine["AccessKeyMetadata"].size(), 1u);
  EXPECT_EQ(mine["AccessKeyMetadata"][0]["AccessKeyId"], r.admin().access_key_id);
  EXPECT_EQ(mine["AccessKeyMetadata"][0]["UserName"], "v6k-admin");

  // Errors with AWS's codes and messages.
  struct Bad {
    std::vector<std::string> args;
    std::string code, message;
  };
  std::vector<Bad> bad = {
      {{"iam", "delete-user", "--user-name", "alice"},
       "DeleteConflict",
       "Cannot delete entity, must delete access keys first."},
      {{"iam", "create-user", "--user-name", "alice"}, "EntityAlreadyExists", "User with name alice already exists."},
      {{"iam", "create-user", "--user-name", "ALICE"}, "EntityAlreadyExists", "User with name ALICE already exists."},
      {{"iam", "get-user", "--user-name", "nobody"}, "NoSuchEntity", "The user with name nobody cannot be found."},
      {{"iam", "create-access-key", "--user-name", "nobody"},
       "NoSuchEntity",
       "The user with name nobody cannot be found."},
      {{"iam", "create-user", "--user-name", "bad name!"},
       "ValidationError",
       "The specified value for userName is invalid. It must contain only alphanumeric characters and/or the "
       "following: +=,.@_-"},
      {{"iam", "delete-access-key", "--user-name", "bob", "--access-key-id", id1},
       "NoSuchEntity",
       "The Access Key with id " + id1 + " cannot be found."},
  };
  for (const auto& b : bad) {
    auto got = r.error(b.args);
    EXPECT_EQ(got.exit_code, 254) << b.args[1];
    EXPECT_EQ(got.code, b.code) << b.args[1] << ": " << got.raw;
    EXPECT_EQ(got.message, b.message) << b.args[1];
  }

  // A deleted key stops working at once, each service in its own words.
  EXPECT_EQ(r.aws({"iam", "delete-access-key", "--user-name", "alice", "--access-key-id", id1}, r.admin().access_key_id,
                  r.admin().secret_access_key)
                .exit_code,
            0);
  e = r.error({"sts", "get-caller-identity"}, id1, secret1);
  EXPECT_EQ(e.code, "InvalidClientTokenId");
  EXPECT_EQ(e.message, "The security token included in the request is invalid.");
  e = r.error({"ec2", "describe-vpcs"}, id1, secret1);
  EXPECT_EQ(e.code, "AuthFailure");
  EXPECT_EQ(e.message, "AWS was not able to validate the provided access credentials");
  e = r.error({"eks", "list-clusters"}, id1, secret1);
  EXPECT_EQ(e.code, "UnrecognizedClientException");
  e = r.error({"iam", "get-user"}, id1, secret1);
  EXPECT_EQ(e.code, "InvalidClientTokenId");
  EXPECT_EQ(e.message, "The security token included in the request is invalid.");
  e = r.error({"iam", "delete-access-key", "--user-name", "alice", "--access-key-id", id1});
  EXPECT_EQ(e.code, "NoSuchEntity");
  EXPECT_EQ(e.message, "The Access Key with id " + id1 + " cannot be found.");

  // Without keys the user can go.
  EXPECT_EQ(r.aws({"iam", "delete-access-key", "--user-name", "alice", "--access-key-id", id2}, r.admin().access_key_id,
                  r.admin().secret_access_key)
                .exit_code,
            0);
  EXPECT_EQ(r.aws({"iam", "delete-user", "--user-name", "alice"}, r.admin().access_key_id, r.admin().secret_access_key)
                .exit_code,
            0);
  e = r.error({"iam", "get-user", "--user-name", "alice"});
  EXPECT_EQ(e.code, "NoSuchEntity");
  EXPECT_EQ(r.ok({"iam", "list-users"})["Users"].size(), 2u);
}

// ---- IamApi directly: every input check, status codes, the XML shapes, pagination ----

struct Reply {
  int status = 0;
  std::string code, message;
  aws::XmlElement doc;
};

Reply call(region::IamApi& api, const aws::Caller& who, const std::string& body) {
  http::Request req;
  req.method = "POST";
  req.path = "/";
  req.target = "/";
  req.body = body;
  http::Response resp = api.handle(req, who, "req-1");
  Reply out{resp.status, "", "", {}};
  auto doc = aws::parse_xml(resp.body);
  EXPECT_TRUE(doc.has_value()) << resp.body;
  if (!doc) return out;
  out.doc = std::move(*doc);
  out.code = out.doc.text_or("Error/Code");
  out.message = out.doc.text_or("Error/Message");
  return out;
}

aws::Caller caller(const std::string& user) {
  return aws::Caller{{"AKIAEXAMPLE000000000", "secret", kAccount, arn("user/" + user)}, "us-east-1", "iam"};
}

TEST(IamApi, InputChecksStatusesAndShapes) {
  vt::TempDir dir("v6k-iam");
  auto st = store::open_sqlite(dir.path() + "/state.db");
  ASSERT_TRUE(st.has_value());
  auto admin_key = region::ensure_admin_key(**st, kAccount);
  ASSERT_TRUE(admin_key.has_value());
  region::IamApi api(**st, kAccount);
  aws::Caller admin = caller("v6k-admin");
  std::string a65(65, 'a'), a129(129, 'a'), a511(511, 'a');
  struct Row {
    std::string body;
    int status;
    std::string code, message;
  };
  const std::string v = "1 validation error detected: Value at '";
  std::vector<Row> rows = {
      {"Action=CreateUser", 400, "ValidationError",
       v + "userName' failed to satisfy constraint: Member must not be null"},
      {"Action=CreateUser&UserName=" + a65, 400, "ValidationError",
       v + "userName' failed to satisfy constraint: Member must have length less than or equal to 64"},
      {"Action=CreateUser&UserName=a%2Fb", 400, "ValidationError",
       "The specified value for userName is invalid. It must contain only alphanumeric characters and/or the "
       "following: +=,.@_-"},
      {"Action=CreateUser&UserName=carol&Path=team", 400, "ValidationError",
       "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric "
       "characters and/or / characters."},
      {"Action=CreateUser&UserName=carol&Path=%2F" + a511 + "%2F", 400, "ValidationError",
       v + "path' failed to satisfy constraint: Member must have length less than or equal to 512"},
      {"Action=CreateUser&UserName=carol&Tags.member.1.Key=k&Tags.member.1.Value=1&Tags.member.2.Key=K&"
       "Tags.member.2.Value=2",
       400, "InvalidInput", "Duplicate tag keys found. Please note that Tag keys are case insensitive."},
      {"Action=GetUser&UserName=" + a129, 400, "ValidationError",
       v + "userName' failed to satisfy constraint: Member must have length less than or equal to 128"},
      {"Action=DeleteUser&UserName=nobody", 404, "NoSuchEntity", "The user with name nobody cannot be found."},
      {"Action=DeleteAccessKey", 400, "ValidationError",
       v + "accessKeyId' failed to satisfy constraint: Member must not be null"},
      {"Action=DeleteAccessKey&AccessKeyId=AKIA-not-a-key-id", 400, "ValidationError",
       v + "accessKeyId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w]+"},
      {"Action=DeleteAccessKey&AccessKeyId=AKIAAAAAAAAAAAAAAAAA", 404, "NoSuchEntity",
       "The Access Key with id AKIAAAAAAAAAAAAAAAAA cannot be found."},
      {"Action=ListUsers&MaxItems=1001", 400, "ValidationError",
       v + "maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000"},
      {"Action=ListUsers&PathPrefix=team", 400, "ValidationError",
       v + "pathPrefix' failed to satisfy constraint: Member must satisfy regular expression pattern: "
           "\\u002F[\\u0021-\\u007F]*"},
      {"Action=CreateRole&RoleName=x", 400, "InvalidAction",
       "Could not find operation CreateRole for version 2010-05-08"},
      {"Action=CreateUser&UserName=a%ZZ", 400, "MalformedQueryString", ""},
  };
  for (const auto& row : rows) {
    Reply got = call(api, admin, row.body);
    EXPECT_EQ(got.status, row.status) << row.body;
    EXPECT_EQ(got.code, row.code) << row.body;
    if (!row.message.empty()) {
      EXPECT_EQ(got.message, row.message) << row.body;
    }
    EXPECT_EQ(got.doc.name, "ErrorResponse");
    EXPECT_EQ(got.doc.attribute("xmlns").value_or(""), region::kIamNamespace);
    EXPECT_EQ(got.doc.text_or("Error/Type"), "Sender");
    EXPECT_EQ(got.doc.text_or("RequestId"), "req-1");
  }
  // Nothing of the refused calls was stored.
  Reply list = call(api, admin, "Action=ListUsers");
  ASSERT_EQ(list.doc.find("ListUsersResult/Users")->children_named("member").size(), 1u);

  // The success shape, then the conflict statuses.
  Reply created = call(api, admin, "Action=CreateUser&UserName=carol&Path=%2Fops%2F");
  EXPECT_EQ(created.status, 200);
  EXPECT_EQ(created.doc.name, "CreateUserResponse");
  EXPECT_EQ(created.doc.text_or("CreateUserResult/User/Arn"), arn("user/ops/carol"));
  EXPECT_EQ(created.doc.text_or("ResponseMetadata/RequestId"), "req-1");
  std::string date(created.doc.text_or("CreateUserResult/User/CreateDate"));
  EXPECT_EQ(date.size(), 20u) << date;  // 2026-11-27T12:00:00Z
  EXPECT_EQ(call(api, admin, "Action=CreateUser&UserName=Carol").status, 409);
  EXPECT_EQ(call(api, admin, "Action=CreateAccessKey&UserName=carol").status, 200);
  EXPECT_EQ(call(api, admin, "Action=CreateAccessKey&UserName=carol").status, 200);
  EXPECT_EQ(call(api, admin, "Action=CreateAccessKey&UserName=carol").status, 409);
  EXPECT_EQ(call(api, admin, "Action=DeleteUser&UserName=carol").status, 409);
  Reply deny = call(api, caller("carol"), "Action=GetUser&UserName=carol");
  EXPECT_EQ(deny.status, 403);
  EXPECT_EQ(deny.code, "AccessDenied");
  EXPECT_EQ(deny.message, denied("user/carol", "GetUser", arn("user/ops/carol")));

  // Pagination: 2 + 2 over carol, u1, u2, v6k-admin.
  for (const char* u : {"u1", "u2"})
    ASSERT_EQ(call(api, admin, std::string("Action=CreateUser&UserName=") + u).status, 200);
  Reply p1 = call(api, admin, "Action=ListUsers&MaxItems=2");
  EXPECT_EQ(p1.doc.text_or("ListUsersResult/IsTruncated"), "true");
  std::string marker(p1.doc.text_or("ListUsersResult/Marker"));
  ASSERT_FALSE(marker.empty());
  auto first = p1.doc.find("ListUsersResult/Users")->children_named("member");
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0]->text_or("UserName"), "carol");
  Reply p2 = call(api, admin, "Action=ListUsers&MaxItems=2&Marker=" + marker);
  EXPECT_EQ(p2.doc.text_or("ListUsersResult/IsTruncated"), "false");
  auto second = p2.doc.find("ListUsersResult/Users")->children_named("member");
  ASSERT_EQ(second.size(), 2u);
  EXPECT_EQ(second[0]->text_or("UserName"), "u2");
  EXPECT_EQ(second[1]->text_or("UserName"), "v6k-admin");

  // The admin key stays the admin's even when a user's key sorts before it.
  ASSERT_TRUE((*st)
                  ->create(std::string(region::kAccessKeyPrefix) + "AKIA0000000000000000",
                           json{{"access_key_id", "AKIA0000000000000000"},
                                {"secret_access_key", "s"},
                                {"account_id", kAccount},
                                {"arn", arn("user/u1")}}
                               .dump())
                  .has_value());
  auto again = region::ensure_admin_key(**st, kAccount);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->access_key_id, admin_key->access_key_id);
}

}  // namespace
