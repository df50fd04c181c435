#include "kube/client/client.h"

#include <condition_variable>
#include <cstdio>
#include <deque>

#include "http/client.h"

namespace v6k::kube {

namespace {

// The server's Status (or whatever it sent) as an ApiError.
ApiError error_of(const http::Response& r) {
  ApiError e;
  e.code = r.status;
  auto parsed = json::parse(r.body, nullptr, false);
  if (!parsed.is_discarded() && parsed.is_object() && parsed.value("kind", "") == "Status") {
    e.reason = parsed.value("reason", "");
    e.message = parsed.value("message", "");
    e.status = std::move(parsed);
  } else {
    e.message = r.body.substr(0, 512);
  }
  if (e.reason.empty()) e.reason = "Status" + std::to_string(r.status);
  return e;
}

ApiError transport_error(const Error& err) {
  ApiError e;
  e.code = 0;
  e.reason = "Transport";
  e.message = err.message();
  return e;
}

const char* content_type_of(PatchType t) {
  switch (t) {
    case PatchType::kMerge: return "application/merge-patch+json";
    case PatchType::kStrategic: return "application/strategic-merge-patch+json";
    case PatchType::kJson: return "application/json-patch+json";
    case PatchType::kApply: return "application/apply-patch+yaml";
  }
  return "application/json";
}

// The body of an in-process watch: the server's producer writes lines, the watching
// thread reads them. on_close's function runs on the watching thread (never inside a
// write, where the producer holds its own locks), as the HTTP server runs it on an io
// thread.
class LocalBody : public http::BodyStream {
 public:
  // As http::ServerOptions::max_stream_backlog: a reader this far behind loses the watch.
  static constexpr size_t kMaxBacklog = 64 << 20;

  bool write(std::string data) override {
    std::lock_guard lock(mu_);
    if (ended_ || closing_ || finished_) return false;
    if (queued_ + data.size() > kMaxBacklog) {
      closing_ = true;  // the reader ends the stream and runs on_close
      cv_.notify_all();
      return false;
    }
    queued_ += data.size();
    q_.push_back(std::move(data));
    cv_.notify_all();
    return true;
  }
  void finish() override {
    std::lock_guard lock(mu_);
    if (ended_ || closing_) return;
    finished_ = true;
    cv_.notify_all();
  }
  void on_close(std::function<void()> fn) override {
    std::unique_lock lock(mu_);
    if (!ended_ || finished_) {
      if (!ended_) close_fn_ = std::move(fn);
      return;
    }
    lock.unlock();
    fn();
  }
  // The reader's side. Next piece of the body; false once it ended (finish() and all read,
  // cancel(), or an overflow).
  bool read(std::string& out) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !q_.empty() || finished_ || closing_ || cancelled_; });
    if (closing_ || cancelled_ || q_.empty()) return false;
    out = std::move(q_.front());
    q_.pop_front();
    queued_ -= out.size();
    return true;
  }
  // Any thread: wakes the reader, which then ends the stream.
  void cancel() {
    std::lock_guard lock(mu_);
    cancelled_ = true;
    cv_.notify_all();
  }
  // The reader is done: later writes fail; on_close runs unless the producer finished.
  void end() {
    std::function<void()> fn;
    {
      std::lock_guard lock(mu_);
      if (ended_) return;
      ended_ = true;
      q_.clear();
      if (!finished_) fn = std::move(close_fn_);
      close_fn_ = nullptr;
    }
    if (fn) fn();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> q_;
  size_t queued_ = 0;
  bool finished_ = false, closing_ = false, cancelled_ = false, ended_ = false;
  std::function<void()> close_fn_;
};

// Splits newline-delimited watch events out of body pieces.
class EventLines {
 public:
  enum class Step { kMore, kStop, kBad };
  Step feed(std::string_view piece, const std::function<bool(WatchEvent&)>& on_event) {
    for (;;) {
      size_t nl = piece.find('\n');
      if (nl == std::string_view::npos) {
        line_.append(piece);
        return Step::kMore;
      }
      line_.append(piece.substr(0, nl));
      piece.remove_prefix(nl + 1);
      if (line_.empty()) continue;
      auto doc = json::parse(line_, nullptr, false);
      line_.clear();
      if (doc.is_discarded() || !doc.is_object() || !doc.contains("type")) return Step::kBad;
      WatchEvent ev{doc.value("type", ""), std::move(doc["object"])};
      if (!on_event(ev)) return Step::kStop;
    }
  }

