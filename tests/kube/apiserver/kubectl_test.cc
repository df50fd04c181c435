// The real kubectl (1.32) against our API server: the commands of the seed walkthrough and
// the everyday ones around them, with the exact lines a real cluster makes kubectl print.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
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

json node_object(const std::string& name) {
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata", {{"name", name}, {"labels", {{"kubernetes.io/arch", "amd64"}, {"beta.kubernetes.io/arch", "amd64"}, {"kubernetes.io/os", "linux"}}}}},
          {"status",
           {{"conditions", json::array({{{"type", "Ready"}, {"status", "True"}, {"reason", "KubeletReady"},
                                         {"message", "kubelet is posting ready status"}}})},
            {"addresses", json::array({{{"type", "InternalIP"}, {"address", "2600:1f14:abc:1200::7"}},
                                       {{"type", "ExternalIP"}, {"address", "198.51.100.7"}},
                                       {{"type", "Hostname"}, {"address", name}}})},
            {"nodeInfo", {{"osImage", "Debian GNU/Linux 12 (bookworm)"}, {"kernelVersion", "6.1.0-v6k"},
                          {"containerRuntimeVersion", "v6k://0.1.0"}, {"kubeletVersion", "v1.32.0"},
                          {"architecture", "amd64"}, {"operatingSystem", "linux"}}}}}};
}

class KubectlTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(k.ok()) << k.error(); }
  ExecResult ok(const std::vector<std::string>& args, const std::string& in = "") {
    auto r = k.kubectl(args, in);
    EXPECT_EQ(r.exit_code, 0) << "kubectl";
    for (const auto& a : args) std::cerr << " " << a;
    if (r.exit_code != 0) std::cerr << "\nstdout: " << r.out << "\nstderr: " << r.err << "\n";
    else std::cerr << "\n";
    return r;
  }
  KubeCluster k;
};

TEST_F(KubectlTest, GetNodesWide) {
  int status = 0;
  k.request_json("POST", "/api/v1/nodes", node_object("ip-10-0-0-7.us-west-2.compute.internal"), &status);
  ASSERT_EQ(status, 201);
  auto r = ok({"get", "nodes", "-o", "wide"});
  auto ls = lines(r.out);
  ASSERT_EQ(ls.size(), 2u) << r.out;
  EXPECT_EQ(squeeze(ls[0]),
            "NAME STATUS ROLES AGE VERSION INTERNAL-IP EXTERNAL-IP OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME");
  EXPECT_THAT(squeeze(ls[1]), MatchesRegex("ip-10-0-0-7.us-west-2.compute.internal Ready <none> [0-9]+s v1.32.0 "
                                           "2600:1f14:abc:1200::7 198.51.100.7 Debian GNU/Linux 12 \\(bookworm\\) "
                                           "6.1.0-v6k v6k://0.1.0"));
}

TEST_F(KubectlTest, NamespaceApplyUnchangedConfiguredScaleLabelDelete) {
  // create namespace goes as protobuf.
  EXPECT_EQ(ok({"create", "namespace", "aws-news-blog"}).out, "namespace/aws-news-blog created\n");
  auto dup = k.kubectl({"create", "namespace", "aws-news-blog"});
  EXPECT_EQ(dup.exit_code, 1);
  EXPECT_EQ(dup.err, "Error from server (AlreadyExists): namespaces \"aws-news-blog\" already exists\n");

  EXPECT_EQ(ok({"apply", "-f", manifest_path()}).out,
            "service/my-service created\ndeployment.apps/my-deployment created\n");
  EXPECT_EQ(ok({"apply", "-f", manifest_path()}).out,
            "service/my-service unchanged\ndeployment.apps/my-deployment unchanged\n");
  std::string changed = read_file(manifest_path());
  changed.replace(changed.find("replicas: 3"), 11, "replicas: 4");
  EXPECT_EQ(ok({"apply", "-f", "-"}, changed).out,
            "service/my-service unchanged\ndeployment.apps/my-deployment configured\n");
  EXPECT_EQ(ok({"get", "deployment", "my-deployment", "-n", "aws-news-blog", "-o", "jsonpath={.spec.replicas}"}).out, "4");

  auto svc = ok({"get", "svc", "-n", "aws-news-blog"});
  auto sl = lines(svc.out);
  ASSERT_EQ(sl.size(), 2u) << svc.out;
  EXPECT_EQ(squeeze(sl[0]), "NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE");
  EXPECT_THAT(squeeze(sl[1]), MatchesRegex("my-service ClusterIP <none> <none> 80/TCP [0-9]+s"));

  auto deploy = ok({"get", "deploy", "-n", "aws-news-blog", "-o", "wide"});
  auto dl = lines(deploy.out);
  ASSERT_EQ(dl.size(), 2u) << deploy.out;
  EXPECT_EQ(squeeze(dl[0]), "NAME READY UP-TO-DATE AVAILABLE AGE CONTAINERS IMAGES SELECTOR");
  EXPECT_THAT(squeeze(dl[1]), MatchesRegex("my-deployment 0/4 0 0 [0-9]+s nginx "
                                           "public.ecr.aws/z9d2n7e1/nginx:1.19.5 app=my-app"));

  EXPECT_EQ(ok({"scale", "deployment", "my-deployment", "-n", "aws-news-blog", "--replicas=5"}).out,
            "deployment.apps/my-deployment scaled\n");
  EXPECT_EQ(ok({"get", "deployment", "my-deployment", "-n", "aws-news-blog", "-o", "jsonpath={.spec.replicas}"}).out, "5");
  EXPECT_EQ(ok({"label", "deployment", "my-deployment", "-n", "aws-news-blog", "tier=web"}).out,
            "deployment.apps/my-deployment labeled\n");
  EXPECT_EQ(ok({"get", "deploy", "-n", "aws-news-blog", "-l", "tier=web", "-o", "name"}).out,
            "deployment.apps/my-deployment\n");
  EXPECT_EQ(ok({"get", "deploy", "-n", "aws-news-blog", "-l", "tier=db", "-o", "name"}).out, "");

  auto yaml = ok({"get", "deployment", "my-deployment", "-n", "aws-news-blog", "-o", "yaml"});
  EXPECT_THAT(yaml.out, HasSubstr("kind: Deployment"));
  EXPECT_THAT(yaml.out, HasSubstr("kubectl.kubernetes.io/last-applied-configuration"));
  EXPECT_THAT(yaml.out, HasSubstr("uid: "));
  EXPECT_THAT(yaml.out, HasSubstr("generation: 3"));  // created, configured, scaled
  EXPECT_THAT(yaml.out, HasSubstr("revisionHistoryLimit: 10"));  // defaulted

  auto desc = ok({"describe", "deployment", "my-deployment", "-n", "aws-news-blog"});
  EXPECT_THAT(desc.out, MatchesRegex("(.|\n)*Name: +my-deployment\n(.|\n)*"));
  EXPECT_THAT(desc.out, MatchesRegex("(.|\n)*Selector: +app=my-app\n(.|\n)*"));
  EXPECT_THAT(desc.out, MatchesRegex("(.|\n)*StrategyType: +RollingUpdate\n(.|\n)*"));

  EXPECT_EQ(ok({"delete", "-f", manifest_path()}).out,
            "service \"my-service\" deleted\ndeployment.apps \"my-deployment\" deleted\n");
  auto gone = k.kubectl({"get", "deployment", "my-deployment", "-n", "aws-news-blog"});
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_EQ(gone.err, "Error from server (NotFound): deployments.apps \"my-deployment\" not found\n");
}

