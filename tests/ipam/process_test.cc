// Many processes at once, and processes killed with SIGKILL at random instants.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <random>
#include <set>
#include <sstream>

#include "common/atomic_file.h"
#include "ipam/pool_state.h"
#include "ipam/record_log.h"
#include "ipam/store.h"
#include "ipam_test_util.h"

namespace v6k::ipam {
namespace {

using namespace testing;

void expect_distinct(const std::vector<Allocation>& live) {
  std::set<addr::Ipv6Address> v6;
  std::set<addr::Ipv4Address> v4;
  for (const auto& a : live) {
    EXPECT_TRUE(v6.insert(a.v6.value()).second) << "v6 twice: " << a.v6->to_string();
    if (a.v4) {
      EXPECT_TRUE(v4.insert(*a.v4).second) << "v4 twice: " << a.v4->to_string();
    }
  }
}

void expect_file_consistent(const std::string& log) {
  PoolState st;
  auto bytes = read_file(log);
  ASSERT_TRUE(bytes);
  ScanStats scan = scan_log(*bytes, [&](Record&& r) { st.apply(std::move(r)); });
  EXPECT_EQ(st.check(), "");
  EXPECT_EQ(scan.skipped_bytes, 0u);
  EXPECT_EQ(scan.bad_records, 0u);
}

TEST(Processes, SixteenConcurrentAllocatorsNeverCollide) {
  TempDir dir;
  auto cfg = config(dir.path());
  cfg.compact_slack_bytes = 4096;  // compactions happen while others wait on the lock
  std::vector<pid_t> kids;
  for (int k = 0; k < 16; ++k) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      for (int i = 0; i < 50; ++i) {
        auto s = Store::open(cfg);  // a fresh open per operation, like a CNI process
        if (!s) ::_exit(2);
        if (!s->allocate(req("k" + std::to_string(k) + "-" + std::to_string(i)))) ::_exit(3);
      }
      ::_exit(0);
    }
    kids.push_back(pid);
  }
  for (pid_t pid : kids) {
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  }
  auto s = Store::open(cfg);
  ASSERT_TRUE(s);
  auto live = s->list().value();
  EXPECT_EQ(live.size(), 800u);
  expect_distinct(live);
  auto p = cfg.v6_prefixes[0];
  for (const auto& a : live) EXPECT_LE(p.offset_of(a.v6.value()), 800u) << "dense from the base";
  expect_file_consistent(dir.log());
}

// The child reports each completed allocation on a pipe ("A <key> <v6>") and each release
// before starting it ("P <key>": after that the key may or may not be live).
[[noreturn]] void churn(const PoolConfig& cfg, int wfd, int round) {
  for (int i = 0;; ++i) {
    auto s = Store::open(cfg);
    if (!s) ::_exit(2);
    std::string key = "r" + std::to_string(round) + "-" + std::to_string(i);
    auto a = s->allocate(req(key));
    if (!a) ::_exit(3);
    std::string line = "A " + key + " " + a->v6->to_string() + "\n";
    if (::write(wfd, line.data(), line.size()) < 0) ::_exit(4);
    if (i % 2 == 1) {  // release the previous one
      std::string prev = "r" + std::to_string(round) + "-" + std::to_string(i - 1);
      line = "P " + prev + "\n";
      if (::write(wfd, line.data(), line.size()) < 0) ::_exit(4);
      if (!s->release({prev, "eth0"})) ::_exit(5);
    }
  }
}

TEST(Processes, KillNineAtRandomInstantsNeverDoubleAssigns) {
  TempDir dir;
  auto cfg = config(dir.path());
  cfg.cooldown = std::chrono::seconds(0);
  cfg.compact_slack_bytes = 512;  // compaction is often in flight when the kill lands
  std::mt19937 rng(12345);
  std::map<std::string, std::string> acknowledged;  // key -> v6 the child was given
  for (int round = 0; round < 50; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      churn(cfg, fds[1], round);
    }
    ::close(fds[1]);
    ::usleep(std::uniform_int_distribution<int>(0, 30000)(rng));
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child failed on its own: " << status;
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, size_t(n));
    ::close(fds[0]);
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) {
      std::istringstream l(line);
      std::string op, key, v6;
      l >> op >> key >> v6;
      if (op == "A") acknowledged[key] = v6;
      if (op == "P") acknowledged.erase(key);  // GC below reclaims it if still live
    }
    auto s = Store::open(cfg);
    ASSERT_TRUE(s) << s.error().message();
    auto live = s->list().value();
    expect_distinct(live);
    // Everything acknowledged is durable; a kill may leave extra (unacknowledged) ones.
    std::map<std::string, std::string> stored;
    for (const auto& a : live) stored[a.key.container_id] = a.v6->to_string();
    for (const auto& [key, v6] : acknowledged) {
      auto it = stored.find(key);
      ASSERT_NE(it, stored.end()) << "acknowledged allocation lost: " << key;
      EXPECT_EQ(it->second, v6);
    }
    // Like the runtime's CNI GC: only acknowledged attachments are valid.
    std::vector<AttachmentKey> valid;
    for (const auto& [key, v6] : acknowledged) valid.push_back({key, "eth0"});
    ASSERT_TRUE(s->gc(valid));
    EXPECT_EQ(s->list()->size(), acknowledged.size());
  }
  expect_file_consistent(dir.log());
}

}  // namespace
}  // namespace v6k::ipam
