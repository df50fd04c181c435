// Services and cluster DNS of a node, end to end: a real control plane (API server with a
// service CIDR, the EndpointSlice controller), a node netns, the real v6k-cni, runtime and
// PodManager, and ServiceNetworking on that node. Two nginx pods behind a Service and a
// busybox client pod; everything is checked from INSIDE the client pod (runtime exec):
// curl to the ClusterIP, DNS by full name at the node's DNS address, the short name
// through the search path (glibc's resolver + curl), a headless Service's pod IPs, and a
// deleted pod leaving the DNAT map within 1 s. Plus cluster_dns_ip, table-tested.
#include <gtest/gtest.h>
#include <poll.h>
#include <unistd.h>

#include <thread>

#include "kube/controlplane/controlplane.h"
#include "netlink/netns.h"
#include "node/agent/pods.h"
#include "node/agent/services.h"
#include "pki/pki.h"
#include "store/store.h"
#include "support/eventually.h"
#include "support/netns_cleanup.h"
#include "support/proc.h"
#include "support/temp_dir.h"

namespace v6k::node {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

TEST(ClusterDnsIp, BasePlusTen) {
  struct Case {
    const char* cidr;
    const char* want;  // address, or the error text's tail
    bool ok;
  };
  const Case cases[] = {
      {"fd5a:1b2c:3d4e::/108", "fd5a:1b2c:3d4e::a", true},
      {"fd12:3456:789a::/108", "fd12:3456:789a::a", true},
      {"fd00:10::/112", "fd00:10::a", true},
      {"fd00::/124", "fd00::a", true},
      {"10.100.0.0/16", "10.100.0.10", true},  // EKS, VPC not in 10/8
      {"172.20.0.0/16", "172.20.0.10", true},  // EKS, VPC in 10/8
      {"10.96.0.0/12", "10.96.0.10", true},    // kubeadm
      {"192.168.0.0/28", "192.168.0.10", true},
      {"fd00::/125", "service CIDR \"fd00::/125\" is too small for a cluster DNS address (base + 10)", false},
      {"10.0.0.0/29", "service CIDR \"10.0.0.0/29\" is too small for a cluster DNS address (base + 10)", false},
      {"fd00::1/108", "service CIDR \"fd00::1/108\"", false},
      {"10.100.0.0", "service CIDR \"10.100.0.0\"", false},
      {"", "service CIDR \"\"", false},
  };
  for (const auto& c : cases) {
    auto r = cluster_dns_ip(c.cidr);
    if (c.ok) {
      ASSERT_TRUE(r) << c.cidr << ": " << r.error().message();
      EXPECT_EQ(addr::to_string(*r), c.want) << c.cidr;
    } else {
      ASSERT_FALSE(r) << c.cidr << " gave " << addr::to_string(*r);
      EXPECT_EQ(r.error().message().rfind(c.want, 0), 0u) << r.error().message();
    }
  }
}

using testing::eventually;

constexpr const char* kToken = "admin-token-for-services-test";
constexpr const char* kCidr = "fd5a:1b2c:3d4e::/108";
constexpr const char* kDns = "fd5a:1b2c:3d4e::a";

json pod(const std::string& name, const std::string& image, json labels, json command = nullptr) {
  json c = {{"name", "main"}, {"image", image}};
  if (!command.is_null()) c["command"] = command;
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"labels", labels}}},
          {"spec", {{"nodeName", "node-1"}, {"terminationGracePeriodSeconds", 1}, {"containers", json::array({c})}}}};
}

json service(const std::string& name, bool headless) {
  json spec = {{"selector", {{"app", "web"}}},
               {"ports", json::array({{{"name", "http"}, {"port", 80}, {"targetPort", 80}, {"protocol", "TCP"}}})}};
  if (headless) spec["clusterIP"] = "None";
  return {{"apiVersion", "v1"}, {"kind", "Service"}, {"metadata", {{"name", name}}}, {"spec", spec}};
}

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  return out;
}

class ServicesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (namespaces, nftables, containers)";
    prefix_ = "v6kt-svc-" + std::to_string(::getpid()) + "-";
    node_ns_ = "/var/run/netns/" + prefix_ + "node";
    start_control_plane();
    auto node = netlink::NetNs::create(prefix_ + "node");
    ASSERT_TRUE(node) << node.error().message();
    // A Node object, so the pod GC does not take node-1's pods for orphans.
    ASSERT_TRUE(client_->create("/api/v1/nodes", {{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", "node-1"}}}}));
    cni_ = std::make_unique<CniNetwork>(CniOptions{
        .plugin = testing::built("cmd/v6k-cni"),
        .node_netns = node_ns_,
        .conflist = node_conflist({.pod_prefix = "2001:db8:0:1:a::/80", .data_dir = dir_.path() + "/ipam",
                                   .cooldown_seconds = 0})});
    auto rt = runtime::Runtime::open({.root = dir_.path() + "/runtime", .cgroup_group = ""});
    ASSERT_TRUE(rt) << rt.error().message();
    rt_ = std::make_unique<runtime::Runtime>(std::move(*rt));
    auto pm = PodManager::start({.client = client_, .node_name = "node-1", .host_ip = "2001:db8:0:1::17",
                                 .netns_prefix = prefix_, .cni = cni_.get(), .runtime = rt_.get(),
                                 .log_root = dir_.path() + "/logs", .cluster_dns = kDns,
                                 .pod_root = dir_.path() + "/pod-files"});
    ASSERT_TRUE(pm) << pm.error().message();
    pm_ = std::move(*pm);
    auto sn = ServiceNetworking::start({.client = client_, .node_name = "node-1", .node_netns = node_ns_,
                                        .service_cidr = kCidr});
    ASSERT_TRUE(sn) << sn.error().message();
    sn_ = std::move(*sn);
  }

  void start_control_plane() {
    auto st = store::open_sqlite(":memory:");
    ASSERT_TRUE(st) << st.error().message();
    auto ca = pki::make_ca("v6k-services-test-ca", 2);
    ASSERT_TRUE(ca) << ca.error().message();
    auto serving = pki::issue(*ca, {.common_name = "kube-apiserver", .ips = {"::1"}, .days = 2});
    ASSERT_TRUE(serving) << serving.error().message();
    kube::ControlPlaneOptions o;
    o.api.store = std::move(*st);
    o.api.tls_cert_pem = serving->cert_pem;
    o.api.tls_key_pem = serving->key_pem;
    o.api.tokens.push_back({kToken, {"kubernetes-admin", {"system:masters", "system:authenticated"}}});
    o.api.service_cidr = kCidr;
    o.ca_pem = ca->cert_pem;
    o.scheduler = false;  // pods come bound to node-1
    o.controller_options.node_monitor_grace = std::chrono::seconds(3600);  // no heartbeats here
    auto cp = kube::ControlPlane::start(std::move(o));
    ASSERT_TRUE(cp) << cp.error().message();
    cp_ = std::move(*cp);
    auto c = kube::Client::create({.host = "::1", .port = cp_->api().port(), .ca_pem = ca->cert_pem, .token = kToken});
    ASSERT_TRUE(c) << c.error().message();
    client_ = *c;
  }

  void TearDown() override {
    if (sn_) sn_->stop();
    if (pm_) pm_->stop();
    if (rt_)
      if (auto sbs = rt_->list_sandboxes(); sbs)
        for (const auto& sb : *sbs) rt_->remove_sandbox(sb.id, 0ms);
    if (cp_) cp_->stop();
    testing::remove_namespaces_with_prefix(prefix_);
  }

  json get(const std::string& path) {
    auto r = client_->get(path);
    return r ? *r : json();
  }
  // Waits for the pod to run; returns its status.
  json running(const std::string& name) {
    json p;
    EXPECT_TRUE(eventually([&] {
      p = get("/api/v1/namespaces/default/pods/" + name);
      return p.is_object() && p["status"].value("phase", "") == "Running" && p["status"].contains("podIP");
    })) << p.dump();
    return p["status"];
  }
  // Runs argv inside the client pod's container; stdout (+ stderr after a marker on failure).
  std::string exec(const std::vector<std::string>& argv, int* code = nullptr) {
    auto p = rt_->exec_in_container(client_cid_, {.argv = argv});
    if (!p) return "exec: " + p.error().message();
    std::string err;
    std::thread e([&] { err = read_all(p->stderr_fd()); });
    std::string out = read_all(p->stdout_fd());
    e.join();
    auto rc = p->wait(20s);
    int c = rc ? *rc : -1;
    if (code) *code = c;
    return c == 0 ? out : out + "\n[exit " + std::to_string(c) + "] " + err;
  }
  // The backends of the ClusterIP DNAT map, as the kernel holds them.
  std::string backends() {
    return testing::run_command({"/usr/sbin/ip", "netns", "exec", prefix_ + "node", "/usr/sbin/nft", "list", "map",
                                 "inet", "v6k-proxy", "backends6_tcp"},
                                {}, "")
        .out;
  }

  testing::TempDir dir_{"v6k-agent-svc"};
  std::string prefix_, node_ns_, client_cid_;
  std::unique_ptr<kube::ControlPlane> cp_;
  std::shared_ptr<kube::Client> client_;
  std::unique_ptr<CniNetwork> cni_;
  std::unique_ptr<runtime::Runtime> rt_;
  std::unique_ptr<PodManager> pm_;
  std::unique_ptr<ServiceNetworking> sn_;
};

TEST_F(ServicesTest, ClusterIpDnsHeadlessAndEndpointRemoval) {
  EXPECT_EQ(addr::to_string(sn_->dns_ip()), kDns);
  EXPECT_EQ(sn_->dns_port(), 53);
  // The DNS address is on the node's lo, as a /128 without DAD.
  auto lo = testing::run_command({"/usr/sbin/ip", "-n", prefix_ + "node", "-6", "addr", "show", "dev", "lo"}, {}, "");
  EXPECT_NE(lo.out.find(std::string("inet6 ") + kDns + "/128 scope global nodad"), std::string::npos) << lo.out;

  const std::string ns = "/api/v1/namespaces/default/";
  for (const char* n : {"web-1", "web-2"})
    ASSERT_TRUE(client_->create(ns + "pods", pod(n, "public.ecr.aws/z9d2n7e1/nginx:1.19.5", {{"app", "web"}})));
  ASSERT_TRUE(client_->create(ns + "pods", pod("client", "busybox", {{"app", "client"}}, {"sleep", "3600"})));
  auto svc = client_->create(ns + "services", service("my-service", false));
  ASSERT_TRUE(svc) << svc.error().text();
  ASSERT_TRUE(client_->create(ns + "services", service("my-headless", true)));
  const std::string cluster_ip = (*svc)["spec"]["clusterIP"];
  EXPECT_EQ(cluster_ip.rfind("fd5a:1b2c:3d4e::", 0), 0u) << cluster_ip;

  const std::string ip1 = running("web-1").value("podIP", "");
  const std::string ip2 = running("web-2").value("podIP", "");
  json cst = running("client");
  ASSERT_FALSE(HasFatalFailure());
  client_cid_ = cst["containerStatuses"][0].value("containerID", "").substr(6);  // "v6k://<id>"
  ASSERT_FALSE(client_cid_.empty()) << cst.dump();

  // Both endpoints reach the DNAT map once the EndpointSlice controller has seen them ready.
  ASSERT_TRUE(eventually([&] {
    auto b = backends();
    return b.find(ip1) != std::string::npos && b.find(ip2) != std::string::npos;
  })) << backends();

  // Pod -> ClusterIP -> nginx.
  std::string page = exec({"curl", "-sS", "-g", "--max-time", "5", "http://[" + cluster_ip + "]:80/"});
  EXPECT_NE(page.find("Welcome to nginx!"), std::string::npos) << page;

  // DNS by full name, asking the node's DNS address explicitly.
  std::string ans = exec({"busybox", "nslookup", "-type=AAAA", "my-service.default.svc.cluster.local", kDns});
  EXPECT_NE(ans.find("Address: " + cluster_ip), std::string::npos) << ans;
  ans = exec({"busybox", "nslookup", "-type=AAAA", "no-such.default.svc.cluster.local", kDns});
  EXPECT_NE(ans.find("NXDOMAIN"), std::string::npos) << ans;

  // Headless: the ready pods' addresses (its own EndpointSlice, which may trail the other
  // service's by a few ms: the answer follows it).
  eventually([&] {
    ans = exec({"busybox", "nslookup", "-type=AAAA", "my-headless.default.svc.cluster.local", kDns});
    return ans.find("Address: " + ip1) != std::string::npos && ans.find("Address: " + ip2) != std::string::npos;
  }, 5s, 50ms);
  EXPECT_NE(ans.find("Address: " + ip1), std::string::npos) << ans;
  EXPECT_NE(ans.find("Address: " + ip2), std::string::npos) << ans;
  EXPECT_EQ(ans.find("Address: " + cluster_ip), std::string::npos) << ans;

  // The short name through the search path, by glibc's resolver and curl, with the
  // resolv.conf the pod got for dnsPolicy ClusterFirst (PodManagerOptions::cluster_dns).
  EXPECT_EQ(exec({"cat", "/etc/resolv.conf"}), dns::pod_resolv_conf(sn_->dns_ip(), "default"));
  int code = -1;
  page = exec({"sh", "-c",
               "curl -sS --max-time 5 http://my-service/ && curl -sS --max-time 5 http://my-service.default/ && "
               "curl -sS --max-time 5 http://my-service.default.svc.cluster.local/"},
              &code);
  EXPECT_EQ(code, 0) << page;
  size_t pages = 0;
  for (size_t at = 0; (at = page.find("<title>Welcome to nginx!</title>", at)) != std::string::npos; ++at) ++pages;
  EXPECT_EQ(pages, 3u) << page;

  // Deleting a pod takes it out of the DNAT map within 1 s.
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(client_->remove(ns + "pods/web-1"));
  ASSERT_TRUE(eventually([&] { return backends().find(ip1) == std::string::npos; }, 5s, 10ms)) << backends();
  auto took = std::chrono::steady_clock::now() - t0;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(took).count();
  EXPECT_LT(took, 1s) << ms << " ms";
  std::printf("pod deleted -> gone from the DNAT map: %lld ms\n", static_cast<long long>(ms));
  EXPECT_NE(backends().find(ip2), std::string::npos) << backends();
  for (int i = 0; i < 3; ++i) {
    page = exec({"curl", "-sS", "-g", "--max-time", "5", "http://[" + cluster_ip + "]:80/"});
    EXPECT_NE(page.find("Welcome to nginx!"), std::string::npos) << page;
  }
  auto stats = sn_->stats();
  EXPECT_EQ(stats.failures, 0u) << stats.last_error;
  EXPECT_EQ(stats.bad_objects, 0u);
  EXPECT_GE(stats.full_syncs, 1u);
}

// kube-dns at the DNS address is not proxied (the node answers there); pod records; an agent
// restart leaves the DNAT rules and the address in place and the next one serves DNS again.
TEST_F(ServicesTest, KubeDnsServicePodRecordsAndRestart) {
  const std::string ns = "/api/v1/namespaces/default/";
  ASSERT_TRUE(client_->create(ns + "pods", pod("web-1", "nginx", {{"app", "web"}})));
  ASSERT_TRUE(client_->create(ns + "pods", pod("client", "busybox", {{"app", "client"}}, {"sleep", "3600"})));
  auto svc = client_->create(ns + "services", service("my-service", false));
  ASSERT_TRUE(svc) << svc.error().text();
  const std::string cluster_ip = (*svc)["spec"]["clusterIP"];
  json kube_dns = {{"apiVersion", "v1"},
                   {"kind", "Service"},
                   {"metadata", {{"name", "kube-dns"}}},
                   {"spec",
                    {{"clusterIP", kDns},
                     {"selector", {{"k8s-app", "kube-dns"}}},
                     {"ports", json::array({{{"name", "dns"}, {"port", 53}, {"protocol", "UDP"}},
                                            {{"name", "dns-tcp"}, {"port", 53}, {"protocol", "TCP"}}})}}}};
  auto kd = client_->create(ns + "services", kube_dns);
  ASSERT_TRUE(kd) << kd.error().text();
  EXPECT_EQ((*kd)["spec"]["clusterIP"], kDns);
  const std::string ip1 = running("web-1").value("podIP", "");
  json cst = running("client");
  ASSERT_FALSE(HasFatalFailure());
  client_cid_ = cst["containerStatuses"][0].value("containerID", "").substr(6);
  ASSERT_TRUE(eventually([&] { return backends().find(ip1) != std::string::npos; })) << backends();

  auto cluster_ips = [&] {
    return testing::run_command({"/usr/sbin/ip", "netns", "exec", prefix_ + "node", "/usr/sbin/nft", "list", "set",
                                 "inet", "v6k-proxy", "cluster_ips6"},
                                {}, "")
        .out;
  };
  EXPECT_NE(cluster_ips().find(cluster_ip), std::string::npos) << cluster_ips();
  EXPECT_EQ(cluster_ips().find(std::string(kDns) + ","), std::string::npos) << cluster_ips();
  EXPECT_EQ(cluster_ips().find(std::string(kDns) + " "), std::string::npos) << cluster_ips();
  // DNS over UDP and TCP still answered by the node, not rejected by a DNAT without endpoints.
  std::string ans = exec({"busybox", "nslookup", "-type=AAAA", "my-service.default.svc.cluster.local", kDns});
  EXPECT_NE(ans.find("Address: " + cluster_ip), std::string::npos) << ans;
  // Over TCP (use-vc) through the pod's resolv.conf and its search path:
  ans = exec({"sh", "-c", "RES_OPTIONS=use-vc getent ahostsv6 kube-dns.default"});
  EXPECT_EQ(ans.rfind(std::string(kDns) + " ", 0), 0u) << ans;
  // A pod record: <ip with dashes>.<ns>.pod.cluster.local.
  std::string dashed = ip1;
  for (auto& ch : dashed)
    if (ch == ':') ch = '-';
  ans = exec({"busybox", "nslookup", "-type=AAAA", dashed + ".default.pod.cluster.local", kDns});
  EXPECT_NE(ans.find("Address: " + ip1), std::string::npos) << ans;

  // Agent restart: between agents the rules and the address stay, so the ClusterIP works.
  sn_->stop();
  sn_.reset();
  std::string page = exec({"curl", "-sS", "-g", "--max-time", "5", "http://[" + cluster_ip + "]:80/"});
  EXPECT_NE(page.find("Welcome to nginx!"), std::string::npos) << page;
  auto sn = ServiceNetworking::start({.client = client_, .node_name = "node-1", .node_netns = node_ns_,
                                      .service_cidr = kCidr});
  ASSERT_TRUE(sn) << sn.error().message();
  sn_ = std::move(*sn);
  ans = exec({"busybox", "nslookup", "-type=AAAA", "my-service.default.svc.cluster.local", kDns});
  EXPECT_NE(ans.find("Address: " + cluster_ip), std::string::npos) << ans;
  auto lo = testing::run_command({"/usr/sbin/ip", "-n", prefix_ + "node", "-6", "addr", "show", "dev", "lo"}, {}, "");
  size_t n = 0;
  for (size_t at = 0; (at = lo.out.find(kDns, at)) != std::string::npos; ++at) ++n;
  EXPECT_EQ(n, 1u) << lo.out;
  EXPECT_TRUE(eventually([&] { return sn_->stats().syncs >= 1; }, 2s));
  EXPECT_NE(backends().find(ip1), std::string::npos) << backends();
}

}  // namespace
}  // namespace v6k::node
