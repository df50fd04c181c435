// More of the real kubectl (1.32) against our API server: the imperative create commands
// (protobuf bodies), server-side apply and its conflicts, graceful deletion and
// finalizers, describe with events, the wider get views, metadata edits, watches and the
// error lines. Each expectation is the exact text a real 1.32 cluster makes kubectl print
// (regular expressions only for AGE-like cells).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <fstream>
#include <sstream>
#include <thread>

#include "kubectl_util.h"
#include "support/kube_cluster.h"

namespace v6k::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using namespace std::chrono_literals;

std::vector<std::string> squeezed_lines(const std::string& s) {
  std::vector<std::string> out;
  for (const auto& l : lines(s)) out.push_back(squeeze(l));
  return out;
}

std::string now_rfc3339() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

json pod_object(const std::string& ns, const std::string& name, const std::string& node = "") {
  json p = {{"apiVersion", "v1"},
            {"kind", "Pod"},
            {"metadata", {{"name", name}, {"namespace", ns}, {"labels", {{"app", name}}}}},
            {"spec", {{"containers", json::array({{{"name", "c"}, {"image", "nginx:1.19.5"}}})}}}};
  if (!node.empty()) p["spec"]["nodeName"] = node;
  return p;
}

json node_object(const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata", {{"name", name}, {"labels", {{"kubernetes.io/arch", "amd64"}, {"kubernetes.io/os", "linux"}}}}},
          {"status",
           {{"conditions", json::array({{{"type", "Ready"}, {"status", "True"}, {"reason", "KubeletReady"},
                                         {"message", "kubelet is posting ready status"}}})},
            {"addresses", json::array({{{"type", "InternalIP"}, {"address", "10.0.0.7"}},
                                       {{"type", "Hostname"}, {"address", name}}})},
            {"capacity", {{"cpu", "2"}, {"memory", "4Gi"}, {"pods", "110"}}},
            {"allocatable", {{"cpu", "2"}, {"memory", "4Gi"}, {"pods", "110"}}},
            {"nodeInfo", {{"osImage", "Debian GNU/Linux 12 (bookworm)"}, {"kernelVersion", "6.1.0-v6k"},
                          {"containerRuntimeVersion", "v6k://0.1.0"}, {"kubeletVersion", "v1.32.0"},
                          {"kubeProxyVersion", "v1.32.0"}, {"architecture", "amd64"}, {"operatingSystem", "linux"}}}}}};
}

class KubectlMoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(k.ok()) << k.error(); }

  // Runs kubectl and expects success (stderr shown on failure).
  ExecResult ok(const std::vector<std::string>& args, const std::string& in = "") {
    auto r = k.kubectl(args, in);
    std::string cmd;
    for (const auto& a : args) cmd += " " + a;
    EXPECT_EQ(r.exit_code, 0) << "kubectl" << cmd << "\nstdout: " << r.out << "\nstderr: " << r.err;
    return r;
  }
  json post(const std::string& path, const json& body) {
    int status = 0;
    json out = k.request_json("POST", path, body, &status);
    EXPECT_EQ(status, 201) << path << ": " << out.dump();
    return out;
  }
  KubeCluster k;
};

// ---- imperative creates

