// Containers for real: namespaces, nginx over IPv6 and IPv4 between test namespaces, logs,
// stop with grace, exit codes, restarts, exec, cgroups and adoption by a new Runtime.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "lab.h"
#include "node/runtime/images.h"
#include "node/runtime/logs.h"

namespace v6k::node::runtime {
namespace {

using namespace std::chrono_literals;
using testing::exec;
using testing::http_get;
using testing::RuntimeLab;
using testing::slurp;

#define NEED_ROOT()                                                  \
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (namespaces)"; \
  RuntimeLab lab(::testing::UnitTest::GetInstance()->current_test_info()->name()); \
  ASSERT_TRUE(lab.ok()) << lab.error()

ContainerSpec shell(const std::string& name, const std::string& script) {
  return {.name = name, .image = "busybox:1.36", .command = {"sh", "-c", script}};
}

// The contents of the log's records, one per line ("stdout F hello").
std::vector<std::string> records(const std::string& path) {
  std::vector<std::string> out;
  std::istringstream in(slurp(path));
  std::string line;
  while (std::getline(in, line)) out.push_back(line.size() > 31 ? line.substr(31) : line);
  return out;
}

TEST(Runtime, NginxServesWelcomeOverIpv6AndIpv4FromAnotherNamespace) {
  NEED_ROOT();
  auto sb = lab.sandbox("nginx-0");
  for (const char* image : {"public.ecr.aws/z9d2n7e1/nginx:1.19.5", "nginx:1.25"}) {
    auto c = lab.rt().start_container(sb.id, {.name = "nginx", .image = image}, lab.log("nginx"));
    ASSERT_TRUE(c) << c.error().message();
    EXPECT_EQ(c->state, ContainerState::kRunning);
    for (const char* ip : {testing::kServerIp6, testing::kServerIp4}) {
      std::string resp = http_get(lab.client_ns(), ip, 80);
      EXPECT_EQ(resp.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << ip << ": " << resp;
      EXPECT_NE(resp.find("<title>Welcome to nginx!</title>"), std::string::npos) << ip << ": " << resp;
    }
    auto st = lab.rt().stop_container(c->id, 10s);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->state, ContainerState::kExited);
    EXPECT_EQ(st->exit_code, 0) << "nginx stops gracefully on SIGQUIT";
    ASSERT_TRUE(lab.rt().remove_container(c->id));
  }
  // nginx's access log went to stdout, in the CRI format, with the client's addresses.
  const std::string log = slurp(lab.log("nginx"));
  std::regex access(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z stdout F 2001:db8:ee::2 - - \[.*\] "GET / HTTP/1.0" 200 )");
  EXPECT_TRUE(std::regex_search(log, access)) << log;
  EXPECT_NE(log.find("stdout F 192.0.2.2 - - ["), std::string::npos) << log;
}

TEST(Runtime, HostnameAndPidNamespaceAndReadOnlyHostView) {
  NEED_ROOT();
  auto sb = lab.sandbox("web-0");
  auto c = lab.rt().start_container(sb.id, shell("app", "echo pid=$$; exec sleep 3600"), lab.log("app"));
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(exec(lab.rt(), c->id, {"hostname"}).out, "web-0\n");
  auto cat = exec(lab.rt(), c->id, {"cat", "/etc/hostname"});
  EXPECT_EQ(cat.out, "web-0\n");
  EXPECT_EQ(cat.code, 0);
  // PID namespace: the init is pid 1 and /proc shows only the container's processes.
  // (pid 1 is `sh` until it execs `sleep`: wait for that first.)
  for (int i = 0; i < 200 && exec(lab.rt(), c->id, {"cat", "/proc/1/comm"}).out != "sleep\n"; ++i)
    std::this_thread::sleep_for(10ms);
  // The glob expands inside sh itself: exactly sleep and sh exist then (a pipeline's
  // `ls | wc` raced: wc might not have started when ls read /proc).
  auto procs = exec(lab.rt(), c->id, {"sh", "-c", "cat /proc/1/comm; set -- /proc/[0-9]*; echo $#"});
  EXPECT_EQ(procs.out, "sleep\n2\n") << procs.err;  // sleep, sh
  int exec_pid = std::stoi(exec(lab.rt(), c->id, {"sh", "-c", "echo $$"}).out);
  EXPECT_GT(exec_pid, 1);
  EXPECT_LT(exec_pid, 20) << "numbered in the container's PID namespace";
  EXPECT_EQ(records(lab.log("app")), std::vector<std::string>{"stdout F pid=1"});
  // Network namespace: the pod's interfaces, not the host's.
  auto ip = exec(lab.rt(), c->id, {"cat", "/sys/class/net/eth0/address", "/proc/net/if_inet6"});
  EXPECT_NE(ip.out.find("20010db800ee00000000000000000001"), std::string::npos) << ip.out << ip.err;
  // The host filesystem is read-only; /tmp is the container's own.
  auto ro = exec(lab.rt(), c->id, {"sh", "-c", "touch /etc/v6k-probe"});
  EXPECT_NE(ro.code, 0);
  EXPECT_NE(ro.err.find("Read-only file system"), std::string::npos) << ro.err;
  EXPECT_EQ(exec(lab.rt(), c->id, {"sh", "-c", "echo hi > /tmp/x && cat /tmp/x"}).out, "hi\n");
  EXPECT_EQ(slurp(lab.root() + "/root/containers/" + c->id + "/scratch/x"), "hi\n");
  struct stat st {};
  EXPECT_NE(::stat("/tmp/x", &st) == 0 && slurp("/tmp/x") == "hi\n", true);
}

TEST(Runtime, MountsFromUnderTmpSurviveTheScratchOverTmp) {
  NEED_ROOT();
  // The pod's files (resolv.conf, hosts) live in the state dir, which may be under /tmp:
  // the container's own /tmp must not hide them before they are bound.
  ASSERT_EQ(lab.root().rfind("/tmp/", 0), 0u) << "the lab's root is expected under /tmp";
  const std::string file = lab.root() + "/resolv.conf";
  {
    std::ofstream(file) << "nameserver fd00::a\n";
  }
  auto sb = lab.sandbox("dns-0");
  ContainerSpec spec = shell("app", "exec sleep 3600");
  spec.mounts.push_back({.host_path = file, .container_path = "/etc/resolv.conf"});
  auto c = lab.rt().start_container(sb.id, spec, lab.log("app"));
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(exec(lab.rt(), c->id, {"cat", "/etc/resolv.conf"}).out, "nameserver fd00::a\n");
  auto ro = exec(lab.rt(), c->id, {"sh", "-c", "echo x >> /etc/resolv.conf"});
  EXPECT_NE(ro.code, 0) << "a read-only mount";
}

// The parent of a container's init: its shim.
std::string shim_exe_of(pid_t container_pid) {
  std::ifstream stat("/proc/" + std::to_string(container_pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  auto close = text.rfind(')');
  std::istringstream rest(text.substr(close + 2));
  std::string state;
  pid_t ppid = 0;
  rest >> state >> ppid;
  std::error_code ec;
  return std::filesystem::read_symlink("/proc/" + std::to_string(ppid) + "/exe", ec).string();
}

TEST(Runtime, TheShimIsASmallExecutableOfItsOwnWithAForkFallback) {
  NEED_ROOT();
  auto sb = lab.sandbox("shim-0");
  auto c = lab.rt().start_container(sb.id, shell("app", "exec sleep 3600"), lab.log("app"));
  ASSERT_TRUE(c) << c.error().message();
  auto st = lab.rt().status(c->id);
  ASSERT_TRUE(st) << st.error().message();
  std::string exe = shim_exe_of(st->pid);
  EXPECT_EQ(exe.substr(exe.rfind('/') + 1), "v6k-shim") << exe;

  // Without a v6k-shim executable the shim is a fork of this process, and still works.
  std::string build = std::getenv("V6K_BUILD_DIR") ? std::getenv("V6K_BUILD_DIR") : "";
  ::unsetenv("V6K_BUILD_DIR");
  auto forked = Runtime::open({.root = lab.root() + "/root-fork", .cgroup_group = ""});
  if (!build.empty()) ::setenv("V6K_BUILD_DIR", build.c_str(), 1);
  ASSERT_TRUE(forked) << forked.error().message();
  auto sb2 = forked->create_sandbox(sb.config);
  ASSERT_TRUE(sb2) << sb2.error().message();
  auto c2 = forked->start_container(sb2->id, shell("app", "echo forked; exec sleep 3600"), lab.log("forked"));
  ASSERT_TRUE(c2) << c2.error().message();
  auto st2 = forked->status(c2->id);
  ASSERT_TRUE(st2);
  std::error_code ec;
  EXPECT_EQ(shim_exe_of(st2->pid), std::filesystem::read_symlink("/proc/self/exe", ec).string());
  EXPECT_EQ(exec(*forked, c2->id, {"hostname"}).out, "shim-0\n");
  forked->remove_sandbox(sb2->id, 0ms);
}

TEST(Runtime, EnvArgsWorkingDirAndImageDefaults) {
  NEED_ROOT();
  auto sb = lab.sandbox("env-0");
  ContainerSpec spec{.name = "env",
                     .image = "busybox",
                     .command = {"sh", "-c"},
                     .args = {"echo \"$GREETING\"; pwd; echo \"$0 $1\"; echo \"$HOSTNAME\"", "first", "second"},
                     .env = {{"GREETING", "hello"}},
                     .working_dir = "/tmp/work/dir"};
  auto c = lab.rt().start_container(sb.id, spec, lab.log("env"));
  ASSERT_TRUE(c) << c.error().message();
  auto st = lab.rt().wait(c->id, 10s);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->exit_code, 0);
  EXPECT_EQ(records(lab.log("env")), (std::vector<std::string>{"stdout F hello", "stdout F /tmp/work/dir",
                                                                "stdout F first second", "stdout F env-0"}));
  // An existing host directory works too; a missing one outside /tmp is refused.
  auto usr = lab.rt().start_container(sb.id, {.name = "usr", .image = "busybox", .command = {"pwd"}, .working_dir = "/usr"},
                                      lab.log("usr"));
  ASSERT_TRUE(usr);
  lab.rt().wait(usr->id, 10s);
  EXPECT_EQ(records(lab.log("usr")), std::vector<std::string>{"stdout F /usr"});
  auto missing = lab.rt().start_container(sb.id, {.name = "m", .image = "busybox", .working_dir = "/nonexistent"},
                                          lab.log("m"));
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("working directory \"/nonexistent\" does not exist"), std::string::npos);
  // Image defaults: curl's entrypoint turns option-only args into a curl command line.
  auto curl = lab.rt().start_container(sb.id, {.name = "curl", .image = "curlimages/curl:8.5.0", .args = {"--version"}},
                                       lab.log("curl"));
  ASSERT_TRUE(curl) << curl.error().message();
  EXPECT_EQ(lab.rt().wait(curl->id, 10s)->exit_code, 0);
  EXPECT_EQ(slurp(lab.log("curl")).find("stdout F curl "), 31u) << slurp(lab.log("curl"));
  // A command that is not there fails to start with runc's wording.
  auto nope = lab.rt().start_container(sb.id, {.name = "n", .image = "busybox", .command = {"no-such-cmd"}}, lab.log("n"));
  ASSERT_FALSE(nope);
  EXPECT_NE(nope.error().message().find("exec: \"no-such-cmd\": executable file not found in $PATH"), std::string::npos)
      << nope.error().message();
}

TEST(Runtime, LogsInCriFormatReadBackWithTailAndTimestamps) {
  NEED_ROOT();
  auto sb = lab.sandbox("logs-0");
  std::string script = "echo out1; echo err1 >&2; echo out2; head -c 40000 /dev/zero | tr '\\0' x; echo";
  auto c = lab.rt().start_container(sb.id, shell("logs", script), lab.log("logs"));
  ASSERT_TRUE(c) << c.error().message();
  ASSERT_EQ(lab.rt().wait(c->id, 10s)->exit_code, 0);
  std::istringstream raw(slurp(lab.log("logs")));
  std::regex format(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (stdout|stderr) (F|P) .*$)");
  std::string line;
  int n = 0, partial = 0;
  while (std::getline(raw, line)) {
    ++n;
    EXPECT_TRUE(std::regex_match(line, format)) << line.substr(0, 80);
    partial += line.find(" stdout P ") == 30;
  }
  EXPECT_EQ(n, 3 + 3);       // out1, err1, out2 + the 40000-byte line as 16 KiB P, P, F
  EXPECT_EQ(partial, 2);
  std::string text;
  auto sink = [&](std::string_view s) {
    text += s;
    return true;
  };
  // stdout and stderr are separate pipes: their relative order is not kept (as in containerd).
  ASSERT_TRUE(read_logs(lab.log("logs"), {.tail_lines = 1}, sink));
  EXPECT_TRUE(text == std::string(40000, 'x') + "\n") << "tail 1: " << text.size() << " bytes";
  text.clear();
  ASSERT_TRUE(read_logs(lab.log("logs"), {.include_stderr = false}, sink));
  EXPECT_TRUE(text == "out1\nout2\n" + std::string(40000, 'x') + "\n") << text.substr(0, 40);
  text.clear();
  ASSERT_TRUE(read_logs(lab.log("logs"), {.tail_lines = 3, .timestamps = true, .include_stdout = false}, sink));
  EXPECT_TRUE(std::regex_match(text, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z err1\n)"))) << text;
}

TEST(Runtime, StopWithGraceTermHandledVersusIgnored) {
  NEED_ROOT();
  auto sb = lab.sandbox("stop-0");
  auto polite = lab.rt().start_container(
      sb.id, shell("polite", "trap 'echo bye; exit 0' TERM; echo ready; while :; do sleep 0.05; done"), lab.log("polite"));
  auto stubborn = lab.rt().start_container(sb.id, {.name = "stubborn", .image = "busybox", .command = {"sleep", "3600"}},
                                           lab.log("stubborn"));
  ASSERT_TRUE(polite && stubborn);
  for (int i = 0; i < 200 && slurp(lab.log("polite")).find("ready") == std::string::npos; ++i)
    std::this_thread::sleep_for(10ms);
  auto t0 = std::chrono::steady_clock::now();
  auto p = lab.rt().stop_container(polite->id, 5s);
  auto polite_took = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(p);
  EXPECT_EQ(p->state, ContainerState::kExited);
  EXPECT_EQ(p->exit_code, 0);
  EXPECT_EQ(p->signal, 0);
  EXPECT_EQ(p->reason, "Completed");
  EXPECT_LT(polite_took, 2s);
  EXPECT_EQ(records(lab.log("polite")), (std::vector<std::string>{"stdout F ready", "stdout F bye"}));

  t0 = std::chrono::steady_clock::now();
  auto s = lab.rt().stop_container(stubborn->id, 1s);
  auto stubborn_took = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(s);
  EXPECT_EQ(s->state, ContainerState::kExited);
  EXPECT_EQ(s->signal, SIGKILL);
  EXPECT_EQ(s->exit_code, 137);
  EXPECT_EQ(s->reason, "Error");
  EXPECT_GE(stubborn_took, 1s);
  EXPECT_LT(stubborn_took, 3s);
  EXPECT_GE(s->finished_ns - s->started_ns, 1'000'000'000);
}

TEST(Runtime, ExitCodesRestartAppendsLogAndErrImagePull) {
  NEED_ROOT();
  auto sb = lab.sandbox("exit-0");
  auto ok = lab.rt().start_container(sb.id, {.name = "t", .image = "busybox", .command = {"true"}}, lab.log("t"));
  ASSERT_TRUE(ok);
  auto st = lab.rt().wait(ok->id, 10s);
  EXPECT_EQ(st->exit_code, 0);
  EXPECT_EQ(st->reason, "Completed");
  EXPECT_GE(st->finished_ns, st->started_ns);

  std::vector<std::string> ids;
  std::vector<pid_t> pids;
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto c = lab.rt().start_container(sb.id, shell("crash", "echo run; exit 7"), lab.log("crash"));
    ASSERT_TRUE(c) << c.error().message();
    auto done = lab.rt().wait(c->id, 10s);
    ASSERT_TRUE(done);
    EXPECT_EQ(done->state, ContainerState::kExited);
    EXPECT_EQ(done->exit_code, 7);
    EXPECT_EQ(done->reason, "Error");
    ids.push_back(c->id);
    pids.push_back(c->pid);
  }
  EXPECT_NE(ids[0], ids[1]);
  EXPECT_NE(pids[0], pids[1]);
  EXPECT_EQ(records(lab.log("crash")), (std::vector<std::string>{"stdout F run", "stdout F run"}));

  auto pull = lab.rt().start_container(sb.id, {.name = "x", .image = "example.com/acme/widget:2"}, lab.log("x"));
  ASSERT_FALSE(pull);
  EXPECT_EQ(image_error_reason(pull.error()), "ErrImagePull");
  EXPECT_NE(pull.error().message().find("failed to pull and unpack image \"example.com/acme/widget:2\""), std::string::npos);
  EXPECT_NE(pull.error().message().find(": not found"), std::string::npos);
  EXPECT_EQ(lab.rt().list()->size(), 3u) << "a failed pull leaves no container behind";
}

TEST(Runtime, ExecOutputExitCodesStdinAndTty) {
  NEED_ROOT();
  auto sb = lab.sandbox("exec-0");
  auto c = lab.rt().start_container(sb.id, {.name = "p", .image = "registry.k8s.io/pause:3.9"}, lab.log("p"));
  ASSERT_TRUE(c) << c.error().message();
  auto r = exec(lab.rt(), c->id, {"sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  EXPECT_EQ(r.code, 3);
  auto missing = exec(lab.rt(), c->id, {"no-such-cmd"});
  EXPECT_EQ(missing.code, 127);
  EXPECT_EQ(missing.err, "exec: \"no-such-cmd\": executable file not found in $PATH\n");

  auto cat = lab.rt().exec_in_container(c->id, {.argv = {"cat"}, .stdin = true});
  ASSERT_TRUE(cat);
  ASSERT_EQ(::write(cat->stdin_fd(), "abc\n", 4), 4);
  cat->close_stdin();
  EXPECT_EQ(testing::read_all(cat->stdout_fd()), "abc\n");
  EXPECT_EQ(cat->wait().value(), 0);

  auto tty = lab.rt().exec_in_container(c->id, {.argv = {"sh", "-c", "tty; stty size; exit 5"}, .tty = true,
                                                 .rows = 33, .cols = 101});
  ASSERT_TRUE(tty);
  std::string out;
  char buf[512];
  ssize_t n;
  while ((n = ::read(tty->stdout_fd(), buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));  // EIO at hangup
  EXPECT_NE(out.find("/dev/pts/"), std::string::npos) << out;
  EXPECT_NE(out.find("33 101"), std::string::npos) << out;
  EXPECT_EQ(tty->wait().value(), 5);

  // Signals reach the command through the relay; 128 + signal like a shell.
  auto sleeper = lab.rt().exec_in_container(c->id, {.argv = {"sleep", "100"}});
  ASSERT_TRUE(sleeper);
  std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(sleeper->signal(SIGTERM));
  EXPECT_EQ(sleeper->wait(5s).value(), 128 + SIGTERM);
}

TEST(Runtime, CgroupLimitsApplied) {
  NEED_ROOT();
  auto sb = lab.sandbox("cg-0");
  ContainerSpec spec{.name = "cg", .image = "busybox", .command = {"sleep", "3600"},
                     .resources = {.cpu_limit_millis = 250, .memory_limit_bytes = 64 << 20, .pids_limit = 32}};
  auto c = lab.rt().start_container(sb.id, spec, lab.log("cg"));
  ASSERT_TRUE(c) << c.error().message();
  if (c->cgroups_applied.empty()) GTEST_SKIP() << "no writable cgroup v1 controllers";
  const std::string cg = slurp("/proc/" + std::to_string(c->pid) + "/cgroup");
  for (const auto& ctrl : c->cgroups_applied) EXPECT_NE(cg.find(c->id), std::string::npos) << ctrl << ": " << cg;
  auto dir = [&](const std::string& ctrl) {
    std::istringstream in(cg);
    std::string line;
    while (std::getline(in, line)) {
      auto a = line.find(':'), b = line.find(':', a + 1);
      if (("," + line.substr(a + 1, b - a - 1) + ",").find("," + ctrl + ",") != std::string::npos)
        return "/sys/fs/cgroup/" + ctrl + line.substr(b + 1);
    }
    return std::string();
  };
  for (const auto& ctrl : c->cgroups_applied) {
    if (ctrl == "memory") {
      EXPECT_EQ(slurp(dir("memory") + "/memory.limit_in_bytes"), "67108864\n");
    } else if (ctrl == "cpu") {
      EXPECT_EQ(slurp(dir("cpu") + "/cpu.cfs_quota_us"), "25000\n");
    } else if (ctrl == "pids") {
      EXPECT_EQ(slurp(dir("pids") + "/pids.max"), "32\n");
    }
  }
  // exec'd processes are accounted to the container too.
  auto self = exec(lab.rt(), c->id, {"cat", "/proc/self/cgroup"});
  EXPECT_NE(self.out.find(c->id), std::string::npos) << self.out;
  auto st = lab.rt().stop_container(c->id, 0ms);
  ASSERT_TRUE(lab.rt().remove_container(c->id));
  for (const auto& ctrl : c->cgroups_applied) EXPECT_NE(::access(dir(ctrl).c_str(), F_OK), 0) << "removed " << ctrl;
}

TEST(Runtime, NewRuntimeAdoptsRunningContainers) {
  NEED_ROOT();
  auto sb = lab.sandbox("adopt-0");
  auto c = lab.rt().start_container(sb.id, shell("a", "trap 'exit 0' TERM; while :; do sleep 0.05; done"), lab.log("a"));
  ASSERT_TRUE(c);
  auto nginx = lab.rt().start_container(sb.id, {.name = "web", .image = "nginx"}, lab.log("web"));
  ASSERT_TRUE(nginx);
  {
    auto rt2 = Runtime::open(lab.options());
    ASSERT_TRUE(rt2);
    auto sbs = rt2->list_sandboxes();
    ASSERT_EQ(sbs->size(), 1u);
    EXPECT_EQ(sbs->front().config.pod_name, "adopt-0");
    auto all = rt2->list();
    ASSERT_TRUE(all);
    ASSERT_EQ(all->size(), 2u);
    EXPECT_EQ(all->at(0).id, c->id);
    EXPECT_EQ(all->at(0).pid, c->pid);
    EXPECT_EQ(all->at(0).state, ContainerState::kRunning);
    EXPECT_EQ(exec(*rt2, c->id, {"hostname"}).out, "adopt-0\n");
    auto st = rt2->stop_container(c->id, 5s);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->exit_code, 0);
  }
  auto seen = lab.rt().status(c->id);
  EXPECT_EQ(seen->state, ContainerState::kExited);
  EXPECT_EQ(seen->exit_code, 0);
  // The nginx pod keeps serving across the "agent restart".
  EXPECT_NE(http_get(lab.client_ns(), testing::kServerIp6, 80).find("Welcome to nginx!"), std::string::npos);
  ASSERT_TRUE(lab.rt().remove_sandbox(sb.id, 5s));
  EXPECT_TRUE(lab.rt().list()->empty());
  EXPECT_TRUE(lab.rt().list_sandboxes()->empty());
}

}  // namespace
}  // namespace v6k::node::runtime
