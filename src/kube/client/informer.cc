#include "kube/client/informer.h"

#include <cstdio>

namespace v6k::kube {

namespace {

const json& meta_of(const json& obj) {
  static const json empty = json::object();
  auto it = obj.find("metadata");
  return it != obj.end() && it->is_object() ? *it : empty;
}

std::string str_field(const json& obj, const char* name) {
  auto it = obj.find(name);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string object_key(std::string_view ns, std::string_view name) {
  if (ns.empty()) return std::string(name);
  std::string k;
  k.reserve(ns.size() + name.size() + 1);
  k.append(ns).push_back('/');
  k.append(name);
  return k;
}

std::string object_key(const json& obj) {
  const json& m = meta_of(obj);
  return object_key(str_field(m, "namespace"), str_field(m, "name"));
}

std::pair<std::string, std::string> split_key(std::string_view key) {
  auto slash = key.find('/');
  if (slash == std::string_view::npos) return {"", std::string(key)};
  return {std::string(key.substr(0, slash)), std::string(key.substr(slash + 1))};
}

Informer::Informer(std::shared_ptr<Client> client, InformerOptions options)
    : client_(std::move(client)), opt_(std::move(options)) {
  path_ = resource_path(opt_.resource, opt_.ns);
}

Informer::~Informer() { stop(); }

void Informer::on_add(std::function<void(const json&)> fn) { on_add_.push_back(std::move(fn)); }
void Informer::on_update(std::function<void(const json&, const json&)> fn) { on_update_.push_back(std::move(fn)); }
void Informer::on_delete(std::function<void(const json&)> fn) { on_delete_.push_back(std::move(fn)); }

void Informer::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

void Informer::stop() {
  stopping_.store(true);
  stream_.cancel();
  {
    std::lock_guard lock(sleep_mu_);
    sleep_cv_.notify_all();
  }
  {
    std::lock_guard lock(mu_);
    synced_cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

bool Informer::wait_synced(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  synced_cv_.wait_for(lock, timeout, [&] { return synced_.load() || stopping_.load(); });
  return synced_.load();
}

ObjectPtr Informer::get(std::string_view ns, std::string_view name) const {
  std::lock_guard lock(mu_);
  auto n = cache_.find(ns);
  if (n == cache_.end()) return nullptr;
  auto o = n->second.find(std::string(name));
  return o == n->second.end() ? nullptr : o->second;
}

ObjectPtr Informer::get(std::string_view key) const {
  auto [ns, name] = split_key(key);
  return get(ns, name);
}

std::vector<ObjectPtr> Informer::list(std::string_view ns) const {
  std::vector<ObjectPtr> out;
  std::lock_guard lock(mu_);
  if (!ns.empty()) {
    auto n = cache_.find(ns);
    if (n == cache_.end()) return out;
    out.reserve(n->second.size());
    for (const auto& [_, o] : n->second) out.push_back(o);
    return out;
  }
  out.reserve(count_);
  for (const auto& [_, objs] : cache_)
    for (const auto& [__, o] : objs) out.push_back(o);
  return out;
}

size_t Informer::size() const {
  std::lock_guard lock(mu_);
  return count_;
}

std::string Informer::last_resource_version() const {
  std::lock_guard lock(mu_);
  return rv_;
}

namespace {

std::string selector_query(const InformerOptions& o) {
  std::string q;
  if (!o.label_selector.empty()) q += "labelSelector=" + query_escape(o.label_selector);
  if (!o.field_selector.empty()) q += (q.empty() ? "" : "&") + std::string("fieldSelector=") + query_escape(o.field_selector);
  return q;
}

}  // namespace

// Lists everything (in pages) and replaces the cache, reporting the difference.
bool Informer::list_and_replace() {
  lists_.fetch_add(1);
  std::vector<json> items;
  std::string rv;
  std::string cont;
  const std::string sel = selector_query(opt_);
  do {
    std::string q = "limit=500";
    if (!sel.empty()) q += "&" + sel;
    if (!cont.empty()) q += "&continue=" + query_escape(cont);
    auto page = client_->list(path_, q);
    if (!page) {
      if (!stopping_.load())
        std::fprintf(stderr, "informer %s: list failed: %s\n", path_.c_str(), page.error().text().c_str());
      return false;
    }
    auto& meta = (*page)["metadata"];
    rv = meta.value("resourceVersion", "");
    cont = meta.value("continue", "");
    auto& its = (*page)["items"];
    if (its.is_array())
      for (auto& it : its) items.push_back(std::move(it));
  } while (!cont.empty());

  // Build the new cache, then tell handlers what changed.
  std::map<std::string, std::unordered_map<std::string, ObjectPtr>, std::less<>> fresh;
  size_t count = 0;
  for (auto& it : items) {
    const json& m = meta_of(it);
    auto ns = str_field(m, "namespace");
    auto name = str_field(m, "name");
    fresh[ns][name] = std::make_shared<const json>(std::move(it));
    ++count;
  }
  decltype(cache_) old;
  {
    std::lock_guard lock(mu_);
    old.swap(cache_);
    cache_ = fresh;
    count_ = count;
    rv_ = rv;
  }
  for (const auto& [ns, objs] : fresh) {
    auto o = old.find(ns);
    for (const auto& [name, obj] : objs) {
      ObjectPtr prev;
      if (o != old.end()) {
        auto p = o->second.find(name);
        if (p != o->second.end()) {
          prev = p->second;
          o->second.erase(p);
        }
      }
      if (!prev) {
        for (auto& fn : on_add_) fn(*obj);
      } else if (meta_of(*prev).value("resourceVersion", "") != meta_of(*obj).value("resourceVersion", "")) {
        for (auto& fn : on_update_) fn(*prev, *obj);
      }
    }
  }
  for (const auto& [ns, objs] : old)
    for (const auto& [name, obj] : objs)
      for (auto& fn : on_delete_) fn(*obj);
  {
    std::lock_guard lock(mu_);
    synced_.store(true);
    synced_cv_.notify_all();
  }
  return true;
}

void Informer::apply(const std::string& type, json object) {
  const json& m = meta_of(object);
  auto ns = str_field(m, "namespace");
  auto name = str_field(m, "name");
  auto rv = str_field(m, "resourceVersion");
  if (type == "BOOKMARK") {
    std::lock_guard lock(mu_);
    if (!rv.empty()) rv_ = rv;
    return;
  }
  auto obj = std::make_shared<const json>(std::move(object));
  ObjectPtr prev;
  {
    std::lock_guard lock(mu_);
    if (!rv.empty()) rv_ = rv;
    auto& objs = cache_[ns];
    auto it = objs.find(name);
    if (it != objs.end()) prev = it->second;
    if (type == "DELETED") {
      if (it != objs.end()) {
        objs.erase(it);
        --count_;
        if (objs.empty()) cache_.erase(ns);
      }
    } else if (it != objs.end()) {
      it->second = obj;
    } else {
      objs.emplace(name, obj);
      ++count_;
    }
  }
  if (type == "DELETED") {
    for (auto& fn : on_delete_) fn(prev ? *prev : *obj);
  } else if (prev) {
    for (auto& fn : on_update_) fn(*prev, *obj);
  } else {
    for (auto& fn : on_add_) fn(*obj);
  }
}

void Informer::run() {
  bool need_list = true;
  auto backoff = opt_.relist_backoff;
  const std::string sel = selector_query(opt_);
  while (!stopping_.load()) {
    if (need_list) {
      if (!list_and_replace()) {
        std::unique_lock lock(sleep_mu_);
        sleep_cv_.wait_for(lock, backoff, [&] { return stopping_.load(); });
        backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
        continue;
      }
      backoff = opt_.relist_backoff;
      need_list = false;
    }
    std::string q = "allowWatchBookmarks=true&resourceVersion=" + last_resource_version() +
                    "&timeoutSeconds=" + std::to_string(opt_.watch_timeout.count());
    if (!sel.empty()) q += "&" + sel;
    bool expired = false;
    auto r = client_->watch(path_, q, stream_, [&](WatchEvent& ev) {
      if (ev.type == "ERROR") {
        // 410 Expired / Gone: our resourceVersion was compacted away; anything else is
        // also best answered by a fresh list.
        expired = true;
        return false;
      }
      apply(ev.type, std::move(ev.object));  // the event is ours: no copy of the object
      return !stopping_.load();
    });
    if (stopping_.load()) break;
    if (!r || expired) {
      if (!r && !r.error().gone())
        std::fprintf(stderr, "informer %s: watch failed: %s\n", path_.c_str(), r.error().text().c_str());
      need_list = true;
      if (!r && !r.error().gone()) {
        std::unique_lock lock(sleep_mu_);
        sleep_cv_.wait_for(lock, backoff, [&] { return stopping_.load(); });
      }
    }
  }
}

}  // namespace v6k::kube
