// The agent supervisor with real processes: started, restarted with back-off after a
// crash, stopped by SIGTERM (then SIGKILL when ignored), replaced when the command changes.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "eks/host/supervisor.h"
#include "support/eventually.h"
#include "support/temp_dir.h"

namespace v6k::eks::host {
namespace {

using namespace std::chrono_literals;

using testing::eventually;

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool alive(pid_t pid) { return pid > 0 && ::kill(pid, 0) == 0; }

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = 0; (at = text.find(what, at)) != std::string::npos; at += what.size()) ++n;
  return n;
}

TEST(Supervisor, RestartsACrashedChildAfterItsBackoff) {
  testing::TempDir dir;
  const std::string log = dir.path() + "/a.log";
  Supervisor sup({.first_backoff = 300ms, .max_backoff = 1s, .grace = 2s, .poll = 10ms});
  ASSERT_TRUE(sup.run("a", {"/bin/sh", "-c", "echo started; exec sleep 30"}, log));
  ASSERT_TRUE(eventually([&] { return sup.running("a"); }));
  pid_t first = sup.pid("a");
  ASSERT_TRUE(eventually([&] { return count(slurp(log), "started") == 1; }));
  ::kill(first, SIGKILL);
  auto killed = std::chrono::steady_clock::now();
  ASSERT_TRUE(eventually([&] { return sup.pid("a") != first && sup.running("a"); }));
  EXPECT_GE(std::chrono::steady_clock::now() - killed, 250ms) << "restarted before its back-off";
  EXPECT_EQ(sup.restarts("a"), 1);
  ASSERT_TRUE(eventually([&] { return count(slurp(log), "started") == 2; }));
  EXPECT_NE(slurp(log).find("supervisor: a was killed by signal 9; restarting in 300 ms"), std::string::npos)
      << slurp(log);
  pid_t second = sup.pid("a");
  sup.stop("a");
  EXPECT_FALSE(alive(second));
  EXPECT_FALSE(sup.running("a"));
  std::this_thread::sleep_for(400ms);  // no restart after stop
  EXPECT_EQ(count(slurp(log), "started"), 2u);
}

TEST(Supervisor, SigkillsAChildThatIgnoresSigterm) {
  testing::TempDir dir;
  Supervisor sup({.grace = 300ms, .poll = 10ms});
  ASSERT_TRUE(sup.run("stubborn", {"/bin/sh", "-c", "trap '' TERM; echo ready; while true; do sleep 1; done"},
                      dir.path() + "/s.log"));
  ASSERT_TRUE(eventually([&] { return slurp(dir.path() + "/s.log").find("ready") != std::string::npos; }));
  pid_t pid = sup.pid("stubborn");
  auto t0 = std::chrono::steady_clock::now();
  sup.stop("stubborn");
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 250ms);
  EXPECT_FALSE(alive(pid));
}

TEST(Supervisor, SameCommandIsANoOpAndANewOneReplacesIt) {
  testing::TempDir dir;
  Supervisor sup({.grace = 2s, .poll = 10ms});
  std::vector<std::string> argv = {"/bin/sleep", "30"};
  ASSERT_TRUE(sup.run("x", argv, dir.path() + "/x.log"));
  ASSERT_TRUE(eventually([&] { return sup.running("x"); }));
  pid_t first = sup.pid("x");
  ASSERT_TRUE(sup.run("x", argv, dir.path() + "/x.log"));
  EXPECT_EQ(sup.pid("x"), first);
  ASSERT_TRUE(sup.run("x", {"/bin/sleep", "31"}, dir.path() + "/x.log"));
  EXPECT_FALSE(alive(first));
  ASSERT_TRUE(eventually([&] { return sup.running("x"); }));
  EXPECT_NE(sup.pid("x"), first);
}

TEST(Supervisor, ChildrenInheritNothingButStdio) {
  // The daemon's listening socket must not outlive it in an agent.
  testing::TempDir dir;
  int leak[2];
  ASSERT_EQ(::pipe(leak), 0);  // no O_CLOEXEC: what a careless library leaves open
  Supervisor sup({.poll = 10ms});
  ASSERT_TRUE(sup.run("fds", {"/bin/sh", "-c", "ls /proc/self/fd | tr '\\n' ' '; exec sleep 30"},
                      dir.path() + "/fds.log"));
  ASSERT_TRUE(eventually([&] { return !slurp(dir.path() + "/fds.log").empty(); }));
  EXPECT_EQ(slurp(dir.path() + "/fds.log"), "0 1 2 3 ") << "3 is ls's own directory handle";
  ::close(leak[0]);
  ::close(leak[1]);
}

TEST(Supervisor, RefusesWhatCannotRunAndStopsEverythingOnDestruction) {
  testing::TempDir dir;
  pid_t a = 0, b = 0;
  {
    Supervisor sup({.poll = 10ms});
    auto bad = sup.run("bad", {"/nonexistent/v6k", "agent"}, dir.path() + "/bad.log");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message().find("cannot run /nonexistent/v6k"), std::string::npos);
    ASSERT_TRUE(sup.run("a", {"/bin/sleep", "30"}, dir.path() + "/a.log"));
    ASSERT_TRUE(sup.run("b", {"/bin/sleep", "30"}, dir.path() + "/b.log"));
    ASSERT_TRUE(eventually([&] { return sup.running("a") && sup.running("b"); }));
    a = sup.pid("a");
    b = sup.pid("b");
  }
  EXPECT_FALSE(alive(a));
  EXPECT_FALSE(alive(b));
}

}  // namespace
}  // namespace v6k::eks::host
