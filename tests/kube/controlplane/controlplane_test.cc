// Issue 5 end to end: `v6k control-plane` (API server, controller manager, scheduler) as
// a real process, Node objects created through the API with heart-beating Leases, a fake
// kubelet that runs bound pods, and the real kubectl: the seed's manifest is scheduled
// by affinity and rolled out, the service gets a ClusterIP and EndpointSlices, the daemon
// is restarted mid-rollout and finishes it, deletions cascade, an unsatisfiable pod says
// why, and a silent node turns NotReady.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "addr/ip.h"
#include "kube/client/client.h"
#include "support/eventually.h"
#include "support/child_process.h"
#include "support/fake_kubelet.h"
#include "support/proc.h"
#include "support/temp_dir.h"

namespace v6k::kube {
namespace {

using namespace std::chrono_literals;
using testing::ExecResult;
using testing::FakeKubelet;

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

using testing::eventually;

std::string manifest() {
  const char* src = std::getenv("V6K_SOURCE_DIR");
  return std::string(src ? src : ".") + "/tests/kube/apiserver/testdata/sample-service.yml";
}

// `v6k control-plane --data-dir D --port 0` as a child process.
class ControlPlaneProcess {
 public:
  explicit ControlPlaneProcess(const std::string& dir)
      : proc_({testing::built("cmd/v6k"), "control-plane", "--data-dir", dir, "--port", "0", "--node-monitor-grace", "3"},
              dir + "/control-plane.log") {}
  bool start() {
    proc_.start();
    return proc_.wait_for_log("kubeconfig:", 20s);
  }
  void stop(int sig) { proc_.stop(sig); }
  uint16_t port() const {
    auto log = proc_.log();
    auto at = log.find("https://[::1]:");
    if (at == std::string::npos) return 0;
    return static_cast<uint16_t>(std::stoi(log.substr(at + 14)));
  }
  std::string log() const { return proc_.log(); }

 private:
  testing::ChildProcess proc_;
};

json node(const std::string& name, const std::string& arch) {
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata",
           {{"name", name},
            {"labels",
             {{"kubernetes.io/arch", arch},
              {"beta.kubernetes.io/arch", arch},
              {"kubernetes.io/os", "linux"},
              {"kubernetes.io/hostname", name}}}}},
          {"status",
           {{"capacity", {{"cpu", "2"}, {"memory", "4Gi"}, {"pods", "110"}}},
            {"allocatable", {{"cpu", "2"}, {"memory", "4Gi"}, {"pods", "110"}}},
            {"conditions", json::array({{{"type", "Ready"}, {"status", "True"}, {"reason", "KubeletReady"},
                                         {"message", "kubelet is posting ready status"}}})}}}};
}

class ControlPlaneTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(cp_.start()) << cp_.log();
    connect();
    for (auto [name, arch] : {std::pair{"node-a", "amd64"}, {"node-b", "arm64"}, {"node-c", "s390x"}}) {
      auto made = client_->create("/api/v1/nodes", node(name, arch));
      ASSERT_TRUE(made) << made.error().text();
      // A real kubelet writes status through the status subresource.
      auto st = client_->patch(std::string("/api/v1/nodes/") + name + "/status", PatchType::kMerge,
                               {{"status", node(name, arch)["status"]}});
      ASSERT_TRUE(st) << st.error().text();
    }
    heartbeat_ = std::thread([this] { beat(); });
    kubelet_ = std::make_unique<FakeKubelet>(client_, /*bound_only=*/true);
  }
  void TearDown() override {
    stop_ = true;
    if (heartbeat_.joinable()) heartbeat_.join();
    if (kubelet_) kubelet_->stop();
    cp_.stop(SIGTERM);
  }

  void connect() {
    ClientConfig c{.host = "::1", .port = cp_.port(), .ca_pem = slurp(dir_.path() + "/ca.crt")};
    c.token = slurp(dir_.path() + "/admin.token");
    while (!c.token.empty() && (c.token.back() == '\n' || c.token.back() == ' ')) c.token.pop_back();
    auto client = Client::create(c);
    ASSERT_TRUE(client) << client.error().message();
    std::atomic_store(&client_, *client);
  }

  // Renews every node's Lease each 500 ms, except nodes in `silent_`.
  void beat() {
    while (!stop_) {
      auto c = std::atomic_load(&client_);
      for (const char* n : {"node-a", "node-b", "node-c"}) {
        if (silent_.count(n)) continue;
        std::time_t t = std::time(nullptr);
        std::tm tm{};
        gmtime_r(&t, &tm);
        char ts[40];
        std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S.000000Z", &tm);
        json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                      {"kind", "Lease"},
                      {"metadata", {{"name", n}, {"namespace", "kube-node-lease"}}},
                      {"spec", {{"holderIdentity", n}, {"leaseDurationSeconds", 40}, {"renewTime", ts}}}};
        const std::string path = std::string("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/") + n;
        auto r = c->patch(path, PatchType::kMerge, {{"spec", lease["spec"]}});
        if (!r && r.error().not_found()) c->create("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", lease);
      }
      for (int i = 0; i < 25 && !stop_; ++i) std::this_thread::sleep_for(20ms);
    }
  }

  ExecResult kubectl(std::vector<std::string> args) {
    args.insert(args.begin(), {"/usr/bin/kubectl", "--kubeconfig", dir_.path() + "/admin.kubeconfig", "--cache-dir",
                               dir_.path() + "/kube-cache"});
    return testing::run_command(args, {{"HOME", dir_.path()}}, "");
  }
  json get(const std::string& path) {
    auto r = client_->get(path);
    return r ? *r : json();
  }
  json items(const std::string& path, const std::string& query = "") {
    auto r = client_->list(path, query);
    return r ? (*r)["items"] : json::array();
  }
  void rollout_status() {
    auto r = kubectl({"rollout", "status", "deployment/my-deployment", "-n", "aws-news-blog", "--timeout=40s"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err << cp_.log();
    EXPECT_NE(r.out.find("successfully rolled out"), std::string::npos) << r.out;
  }

  testing::TempDir dir_{"v6k-cp"};
  ControlPlaneProcess cp_{dir_.path()};
  std::shared_ptr<Client> client_;
  std::unique_ptr<FakeKubelet> kubelet_;
  std::thread heartbeat_;
  std::atomic<bool> stop_{false};
  std::set<std::string> silent_;
};

TEST_F(ControlPlaneTest, SeedManifestScheduledRolledOutRestartedAndDeleted) {
  ASSERT_EQ(kubectl({"create", "namespace", "aws-news-blog"}).out, "namespace/aws-news-blog created\n");
  auto applied = kubectl({"apply", "-f", manifest()});
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  EXPECT_EQ(applied.out, "service/my-service created\ndeployment.apps/my-deployment created\n");
  rollout_status();

  // Scheduled by the seed's affinity (amd64 or arm64), spread over both such nodes.
  auto pods = items("/api/v1/namespaces/aws-news-blog/pods");
  ASSERT_EQ(pods.size(), 3u);
  std::set<std::string> nodes;
  for (const auto& p : pods) nodes.insert(p["spec"].value("nodeName", ""));
  EXPECT_EQ(nodes, (std::set<std::string>{"node-a", "node-b"}));
  auto scheduled = kubectl({"get", "events", "-n", "aws-news-blog", "--field-selector", "reason=Scheduled", "-o", "name"});
  EXPECT_EQ(std::count(scheduled.out.begin(), scheduled.out.end(), '\n'), 3) << scheduled.out << scheduled.err;

  // The service: a ClusterIP from the cluster's IPv6 service range, and a slice of the
  // three ready pod IPs.
  auto svc = get("/api/v1/namespaces/aws-news-blog/services/my-service");
  const std::string cip = svc["spec"].value("clusterIP", "");
  std::string cidr = slurp(dir_.path() + "/service-cidr");  // fdXX:XXXX:XXXX::/108
  while (!cidr.empty() && cidr.back() == '\n') cidr.pop_back();
  auto range = addr::Ipv6Prefix::parse(cidr);
  auto ip = addr::Ipv6Address::parse(cip);
  ASSERT_TRUE(range && ip) << cidr << " " << cip;
  EXPECT_EQ(range->length(), 108);
  EXPECT_TRUE(range->contains(*ip)) << cip << " is not in " << cidr;
  EXPECT_EQ(cidr.substr(0, 2), "fd") << "a unique local range";
  auto shown = kubectl({"get", "service", "my-service", "-n", "aws-news-blog", "--no-headers"});
  EXPECT_NE(shown.out.find(cip), std::string::npos) << shown.out;
  EXPECT_EQ(svc["spec"]["ipFamilies"], json::array({"IPv6"})) << svc.dump();
  EXPECT_EQ(svc["spec"].value("ipFamilyPolicy", ""), "SingleStack");
  EXPECT_TRUE(eventually([&] {
    auto slices = items("/apis/discovery.k8s.io/v1/namespaces/aws-news-blog/endpointslices",
                        "labelSelector=kubernetes.io%2Fservice-name%3Dmy-service");
    if (slices.size() != 1) return false;
    const auto& eps = slices[0].value("endpoints", json::array());
    if (slices[0].value("addressType", "") != "IPv6" || eps.size() != 3) return false;
    for (const auto& e : eps)
      if (!e["conditions"].value("ready", false)) return false;
    return true;
  })) << items("/apis/discovery.k8s.io/v1/namespaces/aws-news-blog/endpointslices").dump();

  // Restart the daemon in the middle of a rollout: it finishes.
  kubelet_->set_ready(false);
  ASSERT_EQ(kubectl({"set", "image", "deployment/my-deployment", "nginx=nginx:1.25", "-n", "aws-news-blog"}).exit_code, 0);
  EXPECT_TRUE(eventually([&] { return items("/apis/apps/v1/namespaces/aws-news-blog/replicasets").size() == 2; }));
  cp_.stop(SIGTERM);
  ASSERT_TRUE(cp_.start()) << cp_.log();
  connect();
  kubelet_->stop();
  kubelet_ = std::make_unique<FakeKubelet>(client_, true);
  rollout_status();
  for (const auto& p : items("/api/v1/namespaces/aws-news-blog/pods"))
    EXPECT_EQ(p["spec"]["containers"][0].value("image", ""), "nginx:1.25");

  // Deleting the deployment removes its ReplicaSets and pods.
  EXPECT_EQ(kubectl({"delete", "deployment", "my-deployment", "-n", "aws-news-blog"}).out,
            "deployment.apps \"my-deployment\" deleted\n");
  EXPECT_TRUE(eventually([&] {
    return items("/apis/apps/v1/namespaces/aws-news-blog/replicasets").empty() &&
           items("/api/v1/namespaces/aws-news-blog/pods").empty();
  }));

  // Deleting the namespace removes what is left (the service, its slices), then itself.
  auto del = kubectl({"delete", "namespace", "aws-news-blog", "--timeout=30s"});
  EXPECT_EQ(del.exit_code, 0) << del.out << del.err;
  EXPECT_EQ(del.out, "namespace \"aws-news-blog\" deleted\n");
  auto gone = client_->get("/api/v1/namespaces/aws-news-blog");
  EXPECT_TRUE(!gone && gone.error().not_found());
}

TEST_F(ControlPlaneTest, UnsatisfiableNodeSelectorStaysPendingAndSaysWhy) {
  json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata", {{"name", "picky"}}},
              {"spec",
               {{"nodeSelector", {{"disktype", "ssd"}}},
                {"containers", json::array({{{"name", "c"}, {"image", "nginx"}}})}}}};
  ASSERT_TRUE(client_->create("/api/v1/namespaces/default/pods", pod));
  const std::string want =
      "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are "
      "available: 3 Preemption is not helpful for scheduling.";
  EXPECT_TRUE(eventually([&] {
    auto evs = items("/api/v1/namespaces/default/events", "fieldSelector=involvedObject.name%3Dpicky");
    for (const auto& e : evs)
      if (e.value("reason", "") == "FailedScheduling" && e.value("message", "") == want) return true;
    return false;
  }));
  auto got = get("/api/v1/namespaces/default/pods/picky");
  EXPECT_EQ(got["status"].value("phase", ""), "Pending");
  EXPECT_EQ(got["spec"].value("nodeName", ""), "");
  auto line = kubectl({"get", "pod", "picky", "--no-headers"});
  EXPECT_NE(line.out.find("Pending"), std::string::npos) << line.out;
}

TEST_F(ControlPlaneTest, SilentNodeTurnsNotReady) {
  silent_.insert("node-c");  // its Lease is no longer renewed
  EXPECT_TRUE(eventually([&] {
    auto r = kubectl({"get", "nodes", "--no-headers"});
    return r.out.find("node-c   NotReady") != std::string::npos &&
           r.out.find("node-a   Ready") != std::string::npos;
  }, 30s)) << kubectl({"get", "nodes"}).out;
  auto n = get("/api/v1/nodes/node-c");
  bool unreachable = false;
  for (const auto& t : n["spec"].value("taints", json::array()))
    if (t.value("key", "") == "node.kubernetes.io/unreachable") unreachable = true;
  EXPECT_TRUE(unreachable) << n.dump();
}

}  // namespace
}  // namespace v6k::kube
