// validate(): picks the kind's rules. Metadata first, then the spec, as upstream's
// Validate<Kind> / Validate<Kind>Update do.
#include "kube/selector/label_syntax.h"
#include "kube/validation/internal.h"

namespace v6k::kube {

namespace {

using detail::json;

struct KindRules {
  std::string_view group, kind;
  bool namespaced;
  detail::NameCheck name_check;
};

std::vector<std::string> subdomain(std::string_view s) { return dns1123_subdomain_errors(s); }
std::vector<std::string> label(std::string_view s) { return dns1123_label_errors(s); }

constexpr KindRules kRules[] = {
    {"", "Namespace", false, label},
    {"", "Node", false, subdomain},
    {"", "Pod", true, subdomain},
    {"", "Service", true, detail::dns1035_label_errors},
    {"", "Endpoints", true, subdomain},
    {"", "Event", true, subdomain},
    {"", "ConfigMap", true, subdomain},
    {"", "Secret", true, subdomain},
    {"", "ServiceAccount", true, subdomain},
    {"apps", "Deployment", true, subdomain},
    {"apps", "ReplicaSet", true, subdomain},
    {"discovery.k8s.io", "EndpointSlice", true, subdomain},
};

std::vector<FieldError> validate_unsafe(std::string_view group, std::string_view kind, const json& obj,
                                        const json& old) {
  detail::Errors e;
  const json& meta = detail::at(obj, "metadata");
  const KindRules* rules = nullptr;
  for (const auto& r : kRules) {
    if (r.group == group && r.kind == kind) rules = &r;
  }
  bool update = old.is_object();
  if (update) detail::validate_object_meta_update(e, meta, detail::at(old, "metadata"));
  if (rules == nullptr) {
    // Unknown kind: check the metadata without a scope rule.
    detail::validate_object_meta(e, meta, !detail::str(meta, "namespace").empty(), subdomain);
    return e.take();
  }
  detail::validate_object_meta(e, meta, rules->namespaced, rules->name_check);
  if (kind == "Pod") {
    detail::validate_pod_spec(e, detail::at(obj, "spec"), "spec", true);
    if (update) detail::validate_pod_update(e, detail::at(obj, "spec"), detail::at(old, "spec"));
  } else if (kind == "Service") {
    detail::validate_service(e, obj, old);
  } else if (kind == "Deployment" || kind == "ReplicaSet") {
    detail::validate_workload(e, kind, obj, old);
  } else if (kind == "ConfigMap" || kind == "Secret") {
    detail::validate_config(e, kind, obj, old);
  } else {
    detail::validate_misc(e, kind, obj);
  }
  return e.take();
}

}  // namespace

std::vector<FieldError> validate(std::string_view group, std::string_view kind, const nlohmann::json& obj,
                                 const nlohmann::json& old) {
  try {
    return validate_unsafe(group, kind, obj, old);
  } catch (const std::exception& ex) {
    // Unreachable by design (all access is type-checked); fail closed rather than throw.
    return {FieldError{"InternalError", "", std::string("Internal error: ") + ex.what()}};
  }
}

}  // namespace v6k::kube
