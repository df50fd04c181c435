// The watch cache (see watch_cache.h): cached objects, the store watch that feeds them,
// snapshots for lists and continue tokens, and the fan-out to watchers.
#include "kube/apiserver/watch_cache.h"

#include <algorithm>
#include <cerrno>

namespace v6k::kube::internal {

using nlohmann::json;

// ---- CachedObject / CacheEvent

std::shared_ptr<const CachedObject> CachedObject::make(const store::KeyValue& kv) {
  auto o = std::make_shared<CachedObject>(kv.key, kv.mod_revision);
  o->raw_ = kv.value;
  return o;
}

const CachedObject::Decoded& CachedObject::decoded() const {
  std::call_once(once_, [this] {
    json full = json::parse(raw_, nullptr, false);
    std::string().swap(raw_);
    if (full.is_discarded() || !full.is_object()) return;
    json& meta = full["metadata"];
    if (!meta.is_object()) meta = json::object();
    meta["resourceVersion"] = std::to_string(rv);
    // Parse once, serialize once: the list item (no kind/apiVersion, as upstream's lists)
    // first, then the selector/Table form without managedFields, kind/apiVersion back.
    json api = full.contains("apiVersion") ? full["apiVersion"] : json();
    json kind = full.contains("kind") ? full["kind"] : json();
    d_.head = "{";
    if (!api.is_null()) d_.head += "\"apiVersion\":" + api.dump();
    if (!kind.is_null()) d_.head += std::string(api.is_null() ? "" : ",") + "\"kind\":" + kind.dump();
    full.erase("apiVersion");
    full.erase("kind");
    d_.item = full.dump();
    meta.erase("managedFields");
    if (!api.is_null()) full["apiVersion"] = std::move(api);
    if (!kind.is_null()) full["kind"] = std::move(kind);
    d_.obj = std::move(full);
    d_.valid = true;
  });
  return d_;
}

std::string CachedObject::full_json() const {
  const Decoded& d = decoded();
  if (d.head.size() <= 1) return d.item;
  if (d.item.size() <= 2) return d.head + "}";
  std::string out;
  out.reserve(d.head.size() + d.item.size() + 1);
  out.append(d.head).append(",").append(d.item, 1);
  return out;
}

const std::string& CachedObject::partial_metadata() const {
  std::call_once(pm_once_, [this] {
    const json& o = obj();
    auto m = o.find("metadata");
    json pm = {{"kind", "PartialObjectMetadata"},
               {"apiVersion", "meta.k8s.io/v1"},
               {"metadata", m != o.end() && m->is_object() ? *m : json::object()}};
    pm_ = pm.dump();
  });
  return pm_;
}

std::shared_ptr<const CachedObject> CachedObject::with_rv(int64_t new_rv) const {
  const Decoded& d = decoded();
  auto o = std::make_shared<CachedObject>(key, new_rv);
  std::call_once(o->once_, [&] {
    o->d_ = d;
    if (!d.valid) return;
    o->d_.obj["metadata"]["resourceVersion"] = std::to_string(new_rv);
    json item_obj = json::parse(d.item, nullptr, false);
    if (item_obj.is_object()) {
      item_obj["metadata"]["resourceVersion"] = std::to_string(new_rv);
      o->d_.item = item_obj.dump();
    }
  });
  return o;
}

ObjectRef CacheEvent::prev_at_rv() const {
  if (!prev_at_rv_ && prev) prev_at_rv_ = prev->rv == rv ? prev : prev->with_rv(rv);
  return prev_at_rv_;
}

const std::string& CacheEvent::cur_json() const {
  if (cur_json_.empty() && cur) cur_json_ = cur->full_json();
  return cur_json_;
}

// ---- the cache's state

struct WatchCache::Subscriber {
  Sink sink;
  std::function<void()> on_end;
  int64_t after = 0;  // events at or before this revision were already sent
};

struct WatchCache::PerResource {
  const Resource* res = nullptr;
  std::string prefix;
  std::map<std::string, ObjectRef> objects;
  std::deque<std::shared_ptr<const CacheEvent>> window;
  int64_t oldest = 0;       // every event after this revision is in `window`
  int64_t last_change = 0;  // revision of the latest event (or of the initial list)
  struct Kept {
    std::shared_ptr<const Snapshot> snap;
    int64_t from = 0, to = INT64_MAX;  // the state at every revision in [from, to]
  };
  std::deque<Kept> kept;    // the last one is current while to == INT64_MAX
  std::list<std::unique_ptr<Subscriber>> subs;

  bool has_current() const { return !kept.empty() && kept.back().to == INT64_MAX; }

