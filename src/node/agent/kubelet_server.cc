// The kubelet endpoint: certificate, authentication (TokenReview + cache), container
// lookup and /containerLogs. Exec sessions: kubelet_server_exec.cc.
#include "node/agent/kubelet_server.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "http/websocket.h"
#include "kube/client/exec_protocol.h"
#include "node/agent/kubelet_server_internal.h"
#include "node/runtime/cri_time.h"
#include "node/runtime/logs.h"
#include "pki/pki.h"

namespace v6k::node {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

// "<dir>/3.log" → 3; -1 when the name is not a restart number.
long log_number(const std::filesystem::path& p) {
  if (p.extension() != ".log") return -1;
  const std::string stem = p.stem().string();
  if (stem.empty() || stem.size() > 9 || !std::all_of(stem.begin(), stem.end(), ::isdigit)) return -1;
  return std::stol(stem);
}

// The log of the container instance before `current`: PodManager names logs by restart
// number in one directory, so the highest number below the current one.
std::string earlier_log(const std::string& current) {
  std::filesystem::path cur(current);
  const long n = log_number(cur);
  std::error_code ec;
  long best = -1;
  std::string out;
  for (const auto& e : std::filesystem::directory_iterator(cur.parent_path(), ec)) {
    long m = log_number(e.path());
    if (m >= 0 && m < n && m > best) best = m, out = e.path().string();
  }
  return out;
}

}  // namespace

http::Response KubeletServer::Impl::accept_stream(const http::Request& req,
                                                  std::function<void(std::shared_ptr<http::WebSocket>)> bind,
                                                  std::function<void()> run, http::WebSocketHandlers handlers) {
  return http::accept_websocket(
      req, {.subprotocols = {kube::exec_protocol::kSubprotocol}, .max_message_bytes = 1 << 20},
      [this, bind = std::move(bind), run = std::move(run), handlers = std::move(handlers)](
          std::shared_ptr<http::WebSocket> ws) {
        bind(ws);
        if (stopping) ws->close(1001);
        else spawn(run);
        return handlers;
      });
}

void KubeletServer::Impl::spawn(std::function<void()> fn) {
  std::lock_guard lock(work_mu);
  if (stopping) return;
  // Reap the finished ones so a long-lived agent does not accumulate them.
  for (auto it = workers.begin(); it != workers.end();) {
    if (it->done->load()) {
      it->thread.join();
      it = workers.erase(it);
    } else {
      ++it;
    }
  }
  auto done = std::make_shared<std::atomic<bool>>(false);
  workers.push_back({std::thread([fn = std::move(fn), done] {
                       fn();
                       done->store(true);
                     }),
                     done});
}

void KubeletServer::Impl::join_workers() {
  std::vector<Worker> all;
  {
    std::lock_guard lock(work_mu);
    all.swap(workers);
  }
  for (auto& w : all) w.thread.join();
}

std::optional<http::Response> KubeletServer::Impl::check_access(const http::Request& req) {
  auto h = req.header("authorization");
  std::string token;
  if (h && (h->starts_with("Bearer ") || h->starts_with("bearer "))) token = std::string(h->substr(7));
  while (!token.empty() && token.front() == ' ') token.erase(0, 1);
  if (token.empty()) return http::Response::text(401, "Unauthorized");
  const auto now = Clock::now();
  CachedUser user;
  bool cached = false;
  {
    std::lock_guard lock(auth_mu);
    if (auto it = auth_cache.find(token); it != auth_cache.end() && it->second.expires > now) user = it->second, cached = true;
  }
  if (!cached) {
    json review = {{"apiVersion", "authentication.k8s.io/v1"}, {"kind", "TokenReview"}, {"spec", {{"token", token}}}};
    auto r = o.client->create("/apis/authentication.k8s.io/v1/tokenreviews", review);
    if (!r) {
      // Not cached: the next request asks again.
      std::fprintf(stderr, "kubelet endpoint: TokenReview failed: %s\n", r.error().text().c_str());
      return http::Response::text(401, "Unauthorized");
    }
    const json& st = (*r)["status"];
    user.authenticated = st.value("authenticated", false);
    if (user.authenticated) {
      user.name = st.value(json::json_pointer("/user/username"), "");
      for (const auto& g : st.value(json::json_pointer("/user/groups"), json::array()))
        if (g.is_string()) user.groups.push_back(g);
    }
    user.expires = now + (user.authenticated ? o.auth_cache_ttl : std::min(o.auth_cache_ttl, std::chrono::milliseconds(10000)));
    std::lock_guard lock(auth_mu);
    if (auth_cache.size() > 1000) std::erase_if(auth_cache, [&](const auto& kv) { return kv.second.expires <= now; });
    auth_cache[token] = user;
  }
  if (!user.authenticated) return http::Response::text(401, "Unauthorized");
  if (has(user.groups, "system:masters") || has(o.allowed_users, user.name)) return std::nullopt;
  const std::string verb = req.method == "POST" ? "create" : "get";
  return http::Response::text(403, "Forbidden (user=" + user.name + ", verb=" + verb +
                                       ", resource=nodes, subresource=proxy)");
}

