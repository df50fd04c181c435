// A watch is one /v3/watch stream on its own connection and one thread reading it. Each
// etcd watch response becomes one batch: etcd never splits a revision across responses
// (fragmenting is off unless asked for), so batches never split a revision either.
//
// Stopping: the Watch's destructor marks the shared state stopped and shuts the socket
// down, which wakes the reader; it then joins the thread, so no sink call starts after it
// returns. When the sink itself destroys the Watch (on the reader thread), the thread is
// detached instead and exits as soon as the sink returns.
#include <mutex>
#include <thread>

#include "etcd/internal/watch.h"
#include "etcd/internal/wire.h"

namespace v6k::etcd::internal {

namespace {

using store::Event;
using store::EventType;

struct WatchState {
  std::unique_ptr<LineStream> stream;  // owned by the reader thread once it runs
  store::WatchSink sink;
  store::WatchErrorSink on_error;
  std::mutex mu;
  bool stop = false;           // guarded by mu
  bool stream_open = true;     // guarded by mu: shutdown() on it is still allowed
};

// One line of the stream: {"result":{header, created?, canceled?, compact_revision?,
// events?}} or {"error":{...}}.
struct Parsed {
  bool created = false;
  bool canceled = false;
  int64_t compact_revision = 0;
  std::string cancel_reason;
  std::vector<Event> events;
};

Result<Parsed> parse_line(const std::string& line) {
  json j = json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return fail(Error::from_errno(EPROTO, "watch stream line is not JSON", line.substr(0, 200)));
  if (auto e = j.find("error"); e != j.end()) {
    return fail(Error::from_errno(EIO, "etcd ended the watch", e->dump().substr(0, 300)));
  }
  auto res = j.find("result");
  if (res == j.end() || !res->is_object())
    return fail(Error::from_errno(EPROTO, "watch stream line without result", line.substr(0, 200)));
  Parsed p;
  p.created = res->value("created", false);
  p.canceled = res->value("canceled", false);
  p.compact_revision = int_field(*res, "compact_revision");
  p.cancel_reason = res->value("cancel_reason", std::string());
  if (auto evs = res->find("events"); evs != res->end() && evs->is_array()) {
    p.events.reserve(evs->size());
    for (const auto& ej : *evs) {
      Event ev{ej.value("type", std::string()) == "DELETE" ? EventType::kDelete : EventType::kPut, {}, {}};
      auto kv = parse_kv(ej.value("kv", json::object()));
      if (!kv) return fail(std::move(kv.error()).wrap("watch event"));
      ev.kv = std::move(*kv);
      if (auto pj = ej.find("prev_kv"); pj != ej.end()) {
        auto prev = parse_kv(*pj);
        if (!prev) return fail(std::move(prev.error()).wrap("watch event prev_kv"));
        ev.prev = std::move(*prev);
      }
      p.events.push_back(std::move(ev));
    }
  }
  return p;
}

Error canceled_error(const Parsed& p) {
  if (p.compact_revision > 0) {
    return Error::make(ERANGE, "watch canceled by etcd: required revision has been compacted "
                               "(compacted at " + std::to_string(p.compact_revision) + ")");
  }
  return Error::from_errno(EIO, "watch canceled by etcd", p.cancel_reason);
}

bool stopped(WatchState& st) {
  std::lock_guard lock(st.mu);
  return st.stop;
}

// Reports `e` once unless the watch was stopped (then nobody wants to hear it).
void report(WatchState& st, const Error& e) {
  if (!stopped(st) && st.on_error) st.on_error(e);
}

void run(std::shared_ptr<WatchState> st, std::vector<std::string> lines) {
  while (true) {
    for (const auto& line : lines) {
      auto p = parse_line(line);
      if (!p) return report(*st, p.error());
      if (p->canceled) return report(*st, canceled_error(*p));
      if (p->events.empty()) continue;  // progress notifications
      if (stopped(*st)) return;
      st->sink(p->events);
    }
    lines.clear();
    if (stopped(*st)) return;
    auto r = st->stream->next_lines(lines);
    if (!r) {
      if (r.error().code() != ECANCELED) report(*st, r.error());
      return;
    }
  }
}

class EtcdWatch final : public store::Watch {
 public:
  EtcdWatch(std::shared_ptr<WatchState> st, std::vector<std::string> lines) : st_(std::move(st)) {
    thread_ = std::thread([st = st_, lines = std::move(lines)]() mutable {
      run(st, std::move(lines));
      std::lock_guard lock(st->mu);
      st->stream_open = false;
      st->stream.reset();  // closes the connection; etcd cancels the watch
    });
  }
  ~EtcdWatch() override {
    {
      std::lock_guard lock(st_->mu);
      st_->stop = true;
      if (st_->stream_open && st_->stream) st_->stream->shutdown();
    }
    if (thread_.get_id() == std::this_thread::get_id()) {
      thread_.detach();  // the sink is destroying its own watch
    } else {
      thread_.join();
    }
  }

 private:
  std::shared_ptr<WatchState> st_;
  std::thread thread_;
};

}  // namespace

Result<std::unique_ptr<store::Watch>> start_watch(const Endpoint& ep, const std::string& prefix,
                                                  int64_t start_revision, store::WatchSink sink,
                                                  store::WatchErrorSink on_error) {
  const std::string ctx = "watch " + prefix;
  json create = {{"key", b64encode(prefix.empty() ? std::string(1, '\0') : prefix)},
                 {"range_end", b64encode(prefix_end(prefix))},
                 {"prev_kv", true}};
  if (start_revision > 0) create["start_revision"] = std::to_string(start_revision);
  auto stream = LineStream::open(ep, "/v3/watch", json{{"create_request", create}}.dump());
  if (!stream) return fail(std::move(stream.error()).wrap(ctx));
  // Wait for etcd's answer to the create request, so that the watch is in place (and a
  // compacted start refused) before we return. Lines after it go to the thread.
  std::vector<std::string> lines;
  while (true) {
    if (lines.empty()) {
      auto r = (*stream)->next_lines(lines);
      if (!r) return fail(std::move(r.error()).wrap(ctx));
    }
    auto first = parse_line(lines.front());
    lines.erase(lines.begin());
    if (!first) return fail(std::move(first.error()).wrap(ctx));
    if (first->canceled) return fail(canceled_error(*first).wrap(ctx));
    if (first->created) break;  // nothing else precedes it; anything would be skipped
  }
  // From now on the stream may stay quiet for as long as nothing changes.
  (*stream)->no_deadline();
  auto st = std::make_shared<WatchState>();
  st->stream = std::move(*stream);
  st->sink = std::move(sink);
  st->on_error = std::move(on_error);
  return std::unique_ptr<store::Watch>(new EtcdWatch(std::move(st), std::move(lines)));
}

}  // namespace v6k::etcd::internal
