// Subresources other than status: scale (deployments, replicasets), binding and log (pods).
#include "kube/apiserver/internal.h"
#include "kube/patch/patch.h"
#include "kube/selector/selector.h"

namespace v6k::kube::internal {

namespace {

// The autoscaling/v1 Scale view of a deployment or replica set.
json scale_of(const json& obj) {
  const json& meta = obj["metadata"];
  json scale_meta = json::object();
  for (const char* k : {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"})
    if (meta.contains(k)) scale_meta[k] = meta[k];
  using P = json::json_pointer;
  std::string selector;
  if (auto sel = LabelSelector::from_json(obj.value(P("/spec/selector"), json()))) selector = sel->to_string();
  return {{"kind", "Scale"},
          {"apiVersion", "autoscaling/v1"},
          {"metadata", scale_meta},
          {"spec", {{"replicas", obj.value(P("/spec/replicas"), 0)}}},
          {"status", {{"replicas", obj.value(P("/status/replicas"), 0)}, {"selector", selector}}}};
}

http::Response handle_scale(Ctx& c) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto old = read_object(c, c.info.namespace_, c.info.name);
    if (!old) return status_response(old.error());
    json scale = scale_of(*old);
    if (c.info.verb == "get") return json_response(200, scale);
    json next;
    if (c.info.verb == "update") {
      next = json::parse(c.req.body, nullptr, false);
      if (!next.is_object()) return status_response(bad_request("Scale must be a JSON object"));
    } else if (c.info.verb == "patch") {
      json patch = json::parse(c.req.body, nullptr, false);
      if (patch.is_discarded()) return status_response(bad_request("error decoding patch: invalid JSON"));
      std::string ct(c.req.header("content-type").value_or(""));
      auto out = ct.starts_with("application/json-patch+json") ? json_patch(scale, patch)
                                                               : json_merge_patch(scale, patch);
      if (!out) return status_response(bad_request(out.error().message()));
      next = std::move(*out);
    } else {
      return status_response(method_not_supported(*c.res, c.info.verb));
    }
    using P = json::json_pointer;
    json replicas = next.value(P("/spec/replicas"), json());
    if (!replicas.is_number_integer() || replicas.get<int64_t>() < 0) {
      ApiStatus s = invalid(*c.res, c.info.name, "Scale.autoscaling \"" + c.info.name +
                                                      "\" is invalid: spec.replicas: Invalid value: " +
                                                      replicas.dump() + ": must be greater than or equal to 0",
                            {{"FieldValueInvalid", "Invalid value: " + replicas.dump() + ": must be greater than or equal to 0",
                              "spec.replicas"}});
      s.kind = "Scale";
      s.group = "autoscaling";
      return status_response(s);
    }
    std::string rv = next.value(P("/metadata/resourceVersion"), "");
    if (!rv.empty() && rv != (*old)["metadata"].value("resourceVersion", ""))
      return status_response(conflict_modified(*c.res, c.info.name));
    json obj = *old;
    obj["spec"]["replicas"] = replicas;
    Ctx main{c.env, c.req, c.info, c.res, c.user, c.now};
    main.info.subresource.clear();
    // Recorded in managedFields as the scale subresource (as upstream), so a later apply
    // of spec.replicas conflicts with `"kubectl" with subresource "scale"`.
    auto prepared = prepare_update(main, *old, std::move(obj), "scale");
    if (!prepared) return status_response(prepared.error());
    auto stored = write_update(main, *old, std::move(*prepared));
    if (!stored) {
      if (rv.empty() && stored.error().code == 409) continue;
      return status_response(stored.error());
    }
    return json_response(200, scale_of(*stored));
  }
  return status_response(conflict_modified(*c.res, c.info.name));
}

// POST pods/<name>/binding: the scheduler's way of setting spec.nodeName, once.
http::Response handle_binding(Ctx& c) {
  if (c.info.verb != "create") return status_response(method_not_supported(*c.res, c.info.verb));
  json b = json::parse(c.req.body, nullptr, false);
  using P = json::json_pointer;
  std::string node = b.is_object() ? b.value(P("/target/name"), "") : "";
  if (node.empty())
    return status_response(invalid(*c.res, c.info.name, "Binding.core \"" + c.info.name +
                                                            "\" is invalid: target.name: Required value",
                                   {{"FieldValueRequired", "Required value", "target.name"}}));
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto old = read_object(c, c.info.namespace_, c.info.name);
    if (!old) return status_response(old.error());
    std::string current = old->value(P("/spec/nodeName"), "");
    if (!current.empty()) {
      ApiStatus s = conflict(*c.res, c.info.name, "");
      s.message = "Operation cannot be fulfilled on pods/binding \"" + c.info.name + "\": pod " + c.info.name +
                  " is already assigned to node \"" + current + "\"";
      return status_response(s);
    }
    if (old->value(P("/metadata/deletionTimestamp"), json()).is_string())
      return status_response(conflict(*c.res, c.info.name, "pod is being deleted, cannot be assigned to a host"));
    json obj = *old;
    obj["spec"]["nodeName"] = node;
    json cond = {{"type", "PodScheduled"}, {"status", "True"}, {"lastProbeTime", nullptr},
                 {"lastTransitionTime", rfc3339(c.now)}};
    json conds = json::array();
    for (const auto& x : obj["status"].value("conditions", json::array()))
      if (x.value("type", "") != "PodScheduled") conds.push_back(x);
    conds.push_back(cond);
    obj["status"]["conditions"] = conds;
    auto stored = write_update(c, *old, std::move(obj));
    if (!stored) {
      if (stored.error().code == 409) continue;
      return status_response(stored.error());
    }
    return json_response(201, {{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", json::object()},
                               {"status", "Success"}, {"code", 201}});
  }
  return status_response(conflict_modified(*c.res, c.info.name));
}

http::Response handle_log(Ctx& c) {
  if (c.info.verb != "get") return status_response(method_not_supported(*c.res, c.info.verb));
  auto pod = read_object(c, c.info.namespace_, c.info.name);
  if (!pod) return status_response(pod.error());
  using P = json::json_pointer;
  if (pod->value(P("/spec/nodeName"), "").empty())
    return status_response(bad_request("pod " + c.info.name + " does not have a host assigned"));
  if (c.env.options.pod_streams.logs)
    return c.env.options.pod_streams.logs(c.info.namespace_, c.info.name, *pod, c.req);
  std::string container = c.info.param("container");
  if (container.empty()) container = pod->value(P("/spec/containers/0/name"), "");
  return status_response(bad_request("container \"" + container + "\" in pod \"" + c.info.name +
                                     "\" is waiting to start: ContainerCreating"));
}

}  // namespace

http::Response handle_subresource(Ctx& c) {
  const std::string& s = c.info.subresource;
  if (s == "scale") return handle_scale(c);
  if (s == "binding") return handle_binding(c);
  if (s == "log") return handle_log(c);
  if (s == "exec" || s == "attach") return handle_exec(c);
  return status_response(path_not_found());
}

}  // namespace v6k::kube::internal
