// Kubeconfig files for our own components (node agents, `v6k control-plane`'s admin
// config): one cluster, one token user, one context, written as JSON (kubectl reads JSON
// kubeconfigs as it reads YAML ones).
//
//   auto j = make_kubeconfig({.server = "https://[::1]:6443", .ca_pem = ca, .token = t});
//   write_file_atomic(path, j.dump(2) + "\n", 0600);
//   auto cfg = read_kubeconfig(path);   // ClientConfig{host "::1", port 6443, ca, token}
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "kube/client/client.h"

namespace v6k::kube {

struct KubeconfigSpec {
  std::string server;  // https://[::1]:6443, https://127.0.0.1:6443 or https://localhost:6443
  std::string ca_pem;
  std::string token;
  std::string cluster_name = "v6k";
  std::string user_name = "v6k-admin";
};

nlohmann::json make_kubeconfig(const KubeconfigSpec& spec);

// The current context of a JSON kubeconfig with a token user. The server must be a
// loopback https URL (every API server here listens on loopback); the client connects
// to [::1] at its port.
Result<ClientConfig> read_kubeconfig(const std::string& path);
Result<ClientConfig> parse_kubeconfig(const std::string& text, const std::string& what);

}  // namespace v6k::kube
