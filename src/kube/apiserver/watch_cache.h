// Internal to src/kube/apiserver: the watch cache, as upstream's cacher. One store watch
// (of the whole store, so the cache always knows how far it has caught up) feeds an
// in-memory copy of every object the cluster serves: each object decoded and serialized
// once per change (on its first read), shared by every list, continuation page and watcher.
//
//   auto cache = WatchCache::start(store, "");                  // lists, then watches
//   auto rev = store->current_revision();
//   if ((*cache)->wait_fresh(*rev, 250ms)) {                    // consistent read
//     auto view = (*cache)->snapshot(pods);                     // sorted, immutable
//     for (const auto& o : view.snap->objects) use(o->obj(), o->item());
//   }
//   auto sub = (*cache)->subscribe(pods, from_rv, initial, sink, on_end);  // fan-out
//
// Freshness: a list with resourceVersion="" must see every write that completed before
// it (upstream 1.31+'s "consistent reads from cache"). The caller reads the store's
// current revision and waits until the cache has applied it; because the cache watches
// every key, each revision arrives as an event, so "applied" is exact. On a timeout the
// caller reads the store instead, as upstream falls back to etcd.
//
// History: each resource keeps its last kWindow events, so a watch from a recent
// resourceVersion replays from memory; older ones go to the store (history or 410).
// Continue tokens are served from kept snapshots (a sorted vector of the objects, valid
// over a revision range) while one covers the token's revision; else from the store.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "kube/apiserver/resources.h"
#include "store/store.h"

namespace v6k::kube::internal {

// One version of one object: immutable once built. It keeps the stored bytes and decodes
// them on first use (a list or a watcher), so writes nobody reads cost the cache nothing
// but the store watch; after that every reader shares the decoded forms.
class CachedObject {
 public:
  // Keeps `kv`'s value; nothing is parsed yet.
  static std::shared_ptr<const CachedObject> make(const store::KeyValue& kv);
  // The same object with another resourceVersion (a DELETED event's object).
  std::shared_ptr<const CachedObject> with_rv(int64_t rv) const;

  const std::string key;  // full store key
  const int64_t rv;       // mod_revision (what metadata.resourceVersion says)

  // False when the stored value is not a JSON object (lists and watches skip it).
  bool valid() const { return decoded().valid; }
  // The object without metadata.managedFields (Tables never show them; selectors never
  // read them), metadata.resourceVersion set.
  const nlohmann::json& obj() const { return decoded().obj; }
  // The whole object as a list item: JSON without kind and apiVersion, resourceVersion set.
  const std::string& item() const { return decoded().item; }
  // The whole object's JSON (watch events, Tables with includeObject=Object).
  std::string full_json() const;
  // {"apiVersion":"meta.k8s.io/v1","kind":"PartialObjectMetadata","metadata":...}, as
  // Table rows carry by default; built on first use.
  const std::string& partial_metadata() const;

  CachedObject(std::string k, int64_t r) : key(std::move(k)), rv(r) {}

 private:
  struct Decoded {
    bool valid = false;
    nlohmann::json obj;
    std::string item;
    std::string head;  // `{"apiVersion":"v1","kind":"Pod"`: with `item`, the whole object
  };
  const Decoded& decoded() const;

  mutable std::string raw_;  // the stored value until decoded
  mutable std::once_flag once_;
  mutable Decoded d_;
  mutable std::once_flag pm_once_;
  mutable std::string pm_;
};
using ObjectRef = std::shared_ptr<const CachedObject>;

// One change of one object. `cur` is null for a delete, `prev` null for a create.
struct CacheEvent {
  int64_t rv = 0;
  ObjectRef cur, prev;
  // `prev` with this event's resourceVersion, for DELETED lines (built once, on demand;
  // only under the cache's lock). The objects are valid() (the cache drops others).
  ObjectRef prev_at_rv() const;
  // cur->full_json(), built once on demand (only under the cache's lock).
  const std::string& cur_json() const;

 private:
  mutable ObjectRef prev_at_rv_;
  mutable std::string cur_json_;
};

// The objects of one resource at one revision, sorted by key.
struct Snapshot {
  std::vector<ObjectRef> objects;
};

class WatchCache : public std::enable_shared_from_this<WatchCache> {
 public:
  static constexpr size_t kWindow = 1024;       // events kept per resource for watches
  static constexpr size_t kKeptSnapshots = 16;  // per resource, for continue tokens

  // Lists everything under `key_root`/registry/ and starts the store watch.
  static Result<std::shared_ptr<WatchCache>> start(std::shared_ptr<store::Store> store, std::string key_root);
  ~WatchCache();
  // Releases the store watch and ends every subscription. Idempotent.
  void stop();

  // False once the store watch failed (everything then goes to the store).
  bool healthy() const;
  // Waits until the cache has applied every store revision <= `rv`. False on timeout or
  // when the cache is not healthy.
  bool wait_fresh(int64_t rv, std::chrono::milliseconds timeout);

  struct View {
    std::shared_ptr<const Snapshot> snap;
    int64_t revision = 0;  // the revision the view reflects (a list's resourceVersion)
  };
  // The current state of `r`.
  View snapshot(const Resource& r);
  // The state of `r` at `revision` if a kept snapshot covers it (continue tokens).
  std::shared_ptr<const Snapshot> snapshot_at(const Resource& r, int64_t revision);
  // One object by key from the current state; nullptr when absent.
  ObjectRef find(const Resource& r, const std::string& key);

  // Watch fan-out. Under the cache's lock: `initial` → every current object of `r` as a
  // create event (from = the cache's revision), else the kept events after `from`; then
  // every later event of `r`. Fails with ERANGE when events after `from` are no longer
  // kept (or the cache is unhealthy): use the store. `sink` runs under the cache's lock
  // and must not block; `on_end` runs once if the cache stops feeding (store watch
  // failure, stop()). Destroying the returned handle unsubscribes.
  using Sink = std::function<void(const CacheEvent&)>;
  // `*start` (optional) gets the revision the live part starts after.
  Result<std::unique_ptr<store::Watch>> subscribe(const Resource& r, int64_t from, bool initial, Sink sink,
                                                  std::function<void()> on_end, int64_t* start = nullptr);

  struct PerResource;
  struct Subscriber;

 private:
  WatchCache(std::shared_ptr<store::Store> store, std::string key_root);
  PerResource* find_resource_state(const Resource& r);
  PerResource* owner_of(const std::string& key);
  void on_events(const std::vector<store::Event>& events);
  void on_error(const Error& e);
  void end_subscribers(std::unique_lock<std::mutex>& lock);
  void unsubscribe(Subscriber* s);

  std::shared_ptr<store::Store> store_;
  std::string key_root_;
  mutable std::mutex mu_;
  std::condition_variable fresh_cv_;
  std::vector<std::unique_ptr<PerResource>> resources_;
  int64_t revision_ = 0;  // every store event <= this has been applied
  bool healthy_ = true;
  std::unique_ptr<store::Watch> watch_;
};

}  // namespace v6k::kube::internal
