#include "cni/plugin.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <thread>

#include "cni/names.h"
#include "cni/node_setup.h"
#include "cni/pod_network.h"
#include "ipam/store.h"
#include "netlink/netns.h"
#include "netlink/rtnl.h"

namespace v6k::cni {

using nlohmann::json;

namespace {
std::string store_dir(const NetConf& conf) { return conf.data_dir + "/" + conf.name; }
}  // namespace

Result<ipam::Store> open_store(const NetConf& conf) {
  ipam::PoolConfig pc;
  pc.data_dir = store_dir(conf);
  pc.v6_prefixes = conf.ipv6_prefixes;
  pc.ipv4_pods = conf.ipv4_pod_mode();
  pc.v4_addresses = conf.ipv4_addresses;
  if (conf.ipv4_egress.enabled && !conf.ipv4_pod_mode()) pc.v4_range = conf.ipv4_egress.range;
  pc.cooldown = std::chrono::seconds(conf.cooldown_seconds);
  return ipam::Store::open(std::move(pc));
}

namespace {

// V6K_CNI_TRACE=1 in the environment prints per-phase timings of ADD to stderr.
class PhaseTrace {
 public:
  PhaseTrace() : on_(std::getenv("V6K_CNI_TRACE") != nullptr), last_(std::chrono::steady_clock::now()) {}
  void mark(const char* phase) {
    if (!on_) return;
    auto now = std::chrono::steady_clock::now();
    std::fprintf(stderr, "v6k-cni: %-16s %7.3f ms\n", phase,
                 std::chrono::duration<double, std::milli>(now - last_).count());
    last_ = now;
  }

