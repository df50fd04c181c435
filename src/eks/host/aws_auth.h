// The aws-auth ConfigMap (kube-system/aws-auth), as aws-iam-authenticator reads it: which
// IAM principals other than the cluster creator may use the cluster, as which Kubernetes
// user and groups.
//
//   data:
//     mapUsers: |
//       - userarn: arn:aws:iam::123456789012:user/alice
//         username: alice
//         groups: [system:masters]
//     mapRoles: |
//       - rolearn: arn:aws:iam::123456789012:role/EKSNodeRole
//         username: system:node:{{EC2PrivateDNSName}}
//         groups: [system:bootstrappers, system:nodes]
//     mapAccounts: |
//       - "210987654321"
//
//   auto m = AwsAuth::parse(configmap_json);
//   auto who = m->map("arn:aws:iam::123456789012:user/alice", "123456789012");
//   // who->name == "alice", who->groups == {"system:masters", "system:authenticated"}
//
// Role entries match the role's assumed-role sessions (arn:aws:sts::<acct>:assumed-role/
// <role>/<session>) and the role ARN itself. Templates in usernames: {{AccountID}},
// {{SessionName}}, {{SessionNameRaw}}; {{EC2PrivateDNSName}} cannot be resolved here, so
// such an entry is skipped. mapAccounts maps every principal of the account to its ARN as
// the user name, with no groups. A malformed section is ignored as a whole (the others
// still apply), with the reason kept in errors().
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace v6k::eks::host {

struct MappedUser {
  std::string name;
  std::vector<std::string> groups;  // always ends with system:authenticated
};

class AwsAuth {
 public:
  // From the ConfigMap object (its `data`); a missing ConfigMap is an empty mapping.
  static AwsAuth parse(const nlohmann::json& configmap);
  std::optional<MappedUser> map(const std::string& arn, const std::string& account_id) const;
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  struct Entry {
    std::string arn;  // userarn or rolearn
    bool role = false;
    std::string username;
    std::vector<std::string> groups;
  };
  std::vector<Entry> entries_;
  std::vector<std::string> accounts_;
  std::vector<std::string> errors_;
};

}  // namespace v6k::eks::host
