// The EndpointSlice and Endpoints controllers against a real API server: a Service's
// slice and Endpoints follow its pods (readiness, deletion, label moves), edits and
// deletions of the slice are repaired, and a deleted Service takes its objects along.
// Plus the pieces that decide which Services a pod event wakes up.
#include <gtest/gtest.h>

#include <algorithm>

#include "kube/controllers/netplan/endpointslices.h"
#include "kube/controllers/network/network.h"
#include "kube/controllers/network/service_loop.h"
#include "kube/controllers/network/controller_fixture.h"

namespace v6k::kube {
namespace {

using test::ControllerFixture;
using test::eventually;

json service(const std::string& name, const std::string& app, const std::string& cluster_ip) {
  return {{"apiVersion", "v1"},
          {"kind", "Service"},
          {"metadata", {{"name", name}}},
          {"spec",
           {{"selector", {{"app", app}}},
            {"clusterIP", cluster_ip},
            {"ipFamilies", {"IPv6"}},
            {"ports", {{{"name", "http"}, {"port", 80}, {"targetPort", 80}, {"protocol", "TCP"}}}}}}};
}

// "IPv6 ip=ready|not-ready ..." for every slice of the Service (sorted), "" when none,
// "<n> slices" when more than one.
std::string slice_summary(ControllerFixture& f, const std::string& ns, const std::string& svc) {
  auto r = f.client().list(resource_path(kEndpointSlices, ns),
                           "labelSelector=" + query_escape(std::string(netplan::kLabelServiceName) + "=" + svc));
  if (!r) return "error " + r.error().text();
  const json& items = (*r)["items"];
  if (items.empty()) return "";
  if (items.size() > 1) return std::to_string(items.size()) + " slices";
  const json& s = items[0];
  std::vector<std::string> eps;
  for (const auto& e : s.value("endpoints", json::array()))
    eps.push_back(e["addresses"][0].get<std::string>() + "=" +
                  (e["conditions"].value("ready", false) ? "ready" : "not-ready") + "/" +
                  e["targetRef"].value("name", ""));
  std::sort(eps.begin(), eps.end());
  std::string out = s.value("addressType", "?");
  for (const auto& e : eps) out += " " + e;
  return out;
}

// "ready: ips; not-ready: ips; ports: name/port/proto" of the Endpoints object, or "absent".
std::string endpoints_summary(ControllerFixture& f, const std::string& ns, const std::string& svc) {
  json ep = f.get(resource_path(kEndpoints, ns, svc));
  if (ep.is_null()) return "absent";
  std::vector<std::string> ready, not_ready, ports;
  for (const auto& s : ep.value("subsets", json::array())) {
    for (const auto& a : s.value("addresses", json::array())) ready.push_back(a["ip"]);
    for (const auto& a : s.value("notReadyAddresses", json::array())) not_ready.push_back(a["ip"]);
    for (const auto& p : s.value("ports", json::array()))
      ports.push_back(p.value("name", "") + "/" + std::to_string(p.value("port", 0)) + "/" + p.value("protocol", ""));
  }
  auto join = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    std::string o;
    for (const auto& x : v) o += (o.empty() ? "" : ",") + x;
    return o;
  };
  return "ready: " + join(ready) + "; not-ready: " + join(not_ready) + "; ports: " + join(ports);
}

void set_status(ControllerFixture& f, const std::string& ns, const std::string& name, const json& status) {
  auto r = f.client().patch(resource_path(kPods, ns, name) + "/status", PatchType::kMerge, {{"status", status}});
  ASSERT_TRUE(r) << r.error().text();
}

TEST(NetworkControllers, SliceAndEndpointsFollowPods) {
  ControllerFixture f;
  ASSERT_TRUE(f.ok()) << f.error();
  f.add(make_endpointslice_controller(f.ctx()));
  f.add(make_endpoints_controller(f.ctx()));
  ASSERT_TRUE(f.start());
  f.create_namespace("web");
  const std::string pods = resource_path(kPods, "web");
  f.create(resource_path(kServices, "web"), service("my-svc", "my-app", "fd00:10:96::10"));
  f.create(resource_path(kServices, "web"), service("other-svc", "other", "fd00:10:96::11"));
  const std::vector<std::tuple<std::string, std::string, bool>> seed = {
      {"a", "fd10:244::a", true}, {"b", "fd10:244::b", true}, {"c", "fd10:244::c", false}};
  for (const auto& [name, ip, ready] : seed) {
    f.create(pods, test::pod(name, {{"app", "my-app"}}));
    set_status(f, "web", name, test::running_status(ip, ready));
  }

  std::string want = "IPv6 fd10:244::a=ready/a fd10:244::b=ready/b fd10:244::c=not-ready/c";
  EXPECT_TRUE(eventually([&] { return slice_summary(f, "web", "my-svc") == want; }))
      << slice_summary(f, "web", "my-svc");
  std::string want_ep = "ready: fd10:244::a,fd10:244::b; not-ready: fd10:244::c; ports: http/80/TCP";
  EXPECT_TRUE(eventually([&] { return endpoints_summary(f, "web", "my-svc") == want_ep; }))
      << endpoints_summary(f, "web", "my-svc");
  // The slice as kubectl shows it: owned by the Service, managed by the controller.
  auto out = f.cluster().kubectl({"get", "endpointslices", "-n", "web", "-l", "kubernetes.io/service-name=my-svc", "-o",
                                  "jsonpath={.items[0].metadata.ownerReferences[0].kind}/{.items[0].metadata."
                                  "ownerReferences[0].name} {.items[0].metadata.labels.endpointslice\\.kubernetes\\.io/"
                                  "managed-by} {.items[0].ports[0].port}"});
  EXPECT_EQ(out.out, "Service/my-svc endpointslice-controller.k8s.io 80") << out.err;
  // No pods selected: an empty (placeholder-free) slice for other-svc, an Endpoints without subsets.
  EXPECT_TRUE(eventually([&] { return slice_summary(f, "web", "other-svc") == "IPv6"; }))
      << slice_summary(f, "web", "other-svc");

  // c turns Ready.
  set_status(f, "web", "c", test::running_status("fd10:244::c", true));
  want = "IPv6 fd10:244::a=ready/a fd10:244::b=ready/b fd10:244::c=ready/c";
  EXPECT_TRUE(eventually([&] { return slice_summary(f, "web", "my-svc") == want; })) << slice_summary(f, "web", "my-svc");

  // b deleted: its endpoint goes.
  ASSERT_TRUE(f.client().remove(resource_path(kPods, "web", "b")));
  want = "IPv6 fd10:244::a=ready/a fd10:244::c=ready/c";
  EXPECT_TRUE(eventually([&] { return slice_summary(f, "web", "my-svc") == want; })) << slice_summary(f, "web", "my-svc");
  want_ep = "ready: fd10:244::a,fd10:244::c; not-ready: ; ports: http/80/TCP";
  EXPECT_TRUE(eventually([&] { return endpoints_summary(f, "web", "my-svc") == want_ep; }))
      << endpoints_summary(f, "web", "my-svc");

  // a relabelled app=other: it moves from my-svc to other-svc.
  ASSERT_TRUE(f.client().patch(resource_path(kPods, "web", "a"), PatchType::kMerge,
                               {{"metadata", {{"labels", {{"app", "other"}}}}}}));
  EXPECT_TRUE(eventually([&] { return slice_summary(f, "web", "my-svc") == "IPv6 fd10:244::c=ready/c"; }))
      << slice_summary(f, "web", "my-svc");
  EXPECT_TRUE(eventually([&] { return slice_summary(f, "web", "other-svc") == "IPv6 fd10:244::a=ready/a"; }))
      << slice_summary(f, "web", "other-svc");
  EXPECT_TRUE(eventually([&] {
    return endpoints_summary(f, "web", "other-svc") == "ready: fd10:244::a; not-ready: ; ports: http/80/TCP";
  })) << endpoints_summary(f, "web", "other-svc");
}

TEST(NetworkControllers, RepairsSlicesAndFollowsServiceDeletion) {
  ControllerFixture f;
  ASSERT_TRUE(f.ok()) << f.error();
  f.add(make_endpointslice_controller(f.ctx()));
  f.add(make_endpoints_controller(f.ctx()));
  ASSERT_TRUE(f.start());
  f.create_namespace("web");
  f.create(resource_path(kServices, "web"), service("my-svc", "my-app", "fd00:10:96::10"));
  f.create(resource_path(kPods, "web"), test::pod("a", {{"app", "my-app"}}));
  set_status(f, "web", "a", test::running_status("fd10:244::a", true));
  const std::string want = "IPv6 fd10:244::a=ready/a";
  ASSERT_TRUE(eventually([&] { return slice_summary(f, "web", "my-svc") == want; })) << slice_summary(f, "web", "my-svc");
  const std::string slices = resource_path(kEndpointSlices, "web");
  const std::string query = "labelSelector=" + query_escape("kubernetes.io/service-name=my-svc");
  auto first = f.client().list(slices, query);
  ASSERT_TRUE(first);
  std::string name = (*first)["items"][0]["metadata"]["name"];
  EXPECT_TRUE(name.starts_with("my-svc-")) << name;

  // Edited by someone else: put back.
  json edited = (*first)["items"][0];
  edited["endpoints"] = json::array();
  ASSERT_TRUE(f.client().update(slices + "/" + name, edited));
  EXPECT_TRUE(eventually([&] {
    json s = f.get(slices + "/" + name);
    return s.is_object() && s.value("endpoints", json::array()).size() == 1;
  })) << f.get(slices + "/" + name).dump();
  EXPECT_EQ(slice_summary(f, "web", "my-svc"), want);

  // Deleted: recreated under a new generated name.
  ASSERT_TRUE(f.client().remove(slices + "/" + name));
  EXPECT_TRUE(eventually([&] {
    auto l = f.client().list(slices, query);
    return l && (*l)["items"].size() == 1 && (*l)["items"][0]["metadata"]["name"] != name;
  }));
  EXPECT_EQ(slice_summary(f, "web", "my-svc"), want);

  // The Endpoints object deleted: recreated.
  ASSERT_TRUE(eventually([&] { return endpoints_summary(f, "web", "my-svc") != "absent"; }));
  ASSERT_TRUE(f.client().remove(resource_path(kEndpoints, "web", "my-svc")));
  EXPECT_TRUE(eventually([&] {
    return endpoints_summary(f, "web", "my-svc") == "ready: fd10:244::a; not-ready: ; ports: http/80/TCP";
  })) << endpoints_summary(f, "web", "my-svc");

  // The Service deleted: its slices and Endpoints go (no garbage collector running here).
  ASSERT_TRUE(f.client().remove(resource_path(kServices, "web", "my-svc")));
  EXPECT_TRUE(eventually([&] { return f.count(slices, query) == 0; }));
  EXPECT_TRUE(eventually([&] { return endpoints_summary(f, "web", "my-svc") == "absent"; }));
}

TEST(ServiceSelectorIndex, FindsServicesSelectingOldOrNewLabels) {
  network::ServiceSelectorIndex idx;
  auto svc = [](const std::string& ns, const std::string& name, const json& sel, const std::string& type = "ClusterIP") {
    return json{{"metadata", {{"namespace", ns}, {"name", name}}}, {"spec", {{"selector", sel}, {"type", type}}}};
  };
  idx.set(svc("a", "web", {{"app", "web"}}));
  idx.set(svc("a", "web-canary", {{"app", "web"}, {"track", "canary"}}));
  idx.set(svc("a", "db", {{"app", "db"}}));
  idx.set(svc("a", "manual", json::object()));                         // no selector: not indexed
  idx.set(svc("a", "ext", {{"app", "web"}}, "ExternalName"));          // ExternalName: not indexed
  idx.set(svc("b", "web", {{"app", "web"}}));
  EXPECT_EQ(idx.size(), 4u);

  struct Case {
    std::string ns;
    json labels;
    json old_labels;
    std::vector<std::string> want;
  };
  const std::vector<Case> cases = {
      {"a", {{"app", "web"}}, nullptr, {"a/web"}},
      {"a", {{"app", "web"}, {"track", "canary"}}, nullptr, {"a/web", "a/web-canary"}},
      {"a", {{"app", "db"}}, {{"app", "web"}}, {"a/db", "a/web"}},
      {"a", nullptr, nullptr, {}},
      {"b", {{"app", "web"}}, nullptr, {"b/web"}},
      {"c", {{"app", "web"}}, nullptr, {}},
      {"a", {{"app", "WEB"}}, nullptr, {}},
  };
  for (const auto& c : cases)
    EXPECT_EQ(idx.matching(c.ns, c.labels, c.old_labels.is_null() ? nullptr : &c.old_labels), c.want)
        << c.ns << " " << c.labels.dump();

  // Selector changed to nothing, then deleted.
  idx.set(svc("a", "web", json::object()));
  EXPECT_EQ(idx.matching("a", {{"app", "web"}}), std::vector<std::string>{});
  idx.erase(svc("a", "db", {}));
  EXPECT_EQ(idx.matching("a", {{"app", "db"}}), std::vector<std::string>{});
  EXPECT_EQ(idx.size(), 2u);
}

TEST(ServiceSelectorIndex, PodChangesThatMatterToEndpoints) {
  json base = test::pod("p", {{"app", "web"}}, "node-1");
  base["metadata"]["resourceVersion"] = "1";
  base["status"] = test::running_status("fd10::1", true);
  struct Case {
    const char* what;
    json::json_pointer path;
    json value;
    bool changed;
  };
  const std::vector<Case> cases = {
      {"resourceVersion only", json::json_pointer("/metadata/resourceVersion"), "2", false},
      {"annotation", json::json_pointer("/metadata/annotations"), {{"x", "y"}}, false},
      {"startTime", json::json_pointer("/status/startTime"), "2025-01-01T00:00:00Z", false},
      {"ContainersReady only", json::json_pointer("/status/conditions/1/status"), "False", false},
      {"labels", json::json_pointer("/metadata/labels/app"), "db", true},
      {"Ready", json::json_pointer("/status/conditions/0/status"), "False", true},
      {"podIPs", json::json_pointer("/status/podIPs/0/ip"), "fd10::2", true},
      {"phase", json::json_pointer("/status/phase"), "Succeeded", true},
      {"deletion", json::json_pointer("/metadata/deletionTimestamp"), "2025-01-01T00:00:00Z", true},
      {"hostname", json::json_pointer("/spec/hostname"), "h", true},
      {"ports", json::json_pointer("/spec/containers/0/ports/0/containerPort"), 81, true},
  };
  for (const auto& c : cases) {
    json next = base;
    next[c.path] = c.value;
    EXPECT_EQ(network::pod_endpoint_fields_changed(base, next), c.changed) << c.what;
  }
}

}  // namespace
}  // namespace v6k::kube
