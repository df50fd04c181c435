// Internal to src/kube/kubelet_client: what the logs and exec relays share. Not public.
#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "common/result.h"
#include "http/client.h"
#include "http/message.h"
#include "kube/kubelet_client/kubelet_client.h"

namespace v6k::kube::kubelet_internal {

struct Shared {
  KubeletClientOptions o;
  std::mutex mu;
  std::map<uint16_t, std::string> anchors;  // kubelet port → trusted certificate (TOFU)

  // The node's kubelet port, or why it cannot be dialed (the text after
  // "error dialing backend: ").
  std::expected<uint16_t, std::string> kubelet_port(const std::string& node);
  // The certificate to trust for the kubelet on `port`; refresh = read it again.
  Result<std::string> anchor(uint16_t port, bool refresh);
  http::Headers auth_headers() const;
};

// "/<kind>/<ns>/<pod>/<container>", path segments percent-escaped.
std::string kubelet_path(const std::string& kind, const std::string& ns, const std::string& pod,
                         const std::string& container);

http::Response relay_logs(const std::shared_ptr<Shared>& s, const std::string& ns, const std::string& pod,
                          const nlohmann::json& pod_object, const http::Request& req);
void relay_exec(const std::shared_ptr<Shared>& s, ExecRequest req, std::shared_ptr<ExecChannel> ch);

}  // namespace v6k::kube::kubelet_internal
