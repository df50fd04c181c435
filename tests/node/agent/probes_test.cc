// Container probes and the pod's DNS files.
// - Pure: probe specs with upstream's defaults and errors; thresholds and initial results.
// - Prober (root): an HTTP/TCP server on [::1] inside a namespace this test makes, reachable
//   only from inside it, probed with the exact texts upstream's events carry.
// - PodManager (root, real API server, v6k-cni and runtime): readiness by httpGet, tcpSocket
//   and exec decides ready/Ready; a wrong port stays not ready with its event; a failing
//   liveness probe restarts the container; resolv.conf and /etc/hosts inside a container.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

#include "netlink/netns.h"
#include "agent_node_fixture.h"
#include "node/agent/pods.h"
#include "node/agent/probes.h"
#include "support/eventually.h"
#include "support/kube_cluster.h"
#include "support/netns_cleanup.h"
#include "support/proc.h"

namespace v6k::node {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

using testing::eventually;

// ---- pure parts ------------------------------------------------------------------------

const json kContainer = {{"name", "web"}, {"ports", json::array({{{"name", "http"}, {"containerPort", 8080}}})}};

TEST(ProbeSpecParse, DefaultsPortsAndErrors) {
  auto http = parse_probe({{"httpGet", {{"path", "/healthz"}, {"port", "http"},
                                        {"httpHeaders", json::array({{{"name", "X-A"}, {"value", "1"}}})}}}},
                          kContainer);
  ASSERT_TRUE(http) << http.error().message();
  EXPECT_EQ(http->action, ProbeSpec::Action::kHttpGet);
  EXPECT_EQ(http->port, 8080);
  EXPECT_EQ(http->path, "/healthz");
  EXPECT_EQ(http->headers, (std::vector<std::pair<std::string, std::string>>{{"X-A", "1"}}));
  EXPECT_EQ(http->initial_delay_seconds, 0);
  EXPECT_EQ(http->period_seconds, 10);
  EXPECT_EQ(http->timeout_seconds, 1);
  EXPECT_EQ(http->success_threshold, 1);
  EXPECT_EQ(http->failure_threshold, 3);
  EXPECT_FALSE(http->termination_grace_seconds);

  auto tcp = parse_probe({{"tcpSocket", {{"port", "9090"}}}, {"periodSeconds", 0}, {"failureThreshold", 5},
                          {"initialDelaySeconds", 7}, {"terminationGracePeriodSeconds", 4}},
                         kContainer);
  ASSERT_TRUE(tcp) << tcp.error().message();
  EXPECT_EQ(tcp->port, 9090);  // a number in a string, as upstream accepts
  EXPECT_EQ(tcp->period_seconds, 10);  // 0 is "unset"
  EXPECT_EQ(tcp->failure_threshold, 5);
  EXPECT_EQ(tcp->initial_delay_seconds, 7);
  EXPECT_EQ(tcp->termination_grace_seconds, 4);

  auto ex = parse_probe({{"exec", {{"command", json::array({"cat", "/tmp/healthy"})}}}}, kContainer);
  ASSERT_TRUE(ex);
  EXPECT_EQ(ex->command, (std::vector<std::string>{"cat", "/tmp/healthy"}));

  struct Bad {
    json probe;
    std::string error;
  };
  std::vector<Bad> bad = {
      {{{"httpGet", {{"port", "metrics"}}}}, "httpGet: port \"metrics\" is not a port name of the container"},
      {{{"httpGet", {{"port", 80}, {"scheme", "HTTPS"}}}}, "httpGet scheme HTTPS is not supported by the v6k agent; use HTTP"},
      {{{"tcpSocket", {{"port", 0}}}}, "tcpSocket: invalid port number: 0"},
      {{{"tcpSocket", {{"port", 70000}}}}, "tcpSocket: invalid port number: 70000"},
      {{{"tcpSocket", json::object()}}, "tcpSocket: port is required"},
      {{{"grpc", {{"port", 9000}}}}, "grpc probes are not supported by the v6k agent"},
      {{{"periodSeconds", 3}}, "probe must have exactly one handler (httpGet, tcpSocket, exec or grpc)"},
      {{{"exec", {{"command", json::array()}}}}, "exec.command must be a non-empty list"},
      {{{"exec", {{"command", json::array({"true"})}}}, {"timeoutSeconds", -1}}, "timeoutSeconds must be a non-negative integer"},
      {{{"tcpSocket", {{"port", 80}}}, {"exec", {{"command", json::array({"true"})}}}},
       "probe must have exactly one handler (httpGet, tcpSocket, exec or grpc)"},
  };
  for (const auto& b : bad) {
    auto r = parse_probe(b.probe, kContainer);
    ASSERT_FALSE(r) << b.probe.dump();
    EXPECT_EQ(r.error().message(), b.error) << b.probe.dump();
  }
}

TEST(ProbeTracker, InitialResultsAndThresholds) {
  EXPECT_EQ(ProbeTracker::initial(ProbeType::kReadiness).result, ProbeResult::kFailure);
  EXPECT_EQ(ProbeTracker::initial(ProbeType::kLiveness).result, ProbeResult::kSuccess);
  EXPECT_EQ(ProbeTracker::initial(ProbeType::kStartup).result, ProbeResult::kUnknown);

  ProbeSpec spec;
  spec.success_threshold = 2;
  spec.failure_threshold = 3;
  using R = ProbeResult;
  struct Step {
    R outcome;
    bool changed;
    R published;
  };
  // Readiness: two successes in a row to become ready, three failures to lose it; a
  // different outcome restarts the count.
  std::vector<Step> steps = {{R::kSuccess, false, R::kFailure}, {R::kFailure, false, R::kFailure},
                             {R::kSuccess, false, R::kFailure}, {R::kSuccess, true, R::kSuccess},
                             {R::kFailure, false, R::kSuccess}, {R::kFailure, false, R::kSuccess},
                             {R::kSuccess, false, R::kSuccess}, {R::kFailure, false, R::kSuccess},
                             {R::kFailure, false, R::kSuccess}, {R::kFailure, true, R::kFailure}};
  auto t = ProbeTracker::initial(ProbeType::kReadiness);
  for (size_t i = 0; i < steps.size(); ++i) {
    EXPECT_EQ(t.observe(steps[i].outcome, spec, ProbeType::kReadiness), steps[i].changed) << "step " << i;
    EXPECT_EQ(t.result, steps[i].published) << "step " << i;
  }
  EXPECT_FALSE(t.on_hold);  // readiness never holds

  // Liveness: the failure that reaches the threshold flips it and holds the probe.
  auto l = ProbeTracker::initial(ProbeType::kLiveness);
  EXPECT_FALSE(l.observe(R::kFailure, spec, ProbeType::kLiveness));
  EXPECT_FALSE(l.observe(R::kFailure, spec, ProbeType::kLiveness));
  EXPECT_TRUE(l.observe(R::kFailure, spec, ProbeType::kLiveness));
  EXPECT_TRUE(l.on_hold);
  EXPECT_EQ(l.result, R::kFailure);

  // Startup: unknown until its threshold of successes.
  auto s = ProbeTracker::initial(ProbeType::kStartup);
  EXPECT_FALSE(s.observe(R::kSuccess, spec, ProbeType::kStartup));
  EXPECT_TRUE(s.observe(R::kSuccess, spec, ProbeType::kStartup));
  EXPECT_EQ(s.result, R::kSuccess);
}

// ---- the prober against a server inside a test namespace ---------------------------------

// A tiny HTTP server on [::1] inside `ns`: /ok 200, /moved 301, /missing 404, /slow never
// answers. Records the request heads it saw.
class NsServer {
 public:
  explicit NsServer(const std::string& ns) {
    std::thread([&] {
      auto target = netlink::NetNs::open_named(ns);
      if (!target) return;
      auto in = netlink::NetNsScope::enter(*target);
      if (!in) return;
      fd_ = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_in6 a{};
      a.sin6_family = AF_INET6;
      a.sin6_addr = in6addr_loopback;
      socklen_t len = sizeof a;
      if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), len) < 0 || ::listen(fd_, 16) < 0) return;
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
      port_ = ntohs(a.sin6_port);
    }).join();
    thread_ = std::thread([this] { serve(); });
  }
  ~NsServer() {
    stop_ = true;
    thread_.join();
    if (fd_ >= 0) ::close(fd_);
  }
  int port() const { return port_; }
  std::vector<std::string> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  void serve() {
    std::vector<int> held;  // /slow connections, kept open unanswered
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      std::string req;
      char buf[1024];
      for (ssize_t n; req.find("\r\n\r\n") == std::string::npos && (n = ::read(c, buf, sizeof buf)) > 0;)
        req.append(buf, static_cast<size_t>(n));
      {
        std::lock_guard lock(mu_);
        requests_.push_back(req);
      }
      std::string status = req.rfind("GET /ok ", 0) == 0      ? "200 OK"
                           : req.rfind("GET /moved ", 0) == 0 ? "301 Moved Permanently"
                           : req.rfind("GET /slow ", 0) == 0  ? ""
                                                              : "404 Not Found";
      if (status.empty()) {
        held.push_back(c);
        continue;
      }
      std::string resp = "HTTP/1.1 " + status + "\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
      (void)!::write(c, resp.data(), resp.size());
      ::close(c);
    }
    for (int c : held) ::close(c);
  }
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

