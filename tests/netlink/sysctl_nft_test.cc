// sysctls and nftables act on the calling thread's namespace and never leak to the root one.
#include <thread>

#include "netlink/nft.h"
#include "netlink/sysctl.h"
#include "netns_fixture.h"

namespace v6k::netlink {
namespace {

using testing::NetnsTest;

constexpr const char* kKey = "net/ipv6/conf/default/hop_limit";

TEST_F(NetnsTest, SysctlWriteInsideNetnsDoesNotLeak) {
  auto ns = create_ns();
  ASSERT_TRUE(ns) << ns.error().message();
  auto root_before = read_sysctl(kKey);  // read-only look at the root namespace
  ASSERT_TRUE(root_before) << root_before.error().message();
  const std::string value = *root_before == "77" ? "78" : "77";
  {
    auto scope = NetNsScope::enter(*ns);
    ASSERT_TRUE(scope);
    V6K_ASSERT_OK(write_sysctl(kKey, value));
    auto inside = read_sysctl(kKey);
    ASSERT_TRUE(inside) << inside.error().message();
    EXPECT_EQ(*inside, value);
  }
  EXPECT_EQ(read_sysctl(kKey).value(), *root_before);
}

TEST_F(NetnsTest, SysctlFollowsTheThreadNotTheProcess) {
  // A second thread enters the namespace while this (main) thread stays in the root
  // namespace: each sees its own /proc/sys/net.
  auto ns = create_ns();
  ASSERT_TRUE(ns) << ns.error().message();
  const std::string root_value = read_sysctl(kKey).value();
  const std::string value = root_value == "99" ? "98" : "99";
  std::string seen_inside;
  std::thread t([&] {
    auto scope = NetNsScope::enter(*ns);
    ASSERT_TRUE(scope);
    V6K_EXPECT_OK(write_sysctl(kKey, value));
    seen_inside = read_sysctl(kKey).value_or("?");
    EXPECT_EQ(read_sysctl(kKey).value_or("?"), value);
  });
  t.join();
  EXPECT_EQ(seen_inside, value);
  EXPECT_EQ(read_sysctl(kKey).value(), root_value);
  auto scope = NetNsScope::enter(*ns);
  ASSERT_TRUE(scope);
  EXPECT_EQ(read_sysctl(kKey).value(), value) << "the value persisted in the namespace";
}

TEST_F(NetnsTest, SysctlErrors) {
  auto missing = read_sysctl("net/ipv6/conf/v6k-no-such-if/accept_dad");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ENOENT);
  EXPECT_NE(missing.error().message().find("v6k-no-such-if"), std::string::npos);
  EXPECT_EQ(read_sysctl("../etc/passwd").error().code(), EINVAL);
  EXPECT_EQ(write_sysctl("/net/x", "1").error().code(), EINVAL);
}

std::string root_ruleset() {
  auto nft = Nft::open();
  if (!nft) return "error: " + nft.error().message();
  return nft->list_ruleset().value_or("error");
}

TEST_F(NetnsTest, NftBatchIsAtomicAndScopedToItsNamespace) {
  auto ns = create_ns();
  ASSERT_TRUE(ns) << ns.error().message();
  std::optional<Nft> nft;
  {
    auto scope = NetNsScope::enter(*ns);
    ASSERT_TRUE(scope);
    auto opened = Nft::open();
    ASSERT_TRUE(opened) << opened.error().message();
    nft.emplace(std::move(*opened));
  }
  // Used from the root namespace, the context still acts on the namespace it opened in.
  V6K_ASSERT_OK(nft->run(
      "add table inet v6kt\n"
      "add chain inet v6kt post { type nat hook postrouting priority 100; }\n"
      "add rule inet v6kt post ip saddr 169.254.172.0/22 oifname \"eth0\" snat ip to 10.0.0.108\n"));
  auto listed = nft->list_ruleset();
  ASSERT_TRUE(listed) << listed.error().message();
  EXPECT_NE(listed->find("table inet v6kt"), std::string::npos) << *listed;
  EXPECT_NE(listed->find("snat ip to 10.0.0.108"), std::string::npos) << *listed;
  EXPECT_EQ(root_ruleset().find("v6kt"), std::string::npos) << "leaked into the root netns";

  const std::string before = nft->list_ruleset().value();
  // Syntax error on the last line: nothing applies, the message says where.
  auto bad = nft->run(
      "add table inet v6kt2\n"
      "add chain inet v6kt2 c\n"
      "add rule inet v6kt2 c tcp dport 80 acept\n");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().detail().find("line 3"), std::string::npos) << bad.error().message();
  EXPECT_EQ(nft->list_ruleset().value(), before);

  // Kernel-side rejection on the last line (deleting what does not exist): rolled back too.
  auto rejected = nft->run(
      "add table inet v6kt3\n"
      "delete table inet v6kt-does-not-exist\n");
  ASSERT_FALSE(rejected);
  EXPECT_FALSE(rejected.error().detail().empty());
  EXPECT_EQ(nft->list_ruleset().value(), before);
}

}  // namespace
}  // namespace v6k::netlink
