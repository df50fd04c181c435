#include "eks/host/control_planes.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>

#include "common/unique_fd.h"
#include "eks/host/aws_auth.h"
#include "eks/validate.h"
#include "http/message.h"
#include "kube/apiserver/apiserver.h"
#include "kube/client/kubeconfig.h"
#include "kube/controlplane/controlplane.h"
#include "pki/pki.h"

namespace v6k::eks::host {

using nlohmann::json;

namespace {

constexpr std::string_view kRecordPrefix = "/eks-host/clusters/";

// A TCP port free on [::1] and 127.0.0.1 right now; the cluster keeps it for life.
Result<uint16_t> free_loopback_port() {
  for (int attempt = 0; attempt < 20; ++attempt) {
    UniqueFd s6(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!s6) return fail_errno("socket");
    sockaddr_in6 a6{};
    a6.sin6_family = AF_INET6;
    a6.sin6_addr = in6addr_loopback;
    socklen_t len = sizeof a6;
    if (::bind(s6.get(), reinterpret_cast<sockaddr*>(&a6), sizeof a6) != 0 ||
        ::getsockname(s6.get(), reinterpret_cast<sockaddr*>(&a6), &len) != 0)
      return fail_errno("picking a loopback port");
    UniqueFd s4(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!s4) return fail_errno("socket");
    sockaddr_in a4{};
    a4.sin_family = AF_INET;
    a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a4.sin_port = a6.sin6_port;
    if (::bind(s4.get(), reinterpret_cast<sockaddr*>(&a4), sizeof a4) == 0) return ntohs(a6.sin6_port);
  }
  return fail_invalid("no loopback port is free on both [::1] and 127.0.0.1");
}

}  // namespace

struct ControlPlanes::Plane {
  PlaneSpec spec;
  PlaneAccess access;
  std::string host_token;
  std::unique_ptr<kube::ControlPlane> cp;
  std::mutex mu;                                   // guards node_tokens and the aws-auth cache
  std::map<std::string, std::string> node_tokens;  // token -> node name
  std::atomic<kube::ApiServer*> api{nullptr};      // set once the control plane serves
  AwsAuth aws_auth;
  std::chrono::steady_clock::time_point aws_auth_read{};

