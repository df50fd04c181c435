// The aws-auth ConfigMap's mappings, as aws-iam-authenticator applies them.
#include <gtest/gtest.h>

#include "eks/host/aws_auth.h"

namespace v6k::eks::host {
namespace {

using nlohmann::json;

json configmap(const std::string& users, const std::string& roles = "", const std::string& accounts = "") {
  json data = json::object();
  if (!users.empty()) data["mapUsers"] = users;
  if (!roles.empty()) data["mapRoles"] = roles;
  if (!accounts.empty()) data["mapAccounts"] = accounts;
  return {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "aws-auth"}}}, {"data", data}};
}

const char* kUsers = R"(- userarn: arn:aws:iam::123456789012:user/alice
  username: alice
  groups:
    - system:masters
- userarn: arn:aws:iam::123456789012:user/bob
  groups: [viewers]
)";

const char* kRoles = R"(- rolearn: arn:aws:iam::123456789012:role/Admin
  username: admin:{{AccountID}}:{{SessionName}}
  groups: [system:masters]
- rolearn: arn:aws:iam::123456789012:role/EKSNodeRole
  username: system:node:{{EC2PrivateDNSName}}
  groups: [system:bootstrappers, system:nodes]
)";

TEST(AwsAuth, MapsUsersRolesAndAccounts) {
  AwsAuth a = AwsAuth::parse(configmap(kUsers, kRoles, "- \"210987654321\"\n"));
  EXPECT_TRUE(a.errors().empty());
  struct Case {
    std::string arn, account;
    std::optional<std::string> name;
    std::vector<std::string> groups;
  } cases[] = {
      {"arn:aws:iam::123456789012:user/alice", "123456789012", "alice", {"system:masters", "system:authenticated"}},
      {"arn:aws:iam::123456789012:user/bob", "123456789012", "arn:aws:iam::123456789012:user/bob",
       {"viewers", "system:authenticated"}},
      {"arn:aws:sts::123456789012:assumed-role/Admin/carol@example.com", "123456789012",
       "admin:123456789012:carol-example.com", {"system:masters", "system:authenticated"}},
      {"arn:aws:iam::123456789012:role/Admin", "123456789012", "admin:123456789012:", {"system:masters",
                                                                                      "system:authenticated"}},
      // A node-role entry needs the instance's DNS name, which a token does not carry.
      {"arn:aws:sts::123456789012:assumed-role/EKSNodeRole/i-0abc", "123456789012", std::nullopt, {}},
      {"arn:aws:iam::210987654321:user/dave", "210987654321", "arn:aws:iam::210987654321:user/dave",
       {"system:authenticated"}},
      {"arn:aws:iam::123456789012:user/mallory", "123456789012", std::nullopt, {}},
      {"arn:aws:iam::123456789012:user/alice2", "123456789012", std::nullopt, {}},
  };
  for (const auto& c : cases) {
    auto m = a.map(c.arn, c.account);
    ASSERT_EQ(m.has_value(), c.name.has_value()) << c.arn;
    if (!m) continue;
    EXPECT_EQ(m->name, *c.name) << c.arn;
    EXPECT_EQ(m->groups, c.groups) << c.arn;
  }
}

TEST(AwsAuth, MissingOrBrokenSectionsMapNobodyButKeepTheOthers) {
  EXPECT_FALSE(AwsAuth::parse(json()).map("arn:aws:iam::1:user/a", "1"));
  EXPECT_FALSE(AwsAuth::parse(json{{"data", json::object()}}).map("arn:aws:iam::1:user/a", "1"));
  AwsAuth broken = AwsAuth::parse(configmap("- userarn: [unclosed", kRoles));
  ASSERT_EQ(broken.errors().size(), 1u);
  EXPECT_EQ(broken.errors()[0].rfind("mapUsers: ", 0), 0u) << broken.errors()[0];
  EXPECT_TRUE(broken.map("arn:aws:iam::123456789012:role/Admin", "123456789012"));
  AwsAuth not_list = AwsAuth::parse(configmap("userarn: x"));
  ASSERT_EQ(not_list.errors().size(), 1u);
  EXPECT_EQ(not_list.errors()[0], "mapUsers: not a list");
  AwsAuth no_arn = AwsAuth::parse(configmap("- username: x\n"));
  ASSERT_EQ(no_arn.errors().size(), 1u);
  EXPECT_EQ(no_arn.errors()[0], "an entry without userarn");
}

}  // namespace
}  // namespace v6k::eks::host
