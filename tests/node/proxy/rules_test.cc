// Table-driven tests of the pure part: JSON -> ServiceInfo/SliceInfo -> ProxyState ->
// nft text. Exact element texts, so a change in the generated rules shows up here.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "node/proxy/objects.h"
#include "node/proxy/rules.h"
#include "node/proxy/state_index.h"

#include <functional>

namespace v6k::node::proxy {
namespace {

using nlohmann::json;
using Elems = std::map<std::string, std::string>;

json service(const std::string& name, json ips, json ports, json extra = json::object()) {
  json s = {{"apiVersion", "v1"},
            {"kind", "Service"},
            {"metadata", {{"name", name}, {"namespace", "ns1"}}},
            {"spec", {{"clusterIPs", ips}, {"clusterIP", ips.empty() ? json("") : ips[0]}, {"ports", ports}}}};
  s["spec"].update(extra);
  return s;
}

json ep(const std::string& addr, json conditions = json::object(), const std::string& node = "n1") {
  return {{"addresses", {addr}}, {"conditions", conditions}, {"nodeName", node}};
}

json slice(const std::string& name, const std::string& svc, const std::string& type, json ports, json endpoints) {
  return {{"apiVersion", "discovery.k8s.io/v1"},
          {"kind", "EndpointSlice"},
          {"metadata", {{"name", name}, {"namespace", "ns1"}, {"labels", {{"kubernetes.io/service-name", svc}}}}},
          {"addressType", type},
          {"ports", ports},
          {"endpoints", endpoints}};
}

struct Case {
  std::string what;
  std::vector<json> services, slices;
  std::string node = "n1";
  std::map<std::string, Elems> want;  // only the sets named here are compared
  std::set<std::string> chains;
};

ProxyState state_of(const Case& c) {
  std::map<std::string, ServiceInfo> svcs;
  std::map<std::string, SliceInfo> slices;
  for (const auto& j : c.services) {
    auto s = parse_service(j);
    EXPECT_TRUE(s.has_value()) << c.what << ": " << (s ? "" : s.error().message());
    if (s) svcs[s->key()] = *s;
  }
  for (const auto& j : c.slices) {
    auto s = parse_slice(j);
    EXPECT_TRUE(s.has_value()) << c.what << ": " << (s ? "" : s.error().message());
    if (s) slices[s->key()] = *s;
  }
  return compute_state(svcs, slices, {.node_name = c.node});
}

TEST(ProxyRules, ComputeStateTable) {
  const json web80 = json::array({{{"name", "http"}, {"port", 80}, {"targetPort", "web"}, {"protocol", "TCP"}}});
  const json slice_http = json::array({{{"name", "http"}, {"port", 8080}, {"protocol", "TCP"}}});
  std::vector<Case> cases = {
      {"two ready endpoints",
       {service("web", {"fd00:10::1"}, web80)},
       {slice("web-a", "web", "IPv6", slice_http, {ep("2001:db8::a"), ep("2001:db8::b")})},
       "n1",
       {{"service_ips6", {{"fd00:10::1 . tcp . 80", "goto pick6_tcp_2"}}},
        {"backends6_tcp", {{"fd00:10::1 . 80 . 0", "2001:db8::a . 8080"}, {"fd00:10::1 . 80 . 1", "2001:db8::b . 8080"}}},
        {"hairpin6", {{"2001:db8::a . 2001:db8::a", ""}, {"2001:db8::b . 2001:db8::b", ""}}},
        {"no_endpoints6", {}},
        {"cluster_ips6", {{"fd00:10::1", ""}}}},
       {"pick6_tcp_2"}},
      {"multiple ports, named ports resolved via the slice, TCP and UDP",
       {service("dns", {"fd00:10::a"},
                json::array({{{"name", "dns"}, {"port", 53}, {"protocol", "UDP"}},
                             {{"name", "dns-tcp"}, {"port", 53}, {"protocol", "TCP"}},
                             {{"name", "metrics"}, {"port", 9153}, {"protocol", "TCP"}}}))},
       {slice("dns-1", "dns", "IPv6",
              json::array({{{"name", "dns-tcp"}, {"port", 1053}, {"protocol", "TCP"}},
                           {{"name", "dns"}, {"port", 1053}, {"protocol", "UDP"}},
                           {{"name", "metrics"}, {"port", 9999}, {"protocol", "TCP"}}}),
              {ep("2001:db8::5")})},
       "n1",
       {{"service_ips6",
         {{"fd00:10::a . tcp . 53", "goto pick6_tcp_1"},
          {"fd00:10::a . udp . 53", "goto pick6_udp_1"},
          {"fd00:10::a . tcp . 9153", "goto pick6_tcp_1"}}},
        {"backends6_tcp", {{"fd00:10::a . 53 . 0", "2001:db8::5 . 1053"}, {"fd00:10::a . 9153 . 0", "2001:db8::5 . 9999"}}},
        {"backends6_udp", {{"fd00:10::a . 53 . 0", "2001:db8::5 . 1053"}}}},
       {"pick6_tcp_1", "pick6_udp_1"}},
      {"no endpoints at all: rejected",
       {service("web", {"fd00:10::1"}, web80)},
       {},
       "n1",
       {{"service_ips6", {}}, {"backends6_tcp", {}}, {"no_endpoints6", {{"fd00:10::1 . tcp . 80", ""}}}},
       {}},
      {"slice without the named port: no endpoints for that port",
       {service("web", {"fd00:10::1"}, web80)},
       {slice("web-a", "web", "IPv6", json::array({{{"name", "other"}, {"port", 1}}}), {ep("2001:db8::a")})},
       "n1",
       {{"service_ips6", {}}, {"no_endpoints6", {{"fd00:10::1 . tcp . 80", ""}}}},
       {}},
      {"not-ready and terminating endpoints excluded while a ready one exists",
       {service("web", {"fd00:10::1"}, web80)},
       {slice("web-a", "web", "IPv6", slice_http,
              {ep("2001:db8::a", {{"ready", false}}),
               ep("2001:db8::b", {{"ready", false}, {"serving", true}, {"terminating", true}}),
               ep("2001:db8::c", {{"ready", true}})})},
       "n1",
       {{"service_ips6", {{"fd00:10::1 . tcp . 80", "goto pick6_tcp_1"}}},
        {"backends6_tcp", {{"fd00:10::1 . 80 . 0", "2001:db8::c . 8080"}}}},
       {"pick6_tcp_1"}},
      {"only serving-terminating endpoints: used as fallback; not-ready-not-serving never",
       {service("web", {"fd00:10::1"}, web80)},
       {slice("web-a", "web", "IPv6", slice_http,
              {ep("2001:db8::a", {{"ready", false}}),
               ep("2001:db8::b", {{"ready", false}, {"serving", true}, {"terminating", true}})})},
       "n1",
       {{"backends6_tcp", {{"fd00:10::1 . 80 . 0", "2001:db8::b . 8080"}}}},
       {"pick6_tcp_1"}},
      {"only not-ready endpoints: rejected",
       {service("web", {"fd00:10::1"}, web80)},
       {slice("web-a", "web", "IPv6", slice_http, {ep("2001:db8::a", {{"ready", false}})})},
       "n1",
       {{"service_ips6", {}}, {"no_endpoints6", {{"fd00:10::1 . tcp . 80", ""}}}},
       {}},
      {"dual-stack: each family from its own slices; non-canonical addresses canonicalised",
       {service("web", {"fd00:10:0::0:1", "10.96.0.10"}, web80)},
       {slice("web-6", "web", "IPv6", slice_http, {ep("2001:DB8:0::A")}),
        slice("web-4", "web", "IPv4", slice_http, {ep("10.1.0.5"), ep("10.1.0.5")})},
       "n1",
       {{"service_ips6", {{"fd00:10::1 . tcp . 80", "goto pick6_tcp_1"}}},
        {"service_ips4", {{"10.96.0.10 . tcp . 80", "goto pick4_tcp_1"}}},
        {"backends4_tcp", {{"10.96.0.10 . 80 . 0", "10.1.0.5 . 8080"}}},
        {"hairpin4", {{"10.1.0.5 . 10.1.0.5", ""}}},
        {"cluster_ips4", {{"10.96.0.10", ""}}}},
       {"pick6_tcp_1", "pick4_tcp_1"}},
      {"slices of another service or namespace ignored; headless and ExternalName not proxied",
       {service("web", {"fd00:10::1"}, web80), service("hl", {"None"}, web80),
        service("ext", {}, web80, {{"type", "ExternalName"}, {"externalName", "example.com"}})},
       {slice("other-a", "other", "IPv6", slice_http, {ep("2001:db8::a")}),
        slice("hl-a", "hl", "IPv6", slice_http, {ep("2001:db8::b")})},
       "n1",
       {{"service_ips6", {}}, {"no_endpoints6", {{"fd00:10::1 . tcp . 80", ""}}}, {"cluster_ips6", {{"fd00:10::1", ""}}}},
       {}},
      {"internalTrafficPolicy Local: only this node's endpoints",
       {service("web", {"fd00:10::1"}, web80, {{"internalTrafficPolicy", "Local"}})},
       {slice("web-a", "web", "IPv6", slice_http, {ep("2001:db8::a", {}, "n1"), ep("2001:db8::b", {}, "n2")})},
       "n1",
       {{"backends6_tcp", {{"fd00:10::1 . 80 . 0", "2001:db8::a . 8080"}}}},
       {"pick6_tcp_1"}},
      {"endpoints merged across slices and deduplicated, sorted",
       {service("web", {"fd00:10::1"}, web80)},
       {slice("web-b", "web", "IPv6", slice_http, {ep("2001:db8::c"), ep("2001:db8::a")}),
        slice("web-a", "web", "IPv6", slice_http, {ep("2001:db8::a"), ep("2001:db8::b")})},
       "n1",
       {{"service_ips6", {{"fd00:10::1 . tcp . 80", "goto pick6_tcp_3"}}},
        {"backends6_tcp",
         {{"fd00:10::1 . 80 . 0", "2001:db8::a . 8080"},
          {"fd00:10::1 . 80 . 1", "2001:db8::b . 8080"},
          {"fd00:10::1 . 80 . 2", "2001:db8::c . 8080"}}}},
       {"pick6_tcp_3"}},
  };
  for (const Case& c : cases) {
    ProxyState s = state_of(c);
    for (const auto& [set, want] : c.want) EXPECT_EQ(s.elements[set], want) << c.what << ": set " << set;
    std::set<std::string> chains;
    for (const auto& ch : s.chains) chains.insert(ch.name());
    EXPECT_EQ(chains, c.chains) << c.what;
  }
}

TEST(ProxyRules, FullScriptHasTheFixedSkeletonAndElements) {
  ProxyState s;
  s.elements["service_ips6"]["fd00:10::1 . tcp . 80"] = "goto pick6_tcp_2";
  s.elements["hairpin6"]["2001:db8::a . 2001:db8::a"] = "";
  s.chains.insert({6, Protocol::kTcp, 2});
  std::string t = full_script(s);
  for (const char* line : {
           "add table inet v6k-proxy\ndelete table inet v6k-proxy\nadd table inet v6k-proxy\n",
           "add map inet v6k-proxy service_ips6 { type ipv6_addr . inet_proto . inet_service : verdict; }\n",
           "add rule inet v6k-proxy services ip6 daddr . meta l4proto . th dport vmap @service_ips6\n",
           "add rule inet v6k-proxy services ip daddr . meta l4proto . th dport vmap @service_ips4\n",
           "add chain inet v6k-proxy nat_prerouting { type nat hook prerouting priority -100; policy accept; }\n",
           "add chain inet v6k-proxy nat_output { type nat hook output priority -100; policy accept; }\n",
           "add rule inet v6k-proxy nat_postrouting ct status dnat ip6 saddr . ip6 daddr @hairpin6 masquerade\n",
           "add rule inet v6k-proxy reject_chain meta l4proto tcp reject with tcp reset\n",
           "add rule inet v6k-proxy filter_prerouting ct state new ip6 daddr . meta l4proto . th dport @no_endpoints6 goto reject_chain\n",
           "add rule inet v6k-proxy filter_output_post_dnat ct state new ip daddr @cluster_ips4 goto reject_chain\n",
           "add map inet v6k-proxy backends6_udp { typeof ip6 daddr . udp dport . numgen random mod 1 : ip6 daddr . udp dport; }\n",
           "add rule inet v6k-proxy pick6_tcp_2 dnat ip6 to ip6 daddr . tcp dport . numgen random mod 2 map @backends6_tcp\n",
           "add element inet v6k-proxy service_ips6 { fd00:10::1 . tcp . 80 : goto pick6_tcp_2 }\n",
           "add element inet v6k-proxy hairpin6 { 2001:db8::a . 2001:db8::a }\n"}) {
    EXPECT_NE(t.find(line), std::string::npos) << "missing: " << line << "in:\n" << t;
  }
  // Chains exist before the map elements that jump to them.
  EXPECT_LT(t.find("add chain inet v6k-proxy pick6_tcp_2"), t.find("add element inet v6k-proxy service_ips6"));
}

TEST(ProxyRules, DeltaTable) {
  ProxyState a;
  a.elements["service_ips6"] = {{"fd00::1 . tcp . 80", "goto pick6_tcp_2"}};
  a.elements["backends6_tcp"] = {{"fd00::1 . 80 . 0", "2001:db8::a . 8080"}, {"fd00::1 . 80 . 1", "2001:db8::b . 8080"}};
  a.chains = {{6, Protocol::kTcp, 2}};
  ProxyState b = a;  // endpoint a removed
  b.elements["service_ips6"] = {{"fd00::1 . tcp . 80", "goto pick6_tcp_1"}};
  b.elements["backends6_tcp"] = {{"fd00::1 . 80 . 0", "2001:db8::b . 8080"}};
  b.chains = {{6, Protocol::kTcp, 1}};
  struct D {
    std::string what;
    const ProxyState& from;
    const ProxyState& to;
    std::string want;
  };
  std::vector<D> cases = {
      {"equal states: nothing", a, a, ""},
      {"one endpoint fewer",
       a, b,
       "add chain inet v6k-proxy pick6_tcp_1\n"
       "add rule inet v6k-proxy pick6_tcp_1 dnat ip6 to ip6 daddr . tcp dport . numgen random mod 1 map @backends6_tcp\n"
       "delete element inet v6k-proxy backends6_tcp { fd00::1 . 80 . 0, fd00::1 . 80 . 1 }\n"
       "delete element inet v6k-proxy service_ips6 { fd00::1 . tcp . 80 }\n"
       "add element inet v6k-proxy backends6_tcp { fd00::1 . 80 . 0 : 2001:db8::b . 8080 }\n"
       "add element inet v6k-proxy service_ips6 { fd00::1 . tcp . 80 : goto pick6_tcp_1 }\n"
       "delete chain inet v6k-proxy pick6_tcp_2\n"},
  };
  for (const D& d : cases) EXPECT_EQ(delta_script(d.from, d.to), d.want) << d.what;
}

TEST(ProxyObjects, ParseErrorsNameTheField) {
  struct E {
    json obj;
    bool service;
    std::string needle;
  };
  std::vector<E> cases = {
      {json::array(), true, "Service is not a JSON object"},
      {{{"metadata", {{"namespace", "x"}}}}, true, "metadata.name is missing"},
      {service("s", {"fd00::1"}, json::array({{{"port", 70000}}})), true, "ports[0].port 70000 is not in 1..65535"},
      {service("s", {"fd00::1"}, json::array({{{"port", 80}, {"protocol", "ICMP"}}})), true, "\"ICMP\" is not TCP, UDP or SCTP"},
      {service("s", {"fd00::zz"}, json::array()), true, "clusterIPs"},
      {slice("x", "s", "IPv6", json::array(), {ep("10.0.0.1")}), false, "10.0.0.1 is not an IPv6 address"},
      {slice("x", "s", "IPv7", json::array(), json::array()), false, "addressType \"IPv7\""},
      {slice("x", "s", "IPv6", json::array(), {{{"addresses", {"2001:db8::1"}}, {"conditions", {{"ready", "yes"}}}}}), false,
       "conditions.ready is not a boolean"},
  };
  for (const E& e : cases) {
    std::string msg = e.service ? parse_service(e.obj).error().message() : parse_slice(e.obj).error().message();
    EXPECT_NE(msg.find(e.needle), std::string::npos) << msg;
  }
  auto fq = parse_slice(slice("x", "s", "FQDN", json::array(), json::array()));
  ASSERT_TRUE(fq.has_value());
  EXPECT_EQ(fq->family, 0);
}

}  // namespace
}  // namespace v6k::node::proxy