  // kube-system/aws-auth, re-read at most once a second (a principal mapped a moment ago
  // works at once; a burst of requests does not read it each time).
  AwsAuth mapping() {
    auto now = std::chrono::steady_clock::now();
    {
      std::lock_guard lk(mu);
      if (now - aws_auth_read < std::chrono::seconds(1)) return aws_auth;
    }
    kube::ApiServer* server = api.load();
    if (!server) return {};
    static const std::string kPath = "/api/v1/namespaces/kube-system/configmaps/aws-auth";
    http::Request req{.method = "GET", .target = kPath, .path = kPath};
    req.headers = {{"authorization", "Bearer " + host_token}, {"accept", "application/json"}};
    http::Response r = server->handle(req);
    AwsAuth fresh = r.status == 200 ? AwsAuth::parse(json::parse(r.body, nullptr, false)) : AwsAuth{};
    std::lock_guard lk(mu);
    aws_auth = fresh;
    aws_auth_read = now;
    return fresh;
  }
};

std::string kubernetes_git_version(const std::string& version) {
  if (const auto* v = eks::find_version(version)) {
    const std::string& release = v->ami_release;  // "1.21.4-20211101"
    return "v" + release.substr(0, release.find('-')) + "-eks";
  }
  return "v" + version + ".0-eks";
}

ControlPlanes::ControlPlanes(ControlPlanesOptions o) : o_(std::move(o)) {}

ControlPlanes::~ControlPlanes() { stop_all(); }

Result<json> ControlPlanes::load_record(const std::string& name) {
  auto kv = store_->get(std::string(kRecordPrefix) + name);
  if (!kv) {
    if (kv.error().code() == ENOENT) return json();
    return fail(kv.error());
  }
  auto j = json::parse(kv->value, nullptr, false);
  if (!j.is_object()) return fail_invalid("the stored record of cluster " + name + " is not JSON");
  return j;
}

Result<> ControlPlanes::save_record(const std::string& name, const json& record) {
  std::string key = std::string(kRecordPrefix) + name;
  auto up = store_->update(key, record.dump(), 0);
  if (up) return {};
  if (up.error().code() != ENOENT) return fail(up.error());
  V6K_TRY(store_->create(key, record.dump()), "saving the cluster record");
  return {};
}

Result<PlaneAccess> ControlPlanes::start(const PlaneSpec& spec) {
  std::lock_guard lk(mu_);
  if (auto it = planes_.find(spec.name); it != planes_.end()) return it->second->access;
  if (!store_) {
    auto st = store::open_sqlite(o_.store_path);
    if (!st) return fail(st.error());
    store_ = std::move(*st);
  }
  auto record = load_record(spec.name);
  if (!record) return fail(record.error());
  json rec = *record;
  if (rec.empty()) {  // first start: the cluster's identity, kept for life
    auto ca = pki::make_ca("kubernetes", 3650);
    if (!ca) return fail(ca.error());
    auto serving = pki::issue(*ca, {.common_name = "kube-apiserver",
                                    .dns_names = {"localhost", "kubernetes", "kubernetes.default",
                                                  "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"},
                                    .ips = {"::1", "127.0.0.1"},
                                    .days = 825});
    if (!serving) return fail(serving.error());
    auto port = free_loopback_port();
    if (!port) return fail(port.error());
    auto token = pki::random_hex();
    if (!token) return fail(token.error());
    rec = {{"ca_cert", ca->cert_pem}, {"ca_key", ca->key_pem}, {"serving_cert", serving->cert_pem},
           {"serving_key", serving->key_pem}, {"port", *port}, {"host_token", *token},
           {"node_tokens", json::object()}};
    V6K_TRY(save_record(spec.name, rec), "cluster " + spec.name);
  }
  auto plane = std::make_unique<Plane>();
  plane->spec = spec;
  plane->host_token = rec.value("host_token", "");
  if (auto nt = rec.find("node_tokens"); nt != rec.end() && nt->is_object())
    for (auto it = nt->begin(); it != nt->end(); ++it)
      if (it.value().is_string()) plane->node_tokens[it.key()] = it.value().get<std::string>();
  const uint16_t port = rec.value("port", 0);
  const std::string ca_pem = rec.value("ca_cert", "");
  plane->access = {.endpoint = "https://localhost:" + std::to_string(port), .ca_pem = ca_pem, .port = port};

  kube::ControlPlaneOptions co;
  co.api.store = store_;
  co.api.key_root = "/clusters/" + spec.name;
  co.api.listen = {"[::1]:" + std::to_string(port), "127.0.0.1:" + std::to_string(port)};
  co.api.tls_cert_pem = rec.value("serving_cert", "");
  co.api.tls_key_pem = rec.value("serving_key", "");
  co.api.git_version = kubernetes_git_version(spec.version);
  co.api.service_cidr = spec.service_cidr;
  co.api.tokens.push_back({plane->host_token, {"eks:region-host", {"system:masters", "system:authenticated"}}});
  Plane* p = plane.get();
  AwsTokenVerifier verify = o_.verify_aws_token;
  co.api.authenticate_token = [p, verify](std::string_view token) -> std::optional<kube::User> {
    {
      std::lock_guard plk(p->mu);
      if (auto it = p->node_tokens.find(std::string(token)); it != p->node_tokens.end())
        return kube::User{"system:node:" + it->second, {"system:nodes", "system:authenticated"}};
    }
    if (!verify || token.rfind("k8s-aws-v1.", 0) != 0) return std::nullopt;
    auto who = verify(token, p->spec.name);
    if (!who) return std::nullopt;
    // The creator is cluster admin, as EKS's bootstrapClusterCreatorAdminPermissions;
    // anyone else only as kube-system/aws-auth maps them.
    if (who->arn == p->spec.creator_arn) return kube::User{who->arn, {"system:masters", "system:authenticated"}};
    auto mapped = p->mapping().map(who->arn, who->account_id);
    if (!mapped) return std::nullopt;
    return kube::User{mapped->name, mapped->groups};
  };
  co.ca_pem = ca_pem;
  auto cp = kube::ControlPlane::start(std::move(co));
  if (!cp) return fail(std::move(cp.error()).wrap("starting the control plane of cluster " + spec.name));
  plane->cp = std::move(*cp);
  plane->api.store(&plane->cp->api());
  PlaneAccess access = plane->access;
  planes_[spec.name] = std::move(plane);
  return access;
}

Result<> ControlPlanes::stop(const std::string& name, bool delete_data) {
  std::unique_ptr<Plane> plane;
  {
    std::lock_guard lk(mu_);
    if (auto it = planes_.find(name); it != planes_.end()) {
      plane = std::move(it->second);
      planes_.erase(it);
    }
    if (plane) {
      plane->api.store(nullptr);
      plane->cp->stop();
    }
    if (!delete_data || !store_) return {};
    // The cluster's objects, then its record: a crash in between leaves a record whose
    // next stop finishes the job.
    std::string root = "/clusters/" + name + "/";
    auto kvs = store_->list(root);
    if (!kvs) return fail(kvs.error());
    for (const auto& kv : kvs->items)
      if (auto r = store_->remove(kv.key); !r && r.error().code() != ENOENT) return fail(r.error());
    if (auto r = store_->remove(std::string(kRecordPrefix) + name); !r && r.error().code() != ENOENT)
      return fail(r.error());
  }
  return {};
}

void ControlPlanes::stop_all() {
  std::lock_guard lk(mu_);
  for (auto& [_, p] : planes_) {
    p->api.store(nullptr);
    p->cp->stop();
  }
  planes_.clear();
}

Result<std::shared_ptr<kube::Client>> ControlPlanes::admin_client(const std::string& name) {
  std::lock_guard lk(mu_);
  auto it = planes_.find(name);
  if (it == planes_.end()) return fail(Error::make(ENOENT, "cluster " + name + " is not running"));
  const Plane& p = *it->second;
  return kube::Client::create({.host = "::1", .port = p.access.port, .ca_pem = p.access.ca_pem,
                               .token = p.host_token, .user_agent = "v6k-eks-host"});
}

Result<json> ControlPlanes::node_kubeconfig(const std::string& cluster, const std::string& node_name) {
  std::lock_guard lk(mu_);
  auto it = planes_.find(cluster);
  if (it == planes_.end()) return fail(Error::make(ENOENT, "cluster " + cluster + " is not running"));
  Plane& p = *it->second;
  std::string token;
  {
    std::lock_guard plk(p.mu);
    for (const auto& [t, n] : p.node_tokens)
      if (n == node_name) token = t;
  }
  if (token.empty()) {
    auto t = pki::random_hex();
    if (!t) return fail(t.error());
    token = *t;
    auto rec = load_record(cluster);
    if (!rec) return fail(rec.error());
    (*rec)["node_tokens"][token] = node_name;
    V6K_TRY(save_record(cluster, *rec), "a node token");  // durable before anyone uses it
    std::lock_guard plk(p.mu);
    p.node_tokens[token] = node_name;
  }
  return kube::make_kubeconfig({.server = p.access.endpoint, .ca_pem = p.access.ca_pem, .token = token,
                                .cluster_name = cluster, .user_name = "system:node:" + node_name});
}

}  // namespace v6k::eks::host
