// watch=true: a chunked stream of {"type","object"} lines from the store's history and
// live changes, filtered by namespace, name and selectors. With a Table Accept each object
// is a one-row Table (column definitions in the first event only). A resourceVersion the
// store has compacted away gets an ERROR event with a 410 Expired Status, as upstream.
//
// Watches are fed by the watch cache when it can (watch_cache.h): the initial state and
// recent history come from memory, each event is decoded and serialized once for every
// watcher. A resourceVersion older than the cache's window, or a cache that stopped,
// gets its own store watch as before.
#include <condition_variable>
#include <list>
#include <mutex>
#include <random>
#include <thread>

#include "kube/apiserver/internal.h"
#include "kube/apiserver/watch_cache.h"
#include "kube/tables/tables.h"

namespace v6k::kube::internal {

namespace {

// One open watch. The store's thread feeds it; the hub's thread times it out, sends
// bookmarks and releases its store watch once the client is gone.
struct OpenWatch {
  std::mutex mu;
  std::shared_ptr<http::BodyStream> out;
  std::unique_ptr<store::Watch> source;
  std::shared_ptr<const Filter> filter;
  const Resource* res = nullptr;
  bool table = false;
  bool table_header_sent = false;
  bool bookmarks = false;
  TableOptions table_opts;
  int64_t last_rv = 0;
  Clock::time_point deadline;
  Clock::time_point next_bookmark;
  bool done = false;

  std::string frame(std::string_view type, const json& obj) {
    json o = obj;
    if (table && type != "BOOKMARK" && type != "ERROR") {
      json meta = {{"resourceVersion", obj["metadata"].value("resourceVersion", "")}};
      o = make_table(res->group, res->resource, {obj}, meta, table_opts);
      if (table_header_sent) o["columnDefinitions"] = json::array();
      table_header_sent = true;
    }
    return json{{"type", type}, {"object", std::move(o)}}.dump() + "\n";
  }
};

json with_rv(json obj, int64_t rv) {
  obj["metadata"]["resourceVersion"] = std::to_string(rv);
  return obj;
}

}  // namespace

class WatchHub {
 public:
  explicit WatchHub(std::chrono::milliseconds bookmark_interval) : bookmark_interval_(bookmark_interval) {
    thread_ = std::thread([this] { run(); });
  }

  std::chrono::milliseconds bookmark_interval() const { return bookmark_interval_; }

  void add(std::shared_ptr<OpenWatch> w) {
    std::lock_guard lock(mu_);
    watches_.push_back(std::move(w));
  }

  void wake() { cv_.notify_all(); }