struct ProbeRun {
  std::string container;
  ProbeType type;
  ProbeResult outcome;
  bool errored;
  std::string output;
};

class ProberTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (namespaces)";
    ns_ = "v6kt-probes-" + std::to_string(::getpid()) + "-1";
    auto ns = netlink::NetNs::create(ns_);
    ASSERT_TRUE(ns) << ns.error().message();
    server_ = std::make_unique<NsServer>(ns_);
    ASSERT_NE(server_->port(), 0);
    auto p = Prober::start({.on_change = [this](const std::string&) { changes_++; },
                            .on_kill = [this](const ProbeKill& k) {
                              std::lock_guard lock(mu_);
                              kills_.push_back(k);
                            },
                            .on_run = [this](const ProbeTarget& t, ProbeType type, ProbeResult r, bool err,
                                             const std::string& out) {
                              std::lock_guard lock(mu_);
                              runs_.push_back({t.container, type, r, err, out});
                            }});
    ASSERT_TRUE(p);
    prober_ = std::move(*p);
  }
  void TearDown() override {
    if (prober_) prober_->stop();
    server_.reset();
    if (!ns_.empty()) netlink::NetNs::remove(ns_);
  }
  ProbeTarget target(const std::string& name, const json& probes) {
    json spec = {{"name", name}};
    spec.update(probes);
    return {.pod_key = "default/p", .container = name, .container_id = "id-" + name, .pod_ip = "::1",
            .netns_path = "/var/run/netns/" + ns_, .started_ns = 0, .pod = json::object(), .spec = spec};
  }
  std::optional<ProbeRun> first_run(const std::string& container) {
    std::optional<ProbeRun> r;
    eventually([&] {
      std::lock_guard lock(mu_);
      for (const auto& x : runs_)
        if (x.container == container) r = x;
      return r.has_value();
    }, 5s);
    return r;
  }
  std::string ns_;
  std::unique_ptr<NsServer> server_;
  std::unique_ptr<Prober> prober_;
  std::mutex mu_;
  std::vector<ProbeRun> runs_;
  std::vector<ProbeKill> kills_;
  std::atomic<int> changes_{0};
};

