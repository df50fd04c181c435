// The pod status the agent writes, from runtime states: phase by upstream's rules,
// container states, restart counts, conditions, and the container spec it starts.
#include <gtest/gtest.h>

#include "addr/ip.h"
#include "node/agent/pod_status.h"
#include "node/dns/records.h"

namespace v6k::node {
namespace {

using nlohmann::json;

json pod(const std::string& policy = "Always") {
  return {{"metadata", {{"name", "p"}, {"namespace", "ns"}, {"uid", "u-1"}}},
          {"spec", {{"restartPolicy", policy}, {"nodeName", "node-1"}, {"containers", json::array({{{"name", "c"}}})}}},
          {"status", {{"phase", "Pending"}, {"qosClass", "BestEffort"}}}};
}

runtime::ContainerStatus running() {
  runtime::ContainerStatus s;
  s.id = "abc";
  s.image_id = "sha256:1";
  s.state = runtime::ContainerState::kRunning;
  s.started_ns = 1'700'000'000'000'000'000;
  return s;
}

runtime::ContainerStatus exited(int code) {
  auto s = running();
  s.state = runtime::ContainerState::kExited;
  s.exit_code = code;
  s.finished_ns = s.started_ns + 5'000'000'000;
  s.reason = code == 0 ? "Completed" : "Error";
  return s;
}

const PodView kView{.pod_ip = "2001:db8::5", .host_ip = "2001:db8::1", .start_time = "2026-11-27T10:00:00Z",
                    .now = "2026-11-27T10:00:05Z"};

struct Case {
  const char* what;
  std::string policy;
  ContainerRecord rec;
  std::string phase;
  std::string state;  // running / waiting / terminated
  bool ready;
};

TEST(PodStatus, PhaseAndContainerStateByUpstreamRules) {
  std::vector<Case> cases = {
      {"running", "Always", {.name = "c", .image = "nginx", .current = running()}, "Running", "running", true},
      {"not started yet", "Always", {.name = "c", .image = "nginx"}, "Pending", "waiting", false},
      {"image missing", "Always", {.name = "c", .image = "x", .waiting_reason = "ErrImagePull", .waiting_message = "not found"},
       "Pending", "waiting", false},
      {"crash loop", "Always",
       {.name = "c", .image = "nginx", .restart_count = 3, .current = exited(1), .waiting_reason = "CrashLoopBackOff"},
       "Running", "waiting", false},
      {"done, Never, ok", "Never", {.name = "c", .image = "busybox", .current = exited(0)}, "Succeeded", "terminated", false},
      {"done, Never, failed", "Never", {.name = "c", .image = "busybox", .current = exited(2)}, "Failed", "terminated", false},
      {"done, OnFailure, ok", "OnFailure", {.name = "c", .image = "busybox", .current = exited(0)}, "Succeeded", "terminated",
       false},
  };
  for (const auto& c : cases) {
    json st = pod_status(pod(c.policy), {c.rec}, kView);
    EXPECT_EQ(st["phase"], c.phase) << c.what;
    const json& cs = st["containerStatuses"][0];
    EXPECT_TRUE(cs["state"].contains(c.state)) << c.what << ": " << cs.dump();
    EXPECT_EQ(cs["ready"], c.ready) << c.what;
    EXPECT_EQ(st["conditions"][2]["type"], "Ready");
    EXPECT_EQ(st["conditions"][2]["status"], c.ready ? "True" : "False") << c.what;
  }
  // The crash loop shows the last termination and the restart count.
  json loop = pod_status(pod(), {cases[3].rec}, kView);
  EXPECT_EQ(loop["containerStatuses"][0]["restartCount"], 3);
  EXPECT_EQ(loop["containerStatuses"][0]["lastState"]["terminated"]["exitCode"], 1);
  EXPECT_EQ(loop["containerStatuses"][0]["state"]["waiting"]["reason"], "CrashLoopBackOff");
  json pull = pod_status(pod(), {cases[2].rec}, kView);
  EXPECT_EQ(pull["containerStatuses"][0]["state"]["waiting"]["message"], "not found");
}

TEST(PodStatus, AddressesTimesAndConditionTransitions) {
  ContainerRecord r{.name = "c", .image = "nginx", .current = running()};
  json st = pod_status(pod(), {r}, kView);
  EXPECT_EQ(st["podIP"], "2001:db8::5");
  EXPECT_EQ(st["podIPs"], json::array({{{"ip", "2001:db8::5"}}}));
  EXPECT_EQ(st["hostIP"], "2001:db8::1");
  EXPECT_EQ(st["startTime"], "2026-11-27T10:00:00Z");
  EXPECT_EQ(st["containerStatuses"][0]["containerID"], "v6k://abc");
  EXPECT_EQ(st["containerStatuses"][0]["state"]["running"]["startedAt"], "2023-11-14T22:13:20Z");
  // Written again later with the same state: lastTransitionTime stays.
  json p = pod();
  p["status"] = st;
  PodView later = kView;
  later.now = "2026-11-27T10:09:00Z";
  json again = pod_status(p, {r}, later);
  EXPECT_EQ(again["conditions"][2]["lastTransitionTime"], "2026-11-27T10:00:05Z");
  // No sandbox yet: no podIP, PodReadyToStartContainers False.
  PodView none = kView;
  none.pod_ip.clear();
  json early = pod_status(pod(), {{.name = "c", .image = "nginx"}}, none);
  EXPECT_FALSE(early.contains("podIP"));
  EXPECT_EQ(early["conditions"][0]["status"], "False");
}

TEST(PodStatus, ContainerSpecFromThePod) {
  json p = pod();
  json c = {{"name", "c"},
            {"image", "busybox"},
            {"command", json::array({"sh", "-c"})},
            {"args", json::array({"echo $POD_IP"})},
            {"workingDir", "/tmp"},
            {"env", json::array({{{"name", "A"}, {"value", "1"}},
                                 {{"name", "POD_NAME"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "metadata.name"}}}}}},
                                 {{"name", "POD_IP"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "status.podIP"}}}}}},
                                 {{"name", "NODE"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "spec.nodeName"}}}}}}})},
            {"resources", {{"limits", {{"cpu", "250m"}, {"memory", "64Mi"}}}}}};
  auto s = container_spec(p, c, "2001:db8::5", "2001:db8::1");
  EXPECT_EQ(s.command, (std::vector<std::string>{"sh", "-c"}));
  EXPECT_EQ(s.args, (std::vector<std::string>{"echo $POD_IP"}));
  EXPECT_EQ(s.working_dir, "/tmp");
  using E = std::pair<std::string, std::string>;
  EXPECT_EQ(s.env, (std::vector<E>{{"A", "1"}, {"POD_NAME", "p"}, {"POD_IP", "2001:db8::5"}, {"NODE", "node-1"}}));
  EXPECT_EQ(s.resources.cpu_limit_millis, 250);
  EXPECT_EQ(s.resources.memory_limit_bytes, 64 << 20);
}