TEST_F(KubectlTest, PodsWideAndWatch) {
  ok({"create", "namespace", "demo"});
  EXPECT_EQ(k.kubectl({"get", "pods", "-n", "demo"}).err, "No resources found in demo namespace.\n");
  EXPECT_EQ(ok({"run", "web", "-n", "demo", "--image=nginx:1.19.5"}).out, "pod/web created\n");
  auto r = ok({"get", "pods", "-n", "demo", "-o", "wide"});
  auto ls = lines(r.out);
  ASSERT_EQ(ls.size(), 2u) << r.out;
  EXPECT_EQ(squeeze(ls[0]), "NAME READY STATUS RESTARTS AGE IP NODE NOMINATED NODE READINESS GATES");
  EXPECT_THAT(squeeze(ls[1]), MatchesRegex("web 0/1 Pending 0 [0-9]+s <none> <none> <none> <none>"));

  // get -w prints the current pod, then a pod created while it watches.
  std::thread later([&] {
    std::this_thread::sleep_for(1500ms);
    k.kubectl({"run", "late", "-n", "demo", "--image=nginx:1.19.5"});
  });
  auto w = k.kubectl({"get", "pods", "-n", "demo", "-w", "--request-timeout=4s"});
  later.join();
  auto wl = lines(w.out);
  ASSERT_GE(wl.size(), 3u) << w.out << w.err;
  EXPECT_EQ(squeeze(wl[0]), "NAME READY STATUS RESTARTS AGE");
  EXPECT_THAT(wl[1], HasSubstr("web"));
  EXPECT_THAT(w.out, HasSubstr("late"));
}

TEST_F(KubectlTest, ErrorsPrintLikeARealServer) {
  auto nf = k.kubectl({"get", "pod", "nope"});
  EXPECT_EQ(nf.exit_code, 1);
  EXPECT_EQ(nf.err, "Error from server (NotFound): pods \"nope\" not found\n");

  auto ns = k.kubectl({"run", "x", "-n", "missing", "--image=nginx"});
  EXPECT_EQ(ns.exit_code, 1);
  EXPECT_EQ(ns.err, "Error from server (NotFound): namespaces \"missing\" not found\n");

  ok({"create", "namespace", "demo"});
  const std::string bad = R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"bad","namespace":"demo"},
    "spec":{"replicas":-1,"selector":{"matchLabels":{"app":"a"}},
    "template":{"metadata":{"labels":{"app":"a"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}}})";
  auto inv = k.kubectl({"apply", "-f", "-"}, bad);
  EXPECT_EQ(inv.exit_code, 1);
  EXPECT_THAT(inv.err, HasSubstr("The Deployment \"bad\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0"));

  const std::string unknown = R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","namespace":"demo"},
    "data":{"a":"b"},"dataa":{"x":"y"}})";
  auto strict = k.kubectl({"apply", "-f", "-"}, unknown);
  EXPECT_EQ(strict.exit_code, 1);
  EXPECT_EQ(strict.err, "Error from server (BadRequest): error when creating \"STDIN\": ConfigMap in version \"v1\" "
                        "cannot be handled as a ConfigMap: strict decoding error: unknown field \"dataa\"\n");

  // A wrong token: kubectl's own wording for 401.
  auto r = k.kubectl({"get", "pods", "--token", "wrong"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("error: You must be logged in to the server (Unauthorized)"));
}

}  // namespace
}  // namespace v6k::testing