  std::shared_ptr<const Snapshot> build_current() {
    if (has_current()) return kept.back().snap;
    auto s = std::make_shared<Snapshot>();
    s->objects.reserve(objects.size());
    for (const auto& [k, o] : objects) s->objects.push_back(o);
    kept.push_back({s, last_change, INT64_MAX});
    while (kept.size() > kKeptSnapshots) kept.pop_front();
    return s;
  }
};

namespace {

// What destroying a subscription does: leave the cache's fan-out.
class Subscription final : public store::Watch {
 public:
  Subscription(std::weak_ptr<WatchCache> cache, std::function<void()> leave)
      : cache_(std::move(cache)), leave_(std::move(leave)) {}
  ~Subscription() override {
    if (auto c = cache_.lock()) leave_();
  }

 private:
  std::weak_ptr<WatchCache> cache_;
  std::function<void()> leave_;
};

}  // namespace

WatchCache::WatchCache(std::shared_ptr<store::Store> store, std::string key_root)
    : store_(std::move(store)), key_root_(std::move(key_root)) {}

WatchCache::~WatchCache() { stop(); }

Result<std::shared_ptr<WatchCache>> WatchCache::start(std::shared_ptr<store::Store> store, std::string key_root) {
  std::shared_ptr<WatchCache> c(new WatchCache(store, key_root));
  for (const Resource& r : all_resources()) {
    auto pr = std::make_unique<PerResource>();
    pr->res = &r;
    pr->prefix = key_root + r.key_prefix();
    c->resources_.push_back(std::move(pr));
  }
  // One consistent read of the whole cluster, in pages, then a watch from its revision.
  store::ListOptions opts;
  opts.limit = 1000;
  for (;;) {
    auto page = store->list(key_root + "/registry/", opts);
    if (!page) return fail(std::move(page.error()).wrap("filling the watch cache"));
    opts.revision = page->revision;
    for (const auto& kv : page->items) {
      PerResource* pr = c->owner_of(kv.key);
      if (!pr) continue;
      pr->objects.emplace(kv.key, CachedObject::make(kv));
    }
    if (!page->more || page->items.empty()) break;
    opts.continue_after = page->items.back().key;
  }
  c->revision_ = opts.revision;
  if (c->revision_ == 0) {
    auto rev = store->current_revision();
    if (!rev) return fail(std::move(rev.error()).wrap("filling the watch cache"));
    c->revision_ = *rev;
  }
  for (auto& pr : c->resources_) pr->oldest = pr->last_change = c->revision_;
  // The whole store, not only this cluster: every revision then arrives as an event, which
  // is what makes wait_fresh() exact. stop() destroys the watch before `c` goes away.
  WatchCache* raw = c.get();
  auto w = store->watch("", c->revision_, [raw](const std::vector<store::Event>& evs) { raw->on_events(evs); },
                        [raw](const Error& e) { raw->on_error(e); });
  if (!w) return fail(std::move(w.error()).wrap("starting the watch cache"));
  c->watch_ = std::move(*w);
  return c;
}

void WatchCache::stop() {
  std::unique_ptr<store::Watch> w;
  {
    std::unique_lock lock(mu_);
    w = std::move(watch_);
    healthy_ = false;
    end_subscribers(lock);
  }
  fresh_cv_.notify_all();
  w.reset();  // outside the lock: it waits for a running callback, which takes the lock
}

void WatchCache::end_subscribers(std::unique_lock<std::mutex>&) {
  for (auto& pr : resources_) {
    for (auto& s : pr->subs)
      if (s->on_end) s->on_end();
    pr->subs.clear();
  }
}

bool WatchCache::healthy() const {
  std::lock_guard lock(mu_);
  return healthy_;
}

bool WatchCache::wait_fresh(int64_t rv, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  fresh_cv_.wait_for(lock, timeout, [&] { return !healthy_ || revision_ >= rv; });
  return healthy_ && revision_ >= rv;
}

WatchCache::PerResource* WatchCache::owner_of(const std::string& key) {
  for (auto& pr : resources_)
    if (key.starts_with(pr->prefix)) return pr.get();
  return nullptr;
}

WatchCache::PerResource* WatchCache::find_resource_state(const Resource& r) {
  for (auto& pr : resources_)
    if (pr->res == &r) return pr.get();
  return nullptr;
}

WatchCache::View WatchCache::snapshot(const Resource& r) {
  std::lock_guard lock(mu_);
  PerResource* pr = find_resource_state(r);
  if (!pr) return {std::make_shared<Snapshot>(), revision_};
  return {pr->build_current(), revision_};
}

std::shared_ptr<const Snapshot> WatchCache::snapshot_at(const Resource& r, int64_t revision) {
  std::lock_guard lock(mu_);
  PerResource* pr = find_resource_state(r);
  if (!pr || !healthy_) return nullptr;
  for (const auto& k : pr->kept)
    if (k.from <= revision && revision <= k.to && (k.to != INT64_MAX || revision <= revision_)) return k.snap;
  if (revision >= pr->last_change && revision <= revision_) return pr->build_current();
  return nullptr;
}

ObjectRef WatchCache::find(const Resource& r, const std::string& key) {
  std::lock_guard lock(mu_);
  PerResource* pr = find_resource_state(r);
  if (!pr || !healthy_) return nullptr;
  auto it = pr->objects.find(key);
  return it == pr->objects.end() ? nullptr : it->second;
}

void WatchCache::on_events(const std::vector<store::Event>& events) {
  // Copy the values outside the lock; decoding waits for the first reader.
  struct Change {
    PerResource* pr;
    const store::Event* ev;
    ObjectRef cur;
  };
  std::vector<Change> changes;
  int64_t top = 0;
  for (const auto& ev : events) {
    top = std::max(top, ev.kv.mod_revision);
    PerResource* pr = owner_of(ev.kv.key);
    if (!pr) continue;
    changes.push_back({pr, &ev, ev.type == store::EventType::kPut ? CachedObject::make(ev.kv) : nullptr});
  }
  {
    std::lock_guard lock(mu_);
    if (!healthy_) return;
    for (auto& ch : changes) {
      PerResource& pr = *ch.pr;
      const int64_t rv = ch.ev->kv.mod_revision;
      auto ev = std::make_shared<CacheEvent>();
      ev->rv = rv;
      auto it = pr.objects.find(ch.ev->kv.key);
      if (it != pr.objects.end()) ev->prev = it->second;
      if (ch.cur) {
        ev->cur = ch.cur;
        if (it != pr.objects.end()) it->second = ch.cur;
        else pr.objects.emplace(ch.ev->kv.key, ch.cur);
      } else if (it != pr.objects.end()) {
        pr.objects.erase(it);
      }
      if (!ev->cur && !ev->prev) continue;  // delete of something we never had
      if (pr.has_current()) pr.kept.back().to = rv - 1;
      pr.last_change = rv;
      pr.window.push_back(ev);
      while (pr.window.size() > kWindow) {
        pr.oldest = pr.window.front()->rv;
        pr.window.pop_front();
      }
      // Watchers get objects that decode (a list from the store would fail on the others).
      if (pr.subs.empty() || (ev->cur && !ev->cur->valid()) || (ev->prev && !ev->prev->valid())) continue;
      for (auto& s : pr.subs)
        if (rv > s->after) s->sink(*ev);
    }
    revision_ = std::max(revision_, top);
  }
  fresh_cv_.notify_all();
}

void WatchCache::on_error(const Error&) {
  {
    std::unique_lock lock(mu_);
    healthy_ = false;  // from now on every request reads the store, as without a cache
    end_subscribers(lock);
  }
  fresh_cv_.notify_all();
}

void WatchCache::unsubscribe(Subscriber* s) {
  std::lock_guard lock(mu_);
  for (auto& pr : resources_)
    for (auto it = pr->subs.begin(); it != pr->subs.end(); ++it)
      if (it->get() == s) {
        pr->subs.erase(it);
        return;
      }
}

Result<std::unique_ptr<store::Watch>> WatchCache::subscribe(const Resource& r, int64_t from, bool initial, Sink sink,
                                                            std::function<void()> on_end, int64_t* start) {
  std::lock_guard lock(mu_);
  PerResource* pr = find_resource_state(r);
  if (!pr || !healthy_) return fail(Error::make(EAGAIN, "the watch cache is not serving"));
  if (!initial && from < pr->oldest)
    return fail(Error::make(ERANGE, "resourceVersion " + std::to_string(from) + " is older than the watch cache"));
  auto sub = std::make_unique<Subscriber>();
  if (initial) {
    for (const auto& [k, o] : pr->objects) {
      if (!o->valid()) continue;
      CacheEvent ev;
      ev.rv = o->rv;
      ev.cur = o;
      sink(ev);
    }
    sub->after = revision_;
  } else {
    for (const auto& ev : pr->window)
      if (ev->rv > from && (!ev->cur || ev->cur->valid()) && (!ev->prev || ev->prev->valid())) sink(*ev);
    sub->after = std::max(from, revision_);
  }
  if (start) *start = sub->after;
  sub->sink = std::move(sink);
  sub->on_end = std::move(on_end);
  Subscriber* raw = sub.get();
  pr->subs.push_back(std::move(sub));
  std::weak_ptr<WatchCache> weak = weak_from_this();
  return std::unique_ptr<store::Watch>(new Subscription(weak, [weak, raw] {
    if (auto c = weak.lock()) c->unsubscribe(raw);
  }));
}

}  // namespace v6k::kube::internal
