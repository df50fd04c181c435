#include "kube/controlplane/controlplane.h"

#include <openssl/rand.h>

#include "kube/controllers/manager/manager.h"
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

}  // namespace

struct ControlPlane::Impl {
  std::unique_ptr<ApiServer> api;
  std::unique_ptr<ControllerManager> cm;
  std::unique_ptr<scheduler::Scheduler> sched;

  void stop() {
    if (sched) sched->stop();
    if (cm) cm->stop();
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
  auto api = ApiServer::start(std::move(opts.api));
  if (!api) return fail(std::move(api.error()).wrap("starting the control plane"));
  impl->api = std::move(*api);
  ClientConfig base{.host = "::1", .port = impl->api->port(), .ca_pem = opts.ca_pem};
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
