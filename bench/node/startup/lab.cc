#include "lab.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <thread>

#include "common/volatile_dir.h"
#include "netlink/netns.h"
#include "pki/pki.h"
#include "store/store.h"
#include "support/netns_cleanup.h"

namespace v6k::bench_startup {

using nlohmann::json;
using namespace std::chrono_literals;

namespace {

// A Node as a kubelet registers it: Ready, with room for 110 pods; no heartbeats follow, so
// the lab gives the node lifecycle controller a grace period longer than any run.
json node_object(const std::string& name, const std::string& ip) {
  json alloc = {{"cpu", "2"}, {"memory", "8Gi"}, {"pods", "110"}, {"ephemeral-storage", "20Gi"}};
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata",
           {{"name", name},
            {"labels", {{"kubernetes.io/hostname", name}, {"kubernetes.io/os", "linux"},
                        {"kubernetes.io/arch", "amd64"}, {"beta.kubernetes.io/arch", "amd64"}}}}},
          {"spec", json::object()},
          {"status",
           {{"capacity", alloc},
            {"allocatable", alloc},
            {"addresses", json::array({{{"type", "InternalIP"}, {"address", ip}}})},
            {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}, {"reason", "KubeletReady"},
                                         {"message", "kubelet is posting ready status"}}})}}}};
}

}  // namespace

StartupLab::StartupLab() {
  prefix_ = "v6kb-ps-" + std::to_string(::getpid()) + "-";
  // As `v6k agent` lays a node out: per-boot state (runtime, logs, pod files) on tmpfs,
  // the pod address store on disk (dir_).
  pod_root_ = volatile_root() + "/" + prefix_ + "run";
}

StartupLab::~StartupLab() { cleanup(); }

Result<std::unique_ptr<StartupLab>> StartupLab::start(const LabOptions& o) {
  std::unique_ptr<StartupLab> lab(new StartupLab());
  if (lab->dir_.path().empty()) return fail_errno("making the lab's temp dir");
  // An earlier run killed with SIGKILL under the same (reused) pid may have left these.
  testing::remove_namespaces_with_prefix(lab->prefix_);
  V6K_TRY(lab->start_control_plane(o), "starting the control plane");
  V6K_TRY(lab->add_node(o, "node-a", "2001:db8:0:1:a::/80", "2001:db8:0:1::a"), "node-a");
  V6K_TRY(lab->add_node(o, "node-b", "2001:db8:0:2:b::/80", "2001:db8:0:2::b"), "node-b");
  return lab;
}

Result<> StartupLab::start_control_plane(const LabOptions& o) {
  auto ca = pki::make_ca("v6k-bench-pod-startup-ca", 2);
  if (!ca) return fail(std::move(ca.error()));
  auto serving = pki::issue(*ca, {.common_name = "kube-apiserver", .ips = {"::1"}, .days = 2});
  if (!serving) return fail(std::move(serving.error()));
  kube::ControlPlaneOptions cpo;
  cpo.api.tls_cert_pem = serving->cert_pem;
  cpo.api.tls_key_pem = serving->key_pem;
  cpo.api.tokens.push_back({kToken, {"kubernetes-admin", {"system:masters", "system:authenticated"}}});
  cpo.api.service_cidr = "fd5a:1b2c:3d4e::/108";
  cpo.ca_pem = ca->cert_pem;
  cpo.controller_options.node_monitor_grace = 3600s;  // no heartbeats in the lab
  cpo.loopback_clients = !o.https_components;
  if (o.pod_batch_ms >= 0) cpo.controller_options.pod_batch_period = std::chrono::milliseconds(o.pod_batch_ms);
  uint16_t port = 0;
  if (o.in_process_control_plane) {
    auto st = store::open_sqlite(o.memory_store ? ":memory:" : dir_.path() + "/cluster.db");
    if (!st) return fail(std::move(st.error()));
    cpo.api.store = std::move(*st);
    auto cp = kube::ControlPlane::start(std::move(cpo));
    if (!cp) return fail(std::move(cp.error()));
    cp_ = std::move(*cp);
    port = cp_->api().port();
  } else {
    auto p = fork_control_plane(std::move(cpo), o.memory_store);
    if (!p) return fail(std::move(p.error()));
    port = *p;
  }
  auto c = kube::Client::create({.host = "::1", .port = port, .ca_pem = ca->cert_pem, .token = kToken});
  if (!c) return fail(std::move(c.error()));
  client_ = *c;
  return {};
}

