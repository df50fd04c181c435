// fuzz_pod_config: what the node agent parses from outside for a pod's containers: the
// node's resolv.conf text, and — when the bytes are JSON — a pod's probes (each container's
// readinessProbe/livenessProbe/startupProbe, and the document itself as a probe) and its
// dnsPolicy/dnsConfig/hostAliases.
// Invariants: no crash, exception or sanitizer report; resolv.conf text is stable after one
// parse/render trip; a parsed probe has upstream's bounds (port 1-65535, positive period,
// timeout and thresholds); the pod's resolv.conf has at most 3 nameservers and 32 search
// domains and parses back to itself.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "node/agent/pod_status.h"
#include "node/agent/probes.h"

using namespace v6k::node;
using nlohmann::json;

namespace {

void check_probe(const json& probe, const json& container) {
  auto p = parse_probe(probe, container);
  if (!p) return;
  if (p->action != ProbeSpec::Action::kExec && (p->port < 1 || p->port > 65535)) std::abort();
  if (p->period_seconds < 1 || p->timeout_seconds < 1 || p->success_threshold < 1 || p->failure_threshold < 1 ||
      p->initial_delay_seconds < 0)
    std::abort();
  if (p->action == ProbeSpec::Action::kExec && p->command.empty()) std::abort();
  ProbeTracker t = ProbeTracker::initial(ProbeType::kLiveness);
  for (int i = 0; i < 4; ++i) (void)t.observe(i % 3 ? ProbeResult::kFailure : ProbeResult::kSuccess, *p, ProbeType::kLiveness);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);

  const std::string once = render_resolv_conf(parse_resolv_conf(text));
  if (render_resolv_conf(parse_resolv_conf(once)) != once) std::abort();

  auto j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return 0;
  check_probe(j, j);
  if (j.is_object() && j.contains("spec") && j["spec"].is_object() && j["spec"].contains("containers") &&
      j["spec"]["containers"].is_array())
    for (const auto& c : j["spec"]["containers"])
      for (ProbeType t : {ProbeType::kReadiness, ProbeType::kLiveness, ProbeType::kStartup})
        if (c.is_object() && c.contains(std::string(probe_field(t)))) check_probe(c[std::string(probe_field(t))], c);

  auto files = pod_dns_files(j, "2001:db8::5", {.cluster_dns = "fd12:3456:789a::a", .node_resolv_conf = std::string(text)});
  auto rc = parse_resolv_conf(files.resolv_conf);
  if (rc.nameservers.size() > 3 || rc.searches.size() > 32) std::abort();
  if (render_resolv_conf(rc) != files.resolv_conf) std::abort();
  if (files.hosts.rfind("# Kubernetes-managed hosts file.\n", 0) != 0) std::abort();
  return 0;
}
