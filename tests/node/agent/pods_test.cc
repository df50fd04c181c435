// The pod loop with a real API server, the real v6k-cni and the real runtime, in
// namespaces this test creates: a bound nginx pod runs with an IPv6 address from the
// node's /80 and serves "Welcome to nginx!" to the node namespace; a killed container is
// restarted; an unknown image says ErrImagePull; a restarted agent adopts the running
// pod; deleting the pod stops it, frees its address and removes its namespace. Every
// container sees the pod's resolv.conf (by dnsPolicy) and the kubelet-managed /etc/hosts.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "netlink/netns.h"
#include "agent_node_fixture.h"
#include "node/agent/pods.h"
#include "support/eventually.h"
#include "support/kube_cluster.h"
#include "support/netns_http.h"
#include "support/netns_cleanup.h"
#include "support/proc.h"

namespace v6k::node {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::KubeCluster;

using testing::eventually;

json pod(const std::string& name, const std::string& image) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}}},
          {"spec",
           {{"nodeName", "node-1"},
            {"terminationGracePeriodSeconds", 2},
            {"containers", json::array({{{"name", "web"}, {"image", image}, {"ports", json::array({{{"containerPort", 80}}})}}})}}}};
}

class PodManagerTest : public AgentNodeTest {
 protected:
  PodManagerTest() : AgentNodeTest("v6kt-pm-", "2001:db8:0:1:a::/80") {}
  PodManagerOptions agent_options() override {
    auto o = AgentNodeTest::agent_options();
    o.cluster_dns = "fd12:3456:789a::a";
    return o;
  }
  // stdout of `argv` run inside the pod's (first) container.
  std::string exec_in(const std::string& pod_name, const std::vector<std::string>& argv) {
    json p = get(pod_name);
    if (!p.is_object() || !p["status"].is_object()) return "";
    auto cs = p["status"].value("containerStatuses", json::array());
    if (cs.empty() || !cs[0].contains("containerID")) return "";
    auto proc = rt_->exec_in_container(cs[0]["containerID"].get<std::string>().substr(6), {.argv = argv});
    if (!proc) return "exec: " + proc.error().message();
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = ::read(proc->stdout_fd(), buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
    (void)proc->wait(5s);
    return out;
  }

};

TEST_F(PodManagerTest, NginxRunsRestartsIsAdoptedAndIsDeleted) {
  ASSERT_TRUE(client_->create("/api/v1/namespaces/default/pods", pod("web", "public.ecr.aws/z9d2n7e1/nginx:1.19.5")));
  ASSERT_TRUE(eventually([&] {
    auto p = get("web");
    return p.is_object() && p["status"].value("phase", "") == "Running" && p["status"].contains("podIP");
  })) << get("web").dump();
  json p = get("web");
  const std::string ip = p["status"]["podIP"];
  EXPECT_EQ(ip.rfind("2001:db8:0:1:a:", 0), 0u) << ip;
  EXPECT_EQ(p["status"]["podIPs"], json::array({{{"ip", ip}}}));
  EXPECT_EQ(p["status"]["hostIP"], "2001:db8:0:1::17");
  EXPECT_EQ(p["status"]["containerStatuses"][0]["ready"], true);
  const std::string cid = p["status"]["containerStatuses"][0]["containerID"];
  EXPECT_EQ(cid.rfind("v6k://", 0), 0u);
  auto wide = k_.kubectl({"get", "pod", "web", "-o", "wide", "--no-headers"});
  EXPECT_EQ(wide.out.rfind("web   1/1   Running   0", 0), 0u) << wide.out;
  EXPECT_NE(wide.out.find(ip), std::string::npos) << wide.out;

  std::string page;
  EXPECT_TRUE(eventually([&] { return (page = testing::http_get_in(prefix_ + "node", ip)).find("Welcome to nginx!") != std::string::npos; }, 10s))
      << page;

  // Kill the container: it comes back (restartCount 1), still serving on the same address.
  auto st = rt_->status(cid.substr(6));
  ASSERT_TRUE(st) << st.error().message();
  ::kill(st->pid, SIGKILL);
  EXPECT_TRUE(eventually([&] {
    auto q = get("web");
    return q["status"]["containerStatuses"][0].value("restartCount", 0) == 1 &&
           q["status"]["containerStatuses"][0].value("ready", false);
  })) << get("web").dump();
  EXPECT_TRUE(eventually([&] { return testing::http_get_in(prefix_ + "node", ip).find("Welcome to nginx!") != std::string::npos; }, 10s));

  // A new agent adopts the pod: same address, same container, still serving.
  const std::string cid2 = get("web")["status"]["containerStatuses"][0]["containerID"];
  pm_->stop();
  pm_.reset();
  start_agent();
  EXPECT_EQ(pm_->stats().adopted, 1u);
  std::this_thread::sleep_for(500ms);
  json after = get("web");
  EXPECT_EQ(after["status"]["podIP"], ip);
  EXPECT_EQ(after["status"]["containerStatuses"][0]["containerID"], cid2);
  EXPECT_NE(testing::http_get_in(prefix_ + "node", ip).find("Welcome to nginx!"), std::string::npos);

  // Delete: graceful, confirmed by the agent, address and namespace gone.
  auto del = k_.kubectl({"delete", "pod", "web", "--timeout=20s"});
  EXPECT_EQ(del.out, "pod \"web\" deleted\n") << del.err;
  EXPECT_TRUE(get("web").is_null());
  EXPECT_TRUE(eventually([&] { return !netlink::NetNs::open_named(prefix_ + "pod-" + p["metadata"]["uid"].get<std::string>().substr(0, 18)); }));
  auto routes = testing::run_command({"/usr/sbin/ip", "-n", prefix_ + "node", "-6", "route", "show"}, {}, "").out;
  EXPECT_EQ(routes.find(ip + " "), std::string::npos) << routes;
}

TEST_F(PodManagerTest, UnknownImageIsErrImagePull) {
  ASSERT_TRUE(client_->create("/api/v1/namespaces/default/pods", pod("ghost", "example.com/nothing:1")));
  EXPECT_TRUE(eventually([&] {
    auto p = get("ghost");
    auto w = p["status"].value("containerStatuses", json::array());
    if (w.empty() || !w[0]["state"].contains("waiting")) return false;
    std::string reason = w[0]["state"]["waiting"].value("reason", "");
    return reason == "ErrImagePull" || reason == "ImagePullBackOff";
  })) << get("ghost").dump();
  auto line = k_.kubectl({"get", "pod", "ghost", "--no-headers"});
  EXPECT_TRUE(line.out.find("ErrImagePull") != std::string::npos || line.out.find("ImagePullBackOff") != std::string::npos)
      << line.out;
  json p = get("ghost");
  EXPECT_NE(p["status"]["containerStatuses"][0]["state"]["waiting"].value("message", "").find("not found"),
            std::string::npos);
}

TEST_F(PodManagerTest, ContainersSeeTheirResolvConfAndHosts) {
  const std::string pods = "/api/v1/namespaces/default/pods";
  ASSERT_TRUE(client_->create(pods, pod("dns", "public.ecr.aws/z9d2n7e1/nginx:1.19.5")));
  json custom = pod("custom", "public.ecr.aws/z9d2n7e1/nginx:1.19.5");
  custom["spec"]["dnsPolicy"] = "None";
  custom["spec"]["dnsConfig"] = {{"nameservers", json::array({"2001:db8::53"})},
                                 {"searches", json::array({"corp.example"})},
                                 {"options", json::array({{{"name", "ndots"}, {"value", "2"}}, {{"name", "edns0"}}})}};
  custom["spec"]["hostname"] = "web-0";
  custom["spec"]["subdomain"] = "web";
  custom["spec"]["hostAliases"] = json::array({{{"ip", "2001:db8::99"}, {"hostnames", json::array({"a.example", "b.example"})}}});
  ASSERT_TRUE(client_->create(pods, custom));
  for (const char* name : {"dns", "custom"})
    ASSERT_TRUE(eventually([&] {
      auto p = get(name);
      return p.is_object() && p["status"].is_object() && p["status"].value("phase", "") == "Running";
    })) << get(name).dump();

  EXPECT_EQ(exec_in("dns", {"cat", "/etc/resolv.conf"}),
            "nameserver fd12:3456:789a::a\nsearch default.svc.cluster.local svc.cluster.local cluster.local\n"
            "options ndots:5\n");
  const std::string ip = get("dns")["status"]["podIP"];
  const std::string managed =
      "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
      "fe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n";
  EXPECT_EQ(exec_in("dns", {"cat", "/etc/hosts"}), managed + ip + "\tdns\n");

  EXPECT_EQ(exec_in("custom", {"cat", "/etc/resolv.conf"}),
            "nameserver 2001:db8::53\nsearch corp.example\noptions ndots:2 edns0\n");
  const std::string ip2 = get("custom")["status"]["podIP"];
  EXPECT_EQ(exec_in("custom", {"cat", "/etc/hosts"}),
            managed + ip2 + "\tweb-0.web.default.svc.cluster.local\tweb-0\n\n# Entries added by HostAliases.\n"
                            "2001:db8::99\ta.example\tb.example\n");
  // Read-only in the container.
  EXPECT_EQ(exec_in("dns", {"sh", "-c", "echo x >> /etc/resolv.conf 2>/dev/null || echo refused"}), "refused\n");

  // Deleting the pod removes its files.
  const std::string uid = get("dns")["metadata"]["uid"];
  EXPECT_TRUE(std::filesystem::exists(pod_root_ + "/" + uid + "/resolv.conf"));
  auto del = k_.kubectl({"delete", "pod", "dns", "--timeout=20s"});
  EXPECT_EQ(del.out, "pod \"dns\" deleted\n") << del.err;
  EXPECT_FALSE(std::filesystem::exists(pod_root_ + "/" + uid));
}

}  // namespace
}  // namespace v6k::node