 private:
  std::string line_;
};

}  // namespace

std::string ApiError::text() const {
  return std::to_string(code) + " " + reason + ": " + message;
}

void WatchStream::cancel() {
  cancelled_.store(true);
  std::lock_guard lock(mu_);
  if (active_) active_->cancel();
  if (cancel_local_) cancel_local_();
}

void WatchStream::attach(http::KeepAliveClient* c) {
  std::lock_guard lock(mu_);
  active_ = c;
  if (cancelled_.load()) c->cancel();
}

void WatchStream::attach(std::function<void()> cancel_local) {
  std::lock_guard lock(mu_);
  cancel_local_ = std::move(cancel_local);
  if (cancelled_.load()) cancel_local_();
}

void WatchStream::detach() {
  std::lock_guard lock(mu_);
  active_ = nullptr;
  cancel_local_ = nullptr;
}

Client::Client(ClientConfig config) : config_(std::move(config)) {}
Client::~Client() = default;

Result<std::shared_ptr<Client>> Client::create(ClientConfig config) {
  if (config.local) return std::shared_ptr<Client>(new Client(std::move(config)));
  if (config.port == 0) return fail_invalid("kube client: no API server port");
  if (config.ca_pem.empty()) return fail_invalid("kube client: no cluster CA");
  return std::shared_ptr<Client>(new Client(std::move(config)));
}

std::unique_ptr<http::KeepAliveClient> Client::acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
  }
  return std::make_unique<http::KeepAliveClient>(http::KeepAliveOptions{
      .host = config_.host, .port = config_.port, .tls = http::ClientTls{.ca_pem = config_.ca_pem}});
}

void Client::release(std::unique_ptr<http::KeepAliveClient> c) {
  if (!c->connected()) return;
  std::lock_guard lock(mu_);
  if (idle_.size() < config_.max_idle) idle_.push_back(std::move(c));
}

http::Request Client::request(const std::string& method, const std::string& target) const {
  http::Request req{.method = method, .target = target};
  req.headers.emplace_back("accept", "application/json");
  req.headers.emplace_back("user-agent", config_.user_agent);
  if (!config_.token.empty()) req.headers.emplace_back("authorization", "Bearer " + config_.token);
  if (config_.local) {  // what the HTTP server's reader fills in
    size_t q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) req.query = target.substr(q + 1);
    req.remote = "[::1]:0";
  }
  return req;
}

KubeResult<json> Client::call(const std::string& method, const std::string& target, const std::string& body,
                              const std::string& content_type) {
  http::Request req = request(method, target);
  if (!body.empty()) {
    req.headers.emplace_back("content-type", content_type);
    req.body = body;
  }
  std::optional<http::Response> resp;
  if (config_.local) {
    try {
      resp = config_.local(req);
    } catch (const std::exception& e) {  // as the HTTP server answers a throwing handler
      return api_fail(500, "Status500", std::string("internal error: ") + e.what());
    }
  } else {
    auto conn = acquire();
    auto sent = conn->send(req, config_.timeout);
    if (!sent) return std::unexpected(transport_error(sent.error()));
    release(std::move(conn));
    resp = std::move(*sent);
  }
  if (resp->status < 200 || resp->status >= 300) return std::unexpected(error_of(*resp));
  if (resp->body.empty()) return json::object();
  auto parsed = json::parse(resp->body, nullptr, false);
  if (parsed.is_discarded())
    return api_fail(0, "BadResponse", method + " " + target + ": the server's answer is not JSON");
  return parsed;
}

KubeResult<json> Client::get(const std::string& path) { return call("GET", path); }

KubeResult<json> Client::list(const std::string& path, const std::string& query) {
  return call("GET", query.empty() ? path : path + "?" + query);
}

