// Service ClusterIPs through the API server (ApiServerOptions::service_cidr): allocated
// on create with ipFamilies/ipFamilyPolicy, kept by a PUT that omits them, refused with
// upstream's 422 when taken, released on delete, and rebuilt from the store at start.
#include <gtest/gtest.h>

#include "support/kube_cluster.h"

namespace v6k::kube {
namespace {

using testing::KubeCluster;
using nlohmann::json;

json service(const std::string& name, const std::string& ip = "") {
  json s = {{"apiVersion", "v1"},
            {"kind", "Service"},
            {"metadata", {{"name", name}}},
            {"spec", {{"selector", {{"app", name}}}, {"ports", json::array({{{"port", 80}}})}}}};
  if (!ip.empty()) s["spec"]["clusterIP"] = ip;
  return s;
}

ApiServerOptions with_cidr() {
  ApiServerOptions o;
  o.service_cidr = "fd00:5::/108";
  return o;
}

const char* kServices = "/api/v1/namespaces/default/services";

TEST(ServiceIps, AllocatedKeptRefusedReleasedRebuilt) {
  std::shared_ptr<store::Store> shared;
  {
    auto s = store::open_sqlite(":memory:");
    ASSERT_TRUE(s);
    shared = std::move(*s);
  }
  std::string first_ip;
  {
    KubeCluster k(shared, with_cidr());
    ASSERT_TRUE(k.ok()) << k.error();
    int st = 0;
    json a = k.request_json("POST", kServices, service("a"), &st);
    ASSERT_EQ(st, 201) << a.dump();
    first_ip = a["spec"].value("clusterIP", "");
    EXPECT_EQ(first_ip.rfind("fd00:5::", 0), 0u) << first_ip;
    EXPECT_EQ(a["spec"]["clusterIPs"], json::array({first_ip}));
    EXPECT_EQ(a["spec"]["ipFamilies"], json::array({"IPv6"}));
    EXPECT_EQ(a["spec"]["ipFamilyPolicy"], "SingleStack");

    // The same address for another Service: 422 with upstream's words.
    json b = k.request_json("POST", kServices, service("b", first_ip), &st);
    EXPECT_EQ(st, 422) << b.dump();
    EXPECT_EQ(b.value("message", ""), "Service \"b\" is invalid: spec.clusterIPs: Invalid value: []string{\"" + first_ip +
                                          "\"}: failed to allocate IP " + first_ip + ": provided IP is already allocated");
    json out = k.request_json("POST", kServices, service("c", "2001:db8::1"), &st);
    EXPECT_EQ(st, 422) << out.dump();
    EXPECT_NE(out.value("message", "").find("is not in the valid range. The range of valid IPs is fd00:5::/108"),
              std::string::npos)
        << out.dump();

    // A PUT without the IPs keeps them.
    json put = service("a");
    put["metadata"]["resourceVersion"] = a["metadata"]["resourceVersion"];
    put["metadata"]["labels"] = {{"x", "y"}};
    json upd = k.request_json("PUT", std::string(kServices) + "/a", put, &st);
    EXPECT_EQ(st, 200) << upd.dump();
    EXPECT_EQ(upd["spec"].value("clusterIP", ""), first_ip);

    // kubectl shows it.
    auto r = k.kubectl({"get", "service", "a", "--no-headers"});
    EXPECT_NE(r.out.find(first_ip), std::string::npos) << r.out << r.err;
  }
  {
    // A new server on the same store knows the address is taken.
    KubeCluster k(shared, with_cidr());
    ASSERT_TRUE(k.ok()) << k.error();
    int st = 0;
    json b = k.request_json("POST", kServices, service("b", first_ip), &st);
    EXPECT_EQ(st, 422) << b.dump();
    // Released on delete, then free for the next Service that asks for it.
    k.request_json("DELETE", std::string(kServices) + "/a", nullptr, &st);
    EXPECT_EQ(st, 200);
    b = k.request_json("POST", kServices, service("b", first_ip), &st);
    EXPECT_EQ(st, 201) << b.dump();
    // Headless Services get no address.
    json h = k.request_json("POST", kServices, service("h", "None"), &st);
    EXPECT_EQ(st, 201) << h.dump();
    EXPECT_EQ(h["spec"]["clusterIPs"], json::array({"None"}));
  }
}

}  // namespace
}  // namespace v6k::kube