TEST_F(KubectlMoreTest, CreateDeploymentSendsProtobufAndGetsTheRightSpec) {
  ok({"create", "namespace", "shop"});
  EXPECT_EQ(ok({"create", "deployment", "web", "--image=nginx:1.19.5", "--replicas=3", "--port=80", "-n", "shop"}).out,
            "deployment.apps/web created\n");
  auto r = ok({"get", "deployment", "web", "-n", "shop", "-o", "json"});
  json d = json::parse(r.out, nullptr, false);
  ASSERT_TRUE(d.is_object()) << r.out;
  EXPECT_EQ(d["metadata"]["labels"], json({{"app", "web"}}));
  EXPECT_EQ(d["metadata"]["generation"], 1);
  EXPECT_EQ(d["spec"]["replicas"], 3);
  EXPECT_EQ(d["spec"]["selector"], json({{"matchLabels", {{"app", "web"}}}}));
  EXPECT_EQ(d["spec"]["template"]["metadata"]["labels"], json({{"app", "web"}}));
  const json& c = d["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(c["name"], "nginx");
  EXPECT_EQ(c["image"], "nginx:1.19.5");
  EXPECT_EQ(c["ports"], json::parse(R"([{"containerPort":80,"protocol":"TCP"}])"));
  EXPECT_EQ(c["imagePullPolicy"], "IfNotPresent");
  EXPECT_EQ(c["terminationMessagePath"], "/dev/termination-log");
  EXPECT_EQ(c["terminationMessagePolicy"], "File");
  EXPECT_EQ(c["resources"], json::object());
  EXPECT_EQ(d["spec"]["strategy"],
            json::parse(R"({"type":"RollingUpdate","rollingUpdate":{"maxUnavailable":"25%","maxSurge":"25%"}})"));
  EXPECT_EQ(d["spec"]["revisionHistoryLimit"], 10);
  EXPECT_EQ(d["spec"]["progressDeadlineSeconds"], 600);
  EXPECT_EQ(d["spec"]["template"]["spec"]["restartPolicy"], "Always");
  EXPECT_EQ(d["spec"]["template"]["spec"]["dnsPolicy"], "ClusterFirst");
  EXPECT_EQ(d["spec"]["template"]["spec"]["schedulerName"], "default-scheduler");
  EXPECT_EQ(d["spec"]["template"]["spec"]["terminationGracePeriodSeconds"], 30);

  auto g = squeezed_lines(ok({"get", "deploy", "-n", "shop", "-o", "wide"}).out);
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[0], "NAME READY UP-TO-DATE AVAILABLE AGE CONTAINERS IMAGES SELECTOR");
  EXPECT_THAT(g[1], MatchesRegex("web 0/3 0 0 [0-9]+s nginx nginx:1.19.5 app=web"));
}

TEST_F(KubectlMoreTest, CreateConfigMapSecretServiceAccountServiceThenGetThemAll) {
  ok({"create", "namespace", "shop"});
  EXPECT_EQ(ok({"create", "configmap", "cfg", "--from-literal=a=1", "--from-literal=b=2", "-n", "shop"}).out,
            "configmap/cfg created\n");
  EXPECT_EQ(ok({"create", "secret", "generic", "creds", "--from-literal=user=admin", "-n", "shop"}).out,
            "secret/creds created\n");
  EXPECT_EQ(ok({"create", "serviceaccount", "robot", "-n", "shop"}).out, "serviceaccount/robot created\n");
  EXPECT_EQ(ok({"create", "service", "clusterip", "api", "--tcp=80:8080", "-n", "shop"}).out,
            "service/api created\n");

  EXPECT_EQ(ok({"get", "secret", "creds", "-n", "shop", "-o", "jsonpath={.data.user}"}).out, "YWRtaW4=");
  EXPECT_EQ(ok({"get", "svc", "api", "-n", "shop", "-o", "jsonpath={.spec.selector}"}).out, "{\"app\":\"api\"}");
  EXPECT_EQ(ok({"get", "svc", "api", "-n", "shop", "-o", "jsonpath={.spec.ports[0].targetPort}"}).out, "8080");

  auto g = squeezed_lines(ok({"get", "cm,secret,sa,svc", "-n", "shop"}).out);
  ASSERT_EQ(g.size(), 11u);
  EXPECT_EQ(g[0], "NAME DATA AGE");
  EXPECT_THAT(g[1], MatchesRegex("configmap/cfg 2 [0-9]+s"));
  EXPECT_EQ(g[2], "");
  EXPECT_EQ(g[3], "NAME TYPE DATA AGE");
  EXPECT_THAT(g[4], MatchesRegex("secret/creds Opaque 1 [0-9]+s"));
  EXPECT_EQ(g[5], "");
  EXPECT_EQ(g[6], "NAME SECRETS AGE");
  EXPECT_THAT(g[7], MatchesRegex("serviceaccount/robot 0 [0-9]+s"));
  EXPECT_EQ(g[8], "");
  EXPECT_EQ(g[9], "NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE");
  // CLUSTER-IP: a real cluster allocates one from the service CIDR; ours has no allocator yet.
  EXPECT_THAT(g[10], MatchesRegex("service/api ClusterIP [^ ]+ <none> 80/TCP [0-9]+s"));
}

// ---- server-side apply

