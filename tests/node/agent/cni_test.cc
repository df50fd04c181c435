// The agent's CNI invoker with the real v6k-cni, in namespaces this test creates: ADD
// inside the node namespace gives the pod an address from the node's /80, DEL removes
// it (twice is fine), GC frees what the agent no longer knows, and plugin errors come back
// with the plugin's code and message.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <future>

#include "netlink/netns.h"
#include "node/agent/cni.h"
#include "support/proc.h"
#include "support/temp_dir.h"

namespace v6k::node {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class CniInvokerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces)";
    prefix_ = "v6kt-agent-" + std::to_string(::getpid()) + "-";
    for (const char* n : {"node", "pod1", "pod2"}) {
      auto ns = netlink::NetNs::create(prefix_ + n);
      ASSERT_TRUE(ns) << ns.error().message();
      made_.push_back(prefix_ + n);
    }
    net_ = std::make_unique<CniNetwork>(CniOptions{
        .plugin = testing::built("cmd/v6k-cni"),
        .node_netns = "/var/run/netns/" + prefix_ + "node",
        .conflist = node_conflist({.pod_prefix = "2001:db8:0:1:a::/80", .data_dir = dir_.path() + "/ipam",
                                   .cooldown_seconds = 0})});
  }
  void TearDown() override {
    for (const auto& n : made_) netlink::NetNs::remove(n);
  }
  Attachment pod(const std::string& n) {
    return {.container_id = "uid-" + n, .netns = "/var/run/netns/" + prefix_ + n, .pod_namespace = "default",
            .pod_name = n, .pod_uid = "uid-" + n};
  }
  std::string ip(const std::string& ns, const std::string& args) {
    auto r = testing::run_command({"/usr/sbin/ip", "-n", prefix_ + ns, "-6", "-o", "addr", "show", "dev", args}, {}, "");
    return r.out;
  }
  std::string node_routes() {
    return testing::run_command({"/usr/sbin/ip", "-n", prefix_ + "node", "-6", "route", "show"}, {}, "").out;
  }

  testing::TempDir dir_{"v6k-agent-cni"};
  std::string prefix_;
  std::vector<std::string> made_;
  std::unique_ptr<CniNetwork> net_;
};

TEST_F(CniInvokerTest, AddDelGcInTheNodeNamespace) {
  EXPECT_EQ(net_->conflist()["plugins"][0]["ipv6Prefixes"], json::array({"2001:db8:0:1:a::/80"}));
  auto a = net_->add(pod("pod1"));
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(a->ipv6.rfind("2001:db8:0:1:a:", 0), 0u) << a->ipv6;
  EXPECT_EQ(a->ipv4, "");
  EXPECT_NE(ip("pod1", "eth0").find(a->ipv6 + "/128"), std::string::npos) << ip("pod1", "eth0");
  EXPECT_NE(node_routes().find(a->ipv6 + " dev v6k"), std::string::npos) << node_routes();

  auto b = net_->add(pod("pod2"));
  ASSERT_TRUE(b) << b.error().message();
  EXPECT_NE(a->ipv6, b->ipv6);
  EXPECT_TRUE(net_->check(pod("pod2"), b->raw)) << "CHECK of a healthy attachment";

  // GC with only pod2 known: pod1's address and veth go.
  ASSERT_TRUE(net_->gc({{"uid-pod2", "eth0"}}));
  EXPECT_EQ(node_routes().find(a->ipv6 + " "), std::string::npos) << node_routes();
  EXPECT_NE(node_routes().find(b->ipv6 + " "), std::string::npos) << node_routes();

  ASSERT_TRUE(net_->del(pod("pod2")));
  EXPECT_TRUE(net_->del(pod("pod2"))) << "DEL must be idempotent";
  EXPECT_EQ(node_routes().find(b->ipv6 + " "), std::string::npos) << node_routes();
}

TEST_F(CniInvokerTest, PluginErrorsCarryCodeAndMessage) {
  Attachment bad = pod("pod1");
  bad.netns = "/var/run/netns/" + prefix_ + "does-not-exist";
  auto r = net_->add(bad);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("failed to setup network for sandbox \"uid-pod1\": plugin type=\"v6k-cni\" "
                                    "name=\"v6k\" failed (add): plugin error 3: "),
            std::string::npos)
      << r.error().message();
  CniNetwork missing({.plugin = "/nonexistent/v6k-cni", .node_netns = "", .conflist = net_->conflist()});
  auto m = missing.add(pod("pod1"));
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().message().find("cannot run /nonexistent/v6k-cni"), std::string::npos) << m.error().message();
}

