// list: from the watch cache when it can answer (see watch_cache.h), else from the store.
// Both page with upstream's continue tokens, so a list that starts in one may continue in
// the other:
//  - resourceVersion="" (kubectl's default): a consistent read. The cache answers once it
//    has applied the store's current revision (it always has within a few ms; after
//    kFreshWait the store answers).
//  - resourceVersion="0" (any state): the cache as it is; "N": the cache once it is at N.
//  - continue=<token at revision R>: a kept cache snapshot covering R, else the store at R
//    (410 once R is compacted away).
//  - resourceVersionMatch=Exact: the store (latest, as before the cache).
#include <algorithm>

#include "common/base64.h"
#include "kube/apiserver/internal.h"
#include "kube/apiserver/watch_cache.h"

namespace v6k::kube::internal {

namespace {

constexpr std::chrono::milliseconds kFreshWait{500};

// Upstream's continue token: base64 of {"v":"meta.k8s.io/v1","rv":N,"start":"<key>\u0000"},
// "start" relative to the listed prefix.
std::string continue_token(int64_t rv, std::string_view start) {
  json j = {{"v", "meta.k8s.io/v1"}, {"rv", rv}, {"start", std::string(start) + '\0'}};
  return base64_encode(j.dump());
}

struct Continue {
  int64_t rv = 0;
  std::string after;  // full key to continue strictly after
};

ApiResult<Continue> parse_continue(std::string_view token, const std::string& prefix) {
  auto raw = base64_decode(token);
  json j = raw ? json::parse(*raw, nullptr, false) : json();
  if (!j.is_object() || j.value("v", "") != "meta.k8s.io/v1" || !j.contains("rv") ||
      !j["rv"].is_number_integer() || !j.contains("start") || !j["start"].is_string())
    return fail_status(bad_request("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)"));
  std::string start = j["start"];
  if (!start.empty() && start.back() == '\0') start.pop_back();
  return Continue{j["rv"].get<int64_t>(), prefix + start};
}

http::Response list_from_store(Ctx& c, const Filter& filter, int64_t limit, const std::string& prefix,
                                const std::optional<Continue>& cont) {
  auto rep = negotiate(c.req);
  if (!rep) return status_response(rep.error());
  const bool drop_managed = *rep == Representation::kTable && c.info.param("includeObject") != "Object";
  store::ListOptions opts;
  if (cont) {
    opts.revision = cont->rv;
    opts.continue_after = cont->after;
  }
  // Page through the store until `limit` objects matched (selectors filter after reading,
  // as upstream's storage does) or the collection ends.
  std::vector<json> items;
  bool more = false;
  std::string last_key;
  int64_t revision = 0;
  for (;;) {
    opts.limit = limit > 0 ? limit - static_cast<int64_t>(items.size()) : 0;
    auto page = c.env.store->list(prefix, opts);
    if (!page) {
      if (page.error().code() == ERANGE)
        return status_response(gone("The provided continue parameter is too old to display a consistent list result. "
                                    "You can start a new list without the continue parameter."));
      return status_response(store_error(*c.res, "", page.error()));
    }
    revision = page->revision;
    opts.revision = page->revision;
    for (const auto& kv : page->items) {
      last_key = kv.key;
      auto obj = decode_stored(kv, drop_managed);
      if (!obj) return status_response(obj.error());
      if (filter_matches(filter, *c.res, *obj)) items.push_back(std::move(*obj));
    }
    more = page->more;
    if (!more || limit == 0 || static_cast<int64_t>(items.size()) >= limit) break;
    opts.continue_after = last_key;
  }
  json meta = {{"resourceVersion", std::to_string(revision)}};
  if (more && limit > 0) meta["continue"] = continue_token(revision, last_key.substr(prefix.size()));
  return list_response(c, std::move(items), meta);
}

// The snapshot a list reads and the revision it reports; nullopt: ask the store.
struct CacheRead {
  std::shared_ptr<const Snapshot> snap;
  int64_t revision = 0;
};

std::optional<CacheRead> cache_read(Ctx& c, WatchCache& cache, const std::optional<Continue>& cont) {
  if (cont) {
    auto snap = cache.snapshot_at(*c.res, cont->rv);
    if (!snap) return std::nullopt;
    return CacheRead{std::move(snap), cont->rv};
  }
  const std::string match = c.info.param("resourceVersionMatch");
  if (!match.empty() && match != "NotOlderThan") return std::nullopt;
  const std::string rv = c.info.param("resourceVersion");
  int64_t need = 0;
  if (rv.empty()) {
    auto cur = c.env.store->current_revision();
    if (!cur) return std::nullopt;
    need = *cur;
  } else if (rv != "0") {
    try {
      need = std::stoll(rv);
    } catch (...) {
      return std::nullopt;  // the store path ignores it, as before
    }
  }
  if (!cache.wait_fresh(need, kFreshWait)) return std::nullopt;
  auto view = cache.snapshot(*c.res);
  return CacheRead{std::move(view.snap), view.revision};
}

http::Response list_from_cache(Ctx& c, const CacheRead& read, const Filter& filter, int64_t limit,
                               const std::string& prefix, const std::optional<Continue>& cont) {
  const auto& objs = read.snap->objects;
  auto by_key = [](const ObjectRef& o, const std::string& k) { return o->key < k; };
  auto it = std::lower_bound(objs.begin(), objs.end(), prefix, by_key);
  if (cont) {
    it = std::lower_bound(objs.begin(), objs.end(), cont->after, by_key);
    if (it != objs.end() && (*it)->key == cont->after) ++it;  // strictly after
  }
  std::vector<ObjectRef> items;
  std::string last_key;
  bool more = false;
  for (; it != objs.end() && (*it)->key.starts_with(prefix); ++it) {
    if (limit > 0 && static_cast<int64_t>(items.size()) >= limit) {
      more = true;
      break;
    }
    last_key = (*it)->key;
    if ((*it)->valid() && filter_matches(filter, *c.res, (*it)->obj())) items.push_back(*it);
  }
  json meta = {{"resourceVersion", std::to_string(read.revision)}};
  if (more) meta["continue"] = continue_token(read.revision, last_key.substr(prefix.size()));
  return cached_list_response(c, items, meta);
}

}  // namespace

http::Response handle_list(Ctx& c) {
  auto filter = make_filter(c);
  if (!filter) return status_response(filter.error());
  auto rep = negotiate(c.req);
  if (!rep) return status_response(rep.error());
  std::string prefix = collection_prefix(c.env, *c.res, c.info.namespace_);
  int64_t limit = 0;
  if (auto l = c.info.param("limit"); !l.empty()) {
    try {
      limit = std::stoll(l);
    } catch (...) {
      return status_response(bad_request("limit must be an integer"));
    }
    if (limit < 0) limit = 0;
  }
  std::optional<Continue> cont;
  if (auto tok = c.info.param("continue"); !tok.empty()) {
    auto parsed = parse_continue(tok, prefix);
    if (!parsed) return status_response(parsed.error());
    cont = std::move(*parsed);
  }
  if (c.env.cache) {
    if (auto read = cache_read(c, *c.env.cache, cont)) return list_from_cache(c, *read, **filter, limit, prefix, cont);
  }
  return list_from_store(c, **filter, limit, prefix, cont);
}

}  // namespace v6k::kube::internal
