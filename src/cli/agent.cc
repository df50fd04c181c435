#include "cli/agent.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "aws/ec2_client.h"
#include "common/atomic_file.h"
#include "common/volatile_dir.h"
#include "kube/client/kubeconfig.h"
#include "node/agent/bootstrap.h"
#include "node/agent/cni.h"
#include "node/agent/heartbeat.h"
#include "node/agent/ipv4_pool.h"
#include "node/agent/ipv4_release.h"
#include "node/agent/kubelet_server.h"
#include "node/agent/pods.h"
#include "node/agent/services.h"

namespace v6k::cli {

namespace {

volatile sig_atomic_t g_agent_stop = 0;
void on_agent_stop(int) { g_agent_stop = 1; }

constexpr std::chrono::seconds kIpv4ReleaseEvery{5};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string recorded_ns_prefix(const DaemonOptions& d) {
  auto j = nlohmann::json::parse(slurp(d.state_dir + "/fabric.json"), nullptr, false);
  return j.is_object() ? j.value("ns_prefix", d.ns_prefix) : d.ns_prefix;
}

}  // namespace

std::string region_run_dir(const std::string& state_dir) {
  std::error_code ec;
  std::string key = std::filesystem::weakly_canonical(state_dir, ec).string();
  if (ec) key = state_dir;
  uint64_t h = 1469598103934665603ull;  // FNV-1a 64
  for (unsigned char c : key) h = (h ^ c) * 1099511628211ull;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return volatile_root() + "/v6k/" + hex;
}

std::string agent_run_dir(const std::string& state_dir, const std::string& instance_id) {
  return region_run_dir(state_dir) + "/" + instance_id;
}

int agent(const DaemonOptions& d, const AgentOptions& o) {
  auto die = [&](const std::string& m) {
    std::fprintf(stderr, "v6k agent %s: %s\n", o.instance_id.c_str(), m.c_str());
    return 1;
  };
  // A plugin that exits without reading its stdin must not take the agent with it.
  ::signal(SIGPIPE, SIG_IGN);
  auto access = aws::load_region_access(d.state_dir);
  if (!access) return die(access.error().message());
  aws::Ec2Client ec2(aws::Ec2ClientOptions::from(*access));
  auto kc = kube::read_kubeconfig(o.kubeconfig);
  if (!kc) return die(kc.error().message());
  kc->user_agent = "v6k-agent";
  std::string cluster_dns;  // pods' resolv.conf nameserver; "" without services
  if (!o.service_cidr.empty()) {  // a typo fails now, not after the bootstrap
    auto dns = node::cluster_dns_ip(o.service_cidr);
    if (!dns) return die(dns.error().message());
    cluster_dns = addr::to_string(*dns);
  }
  std::optional<node::dns::Upstream> dns_upstream;
  if (!o.dns_upstream.empty()) {
    auto up = addr::parse_ip(o.dns_upstream);
    if (!up) return die("--dns-upstream: " + up.error().message());
    dns_upstream = node::dns::Upstream{*up};
  }
  auto labels = node::parse_node_labels(o.node_labels);
  if (!labels) return die(labels.error().message());
  auto taints = node::parse_taints(o.register_with_taints);
  if (!taints) return die(taints.error().message());
  auto client = kube::Client::create(*kc);
  if (!client) return die(client.error().message());

  const bool ipv6 = o.ip_family.empty() ? o.service_cidr.find('.') == std::string::npos : o.ip_family == "ipv6";
  auto id = node::bootstrap_node({.ec2 = &ec2, .instance_id = o.instance_id, .region = access->region,
                                  .kubelet_version = o.cluster_version, .nodegroup = o.nodegroup,
                                  .ipv6_cluster = ipv6});
  if (!id) return die(id.error().message());
  id->extra_labels = *labels;
  id->taints = *taints;
  const std::string dir = d.state_dir + "/agents/" + o.instance_id;
  std::error_code ec;
  std::filesystem::create_directories(dir + "/net.d", ec);
  const std::string prefix = recorded_ns_prefix(d);
  const std::string node_netns = "/var/run/netns/" + prefix + o.instance_id;
  // IPv4 pods: the ipamd warm pool of the ENI's secondaries.
  std::optional<node::Ipv4Pool> pool;
  if (!ipv6) {
    pool.emplace(node::Ipv4PoolOptions{.ec2 = &ec2, .eni_id = id->eni_id, .assigned = id->pod_ipv4s,
                                       .warm = o.warm_ip_target, .max = static_cast<int>(id->max_pods)});
    if (auto f = pool->fill(); !f)
      std::fprintf(stderr, "v6k agent %s: %s\n", o.instance_id.c_str(), f.error().message().c_str());
  }
  const std::string conflist_path = dir + "/net.d/10-v6k.conflist";
  auto make_conflist = [&, ipam_dir = dir + "/ipam"] {
    return node::node_conflist({.pod_prefix = id->pod_prefix, .ipv4_pods = !ipv6,
                                .pod_ipv4s = pool ? pool->addresses() : std::vector<std::string>{},
                                .vpc_ipv4_cidrs = id->vpc_ipv4_cidrs, .node_ipv4 = id->internal_ipv4,
                                .data_dir = ipam_dir});
  };
  nlohmann::json conflist = make_conflist();
  if (auto w = write_file_atomic(conflist_path, conflist.dump(2) + "\n"); !w) return die(w.error().message());
  auto publish_conflist = [&] {
    nlohmann::json c = make_conflist();
    (void)write_file_atomic(conflist_path, c.dump(2) + "\n");  // what a reader of net.d sees
    return c;
  };
  std::function<Result<nlohmann::json>(size_t)> refill;
  if (pool)
    refill = [&](size_t listed) -> Result<nlohmann::json> {
      auto grown = pool->grow(listed);
      if (!grown) return fail(std::move(grown.error()));
      return publish_conflist();
    };
  std::string self = std::filesystem::canonical("/proc/self/exe", ec).string();
  node::CniNetwork cni({.plugin = std::filesystem::path(self).parent_path().string() + "/v6k-cni",
                        .node_netns = node_netns, .conflist = conflist, .refill = refill});
  const std::string run_dir = agent_run_dir(d.state_dir, o.instance_id);
  auto rt = node::runtime::Runtime::open({.root = run_dir + "/runtime"});
  if (!rt) return die(rt.error().message());
  const std::string pods_from =
      ipv6 ? id->pod_prefix
           : "secondary IPv4s of " + id->eni_id + " (" + std::to_string(pool->addresses().size()) + " assigned)";
  std::printf("v6k agent %s: node %s, pods from %s, node namespace %s\n", o.instance_id.c_str(),
              id->node_name.c_str(), pods_from.c_str(), node_netns.c_str());
  std::fflush(stdout);
  // The kubelet endpoint (kubectl logs/exec): its port goes into the Node the heartbeat writes.
  auto kubelet = node::KubeletServer::start({.client = *client, .runtime = &*rt, .node_name = id->node_name});
  if (!kubelet) return die(kubelet.error().message());
  id->kubelet_port = (*kubelet)->port();
  std::printf("v6k agent %s: kubelet endpoint https://[::1]:%u\n", o.instance_id.c_str(), id->kubelet_port);
  std::fflush(stdout);
  auto hb = node::NodeHeartbeat::start({.client = *client, .id = *id});
  if (!hb) return die(hb.error().message());
  auto pods = node::PodManager::start({.client = *client, .node_name = id->node_name,
                                       .host_ip = id->ipv6_cluster ? id->internal_ipv6 : id->internal_ipv4,
                                       .netns_prefix = prefix, .cni = &cni, .runtime = &*rt,
                                       .log_root = run_dir + "/logs", .cluster_dns = cluster_dns,
                                       .cluster_domain = o.cluster_domain, .resolv_conf = "/etc/resolv.conf",
                                       .pod_root = run_dir + "/pod-files"});
  if (!pods) return die(pods.error().message());
  // Services and cluster DNS. The service CIDR lives with the control plane (maybe on
  // another machine), so it comes as a flag; without it the node has neither.
  std::unique_ptr<node::ServiceNetworking> services;
  if (o.service_cidr.empty()) {
    std::fprintf(stderr, "v6k agent %s: no --service-cidr: ClusterIP services and cluster DNS are off\n",
                 o.instance_id.c_str());
  } else {
    auto sn = node::ServiceNetworking::start({.client = *client, .node_name = id->node_name,
                                              .node_netns = node_netns, .service_cidr = o.service_cidr,
                                              .cluster_domain = o.cluster_domain, .upstream = dns_upstream});
    if (!sn) return die(sn.error().message());
    services = std::move(*sn);
    std::printf("v6k agent %s: services from %s, cluster DNS at %s\n", o.instance_id.c_str(),
                o.service_cidr.c_str(), addr::to_string(services->dns_ip()).c_str());
    std::fflush(stdout);
  }
  struct sigaction sa {};
  sa.sa_handler = on_agent_stop;
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);
  // IPv4 pods: every few seconds, free addresses beyond the warm target go back to the subnet.
  std::thread releaser;
  if (pool)
    releaser = std::thread([&] {
      using namespace std::chrono_literals;
      for (auto next = std::chrono::steady_clock::now() + kIpv4ReleaseEvery; !g_agent_stop;
           std::this_thread::sleep_for(100ms)) {
        if (std::chrono::steady_clock::now() < next) continue;
        next = std::chrono::steady_clock::now() + kIpv4ReleaseEvery;
        auto gone = node::release_ipv4_surplus(*pool, cni, publish_conflist);
        if (!gone)
          std::fprintf(stderr, "v6k agent %s: %s\n", o.instance_id.c_str(), gone.error().message().c_str());
        else if (!gone->empty())
          std::printf("v6k agent %s: gave %zu address%s back to the subnet (%s)\n", o.instance_id.c_str(),
                      gone->size(), gone->size() == 1 ? "" : "es", nlohmann::json(*gone).dump().c_str());
        std::fflush(stdout);
      }
    });
  while (!g_agent_stop) ::pause();
  if (releaser.joinable()) releaser.join();
  // Pods keep running (their shims outlive us); the next agent adopts them.
  if (services) services->stop();  // the DNAT rules and the DNS address stay for the next agent
  (*pods)->stop();
  (*hb)->stop();
  return 0;
}

}  // namespace v6k::cli
