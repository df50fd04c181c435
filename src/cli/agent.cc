#include "cli/agent.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "aws/ec2_client.h"
#include "common/atomic_file.h"
#include "common/base64.h"
#include "node/agent/bootstrap.h"
#include "node/agent/cni.h"
#include "node/agent/heartbeat.h"
#include "node/agent/pods.h"

namespace v6k::cli {

namespace {

volatile sig_atomic_t g_agent_stop = 0;
void on_agent_stop(int) { g_agent_stop = 1; }

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The current context of a JSON kubeconfig (what `v6k control-plane` writes).
Result<kube::ClientConfig> read_kubeconfig(const std::string& path) {
  auto j = nlohmann::json::parse(slurp(path), nullptr, false);
  if (!j.is_object()) return fail_invalid(path + ": not a JSON kubeconfig");
  try {
    std::string ctx_name = j.value("current-context", "");
    nlohmann::json ctx, cluster, user;
    for (const auto& c : j["contexts"]) if (c["name"] == ctx_name) ctx = c["context"];
    for (const auto& c : j["clusters"]) if (c["name"] == ctx["cluster"]) cluster = c["cluster"];
    for (const auto& u : j["users"]) if (u["name"] == ctx["user"]) user = u["user"];
    std::string server = cluster.value("server", "");  // https://[::1]:6443
    auto colon = server.rfind(':');
    kube::ClientConfig cfg;
    cfg.host = "::1";
    cfg.port = static_cast<uint16_t>(std::stoi(server.substr(colon + 1)));
    auto ca = base64_decode(cluster.value("certificate-authority-data", ""));
    if (!ca) return fail_invalid(path + ": certificate-authority-data is not base64");
    cfg.ca_pem = *ca;
    cfg.token = user.value("token", "");
    cfg.user_agent = "v6k-agent";
    return cfg;
  } catch (const std::exception& e) {
    return fail_invalid(path + ": " + e.what());
  }
}

std::string recorded_ns_prefix(const DaemonOptions& d) {
  auto j = nlohmann::json::parse(slurp(d.state_dir + "/fabric.json"), nullptr, false);
  return j.is_object() ? j.value("ns_prefix", d.ns_prefix) : d.ns_prefix;
}

}  // namespace

int agent(const DaemonOptions& d, const AgentOptions& o) {
  auto die = [&](const std::string& m) {
    std::fprintf(stderr, "v6k agent %s: %s\n", o.instance_id.c_str(), m.c_str());
    return 1;
  };
  auto access = aws::load_region_access(d.state_dir);
  if (!access) return die(access.error().message());
  aws::Ec2Client ec2(aws::Ec2ClientOptions::from(*access));
  auto kc = read_kubeconfig(o.kubeconfig);
  if (!kc) return die(kc.error().message());
  auto client = kube::Client::create(*kc);
  if (!client) return die(client.error().message());

  auto id = node::bootstrap_node({.ec2 = &ec2, .instance_id = o.instance_id, .region = access->region,
                                  .kubelet_version = o.cluster_version, .nodegroup = o.nodegroup});
  if (!id) return die(id.error().message());
  const std::string dir = d.state_dir + "/agents/" + o.instance_id;
  std::error_code ec;
  std::filesystem::create_directories(dir + "/net.d", ec);
  const std::string prefix = recorded_ns_prefix(d);
  const std::string node_netns = "/var/run/netns/" + prefix + o.instance_id;
  nlohmann::json conflist = node::node_conflist(
      {.pod_prefix = id->pod_prefix, .node_ipv4 = id->internal_ipv4, .data_dir = dir + "/ipam"});
  if (auto w = write_file_atomic(dir + "/net.d/10-v6k.conflist", conflist.dump(2) + "\n"); !w)
    return die(w.error().message());
  std::string self = std::filesystem::canonical("/proc/self/exe", ec).string();
  node::CniNetwork cni({.plugin = std::filesystem::path(self).parent_path().string() + "/v6k-cni",
                        .node_netns = node_netns, .conflist = conflist});
  auto rt = node::runtime::Runtime::open({.root = dir + "/runtime"});
  if (!rt) return die(rt.error().message());
  std::printf("v6k agent %s: node %s, pods from %s, node namespace %s\n", o.instance_id.c_str(),
              id->node_name.c_str(), id->pod_prefix.c_str(), node_netns.c_str());
  std::fflush(stdout);
  auto hb = node::NodeHeartbeat::start({.client = *client, .id = *id});
  if (!hb) return die(hb.error().message());
  auto pods = node::PodManager::start({.client = *client, .node_name = id->node_name,
                                       .host_ip = id->ipv6_cluster ? id->internal_ipv6 : id->internal_ipv4,
                                       .netns_prefix = prefix, .cni = &cni, .runtime = &*rt,
                                       .log_root = dir + "/pods"});
  if (!pods) return die(pods.error().message());
  struct sigaction sa {};
  sa.sa_handler = on_agent_stop;
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);
  while (!g_agent_stop) ::pause();
  // Pods keep running (their shims outlive us); the next agent adopts them.
  (*pods)->stop();
  (*hb)->stop();
  return 0;
}

}  // namespace v6k::cli
