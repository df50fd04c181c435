#include "kube/client/events.h"

#include <cstdio>
#include <ctime>
#include <random>
#include <sys/time.h>

namespace v6k::kube {

namespace {

std::string format_time(bool micro) {
  timeval tv{};
  gettimeofday(&tv, nullptr);
  std::tm tm{};
  gmtime_r(&tv.tv_sec, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string s = buf;
  if (micro) {
    char frac[16];
    std::snprintf(frac, sizeof frac, ".%06ld", static_cast<long>(tv.tv_usec));
    s += frac;
  }
  return s + "Z";
}

// Upstream names events "<object>.<16 hex digits of the time in nanoseconds>".
std::string event_name(const std::string& object_name) {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  thread_local std::mt19937_64 rng(std::random_device{}());
  uint64_t v = static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
  v ^= rng() & 0xfff;  // two events in one nanosecond tick must still differ
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return object_name + "." + buf;
}

}  // namespace

std::string now_rfc3339() { return format_time(false); }
std::string now_rfc3339_micro() { return format_time(true); }

EventRecorder::EventRecorder(std::shared_ptr<Client> client, std::string component, std::string host)
    : client_(std::move(client)), component_(std::move(component)), host_(std::move(host)) {
  thread_ = std::thread([this] { run(); });
}

EventRecorder::~EventRecorder() { stop(); }

void EventRecorder::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void EventRecorder::record(const json& object, const std::string& type, const std::string& reason,
                           const std::string& message, const std::string& kind, const std::string& api_version) {
  const json& m = object.contains("metadata") ? object["metadata"] : json::object();
  json involved = {{"kind", kind.empty() ? object.value("kind", "") : kind},
                   {"apiVersion", api_version.empty() ? object.value("apiVersion", "") : api_version},
                   {"name", m.value("name", "")},
                   {"uid", m.value("uid", "")},
                   {"resourceVersion", m.value("resourceVersion", "")}};
  if (m.contains("namespace")) involved["namespace"] = m["namespace"];
  std::lock_guard lock(mu_);
  if (stopping_) return;
  queue_.push_back({std::move(involved), type, reason, message});
  cv_.notify_all();
}

void EventRecorder::flush() {
  std::unique_lock lock(mu_);
  idle_cv_.wait(lock, [&] { return (queue_.empty() && !busy_) || stopping_; });
}

void EventRecorder::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (stopping_) break;
    Pending p = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    write(p);
    lock.lock();
    busy_ = false;
    if (queue_.empty()) idle_cv_.notify_all();
  }
  idle_cv_.notify_all();
}

void EventRecorder::write(const Pending& p) {
  const std::string ns = p.involved.value("namespace", "default");
  const std::string key = p.involved.value("uid", "") + "\x1f" + p.type + "\x1f" + p.reason + "\x1f" + p.message;
  const auto now = std::chrono::steady_clock::now();
  const std::string ts = now_rfc3339();
  auto it = seen_.find(key);
  if (it != seen_.end() && now - it->second.last < std::chrono::minutes(10)) {
    Seen& s = it->second;
    s.count++;
    s.last = now;
    json patch = {{"count", s.count}, {"lastTimestamp", ts}};
    auto r = client_->patch("/api/v1/namespaces/" + s.ns + "/events/" + s.name, PatchType::kMerge, patch);
    if (r || !r.error().not_found()) return;
    seen_.erase(it);  // the event was removed meanwhile: write a new one
  }
  if (seen_.size() > 4096) seen_.clear();  // bounded memory; a lost dedupe only adds an event
  json ev = {{"apiVersion", "v1"},
             {"kind", "Event"},
             {"metadata", {{"name", event_name(p.involved.value("name", "object"))}, {"namespace", ns}}},
             {"involvedObject", p.involved},
             {"reason", p.reason},
             {"message", p.message},
             {"type", p.type},
             {"source", {{"component", component_}}},
             {"firstTimestamp", ts},
             {"lastTimestamp", ts},
             {"count", 1},
             {"reportingComponent", component_},
             {"reportingInstance", host_.empty() ? component_ : component_ + "-" + host_}};
  if (!host_.empty()) ev["source"]["host"] = host_;
  auto r = client_->create("/api/v1/namespaces/" + ns + "/events", ev);
  if (!r) return;
  seen_[key] = {(*r)["metadata"].value("name", ""), ns, 1, now};
}

}  // namespace v6k::kube