TEST_F(ProberTest, HttpAndTcpInsideThePodNamespaceWithUpstreamTexts) {
  const std::string port = std::to_string(server_->port());
  // Nothing listens on port 1 inside the namespace.
  auto get = [](const std::string& path, int p) {
    return json{{"readinessProbe", {{"httpGet", {{"path", path}, {"port", p}}}, {"periodSeconds", 1}}}};
  };
  const int sp = server_->port();
  json ok = get("/ok", sp);
  ok["readinessProbe"]["httpGet"]["httpHeaders"] = json::array({{{"name", "X-Probe"}, {"value", "yes"}}});
  prober_->add(target("ok", ok));
  prober_->add(target("moved", get("/moved", sp)));
  prober_->add(target("missing", get("/missing", sp)));
  prober_->add(target("refused", get("/x", 1)));
  json slow = get("/slow", sp);
  slow["readinessProbe"]["timeoutSeconds"] = 1;
  prober_->add(target("slow", slow));
  prober_->add(target("tcp", {{"readinessProbe", {{"tcpSocket", {{"port", sp}}}}}}));
  prober_->add(target("tcp-refused", {{"livenessProbe", {{"tcpSocket", {{"port", 1}}}, {"failureThreshold", 1}}}}));
  prober_->add(target("noport", {{"readinessProbe", {{"httpGet", {{"port", "web"}}}}}}));

  auto r = first_run("ok");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, ProbeResult::kSuccess);
  EXPECT_TRUE(eventually([&] { return prober_->status("default/p", "ok", "id-ok").ready; }, 3s));
  EXPECT_TRUE(prober_->status("default/p", "ok", "id-ok").started);
  EXPECT_FALSE(prober_->status("default/p", "ok", "another-id").ready);  // a different instance
  bool saw_head = false;
  for (const auto& req : server_->requests())
    if (req.rfind("GET /ok HTTP/1.1\r\n", 0) == 0) {
      saw_head = true;
      EXPECT_NE(req.find("\r\nHost: [::1]:" + port + "\r\n"), std::string::npos) << req;
      EXPECT_NE(req.find("\r\nUser-Agent: kube-probe/1.21\r\n"), std::string::npos) << req;
      EXPECT_NE(req.find("\r\nAccept: */*\r\n"), std::string::npos) << req;
      EXPECT_NE(req.find("\r\nX-Probe: yes\r\n"), std::string::npos) << req;
    }
  EXPECT_TRUE(saw_head);

  r = first_run("moved");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, ProbeResult::kSuccess);  // 3xx counts as success
  r = first_run("missing");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, ProbeResult::kFailure);
  EXPECT_EQ(r->output, "HTTP probe failed with statuscode: 404");
  r = first_run("refused");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->output, "Get \"http://[::1]:1/x\": dial tcp [::1]:1: connect: connection refused");
  r = first_run("tcp");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->outcome, ProbeResult::kSuccess);
  r = first_run("tcp-refused");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->output, "dial tcp [::1]:1: connect: connection refused");
  r = first_run("noport");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->errored);
  EXPECT_EQ(r->output, "httpGet: port \"web\" is not a port name of the container");
  r = first_run("slow");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->output, "Get \"http://[::1]:" + port +
                           "/slow\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)");

  // The liveness failure asked for a kill, once (the probe holds until a new container).
  std::this_thread::sleep_for(1500ms);
  {
    std::lock_guard lock(mu_);
    ASSERT_EQ(kills_.size(), 1u);
    EXPECT_EQ(kills_[0].container, "tcp-refused");
    EXPECT_EQ(kills_[0].container_id, "id-tcp-refused");
    EXPECT_EQ(kills_[0].type, ProbeType::kLiveness);
  }
  EXPECT_FALSE(prober_->status("default/p", "missing", "id-missing").ready);
  EXPECT_FALSE(prober_->status("default/p", "noport", "id-noport").ready);  // errors change nothing
  EXPECT_TRUE(prober_->status("default/p", "tcp", "id-tcp").ready);
  EXPECT_GE(changes_.load(), 3);  // ok, moved, tcp became ready

  // One thread served them all, every second.
  const size_t before = prober_->probes_run();
  std::this_thread::sleep_for(2000ms);
  EXPECT_GE(prober_->probes_run() - before, 8u);  // 5 probes every second, 1 every 2 s
  prober_->remove_pod("default/p");
  EXPECT_FALSE(prober_->status("default/p", "tcp", "id-tcp").ready);
}