TEST_F(KubectlMoreTest, ServerSideApplyConflictsWithScaleUntilForced) {
  ok({"create", "namespace", "aws-news-blog"});
  const std::string applied = "service/my-service serverside-applied\ndeployment.apps/my-deployment serverside-applied\n";
  EXPECT_EQ(ok({"apply", "--server-side", "-f", manifest_path()}).out, applied);
  EXPECT_EQ(ok({"apply", "--server-side", "-f", manifest_path()}).out, applied);
  EXPECT_EQ(ok({"get", "deploy", "my-deployment", "-n", "aws-news-blog", "-o", "jsonpath={.spec.replicas}"}).out, "3");

  EXPECT_EQ(ok({"scale", "deployment", "my-deployment", "-n", "aws-news-blog", "--replicas=5"}).out,
            "deployment.apps/my-deployment scaled\n");
  std::string changed = read_file(manifest_path());
  changed.replace(changed.find("replicas: 3"), 11, "replicas: 4");
  auto c = k.kubectl({"apply", "--server-side", "-f", "-"}, changed);
  EXPECT_EQ(c.exit_code, 1);
  auto el = lines(c.err);
  ASSERT_GE(el.size(), 2u) << c.err;
  EXPECT_EQ(el[0], "error: Apply failed with 1 conflict: conflict with \"kubectl\" with subresource \"scale\" "
                   "using apps/v1: .spec.replicas");
  EXPECT_EQ(el[1], "Please review the fields above--they currently have other managers. Here");
  EXPECT_EQ(el.back(), "See https://kubernetes.io/docs/reference/using-api/server-side-apply/#conflicts");
  // The service applied fine before the deployment failed.
  EXPECT_EQ(c.out, "service/my-service serverside-applied\n");
  EXPECT_EQ(ok({"get", "deploy", "my-deployment", "-n", "aws-news-blog", "-o", "jsonpath={.spec.replicas}"}).out, "5");

  EXPECT_EQ(ok({"apply", "--server-side", "--force-conflicts", "-f", "-"}, changed).out, applied);
  EXPECT_EQ(ok({"get", "deploy", "my-deployment", "-n", "aws-news-blog", "-o", "jsonpath={.spec.replicas}"}).out, "4");
  // The applier now owns spec.replicas again: a plain re-apply has no conflict.
  EXPECT_EQ(ok({"apply", "--server-side", "-f", "-"}, changed).out, applied);
}

// ---- deletion

TEST_F(KubectlMoreTest, DeleteAllPodsAndGracefulTermination) {
  ok({"create", "namespace", "shop"});
  post("/api/v1/namespaces/shop/pods", pod_object("shop", "a"));
  post("/api/v1/namespaces/shop/pods", pod_object("shop", "b"));
  EXPECT_EQ(ok({"delete", "pods", "--all", "-n", "shop"}).out, "pod \"a\" deleted\npod \"b\" deleted\n");
  EXPECT_EQ(k.kubectl({"get", "pods", "-n", "shop"}).err, "No resources found in shop namespace.\n");

  // A pod on a node: marked, kept until its kubelet confirms with gracePeriodSeconds=0.
  post("/api/v1/nodes", node_object("node-1"));
  post("/api/v1/namespaces/shop/pods", pod_object("shop", "p", "node-1"));
  EXPECT_EQ(ok({"delete", "pod", "p", "-n", "shop", "--wait=false"}).out, "pod \"p\" deleted\n");
  auto g = squeezed_lines(ok({"get", "pod", "p", "-n", "shop"}).out);
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g[0], "NAME READY STATUS RESTARTS AGE");
  EXPECT_THAT(g[1], MatchesRegex("p 0/1 Terminating 0 [0-9]+s"));
  json pod = json::parse(ok({"get", "pod", "p", "-n", "shop", "-o", "json"}).out, nullptr, false);
  ASSERT_TRUE(pod.is_object());
  EXPECT_TRUE(pod["metadata"].contains("deletionTimestamp"));
  EXPECT_EQ(pod["metadata"]["deletionGracePeriodSeconds"], 30);

  // The kubelet's final delete.
  auto resp = k.request("DELETE", "/api/v1/namespaces/shop/pods/p",
                        R"({"gracePeriodSeconds":0,"preconditions":{"uid":")" +
                            pod["metadata"]["uid"].get<std::string>() + "\"}}");
  EXPECT_EQ(resp.status, 200) << resp.body;
  auto gone = k.kubectl({"get", "pod", "p", "-n", "shop"});
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_EQ(gone.err, "Error from server (NotFound): pods \"p\" not found\n");

  // Without --wait=false kubectl watches the pod until the kubelet has finished with it.
  post("/api/v1/namespaces/shop/pods", pod_object("shop", "q", "node-1"));
  std::thread kubelet([&] {
    std::this_thread::sleep_for(1500ms);
    k.request("DELETE", "/api/v1/namespaces/shop/pods/q", R"({"gracePeriodSeconds":0})");
  });
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(ok({"delete", "pod", "q", "-n", "shop", "--timeout=20s"}).out, "pod \"q\" deleted\n");
  EXPECT_GE(std::chrono::steady_clock::now() - start, 1400ms);
  kubelet.join();
  EXPECT_EQ(k.kubectl({"get", "pods", "-n", "shop"}).err, "No resources found in shop namespace.\n");
}

