// get, create, update (PUT), delete and deletecollection (list is list.cc).
#include "kube/apiserver/internal.h"
#include "kube/apiserver/watch_cache.h"

namespace v6k::kube::internal {

namespace {

// The namespace of a create, as upstream's NamespaceLifecycle admission reads it: from the
// cache when it has the namespace and has applied this server's latest namespace write
// (so a deletion we just made is seen), else from the store.
bool namespace_exists(Ctx& c, std::string_view ns, json* out = nullptr) {
  const Resource& nsr = *find_resource("", "namespaces");
  std::string key = object_key(c.env, nsr, "", ns);
  if (c.env.cache && c.env.cache->wait_fresh(c.env.namespace_written.load(), std::chrono::milliseconds(0))) {
    if (auto o = c.env.cache->find(nsr, key); o && o->valid()) {
      if (out) *out = o->obj();
      return true;
    }
  }
  auto kv = c.env.store->get(key);
  if (!kv) return false;
  if (out) *out = json::parse(kv->value, nullptr, false);
  return true;
}

// Remembers a namespace write (see Env::namespace_written).
void note_write(Ctx& c, int64_t rv) {
  if (c.res->resource != "namespaces" || !c.res->group.empty()) return;
  int64_t cur = c.env.namespace_written.load();
  while (cur < rv && !c.env.namespace_written.compare_exchange_weak(cur, rv)) {
  }
}

}  // namespace

http::Response handle_get(Ctx& c) {
  auto obj = read_object(c, c.info.namespace_, c.info.name);
  if (!obj) return status_response(obj.error());
  return object_response(c, 200, *obj);
}

http::Response handle_create(Ctx& c) {
  auto body = decode_body(c.req);
  if (!body) return status_response(body.error());
  std::vector<std::string> warnings;
  if (auto ok = check_fields(c, *body, warnings); !ok) return status_response(ok.error());
  if (c.res->namespaced) {
    json ns;
    if (!namespace_exists(c, c.info.namespace_, &ns))
      return status_response(not_found(*find_resource("", "namespaces"), c.info.namespace_));
    if (ns.is_object() && ns["metadata"].contains("deletionTimestamp"))
      return status_response(forbidden(*c.res, (*body)["metadata"].value("name", ""),
                                       "unable to create new content in namespace " + c.info.namespace_ +
                                           " because it is being terminated"));
  }
  auto obj = prepare_create(c, std::move(*body));
  if (!obj) return status_response(obj.error());
  std::string name = (*obj)["metadata"].value("name", "");
  if (c.info.param("dryRun") == "All") {
    release_service_ips(c, *obj);
    return object_response(c, 201, *obj);
  }
  auto kv = c.env.store->create(object_key(c.env, *c.res, c.info.namespace_, name), encode_for_store(*obj));
  if (!kv) {
    release_service_ips(c, *obj);
    return status_response(store_error(*c.res, name, kv.error()));
  }
  note_write(c, kv->mod_revision);
  (*obj)["metadata"]["resourceVersion"] = std::to_string(kv->mod_revision);
  auto resp = object_response(c, 201, *obj);
  add_warnings(resp, warnings);
  return resp;
}

ApiResult<json> write_update(Ctx& c, const json& old, json obj) {
  const json& meta = obj["metadata"];
  std::string name = meta.value("name", "");
  std::string key = object_key(c.env, *c.res, c.info.namespace_, name);
  int64_t rv = std::stoll(old["metadata"].value("resourceVersion", "0"));
  // Deletion pending and the last finalizer gone: the object goes away now; unless a
  // grace period still runs (a pod its kubelet is stopping), as upstream's
  // shouldDeleteDuringUpdate.
  // A namespace also waits for its spec.finalizers (the namespace controller empties its
  // contents, then calls the finalize subresource).
  using P = json::json_pointer;
  const bool ns_finalizers = c.res->resource == "namespaces" && !obj.value(P("/spec/finalizers"), json::array()).empty();
  if (meta.contains("deletionTimestamp") && (!meta.contains("deletionGracePeriodSeconds") || meta["deletionGracePeriodSeconds"] == 0) &&
      (!meta.contains("finalizers") || meta["finalizers"].empty()) && !ns_finalizers) {
    auto kv = c.env.store->remove(key, rv);
    if (!kv) return fail_status(store_error(*c.res, name, kv.error()));
    release_service_ips(c, old);
    note_write(c, kv->mod_revision);
    obj["metadata"]["resourceVersion"] = std::to_string(kv->mod_revision);
    return obj;
  }
  // No change (managedFields timestamps aside): nothing written, as upstream.
  json a = obj, b = old;
  a["metadata"].erase("managedFields");
  b["metadata"].erase("managedFields");
  a["metadata"].erase("resourceVersion");
  b["metadata"].erase("resourceVersion");
  if (a == b) return old;
  if (c.info.param("dryRun") == "All") return obj;
  auto kv = c.env.store->update(key, encode_for_store(obj), rv);
  if (!kv) return fail_status(store_error(*c.res, name, kv.error()));
  note_write(c, kv->mod_revision);
  obj["metadata"]["resourceVersion"] = std::to_string(kv->mod_revision);
  return obj;
}

http::Response handle_update(Ctx& c) {
  auto body = decode_body(c.req);
  if (!body) return status_response(body.error());
  std::vector<std::string> warnings;
  if (auto ok = check_fields(c, *body, warnings); !ok) return status_response(ok.error());
  auto old = read_object(c, c.info.namespace_, c.info.name);
  if (!old) return status_response(old.error());
  auto obj = prepare_update(c, *old, std::move(*body), c.info.subresource);
  if (!obj) return status_response(obj.error());
  auto stored = write_update(c, *old, std::move(*obj));
  if (!stored) return status_response(stored.error());
  auto resp = object_response(c, 200, *stored);
  add_warnings(resp, warnings);
  return resp;
}

namespace {

struct DeleteOptions {
  std::optional<int64_t> grace_period;
  std::string propagation;  // Background (default), Foreground, Orphan
  std::string precondition_uid, precondition_rv;
  bool dry_run = false;
};

ApiResult<DeleteOptions> delete_options(const Ctx& c) {
  DeleteOptions o;
  if (!c.req.body.empty()) {
    json j = json::parse(c.req.body, nullptr, false);
    if (!j.is_object()) return fail_status(bad_request("DeleteOptions must be a JSON object"));
    if (j.contains("gracePeriodSeconds") && j["gracePeriodSeconds"].is_number_integer())
      o.grace_period = j["gracePeriodSeconds"].get<int64_t>();
    o.propagation = j.value("propagationPolicy", "");
    if (j.contains("orphanDependents") && j["orphanDependents"].is_boolean() && o.propagation.empty())
      o.propagation = j["orphanDependents"].get<bool>() ? "Orphan" : "Background";
    if (j.contains("preconditions") && j["preconditions"].is_object()) {
      o.precondition_uid = j["preconditions"].value("uid", "");
      o.precondition_rv = j["preconditions"].value("resourceVersion", "");
    }
    if (j.contains("dryRun") && j["dryRun"].is_array() && !j["dryRun"].empty()) o.dry_run = true;
  }
  if (auto g = c.info.param("gracePeriodSeconds"); !g.empty()) {
    try {
      o.grace_period = std::stoll(g);
    } catch (...) {
      return fail_status(bad_request("gracePeriodSeconds must be an integer"));
    }
  }
  if (auto p = c.info.param("propagationPolicy"); !p.empty()) o.propagation = p;
  if (o.propagation.empty()) o.propagation = "Background";
  if (o.propagation != "Background" && o.propagation != "Foreground" && o.propagation != "Orphan")
    return fail_status(bad_request("propagationPolicy: Unsupported value: \"" + o.propagation +
                                   "\": supported values: \"Foreground\", \"Background\", \"Orphan\""));
  if (c.info.param("dryRun") == "All") o.dry_run = true;
  return o;
}

void add_finalizer(json& meta, const std::string& f) {
  if (!meta.contains("finalizers") || !meta["finalizers"].is_array()) meta["finalizers"] = json::array();
  for (const auto& x : meta["finalizers"])
    if (x == f) return;
  meta["finalizers"].push_back(f);
}

// Deletes one object as DELETE would: immediately, or by marking it (finalizers,
// graceful pod termination, namespace termination). Returns what the client sees.
ApiResult<json> delete_one(Ctx& c, json obj, const DeleteOptions& o) {
  const Resource& r = *c.res;
  json& meta = obj["metadata"];
  std::string name = meta.value("name", "");
  if (!o.precondition_uid.empty() && o.precondition_uid != meta.value("uid", ""))
    return fail_status(conflict(r, name, "Precondition failed: UID in precondition: " + o.precondition_uid +
                                             ", UID in object meta: " + meta.value("uid", "")));
  if (!o.precondition_rv.empty() && o.precondition_rv != meta.value("resourceVersion", ""))
    return fail_status(conflict(r, name, "Precondition failed: ResourceVersion in precondition: " +
                                             o.precondition_rv + ", ResourceVersion in object meta: " +
                                             meta.value("resourceVersion", "")));
  json old = obj;
  bool mark = false;
  if (o.propagation == "Foreground") add_finalizer(meta, "foregroundDeletion"), mark = true;
  if (o.propagation == "Orphan") add_finalizer(meta, "orphan"), mark = true;
  if (meta.contains("finalizers") && !meta["finalizers"].empty()) mark = true;
  // A pod on a node terminates gracefully: its kubelet finishes the deletion.
  using P = json::json_pointer;
  int64_t grace = o.grace_period.value_or(obj.value(P("/spec/terminationGracePeriodSeconds"), int64_t{30}));
  std::string phase = obj.value(P("/status/phase"), "");
  bool graceful = r.resource == "pods" && !obj.value(P("/spec/nodeName"), "").empty() && grace > 0 &&
                  phase != "Succeeded" && phase != "Failed";
  if (r.resource == "namespaces") {
    mark = true;
    obj["status"]["phase"] = "Terminating";
  }
  if (!mark && !graceful) {
    if (o.dry_run) return obj;
    auto kv = c.env.store->remove(object_key(c.env, r, c.info.namespace_, name),
                                  std::stoll(meta.value("resourceVersion", "0")));
    if (!kv) return fail_status(store_error(r, name, kv.error()));
    release_service_ips(c, obj);
    note_write(c, kv->mod_revision);
    meta["resourceVersion"] = std::to_string(kv->mod_revision);
    return obj;
  }
  if (!meta.contains("deletionTimestamp")) {
    auto when = c.now + std::chrono::seconds(graceful ? grace : 0);
    meta["deletionTimestamp"] = rfc3339(when);
    meta["deletionGracePeriodSeconds"] = graceful ? grace : 0;
  } else if (graceful && grace < meta.value("deletionGracePeriodSeconds", int64_t{30})) {
    meta["deletionGracePeriodSeconds"] = grace;  // a shorter grace period may replace a longer one
  }
  if (o.dry_run) return obj;
  return write_update(c, old, std::move(obj));
}

}  // namespace

http::Response handle_delete(Ctx& c) {
  auto o = delete_options(c);
  if (!o) return status_response(o.error());
  auto obj = read_object(c, c.info.namespace_, c.info.name);
  if (!obj) return status_response(obj.error());
  auto done = delete_one(c, std::move(*obj), *o);
  if (!done) return status_response(done.error());
  // 200 with the object whether it is gone or only marked (202 only for async deletes
  // of objects with finalizers, which kubectl treats alike).
  return object_response(c, 200, *done);
}

http::Response handle_delete_collection(Ctx& c) {
  auto o = delete_options(c);
  if (!o) return status_response(o.error());
  auto filter = make_filter(c);
  if (!filter) return status_response(filter.error());
  auto page = c.env.store->list(collection_prefix(c.env, *c.res, c.info.namespace_));
  if (!page) return status_response(store_error(*c.res, "", page.error()));
  std::vector<json> deleted;
  for (const auto& kv : page->items) {
    auto obj = decode_stored(kv);
    if (!obj) return status_response(obj.error());
    if (!filter_matches(**filter, *c.res, *obj)) continue;
    std::string ns = (*obj)["metadata"].value("namespace", "");
    Ctx one{c.env, c.req, c.info, c.res, c.user, c.now};
    one.info.namespace_ = ns;
    auto done = delete_one(one, std::move(*obj), *o);
    if (!done) {
      if (done.error().code == 404 || done.error().code == 409) continue;  // raced with another writer
      return status_response(done.error());
    }
    deleted.push_back(std::move(*done));
  }
  json meta = {{"resourceVersion", std::to_string(page->revision)}};
  return json_response(200, make_list(*c.res, std::move(deleted), meta));
}

}  // namespace v6k::kube::internal