TEST_F(ProberTest, StartupHoldsReadinessAndInitialDelayWaits) {
  const int sp = server_->port();
  // The startup probe fails (404) so readiness never runs.
  prober_->add(target("gated", {{"startupProbe", {{"httpGet", {{"path", "/missing"}, {"port", sp}}}, {"periodSeconds", 1},
                                                  {"failureThreshold", 10}}},
                                {"readinessProbe", {{"tcpSocket", {{"port", sp}}}, {"periodSeconds", 1}}}}));
  // The readiness probe waits for its initial delay (counted from the container start).
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  auto delayed = target("delayed", {{"readinessProbe", {{"tcpSocket", {{"port", sp}}}, {"initialDelaySeconds", 2}}}});
  delayed.started_ns = static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
  prober_->add(delayed);
  std::this_thread::sleep_for(1500ms);
  auto gated = prober_->status("default/p", "gated", "id-gated");
  EXPECT_FALSE(gated.started);
  EXPECT_FALSE(gated.ready);
  EXPECT_FALSE(prober_->status("default/p", "delayed", "id-delayed").ready);
  {
    std::lock_guard lock(mu_);
    for (const auto& x : runs_) EXPECT_FALSE(x.container == "gated" && x.type == ProbeType::kReadiness);
    for (const auto& x : runs_) EXPECT_NE(x.container, "delayed");
  }
  EXPECT_TRUE(eventually([&] { return prober_->status("default/p", "delayed", "id-delayed").ready; }, 3s));
}