KubeResult<json> Client::create(const std::string& path, const json& body, const std::string& query) {
  return call("POST", query.empty() ? path : path + "?" + query, body.dump());
}

KubeResult<json> Client::update(const std::string& path, const json& body) {
  return call("PUT", path, body.dump());
}

KubeResult<json> Client::patch(const std::string& path, PatchType type, const json& body,
                               const std::string& query) {
  return call("PATCH", query.empty() ? path : path + "?" + query, body.dump(), content_type_of(type));
}

KubeResult<json> Client::remove(const std::string& path, const json& options) {
  return call("DELETE", path, options.is_null() ? "" : options.dump());
}

KubeResult<void> Client::watch(const std::string& path, const std::string& query, WatchStream& stream,
                               const std::function<bool(WatchEvent&)>& on_event) {
  if (stream.cancelled()) return {};
  http::Request req = request("GET", path + "?watch=true" + (query.empty() ? "" : "&" + query));
  if (config_.local) return watch_local(std::move(req), path, stream, on_event);
  http::KeepAliveClient conn(http::KeepAliveOptions{
      .host = config_.host, .port = config_.port, .tls = http::ClientTls{.ca_pem = config_.ca_pem}});
  stream.attach(&conn);
  EventLines lines;
  bool bad_event = false;
  auto resp = conn.stream(req, [&](std::string_view piece) {
    auto step = lines.feed(piece, on_event);
    bad_event = step == EventLines::Step::kBad;
    return step == EventLines::Step::kMore;
  });
  stream.detach();
  if (!resp) {
    if (stream.cancelled()) return {};
    return std::unexpected(transport_error(resp.error()));
  }
  if (resp->status != 200) return std::unexpected(error_of(*resp));
  if (bad_event) return api_fail(0, "BadResponse", "watch " + path + ": an event is not JSON");
  return {};
}

// The in-process watch: the handler's streaming answer is read from a LocalBody on this
// thread, line by line as over HTTPS.
KubeResult<void> Client::watch_local(http::Request req, const std::string& path, WatchStream& stream,
                                     const std::function<bool(WatchEvent&)>& on_event) {
  http::Response resp;
  try {
    resp = config_.local(req);
  } catch (const std::exception& e) {
    return api_fail(500, "Status500", std::string("internal error: ") + e.what());
  }
  if (resp.status != 200) return std::unexpected(error_of(resp));
  if (!resp.stream) {  // a whole body (no server answers a watch so, but read it alike)
    auto step = EventLines().feed(resp.body + "\n", on_event);
    if (step == EventLines::Step::kBad) return api_fail(0, "BadResponse", "watch " + path + ": an event is not JSON");
    return {};
  }
  auto body = std::make_shared<LocalBody>();
  stream.attach([body] { body->cancel(); });
  // However this ends (an exception from on_event included), the producer learns of it,
  // as a dropped connection tells the server.
  struct Ender {
    LocalBody& b;
    WatchStream& s;
    ~Ender() {
      b.end();
      s.detach();
    }
  } ender{*body, stream};
  try {
    resp.stream(body);
  } catch (const std::exception& e) {
    return api_fail(500, "Status500", std::string("internal error: ") + e.what());
  }
  EventLines lines;
  bool bad_event = false;
  for (std::string piece; body->read(piece);) {
    auto step = lines.feed(piece, on_event);
    if (step == EventLines::Step::kMore) continue;
    bad_event = step == EventLines::Step::kBad;
    break;
  }
  if (bad_event) return api_fail(0, "BadResponse", "watch " + path + ": an event is not JSON");
  return {};
}

std::string resource_path(const ResourceRef& r, std::string_view ns, std::string_view name) {
  std::string p = r.group.empty() ? "/api/" + r.version : "/apis/" + r.group + "/" + r.version;
  if (!ns.empty()) p += "/namespaces/" + std::string(ns);
  p += "/" + r.resource;
  if (!name.empty()) p += "/" + std::string(name);
  return p;
}

std::string query_escape(std::string_view v) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(v.size());
  for (unsigned char c : v) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

}  // namespace v6k::kube
