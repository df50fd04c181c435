#include "kube/controlplane/controlplane.h"

#include <openssl/rand.h>

#include <shared_mutex>

#include "kube/controllers/manager/manager.h"
#include "kube/kubelet_client/kubelet_client.h"
#include "kube/scheduler/scheduler.h"

namespace v6k::kube {

namespace {

Result<std::string> random_token() {
  unsigned char raw[24];
  if (RAND_bytes(raw, sizeof raw) != 1) return fail_invalid("no random bytes for a component token");
  static const char* hex = "0123456789abcdef";
  std::string t;
  for (unsigned char c : raw) {
    t.push_back(hex[c >> 4]);
    t.push_back(hex[c & 15]);
  }
  return t;
}

// The API server as its own kubelet client reads Nodes through: set once it runs, cleared
// before it stops (a relay may still be looking a node up).
struct ApiSlot {
  std::shared_mutex mu;
  ApiServer* api = nullptr;
  std::string token;
};

KubeResult<json> read_node(ApiSlot& slot, const std::string& name) {
  std::shared_lock lock(slot.mu);
  if (!slot.api) return api_fail(503, "ServiceUnavailable", "the API server is stopping");
  http::Request req{.method = "GET", .target = "/api/v1/nodes/" + query_escape(name)};
  req.path = "/api/v1/nodes/" + query_escape(name);
  req.headers = {{"authorization", "Bearer " + slot.token}, {"accept", "application/json"}};
  http::Response r = slot.api->handle(req);
  json body = json::parse(r.body, nullptr, false);
  if (r.status == 200 && body.is_object()) return body;
  std::string reason = body.is_object() ? body.value("reason", "") : "";
  std::string message = body.is_object() ? body.value("message", r.body) : r.body;
  return api_fail(r.status, reason, message);
}

// The components' in-process transport (ClientConfig::local): the API server's handler,
// or 503 once it is stopping.
std::function<http::Response(const http::Request&)> loopback(std::shared_ptr<ApiSlot> slot) {
  return [slot](const http::Request& req) {
    std::shared_lock lock(slot->mu);
    if (slot->api) return slot->api->handle(req);
    json st = {{"kind", "Status"},          {"apiVersion", "v1"},
               {"metadata", json::object()}, {"status", "Failure"},
               {"message", "the API server is stopping"}, {"reason", "ServiceUnavailable"},
               {"code", 503}};
    return http::Response::text(503, st.dump(), "application/json");
  };
}

}  // namespace

struct ControlPlane::Impl {
  std::unique_ptr<ApiServer> api;
  std::unique_ptr<ControllerManager> cm;
  std::unique_ptr<scheduler::Scheduler> sched;
  std::shared_ptr<ApiSlot> slot = std::make_shared<ApiSlot>();

  void stop() {
    if (sched) sched->stop();
    if (cm) cm->stop();
    {
      std::unique_lock lock(slot->mu);
      slot->api = nullptr;
    }
    if (api) api->stop();
  }
};

ControlPlane::ControlPlane(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ControlPlane::~ControlPlane() { stop(); }
ApiServer& ControlPlane::api() { return *impl_->api; }
void ControlPlane::stop() { impl_->stop(); }

Result<std::unique_ptr<ControlPlane>> ControlPlane::start(ControlPlaneOptions opts) {
  auto cm_token = random_token();
  auto sched_token = random_token();
  if (!cm_token || !sched_token) return fail_invalid("starting the control plane: no random tokens");
  opts.api.tokens.push_back({*cm_token, {"system:kube-controller-manager", {"system:authenticated"}}});
  opts.api.tokens.push_back({*sched_token, {"system:kube-scheduler", {"system:authenticated"}}});
  auto impl = std::make_unique<Impl>();
  // Logs and exec go to the pods' node agents, as upstream's API server reaches kubelets:
  // with its own client identity, which the agents check with a TokenReview.
  if (!opts.api.pod_streams.logs && !opts.api.pod_streams.exec) {
    auto kubelet_token = random_token();
    if (!kubelet_token) return fail_invalid("starting the control plane: no random tokens");
    opts.api.tokens.push_back(
        {*kubelet_token, {"kube-apiserver-kubelet-client", {"system:masters", "system:authenticated"}}});
    impl->slot->token = *kubelet_token;
    opts.api.pod_streams = make_kubelet_pod_streams(
        {.get_node = [slot = impl->slot](const std::string& n) { return read_node(*slot, n); },
         .token = *kubelet_token});
  }
  auto api = ApiServer::start(std::move(opts.api));
  if (!api) return fail(std::move(api.error()).wrap("starting the control plane"));
  impl->api = std::move(*api);
  {
    std::unique_lock lock(impl->slot->mu);
    impl->slot->api = impl->api.get();
  }
  ClientConfig base{.host = "::1", .port = impl->api->port(), .ca_pem = opts.ca_pem};
  if (opts.loopback_clients) base.local = loopback(impl->slot);
  if (opts.controllers) {
    ClientConfig c = base;
    c.token = *cm_token;
    auto cm = ControllerManager::start({.client = c, .controllers = opts.controller_options});
    if (!cm) {
      impl->stop();
      return fail(std::move(cm.error()).wrap("starting the control plane"));
    }
    impl->cm = std::move(*cm);
  }
  if (opts.scheduler) {
    ClientConfig c = base;
    c.token = *sched_token;
    c.user_agent = "kube-scheduler/v6k";
    auto client = Client::create(c);
    if (!client) {
      impl->stop();
      return fail(std::move(client.error()).wrap("starting the control plane"));
    }
    auto s = scheduler::Scheduler::start({.client = *client});
    if (!s) {
      impl->stop();
      return fail(std::move(s.error()).wrap("starting the control plane"));
    }
    impl->sched = std::move(*s);
  }
  return std::unique_ptr<ControlPlane>(new ControlPlane(std::move(impl)));
}

}  // namespace v6k::kube
