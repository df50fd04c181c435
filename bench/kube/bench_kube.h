// Shared pieces of bench_kube_apiserver (see bench_kube_apiserver.cc for what it measures):
// timing helpers, request building for ApiServer::handle(), realistic pod bodies and the
// report rows every part returns.
//
//   auto resp = api(k, "GET", "/api/v1/pods?limit=500", "", "application/json", kTableAccept);
//   Row r{"list Table via kubectl", "ms", ours, peer, "bare store list", "< 1000 ms", ours < 1000};
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "http/message.h"
#include "kube/apiserver/apiserver.h"

namespace v6k::testing {
class KubeCluster;
}

namespace v6k::bench {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

inline constexpr const char* kAdminToken = "admin-token-for-tests";  // testing::KubeCluster's
inline constexpr const char* kTableAccept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

[[noreturn]] void die(const std::string& what);
double ms_between(Clock::time_point a, Clock::time_point b);
double median(std::vector<double> v);

struct Percentiles {
  double p50 = 0, p99 = 0, max = 0;
  size_t n = 0;
};
Percentiles percentiles(std::vector<double> v);

// One request through ApiServer::handle(), as kubectl (admin token, kubectl user agent).
http::Response api(kube::ApiServer& s, const std::string& method, const std::string& target,
                   const std::string& body = "", const std::string& content_type = "application/json",
                   const std::string& accept = "application/json");

// A pod as kubectl would POST it: labels, one container with ports and requests, a node.
json pod_body(const std::string& ns, const std::string& name, int i);
// The status the node agent would report for pod i: Running, IPv6 pod and host IPs,
// the five conditions, one running container.
json pod_status(int i);

// One line of the final table.
struct Row {
  std::string what;
  std::string unit;       // "ms", "obj/s"
  double ours = 0;
  double peer = 0;        // < 0: no peer measured
  std::string peer_name;
  std::string target;     // "" = none
  bool met = true;
  bool higher_is_better = false;
};

// ---- the three parts (each in its own file)

// list_bench.cc: stores `pods` pods over `namespaces` namespaces ("team-00"...), cloned
// from one pod the server itself created and gave a Running status; returns the names
// in "team-00", where the watch part changes pods.
std::vector<std::string> seed_pods(testing::KubeCluster& k, int pods, int namespaces);
std::vector<Row> bench_list(testing::KubeCluster& k, int pods, int runs);

// watch_bench.cc: `watchers` HTTPS watches of team-00's pods, `changes` label PATCHes.
std::vector<Row> bench_watch(testing::KubeCluster& k, const std::vector<std::string>& pods, int watchers,
                             int changes);

// create_bench.cc: `n` POSTs through handle() on SQLite and on a private etcd.
std::vector<Row> bench_create(int n, const std::string& scratch_dir);

}  // namespace v6k::bench