 private:
  bool on_;
  std::chrono::steady_clock::time_point last_;
};

using Outcome = std::expected<json, CniError>;  // json null = print nothing

CniError io_error(const Error& e, std::string_view msg) { return to_cni_error(kErrIoFailure, e, msg); }

PodAttachment attachment_for(const NetConf& conf, const Environment& env, const ipam::Allocation& a) {
  PodAttachment p;
  p.container_id = env.container_id;
  p.ifname = env.ifname;
  p.veth_prefix = conf.veth_prefix;
  p.mtu = conf.mtu;
  p.v6 = a.v6;
  p.v4 = a.v4;
  p.v4_gateway = conf.ipv4_pod_mode() ? pod_gateway_v4() : conf.ipv4_egress.gateway;
  return p;
}

// The address the pod is known by: its IPv6 /128, or an IPv4 pod's /32.
addr::IpInterface pod_address(const ipam::Allocation& a) {
  if (a.v6) return addr::IpInterface{*a.v6, 128};
  return addr::IpInterface{*a.v4, 32};
}

std::string arg(const Environment& env, const char* key) {
  auto it = env.args.find(key);
  return it == env.args.end() ? std::string() : it->second;
}

Outcome cmd_add(const NetConf& conf, const Environment& env) {
  PhaseTrace trace;
  auto pod_ns = netlink::NetNs::open(env.netns);
  if (!pod_ns)
    return std::unexpected(to_cni_error(kErrUnknownContainer, pod_ns.error(), "cannot open the pod network namespace"));
  auto node = netlink::Rtnl::open();
  if (!node) return std::unexpected(io_error(node.error(), "cannot open netlink"));
  auto store = open_store(conf);
  if (!store) return std::unexpected(io_error(store.error(), "cannot open the IPAM store"));
  trace.mark("open");
  if (auto r = ensure_node_setup(conf, store_dir(conf)); !r)
    return std::unexpected(io_error(r.error(), "node setup failed"));
  trace.mark("node setup");

  ipam::AllocateRequest req;
  req.key = {env.container_id, env.ifname};
  req.network = conf.name;
  req.pod_namespace = arg(env, "K8S_POD_NAMESPACE");
  req.pod_name = arg(env, "K8S_POD_NAME");
  // The allocation's fdatasync runs on a second thread while the kernel creates the veth.
  std::optional<Result<ipam::Allocation>> alloc;
  std::thread allocator([&] { alloc = store->allocate(req); });
  PodAttachment pa = attachment_for(conf, env, ipam::Allocation{});
  auto veth = create_pod_veth(*node, *pod_ns, pa);
  allocator.join();
  trace.mark("veth+allocate");
  if (!*alloc) {
    if (veth) (void)delete_host_veth(*node, veth->names.host_veth);
    int code = alloc->error().code() == ENOSPC ? kErrTryAgainLater : kErrIoFailure;
    return std::unexpected(to_cni_error(code, alloc->error(), "cannot allocate a pod address"));
  }
  if (!veth) {
    (void)store->release(req.key);
    return std::unexpected(io_error(veth.error(), "cannot create the pod veth"));
  }
  pa = attachment_for(conf, env, **alloc);
  if (auto r = configure_pod_veth(*node, *veth, pa); !r) {
    (void)store->release(req.key);
    return std::unexpected(io_error(r.error(), "cannot set up the pod network"));
  }
  trace.mark("configure");
  const ipam::Allocation& allocation = **alloc;
  const AttachedPod& attached = veth->names;
  CniResult res;
  res.interfaces.push_back({attached.host_veth, attached.host_mac.to_string(), conf.mtu, ""});
  res.interfaces.push_back({env.ifname, attached.pod_mac.to_string(), conf.mtu, env.netns});
  if (allocation.v6) {
    res.ips.push_back({pod_address(allocation), addr::IpAddress(pod_gateway_v6()), 1});
    res.routes.push_back({"::/0", addr::IpAddress(pod_gateway_v6())});
  } else {
    res.ips.push_back({pod_address(allocation), addr::IpAddress(pod_gateway_v4()), 1});
    res.routes.push_back({"0.0.0.0/0", addr::IpAddress(pod_gateway_v4())});
  }
  res.dns = conf.dns;
  return encode_result(res, conf.prev_result, conf.cni_version);
}

Outcome cmd_del(const NetConf& conf, const Environment& env) {
  auto node = netlink::Rtnl::open();
  if (!node) return std::unexpected(io_error(node.error(), "cannot open netlink"));
  if (auto r = detach_pod(*node, host_veth_name(conf.veth_prefix, env.container_id, env.ifname)); !r)
    return std::unexpected(io_error(r.error(), "cannot remove the pod network"));
  auto store = open_store(conf);
  if (!store) return std::unexpected(io_error(store.error(), "cannot open the IPAM store"));
  if (auto r = store->release({env.container_id, env.ifname}); !r)
    return std::unexpected(io_error(r.error(), "cannot release the pod address"));
  return json();
}

Outcome cmd_check(const NetConf& conf, const Environment& env) {
  auto store = open_store(conf);
  if (!store) return std::unexpected(io_error(store.error(), "cannot open the IPAM store"));
  auto found = store->find({env.container_id, env.ifname});
  if (!found) return std::unexpected(io_error(found.error(), "cannot read the IPAM store"));
  if (!*found)
    return std::unexpected(CniError{kErrInvalidConfig, "no address is allocated to container " +
                                    env.container_id + " interface " + env.ifname, ""});
  PodAttachment pa = attachment_for(conf, env, **found);
  if (conf.prev_result.is_object() && conf.prev_result.contains("ips")) {
    bool listed = false;
    std::string want = pod_address(**found).to_string();
    for (const auto& ip : conf.prev_result["ips"])
      if (ip.is_object() && ip.value("address", "") == want) listed = true;
    if (!listed)
      return std::unexpected(CniError{kErrInvalidConfig, "prevResult does not list the pod address " + want, ""});
  }
  auto pod_ns = netlink::NetNs::open(env.netns);
  if (!pod_ns)
    return std::unexpected(to_cni_error(kErrUnknownContainer, pod_ns.error(), "cannot open the pod network namespace"));
  auto node = netlink::Rtnl::open();
  if (!node) return std::unexpected(io_error(node.error(), "cannot open netlink"));
  auto problems = check_pod(*node, *pod_ns, pa);
  if (!problems) return std::unexpected(io_error(problems.error(), "cannot inspect the pod network"));
  if (conf.ipv4_egress.enabled || conf.ipv4_snat.enabled) {
    auto egress = check_node_setup(conf, store_dir(conf));
    if (!egress) return std::unexpected(io_error(egress.error(), "cannot inspect the node's egress rules"));
    problems->insert(problems->end(), egress->begin(), egress->end());
  }
  if (!problems->empty()) {
    std::string details;
    for (const auto& p : *problems) details += (details.empty() ? "" : "; ") + p;
    return std::unexpected(CniError{kErrIoFailure, "pod network of " + env.container_id + " is broken", details});
  }
  return json();
}

Outcome cmd_gc(const NetConf& conf) {
  auto store = open_store(conf);
  if (!store) return std::unexpected(io_error(store.error(), "cannot open the IPAM store"));
  std::vector<ipam::AttachmentKey> valid;
  std::vector<ipam::Allocation> all;  // read once, only if some entry lacks an ifname
  bool listed = false;
  for (const auto& [cid, ifname] : conf.valid_attachments) {
    if (!ifname.empty()) {
      valid.push_back({cid, ifname});
      continue;
    }
    // An attachment without ifname keeps every interface of that container.
    if (!listed) {
      auto l = store->list();
      if (!l) return std::unexpected(io_error(l.error(), "cannot read the IPAM store"));
      all = std::move(*l);
      listed = true;
    }
    for (const auto& a : all)
      if (a.key.container_id == cid) valid.push_back(a.key);
  }
  auto released = store->gc(valid);
  if (!released) return std::unexpected(io_error(released.error(), "cannot collect stale addresses"));
  auto node = netlink::Rtnl::open();
  if (!node) return std::unexpected(io_error(node.error(), "cannot open netlink"));
  std::string failures;
  for (const auto& a : *released) {
    auto r = delete_host_veth(*node, host_veth_name(conf.veth_prefix, a.key.container_id, a.key.ifname));
    if (!r) failures += (failures.empty() ? "" : "; ") + r.error().message();
  }
  if (auto swept = sweep_detached_veths(*node, conf.veth_prefix); !swept)
    failures += (failures.empty() ? "" : "; ") + swept.error().message();
  if (!failures.empty()) return std::unexpected(CniError{kErrIoFailure, "GC could not remove some veths", failures});
  return json();
}

Outcome cmd_status(const NetConf& conf) {
  auto store = open_store(conf);
  if (!store) return std::unexpected(io_error(store.error(), "cannot open the IPAM store"));
  auto st = store->status();
  if (!st) return std::unexpected(io_error(st.error(), "cannot read the IPAM store"));
  if (conf.ipv4_pod_mode()) {
    if (!st->v4_available)
      return std::unexpected(CniError{kErrPluginNotAvailable, "no free IPv4 address among the node's " +
                                      std::to_string(conf.ipv4_addresses.size()) + " pod addresses", ""});
    return json();
  }
  if (!st->v6_available)
    return std::unexpected(CniError{kErrPluginNotAvailable, "no free IPv6 address in the node's pod prefixes", ""});
  if (conf.ipv4_egress.enabled && !st->v4_available)
    return std::unexpected(CniError{kErrPluginNotAvailable, "no free IPv4 egress address in " +
                                    conf.ipv4_egress.range.to_string(), ""});
  return json();
}

json version_json(std::string_view stdin_text) {
  std::string v(kLatestVersion);
  json in = json::parse(stdin_text, nullptr, false);
  if (in.is_object() && in.contains("cniVersion") && in["cniVersion"].is_string() &&
      version_supported(in["cniVersion"].get<std::string>()))
    v = in["cniVersion"].get<std::string>();
  return {{"cniVersion", v}, {"supportedVersions", supported_versions()}};
}

PluginOutput print_error(const CniError& e, std::string_view version) {
  return {1, e.to_json(version).dump() + "\n"};
}

}  // namespace

PluginOutput run_plugin(const EnvLookup& env_vars, std::string_view stdin_text) {
  auto env = parse_environment(env_vars);
  if (!env) return print_error(env.error(), kLatestVersion);
  if (env->command == Command::kVersion) return {0, version_json(stdin_text).dump() + "\n"};

  auto conf = parse_netconf(stdin_text, env->command);
  if (!conf) return print_error(conf.error(), kLatestVersion);

  Outcome out;
  switch (env->command) {
    case Command::kAdd: out = cmd_add(*conf, *env); break;
    case Command::kDel: out = cmd_del(*conf, *env); break;
    case Command::kCheck: out = cmd_check(*conf, *env); break;
    case Command::kGc: out = cmd_gc(*conf); break;
    case Command::kStatus: out = cmd_status(*conf); break;
    case Command::kVersion: break;
  }
  if (!out) return print_error(out.error(), conf->cni_version);
  if (out->is_null()) return {0, ""};
  return {0, out->dump() + "\n"};
}

}  // namespace v6k::cni
