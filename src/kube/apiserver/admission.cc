// What happens to an object between the request body and the store: identity and
// timestamps, defaults, validation, generation, status handling, managedFields.
#include "kube/apiserver/internal.h"
#include "kube/patch/apply.h"
#include "kube/patch/strategic.h"
#include "kube/validation/defaults.h"
#include "kube/validation/schema.h"
#include "kube/validation/validation.h"

namespace v6k::kube::internal {

namespace {

// Kinds whose spec changes bump metadata.generation (the controllers' observedGeneration).
bool tracks_generation(const Resource& r) {
  return r.resource == "deployments" || r.resource == "replicasets";
}

ApiResult<> check_type(const Resource& r, json& obj) {
  std::string kind = obj.value("kind", "");
  std::string api_version = obj.value("apiVersion", "");
  if (kind.empty()) obj["kind"] = kind = r.kind;
  if (api_version.empty()) obj["apiVersion"] = api_version = r.group_version();
  if (kind != r.kind)
    return fail_status(bad_request("the kind \"" + kind + "\" in the request body does not match the resource \"" +
                                   r.qualified() + "\" (expected \"" + r.kind + "\")"));
  if (api_version != r.group_version())
    return fail_status(bad_request("the API version in the data (" + api_version +
                                   ") does not match the expected API version (" + r.group_version() + ")"));
  if (!obj.contains("metadata") || obj["metadata"].is_null()) obj["metadata"] = json::object();
  if (!obj["metadata"].is_object()) return fail_status(bad_request("metadata must be an object"));
  return {};
}

ApiResult<> check_validation(const Resource& r, const json& obj, const json& old) {
  auto errors = validate(r.group, r.kind, obj, old);
  if (errors.empty()) return {};
  std::vector<StatusCause> causes;
  for (const auto& e : errors) causes.push_back({e.reason, e.message, e.field});
  std::string name = obj["metadata"].value("name", "");
  return fail_status(invalid(r, name, invalid_message(r.group, r.kind, name, errors), std::move(causes)));
}

// Status a new object starts with (upstream strategies' PrepareForCreate).
void reset_status(const Resource& r, json& obj) {
  if (r.resource == "pods") {
    obj["status"] = {{"phase", "Pending"}, {"qosClass", "BestEffort"}};
  } else if (r.resource == "deployments" || r.resource == "replicasets") {
    obj["status"] = json::object();
  } else if (r.resource == "services") {
    obj["status"] = {{"loadBalancer", json::object()}};
  }
}

// ObjectMeta's maps and lists are `omitempty`: a patch that removes the last label
// (`kubectl label pod p app-`) leaves no `labels: {}` behind, as upstream's round trip.
void drop_empty_metadata(json& meta) {
  for (const char* k : {"labels", "annotations", "finalizers", "ownerReferences"})
    if (auto it = meta.find(k); it != meta.end() && (it->is_null() || (it->is_structured() && it->empty())))
      meta.erase(it);
}

json without(const json& obj, std::initializer_list<const char*> keys) {
  json copy = obj;
  for (auto k : keys) copy.erase(k);
  return copy;
}

}  // namespace

std::string field_manager(const Ctx& c) {
  std::string m = c.info.param("fieldManager");
  if (!m.empty()) return m;
  std::string ua(c.req.header("user-agent").value_or("unknown"));
  return ua.substr(0, ua.find('/'));
}

ApiResult<> check_fields(Ctx& c, const json& obj, std::vector<std::string>& warnings) {
  std::string mode = c.info.param("fieldValidation", "Warn");
  if (mode == "Ignore") return {};
  if (mode != "Strict" && mode != "Warn")
    return fail_status(bad_request("fieldValidation must be one of \"Ignore\", \"Warn\", or \"Strict\""));
  auto unknown = unknown_fields(c.res->group, c.res->kind, obj);
  if (unknown.empty()) return {};
  if (mode == "Strict") {
    const Resource& r = *c.res;
    return fail_status(bad_request(r.kind + " in version \"" + r.version + "\" cannot be handled as a " + r.kind +
                                   ": " + strict_decoding_message(unknown)));
  }
  for (const auto& u : unknown) warnings.push_back("unknown field \"" + u + "\"");
  return {};
}

ApiResult<json> prepare_create(Ctx& c, json obj) {
  const Resource& r = *c.res;
  if (auto ok = check_type(r, obj); !ok) return fail_status(ok.error());
  json& meta = obj["metadata"];
  // Namespace: from the URL; a different one in the body is an error.
  if (r.namespaced) {
    std::string body_ns = meta.value("namespace", "");
    if (!body_ns.empty() && body_ns != c.info.namespace_)
      return fail_status(bad_request("the namespace of the provided object does not match the namespace sent on the request"));
    meta["namespace"] = c.info.namespace_;
  } else {
    meta.erase("namespace");
  }
  if (meta.value("name", "").empty() && !meta.value("generateName", "").empty())
    meta["name"] = meta.value("generateName", "") + generate_name_suffix();
  if (meta.contains("resourceVersion") && !meta.value("resourceVersion", "").empty())
    return fail_status(bad_request("resourceVersion should not be set on objects to be created"));
  meta.erase("resourceVersion");
  meta["uid"] = new_uid();
  meta["creationTimestamp"] = rfc3339(c.now);
  meta.erase("deletionTimestamp");
  meta.erase("deletionGracePeriodSeconds");
  meta.erase("managedFields");
  drop_empty_metadata(meta);
  if (tracks_generation(r)) meta["generation"] = 1;
  else meta.erase("generation");
  if (r.resource != "nodes") reset_status(r, obj);

  apply_defaults(r.group, r.kind, obj);
  if (auto ok = check_validation(r, obj, nullptr); !ok) return fail_status(ok.error());
  if (auto ok = allocate_service_ips(c, obj); !ok) return fail_status(ok.error());
  record_update(nullptr, obj, field_manager(c), r.group_version(), "", strategic_schema(r.group, r.kind),
                rfc3339(c.now));
  return obj;
}

ApiResult<json> prepare_update(Ctx& c, const json& old, json obj, std::string_view subresource) {
  const Resource& r = *c.res;
  if (auto ok = check_type(r, obj); !ok) return fail_status(ok.error());
  const json& old_meta = old["metadata"];
  json& meta = obj["metadata"];
  std::string name = old_meta.value("name", "");
  if (meta.value("name", name) != name)
    return fail_status(bad_request("the name of the object (" + meta.value("name", "") +
                                   ") does not match the name on the URL (" + name + ")"));
  meta["name"] = name;
  if (r.namespaced) {
    std::string ns = old_meta.value("namespace", "");
    if (meta.value("namespace", ns) != ns)
      return fail_status(bad_request("the namespace of the provided object does not match the namespace sent on the request"));
    meta["namespace"] = ns;
  }
  // Precondition: a resourceVersion in the body must be the stored one.
  std::string rv = meta.value("resourceVersion", "");
  if (!rv.empty() && rv != old_meta.value("resourceVersion", "")) return fail_status(conflict_modified(r, name));
  // Fields clients cannot change.
  for (const char* k : {"uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds"}) {
    if (old_meta.contains(k)) meta[k] = old_meta[k];
    else meta.erase(k);
  }
  if (tracks_generation(r)) meta["generation"] = old_meta.value("generation", 1);
  else meta.erase("generation");
  drop_empty_metadata(meta);

  json body_finalizers = json::array();
  if (auto sp = obj.find("spec"); sp != obj.end() && sp->is_object() && sp->contains("finalizers") &&
                                  (*sp)["finalizers"].is_array())
    body_finalizers = (*sp)["finalizers"];
  if (r.has_status) {
    if (subresource == "status") {
      // The status subresource changes status only (and, as upstream, labels/annotations
      // stay as stored).
      json status = obj.contains("status") ? obj["status"] : json();
      json merged = old;
      if (status.is_null()) merged.erase("status");
      else merged["status"] = std::move(status);
      merged["metadata"]["managedFields"] = meta.value("managedFields", json::array());
      obj = std::move(merged);
    } else {
      if (old.contains("status")) obj["status"] = old["status"];
      else obj.erase("status");
    }
  }

  apply_defaults(r.group, r.kind, obj);
  if (r.resource == "namespaces") {
    // spec.finalizers changes only through the finalize subresource (the namespace
    // controller's last step); everything else keeps the stored list.
    using P = json::json_pointer;
    json finalizers = subresource == "finalize" ? body_finalizers : old.value(P("/spec/finalizers"), json::array());
    obj["spec"]["finalizers"] = std::move(finalizers);
  }
  if (tracks_generation(r) && without(obj, {"metadata", "status"}) != without(old, {"metadata", "status"}))
    obj["metadata"]["generation"] = old_meta.value("generation", 1) + 1;
  keep_service_ips(c, old, obj);
  if (auto ok = check_validation(r, obj, old); !ok) return fail_status(ok.error());
  record_update(old, obj, field_manager(c), r.group_version(), subresource, strategic_schema(r.group, r.kind),
                rfc3339(c.now));
  return obj;
}

}  // namespace v6k::kube::internal