TEST(PodStatus, ProbeReadinessAndConditionMessages) {
  // Running but its readiness probe has not passed: not ready, with upstream's message.
  ContainerRecord r{.name = "c", .image = "nginx", .current = running(), .ready = false};
  json st = pod_status(pod(), {r}, kView);
  EXPECT_EQ(st["phase"], "Running");
  EXPECT_EQ(st["containerStatuses"][0]["ready"], false);
  EXPECT_EQ(st["containerStatuses"][0]["started"], true);
  for (int i : {2, 3}) {
    EXPECT_EQ(st["conditions"][i]["status"], "False");
    EXPECT_EQ(st["conditions"][i]["reason"], "ContainersNotReady");
    EXPECT_EQ(st["conditions"][i]["message"], "containers with unready status: [c]");
  }
  // A startup probe still running: neither started nor ready.
  r.started = false;
  EXPECT_EQ(pod_status(pod(), {r}, kView)["containerStatuses"][0]["started"], false);
  // Ready: no message.
  r.ready = r.started = true;
  json ok = pod_status(pod(), {r}, kView);
  EXPECT_EQ(ok["conditions"][2]["status"], "True");
  EXPECT_FALSE(ok["conditions"][2].contains("message"));
}

json dns_pod(const json& spec_extra) {
  json p = {{"metadata", {{"name", "web-1"}, {"namespace", "shop"}, {"uid", "u-9"}}}, {"spec", json::object()}};
  p["spec"].update(spec_extra);
  return p;
}

