// assign_cluster_ips / release_cluster_ips / update_keeps_ips: the registry's create-time
// rules on a single-stack cluster, with upstream's field paths and messages.
#include <gtest/gtest.h>

#include "kube/serviceip/allocator.h"

namespace v6k::kube::serviceip {
namespace {

using json = nlohmann::json;

constexpr const char* kCidr6 = "fd5a:1b2c:3d4e::/108";

json service(json spec) {
  return {{"apiVersion", "v1"}, {"kind", "Service"}, {"metadata", {{"name", "web"}, {"namespace", "default"}}}, {"spec", spec}};
}

json web_spec() {
  return {{"selector", {{"app", "my-app"}}}, {"ports", {{{"port", 80}, {"targetPort", 80}, {"protocol", "TCP"}}}}};
}

std::unique_ptr<ServiceIpAllocator> alloc(const char* cidr = kCidr6) {
  return std::move(ServiceIpAllocator::create(cidr, 1).value());
}

TEST(AssignClusterIps, DefaultIpv6Service) {
  auto a = alloc();
  json svc = service(web_spec());
  ASSERT_TRUE(assign_cluster_ips(svc, *a, IpFamily::kIPv6));
  const json& spec = svc["spec"];
  std::string ip = spec["clusterIP"];
  EXPECT_EQ(spec["clusterIPs"], json::array({ip}));
  EXPECT_EQ(spec["ipFamilies"], json::array({"IPv6"}));
  EXPECT_EQ(spec["ipFamilyPolicy"], "SingleStack");
  EXPECT_TRUE(a->has(ip));
  EXPECT_EQ(ip.rfind("fd5a:1b2c:3d4e:", 0), 0u) << ip;
  release_cluster_ips(svc, *a);
  EXPECT_EQ(a->used(), 0u);
}

TEST(AssignClusterIps, Ipv4ClusterAndPreferDualStack) {
  auto a = alloc("10.100.0.0/16");
  json spec = web_spec();
  spec["ipFamilyPolicy"] = "PreferDualStack";
  json svc = service(spec);
  ASSERT_TRUE(assign_cluster_ips(svc, *a));
  EXPECT_EQ(svc["spec"]["ipFamilies"], json::array({"IPv4"}));  // single family: the cluster has one
  EXPECT_EQ(svc["spec"]["ipFamilyPolicy"], "PreferDualStack");
  EXPECT_EQ(svc["spec"]["clusterIPs"].size(), 1u);
}

TEST(AssignClusterIps, SpecificIpIsReserved) {
  auto a = alloc();
  json spec = web_spec();
  spec["clusterIP"] = "fd5a:1b2c:3d4e::a";  // static band is fine for users
  json svc = service(spec);
  ASSERT_TRUE(assign_cluster_ips(svc, *a));
  EXPECT_EQ(svc["spec"]["clusterIPs"], json::array({"fd5a:1b2c:3d4e::a"}));
  EXPECT_EQ(svc["spec"]["ipFamilies"], json::array({"IPv6"}));
  EXPECT_TRUE(a->has("fd5a:1b2c:3d4e::a"));
}

TEST(AssignClusterIps, HeadlessAndExternalName) {
  auto a = alloc();
  json with_sel = web_spec();
  with_sel["clusterIP"] = "None";
  json svc = service(with_sel);
  ASSERT_TRUE(assign_cluster_ips(svc, *a));
  EXPECT_EQ(svc["spec"]["clusterIPs"], json::array({"None"}));
  EXPECT_EQ(svc["spec"]["ipFamilies"], json::array({"IPv6"}));
  EXPECT_EQ(svc["spec"]["ipFamilyPolicy"], "SingleStack");

  // Headless without selector defaults to RequireDualStack and lists both families.
  json bare = service({{"clusterIP", "None"}});
  ASSERT_TRUE(assign_cluster_ips(bare, *a));
  EXPECT_EQ(bare["spec"]["ipFamilyPolicy"], "RequireDualStack");
  EXPECT_EQ(bare["spec"]["ipFamilies"], json::array({"IPv6", "IPv4"}));
  EXPECT_EQ(bare["spec"]["clusterIPs"], json::array({"None"}));

  json ext = service({{"type", "ExternalName"}, {"externalName", "db.example.com"}});
  json before = ext;
  ASSERT_TRUE(assign_cluster_ips(ext, *a));
  EXPECT_EQ(ext, before);
  EXPECT_EQ(a->used(), 0u);
}

struct Refusal {
  const char* name;
  json spec_extra;
  std::vector<FieldError> causes;
};

TEST(AssignClusterIps, InvalidRequests) {
  const Refusal cases[] = {
      {"taken",
       {{"clusterIP", "fd5a:1b2c:3d4e::5"}},
       {{"FieldValueInvalid", "spec.clusterIPs",
         "Invalid value: []string{\"fd5a:1b2c:3d4e::5\"}: failed to allocate IP fd5a:1b2c:3d4e::5: provided IP is "
         "already allocated"}}},
      {"out of range",
       {{"clusterIPs", {"fd00::1"}}},
       {{"FieldValueInvalid", "spec.clusterIPs",
         "Invalid value: []string{\"fd00::1\"}: failed to allocate IP fd00::1: the provided IP (fd00::1) is not in the "
         "valid range. The range of valid IPs is fd5a:1b2c:3d4e::/108"}}},
      {"require dual stack",
       {{"ipFamilyPolicy", "RequireDualStack"}},
       {{"FieldValueInvalid", "spec.ipFamilyPolicy",
         "Invalid value: \"RequireDualStack\": this cluster is not configured for dual-stack services"}}},
      {"family the cluster lacks",
       {{"ipFamilies", {"IPv4"}}},
       {{"FieldValueInvalid", "spec.ipFamilies[0]", "Invalid value: \"IPv4\": not configured on this cluster"}}},
      {"ip of a family the cluster lacks",
       {{"clusterIP", "10.0.0.5"}},
       {{"FieldValueInvalid", "spec.clusterIPs[0]",
         "Invalid value: []string{\"10.0.0.5\"}: IPv4 is not configured on this cluster"}}},
      {"single stack with two families",
       {{"ipFamilyPolicy", "SingleStack"}, {"ipFamilies", {"IPv6", "IPv4"}}},
       {{"FieldValueInvalid", "spec.ipFamilyPolicy",
         "Invalid value: \"SingleStack\": must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families "
         "are specified"}}},
      {"prefer dual with a second ip",
       {{"ipFamilyPolicy", "PreferDualStack"}, {"clusterIPs", {"fd5a:1b2c:3d4e::7", "10.0.0.7"}}},
       {{"FieldValueInvalid", "spec.clusterIPs[1]",
         "Invalid value: []string{\"fd5a:1b2c:3d4e::7\", \"10.0.0.7\"}: IPv4 is not configured on this cluster"}}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto a = alloc();
    ASSERT_TRUE(a->allocate_specific("fd5a:1b2c:3d4e::5"));
    json spec = web_spec();
    for (auto& [k, v] : c.spec_extra.items()) spec[k] = v;
    json svc = service(spec);
    auto r = assign_cluster_ips(svc, *a);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().http_status, 422);
    EXPECT_EQ(r.error().causes, c.causes);
    EXPECT_EQ(a->used(), 1u);  // nothing leaked
    EXPECT_EQ(invalid_message("", "Service", "web", r.error().causes),
              "Service \"web\" is invalid: " + c.causes[0].field + ": " + c.causes[0].message);
  }
}

TEST(AssignClusterIps, FullRangeIsInternalError) {
  auto a = alloc("10.100.0.0/30");  // 2 usable
  ASSERT_TRUE(a->allocate());
  ASSERT_TRUE(a->allocate());
  json svc = service(web_spec());
  auto r = assign_cluster_ips(svc, *a);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().http_status, 500);
  EXPECT_EQ(r.error().message, "failed to allocate a serviceIP: range is full");
  EXPECT_TRUE(r.error().causes.empty());
}

TEST(AssignClusterIps, FamilyArgumentMustMatchAllocator) {
  auto a = alloc();
  json svc = service(web_spec());
  auto r = assign_cluster_ips(svc, *a, IpFamily::kIPv4);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().http_status, 500);
  EXPECT_EQ(a->used(), 0u);
}

