// v6k-cni driven by a real CNI runtime library: Debian's libcni (Go), loading a conflist
// from disk and running ADD, CHECK and DEL exactly as container runtimes do.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "addr/ip.h"
#include "lab.h"

namespace v6k::testing {
namespace {

using nlohmann::json;

class Libcni : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = Lab::unavailable()) GTEST_SKIP() << *why;
    client_ = built("tests/cni/libcni-client/libcni-client");
    if (::access(client_.c_str(), X_OK) != 0) GTEST_SKIP() << "libcni-client is not built (needs golang-go)";
    lab_ = std::make_unique<Lab>(2);
    conflist_ = lab_->data_dir() + "-10-v6k.conflist";
    json plugin = lab_->config(1);
    plugin.erase("cniVersion");
    plugin.erase("name");
    json list = {{"cniVersion", "1.0.0"}, {"name", "v6k"}, {"plugins", json::array({plugin})}};
    std::ofstream(conflist_) << list.dump(2);
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove(conflist_, ec);
    std::filesystem::remove_all(cache_dir(), ec);
  }
  std::string cache_dir() const { return lab_ ? lab_->data_dir() + "-cache" : ""; }
  // A conflist that chains v6k-cni between Debian's loopback and tuning plugins.
  void write_chained_conflist() {
    json plugin = lab_->config(1);
    plugin.erase("cniVersion");
    plugin.erase("name");
    json list = {{"cniVersion", "1.0.0"},
                 {"name", "v6k"},
                 {"plugins", json::array({{{"type", "loopback"}},
                                          plugin,
                                          {{"type", "tuning"}, {"sysctl", {{"net.ipv6.conf.eth0.hop_limit", "42"}}}}})}};
    std::ofstream(conflist_) << list.dump(2);
  }
  ExecResult client(const std::string& verb, const std::string& cid, const std::string& pod) {
    std::string cni_dir = std::filesystem::path(built("cmd/v6k-cni")).parent_path().string() + ":/usr/lib/cni";
    return run_in_netns("/var/run/netns/" + lab_->node(1),
                        {client_, "-cni-path", cni_dir, "-cache-dir", cache_dir(), verb, conflist_, cid,
                         lab_->pod_path(pod), "eth0"},
                        {}, "");
  }
  std::string client_, conflist_;
  std::unique_ptr<Lab> lab_;
};

TEST_F(Libcni, AddCheckDelThroughTheRuntimeLibrary) {
  std::string pod = lab_->new_pod();
  std::string other = lab_->new_pod();
  ExecResult add = client("add", "libcni-1", pod);
  ASSERT_EQ(add.exit_code, 0) << add.out << add.err;
  json res = json::parse(add.out, nullptr, false);
  ASSERT_TRUE(res.is_object()) << add.out;
  EXPECT_EQ(res["cniVersion"], "1.0.0");
  std::string a = res["ips"][0]["address"];
  std::string ip = a.substr(0, a.find('/'));
  EXPECT_TRUE(addr::Ipv6Prefix::parse(lab_->pod_prefix(1))->contains(*addr::Ipv6Address::parse(ip)));

  ASSERT_EQ(client("add", "libcni-2", other).exit_code, 0);
  EXPECT_TRUE(tcp_probe(other, pod, ip, 8200).ok);

  ExecResult check = client("check", "libcni-1", pod);
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  ExecResult del = client("del", "libcni-1", pod);
  EXPECT_EQ(del.exit_code, 0) << del.out << del.err;
  EXPECT_FALSE(tcp_probe(other, pod, ip, 8201, 300).ok);
  ExecResult del2 = client("del", "libcni-1", pod);
  EXPECT_EQ(del2.exit_code, 0) << del2.out << del2.err;
  ExecResult check_after = client("check", "libcni-1", pod);
  EXPECT_NE(check_after.exit_code, 0);
}

TEST_F(Libcni, ChainsAfterAndBeforeOtherPlugins) {
  if (::access("/usr/lib/cni/tuning", X_OK) != 0 || ::access("/usr/lib/cni/loopback", X_OK) != 0)
    GTEST_SKIP() << "Debian's containernetworking-plugins are not installed";
  write_chained_conflist();
  std::string pod = lab_->new_pod();
  ExecResult add = client("add", "chain-1", pod);
  ASSERT_EQ(add.exit_code, 0) << add.out << add.err;
  json res = json::parse(add.out, nullptr, false);
  ASSERT_TRUE(res.is_object()) << add.out;
  // loopback's lo comes first; ours follow with their interface index shifted past it.
  ASSERT_GE(res["interfaces"].size(), 3u) << add.out;
  EXPECT_EQ(res["interfaces"][0]["name"], "lo");
  std::string ours;
  for (const auto& ip : res["ips"]) {
    std::string a = ip["address"];
    if (a.rfind("2001:db8:", 0) == 0) {
      ours = a.substr(0, a.find('/'));
      EXPECT_EQ(res["interfaces"][ip["interface"].get<size_t>()]["name"], "eth0") << add.out;
    }
  }
  ASSERT_FALSE(ours.empty()) << add.out;
  // tuning, after us, received our result as prevResult and configured our eth0.
  auto hop = run_in_netns(lab_->pod_path(pod), {"/usr/bin/cat", "/proc/sys/net/ipv6/conf/eth0/hop_limit"}, {}, "");
  EXPECT_EQ(hop.out, "42\n");
  EXPECT_EQ(client("check", "chain-1", pod).exit_code, 0);
  ExecResult del = client("del", "chain-1", pod);
  EXPECT_EQ(del.exit_code, 0) << del.out << del.err;
}

}  // namespace
}  // namespace v6k::testing