namespace v6k::node::proxy {
namespace {

// The incremental path (per-Service shares in a StateIndex) must give exactly what the
// whole-state computation gives, and its delta must equal the whole-state delta.
TEST(ProxyStateIndex, SharesAddUpToComputeStateAndDeltasAgree) {
  using nlohmann::json;
  auto svc = [](int i, const std::string& ip) {
    return parse_service(service("s" + std::to_string(i), {ip}, json::array({{{"name", "http"}, {"port", 80}}}))).value();
  };
  auto sl = [](int i, std::vector<std::string> addrs) {
    json eps = json::array();
    for (auto& a : addrs) eps.push_back(ep(a));
    return parse_slice(slice("s" + std::to_string(i) + "-x", "s" + std::to_string(i), "IPv6",
                             json::array({{{"name", "http"}, {"port", 8080}}}), eps))
        .value();
  };
  std::map<std::string, ServiceInfo> services;
  std::map<std::string, SliceInfo> slices;
  StateIndex idx;
  auto share = [&](const std::string& key) {
    std::vector<const SliceInfo*> own;
    for (const auto& [k, s] : slices)
      if (s.ns + "/" + s.service == key) own.push_back(&s);
    if (services.contains(key)) idx.set(key, service_state(services.at(key), own));
    else idx.erase(key);
  };
  ProxyState applied = compute_state(services, slices);
  // Steps: two Services sharing endpoint ::a (hairpin refcount), then changes.
  struct Step {
    std::string what;
    std::function<void()> change;
    std::string key;
  };
  std::vector<Step> steps = {
      {"add s1", [&] { services["ns1/s1"] = svc(1, "fd00::1"); slices["ns1/s1-x"] = sl(1, {"2001:db8::a", "2001:db8::b"}); }, "ns1/s1"},
      {"add s2 sharing ::a", [&] { services["ns1/s2"] = svc(2, "fd00::2"); slices["ns1/s2-x"] = sl(2, {"2001:db8::a"}); }, "ns1/s2"},
      {"s1 loses ::a (still used by s2)", [&] { slices["ns1/s1-x"] = sl(1, {"2001:db8::b"}); }, "ns1/s1"},
      {"s2 removed", [&] { services.erase("ns1/s2"); }, "ns1/s2"},
      {"s1 endpoints gone", [&] { slices["ns1/s1-x"] = sl(1, {}); }, "ns1/s1"},
  };
  for (const Step& st : steps) {
    st.change();
    share(st.key);
    ProxyState want = compute_state(services, slices);
    EXPECT_EQ(idx.snapshot(), want) << st.what;
    auto [before, after] = idx.take_changes();
    EXPECT_EQ(delta_script(before, after), delta_script(applied, want)) << st.what;
    applied = want;
  }
}

}  // namespace
}  // namespace v6k::node::proxy
