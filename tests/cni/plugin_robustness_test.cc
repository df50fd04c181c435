// v6k-cni under concurrency, kill -9 and bad input: no address twice, nothing leaked,
// and every malformed request gets the spec's error code and changes nothing.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "lab.h"
#include "netlink/netns.h"
#include "netlink/rtnl.h"

namespace v6k::testing {
namespace {

using nlohmann::json;

class PluginRobustness : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = Lab::unavailable()) GTEST_SKIP() << *why;
    lab_ = std::make_unique<Lab>(1);
  }
  size_t host_veths() {
    auto node = netlink::NetNs::open_named(lab_->node(1)).value();
    auto rt = netlink::Rtnl::open_in(node).value();
    size_t n = 0;
    auto links = rt.list_links().value();
    for (const auto& l : links)
      if (l.name.rfind("v6k", 0) == 0) ++n;
    return n;
  }
  std::unique_ptr<Lab> lab_;
};

TEST_F(PluginRobustness, SixteenConcurrentAddsNeverCollide) {
  constexpr int kPods = 16;
  std::vector<std::string> pods;
  for (int i = 0; i < kPods; ++i) pods.push_back(lab_->new_pod());
  std::vector<ExecResult> results(kPods);
  std::vector<std::thread> threads;
  for (int i = 0; i < kPods; ++i)
    threads.emplace_back([&, i] { results[i] = lab_->cni(1, "ADD", "cc" + std::to_string(i), pods[i], lab_->config(1)); });
  for (auto& t : threads) t.join();
  std::set<std::string> ips;
  for (const auto& r : results) {
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    ips.insert(json::parse(r.out)["ips"][0]["address"].get<std::string>());
  }
  EXPECT_EQ(ips.size(), static_cast<size_t>(kPods));
  EXPECT_EQ(host_veths(), static_cast<size_t>(kPods));
}

TEST_F(PluginRobustness, KillDuringAddThenGcLeavesNoDuplicateNoLeak) {
  // Kill ADDs at spread-out instants, then let the runtime GC with no valid attachments
  // except one healthy pod: everything else must be released and no address held twice.
  std::string healthy = lab_->new_pod();
  ExecResult ok = lab_->cni(1, "ADD", "healthy", healthy, lab_->config(1));
  ASSERT_EQ(ok.exit_code, 0) << ok.out;
  std::string healthy_ip = json::parse(ok.out)["ips"][0]["address"];
  for (int i = 0; i < 20; ++i) {
    std::string pod = lab_->new_pod();
    std::map<std::string, std::string> env = {{"CNI_COMMAND", "ADD"},
                                              {"CNI_CONTAINERID", "k" + std::to_string(i)},
                                              {"CNI_IFNAME", "eth0"},
                                              {"CNI_NETNS", lab_->pod_path(pod)},
                                              {"CNI_PATH", "/usr/lib/cni"}};
    pid_t pid = -1;
    run_in_netns("/var/run/netns/" + lab_->node(1), {built("cmd/v6k-cni")}, env, lab_->config(1).dump(), &pid,
                 /*wait_for_exit=*/false);
    std::this_thread::sleep_for(std::chrono::microseconds(100 * i));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
  }
  json conf = lab_->config(1);
  conf["cni.dev/valid-attachments"] = json::array({{{"containerID", "healthy"}, {"ifname", "eth0"}}});
  ExecResult gc = lab_->cni(1, "GC", "", "", conf);
  ASSERT_EQ(gc.exit_code, 0) << gc.out;
  EXPECT_EQ(host_veths(), 1u);
  // The next pods never get the healthy pod's address, and all are distinct.
  std::set<std::string> ips = {healthy_ip};
  for (int i = 0; i < 5; ++i) {
    std::string pod = lab_->new_pod();
    ExecResult r = lab_->cni(1, "ADD", "after" + std::to_string(i), pod, lab_->config(1));
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_TRUE(ips.insert(json::parse(r.out)["ips"][0]["address"].get<std::string>()).second);
  }
  json c = lab_->config(1);
  c["prevResult"] = json::parse(ok.out);
  EXPECT_EQ(lab_->cni(1, "CHECK", "healthy", healthy, c).exit_code, 0);
}

struct BadCase {
  const char* name;
  std::string command;
  std::string container_id;
  bool with_netns;
  std::string ifname;
  std::string stdin_text;  // "" = use the lab config with `patch` applied
  json patch;
  int code;
  const char* msg_contains;
};

