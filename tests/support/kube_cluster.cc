#include "support/kube_cluster.h"

#include "common/base64.h"
#include "http/server.h"
#include "pki/pki.h"

namespace v6k::testing {

using nlohmann::json;

KubeCluster::KubeCluster(std::shared_ptr<store::Store> store, kube::ApiServerOptions opts) : dir_("v6k-kube") {
  if (!store) {
    auto s = store::open_sqlite(":memory:");
    if (!s) {
      error_ = s.error().message();
      return;
    }
    store = std::move(*s);
  }
  store_ = store;
  auto ca = pki::make_ca("v6k-test-cluster-ca", 2);
  if (!ca) {
    error_ = ca.error().message();
    return;
  }
  auto serving = pki::issue(*ca, {.common_name = "kube-apiserver", .dns_names = {"localhost", "kubernetes"},
                                  .ips = {"::1", "127.0.0.1"}, .days = 2});
  if (!serving) {
    error_ = serving.error().message();
    return;
  }
  ca_pem_ = ca->cert_pem;
  opts.store = store_;
  opts.tls_cert_pem = serving->cert_pem;
  opts.tls_key_pem = serving->key_pem;
  opts.tokens.push_back({kAdminToken, {"kubernetes-admin", {"system:masters", "system:authenticated"}}});
  opts.tokens.push_back({kNodeToken, {"system:node:node-1", {"system:nodes", "system:authenticated"}}});
  auto api = kube::ApiServer::start(std::move(opts));
  if (!api) {
    error_ = api.error().message();
    return;
  }
  api_ = std::move(*api);
  json config = {
      {"apiVersion", "v1"},
      {"kind", "Config"},
      {"clusters", json::array({{{"name", "test"},
                                 {"cluster", {{"server", api_->url()},
                                              {"certificate-authority-data", base64_encode(ca_pem_)}}}}})},
      {"users", json::array({{{"name", "admin"}, {"user", {{"token", kAdminToken}}}}})},
      {"contexts", json::array({{{"name", "test"}, {"context", {{"cluster", "test"}, {"user", "admin"}}}}})},
      {"current-context", "test"}};
  kubeconfig_ = dir_.write("kubeconfig", config.dump(2));
}

KubeCluster::~KubeCluster() {
  if (api_) api_->stop();
}

ExecResult KubeCluster::kubectl(const std::vector<std::string>& args, const std::string& stdin_text,
                                const std::vector<std::pair<std::string, std::string>>& extra_env) const {
  std::vector<std::string> argv = {"/usr/bin/kubectl", "--kubeconfig", kubeconfig_, "--cache-dir",
                                   dir_.path() + "/cache"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::map<std::string, std::string> env = {{"HOME", dir_.path()}, {"KUBECONFIG", kubeconfig_}};
  for (const auto& [k, v] : extra_env) env[k] = v;
  return run_command(argv, env, stdin_text);
}

http::Response KubeCluster::request(const std::string& method, const std::string& target, const std::string& body,
                                    const std::string& content_type, const std::string& token) const {
  http::Request req;
  req.method = method;
  req.target = target;
  req.body = body;
  if (!body.empty()) req.headers.emplace_back("content-type", content_type);
  if (!token.empty()) req.headers.emplace_back("authorization", "Bearer " + token);
  req.headers.emplace_back("user-agent", "v6k-test/1.0");
  auto r = http::send_request_tls("::1", api_->port(), req, {.ca_pem = ca_pem_});
  if (!r) {
    http::Response failed;
    failed.status = 0;
    failed.body = r.error().message();
    return failed;
  }
  return std::move(*r);
}

json KubeCluster::request_json(const std::string& method, const std::string& target, const json& body,
                               int* status, const std::string& content_type) const {
  auto r = request(method, target, body.is_null() ? "" : body.dump(), content_type);
  if (status) *status = r.status;
  json j = json::parse(r.body, nullptr, false);
  return j.is_discarded() ? json(r.body) : j;
}

}  // namespace v6k::testing
