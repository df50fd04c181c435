// PATCH in its four content types: JSON patch, JSON merge patch, strategic merge patch and
// server-side apply. A patch without a resourceVersion retries on conflict (as upstream),
// so concurrent label/scale patches all land.
#include <cctype>

#include "kube/apiserver/internal.h"
#include "kube/patch/apply.h"
#include "kube/patch/patch.h"
#include "kube/patch/strategic.h"

namespace v6k::kube::internal {

namespace {

enum class PatchType { kJson, kMerge, kStrategic, kApply };

std::optional<PatchType> patch_type(const http::Request& req) {
  std::string ct(req.header("content-type").value_or(""));
  ct = ct.substr(0, ct.find(';'));
  for (char& ch : ct) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  while (!ct.empty() && ct.back() == ' ') ct.pop_back();
  if (ct == "application/json-patch+json") return PatchType::kJson;
  if (ct == "application/merge-patch+json") return PatchType::kMerge;
  if (ct == "application/strategic-merge-patch+json") return PatchType::kStrategic;
  if (ct == "application/apply-patch+yaml") return PatchType::kApply;
  return std::nullopt;
}

ApiResult<json> apply_patch(PatchType t, const Resource& r, const json& current, const json& patch) {
  Result<json> out = [&]() -> Result<json> {
    switch (t) {
      case PatchType::kJson: return json_patch(current, patch);
      case PatchType::kMerge: return json_merge_patch(current, patch);
      default: return strategic_merge_patch(current, patch, strategic_schema(r.group, r.kind));
    }
  }();
  if (!out) return fail_status(bad_request(out.error().message()));
  return std::move(*out);
}

http::Response server_side_apply_patch(Ctx& c, const json& applied) {
  const Resource& r = *c.res;
  std::string manager = c.info.param("fieldManager");
  if (manager.empty()) return status_response(bad_request("PATCH request must have fieldManager for apply"));
  bool force = c.info.flag("force");
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto old = read_object(c, c.info.namespace_, c.info.name);
    if (!old && old.error().code != 404) return status_response(old.error());
    json live = old ? *old : json();
    auto res = server_side_apply(live, applied, manager, force, r.group_version(),
                                 strategic_schema(r.group, r.kind), rfc3339(c.now));
    if (!res) return status_response(bad_request(res.error().message()));
    if (!res->conflicts.empty()) {
      ApiStatus s = conflict(r, c.info.name, "");
      s.message = conflict_message(res->conflicts, r.group_version());
      for (const auto& cf : res->conflicts)
        s.causes.push_back({"FieldManagerConflict", "conflict with \"" + cf.manager + "\" using " + r.group_version(),
                            cf.field});
      return status_response(s);
    }
    json managed = res->object["metadata"].value("managedFields", json::array());
    json& meta = res->object["metadata"];
    if (meta.value("name", c.info.name) != c.info.name)
      return status_response(bad_request("the name of the object (" + meta.value("name", "") +
                                         ") does not match the name on the URL (" + c.info.name + ")"));
    meta["name"] = c.info.name;
    if (!old) {
      auto obj = prepare_create(c, std::move(res->object));
      if (!obj) return status_response(obj.error());
      (*obj)["metadata"]["managedFields"] = managed;
      if (c.info.param("dryRun") == "All") {
        release_service_ips(c, *obj);
        return object_response(c, 201, *obj);
      }
      auto kv = c.env.store->create(object_key(c.env, r, c.info.namespace_, c.info.name), encode_for_store(*obj));
      if (!kv) {
        release_service_ips(c, *obj);
        if (kv.error().code() == EEXIST) continue;  // raced with a create: apply to it
        return status_response(store_error(r, c.info.name, kv.error()));
      }
      (*obj)["metadata"]["resourceVersion"] = std::to_string(kv->mod_revision);
      return object_response(c, 201, *obj);
    }
    meta.erase("resourceVersion");
    auto obj = prepare_update(c, *old, std::move(res->object), c.info.subresource);
    if (!obj) return status_response(obj.error());
    (*obj)["metadata"]["managedFields"] = managed;
    auto stored = write_update(c, *old, std::move(*obj));
    if (!stored) {
      if (stored.error().code == 409 && stored.error().reason == "Conflict") continue;
      return status_response(stored.error());
    }
    return object_response(c, 200, *stored);
  }
  return status_response(conflict_modified(r, c.info.name));
}

}  // namespace

http::Response handle_patch(Ctx& c) {
  auto type = patch_type(c.req);
  if (!type) return status_response(unsupported_media_type("got " + std::string(c.req.header("content-type").value_or(""))));
  json patch = json::parse(c.req.body, nullptr, false);
  if (patch.is_discarded()) return status_response(bad_request("error decoding patch: invalid JSON"));
  if (*type == PatchType::kApply) {
    if (!patch.is_object()) return status_response(bad_request("apply patch must be an object"));
    return server_side_apply_patch(c, patch);
  }
  // A resourceVersion inside the patch is a precondition: no retries then.
  bool pinned = patch.is_object() && patch.contains("metadata") && patch["metadata"].is_object() &&
                patch["metadata"].contains("resourceVersion");
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto old = read_object(c, c.info.namespace_, c.info.name);
    if (!old) return status_response(old.error());
    auto patched = apply_patch(*type, *c.res, *old, patch);
    if (!patched) return status_response(patched.error());
    if (!patched->is_object()) return status_response(bad_request("the patched object is not a JSON object"));
    std::vector<std::string> warnings;
    if (auto ok = check_fields(c, *patched, warnings); !ok) return status_response(ok.error());
    if (!pinned && patched->is_object() && patched->contains("metadata"))
      (*patched)["metadata"]["resourceVersion"] = (*old)["metadata"]["resourceVersion"];
    auto obj = prepare_update(c, *old, std::move(*patched), c.info.subresource);
    if (!obj) return status_response(obj.error());
    auto stored = write_update(c, *old, std::move(*obj));
    if (!stored) {
      if (!pinned && stored.error().code == 409 && stored.error().reason == "Conflict") continue;
      return status_response(stored.error());
    }
    auto resp = object_response(c, 200, *stored);
    add_warnings(resp, warnings);
    return resp;
  }
  return status_response(conflict_modified(*c.res, c.info.name));
}

}  // namespace v6k::kube::internal
