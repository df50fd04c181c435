// The control planes of the region's EKS clusters, hosted inside the region daemon: one
// kube::ControlPlane (API server + controller manager + scheduler) per cluster, all on the
// region's store under /clusters/<name>/, each serving HTTPS on its own loopback port with
// its own CA. What a cluster needs to come back after a daemon restart — CA, serving
// certificate, port, the host's admin token and the node tokens — is kept in the store
// under /eks-host/clusters/<name>, so endpoints and kubeconfigs stay valid.
//
// Who may call a cluster's API server:
//  - `aws eks get-token` tokens, verified by the AwsTokenVerifier the caller supplies;
//    the cluster creator's ARN is cluster admin (system:masters), as in EKS; other
//    principals get 401 unless the aws-auth ConfigMap maps them (aws_auth.h);
//  - node tokens made here for the node agents (user system:node:<node name>, group
//    system:nodes);
//  - the host's own admin token (counting Ready nodes, draining).
//
//   ControlPlanes planes({.store_path = state + "/state.db", .verify_aws_token = verify});
//   auto access = planes.start({.name = "ipv6-cluster", .version = "1.21",
//                               .service_cidr = "fd8c:7b24:9a1e::/108", .creator_arn = arn});
//   access->endpoint;                       // https://localhost:43117
//   auto kc = planes.node_kubeconfig("ipv6-cluster", "ip-192-168-1-7.us-west-2.compute.internal");
//   planes.stop("ipv6-cluster", /*delete_data=*/true);
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "kube/client/client.h"
#include "store/store.h"

namespace v6k::eks::host {

// Who signed a get-token token, or why it is not valid for `cluster`.
struct AwsPrincipal {
  std::string arn;
  std::string account_id;
};
using AwsTokenVerifier = std::function<Result<AwsPrincipal>(std::string_view token, const std::string& cluster)>;

// What the cluster's /version and its kubelets report for an EKS version: the patch
// release EKS ships for it ("1.21" -> "v1.21.4-eks", as the blog's nodes show).
std::string kubernetes_git_version(const std::string& version);

struct ControlPlanesOptions {
  std::string store_path;  // the region's SQLite store
  AwsTokenVerifier verify_aws_token;
};

struct PlaneSpec {
  std::string name;
  std::string version;       // "1.21"
  std::string service_cidr;  // the cluster's serviceIpv6Cidr or serviceIpv4Cidr
  std::string creator_arn;   // cluster admin
};

struct PlaneAccess {
  std::string endpoint;  // https://localhost:<port>
  std::string ca_pem;
  uint16_t port = 0;
};

class ControlPlanes {
 public:
  explicit ControlPlanes(ControlPlanesOptions o);
  ~ControlPlanes();
  ControlPlanes(const ControlPlanes&) = delete;
  ControlPlanes& operator=(const ControlPlanes&) = delete;

  // Starts the cluster's control plane (making its CA, certificate and port on first use)
  // and returns once it serves. Idempotent: a running cluster just reports its access.
  Result<PlaneAccess> start(const PlaneSpec& spec);
  // Stops it; delete_data also removes its Kubernetes objects and its record.
  Result<> stop(const std::string& name, bool delete_data);
  void stop_all();
  // An admin client of a running cluster.
  Result<std::shared_ptr<kube::Client>> admin_client(const std::string& name);
  // A kubeconfig (JSON) for a node agent of a running cluster: its own token, user
  // system:node:<node_name>; the same token again for the same node.
  Result<nlohmann::json> node_kubeconfig(const std::string& cluster, const std::string& node_name);

  struct Plane;

 private:
  Result<nlohmann::json> load_record(const std::string& name);
  Result<> save_record(const std::string& name, const nlohmann::json& record);

  ControlPlanesOptions o_;
  std::shared_ptr<store::Store> store_;
  std::mutex mu_;  // start/stop one at a time; guards planes_
  std::map<std::string, std::unique_ptr<Plane>> planes_;
};

}  // namespace v6k::eks::host
