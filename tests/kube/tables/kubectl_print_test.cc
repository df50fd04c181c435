// Real kubectl 1.32 printing our Tables: a tiny Python HTTP server serves legacy
// discovery plus Tables made by make_table, and `kubectl get` output is compared with
// what kubectl prints for a real cluster. Skipped when kubectl or python3 is missing.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "tables_test_util.h"

namespace v6k::kube {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kKubectl = "/usr/lib/google-cloud-sdk/bin/kubectl.1.32";

// Serves <dir>/<path with '/' as '_'>.json; Tables get the Table content type.
constexpr const char* kServer = R"PY(
import http.server, json, os, sys
root = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        path = self.path.split('?')[0].rstrip('/') or '/root'
        f = os.path.join(root, path.replace('/', '_') + '.json')
        if not os.path.exists(f):
            self.send_response(404); self.send_header('Content-Type', 'application/json'); self.end_headers()
            self.wfile.write(b'{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}')
            return
        body = open(f, 'rb').read()
        ct = 'application/json'
        if json.loads(body).get('kind') == 'Table':
            ct = 'application/json;as=Table;v=v1;g=meta.k8s.io'
        self.send_response(200); self.send_header('Content-Type', ct)
        self.send_header('Content-Length', str(len(body))); self.end_headers(); self.wfile.write(body)
s = http.server.HTTPServer(('127.0.0.1', 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
)PY";

class KubectlPrint : public ::testing::Test {
 protected:
  void SetUp() override {
    if (access(kKubectl, X_OK) != 0 || access("/usr/bin/python3", X_OK) != 0)
      GTEST_SKIP() << "kubectl 1.32 or python3 not installed";
    dir_ = fs::temp_directory_path() / ("v6k-tables-" + std::to_string(getpid()));
    fs::create_directories(dir_ / "home");
    write("/version", {{"major", "1"}, {"minor", "32"}, {"gitVersion", "v1.32.0"}});
    write("/api", {{"kind", "APIVersions"}, {"versions", {"v1"}}});
    write("/apis", json::parse(R"({"kind":"APIGroupList","apiVersion":"v1","groups":[
      {"name":"apps","versions":[{"groupVersion":"apps/v1","version":"v1"}],
       "preferredVersion":{"groupVersion":"apps/v1","version":"v1"}}]})"));
    write("/api/v1", json::parse(R"({"kind":"APIResourceList","groupVersion":"v1","resources":[
      {"name":"pods","singularName":"pod","namespaced":true,"kind":"Pod","verbs":["get","list"],"shortNames":["po"]},
      {"name":"nodes","singularName":"node","namespaced":false,"kind":"Node","verbs":["get","list"],"shortNames":["no"]}]})"));
    write("/apis/apps/v1", json::parse(R"({"kind":"APIResourceList","groupVersion":"apps/v1","resources":[
      {"name":"deployments","singularName":"deployment","namespaced":true,"kind":"Deployment","verbs":["get","list"],"shortNames":["deploy"]}]})"));
    std::ofstream(dir_ / "server.py") << kServer;

    int out[2];
    ASSERT_EQ(pipe(out), 0);
    server_ = fork();
    ASSERT_GE(server_, 0);
    if (server_ == 0) {
      dup2(out[1], 1);
      close(out[0]);
      const std::string script = (dir_ / "server.py").string(), root = dir_.string();
      execl("/usr/bin/python3", "python3", script.c_str(), root.c_str(), nullptr);
      _exit(127);
    }
    close(out[1]);
    // Read the whole line: Python may write the port and the newline separately, and
    // closing early would kill it with EPIPE.
    std::string line;
    char c;
    while (line.size() < 16 && read(out[0], &c, 1) == 1 && c != '\n') line += c;
    close(out[0]);
    ASSERT_FALSE(line.empty()) << "server did not start";
    port_ = std::stoi(line);
  }

  void TearDown() override {
    if (server_ > 0) {
      kill(server_, SIGTERM);
      waitpid(server_, nullptr, 0);
    }
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  void write(const std::string& path, const json& body) {
    std::string name = path;
    for (char& c : name)
      if (c == '/') c = '_';
    std::ofstream(dir_ / (name + ".json")) << body.dump();
  }

  // Runs kubectl with a fresh HOME and cache so nothing from the machine leaks in.
  std::string kubectl(const std::string& args) {
    const std::string cmd = "HOME=" + (dir_ / "home").string() + " " + kKubectl +
                            " --server=http://127.0.0.1:" + std::to_string(port_) +
                            " --cache-dir=" + (dir_ / "cache").string() + " " + args + " 2>&1";
    std::string out;
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return "popen failed";
    std::array<char, 4096> buf;
    size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
    pclose(p);
    return out;
  }

  fs::path dir_;
  pid_t server_ = -1;
  int port_ = 0;
};