// ---- the pod loop ------------------------------------------------------------------------

json nginx_pod(const std::string& name, const json& probes, const std::string& policy = "Always") {
  json c = {{"name", "web"}, {"image", "public.ecr.aws/z9d2n7e1/nginx:1.19.5"},
            {"ports", json::array({{{"name", "http"}, {"containerPort", 80}}})}};
  c.update(probes);
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}}},
          {"spec", {{"nodeName", "node-1"}, {"restartPolicy", policy}, {"terminationGracePeriodSeconds", 1},
                    {"containers", json::array({c})}}}};
}

class PodProbesTest : public AgentNodeTest {
 protected:
  PodProbesTest() : AgentNodeTest("v6kt-podprobes-", "2001:db8:0:1:b::/80") {}
  static json condition(const json& pod, const std::string& type) {
    if (!pod.is_object() || !pod.contains("status") || !pod["status"].is_object()) return json::object();
    for (const auto& c : pod["status"].value("conditions", json::array()))
      if (c.value("type", "") == type) return c;
    return {};
  }
  int restarts(const std::string& name) {
    json p = get(name);
    auto cs = p.is_object() && p["status"].is_object() ? p["status"].value("containerStatuses", json::array())
                                                       : json::array();
    return cs.empty() ? -1 : cs[0].value("restartCount", -1);
  }
  bool ready(const std::string& name) {
    json p = get(name);
    if (!p.is_object() || !p["status"].is_object()) return false;
    auto cs = p["status"].value("containerStatuses", json::array());
    return !cs.empty() && cs[0].value("ready", false) && condition(p, "Ready").value("status", "") == "True" &&
           condition(p, "ContainersReady").value("status", "") == "True";
  }
  // Event messages of one pod.
  std::vector<std::string> events(const std::string& name) {
    std::vector<std::string> out;
    auto r = client_->get("/api/v1/namespaces/default/events");
    if (!r) return out;
    for (const auto& e : (*r)["items"])
      if (e["involvedObject"].value("name", "") == name) out.push_back(e.value("reason", "") + ": " + e.value("message", ""));
    return out;
  }
  bool has_event(const std::string& name, const std::string& text) {
    for (const auto& e : events(name))
      if (e.find(text) != std::string::npos) return true;
    return false;
  }

};

