// Who is calling (bearer tokens) and what they may do. Two scopes exist today:
//  - cluster admins (group system:masters): everything;
//  - node agents (group system:nodes, user system:node:<name>): read everything, write
//    nodes, leases, events and pod status, bind and delete pods.
// Non-resource paths (discovery, /version, /openapi) need any authenticated user, except
// /version, /healthz, /livez and /readyz, which anyone may read (as upstream's
// system:public-info-viewer).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.h"
#include "kube/apiserver/request_info.h"

namespace v6k::kube {

struct User {
  std::string name;
  std::vector<std::string> groups;
  bool in(std::string_view group) const;
};

struct TokenUser {
  std::string token;
  User user;
};

// A token verifier beyond the static list (the EKS issue adds aws-iam tokens).
using TokenAuthenticator = std::function<std::optional<User>(std::string_view token)>;

class Authenticator {
 public:
  Authenticator(std::vector<TokenUser> tokens, TokenAuthenticator extra);
  // nullopt: no or unknown credentials (the caller answers 401).
  std::optional<User> authenticate(const http::Request& req) const;

 private:
  std::vector<TokenUser> tokens_;
  TokenAuthenticator extra_;
};

bool public_path(std::string_view path);
// Empty when allowed; else the upstream Forbidden message:
// `pods "x" is forbidden: User "u" cannot delete resource "pods" in API group "" in the namespace "ns"`.
std::string authorize(const User& user, const RequestInfo& info);

}  // namespace v6k::kube
