// What every cluster has from its first second, as kube-apiserver's bootstrap controller
// makes it: the namespaces default, kube-system, kube-public and kube-node-lease.
#include "kube/apiserver/internal.h"
#include "kube/validation/defaults.h"

namespace v6k::kube::internal {

Result<> bootstrap(Env& env) {
  const Resource& ns = *find_resource("", "namespaces");
  for (const char* name : {"default", "kube-system", "kube-public", "kube-node-lease"}) {
    std::string key = object_key(env, ns, "", name);
    if (env.store->get(key)) continue;
    json obj = {{"apiVersion", "v1"},
                {"kind", "Namespace"},
                {"metadata", {{"name", name}, {"uid", new_uid()}, {"creationTimestamp", rfc3339(Clock::now())}}}};
    apply_defaults("", "Namespace", obj);
    auto kv = env.store->create(key, encode_for_store(obj));
    if (!kv && kv.error().code() != EEXIST) return fail(std::move(kv.error()).wrap("creating namespace " + std::string(name)));
  }
  return {};
}

}  // namespace v6k::kube::internal