// IPv4 pods: an ADD that finds every listed address taken asks ipamd (the refill) for more
// and retries once; when ipamd cannot, its reason is the error, in containerd's words.
TEST_F(CniInvokerTest, Ipv4PodsRefillTheAddressListWhenItRunsOut) {
  std::vector<std::string> assigned = {"10.0.1.17"};
  auto conflist = [&] {
    return node_conflist({.ipv4_pods = true, .pod_ipv4s = assigned, .vpc_ipv4_cidrs = {"10.0.0.0/16"},
                          .node_ipv4 = "10.0.1.5", .data_dir = dir_.path() + "/ipam4", .cooldown_seconds = 0});
  };
  std::vector<size_t> asked;
  bool subnet_full = false;
  CniNetwork v4({.plugin = testing::built("cmd/v6k-cni"),
                 .node_netns = "/var/run/netns/" + prefix_ + "node",
                 .conflist = conflist(),
                 .refill = [&](size_t listed) -> Result<json> {
                   asked.push_back(listed);
                   if (subnet_full)
                     return fail_invalid("failed to assign an IP address to container: InsufficientFreeAddressesInSubnet");
                   assigned.push_back("10.0.1.18");
                   return conflist();
                 }});
  auto a = v4.add(pod("pod1"));
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(a->ipv4, "10.0.1.17");
  EXPECT_EQ(a->pod_ip(), "10.0.1.17");
  EXPECT_TRUE(a->ipv6.empty());
  EXPECT_TRUE(asked.empty()) << "a free address needs no refill";
  auto b = v4.add(pod("pod2"));
  ASSERT_TRUE(b) << b.error().message();
  EXPECT_EQ(b->ipv4, "10.0.1.18");
  EXPECT_EQ(asked, std::vector<size_t>{1});
  EXPECT_EQ(v4.conflist()["plugins"][0]["ipv4Addresses"].size(), 2u);

  ASSERT_TRUE(v4.del(pod("pod2")));
  ASSERT_TRUE(netlink::NetNs::create(prefix_ + "pod3"));
  made_.push_back(prefix_ + "pod3");
  ASSERT_TRUE(v4.add(pod("pod3")));  // takes pod2's address back (cool-down 0)
  subnet_full = true;
  ASSERT_TRUE(netlink::NetNs::create(prefix_ + "pod4"));
  made_.push_back(prefix_ + "pod4");
  auto full = v4.add(pod("pod4"));
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().message(),
            "failed to setup network for sandbox \"uid-pod4\": plugin type=\"v6k-cni\" name=\"v6k\" failed (add): "
            "failed to assign an IP address to container: InsufficientFreeAddressesInSubnet");
}

// exclusive() (ipamd shrinking the list) waits for an ADD in flight, and the ADDs after it
// use the list it leaves.
TEST_F(CniInvokerTest, ExclusiveWaitsForTheAddInFlightAndAddsUseItsList) {
  std::vector<std::string> assigned = {"10.0.1.17"};
  auto conflist = [&] {
    return node_conflist({.ipv4_pods = true, .pod_ipv4s = assigned, .vpc_ipv4_cidrs = {"10.0.0.0/16"},
                          .node_ipv4 = "10.0.1.5", .data_dir = dir_.path() + "/ipam4", .cooldown_seconds = 0});
  };
  std::promise<void> refilling, go_on;
  std::shared_future<void> go = go_on.get_future().share();
  CniNetwork v4({.plugin = testing::built("cmd/v6k-cni"),
                 .node_netns = "/var/run/netns/" + prefix_ + "node",
                 .conflist = node_conflist({.ipv4_pods = true, .pod_ipv4s = {}, .data_dir = dir_.path() + "/ipam4",
                                            .cooldown_seconds = 0}),
                 .refill = [&](size_t) -> Result<json> {
                   refilling.set_value();
                   go.wait();  // a slow EC2 call
                   return conflist();
                 }});
  auto add = std::async(std::launch::async, [&] { return v4.add(pod("pod1")); });
  refilling.get_future().wait();
  std::atomic<bool> ran{false};
  std::vector<std::string> seen;
  auto shrink = std::async(std::launch::async, [&] {
    v4.exclusive([&](const json& config) -> std::optional<json> {
      ran = true;
      for (const auto& a : config["ipv4Addresses"]) seen.push_back(a);
      assigned = {"10.0.1.17", "10.0.1.30"};  // 10.0.1.17 is pod1's now; 10.0.1.30 is new
      return conflist();
    });
  });
  EXPECT_EQ(shrink.wait_for(200ms), std::future_status::timeout);
  EXPECT_FALSE(ran) << "ran while an ADD was in flight";
  go_on.set_value();
  auto a = add.get();
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_EQ(a->ipv4, "10.0.1.17");
  shrink.get();
  EXPECT_TRUE(ran);
  EXPECT_EQ(seen, std::vector<std::string>{"10.0.1.17"}) << "it sees the list the ADD left";
  auto b = v4.add(pod("pod2"));
  ASSERT_TRUE(b) << b.error().message();
  EXPECT_EQ(b->ipv4, "10.0.1.30");
}

TEST_F(CniInvokerTest, APluginThatIgnoresItsStdinFailsTheCallNotTheProcess) {
  // /bin/true exits at once; a config larger than a pipe's buffer makes the write hit
  // the closed pipe (SIGPIPE, whose default would kill this test process).
  json big = net_->conflist();
  big["plugins"][0]["padding"] = std::string(1 << 20, 'x');
  CniNetwork quitter({.plugin = "/bin/true", .node_netns = "/var/run/netns/" + prefix_ + "node", .conflist = big});
  auto r = quitter.add(pod("pod1"));
  ASSERT_FALSE(r);  // exit 0 but no result
  EXPECT_NE(r.error().message().find("not JSON"), std::string::npos) << r.error().message();
  CniNetwork failer({.plugin = "/bin/false", .node_netns = "/var/run/netns/" + prefix_ + "node", .conflist = big});
  auto f = failer.add(pod("pod1"));
  ASSERT_FALSE(f);
  EXPECT_NE(f.error().message().find("the plugin failed (status 256)"), std::string::npos) << f.error().message();
}

}  // namespace
}  // namespace v6k::node
