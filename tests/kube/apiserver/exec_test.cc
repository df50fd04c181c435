// kubectl exec through our API server with the real kubectl 1.32: the WebSocket
// v5.channel.k8s.io upgrade, stdout/stderr/stdin, exit codes, large output, long
// sessions, and the upstream error lines. The node agent is a test double that really
// runs the command here (fork/exec + pipes).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "http/websocket.h"
#include "support/kube_cluster.h"

namespace v6k::testing {
namespace {

using nlohmann::json;
std::atomic<int> g_client_gone{0};  // "wait-for-close" sessions whose client went away
using namespace std::chrono_literals;

// Writes stdin from the channel's callbacks; closed at EOF or when the process ends.
struct StdinPipe {
  std::mutex mu;
  int fd = -1;
  void write_all(std::string_view b) {
    std::lock_guard lock(mu);
    while (fd >= 0 && !b.empty()) {
      ssize_t n = ::write(fd, b.data(), b.size());
      if (n <= 0) return;
      b.remove_prefix(static_cast<size_t>(n));
    }
  }
  void close() {
    std::lock_guard lock(mu);
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

// The node agent double. Built-ins: "report-resize" prints the first terminal size,
// "agent-fails" fails the session, "wait-for-close" counts clients that go away.
void run_here(kube::ExecRequest req, std::shared_ptr<kube::ExecChannel> ch) {
  if (req.attach) {  // the container's own output stream
    ch->write_stdout("attached to " + req.container + " of " + req.pod + "\n");
    return ch->finish(0);
  }
  if (req.command == std::vector<std::string>{"agent-fails"}) return ch->fail("no process for container c");
  if (req.command == std::vector<std::string>{"wait-for-close"}) {
    ch->write_stdout("ready\n");
    return ch->on_close([] { ++g_client_gone; });
  }
  if (req.command == std::vector<std::string>{"report-resize"}) {
    ch->on_resize([ch](uint16_t w, uint16_t h) {
      ch->write_stdout(std::to_string(w) + "x" + std::to_string(h) + "\n");
      ch->finish(0);
    });
    return;
  }
  std::thread([req, ch] {
    int in[2], out[2], err[2];
    if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) return ch->fail("pipe failed");
    std::vector<char*> argv;
    for (const auto& a : req.command) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_t pid = fork();
    if (pid == 0) {
      dup2(in[0], 0), dup2(out[1], 1), dup2(err[1], 2);
      execvp(argv[0], argv.data());
      _exit(127);
    }
    ::close(in[0]), ::close(out[1]), ::close(err[1]);
    auto sin = std::make_shared<StdinPipe>();
    sin->fd = in[1];
    if (req.stdin) {
      ch->on_stdin([sin](std::string_view b, bool eof) { eof ? sin->close() : sin->write_all(b); });
    } else {
      sin->close();
    }
    ch->on_close([pid] { kill(pid, SIGKILL); });
    pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    int open_fds = 2;
    char buf[65536];
    while (open_fds > 0 && poll(fds, 2, -1) > 0) {
      for (int i = 0; i < 2; ++i) {
        if (fds[i].fd < 0 || !fds[i].revents) continue;
        ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
        if (n <= 0) {
          ::close(fds[i].fd);
          fds[i].fd = -1;
          --open_fds;
          continue;
        }
        std::string_view b(buf, static_cast<size_t>(n));
        i == 0 ? ch->write_stdout(b) : ch->write_stderr(b);
      }
    }
    int status = 0;
    waitpid(pid, &status, 0);
    sin->close();
    ch->finish(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  }).detach();
}

json pod(const std::string& name, std::vector<std::string> containers, const std::string& node = "node-1") {
  json cs = json::array();
  for (const auto& c : containers) cs.push_back({{"name", c}, {"image", "busybox"}});
  json p = {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", {{"name", name}, {"namespace", "default"}}},
            {"spec", {{"containers", cs}}}};
  if (!node.empty()) p["spec"]["nodeName"] = node;
  return p;
}

kube::ApiServerOptions with_agent() {
  kube::ApiServerOptions o;
  o.pod_streams.exec = run_here;
  return o;
}

class ExecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(k.ok()) << k.error();
    for (const auto& p : {pod("p", {"c"}), pod("two", {"a", "b"}), pod("nohost", {"c"}, "")}) {
      int status = 0;
      k.request_json("POST", "/api/v1/namespaces/default/pods", p, &status);
      ASSERT_EQ(status, 201);
    }
  }
  // The exec URL as kubectl 1.32 builds it (sorted keys, one command= per argv element).
  Result<std::unique_ptr<http::WebSocketClient>> open(const std::string& query, http::Response* answer = nullptr) {
    return http::WebSocketClient::connect({.host = "::1",
                                           .port = k.port(),
                                           .target = "/api/v1/namespaces/default/pods/" + query,
                                           .headers = {{"authorization", std::string("Bearer ") + KubeCluster::kAdminToken}},
                                           .subprotocols = {"v5.channel.k8s.io"},
                                           .tls = http::ClientTls{.ca_pem = k.ca_pem()}},
                                          answer);
  }
  KubeCluster k{nullptr, with_agent()};
};

TEST_F(ExecTest, EchoPrintsAndExitsZero) {
  auto r = k.kubectl({"exec", "p", "--", "echo", "hi"});
  EXPECT_EQ(r.out, "hi\n");
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.exit_code, 0);
}

TEST_F(ExecTest, AttachReachesTheAgent) {
  // kubectl attach waits for a Running pod; write the status as a kubelet would.
  int status = 0;
  k.request_json("PATCH", "/api/v1/namespaces/default/pods/p/status",
                 json{{"status", {{"phase", "Running"}, {"containerStatuses", json::array({{{"name", "c"}, {"ready", true},
                      {"restartCount", 0}, {"image", "busybox"}, {"imageID", ""}, {"state", {{"running", json::object()}}}}})}}}},
                 &status, "application/merge-patch+json");
  ASSERT_EQ(status, 200);
  auto r = k.kubectl({"attach", "p", "-c", "c"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "attached to c of p\n") << r.err;
}

TEST_F(ExecTest, ExitCodeIsKubectls) {
  auto r = k.kubectl({"exec", "p", "--", "sh", "-c", "exit 7"});
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_EQ(r.err, "command terminated with exit code 7\n");
}

TEST_F(ExecTest, StdinAndStderr) {
  auto r = k.kubectl({"exec", "-i", "p", "--", "cat"}, "abc");
  EXPECT_EQ(r.out, "abc");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = k.kubectl({"exec", "p", "--", "sh", "-c", "echo out; echo err >&2"});
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  EXPECT_EQ(r.exit_code, 0);
}

TEST_F(ExecTest, MegabytesArriveIntact) {
  auto r = k.kubectl({"exec", "p", "--", "sh", "-c", "seq 1 300000"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string want;
  for (int i = 1; i <= 300000; ++i) want += std::to_string(i) + "\n";
  EXPECT_GT(want.size(), 1u << 20);
  EXPECT_EQ(r.out.size(), want.size());
  EXPECT_TRUE(r.out == want);
}

TEST_F(ExecTest, LongSessionSurvivesPings) {
  auto start = std::chrono::steady_clock::now();
  auto r = k.kubectl({"exec", "p", "--", "sh", "-c", "sleep 7; echo done"});
  EXPECT_EQ(r.out, "done\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GE(std::chrono::steady_clock::now() - start, 7s);
}

TEST_F(ExecTest, UpstreamErrorLines) {
  auto r = k.kubectl({"exec", "x", "--", "true"});
  EXPECT_EQ(r.err, "Error from server (NotFound): pods \"x\" not found\n");
  EXPECT_EQ(r.exit_code, 1);
  r = k.kubectl({"exec", "nohost", "--", "true"});
  EXPECT_EQ(r.err, "Error from server (BadRequest): pod nohost does not have a host assigned\n");
  EXPECT_EQ(r.exit_code, 1);
  r = k.kubectl({"exec", "p", "-c", "nope", "--", "true"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "Error from server (BadRequest): container nope is not valid for pod p\n");
  // kubectl defaults to the first container itself (and says so) ...
  r = k.kubectl({"exec", "two", "--", "echo", "ok"});
  EXPECT_EQ(r.out, "ok\n");
  EXPECT_EQ(r.err, "Defaulted container \"a\" out of: a, b\n");
  // ... so the server's own error shows with a client that sends no container.
  http::Response answer;
  auto c = open("two/exec?command=true&stdout=true", &answer);
  ASSERT_FALSE(c);
  EXPECT_EQ(answer.status, 400);
  EXPECT_EQ(json::parse(answer.body)["message"], "a container name must be specified for pod two, choose one of: [a b]");
  c = open("p/exec?command=true&container=zz&stdout=true", &answer);
  ASSERT_FALSE(c);
  EXPECT_EQ(json::parse(answer.body)["message"], "container zz is not valid for pod p");
}

TEST_F(ExecTest, StatusFramesOnTheWire) {
  auto c = open("p/exec?command=sh&command=-c&command=echo%20hi%3B%20exit%203&container=c&stderr=true&stdout=true");
  ASSERT_TRUE(c) << c.error().message();
  auto ev = (*c)->receive(5s);
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->data, "\x01hi\n");
  ev = (*c)->receive(5s);
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->data,
            "\x03{\"metadata\":{},\"status\":\"Failure\",\"message\":\"command terminated with non-zero exit code: exit "
            "status 3\",\"reason\":\"NonZeroExitCode\",\"details\":{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"3\"}]}}");
  ev = (*c)->receive(5s);
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->kind, http::WebSocketEvent::Kind::kClose);
  EXPECT_EQ(ev->code, 1000);
}

TEST_F(ExecTest, ResizeFrameReachesTheAgent) {
  auto c = open("p/exec?command=report-resize&container=c&stdin=true&stdout=true&tty=true");
  ASSERT_TRUE(c) << c.error().message();
  ASSERT_TRUE((*c)->socket().send("\x04{\"Width\":100,\"Height\":30}\n"));
  auto ev = (*c)->receive(5s);
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->data, "\x01" "100x30\n");
  ev = (*c)->receive(5s);
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->data, "\x03{\"metadata\":{},\"status\":\"Success\"}");
  ev = (*c)->receive(5s);
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->kind, http::WebSocketEvent::Kind::kClose);
  EXPECT_EQ(ev->code, 1000);
}

