// Helpers shared by the parts of bench_kube_apiserver (declared in bench_kube.h).
#include <stdlib.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "bench_kube.h"

namespace v6k::bench {

void die(const std::string& what) {
  std::fprintf(stderr, "bench_kube_apiserver: %s\n", what.c_str());
  std::exit(1);
}

double ms_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

Percentiles percentiles(std::vector<double> v) {
  Percentiles p;
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  p.n = v.size();
  p.p50 = v[v.size() / 2];
  p.p99 = v[std::min(v.size() - 1, v.size() * 99 / 100)];
  p.max = v.back();
  return p;
}

http::Response api(kube::ApiServer& s, const std::string& method, const std::string& target,
                   const std::string& body, const std::string& content_type, const std::string& accept) {
  http::Request r;
  r.method = method;
  r.target = target;
  auto q = target.find('?');
  r.path = target.substr(0, q);
  r.query = q == std::string::npos ? "" : target.substr(q + 1);
  r.body = body;
  r.headers = {{"authorization", std::string("Bearer ") + kAdminToken},
               {"user-agent", "kubectl/v1.32.0 (linux/amd64) kubernetes/bench"},
               {"accept", accept}};
  if (!body.empty()) r.headers.emplace_back("content-type", content_type);
  r.remote = "[::1]:1";
  return s.handle(r);
}

namespace {

std::string hex2(int i) {
  char b[8];
  std::snprintf(b, sizeof b, "%x", i);
  return b;
}

// 2600:1f18:4a2:<node>00::<i> style addresses: one /64 per node, as VPC CNI prefix mode.
std::string pod_ip(int i) { return "2600:1f18:4a2:" + hex2(0x100 + i % 40) + "::" + hex2(i + 2); }
std::string host_ip(int i) { return "2600:1f18:4a2:ff00::" + hex2(0x10 + i % 40); }

}  // namespace

json pod_body(const std::string& ns, const std::string& name, int i) {
  static const char* kApps[] = {"web", "api", "worker", "cache", "ingest"};
  std::string app = kApps[i % 5];
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata",
           {{"name", name},
            {"namespace", ns},
            {"labels", {{"app", app}, {"tier", i % 2 ? "backend" : "frontend"}, {"team", ns},
                        {"pod-template-hash", "7d9f8c6b5"}}},
            {"annotations", {{"v6k.io/bench", "true"}}}}},
          {"spec",
           {{"nodeName", "ip-2600-1f18-4a2-ff00--" + hex2(0x10 + i % 40) + ".ec2.internal"},
            {"containers",
             json::array({{{"name", app},
                           {"image", "public.ecr.aws/nginx/nginx:1.27"},
                           {"ports", json::array({{{"containerPort", 8080}, {"protocol", "TCP"}}})},
                           {"env", json::array({{{"name", "MODE"}, {"value", "bench"}}})},
                           {"resources", {{"requests", {{"cpu", "100m"}, {"memory", "128Mi"}}},
                                          {"limits", {{"memory", "256Mi"}}}}}}})}}}};
}

json pod_status(int i) {
  const std::string t = "2025-01-15T10:00:00Z";
  auto cond = [&](const char* type) {
    return json{{"type", type}, {"status", "True"}, {"lastProbeTime", nullptr}, {"lastTransitionTime", t}};
  };
  static const char* kApps[] = {"web", "api", "worker", "cache", "ingest"};
  return {{"phase", "Running"},
          {"qosClass", "Burstable"},
          {"hostIP", host_ip(i)},
          {"hostIPs", json::array({{{"ip", host_ip(i)}}})},
          {"podIP", pod_ip(i)},
          {"podIPs", json::array({{{"ip", pod_ip(i)}}})},
          {"startTime", t},
          {"conditions", json::array({cond("PodReadyToStartContainers"), cond("Initialized"), cond("Ready"),
                                      cond("ContainersReady"), cond("PodScheduled")})},
          {"containerStatuses",
           json::array({{{"name", kApps[i % 5]},
                         {"ready", true},
                         {"started", true},
                         {"restartCount", 0},
                         {"image", "public.ecr.aws/nginx/nginx:1.27"},
                         {"imageID", "public.ecr.aws/nginx/nginx@sha256:0a1b2c3d4e5f"},
                         {"containerID", "containerd://" + std::string(64, 'c')},
                         {"state", {{"running", {{"startedAt", t}}}}}}})}};
}

}  // namespace v6k::bench