TEST_F(KubectlMoreTest, FinalizerHoldsDeletionUntilPatchedAway) {
  ok({"create", "namespace", "shop"});
  for (const char* name : {"held", "held2"})
    post("/api/v1/namespaces/shop/configmaps",
         {{"apiVersion", "v1"}, {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"finalizers", json::array({"example.com/hold"})}}},
          {"data", {{"k", "v"}}}});
  EXPECT_EQ(ok({"delete", "configmap", "held", "-n", "shop", "--wait=false"}).out, "configmap \"held\" deleted\n");
  json cm = json::parse(ok({"get", "cm", "held", "-n", "shop", "-o", "json"}).out, nullptr, false);
  ASSERT_TRUE(cm.is_object());
  EXPECT_TRUE(cm["metadata"].contains("deletionTimestamp"));
  EXPECT_EQ(cm["metadata"]["finalizers"], json::array({"example.com/hold"}));

  EXPECT_EQ(ok({"patch", "configmap", "held", "-n", "shop", "--type=merge", "-p", R"({"metadata":{"finalizers":null}})"}).out,
            "configmap/held patched\n");
  auto gone = k.kubectl({"get", "cm", "held", "-n", "shop"});
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_EQ(gone.err, "Error from server (NotFound): configmaps \"held\" not found\n");

  EXPECT_EQ(ok({"delete", "configmap", "held2", "-n", "shop", "--wait=false"}).out, "configmap \"held2\" deleted\n");
  EXPECT_EQ(ok({"patch", "configmap", "held2", "-n", "shop", "--type=json", "-p",
                R"([{"op":"remove","path":"/metadata/finalizers/0"}])"}).out,
            "configmap/held2 patched\n");
  EXPECT_EQ(k.kubectl({"get", "cm", "held2", "-n", "shop"}).err,
            "Error from server (NotFound): configmaps \"held2\" not found\n");
}

// ---- describe and events