TEST(PodDns, ResolvConfByPolicyAndDnsConfig) {
  const PodDnsOptions cluster{.cluster_dns = "fd12:3456:789a::a"};
  const std::string node = "# the node's\nsearch us-west-2.compute.internal\nnameserver 10.0.0.2\noptions timeout:2\n";
  struct DnsCase {
    const char* what;
    json spec;
    PodDnsOptions opts;
    std::string resolv;
    std::vector<std::string> events;  // reasons
  };
  std::vector<DnsCase> cases = {
      {"ClusterFirst (default)", json::object(), cluster,
       "nameserver fd12:3456:789a::a\nsearch shop.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n", {}},
      {"ClusterFirstWithHostNet", {{"dnsPolicy", "ClusterFirstWithHostNet"}}, cluster,
       "nameserver fd12:3456:789a::a\nsearch shop.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n", {}},
      {"other domain", json::object(), {.cluster_dns = "10.100.0.10", .cluster_domain = "k8s.local"},
       "nameserver 10.100.0.10\nsearch shop.svc.k8s.local svc.k8s.local k8s.local\noptions ndots:5\n", {}},
      {"Default", {{"dnsPolicy", "Default"}}, {.cluster_dns = "fd12:3456:789a::a", .node_resolv_conf = node},
       "nameserver 10.0.0.2\nsearch us-west-2.compute.internal\noptions timeout:2\n", {}},
      {"hostNetwork ClusterFirst is Default", {{"hostNetwork", true}}, {.cluster_dns = "fd12::a", .node_resolv_conf = node},
       "nameserver 10.0.0.2\nsearch us-west-2.compute.internal\noptions timeout:2\n", {}},
      {"no cluster DNS: Default", json::object(), {}, "", {"MissingClusterDNS"}},
      {"None", {{"dnsPolicy", "None"}, {"dnsConfig", {{"nameservers", json::array({"2001:db8::53"})}}}}, cluster,
       "nameserver 2001:db8::53\n", {}},
      {"merged", {{"dnsConfig", {{"nameservers", json::array({"fd12:3456:789a::a", "2001:db8::53"})},
                                 {"searches", json::array({"svc.cluster.local", "corp.example"})},
                                 {"options", json::array({{{"name", "ndots"}, {"value", "1"}}, {{"name", "edns0"}}})}}}},
       cluster,
       "nameserver fd12:3456:789a::a\nnameserver 2001:db8::53\nsearch shop.svc.cluster.local svc.cluster.local "
       "cluster.local corp.example\noptions ndots:1 edns0\n",
       {}},
      {"nameserver limit", {{"dnsConfig", {{"nameservers", json::array({"2001:db8::1", "2001:db8::2", "2001:db8::3"})}}}},
       cluster,
       "nameserver fd12:3456:789a::a\nnameserver 2001:db8::1\nnameserver 2001:db8::2\nsearch shop.svc.cluster.local "
       "svc.cluster.local cluster.local\noptions ndots:5\n",
       {"DNSConfigForming"}},
  };
  for (const auto& c : cases) {
    auto f = pod_dns_files(dns_pod(c.spec), "2001:db8::5", c.opts);
    EXPECT_EQ(f.resolv_conf, c.resolv) << c.what;
    std::vector<std::string> reasons;
    for (const auto& [reason, message] : f.events) reasons.push_back(reason);
    EXPECT_EQ(reasons, c.events) << c.what;
  }
  // The plain ClusterFirst file is the DNS module's.
  EXPECT_EQ(pod_dns_files(dns_pod(json::object()), "", cluster).resolv_conf,
            dns::pod_resolv_conf(*addr::parse_ip("fd12:3456:789a::a"), "shop"));
  EXPECT_EQ(pod_dns_files(dns_pod(json::object()), "", {}).events[0].second,
            "pod: \"web-1_shop(u-9)\". kubelet does not have ClusterDNS IP configured and cannot create Pod using "
            "\"ClusterFirst\" policy. Falling back to \"Default\" policy.");
  auto limited = pod_dns_files(dns_pod({{"dnsConfig", {{"nameservers", json::array({"2001:db8::1", "2001:db8::2", "2001:db8::3"})}}}}), "", cluster);
  EXPECT_EQ(limited.events[0].second,
            "Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: "
            "fd12:3456:789a::a 2001:db8::1 2001:db8::2");
  // 40 search domains: 32 kept.
  json many = json::array();
  for (int i = 0; i < 40; ++i) many.push_back("d" + std::to_string(i) + ".example");
  auto searches = pod_dns_files(dns_pod({{"dnsPolicy", "None"}, {"dnsConfig", {{"searches", many}}}}), "", cluster);
  EXPECT_EQ(parse_resolv_conf(searches.resolv_conf).searches.size(), 32u);
  ASSERT_EQ(searches.events.size(), 1u);
  EXPECT_EQ(searches.events[0].second.rfind("Search Line limits were exceeded, some search paths have been omitted, "
                                            "the applied search line is: d0.example d1.example ", 0),
            0u);
}

