#include "node/agent/ipv4_release.h"

#include <set>

#include "cni/plugin.h"
#include "cni/spec.h"

namespace v6k::node {

using nlohmann::json;

namespace {

// Listed addresses a pod holds or that are cooling down, per the store the plugin uses.
Result<std::set<std::string>> addresses_to_keep(const json& plugin_config) {
  auto conf = cni::parse_netconf(plugin_config.dump(), cni::Command::kStatus);
  if (!conf) return fail_invalid("the node's CNI configuration: " + conf.error().msg);
  if (!conf->ipv4_pod_mode()) return fail_invalid("the node's CNI configuration lists no IPv4 pod addresses");
  auto store = cni::open_store(*conf);
  if (!store) return fail(std::move(store.error()));
  auto busy = store->unavailable_v4();
  if (!busy) return fail(std::move(busy.error()));
  std::set<std::string> keep;
  for (const auto& a : *busy) keep.insert(a.to_string());
  return keep;
}

}  // namespace

Result<std::vector<std::string>> release_ipv4_surplus(Ipv4Pool& pool, const CniNetwork& cni,
                                                      const std::function<json()>& publish) {
  std::vector<std::string> taken;
  Result<> read = {};
  cni.exclusive([&](const json& plugin_config) -> std::optional<json> {
    auto keep = addresses_to_keep(plugin_config);
    if (!keep) {
      read = fail(std::move(keep.error()));
      return std::nullopt;
    }
    taken = pool.take_surplus(*keep);
    if (taken.empty()) return std::nullopt;
    return publish();
  });
  if (!read) return fail(std::move(read.error()));
  if (auto u = pool.unassign(taken); !u) {
    cni.exclusive([&](const json&) -> std::optional<json> { return publish(); });
    return fail(std::move(u.error()));
  }
  return taken;
}

}  // namespace v6k::node