TEST_F(PluginRobustness, MalformedRequestsGetSpecErrorsAndChangeNothing) {
  std::string pod = lab_->new_pod();
  const std::vector<BadCase> cases = {
      {"no command", "", "c", true, "eth0", "", json::object(), 4, "CNI_COMMAND"},
      {"unknown command", "FROB", "c", true, "eth0", "", json::object(), 4, "unknown CNI_COMMAND"},
      {"no container id", "ADD", "", true, "eth0", "", json::object(), 4, "CNI_CONTAINERID"},
      {"bad container id", "ADD", "-x", true, "eth0", "", json::object(), 4, "CNI_CONTAINERID"},
      {"no netns", "ADD", "c", false, "eth0", "", json::object(), 4, "CNI_NETNS"},
      {"no ifname", "ADD", "c", true, "", "", json::object(), 4, "CNI_IFNAME"},
      {"ifname too long", "ADD", "c", true, "eth0123456789abc", "", json::object(), 4, "CNI_IFNAME"},
      {"not json", "ADD", "c", true, "eth0", "{nope", json::object(), 6, "not valid JSON"},
      {"json array", "ADD", "c", true, "eth0", "[1,2]", json::object(), 6, "JSON object"},
      {"old version", "ADD", "c", true, "eth0", "", {{"cniVersion", "0.3.1"}}, 1, "incompatible CNI versions"},
      {"gc on 1.0.0", "GC", "", false, "", "", {{"cniVersion", "1.0.0"}, {"cni.dev/valid-attachments", json::array()}}, 1, "GC needs"},
      {"no name", "ADD", "c", true, "eth0", "", {{"name", nullptr}}, 7, "\"name\""},
      {"no prefixes", "ADD", "c", true, "eth0", "", {{"ipv6Prefixes", nullptr}}, 7, "ipv6Prefixes"},
      {"empty prefixes", "ADD", "c", true, "eth0", "", {{"ipv6Prefixes", json::array()}}, 7, "non-empty"},
      {"bad prefix", "ADD", "c", true, "eth0", "", {{"ipv6Prefixes", {"2001:db8::1/80"}}}, 7, "invalid IPv6 prefix"},
      {"prefix too long", "ADD", "c", true, "eth0", "", {{"ipv6Prefixes", {"2001:db8::/126"}}}, 7, "/124"},
      {"overlapping prefixes", "ADD", "c", true, "eth0", "", {{"ipv6Prefixes", {"2001:db8::/80", "2001:db8::/96"}}}, 7, "overlap"},
      {"mtu too small", "ADD", "c", true, "eth0", "", {{"mtu", 1000}}, 7, "mtu"},
      {"mtu not a number", "ADD", "c", true, "eth0", "", {{"mtu", "big"}}, 7, "mtu"},
      {"unknown field", "ADD", "c", true, "eth0", "", {{"bogus", 1}}, 2, "bogus"},
      {"egress without node ip", "ADD", "c", true, "eth0", "", {{"ipv4Egress", {{"nodeIPv4", nullptr}}}}, 7, "nodeIPv4"},
      {"bad egress range", "ADD", "c", true, "eth0", "", {{"ipv4Egress", {{"range", "169.254.172.0/33"}}}}, 7, "range"},
      {"relative data dir", "ADD", "c", true, "eth0", "", {{"dataDir", "rel/dir"}}, 7, "dataDir"},
      {"conflist piped", "ADD", "c", true, "eth0", R"({"cniVersion":"1.0.0","name":"x","plugins":[]})", json::object(), 7, "configuration list"},
      {"gc without attachments", "GC", "", false, "", "", json::object(), 7, "valid-attachments"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::map<std::string, std::string> env = {{"CNI_PATH", "/usr/lib/cni"}};
    if (!c.command.empty()) env["CNI_COMMAND"] = c.command;
    if (!c.container_id.empty()) env["CNI_CONTAINERID"] = c.container_id;
    if (!c.ifname.empty()) env["CNI_IFNAME"] = c.ifname;
    if (c.with_netns) env["CNI_NETNS"] = lab_->pod_path(pod);
    std::string in = c.stdin_text.empty() ? lab_->config(1, c.patch).dump() : c.stdin_text;
    ExecResult r = run_in_netns("/var/run/netns/" + lab_->node(1), {built("cmd/v6k-cni")}, env, in);
    EXPECT_EQ(r.exit_code, 1);
    json j = json::parse(r.out, nullptr, false);
    ASSERT_TRUE(j.is_object()) << r.out;
    EXPECT_EQ(j["code"], c.code) << r.out;
    EXPECT_NE(j["msg"].get<std::string>().find(c.msg_contains), std::string::npos) << r.out;
    EXPECT_TRUE(j.contains("cniVersion"));
  }
  // Nothing changed: no veth, no state written.
  EXPECT_EQ(host_veths(), 0u);
  EXPECT_FALSE(std::filesystem::exists(lab_->data_dir()));
}

TEST_F(PluginRobustness, AddIntoMissingNetnsIsUnknownContainerAndAllocatesNothing) {
  ExecResult r = lab_->cni(1, "ADD", "ghost", "no-such-netns-v6k", lab_->config(1));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(json::parse(r.out)["code"], 3);
  EXPECT_EQ(host_veths(), 0u);
  EXPECT_FALSE(std::filesystem::exists(lab_->data_dir()));
}

}  // namespace
}  // namespace v6k::testing