TEST_F(ExecTest, AgentFailureAndClientGone) {
  auto r = k.kubectl({"exec", "p", "--", "agent-fails"});
  EXPECT_EQ(r.err, "error: Internal error occurred: error executing command in container: no process for container c\n");
  EXPECT_EQ(r.exit_code, 1);
  int before = g_client_gone;
  {
    auto c = open("p/exec?command=wait-for-close&container=c&stdout=true");
    ASSERT_TRUE(c) << c.error().message();
    auto ev = (*c)->receive(5s);
    ASSERT_TRUE(ev);
    EXPECT_EQ(ev->data, "\x01ready\n");
  }  // the client drops the connection without a close frame
  for (int i = 0; i < 200 && g_client_gone == before; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(g_client_gone, before + 1);
}

TEST(ExecNoAgent, ErrorDialingBackend) {
  KubeCluster k;
  ASSERT_TRUE(k.ok()) << k.error();
  int status = 0;
  k.request_json("POST", "/api/v1/namespaces/default/pods", pod("p", {"c"}), &status);
  ASSERT_EQ(status, 201);
  auto r = k.kubectl({"exec", "p", "--", "true"});
  EXPECT_EQ(r.err, "Error from server: error dialing backend: no node agent is connected for node \"node-1\"\n");
  EXPECT_EQ(r.exit_code, 1);
}

}  // namespace
}  // namespace v6k::testing
