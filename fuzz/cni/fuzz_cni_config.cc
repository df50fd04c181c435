// Fuzzes the plugin's protocol edge: arbitrary bytes as the stdin config for every command,
// and as CNI_ARGS. Parsing must never crash, and anything accepted must be self-consistent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>

#include "cni/spec.h"

using namespace v6k::cni;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  for (Command c : {Command::kAdd, Command::kDel, Command::kCheck, Command::kGc, Command::kStatus}) {
    auto conf = parse_netconf(text, c);
    if (!conf) {
      if (conf.error().code <= 0 || conf.error().msg.empty()) std::abort();
      continue;
    }
    if (!version_supported(conf->cni_version)) std::abort();
    // Exactly one pod address mode: IPv6 prefixes (+ optional egress) or IPv4 addresses.
    if (conf->ipv4_pod_mode()) {
      if (!conf->ipv6_prefixes.empty() || conf->ipv4_egress.enabled) std::abort();
      std::set<uint32_t> seen;
      for (const auto& a : conf->ipv4_addresses)
        if (!seen.insert(a.to_u32()).second || (a.to_u32() >> 16) == 0xA9FE) std::abort();
      if (conf->ipv4_snat.enabled && conf->ipv4_snat.node_ipv4 == v6k::addr::Ipv4Address()) std::abort();
    } else {
      if (conf->ipv6_prefixes.empty() || conf->ipv4_snat.enabled) std::abort();
    }
    for (size_t i = 0; i < conf->ipv6_prefixes.size(); ++i) {
      if (conf->ipv6_prefixes[i].length() > 124) std::abort();
      for (size_t j = i + 1; j < conf->ipv6_prefixes.size(); ++j)
        if (conf->ipv6_prefixes[i].overlaps(conf->ipv6_prefixes[j])) std::abort();
    }
    if (conf->mtu < 1280) std::abort();
    if (!conf->ipv4_egress.range.contains(conf->ipv4_egress.gateway)) std::abort();
    CniResult empty;
    (void)encode_result(empty, conf->prev_result, conf->cni_version).dump();
  }
  EnvLookup env = {{"CNI_COMMAND", "ADD"}, {"CNI_CONTAINERID", "c"}, {"CNI_IFNAME", "eth0"},
                   {"CNI_NETNS", "/x"}, {"CNI_ARGS", text}};
  auto e = parse_environment(env);
  if (e)
    for (const auto& [k, v] : e->args)
      if (k.empty()) std::abort();
  return 0;
}