// Called before this process has any thread, so the child is a clean copy. The child
// opens the store, serves, writes its port to `ready`, and stops when `stop` reaches EOF
// (the lab closed it, or this process died; PR_SET_PDEATHSIG covers a kill -9).
Result<uint16_t> StartupLab::fork_control_plane(kube::ControlPlaneOptions cpo, bool memory_store) {
  int ready[2], stop[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) return fail_errno("pipe");
  if (::pipe2(stop, O_CLOEXEC) != 0) {
    ::close(ready[0]);
    ::close(ready[1]);
    return fail_errno("pipe");
  }
  const std::string db = memory_store ? ":memory:" : dir_.path() + "/cluster.db";
  pid_t pid = ::fork();
  if (pid < 0) return fail_errno("fork");
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::close(ready[0]);
    ::close(stop[1]);
    uint16_t port = 0;
    std::unique_ptr<kube::ControlPlane> cp;
    auto st = store::open_sqlite(db);
    if (st) {
      cpo.api.store = std::move(*st);
      if (auto r = kube::ControlPlane::start(std::move(cpo)); r) cp = std::move(*r);
      else std::fprintf(stderr, "control plane: %s\n", r.error().message().c_str());
    } else {
      std::fprintf(stderr, "control plane: %s\n", st.error().message().c_str());
    }
    if (cp) port = cp->api().port();
    (void)!::write(ready[1], &port, sizeof port);
    char c;
    for (ssize_t n; (n = ::read(stop[0], &c, 1)) != 0;)
      if (n < 0 && errno != EINTR) break;
    if (cp) cp->stop();
    ::_exit(0);  // no destructors: the temp dir belongs to the parent
  }
  ::close(ready[1]);
  ::close(stop[0]);
  cp_pid_ = pid;
  cp_stop_fd_ = stop[1];
  uint16_t port = 0;
  ssize_t n;
  while ((n = ::read(ready[0], &port, sizeof port)) < 0 && errno == EINTR) {
  }
  ::close(ready[0]);
  if (n != sizeof port || port == 0) return fail_invalid("the control plane process did not start (its stderr says why)");
  return port;
}

Result<> StartupLab::add_node(const LabOptions& o, const std::string& name, const std::string& pod_prefix,
                              const std::string& host_ip) {
  NodeRig n;
  n.name = name;
  n.netns_name = prefix_ + name;
  n.pod_prefix = pod_prefix;
  auto ns = netlink::NetNs::create(n.netns_name);
  if (!ns) return fail(std::move(ns.error()));
  json obj = node_object(name, host_ip);
  if (auto r = client_->create("/api/v1/nodes", obj); !r)
    return fail_invalid("creating Node " + name + ": " + r.error().text());
  if (auto r = client_->patch("/api/v1/nodes/" + name + "/status", kube::PatchType::kMerge, {{"status", obj["status"]}});
      !r)
    return fail_invalid("Node " + name + " status: " + r.error().text());
  const std::string root = dir_.path() + "/" + name;
  n.cni = std::make_unique<node::CniNetwork>(node::CniOptions{
      .plugin = o.cni_plugin,
      .node_netns = "/var/run/netns/" + n.netns_name,
      // No IPv4 egress: the kernel floor does the IPv6 datapath only, the same work.
      .conflist = node::node_conflist({.pod_prefix = pod_prefix, .data_dir = root + "/ipam", .cooldown_seconds = 0})});
  // The shim built beside the plugin (<build>/cmd), as `v6k agent` finds it beside itself.
  std::string shim = o.cni_plugin.substr(0, o.cni_plugin.rfind('/') + 1) + "v6k-shim";
  if (::access(shim.c_str(), X_OK) != 0) shim.clear();
  const std::string run = pod_root_ + "/" + name;
  auto rt = node::runtime::Runtime::open({.root = run + "/runtime", .cgroup_group = "", .shim_path = shim});
  if (!rt) return fail(std::move(rt.error()));
  n.rt = std::make_unique<node::runtime::Runtime>(std::move(*rt));
  auto pm = node::PodManager::start({.client = client_,
                                     .node_name = name,
                                     .host_ip = host_ip,
                                     .netns_prefix = prefix_ + name + "-",
                                     .cni = n.cni.get(),
                                     .runtime = n.rt.get(),
                                     .log_root = run + "/logs",
                                     .workers = o.workers,
                                     .monitor_period = o.monitor_period,
                                     .cluster_dns = "fd5a:1b2c:3d4e::a",
                                     .pod_root = run + "/pod-files"});
  if (!pm) return fail(std::move(pm.error()));
  n.pm = std::move(*pm);
  nodes_.push_back(std::move(n));
  return {};
}

size_t StartupLab::sandboxes() const {
  size_t n = 0;
  for (const auto& node : nodes_)
    if (auto sbs = node.rt->list_sandboxes(); sbs) n += sbs->size();
  return n;
}

std::pair<int, int> StartupLab::cleanup() {
  if (cleaned_) return {0, 0};
  cleaned_ = true;
  int sandboxes = 0;
  for (auto& n : nodes_)
    if (n.pm) n.pm->stop();
  for (auto& n : nodes_) {
    n.pm.reset();
    if (!n.rt) continue;
    if (auto sbs = n.rt->list_sandboxes(); sbs)
      for (const auto& sb : *sbs)
        if (n.rt->remove_sandbox(sb.id, 0ms)) ++sandboxes;
  }
  if (cp_) cp_->stop();
  if (cp_pid_ > 0) {  // our child: EOF on its stop pipe, then wait (SIGKILL after 15 s)
    ::close(cp_stop_fd_);
    int status = 0;
    for (int i = 0; i < 300 && ::waitpid(cp_pid_, &status, WNOHANG) == 0; ++i) std::this_thread::sleep_for(50ms);
    if (::waitpid(cp_pid_, &status, WNOHANG) == 0) {
      ::kill(cp_pid_, SIGKILL);
      ::waitpid(cp_pid_, &status, 0);
    }
    cp_pid_ = 0;
  }
  int namespaces = testing::remove_namespaces_with_prefix(prefix_);
  std::error_code ec;
  std::filesystem::remove_all(pod_root_, ec);
  return {sandboxes, namespaces};
}

}  // namespace v6k::bench_startup