TEST_F(KubectlMoreTest, DescribePodNodeServiceWithEvents) {
  ok({"create", "namespace", "shop"});
  post("/api/v1/nodes", node_object("node-1"));
  json pod = post("/api/v1/namespaces/shop/pods", pod_object("shop", "web", "node-1"));
  ok({"create", "service", "clusterip", "web", "--tcp=80:80", "-n", "shop"});
  std::string now = now_rfc3339();
  post("/api/v1/namespaces/shop/events",
       {{"apiVersion", "v1"}, {"kind", "Event"},
        {"metadata", {{"name", "web.1"}, {"namespace", "shop"}}},
        {"involvedObject", {{"kind", "Pod"}, {"namespace", "shop"}, {"name", "web"}, {"apiVersion", "v1"},
                            {"uid", pod["metadata"]["uid"]}}},
        {"reason", "Scheduled"}, {"message", "Successfully assigned shop/web to node-1"}, {"type", "Normal"},
        {"source", {{"component", "default-scheduler"}}},
        {"firstTimestamp", now}, {"lastTimestamp", now}, {"count", 1}});

  auto d = ok({"describe", "pod", "web", "-n", "shop"});
  EXPECT_EQ(d.err, "");
  EXPECT_THAT(d.out, MatchesRegex("Name: +web\nNamespace: +shop\n(.|\n)*"));
  EXPECT_THAT(d.out, MatchesRegex("(.|\n)*\nNode: +node-1/\n(.|\n)*"));
  EXPECT_THAT(d.out, MatchesRegex("(.|\n)*\nStatus: +Pending\n(.|\n)*"));
  EXPECT_THAT(d.out, MatchesRegex("(.|\n)*\nEvents:\n  Type +Reason +Age +From +Message\n"
                                  "  ---- +------ +---- +---- +-------\n"
                                  "  Normal +Scheduled +[0-9]+s +default-scheduler +"
                                  "Successfully assigned shop/web to node-1\n$"));

  auto n = ok({"describe", "node", "node-1"});
  EXPECT_EQ(n.err, "");
  EXPECT_THAT(n.out, MatchesRegex("Name: +node-1\n(.|\n)*"));
  EXPECT_THAT(n.out, MatchesRegex("(.|\n)*\nNon-terminated Pods: +\\(1 in total\\)\n(.|\n)*"));
  EXPECT_THAT(n.out, MatchesRegex("(.|\n)*\n  shop +web +0 \\(0%\\) +0 \\(0%\\) +0 \\(0%\\) +0 \\(0%\\) +[0-9]+s\n(.|\n)*"));
  EXPECT_THAT(n.out, MatchesRegex("(.|\n)*\nEvents: +<none>\n$"));

  auto s = ok({"describe", "service", "web", "-n", "shop"});
  EXPECT_EQ(s.err, "");
  EXPECT_THAT(s.out, MatchesRegex("Name: +web\nNamespace: +shop\n(.|\n)*"));
  EXPECT_THAT(s.out, MatchesRegex("(.|\n)*\nSelector: +app=web\n(.|\n)*"));
  EXPECT_THAT(s.out, MatchesRegex("(.|\n)*\nType: +ClusterIP\n(.|\n)*"));
  EXPECT_THAT(s.out, MatchesRegex("(.|\n)*\nPort: +80-80 +80/TCP\nTargetPort: +80/TCP\n(.|\n)*"));
  EXPECT_THAT(s.out, MatchesRegex("(.|\n)*\nEvents: +<none>\n$"));

  auto ev = squeezed_lines(ok({"get", "events", "-n", "shop"}).out);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0], "LAST SEEN TYPE REASON OBJECT MESSAGE");
  EXPECT_THAT(ev[1], MatchesRegex("[0-9]+s Normal Scheduled pod/web Successfully assigned shop/web to node-1"));
}

// ---- the wider get views

TEST_F(KubectlMoreTest, EndpointSlicesAllNamespacesAndApiResources) {
  ok({"create", "namespace", "shop"});
  post("/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices",
       {{"apiVersion", "discovery.k8s.io/v1"}, {"kind", "EndpointSlice"},
        {"metadata", {{"name", "api-x7k2p"}, {"labels", {{"kubernetes.io/service-name", "api"}}}}},
        {"addressType", "IPv4"},
        {"endpoints", json::array({{{"addresses", json::array({"10.0.0.5"})}, {"conditions", {{"ready", true}}}},
                                   {{"addresses", json::array({"10.0.0.6"})}, {"conditions", {{"ready", true}}}}})},
        {"ports", json::array({{{"name", "http"}, {"port", 8080}, {"protocol", "TCP"}}})}});
  auto es = squeezed_lines(ok({"get", "endpointslices", "-n", "shop", "-o", "wide"}).out);
  ASSERT_EQ(es.size(), 2u);
  EXPECT_EQ(es[0], "NAME ADDRESSTYPE PORTS ENDPOINTS AGE");
  EXPECT_THAT(es[1], MatchesRegex("api-x7k2p IPv4 8080 10.0.0.5,10.0.0.6 [0-9]+s"));

  ok({"create", "deployment", "web", "--image=nginx:1.19.5", "-n", "shop"});
  ok({"create", "service", "clusterip", "web", "--tcp=80:80", "-n", "shop"});
  post("/api/v1/namespaces/shop/pods", pod_object("shop", "p"));
  auto all = squeezed_lines(ok({"get", "all", "-n", "shop"}).out);
  ASSERT_EQ(all.size(), 8u);
  EXPECT_EQ(all[0], "NAME READY STATUS RESTARTS AGE");
  EXPECT_THAT(all[1], MatchesRegex("pod/p 0/1 Pending 0 [0-9]+s"));
  EXPECT_EQ(all[2], "");
  EXPECT_EQ(all[3], "NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE");
  EXPECT_THAT(all[4], MatchesRegex("service/web ClusterIP [^ ]+ <none> 80/TCP [0-9]+s"));
  EXPECT_EQ(all[5], "");
  EXPECT_EQ(all[6], "NAME READY UP-TO-DATE AVAILABLE AGE");
  EXPECT_THAT(all[7], MatchesRegex("deployment.apps/web 0/1 0 0 [0-9]+s"));

  auto ns = squeezed_lines(ok({"get", "ns"}).out);
  ASSERT_EQ(ns.size(), 6u);
  EXPECT_EQ(ns[0], "NAME STATUS AGE");
  EXPECT_THAT(ns[1], MatchesRegex("default Active [0-9]+s"));
  EXPECT_THAT(ns[2], MatchesRegex("kube-node-lease Active [0-9]+s"));
  EXPECT_THAT(ns[3], MatchesRegex("kube-public Active [0-9]+s"));
  EXPECT_THAT(ns[4], MatchesRegex("kube-system Active [0-9]+s"));
  EXPECT_THAT(ns[5], MatchesRegex("shop Active [0-9]+s"));

  auto ar = squeezed_lines(ok({"api-resources"}).out);
  ASSERT_FALSE(ar.empty());
  EXPECT_EQ(ar[0], "NAME SHORTNAMES APIVERSION NAMESPACED KIND");
  auto has = [&](const std::string& row) { return std::find(ar.begin(), ar.end(), row) != ar.end(); };
  EXPECT_TRUE(has("pods po v1 true Pod"));
  EXPECT_TRUE(has("services svc v1 true Service"));
  EXPECT_TRUE(has("namespaces ns v1 false Namespace"));
  EXPECT_TRUE(has("deployments deploy apps/v1 true Deployment"));
  EXPECT_TRUE(has("endpointslices discovery.k8s.io/v1 true EndpointSlice"));

  EXPECT_THAT(ok({"version"}).out, HasSubstr("\nServer Version: v1.32.0\n"));
}