std::expected<FoundContainer, http::Response> KubeletServer::Impl::find(const KubeletPath& p) const {
  auto sandboxes = o.runtime->list_sandboxes();
  if (!sandboxes) return std::unexpected(http::Response::text(500, sandboxes.error().message()));
  const runtime::Sandbox* sb = nullptr;
  for (const auto& s : *sandboxes)
    if (s.config.pod_namespace == p.namespace_ && s.config.pod_name == p.pod && (!sb || s.created_ns > sb->created_ns))
      sb = &s;
  if (!sb) return std::unexpected(http::Response::text(404, "pod \"" + p.pod + "\" does not exist"));
  auto containers = o.runtime->list();
  if (!containers) return std::unexpected(http::Response::text(500, containers.error().message()));
  std::vector<const runtime::ContainerStatus*> mine;  // oldest first
  for (const auto& c : *containers)
    if (c.sandbox_id == sb->id && c.name == p.container) mine.push_back(&c);
  if (mine.empty())
    return std::unexpected(http::Response::text(
        400, "container \"" + p.container + "\" in pod \"" + p.pod + "\" is waiting to start: ContainerCreating"));
  FoundContainer f{*mine.back(), std::nullopt};
  if (mine.size() >= 2) f.previous = *mine[mine.size() - 2];
  return f;
}

http::Response KubeletServer::Impl::serve_logs(const http::Request& req, const KubeletPath& p) {
  if (req.method != "GET" && req.method != "HEAD") return http::Response::text(405, "405: Method Not Allowed");
  auto q = parse_log_query(req.query, runtime::realtime_ns());
  if (!q) return http::Response::text(400, q.error().what());
  auto f = find(p);
  if (!f) return std::move(f.error());
  std::string path = f->current.log_path;
  if (q->previous) {
    path = f->previous ? f->previous->log_path : earlier_log(f->current.log_path);
    if (path.empty())
      return http::Response::text(400, "previous terminated container \"" + p.container + "\" in pod \"" + p.pod +
                                           "\" not found");
  }
  runtime::LogOptions lo;
  lo.tail_lines = q->tail_lines;
  lo.since_ns = q->since_ns;
  lo.limit_bytes = q->limit_bytes;
  lo.timestamps = q->timestamps;
  // A previous instance has ended: there is nothing to follow.
  if (!q->follow || q->previous) {
    std::string body;
    auto r = runtime::read_logs(path, lo, [&](std::string_view chunk) {
      body += chunk;
      return true;
    });
    if (!r) return http::Response::text(500, r.error().message());
    return http::Response::text(200, std::move(body), "text/plain");
  }
  const std::string id = f->current.id;
  return http::Response::streaming(200, "text/plain", [this, path, lo, id](std::shared_ptr<http::BodyStream> body) mutable {
    auto open = std::make_shared<std::atomic<bool>>(true);
    body->on_close([open] { open->store(false); });
    spawn([this, path, lo, id, body, open]() mutable {
      lo.follow = true;
      lo.keep_following = while_running(id, [open] { return !open->load(); });
      auto r = runtime::read_logs(path, lo, [&](std::string_view chunk) { return body->write(std::string(chunk)); });
      if (!r) std::fprintf(stderr, "kubelet endpoint: following %s: %s\n", path.c_str(), r.error().message().c_str());
      body->finish();
    });
  });
}

