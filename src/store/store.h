// Store: a revisioned key-value store with etcd semantics. Every write bumps one
// store-wide revision (the Kubernetes resourceVersion); reads can be served at any
// revision not yet compacted; watches replay history from a revision, then stream.
//
//   auto store = store::open_sqlite("/var/lib/v6k/region.db");
//   auto kv = (*store)->create("/vpcs/vpc-1", json);           // kv->mod_revision == N
//   auto up = (*store)->update("/vpcs/vpc-1", json2, kv->mod_revision);
//   if (!up && up.error().code() == ESTALE) { /* re-read and retry */ }
//   auto w = (*store)->watch("/vpcs/", kv->mod_revision, [](const auto& events) {...});
//
// Error codes (Error::code()):
//   ENOENT    key not found (get/update/remove)
//   EEXIST    create of a key that exists
//   ESTALE    expected_mod_revision does not match ("the object has been modified")
//   ERANGE    "required revision has been compacted" (get/list/watch/compact below the
//             compacted revision; Kubernetes maps it to 410 Gone)
//   EOVERFLOW "required revision is a future revision" (get/list/compact above current)
//   EINVAL    bad argument (empty key, negative limit/revision)
//   EIO, ...  storage failure (SQLite's own words in the detail)
// See docs/store.md for the schema, the durability choice and the full semantics.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace v6k::store {

struct KeyValue {
  std::string key;
  std::string value;            // opaque bytes
  int64_t create_revision = 0;  // revision of the create that started this incarnation
  int64_t mod_revision = 0;     // revision of the last write
  int64_t version = 0;          // 1 on create, +1 per update; 0 for a deleted key
};

struct ListOptions {
  int64_t revision = 0;         // 0 = latest
  int64_t limit = 0;            // 0 = all
  std::string continue_after;   // return only keys strictly after this key
};

struct ListResult {
  std::vector<KeyValue> items;  // sorted by key (bytewise)
  int64_t revision = 0;         // store revision the list reflects; pass it back as
                                // ListOptions::revision to page consistently
  bool more = false;            // more keys after the last item
};

// One write of an atomic commit().
struct Write {
  enum class Kind { kCreate, kUpdate, kRemove };
  Kind kind = Kind::kCreate;
  std::string key;
  std::string value;                  // ignored for kRemove
  int64_t expected_mod_revision = 0;  // kUpdate/kRemove: 0 = unconditional
  static Write create(std::string k, std::string v) { return {Kind::kCreate, std::move(k), std::move(v), 0}; }
  static Write update(std::string k, std::string v, int64_t rev) { return {Kind::kUpdate, std::move(k), std::move(v), rev}; }
  static Write remove(std::string k, int64_t rev) { return {Kind::kRemove, std::move(k), {}, rev}; }
};

enum class EventType { kPut, kDelete };

struct Event {
  EventType type;
  // kPut: the new kv. kDelete: only key and mod_revision (the delete's revision), as etcd.
  KeyValue kv;
  // The kv before this event; empty (mod_revision 0) for a create.
  KeyValue prev;
};

class Watch {
 public:
  virtual ~Watch() = default;  // destroying it stops delivery; no sink call after it returns
};

using WatchSink = std::function<void(const std::vector<Event>&)>;
// Called at most once, on the store's thread, when a watch ends by itself: ERANGE when
// compaction overtook a lagging watch, or a storage error. No events follow it.
using WatchErrorSink = std::function<void(const Error&)>;

class Store {  // abstract: SQLite (open_sqlite below) and etcd (etcd/etcd_store.h)
 public:
  virtual ~Store() = default;

  // The live kv at `revision` (0 = latest).
  virtual Result<KeyValue> get(std::string_view key, int64_t revision = 0) = 0;
  // Live keys starting with `prefix` ("" = all), in key order.
  virtual Result<ListResult> list(std::string_view prefix, const ListOptions& opts = {}) = 0;
  // Fails with EEXIST when the key is live.
  virtual Result<KeyValue> create(std::string_view key, std::string_view value) = 0;
  // Fails with ENOENT when the key is not live, ESTALE on a revision mismatch.
  virtual Result<KeyValue> update(std::string_view key, std::string_view value,
                                  int64_t expected_mod_revision /* 0 = unconditional */) = 0;
  // Returns the deleted kv (its value, create_revision and version) with mod_revision set
  // to the revision of the delete itself (what Kubernetes reports as the resourceVersion).
  virtual Result<KeyValue> remove(std::string_view key, int64_t expected_mod_revision = 0) = 0;
  // Applies every write or none, in order. SQLite: each gets its own consecutive revision
  // (as kine); etcd: one transaction, so all share one revision. A key may appear once. Fails with the first failing write's error (same codes as
  // create/update/remove, the message naming the key); nothing is written then. Returns the
  // kvs as create/update/remove would, in order.
  virtual Result<std::vector<KeyValue>> commit(const std::vector<Write>& writes) = 0;
  // The revision of the last write (a fresh store is at 1, as etcd; its first write is 2).
  virtual Result<int64_t> current_revision() = 0;
  // The revision below which history is gone (0 = never compacted).
  virtual Result<int64_t> compacted_revision() = 0;
  // Drops history below `revision`: reads at revision >= it keep working.
  // ERANGE if revision <= the compacted revision; EOVERFLOW if above current.
  virtual Result<> compact(int64_t revision) = 0;
  // Events for keys under `prefix` with mod_revision > from_revision, in revision order,
  // delivered in batches to `sink` on a store-owned thread (one batch never splits a
  // revision). Historical events come first. from_revision 0 = only future events.
  // ERANGE if from_revision < the compacted revision. `sink` must not throw; it may
  // destroy the Watch from inside the callback.
  virtual Result<std::unique_ptr<Watch>> watch(std::string_view prefix, int64_t from_revision,
                                               WatchSink sink,
                                               WatchErrorSink on_error = {}) = 0;
};

struct SqliteOptions {
  // false (default): WAL + synchronous=NORMAL — a committed write survives a crash or
  // kill -9 of the process; after a power loss the store comes back consistent but may
  // have lost the last commits. true: synchronous=FULL — also survives power loss, at
  // the cost of an fsync per write. See docs/store.md.
  bool sync_full = false;
};

// Opens (creating if needed) a store in the SQLite file `path`. ":memory:" gives a fresh
// private store (backed by a temporary file, removed when its last Store/Watch closes).
// Several Stores on one file in one process are safe and see each other's writes.
Result<std::unique_ptr<Store>> open_sqlite(const std::string& path,
                                           const SqliteOptions& opts = {});

}  // namespace v6k::store