// ---- metadata edits, patch, replace

TEST_F(KubectlMoreTest, AnnotateLabelPatchReplace) {
  ok({"create", "namespace", "shop"});
  post("/api/v1/namespaces/shop/pods", pod_object("shop", "p"));
  EXPECT_EQ(ok({"annotate", "pod", "p", "-n", "shop", "owner=team-a"}).out, "pod/p annotated\n");
  EXPECT_EQ(ok({"get", "pod", "p", "-n", "shop", "-o", "jsonpath={.metadata.annotations.owner}"}).out, "team-a");

  auto clash = k.kubectl({"label", "pod", "p", "-n", "shop", "app=other"});
  EXPECT_EQ(clash.exit_code, 1);
  EXPECT_EQ(clash.err, "error: 'app' already has a value (p), and --overwrite is false\n");
  EXPECT_EQ(ok({"label", "pod", "p", "-n", "shop", "--overwrite", "app=other"}).out, "pod/p labeled\n");
  EXPECT_EQ(ok({"get", "pods", "-n", "shop", "-l", "app=other", "-o", "name"}).out, "pod/p\n");
  EXPECT_EQ(ok({"label", "pod", "p", "-n", "shop", "app-"}).out, "pod/p unlabeled\n");
  EXPECT_EQ(ok({"get", "pod", "p", "-n", "shop", "-o", "jsonpath={.metadata.labels}"}).out, "");

  EXPECT_EQ(ok({"patch", "pod", "p", "-n", "shop", "--type=json", "-p",
                R"([{"op":"replace","path":"/spec/containers/0/image","value":"nginx:1.21"}])"}).out,
            "pod/p patched\n");
  EXPECT_EQ(ok({"get", "pod", "p", "-n", "shop", "-o", "jsonpath={.spec.containers[0].image}"}).out, "nginx:1.21");
  // The same patch again changes nothing: kubectl says so.
  EXPECT_EQ(ok({"patch", "pod", "p", "-n", "shop", "--type=json", "-p",
                R"([{"op":"replace","path":"/spec/containers/0/image","value":"nginx:1.21"}])"}).out,
            "pod/p patched (no change)\n");

  // replace -f: a ConfigMap round-trips through get -o yaml with a change.
  ok({"create", "configmap", "cfg", "--from-literal=a=1", "-n", "shop"});
  std::string yaml = ok({"get", "cm", "cfg", "-n", "shop", "-o", "yaml"}).out;
  auto pos = yaml.find("a: \"1\"");
  ASSERT_NE(pos, std::string::npos) << yaml;
  yaml.replace(pos, 6, "a: \"2\"");
  EXPECT_EQ(ok({"replace", "-f", "-"}, yaml).out, "configmap/cfg replaced\n");
  EXPECT_EQ(ok({"get", "cm", "cfg", "-n", "shop", "-o", "jsonpath={.data.a}"}).out, "2");
  // The same stale yaml again: its resourceVersion is now old.
  auto stale = k.kubectl({"replace", "-f", "-"}, yaml);
  EXPECT_EQ(stale.exit_code, 1);
  EXPECT_EQ(stale.err, "Error from server (Conflict): error when replacing \"STDIN\": Operation cannot be fulfilled on "
                       "configmaps \"cfg\": the object has been modified; please apply your changes to the latest "
                       "version and try again\n");
}

