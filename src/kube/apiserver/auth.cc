#include "kube/apiserver/auth.h"

#include <openssl/crypto.h>

#include <algorithm>

namespace v6k::kube {

bool User::in(std::string_view group) const {
  return std::find(groups.begin(), groups.end(), group) != groups.end();
}

Authenticator::Authenticator(std::vector<TokenUser> tokens, TokenAuthenticator extra)
    : tokens_(std::move(tokens)), extra_(std::move(extra)) {}

std::optional<User> Authenticator::authenticate(const http::Request& req) const {
  auto h = req.header("authorization");
  if (!h) return std::nullopt;
  std::string_view v = *h;
  if (v.size() < 7 || (v.substr(0, 7) != "Bearer " && v.substr(0, 7) != "bearer ")) return std::nullopt;
  std::string_view token = v.substr(7);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  if (token.empty()) return std::nullopt;
  for (const auto& t : tokens_) {
    // Constant-time compare: a token is a password.
    if (t.token.size() == token.size() &&
        CRYPTO_memcmp(t.token.data(), token.data(), token.size()) == 0)
      return t.user;
  }
  if (extra_) return extra_(token);
  return std::nullopt;
}

bool public_path(std::string_view path) {
  return path == "/version" || path == "/version/" || path == "/healthz" || path == "/livez" ||
         path == "/readyz";
}

namespace {

bool node_may(const RequestInfo& info) {
  const std::string& v = info.verb;
  if (v == "get" || v == "list" || v == "watch") return true;
  const std::string& r = info.resource;
  const std::string& s = info.subresource;
  if (r == "nodes" || r == "leases" || r == "events") return true;
  if (r == "pods" && (s == "status" || v == "delete" || v == "create")) return true;
  if (r == "tokenreviews" && v == "create") return true;  // kubelet webhook authentication
  return false;
}

// kube-scheduler's built-in role: read everything, bind pods, write pod status, Events
// and its Lease.
bool scheduler_may(const RequestInfo& info) {
  const std::string& v = info.verb;
  if (v == "get" || v == "list" || v == "watch") return true;
  const std::string& r = info.resource;
  const std::string& s = info.subresource;
  if (r == "pods" && (s == "binding" || s == "status")) return true;
  if (r == "bindings" || r == "events" || r == "leases") return true;
  return false;
}

}  // namespace

std::string authorize(const User& user, const RequestInfo& info) {
  if (user.in("system:masters")) return "";
  if (!info.resource_request) return "";  // discovery and friends: any authenticated user
  if (user.in("system:nodes") && node_may(info)) return "";
  // The controller manager runs every controller, so it may do what any of them does.
  if (user.name == "system:kube-controller-manager") return "";
  if (user.name == "system:kube-scheduler" && scheduler_may(info)) return "";
  std::string resource = info.resource + (info.subresource.empty() ? "" : "/" + info.subresource);
  std::string qualified = info.group.empty() ? info.resource : info.resource + "." + info.group;
  std::string subject = info.name.empty() ? qualified : qualified + " \"" + info.name + "\"";
  std::string where = info.namespace_.empty() ? "at the cluster scope"
                                              : "in the namespace \"" + info.namespace_ + "\"";
  return subject + " is forbidden: User \"" + user.name + "\" cannot " + info.verb + " resource \"" +
         resource + "\" in API group \"" + info.group + "\" " + where;
}

}  // namespace v6k::kube