std::function<bool()> KubeletServer::Impl::while_running(std::string container_id, std::function<bool()> gone) const {
  return [this, id = std::move(container_id), gone = std::move(gone), next = Clock::now(), running = true]() mutable {
    if (gone() || stopping.load()) return false;
    if (Clock::now() >= next) {
      next = Clock::now() + std::chrono::milliseconds(500);
      auto st = o.runtime->status(id);
      running = st && st->state == runtime::ContainerState::kRunning;
    }
    return running;
  };
}

std::expected<FoundContainer, http::Response> KubeletServer::Impl::stream_target(const http::Request& req,
                                                                               const KubeletPath& p,
                                                                               bool needs_command,
                                                                               ExecQuery& q) const {
  if (req.method == "POST" || req.header("upgrade").value_or("").starts_with("SPDY"))
    return std::unexpected(
        http::Response::text(400, "SPDY is not supported by this kubelet; use WebSocket (v5.channel.k8s.io)"));
  auto parsed = parse_exec_query(req.query);
  if (!parsed) return std::unexpected(http::Response::text(400, parsed.error().what()));
  if (needs_command && parsed->command.empty())
    return std::unexpected(http::Response::text(400, "you must specify at least 1 command"));
  q = std::move(*parsed);
  auto f = find(p);
  if (!f) return std::unexpected(std::move(f.error()));
  if (f->current.state != runtime::ContainerState::kRunning)
    return std::unexpected(http::Response::text(500, "container is not created or running"));
  if (auto ok = http::check_websocket_request(req, {.subprotocols = {kube::exec_protocol::kSubprotocol}}); !ok)
    return std::unexpected(http::Response::text(400, "unable to upgrade connection: " + ok.error()));
  return f;
}

http::Response KubeletServer::Impl::handle(const http::Request& req) {
  auto p = parse_kubelet_path(req.path);
  if (!p) return http::Response::text(404, "404 page not found");
  if (auto denied = check_access(req)) return std::move(*denied);
  if (p->kind == "containerLogs") return serve_logs(req, *p);
  if (p->kind == "attach") return serve_attach(req, *p);
  return serve_exec(req, *p);
}

KubeletServer::KubeletServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
KubeletServer::~KubeletServer() { stop(); }
uint16_t KubeletServer::port() const { return impl_->http ? impl_->http->port() : 0; }
const std::string& KubeletServer::ca_pem() const { return impl_->ca_pem; }

void KubeletServer::stop() {
  if (!impl_) return;
  impl_->stopping = true;
  impl_->join_workers();
  if (impl_->http) impl_->http->stop();
}

Result<std::unique_ptr<KubeletServer>> KubeletServer::start(KubeletServerOptions options) {
  if (!options.client || !options.runtime) return fail_invalid("starting the kubelet endpoint: no API client or runtime");
  const std::string name = options.node_name.empty() ? "localhost" : options.node_name;
  // As a kubelet without a serving certificate: a CA of its own, "<host>-ca@<unix time>".
  auto ca = pki::make_ca(name + "-ca@" + std::to_string(runtime::realtime_ns() / 1000000000), 365);
  if (!ca) return fail(std::move(ca.error()).wrap("starting the kubelet endpoint"));
  auto leaf = pki::issue(*ca, {.common_name = name, .dns_names = {name, "localhost"}, .ips = {"::1", "127.0.0.1"}});
  if (!leaf) return fail(std::move(leaf.error()).wrap("starting the kubelet endpoint"));
  auto impl = std::make_shared<Impl>();
  impl->o = std::move(options);
  impl->ca_pem = ca->cert_pem;
  http::ServerOptions h;
  h.listen = impl->o.listen;
  h.threads = std::max(1, impl->o.threads);
  h.server_name = "v6k-kubelet";
  h.idle_timeout = std::chrono::seconds(120);
  // The chain ends with the CA: API servers trust what they are shown first (peer_cert.h).
  h.tls = http::TlsOptions{leaf->cert_pem + ca->cert_pem, leaf->key_pem, "", false};
  Impl* raw = impl.get();
  auto srv = http::Server::start(std::move(h), [raw](const http::Request& r) {
    try {
      return raw->handle(r);
    } catch (const std::exception& e) {
      return http::Response::text(500, e.what());
    }
  });
  if (!srv) return fail(std::move(srv.error()).wrap("starting the kubelet endpoint"));
  impl->http = std::move(*srv);
  return std::unique_ptr<KubeletServer>(new KubeletServer(std::move(impl)));
}

}  // namespace v6k::node