// ---- watches

TEST_F(KubectlMoreTest, WatchPrintsOneLinePerEvent) {
  ok({"create", "namespace", "shop"});
  post("/api/v1/namespaces/shop/pods", pod_object("shop", "a"));
  std::thread later([&] {
    std::this_thread::sleep_for(1500ms);
    k.request_json("POST", "/api/v1/namespaces/shop/pods", pod_object("shop", "b"));
    k.kubectl({"label", "pod", "a", "-n", "shop", "tier=web"});
    k.kubectl({"delete", "pod", "a", "-n", "shop", "--wait=false"});
  });
  auto w = k.kubectl({"get", "pods", "-n", "shop", "-w", "-o", "wide", "--request-timeout=4s"});
  later.join();
  auto wl = squeezed_lines(w.out);
  ASSERT_EQ(wl.size(), 5u) << w.out << w.err;
  EXPECT_EQ(wl[0], "NAME READY STATUS RESTARTS AGE IP NODE NOMINATED NODE READINESS GATES");
  EXPECT_THAT(wl[1], MatchesRegex("a 0/1 Pending 0 [0-9]+s <none> <none> <none> <none>"));
  EXPECT_THAT(wl[2], MatchesRegex("b 0/1 Pending 0 [0-9]+s <none> <none> <none> <none>"));
  EXPECT_THAT(wl[3], MatchesRegex("a 0/1 Pending 0 [0-9]+s <none> <none> <none> <none>"));
  EXPECT_THAT(wl[4], MatchesRegex("a 0/1 Pending 0 [0-9]+s <none> <none> <none> <none>"));

  ok({"create", "deployment", "web", "--image=nginx:1.19.5", "-n", "shop"});
  std::thread scale([&] {
    std::this_thread::sleep_for(1500ms);
    k.kubectl({"scale", "deployment", "web", "-n", "shop", "--replicas=2"});
  });
  auto d = k.kubectl({"get", "deploy", "-n", "shop", "-w", "--request-timeout=4s"});
  scale.join();
  auto dl = squeezed_lines(d.out);
  ASSERT_EQ(dl.size(), 3u) << d.out << d.err;
  EXPECT_EQ(dl[0], "NAME READY UP-TO-DATE AVAILABLE AGE");
  EXPECT_THAT(dl[1], MatchesRegex("web 0/1 0 0 [0-9]+s"));
  EXPECT_THAT(dl[2], MatchesRegex("web 0/2 0 0 [0-9]+s"));
}

// ---- errors

TEST_F(KubectlMoreTest, ErrorLines) {
  ok({"create", "namespace", "shop"});
  auto sel = k.kubectl({"get", "pods", "-n", "shop", "--selector", "a in (b"});
  EXPECT_EQ(sel.exit_code, 1);
  EXPECT_EQ(sel.err, "Error from server (BadRequest): Unable to find \"/v1, Resource=pods\" that match label selector "
                     "\"a in (b\", field selector \"\": unable to parse requirement: found '', expected: ',' or ')'\n");

  auto nf = k.kubectl({"delete", "pod", "nope", "-n", "shop"});
  EXPECT_EQ(nf.exit_code, 1);
  EXPECT_EQ(nf.err, "Error from server (NotFound): pods \"nope\" not found\n");

  auto bad = k.kubectl({"create", "-f", "-"}, pod_object("shop", "Bad_Name").dump());
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_EQ(bad.err, "The Pod \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 "
                     "subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end "
                     "with an alphanumeric character (e.g. 'example.com', regex used for validation is "
                     "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')\n");

  ok({"create", "deployment", "web", "--image=nginx:1.19.5", "-n", "shop"});
  auto neg = k.kubectl({"scale", "deployment", "web", "-n", "shop", "--replicas=-1"});
  EXPECT_EQ(neg.exit_code, 1);
  EXPECT_EQ(neg.err, "error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0\n");
}

}  // namespace
}  // namespace v6k::testing
