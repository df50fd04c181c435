// Internal to src/kube/apiserver: what the verb handlers share. Not a public header.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "http/message.h"
#include "kube/apiserver/apiserver.h"
#include "kube/apiserver/auth.h"
#include "kube/apiserver/request_info.h"
#include "kube/apiserver/resources.h"
#include "kube/apiserver/status.h"
#include "kube/serviceip/allocator.h"
#include "store/store.h"

namespace v6k::kube::internal {

using nlohmann::json;
using Clock = std::chrono::system_clock;

class WatchHub;  // watch.cc: timeouts, bookmarks and teardown of open watches
class WatchCache;  // watch_cache.h: objects in memory for lists and watch fan-out
class CachedObject;

// Everything a request needs: the server-wide environment and this request's facts.
struct Env {
  ApiServerOptions options;
  std::shared_ptr<store::Store> store;
  std::shared_ptr<WatchHub> watches;
  std::shared_ptr<WatchCache> cache;  // null: ApiServerOptions::watch_cache off
  // The revision of this server's latest namespace write: a create may trust the cache's
  // copy of its namespace once the cache has applied it.
  std::atomic<int64_t> namespace_written{0};
  // Service ClusterIPs (ApiServerOptions::service_cidr); null = none allocated.
  std::unique_ptr<serviceip::ServiceIpAllocator> service_ips;
};

std::shared_ptr<WatchHub> start_watch_hub(std::chrono::milliseconds bookmark_interval);
// Ends every open watch (their streams finish) and joins the hub's thread.
void stop_watch_hub(WatchHub& hub);

struct Ctx {
  Env& env;
  const http::Request& req;
  RequestInfo info;
  const Resource* res = nullptr;
  User user;
  Clock::time_point now;
};

// ---- service_ips.cc: ClusterIP allocation (no-ops without a service CIDR or for
// other resources)
Result<> start_service_ips(Env& env);
ApiResult<> allocate_service_ips(Ctx& c, json& svc);      // create: after validation
void keep_service_ips(const Ctx& c, const json& old, json& svc);  // update: before validation
void release_service_ips(const Ctx& c, const json& svc);  // removed from the store

// ---- bootstrap.cc: the namespaces every cluster starts with (idempotent)
Result<> bootstrap(Env& env);

// ---- objects.cc: keys, stored form, identity
std::string object_key(const Env& env, const Resource& r, std::string_view ns, std::string_view name);
// All objects of `r` in `ns` ("" = every namespace), ending in '/'.
std::string collection_prefix(const Env& env, const Resource& r, std::string_view ns);
// The stored value as the object clients see: metadata.resourceVersion = mod_revision.
// drop_managed_fields: leave metadata.managedFields out (for Tables).
ApiResult<json> decode_stored(const store::KeyValue& kv, bool drop_managed_fields = false);
std::string encode_for_store(json obj);  // drops metadata.resourceVersion
std::string new_uid();
std::string rfc3339(Clock::time_point t);
std::string generate_name_suffix();  // 5 chars as upstream's names.SimpleNameGenerator
ApiStatus store_error(const Resource& r, std::string_view name, const Error& e);
// Reads one object (404 as Status when absent).
ApiResult<json> read_object(Ctx& c, std::string_view ns, std::string_view name);

// ---- negotiate.cc: bodies in, representations out
ApiResult<json> decode_body(const http::Request& req);  // JSON or protobuf
enum class Representation { kJson, kTable };
ApiResult<Representation> negotiate(const http::Request& req);
http::Response object_response(Ctx& c, int code, const json& obj);
http::Response list_response(Ctx& c, std::vector<json>&& items, const json& list_meta);
// The same from the watch cache's objects: their cached bytes, spliced, not re-encoded.
http::Response cached_list_response(Ctx& c, const std::vector<std::shared_ptr<const CachedObject>>& items,
                                    const json& list_meta);
// The "PodList"-style list wrapper (items lose kind/apiVersion as upstream writes them).
json make_list(const Resource& r, std::vector<json>&& items, const json& list_meta);

// ---- selectors.cc: label/field selector filters of list, watch, deletecollection
struct Filter;
ApiResult<std::shared_ptr<const Filter>> make_filter(const Ctx& c);
bool filter_matches(const Filter& f, const Resource& r, const json& obj);

// ---- admission.cc: create/update preparation (defaults, validation, metadata)
// The manager name for managedFields: ?fieldManager=, else the User-Agent's program name.
std::string field_manager(const Ctx& c);
// Checks and completes a new object (name, namespace, uid, timestamps, defaults,
// validation, managedFields). Nothing is stored.
ApiResult<json> prepare_create(Ctx& c, json obj);
// The same for a replacement of `old` (from PUT or PATCH); `subresource` is "" or "status".
ApiResult<json> prepare_update(Ctx& c, const json& old, json obj, std::string_view subresource);
// Rejects unknown fields per ?fieldValidation= (Strict → 400; Warn → `warnings`).
ApiResult<> check_fields(Ctx& c, const json& obj, std::vector<std::string>& warnings);

// ---- crud.cc (list.cc: handle_list)
http::Response handle_get(Ctx& c);
http::Response handle_list(Ctx& c);
http::Response handle_create(Ctx& c);
http::Response handle_update(Ctx& c);
http::Response handle_delete(Ctx& c);
http::Response handle_delete_collection(Ctx& c);
// Stores `obj` over `old` (compare-and-swap on old's resourceVersion) and answers with the
// stored object; a no-op update answers with `old` without writing. Deletes the object
// instead when its deletion is pending and its last finalizer is gone.
ApiResult<json> write_update(Ctx& c, const json& old, json obj);

// ---- patch_ops.cc
http::Response handle_patch(Ctx& c);

// ---- subresources.cc: scale, binding, log
http::Response handle_subresource(Ctx& c);
// ---- exec.cc: pods/exec and pods/attach (WebSocket v5.channel.k8s.io)
http::Response handle_exec(Ctx& c);
// ---- tokenreview.cc: authentication.k8s.io/v1 TokenReview (create only, not stored)
http::Response handle_token_review(Ctx& c);

// ---- watch.cc
http::Response handle_watch(Ctx& c);

// ---- discovery.cc: /api, /apis, aggregated v2, /version, /openapi/v3; nullopt = not ours
std::optional<http::Response> handle_non_resource(Env& env, const http::Request& req, const RequestInfo& info);

// Adds `Warning: 299 - "<text>"` headers.
void add_warnings(http::Response& r, const std::vector<std::string>& warnings);

}  // namespace v6k::kube::internal
