// authentication.k8s.io/v1 TokenReview: a create-only, never-stored resource that tells a
// caller who a bearer token belongs to, from this server's own token authenticators
// (static tokens, then ApiServerOptions::authenticate_token). Node agents call it to
// authenticate requests to their kubelet endpoint (webhook token authentication), as
// upstream kubelets do:
//
//   POST /apis/authentication.k8s.io/v1/tokenreviews
//   {"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"s3cret"}}
//   → 201 {..., "status":{"authenticated":true,"user":{"username":"admin","groups":[...]}}}
//
// An unknown token is not an error: 201 with status.authenticated=false.
#include "kube/apiserver/internal.h"

namespace v6k::kube::internal {

http::Response handle_token_review(Ctx& c) {
  if (c.info.verb != "create" || !c.info.name.empty())
    return status_response(method_not_supported(*c.res, c.info.verb));
  auto body = decode_body(c.req);
  if (!body) return status_response(body.error());
  if (!body->is_object()) return status_response(bad_request("TokenReview must be a JSON object"));
  json spec = body->value("spec", json::object());
  const std::string token = spec.is_object() && spec.value("token", json()).is_string() ? spec["token"].get<std::string>() : "";
  // Upstream's wording (pkg/registry/authentication/tokenreview).
  if (token.empty()) return status_response(bad_request("token is required for TokenReview in authentication"));

  // The same authenticators as this server's own requests, asked through a request that
  // carries only the token.
  http::Request probe;
  probe.headers.emplace_back("authorization", "Bearer " + token);
  Authenticator auth(c.env.options.tokens, c.env.options.authenticate_token);
  std::optional<User> user;
  try {
    user = auth.authenticate(probe);
  } catch (const std::exception&) {
    user.reset();  // a failing verifier authenticates nobody
  }
  json status = {{"authenticated", user.has_value()}, {"user", json::object()}};
  if (user) {
    status["user"]["username"] = user->name;
    status["user"]["groups"] = user->groups;
  }
  json meta = body->value("metadata", json::object());
  if (!meta.is_object()) meta = json::object();
  meta["creationTimestamp"] = nullptr;
  json out = {{"kind", "TokenReview"},
              {"apiVersion", "authentication.k8s.io/v1"},
              {"metadata", meta},
              {"spec", spec},
              {"status", status}};
  return json_response(201, out);
}

}  // namespace v6k::kube::internal