TEST(UpdateKeepsIps, CopiesOmittedFieldsOnly) {
  json old = service(web_spec());
  old["spec"]["clusterIP"] = "fd5a:1b2c:3d4e::9";
  old["spec"]["clusterIPs"] = {"fd5a:1b2c:3d4e::9"};
  old["spec"]["ipFamilies"] = {"IPv6"};
  old["spec"]["ipFamilyPolicy"] = "SingleStack";

  json put = service(web_spec());  // kubectl replace without clusterIP
  update_keeps_ips(old, put);
  EXPECT_EQ(put["spec"]["clusterIP"], "fd5a:1b2c:3d4e::9");
  EXPECT_EQ(put["spec"]["clusterIPs"], json::array({"fd5a:1b2c:3d4e::9"}));
  EXPECT_EQ(put["spec"]["ipFamilies"], json::array({"IPv6"}));
  EXPECT_EQ(put["spec"]["ipFamilyPolicy"], "SingleStack");

  json changed = service(web_spec());
  changed["spec"]["clusterIP"] = "fd5a:1b2c:3d4e::10";  // left for immutability validation to refuse
  update_keeps_ips(old, changed);
  EXPECT_EQ(changed["spec"]["clusterIP"], "fd5a:1b2c:3d4e::10");

  json to_ext = service({{"type", "ExternalName"}, {"externalName", "x.example"}});
  update_keeps_ips(old, to_ext);
  EXPECT_FALSE(to_ext["spec"].contains("clusterIP"));
}

}  // namespace
}  // namespace v6k::kube::serviceip