TEST(PodDns, ResolvConfTextRoundTrips) {
  auto rc = parse_resolv_conf("; comment\nnameserver 10.0.0.2 # trailing\nnameserver ::1\ndomain a.example\n"
                              "search b.example c.example\noptions ndots:2\noptions rotate\nsortlist 1.2.3.4\n  \n");
  EXPECT_EQ(rc.nameservers, (std::vector<std::string>{"10.0.0.2", "::1"}));
  EXPECT_EQ(rc.searches, (std::vector<std::string>{"b.example", "c.example"}));  // the last one wins
  EXPECT_EQ(rc.options, (std::vector<std::string>{"ndots:2", "rotate"}));
  const std::string text = render_resolv_conf(rc);
  EXPECT_EQ(text, "nameserver 10.0.0.2\nnameserver ::1\nsearch b.example c.example\noptions ndots:2 rotate\n");
  EXPECT_EQ(render_resolv_conf(parse_resolv_conf(text)), text);
  EXPECT_EQ(render_resolv_conf(parse_resolv_conf("")), "");
}

TEST(PodDns, KubeletManagedHosts) {
  const std::string head =
      "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
      "fe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n";
  EXPECT_EQ(pod_dns_files(dns_pod(json::object()), "2001:db8::5", {}).hosts, head + "2001:db8::5\tweb-1\n");
  EXPECT_EQ(pod_dns_files(dns_pod({{"hostname", "db-0"}, {"subdomain", "db"}}), "2001:db8::5", {.cluster_domain = "k.local"}).hosts,
            head + "2001:db8::5\tdb-0.db.shop.svc.k.local\tdb-0\n");
  EXPECT_EQ(pod_dns_files(dns_pod({{"hostAliases", json::array({{{"ip", "127.0.0.1"}, {"hostnames", json::array({"foo.local", "bar.local"})}},
                                                                {{"ip", "10.1.2.3"}, {"hostnames", json::array({"foo.remote"})}}})}}),
                          "2001:db8::5", {})
                .hosts,
            head + "2001:db8::5\tweb-1\n\n# Entries added by HostAliases.\n127.0.0.1\tfoo.local\tbar.local\n"
                   "10.1.2.3\tfoo.remote\n");
  // No address yet: no pod line. A 70-character name is cut to 63, without a trailing '-'.
  EXPECT_EQ(pod_dns_files(dns_pod(json::object()), "", {}).hosts, head);
  std::string long_name = std::string(62, 'a') + "-bbbbbbb";
  json p = dns_pod(json::object());
  p["metadata"]["name"] = long_name;
  EXPECT_EQ(pod_dns_files(p, "2001:db8::5", {}).hosts, head + "2001:db8::5\t" + std::string(62, 'a') + "\n");
}

}  // namespace
}  // namespace v6k::node
