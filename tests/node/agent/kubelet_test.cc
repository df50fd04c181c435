// `kubectl logs` and `kubectl exec` end to end: the real kubectl → our API server
// (kube::ControlPlane, whose PodStreams dial the node's kubelet endpoint) → the agent's
// KubeletServer (TokenReview authentication) → the runtime, for a busybox pod that the
// real PodManager runs with the real v6k-cni in namespaces this test creates.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <regex>
#include <thread>

#include "common/base64.h"
#include "http/server.h"
#include "http/websocket.h"
#include "kube/controlplane/controlplane.h"
#include "netlink/netns.h"
#include "node/agent/kubelet_server.h"
#include "node/agent/pods.h"
#include "pki/pki.h"
#include "store/store.h"
#include "support/eventually.h"
#include "support/netns_cleanup.h"
#include "support/proc.h"
#include "support/temp_dir.h"

extern char** environ;

namespace v6k::node {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr char kAdminToken[] = "kubelet-test-admin";
constexpr char kNodeToken[] = "kubelet-test-node";

using testing::eventually;

// Prints three lines, then "more" whenever /tmp/more appears (created through exec).
json printer_pod() {
  const char* script =
      "echo one; echo two; echo three; "
      "while true; do if [ -f /tmp/more ]; then rm /tmp/more; echo more; fi; sleep 0.1; done";
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", "printer"}}},
          {"spec",
           {{"nodeName", "node-1"},
            {"terminationGracePeriodSeconds", 1},
            {"containers", json::array({{{"name", "main"}, {"image", "busybox"}, {"command", {"sh", "-c", script}}}})}}}};
}

// A kubectl that keeps running (logs -f): its stdout is read as it comes.
struct Background {
  pid_t pid = -1;
  int out = -1;
  std::string text;
  ~Background() { stop(); }
  void start(const std::vector<std::string>& argv) {
    int p[2];
    ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ASSERT_EQ(posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    ::close(p[1]);
    out = p[0];
  }
  // Reads until `want` is a suffix of what came, or the deadline.
  bool read_until(const std::string& want, std::chrono::milliseconds limit) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (!text.ends_with(want) && std::chrono::steady_clock::now() < end) {
      pollfd pfd{out, POLLIN, 0};
      if (::poll(&pfd, 1, 100) <= 0) continue;
      char buf[4096];
      ssize_t n = ::read(out, buf, sizeof buf);
      if (n <= 0) break;
      text.append(buf, static_cast<size_t>(n));
    }
    return text.ends_with(want);
  }
  // Waits for the process to exit by itself; its exit code, or -1 after the deadline.
  int wait_exit(std::chrono::milliseconds limit) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (pid > 0 && std::chrono::steady_clock::now() < end) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return -1;
  }
  void stop() {
    if (pid > 0) {
      ::kill(pid, SIGTERM);
      ::waitpid(pid, nullptr, 0);
      pid = -1;
    }
    if (out >= 0) ::close(out), out = -1;
  }
};

class KubeletTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (namespaces, containers)";
    prefix_ = "v6kt-kubelet-" + std::to_string(::getpid()) + "-";
    // Per-pod files (resolv.conf, hosts) are bind-mounted into containers, whose /tmp is
    // their own scratch dir: so they live outside /tmp.
    char tmpl[] = "/var/tmp/v6kt-kubelet-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    pod_root_ = tmpl;
    auto store = store::open_sqlite(":memory:");
    ASSERT_TRUE(store) << store.error().message();
    auto ca = pki::make_ca("v6k-kubelet-test-ca", 2);
    ASSERT_TRUE(ca);
    auto serving = pki::issue(*ca, {.common_name = "kube-apiserver", .dns_names = {"localhost"}, .ips = {"::1"}, .days = 2});
    ASSERT_TRUE(serving);
    ca_pem_ = ca->cert_pem;
    kube::ControlPlaneOptions o;
    o.api.store = std::move(*store);
    o.api.tls_cert_pem = serving->cert_pem;
    o.api.tls_key_pem = serving->key_pem;
    o.api.tokens = {{kAdminToken, {"kubernetes-admin", {"system:masters", "system:authenticated"}}},
                    {kNodeToken, {"system:node:node-1", {"system:nodes", "system:authenticated"}}}};
    o.ca_pem = ca_pem_;
    o.controllers = false;  // the pod is bound by hand; nothing else is needed
    o.scheduler = false;
    auto cp = kube::ControlPlane::start(std::move(o));
    ASSERT_TRUE(cp) << cp.error().message();
    cp_ = std::move(*cp);
    json kubeconfig = {
        {"apiVersion", "v1"},
        {"kind", "Config"},
        {"clusters", json::array({{{"name", "t"}, {"cluster", {{"server", cp_->api().url()}, {"certificate-authority-data", base64_encode(ca_pem_)}}}}})},
        {"users", json::array({{{"name", "admin"}, {"user", {{"token", kAdminToken}}}}})},
        {"contexts", json::array({{{"name", "t"}, {"context", {{"cluster", "t"}, {"user", "admin"}}}}})},
        {"current-context", "t"}};
    kubeconfig_ = dir_.write("kubeconfig", kubeconfig.dump());
    auto c = kube::Client::create({.host = "::1", .port = cp_->api().port(), .ca_pem = ca_pem_, .token = kAdminToken});
    ASSERT_TRUE(c);
    client_ = *c;

    auto node = netlink::NetNs::create(prefix_ + "node");
    ASSERT_TRUE(node) << node.error().message();
    cni_ = std::make_unique<CniNetwork>(CniOptions{
        .plugin = testing::built("cmd/v6k-cni"),
        .node_netns = "/var/run/netns/" + prefix_ + "node",
        .conflist = node_conflist({.pod_prefix = "2001:db8:0:7:a::/80", .data_dir = dir_.path() + "/ipam", .cooldown_seconds = 0})});
    auto rt = runtime::Runtime::open({.root = dir_.path() + "/runtime", .cgroup_group = ""});
    ASSERT_TRUE(rt) << rt.error().message();
    rt_ = std::make_unique<runtime::Runtime>(std::move(*rt));

    auto ks = KubeletServer::start({.client = client_, .runtime = rt_.get(), .node_name = "node-1"});
    ASSERT_TRUE(ks) << ks.error().message();
    kubelet_ = std::move(*ks);
    ASSERT_NE(kubelet_->port(), 0);
    // The Node as the heartbeat publishes it: where its kubelet listens.
    ASSERT_TRUE(client_->create("/api/v1/nodes", {{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", "node-1"}}}}));
    auto patched = client_->patch("/api/v1/nodes/node-1/status", kube::PatchType::kMerge,
                                  {{"status", {{"daemonEndpoints", {{"kubeletEndpoint", {{"Port", kubelet_->port()}}}}}}}});
    ASSERT_TRUE(patched) << patched.error().text();

    auto pm = PodManager::start({.client = client_, .node_name = "node-1", .host_ip = "2001:db8:0:7::17",
                                 .netns_prefix = prefix_, .cni = cni_.get(), .runtime = rt_.get(),
                                 .log_root = dir_.path() + "/logs", .restart_backoff = 500ms, .pod_root = pod_root_});
    ASSERT_TRUE(pm) << pm.error().message();
    pm_ = std::move(*pm);
  }

  void TearDown() override {
    if (prefix_.empty()) return;  // skipped: nothing was made (and an empty prefix matches every netns)
    if (pm_) pm_->stop();
    pm_.reset();
    if (rt_)
      if (auto sbs = rt_->list_sandboxes(); sbs)
        for (const auto& sb : *sbs) rt_->remove_sandbox(sb.id, 0ms);
    if (kubelet_) kubelet_->stop();
    testing::remove_namespaces_with_prefix(prefix_);
    if (cp_) cp_->stop();
    std::error_code ec;
    if (!pod_root_.empty()) std::filesystem::remove_all(pod_root_, ec);
  }

  std::vector<std::string> kubectl_argv(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {"/usr/bin/kubectl", "--kubeconfig", kubeconfig_, "--cache-dir", dir_.path() + "/cache"};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }
  testing::ExecResult kubectl(const std::vector<std::string>& args, const std::string& in = "") const {
    return testing::run_command(kubectl_argv(args), {{"HOME", dir_.path()}}, in);
  }
  json pod(const std::string& name) {
    auto r = client_->get("/api/v1/namespaces/default/pods/" + name);
    return r ? *r : json();
  }
  bool running(const std::string& name, int restarts) {
    json p = pod(name);
    return p.is_object() && p["status"].value("phase", "") == "Running" &&
           p["status"].value(json::json_pointer("/containerStatuses/0/restartCount"), -1) == restarts &&
           p["status"].value(json::json_pointer("/containerStatuses/0/state/running"), json()).is_object();
  }
  http::Response kubelet_get(const std::string& target, const std::string& token) {
    http::Request req{.method = "GET", .target = target};
    if (!token.empty()) req.headers.emplace_back("authorization", "Bearer " + token);
    auto r = http::send_request_tls("::1", kubelet_->port(), req, {.ca_pem = kubelet_->ca_pem()});
    if (!r) return http::Response::text(0, r.error().message());
    return *r;
  }

  testing::TempDir dir_{"v6k-kubelet"};
  std::string prefix_, ca_pem_, kubeconfig_, pod_root_;
  std::unique_ptr<kube::ControlPlane> cp_;
  std::shared_ptr<kube::Client> client_;
  std::unique_ptr<CniNetwork> cni_;
  std::unique_ptr<runtime::Runtime> rt_;
  std::unique_ptr<KubeletServer> kubelet_;
  std::unique_ptr<PodManager> pm_;
};

TEST_F(KubeletTest, LogsAndExecThroughTheApiServer) {
  ASSERT_TRUE(client_->create("/api/v1/namespaces/default/pods", printer_pod()));
  ASSERT_TRUE(eventually([&] { return running("printer", 0); })) << pod("printer").dump();

  // kubectl logs: the whole log, the last line, timestamps (the kubelet's fixed RFC 3339 nano).
  testing::ExecResult logs;
  EXPECT_TRUE(eventually([&] { return (logs = kubectl({"logs", "printer"})).out == "one\ntwo\nthree\n"; }, 10s))
      << logs.out << logs.err;
  auto tail = kubectl({"logs", "printer", "--tail", "1"});
  EXPECT_EQ(tail.out, "three\n") << tail.err;
  auto stamped = kubectl({"logs", "printer", "--timestamps"});
  EXPECT_TRUE(std::regex_match(stamped.out, std::regex("(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z (one|two|three)\n){3}")))
      << stamped.out << stamped.err;
  EXPECT_NE(stamped.out.find("Z one\n"), std::string::npos);
  auto no_previous = kubectl({"logs", "printer", "--previous"});
  EXPECT_EQ(no_previous.exit_code, 1);
  EXPECT_EQ(no_previous.err, "Error from server (BadRequest): previous terminated container \"main\" in pod \"printer\" not found\n");

  // kubectl exec: output, stdin, exit codes.
  auto hostname = kubectl({"exec", "printer", "--", "cat", "/etc/hostname"});
  EXPECT_EQ(hostname.exit_code, 0) << hostname.err;
  EXPECT_EQ(hostname.out, "printer\n") << hostname.err;
  auto echoed = kubectl({"exec", "-i", "printer", "--", "cat"}, "hello\nworld\n");
  EXPECT_EQ(echoed.exit_code, 0) << echoed.err;
  EXPECT_EQ(echoed.out, "hello\nworld\n") << echoed.err;
  auto both = kubectl({"exec", "printer", "--", "sh", "-c", "echo out; echo err >&2"});
  EXPECT_EQ(both.out, "out\n");
  EXPECT_EQ(both.err, "err\n");
  auto three = kubectl({"exec", "printer", "--", "sh", "-c", "exit 3"});
  EXPECT_EQ(three.exit_code, 3) << three.err;
  EXPECT_EQ(three.err, "command terminated with exit code 3\n");

  // kubectl logs -f sees a line written later (triggered through exec), until stopped.
  Background follow;
  follow.start(kubectl_argv({"logs", "-f", "printer"}));
  EXPECT_TRUE(follow.read_until("three\n", 10s)) << follow.text;
  auto touched = kubectl({"exec", "printer", "--", "touch", "/tmp/more"});
  EXPECT_EQ(touched.exit_code, 0) << touched.err;
  EXPECT_TRUE(follow.read_until("more\n", 10s)) << follow.text;
  EXPECT_EQ(follow.text, "one\ntwo\nthree\nmore\n");
  follow.stop();

  // A restart: --previous shows the first instance's log, the plain log the new one's.
  json p = pod("printer");
  const std::string cid = p["status"]["containerStatuses"][0]["containerID"];
  auto st = rt_->status(cid.substr(std::string("v6k://").size()));
  ASSERT_TRUE(st) << st.error().message();
  ASSERT_EQ(::kill(st->pid, SIGKILL), 0);
  ASSERT_TRUE(eventually([&] { return running("printer", 1); })) << pod("printer").dump();
  auto previous = kubectl({"logs", "printer", "--previous"});
  EXPECT_EQ(previous.out, "one\ntwo\nthree\nmore\n") << previous.err;
  EXPECT_TRUE(eventually([&] { return (logs = kubectl({"logs", "printer"})).out == "one\ntwo\nthree\n"; }, 10s))
      << logs.out << logs.err;

  // kubectl attach: the main process's output from the moment it attaches (not the lines
  // before), until the container exits, which ends the session with success.
  Background attached;
  attached.start(kubectl_argv({"attach", "printer"}));
  bool got = false;  // the session starts following a little after kubectl starts
  for (int i = 0; i < 50 && !got; ++i) {
    kubectl({"exec", "printer", "--", "touch", "/tmp/more"});
    got = attached.read_until("more\n", 300ms);
  }
  EXPECT_TRUE(got) << attached.text;
  EXPECT_EQ(attached.text.find("one"), std::string::npos) << attached.text;
  p = pod("printer");
  st = rt_->status(p["status"]["containerStatuses"][0]["containerID"].get<std::string>().substr(6));
  ASSERT_TRUE(st) << st.error().message();
  ASSERT_EQ(::kill(st->pid, SIGKILL), 0);
  EXPECT_EQ(attached.wait_exit(10s), 0) << attached.text;
}

TEST_F(KubeletTest, TheKubeletEndpointAuthenticatesAndAuthorizes) {
  ASSERT_TRUE(client_->create("/api/v1/namespaces/default/pods", printer_pod()));
  ASSERT_TRUE(eventually([&] { return running("printer", 0); })) << pod("printer").dump();
  const std::string target = "/containerLogs/default/printer/main?tailLines=1";
  auto anonymous = kubelet_get(target, "");
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(anonymous.body, "Unauthorized");
  EXPECT_EQ(kubelet_get(target, "made-up-token").status, 401);
  auto node = kubelet_get(target, kNodeToken);
  EXPECT_EQ(node.status, 403);
  EXPECT_EQ(node.body, "Forbidden (user=system:node:node-1, verb=get, resource=nodes, subresource=proxy)");
  http::Response admin;
  EXPECT_TRUE(eventually([&] { return (admin = kubelet_get(target, kAdminToken)).body == "three\n"; }, 10s))
      << admin.status << " " << admin.body;
  EXPECT_EQ(admin.status, 200);
  auto missing = kubelet_get("/containerLogs/default/nothing/main", kAdminToken);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, "pod \"nothing\" does not exist");
  EXPECT_EQ(kubelet_get("/containerLogs/default/printer/main?tailLines=x", kAdminToken).body,
            "tailLines: Invalid value: \"x\": must be an integer");
  EXPECT_EQ(kubelet_get("/pods", kAdminToken).status, 404);

  // The API server reports a node without a kubelet port the way upstream's proxy does.
  ASSERT_TRUE(client_->patch("/api/v1/nodes/node-1/status", kube::PatchType::kMerge,
                             {{"status", {{"daemonEndpoints", {{"kubeletEndpoint", {{"Port", 0}}}}}}}}));
  auto no_port = kubectl({"logs", "printer"});
  EXPECT_EQ(no_port.exit_code, 1);
  EXPECT_EQ(no_port.err,
            "Error from server: error dialing backend: node \"node-1\" publishes no kubelet port "
            "(status.daemonEndpoints.kubeletEndpoint.Port)\n");
  auto no_exec = kubectl({"exec", "printer", "--", "true"});
  EXPECT_EQ(no_exec.exit_code, 1);
  EXPECT_EQ(no_exec.err,
            "error: Internal error occurred: error executing command in container: error dialing backend: node "
            "\"node-1\" publishes no kubelet port (status.daemonEndpoints.kubeletEndpoint.Port)\n");
}

// The kubelet's own WebSocket protocol, without the API server: a terminal with its
// size, stdin and its end, the closing Status.
TEST_F(KubeletTest, ExecSessionsSpeakV5) {
  ASSERT_TRUE(client_->create("/api/v1/namespaces/default/pods", printer_pod()));
  ASSERT_TRUE(eventually([&] { return running("printer", 0); })) << pod("printer").dump();
  auto session = [&](const std::string& query) {
    return http::WebSocketClient::connect({.host = "::1", .port = kubelet_->port(),
                                           .target = "/exec/default/printer/main?" + query,
                                           .headers = {{"authorization", std::string("Bearer ") + kAdminToken}},
                                           .subprotocols = {"v5.channel.k8s.io"},
                                           .tls = http::ClientTls{.ca_pem = kubelet_->ca_pem()}});
  };
  // Reads stream 1 until the Status; returns {stdout, status}.
  auto collect = [](http::WebSocketClient& c) {
    std::pair<std::string, std::string> got;
    for (int i = 0; i < 200; ++i) {
      auto ev = c.receive(100ms);
      if (!ev) continue;
      if (ev->kind != http::WebSocketEvent::Kind::kMessage) break;
      if (ev->data[0] == 1) got.first += ev->data.substr(1);
      if (ev->data[0] == 3) {
        got.second = ev->data.substr(1);
        break;
      }
    }
    return got;
  };

  auto tty = session("command=sh&command=-c&command=read%20x%3B%20stty%20size&input=1&output=1&tty=1");
  ASSERT_TRUE(tty) << tty.error().message();
  (*tty)->socket().send(std::string("\x04{\"Width\":100,\"Height\":40}"));
  (*tty)->socket().send(std::string("\x00go\n", 4));
  auto [screen, status] = collect(**tty);
  EXPECT_NE(screen.find("40 100"), std::string::npos) << screen;
  EXPECT_EQ(status, "{\"metadata\":{},\"status\":\"Success\"}");

  auto cat = session("command=cat&input=1&output=1&error=1");
  ASSERT_TRUE(cat) << cat.error().message();
  (*cat)->socket().send(std::string("\x00" "abc", 4));
  (*cat)->socket().send(std::string("\xff\x00", 2));
  auto [echo, cat_status] = collect(**cat);
  EXPECT_EQ(echo, "abc");
  EXPECT_EQ(cat_status, "{\"metadata\":{},\"status\":\"Success\"}");

  auto failing = session("command=sh&command=-c&command=exit%207&output=1");
  ASSERT_TRUE(failing) << failing.error().message();
  EXPECT_EQ(collect(**failing).second,
            "{\"metadata\":{},\"status\":\"Failure\",\"message\":\"command terminated with non-zero exit code: exit "
            "status 7\",\"reason\":\"NonZeroExitCode\",\"details\":{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"7\"}]}}");

  http::Response refused;
  auto missing = http::WebSocketClient::connect({.host = "::1", .port = kubelet_->port(),
                                                 .target = "/exec/default/printer/other?command=true&output=1",
                                                 .headers = {{"authorization", std::string("Bearer ") + kAdminToken}},
                                                 .subprotocols = {"v5.channel.k8s.io"},
                                                 .tls = http::ClientTls{.ca_pem = kubelet_->ca_pem()}},
                                                &refused);
  EXPECT_FALSE(missing);
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(refused.body, "container \"other\" in pod \"printer\" is waiting to start: ContainerCreating");
}

}  // namespace
}  // namespace v6k::node
