// TokenReview (authentication.k8s.io/v1): who a bearer token belongs to, answered from the
// server's own token authenticators; what node agents use to authenticate callers of
// their kubelet endpoint. Create-only, listed by discovery.
#include <gtest/gtest.h>

#include "support/kube_cluster.h"

namespace v6k::testing {
namespace {

using nlohmann::json;

json review(const std::string& token) {
  return {{"apiVersion", "authentication.k8s.io/v1"}, {"kind", "TokenReview"}, {"spec", {{"token", token}}}};
}

constexpr char kPath[] = "/apis/authentication.k8s.io/v1/tokenreviews";

TEST(TokenReview, KnownUnknownAndMissingTokens) {
  KubeCluster k;
  ASSERT_TRUE(k.ok()) << k.error();
  int status = 0;
  json r = k.request_json("POST", kPath, review(KubeCluster::kNodeToken), &status);
  EXPECT_EQ(status, 201) << r.dump();
  EXPECT_EQ(r["kind"], "TokenReview");
  EXPECT_EQ(r["apiVersion"], "authentication.k8s.io/v1");
  EXPECT_EQ(r["status"]["authenticated"], true);
  EXPECT_EQ(r["status"]["user"]["username"], "system:node:node-1");
  EXPECT_EQ(r["status"]["user"]["groups"], json::array({"system:nodes", "system:authenticated"}));

  r = k.request_json("POST", kPath, review("nobody-has-this"), &status);
  EXPECT_EQ(status, 201) << r.dump();
  EXPECT_EQ(r["status"]["authenticated"], false);
  EXPECT_EQ(r["status"]["user"], json::object());

  r = k.request_json("POST", kPath, {{"apiVersion", "authentication.k8s.io/v1"}, {"kind", "TokenReview"}, {"spec", json::object()}},
                     &status);
  EXPECT_EQ(status, 400);
  EXPECT_EQ(r["message"], "token is required for TokenReview in authentication");

  // Nothing to read back: create is the only verb.
  auto got = k.request("GET", kPath);
  EXPECT_EQ(got.status, 405) << got.body;
}

TEST(TokenReview, NodesMayAskAndUnauthenticatedMayNot) {
  KubeCluster k;
  ASSERT_TRUE(k.ok()) << k.error();
  auto as_node = k.request("POST", kPath, review(KubeCluster::kAdminToken).dump(), "application/json",
                           KubeCluster::kNodeToken);
  EXPECT_EQ(as_node.status, 201) << as_node.body;
  EXPECT_EQ(json::parse(as_node.body)["status"]["user"]["username"], "kubernetes-admin");
  auto anonymous = k.request("POST", kPath, review(KubeCluster::kAdminToken).dump(), "application/json", "");
  EXPECT_EQ(anonymous.status, 401);
}

TEST(TokenReview, DiscoveryAndKubectl) {
  KubeCluster k;
  ASSERT_TRUE(k.ok()) << k.error();
  json list = k.request_json("GET", "/apis/authentication.k8s.io/v1");
  ASSERT_TRUE(list.contains("resources")) << list.dump();
  bool found = false;
  for (const auto& r : list["resources"])
    if (r["name"] == "tokenreviews") {
      found = true;
      EXPECT_EQ(r["kind"], "TokenReview");
      EXPECT_EQ(r["namespaced"], false);
      EXPECT_EQ(r["verbs"], json::array({"create"}));
    }
  EXPECT_TRUE(found) << list.dump();

  auto ar = k.kubectl({"api-resources", "--api-group=authentication.k8s.io", "--no-headers"});
  EXPECT_EQ(ar.exit_code, 0) << ar.err;
  EXPECT_NE(ar.out.find("tokenreviews"), std::string::npos) << ar.out;
  EXPECT_NE(ar.out.find("authentication.k8s.io/v1"), std::string::npos) << ar.out;

  auto created = k.kubectl({"create", "-f", "-", "-o", "jsonpath={.status.user.username}"},
                           review(KubeCluster::kNodeToken).dump());
  EXPECT_EQ(created.exit_code, 0) << created.err;
  EXPECT_EQ(created.out, "system:node:node-1");
}

}  // namespace
}  // namespace v6k::testing
