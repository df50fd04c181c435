// KubeCluster: a private Kubernetes API server for one test (HTTPS on [::1], its own CA,
// an admin and a node token, a SQLite store in memory unless one is given) plus the real
// kubectl pointed at it through a kubeconfig in a temporary directory (its own cache dir,
// so discovery is always fresh).
//
//   KubeCluster k;
//   ASSERT_TRUE(k.ok()) << k.error();
//   auto r = k.kubectl({"create", "namespace", "demo"});
//   EXPECT_EQ(r.out, "namespace/demo created\n");
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "http/message.h"
#include "kube/apiserver/apiserver.h"
#include "store/store.h"
#include "support/proc.h"
#include "support/temp_dir.h"

namespace v6k::testing {

class KubeCluster {
 public:
  static constexpr const char* kAdminToken = "admin-token-for-tests";
  static constexpr const char* kNodeToken = "node-token-for-tests";  // system:node:node-1

  explicit KubeCluster(std::shared_ptr<store::Store> store = nullptr, kube::ApiServerOptions extra = {});
  ~KubeCluster();

  bool ok() const { return api_ != nullptr; }
  const std::string& error() const { return error_; }
  kube::ApiServer& api() { return *api_; }
  uint16_t port() const { return api_->port(); }
  store::Store& store() { return *store_; }
  const std::string& kubeconfig() const { return kubeconfig_; }
  const std::string& dir() const { return dir_.path(); }
  const std::string& ca_pem() const { return ca_pem_; }

  // Runs /usr/bin/kubectl with this cluster's kubeconfig (and `extra_env`).
  ExecResult kubectl(const std::vector<std::string>& args, const std::string& stdin_text = "",
                     const std::vector<std::pair<std::string, std::string>>& extra_env = {}) const;

  // One request over HTTPS, as `token` (admin by default); the body is sent as JSON.
  http::Response request(const std::string& method, const std::string& target, const std::string& body = "",
                         const std::string& content_type = "application/json",
                         const std::string& token = kAdminToken) const;
  nlohmann::json request_json(const std::string& method, const std::string& target,
                              const nlohmann::json& body = nullptr, int* status = nullptr,
                              const std::string& content_type = "application/json") const;

 private:
  TempDir dir_;
  std::shared_ptr<store::Store> store_;
  std::unique_ptr<kube::ApiServer> api_;
  std::string ca_pem_;
  std::string kubeconfig_;
  std::string error_;
};

}  // namespace v6k::testing