TEST_F(PodProbesTest, ReadinessByHttpTcpAndExecDecidesReady) {
  const std::string pods = "/api/v1/namespaces/default/pods";
  ASSERT_TRUE(client_->create(pods, nginx_pod("http-ok", {{"readinessProbe", {{"httpGet", {{"path", "/"}, {"port", 80}}},
                                                                              {"periodSeconds", 1}}}})));
  ASSERT_TRUE(client_->create(pods, nginx_pod("http-bad", {{"readinessProbe", {{"httpGet", {{"path", "/"}, {"port", 81}}},
                                                                               {"periodSeconds", 1}}}})));
  ASSERT_TRUE(client_->create(pods, nginx_pod("tcp-ok", {{"readinessProbe", {{"tcpSocket", {{"port", "http"}}},
                                                                             {"periodSeconds", 1}}}})));
  ASSERT_TRUE(client_->create(pods, nginx_pod("exec-ok", {{"readinessProbe", {{"exec", {{"command", json::array({"cat", "/etc/hostname"})}}},
                                                                              {"periodSeconds", 1}}}})));
  ASSERT_TRUE(client_->create(pods, nginx_pod("exec-bad", {{"readinessProbe", {{"exec", {{"command", json::array({"cat", "/no/such/file"})}}},
                                                                               {"periodSeconds", 1}}}})));
  ASSERT_TRUE(client_->create(pods, nginx_pod("exec-slow", {{"readinessProbe", {{"exec", {{"command", json::array({"sleep", "5"})}}},
                                                                                {"periodSeconds", 1}, {"timeoutSeconds", 1}}}})));
  for (const char* name : {"http-ok", "tcp-ok", "exec-ok"})
    EXPECT_TRUE(eventually([&] { return ready(name); })) << get(name).dump();

  // The wrong port: Running, never ready, and the kubelet's event says why.
  json bad = get("http-bad");
  ASSERT_TRUE(eventually([&] { return (bad = get("http-bad"))["status"].contains("podIP"); }));
  const std::string ip = bad["status"]["podIP"];
  EXPECT_TRUE(eventually([&] {
    return has_event("http-bad", "Unhealthy: Readiness probe failed: Get \"http://[" + ip + "]:81/\": dial tcp [" + ip +
                                     "]:81: connect: connection refused");
  })) << ::testing::PrintToString(events("http-bad"));
  EXPECT_TRUE(eventually([&] {
    return has_event("exec-bad", "Unhealthy: Readiness probe failed: cat: /no/such/file: No such file or directory");
  })) << ::testing::PrintToString(events("exec-bad"));
  EXPECT_TRUE(eventually([&] { return has_event("exec-slow", "Unhealthy: Readiness probe failed: command \"sleep 5\" timed out"); }))
      << ::testing::PrintToString(events("exec-slow"));
  for (const char* name : {"http-bad", "exec-bad", "exec-slow"}) {
    json p = get(name);
    EXPECT_EQ(p["status"]["phase"], "Running") << name;
    EXPECT_EQ(p["status"]["containerStatuses"][0]["ready"], false) << name;
    EXPECT_EQ(p["status"]["containerStatuses"][0]["started"], true) << name;
    json rc = condition(p, "Ready");
    EXPECT_EQ(rc["status"], "False") << name;
    EXPECT_EQ(rc["reason"], "ContainersNotReady") << name;
    EXPECT_EQ(rc["message"], "containers with unready status: [web]") << name;
  }
  auto line = k_.kubectl({"get", "pod", "http-bad", "--no-headers"});
  EXPECT_EQ(line.out.rfind("http-bad   0/1   Running   0", 0), 0u) << line.out;
}

TEST_F(PodProbesTest, FailingLivenessRestartsTheContainer) {
  ASSERT_TRUE(client_->create("/api/v1/namespaces/default/pods",
                              nginx_pod("live", {{"livenessProbe", {{"httpGet", {{"path", "/"}, {"port", 81}}},
                                                                    {"periodSeconds", 1}, {"failureThreshold", 2}}}})));
  EXPECT_TRUE(eventually([&] { return restarts("live") >= 1; }, 30s))
      << get("live").dump();
  json p = get("live");
  EXPECT_TRUE(p["status"]["containerStatuses"][0]["lastState"].contains("terminated")) << p.dump();
  // Events are posted asynchronously: the restart may be visible before them.
  EXPECT_TRUE(eventually([&] { return has_event("live", "Killing: Container web failed liveness probe, will be restarted"); }))
      << ::testing::PrintToString(events("live"));
  EXPECT_TRUE(eventually([&] { return has_event("live", "Unhealthy: Liveness probe failed: Get \"http://["); }))
      << ::testing::PrintToString(events("live"));
  // A passing liveness probe leaves the container alone (nginx listens within its initial
  // delay); without a readiness probe it is ready.
  ASSERT_TRUE(client_->create("/api/v1/namespaces/default/pods",
                              nginx_pod("alive", {{"livenessProbe", {{"tcpSocket", {{"port", 80}}}, {"periodSeconds", 1},
                                                                     {"initialDelaySeconds", 1}, {"failureThreshold", 2}}}})));
  EXPECT_TRUE(eventually([&] { return ready("alive"); })) << get("alive").dump();
  std::this_thread::sleep_for(2500ms);
  EXPECT_EQ(restarts("alive"), 0);
}

}  // namespace
}  // namespace v6k::node