  void stop() {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  ~WatchHub() { stop(); }

 private:
  void run() {
    std::unique_lock lock(mu_);
    while (!stopping_) {
      cv_.wait_for(lock, std::chrono::milliseconds(200));
      auto now = Clock::now();
      for (auto it = watches_.begin(); it != watches_.end();) {
        auto w = *it;
        std::unique_ptr<store::Watch> release;
        bool remove = false;
        {
          std::lock_guard wl(w->mu);
          if (!w->done && now >= w->deadline) {
            w->done = true;
            w->out->finish();
          }
          if (!w->done && w->bookmarks && now >= w->next_bookmark) {
            json bm = {{"kind", w->res->kind},
                       {"apiVersion", w->res->group_version()},
                       {"metadata", {{"resourceVersion", std::to_string(w->last_rv)}}}};
            w->out->write(w->frame("BOOKMARK", bm));
            w->next_bookmark = now + bookmark_interval_;
          }
          if (w->done) {
            release = std::move(w->source);
            remove = true;
          }
        }
        // Outside every lock: a store watch's destructor waits for its sink to return.
        lock.unlock();
        release.reset();
        lock.lock();
        it = remove ? watches_.erase(it) : std::next(it);
      }
    }
    // Stopping: end every stream, release every store watch.
    auto all = std::move(watches_);
    lock.unlock();
    for (auto& w : all) {
      std::unique_ptr<store::Watch> release;
      {
        std::lock_guard wl(w->mu);
        if (!w->done) w->out->finish();
        w->done = true;
        release = std::move(w->source);
      }
    }
  }

  std::chrono::milliseconds bookmark_interval_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::list<std::shared_ptr<OpenWatch>> watches_;
  bool stopping_ = false;
  std::thread thread_;
};

std::shared_ptr<WatchHub> start_watch_hub(std::chrono::milliseconds bookmark_interval) {
  return std::make_shared<WatchHub>(bookmark_interval);
}

void stop_watch_hub(WatchHub& hub) { hub.stop(); }

namespace {

// Converts one batch of store events into watch lines (selector transitions become
// ADDED / DELETED as upstream's watch cache does).
void deliver(OpenWatch& w, const std::vector<store::Event>& events) {
  std::string out;
  for (const auto& ev : events) {
    json cur, prev;
    if (ev.type == store::EventType::kPut) {
      auto o = decode_stored(ev.kv);
      if (!o) continue;
      cur = std::move(*o);
    }
    if (ev.prev.mod_revision != 0) {
      auto o = decode_stored(ev.prev);
      if (o) prev = std::move(*o);
    }
    bool cur_ok = !cur.is_null() && filter_matches(*w.filter, *w.res, cur);
    bool prev_ok = !prev.is_null() && filter_matches(*w.filter, *w.res, prev);
    int64_t rv = ev.kv.mod_revision;
    w.last_rv = std::max(w.last_rv, rv);
    if (cur_ok && prev_ok) out += w.frame("MODIFIED", cur);
    else if (cur_ok) out += w.frame("ADDED", cur);
    else if (prev_ok) out += w.frame("DELETED", with_rv(prev, rv));
  }
  if (!out.empty() && !w.out->write(std::move(out))) w.done = true;
}

// The same for one watch-cache event: the object's JSON comes from the cache (shared by
// every watcher), only Table watchers build their own line.
void deliver_cached(OpenWatch& w, const CacheEvent& ev) {
  bool cur_ok = ev.cur && filter_matches(*w.filter, *w.res, ev.cur->obj());
  bool prev_ok = ev.prev && filter_matches(*w.filter, *w.res, ev.prev->obj());
  w.last_rv = std::max(w.last_rv, ev.rv);
  const char* type = cur_ok && prev_ok ? "MODIFIED" : cur_ok ? "ADDED" : prev_ok ? "DELETED" : nullptr;
  if (!type) return;
  std::string line;
  if (w.table) {
    line = w.frame(type, cur_ok ? ev.cur->obj() : ev.prev_at_rv()->obj());
  } else {
    // {"object":...,"type":...}: nlohmann's key order, as frame() writes it.
    const std::string& obj = cur_ok ? ev.cur_json() : ev.prev_at_rv()->full_json();
    line.reserve(obj.size() + 40);
    line.append("{\"object\":").append(obj).append(",\"type\":\"").append(type).append("\"}\n");
  }
  if (!w.out->write(std::move(line))) w.done = true;
}

// Feeds `w` from the cache; false when the cache cannot serve `from` (use the store).
bool subscribe_cached(Env& env, const std::shared_ptr<OpenWatch>& w, std::string_view key_prefix, int64_t from,
                      bool initial) {
  std::weak_ptr<OpenWatch> weak = w;
  std::string prefix(key_prefix);
  int64_t start = 0;
  auto sub = env.cache->subscribe(
      *w->res, from, initial,
      [weak, prefix](const CacheEvent& ev) {
        auto s = weak.lock();
        if (!s) return;
        const ObjectRef& any = ev.cur ? ev.cur : ev.prev;
        if (!any->key.starts_with(prefix)) return;
        std::lock_guard lock(s->mu);
        if (s->done) return;
        try {
          deliver_cached(*s, ev);
        } catch (const std::exception&) {
          s->out->finish();  // allocation failure: end the stream, the client re-watches
          s->done = true;
        }
      },
      [weak] {
        // The cache stopped feeding: end the stream; the client re-watches.
        if (auto s = weak.lock()) {
          std::lock_guard lock(s->mu);
          if (!s->done) s->out->finish();
          s->done = true;
        }
      },
      &start);
  if (!sub) return false;
  std::lock_guard lock(w->mu);
  w->last_rv = std::max(w->last_rv, start);
  w->source = std::move(*sub);
  return true;
}

}  // namespace

http::Response handle_watch(Ctx& c) {
  auto filter = make_filter(c);
  if (!filter) return status_response(filter.error());
  auto rep = negotiate(c.req);
  if (!rep) return status_response(rep.error());
  std::string rv_text = c.info.param("resourceVersion");
  int64_t from = 0;
  if (!rv_text.empty()) {
    try {
      from = std::stoll(rv_text);
    } catch (...) {
      return status_response(bad_request("resourceVersion: Invalid value: \"" + rv_text + "\": must be an integer"));
    }
  }
  int64_t timeout_s = 0;
  if (auto t = c.info.param("timeoutSeconds"); !t.empty()) {
    try {
      timeout_s = std::stoll(t);
    } catch (...) {
      return status_response(bad_request("timeoutSeconds must be an integer"));
    }
  }
  if (timeout_s <= 0) {
    // Upstream spreads watch lifetimes over [30, 60) minutes so clients re-watch gradually.
    static thread_local std::mt19937 rng(std::random_device{}());
    timeout_s = 1800 + static_cast<int64_t>(rng() % 1800);
  }

  auto w = std::make_shared<OpenWatch>();
  w->filter = *filter;
  w->res = c.res;
  w->table = *rep == Representation::kTable;
  w->table_opts.now = c.now;
  w->table_opts.include = IncludeObject::kMetadata;
  w->bookmarks = c.info.flag("allowWatchBookmarks");
  w->deadline = Clock::now() + std::chrono::seconds(timeout_s);
  w->next_bookmark = Clock::now() + c.env.watches->bookmark_interval();
  std::string prefix = collection_prefix(c.env, *c.res, c.info.namespace_);
  if (!c.info.name.empty()) prefix = object_key(c.env, *c.res, c.info.namespace_, c.info.name);

  // The cache serves the watch once it has applied what the watch must start from: the
  // store's current revision for "" (as a consistent list), `from` for N, nothing for "0".
  const bool initial = from == 0;
  bool use_cache = false;
  if (c.env.cache) {
    int64_t need = from;
    if (rv_text.empty()) {
      auto cur = c.env.store->current_revision();
      need = cur ? *cur : INT64_MAX;
    }
    use_cache = need != INT64_MAX && c.env.cache->wait_fresh(need, std::chrono::milliseconds(500));
  }

  // "" / "0": the current state as synthetic ADDED events, then changes after it.
  std::string initial_lines;
  if (initial && !use_cache) {
    auto page = c.env.store->list(prefix);
    if (!page) return status_response(store_error(*c.res, "", page.error()));
    for (const auto& kv : page->items) {
      auto o = decode_stored(kv);
      if (o && filter_matches(**filter, *c.res, *o)) initial_lines += w->frame("ADDED", *o);
    }
    from = page->revision;
  }
  w->last_rv = from;

  Env* env = &c.env;
  std::string content_type = w->table ? "application/json;as=Table;v=v1;g=meta.k8s.io" : "application/json";
  return http::Response::streaming(200, content_type, [w, env, prefix, from, initial, use_cache,
                                                       initial_lines = std::move(initial_lines)](
                                                          std::shared_ptr<http::BodyStream> out) mutable {
    {
      std::lock_guard lock(w->mu);
      w->out = out;
      if (!initial_lines.empty() && !out->write(std::move(initial_lines))) w->done = true;
    }
    std::weak_ptr<OpenWatch> weak = w;
    out->on_close([weak, env] {
      if (auto s = weak.lock()) {
        std::lock_guard lock(s->mu);
        s->done = true;
      }
      env->watches->wake();
    });
    if (use_cache) {
      if (subscribe_cached(*env, w, prefix, from, initial)) {
        env->watches->add(w);
        return;
      }
      if (initial) {
        // The cache stopped since the request came in: the initial state from the store.
        auto page = env->store->list(prefix);
        std::string lines;
        std::lock_guard lock(w->mu);
        if (page) {
          for (const auto& kv : page->items) {
            auto o = decode_stored(kv);
            if (o && filter_matches(*w->filter, *w->res, *o)) lines += w->frame("ADDED", *o);
          }
          from = page->revision;
          w->last_rv = from;
          if (!lines.empty() && !out->write(std::move(lines))) w->done = true;
        } else {
          ApiStatus st = store_error(*w->res, "", page.error());
          out->write(json{{"type", "ERROR"}, {"object", st.to_json()}}.dump() + "\n");
          out->finish();
          w->done = true;
          env->watches->add(w);
          return;
        }
      }
    }
    auto source = env->store->watch(
        prefix, from,
        [weak](const std::vector<store::Event>& events) {
          auto s = weak.lock();
          if (!s) return;
          std::lock_guard lock(s->mu);
          if (!s->done) deliver(*s, events);
        },
        [weak](const Error& e) {
          auto s = weak.lock();
          if (!s) return;
          std::lock_guard lock(s->mu);
          if (s->done) return;
          ApiStatus st = e.code() == ERANGE ? gone("too old resource version") : internal_error(e.message());
          s->out->write(json{{"type", "ERROR"}, {"object", st.to_json()}}.dump() + "\n");
          s->out->finish();
          s->done = true;
        });
    std::lock_guard lock(w->mu);
    if (!source) {
      ApiStatus st = source.error().code() == ERANGE
                         ? gone("too old resource version: " + std::to_string(from))
                         : internal_error(source.error().message());
      out->write(json{{"type", "ERROR"}, {"object", st.to_json()}}.dump() + "\n");
      out->finish();
      w->done = true;
    } else {
      w->source = std::move(*source);
    }
    env->watches->add(w);
  });
}

}  // namespace v6k::kube::internal