TEST_F(KubectlPrint, PodsWide) {
  const auto pods = json::parse(R"([
    {"metadata":{"name":"web-1","namespace":"default","creationTimestamp":"2024-06-01T11:55:00Z"},
     "spec":{"nodeName":"ip-10-0-1-5.ec2.internal","containers":[{"name":"app"}]},
     "status":{"phase":"Running","podIPs":[{"ip":"fd00:10:244:1::5"}],
       "containerStatuses":[{"name":"app","ready":true,"restartCount":0,"state":{"running":{}}}]}},
    {"metadata":{"name":"crash-1","namespace":"default","creationTimestamp":"2024-05-30T09:00:00Z"},
     "spec":{"nodeName":"ip-10-0-1-5.ec2.internal","containers":[{"name":"app"}]},
     "status":{"phase":"Running","podIPs":[{"ip":"fd00:10:244:1::7"}],
       "containerStatuses":[{"name":"app","ready":false,"restartCount":3,
         "lastState":{"terminated":{"exitCode":1,"finishedAt":"2024-06-01T11:58:00Z"}},
         "state":{"waiting":{"reason":"CrashLoopBackOff"}}}]}}])");
  write("/api/v1/namespaces/default/pods",
        make_table("", "pods", {pods[0], pods[1]}, {{"resourceVersion", "7"}}, testing::opts()));
  EXPECT_EQ(kubectl("get pods -n default"),
            "NAME      READY   STATUS             RESTARTS     AGE\n"
            "web-1     1/1     Running            0            5m\n"
            "crash-1   0/1     CrashLoopBackOff   3 (2m ago)   2d3h\n");
  EXPECT_EQ(
      kubectl("get pods -n default -o wide"),
      "NAME      READY   STATUS             RESTARTS     AGE    IP                 NODE                       NOMINATED NODE   READINESS GATES\n"
      "web-1     1/1     Running            0            5m     fd00:10:244:1::5   ip-10-0-1-5.ec2.internal   <none>           <none>\n"
      "crash-1   0/1     CrashLoopBackOff   3 (2m ago)   2d3h   fd00:10:244:1::7   ip-10-0-1-5.ec2.internal   <none>           <none>\n");
}

TEST_F(KubectlPrint, NodesWideAndDeployments) {
  const auto node = json::parse(R"J({"metadata":{"name":"node-a","creationTimestamp":"2024-06-01T09:00:00Z",
     "labels":{"node-role.kubernetes.io/control-plane":""}},"spec":{"unschedulable":true},
     "status":{"conditions":[{"type":"Ready","status":"True"}],
       "addresses":[{"type":"InternalIP","address":"2600:1f18::5"},{"type":"ExternalIP","address":"54.1.2.3"}],
       "nodeInfo":{"kubeletVersion":"v1.32.0","osImage":"Debian GNU/Linux 12 (bookworm)",
         "kernelVersion":"6.1.0-21-amd64","containerRuntimeVersion":"containerd://1.7.20"}}})J");
  write("/api/v1/nodes", make_table("", "nodes", {node}, {{"resourceVersion", "7"}}, testing::opts()));
  EXPECT_EQ(
      kubectl("get nodes -o wide"),
      "NAME     STATUS                     ROLES           AGE   VERSION   INTERNAL-IP    EXTERNAL-IP   OS-IMAGE                         KERNEL-VERSION   CONTAINER-RUNTIME\n"
      "node-a   Ready,SchedulingDisabled   control-plane   3h    v1.32.0   2600:1f18::5   54.1.2.3      Debian GNU/Linux 12 (bookworm)   6.1.0-21-amd64   containerd://1.7.20\n");

  const auto deploy = json::parse(R"({"metadata":{"name":"web","namespace":"default","creationTimestamp":"2024-05-31T12:00:00Z"},
     "spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},
       "template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.27"}]}}},
     "status":{"replicas":3,"updatedReplicas":3,"readyReplicas":2,"availableReplicas":2}})");
  write("/apis/apps/v1/namespaces/default/deployments",
        make_table("apps", "deployments", {deploy}, {{"resourceVersion", "7"}}, testing::opts()));
  EXPECT_EQ(kubectl("get deploy -n default"),
            "NAME   READY   UP-TO-DATE   AVAILABLE   AGE\n"
            "web    2/3     3            2           24h\n");
  EXPECT_EQ(kubectl("get deploy -n default -o wide"),
            "NAME   READY   UP-TO-DATE   AVAILABLE   AGE   CONTAINERS   IMAGES       SELECTOR\n"
            "web    2/3     3            2           24h   nginx        nginx:1.27   app=web\n");
}

}  // namespace
}  // namespace v6k::kube
