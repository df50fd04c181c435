// The zone, table-driven: every name shape CoreDNS's kubernetes plugin answers, NXDOMAIN vs
// NODATA with the SOA, case-insensitivity, updates and input errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "node/dns/records.h"

namespace v6k::node::dns {
namespace {

using json = nlohmann::json;

std::string rdata_text(const Record& r) {
  struct V {
    std::string operator()(const addr::Ipv4Address& a) { return a.to_string(); }
    std::string operator()(const addr::Ipv6Address& a) { return a.to_string(); }
    std::string operator()(const NameData& n) { return n.name; }
    std::string operator()(const TxtData& t) { return "\"" + t.text + "\""; }
    std::string operator()(const SrvData& s) {
      return std::to_string(s.priority) + " " + std::to_string(s.weight) + " " + std::to_string(s.port) + " " +
             s.target;
    }
    std::string operator()(const SoaData& s) {
      return s.mname + " " + s.rname + " S " + std::to_string(s.refresh) + " " + std::to_string(s.retry) + " " +
             std::to_string(s.expire) + " " + std::to_string(s.minimum);
    }
  };
  return std::visit(V{}, r.data);
}

std::string type_name(uint16_t t) {
  switch (t) {
    case rtype::A: return "A";
    case rtype::AAAA: return "AAAA";
    case rtype::SRV: return "SRV";
    case rtype::SOA: return "SOA";
    case rtype::NS: return "NS";
    case rtype::PTR: return "PTR";
    case rtype::CNAME: return "CNAME";
    case rtype::TXT: return "TXT";
  }
  return std::to_string(t);
}

std::vector<std::string> text(const std::vector<Record>& rs) {
  std::vector<std::string> out;
  for (const auto& r : rs) out.push_back(r.name + " " + std::to_string(r.ttl) + " " + type_name(r.type) + " " + rdata_text(r));
  return out;
}

const std::string kSoa = "cluster.local 5 SOA ns.dns.cluster.local hostmaster.cluster.local S 7200 1800 86400 5";

json service(const std::string& ns, const std::string& name, json spec) {
  return {{"metadata", {{"namespace", ns}, {"name", name}}}, {"spec", spec}};
}

void fill(Records& z) {
  ASSERT_TRUE(z.upsert_service(service("aws-news-blog", "my-service",
      {{"clusterIP", "fd12:3456:789a::1234"}, {"clusterIPs", {"fd12:3456:789a::1234"}},
       {"ports", {{{"name", "http"}, {"port", 80}, {"protocol", "TCP"}}}}})));
  ASSERT_TRUE(z.upsert_service(service("aws-news-blog", "dual",
      {{"clusterIPs", {"fd12:3456:789a::20", "10.100.0.20"}}, {"ports", {{{"name", "http"}, {"port", 80}}}}})));
  ASSERT_TRUE(z.upsert_service(service("aws-news-blog", "db",
      {{"clusterIP", "None"}, {"clusterIPs", {"None"}}, {"ports", {{{"name", "mysql"}, {"port", 3306}}}}})));
  ASSERT_TRUE(z.upsert_service(service("aws-news-blog", "ext", {{"type", "ExternalName"}, {"externalName", "example.org"}})));
  ASSERT_TRUE(z.upsert_slice(json{
      {"metadata", {{"namespace", "aws-news-blog"}, {"name", "db-x1"}, {"labels", {{"kubernetes.io/service-name", "db"}}}}},
      {"addressType", "IPv6"},
      {"endpoints", {{{"addresses", {"2001:db8:0:1:1::5"}}, {"hostname", "db-0"}, {"conditions", {{"ready", true}}}},
                     {{"addresses", {"2001:db8:0:1:1::6"}}},
                     {{"addresses", {"2001:db8:0:1:1::7"}}, {"conditions", {{"ready", false}}}}}},
      {"ports", {{{"name", "mysql"}, {"port", 3306}, {"protocol", "TCP"}}}}}));
  ASSERT_TRUE(z.upsert_pod(json{{"metadata", {{"namespace", "aws-news-blog"}, {"name", "nginx-1"}}},
                                {"status", {{"podIP", "2001:db8:0:1:1::10"}, {"podIPs", {{{"ip", "2001:db8:0:1:1::10"}}}}}}}));
}

struct Case {
  std::string qname;
  uint16_t qtype;
  Rcode rcode;
  std::vector<std::string> answer;
  std::vector<std::string> additional = {};
};

TEST(DnsRecords, AnswersLikeCoreDns) {
  Records z;
  fill(z);
  const std::string svc = "my-service.aws-news-blog.svc.cluster.local";
  const std::string db = "db.aws-news-blog.svc.cluster.local";
  const std::vector<Case> cases = {
      {svc, rtype::AAAA, Rcode::noerror, {svc + " 5 AAAA fd12:3456:789a::1234"}},
      {"MY-Service.AWS-news-blog.SVC.cluster.LOCAL.", rtype::AAAA, Rcode::noerror, {svc + " 5 AAAA fd12:3456:789a::1234"}},
      {svc, rtype::A, Rcode::noerror, {}},  // NODATA: exists, no IPv4
      {svc, rtype::TXT, Rcode::noerror, {}},
      {"dual.aws-news-blog.svc.cluster.local", rtype::A, Rcode::noerror, {"dual.aws-news-blog.svc.cluster.local 5 A 10.100.0.20"}},
      {"dual.aws-news-blog.svc.cluster.local", rtype::AAAA, Rcode::noerror, {"dual.aws-news-blog.svc.cluster.local 5 AAAA fd12:3456:789a::20"}},
      {db, rtype::AAAA, Rcode::noerror, {db + " 5 AAAA 2001:db8:0:1:1::5", db + " 5 AAAA 2001:db8:0:1:1::6"}},
      {"db-0." + db, rtype::AAAA, Rcode::noerror, {"db-0." + db + " 5 AAAA 2001:db8:0:1:1::5"}},
      {"2001-db8-0-1-1--6." + db, rtype::AAAA, Rcode::noerror, {"2001-db8-0-1-1--6." + db + " 5 AAAA 2001:db8:0:1:1::6"}},
      {"2001-db8-0-1-1--7." + db, rtype::AAAA, Rcode::nxdomain, {}},  // not ready
      {"_mysql._tcp." + db, rtype::SRV, Rcode::noerror,
       {"_mysql._tcp." + db + " 5 SRV 0 50 3306 db-0." + db, "_mysql._tcp." + db + " 5 SRV 0 50 3306 2001-db8-0-1-1--6." + db},
       {"db-0." + db + " 5 AAAA 2001:db8:0:1:1::5", "2001-db8-0-1-1--6." + db + " 5 AAAA 2001:db8:0:1:1::6"}},
      {"_http._tcp." + svc, rtype::SRV, Rcode::noerror, {"_http._tcp." + svc + " 5 SRV 0 100 80 " + svc},
       {svc + " 5 AAAA fd12:3456:789a::1234"}},
      {svc, rtype::SRV, Rcode::noerror, {svc + " 5 SRV 0 100 80 " + svc}, {svc + " 5 AAAA fd12:3456:789a::1234"}},
      {"_https._tcp." + svc, rtype::SRV, Rcode::nxdomain, {}},
      {"_http._udp." + svc, rtype::SRV, Rcode::nxdomain, {}},
      {"nope.aws-news-blog.svc.cluster.local", rtype::AAAA, Rcode::nxdomain, {}},
      {"a.b.c." + svc, rtype::AAAA, Rcode::nxdomain, {}},
      {"aws-news-blog.svc.cluster.local", rtype::AAAA, Rcode::noerror, {}},
      {"unknown-ns.svc.cluster.local", rtype::AAAA, Rcode::nxdomain, {}},
      {"svc.cluster.local", rtype::AAAA, Rcode::noerror, {}},
      {"foo.cluster.local", rtype::AAAA, Rcode::nxdomain, {}},
      {"2001-db8-0-1-1--10.aws-news-blog.pod.cluster.local", rtype::AAAA, Rcode::noerror,
       {"2001-db8-0-1-1--10.aws-news-blog.pod.cluster.local 5 AAAA 2001:db8:0:1:1::10"}},
      {"2001-db8-0-1-1--10.aws-news-blog.pod.cluster.local", rtype::A, Rcode::noerror, {}},
      {"2001-db8-0-1-1--11.aws-news-blog.pod.cluster.local", rtype::AAAA, Rcode::nxdomain, {}},
      {"2001-db8-0-1-1--10.other.pod.cluster.local", rtype::AAAA, Rcode::nxdomain, {}},
      {"not-an-ip.aws-news-blog.pod.cluster.local", rtype::AAAA, Rcode::nxdomain, {}},
      {"ext.aws-news-blog.svc.cluster.local", rtype::A, Rcode::noerror, {"ext.aws-news-blog.svc.cluster.local 5 CNAME example.org"}},
      {"cluster.local", rtype::SOA, Rcode::noerror, {kSoa}},
      {"cluster.local", rtype::NS, Rcode::noerror, {"cluster.local 5 NS ns.dns.cluster.local"}},
      {"cluster.local", rtype::AAAA, Rcode::noerror, {}},
      {"dns-version.cluster.local", rtype::TXT, Rcode::noerror, {"dns-version.cluster.local 5 TXT \"1.1.0\""}},
      {"4.3.2.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.a.9.8.7.6.5.4.3.2.1.d.f.ip6.arpa", rtype::PTR, Rcode::noerror,
       {"4.3.2.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.a.9.8.7.6.5.4.3.2.1.d.f.ip6.arpa 5 PTR " + svc}},
      {"20.0.100.10.in-addr.arpa", rtype::PTR, Rcode::noerror, {"20.0.100.10.in-addr.arpa 5 PTR dual.aws-news-blog.svc.cluster.local"}},
      {"5.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.1.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", rtype::PTR, Rcode::noerror,
       {"5.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.1.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa 5 PTR db-0." + db}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.qname + " type " + std::to_string(c.qtype));
    auto a = z.lookup(c.qname, c.qtype);
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(int(a->rcode), int(c.rcode));
    EXPECT_EQ(text(a->answer), c.answer);
    EXPECT_EQ(text(a->additional), c.additional);
    // NXDOMAIN and NODATA carry the SOA in authority; positive answers do not.
    if (c.answer.empty()) {
      EXPECT_EQ(text(a->authority), std::vector<std::string>{kSoa});
    } else {
      EXPECT_TRUE(a->authority.empty());
    }
  }
}

TEST(DnsRecords, NamesOutsideTheZoneAreNotOurs) {
  Records z;
  fill(z);
  for (const char* name : {"example.com", "my-service.aws-news-blog", "cluster.local.example.com", "xcluster.local",
                           "1.2.3.4.in-addr.arpa", "ip6.arpa", ""}) {
    EXPECT_FALSE(z.lookup(name, rtype::A).has_value()) << name;
  }
  // Reverse names of known addresses are ours only for PTR.
  EXPECT_FALSE(z.lookup("20.0.100.10.in-addr.arpa", rtype::A).has_value());
}

TEST(DnsRecords, UpdatesAreVisibleAtOnce) {
  Records z;
  const std::string name = "web.default.svc.cluster.local";
  EXPECT_EQ(z.lookup(name, rtype::AAAA)->rcode, Rcode::nxdomain);
  ASSERT_TRUE(z.upsert_service(service("default", "web", {{"clusterIP", "fd00:10::1"}, {"ports", {{{"port", 80}}}}})));
  EXPECT_EQ(text(z.lookup(name, rtype::AAAA)->answer), std::vector<std::string>{name + " 5 AAAA fd00:10::1"});
  ASSERT_TRUE(z.upsert_service(service("default", "web", {{"clusterIP", "fd00:10::2"}, {"ports", {{{"port", 80}}}}})));
  EXPECT_EQ(text(z.lookup(name, rtype::AAAA)->answer), std::vector<std::string>{name + " 5 AAAA fd00:10::2"});
  z.remove_service("default", "web");
  EXPECT_EQ(z.lookup(name, rtype::AAAA)->rcode, Rcode::nxdomain);

  // Headless: endpoints come and go with their slice; readiness flips are honoured.
  ASSERT_TRUE(z.upsert_service(service("default", "h", {{"clusterIP", "None"}})));
  const std::string h = "h.default.svc.cluster.local";
  EXPECT_EQ(z.lookup(h, rtype::AAAA)->rcode, Rcode::nxdomain);  // no endpoints: NXDOMAIN (CoreDNS)
  json slice = {{"metadata", {{"namespace", "default"}, {"name", "h-1"}, {"labels", {{"kubernetes.io/service-name", "h"}}}}},
                {"endpoints", {{{"addresses", {"fd00::5"}}, {"conditions", {{"ready", true}}}}}}};
  ASSERT_TRUE(z.upsert_slice(slice));
  EXPECT_EQ(text(z.lookup(h, rtype::AAAA)->answer), std::vector<std::string>{h + " 5 AAAA fd00::5"});
  slice["endpoints"][0]["conditions"]["ready"] = false;
  ASSERT_TRUE(z.upsert_slice(slice));
  EXPECT_EQ(z.lookup(h, rtype::AAAA)->rcode, Rcode::nxdomain);
  slice["endpoints"][0]["conditions"]["ready"] = nullptr;  // null means ready
  ASSERT_TRUE(z.upsert_slice(slice));
  EXPECT_EQ(z.lookup(h, rtype::AAAA)->answer.size(), 1u);
  z.remove_slice("default", "h-1");
  EXPECT_EQ(z.lookup(h, rtype::AAAA)->rcode, Rcode::nxdomain);
  EXPECT_EQ(z.counts().slices, 0u);

  // Pods: a terminating pod stops answering; removal too.
  const std::string pod = "fd00--9.default.pod.cluster.local";
  json p = {{"metadata", {{"namespace", "default"}, {"name", "p"}}}, {"status", {{"podIP", "fd00::9"}}}};
  ASSERT_TRUE(z.upsert_pod(p));
  EXPECT_EQ(z.lookup(pod, rtype::AAAA)->answer.size(), 1u);
  p["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z";
  ASSERT_TRUE(z.upsert_pod(p));
  EXPECT_EQ(z.lookup(pod, rtype::AAAA)->rcode, Rcode::nxdomain);
  EXPECT_EQ(z.counts().pods, 0u);
}

TEST(DnsRecords, BadObjectsAreRejectedAndChangeNothing) {
  Records z;
  fill(z);
  struct Bad {
    json obj;
    int kind;  // 0 service, 1 slice, 2 pod
    std::string error;
  };
  const std::vector<Bad> bad = {
      {json{{"spec", {{"clusterIP", "fd00::1"}}}}, 0, "Service: metadata.name is missing"},
      {service("aws-news-blog", "my-service", {{"clusterIP", "fd00::zz"}}), 0, "Service spec.clusterIP"},
      {service("aws-news-blog", "my-service", {{"clusterIPs", {42}}}), 0, "Service spec.clusterIPs[0] is not a string"},
      {service("aws-news-blog", "my-service", {{"clusterIP", "fd00::1"}, {"ports", {{{"port", 70000}}}}}), 0,
       "Service spec.ports[0].port 70000 is out of range 1-65535"},
      {json{{"metadata", {{"name", "s"}}}, {"endpoints", {{{"addresses", {"1.2.3"}}}}}}, 1, "EndpointSlice endpoints[0].addresses[0]"},
      {json{{"metadata", {{"name", "p"}}}, {"status", {{"podIPs", {{{"ip", "x"}}}}}}}, 2, "Pod status.podIPs[0].ip"},
      {json("not an object"), 2, "Pod: metadata.name is missing"},
  };
  for (const auto& b : bad) {
    Result<> r = b.kind == 0 ? z.upsert_service(b.obj) : b.kind == 1 ? z.upsert_slice(b.obj) : z.upsert_pod(b.obj);
    ASSERT_FALSE(r) << b.obj.dump();
    EXPECT_NE(r.error().message().find(b.error), std::string::npos) << r.error().message();
  }
  EXPECT_EQ(text(z.lookup("my-service.aws-news-blog.svc.cluster.local", rtype::AAAA)->answer),
            std::vector<std::string>{"my-service.aws-news-blog.svc.cluster.local 5 AAAA fd12:3456:789a::1234"});
}

TEST(DnsRecords, PodModesDomainAndTtlAreConfigurable) {
  Records insecure({.domain = "k8s.example.", .ttl = 30, .pods = PodRecords::insecure});
  auto a = insecure.lookup("10-0-0-7.any.pod.k8s.example", rtype::A);
  ASSERT_TRUE(a);
  EXPECT_EQ(text(a->answer), std::vector<std::string>{"10-0-0-7.any.pod.k8s.example 30 A 10.0.0.7"});
  EXPECT_EQ(text(insecure.lookup("nothing.k8s.example", rtype::A)->authority),
            std::vector<std::string>{"k8s.example 30 SOA ns.dns.k8s.example hostmaster.k8s.example S 7200 1800 86400 30"});
  EXPECT_FALSE(insecure.lookup("x.default.svc.cluster.local", rtype::A));

  Records disabled({.pods = PodRecords::disabled});
  EXPECT_EQ(disabled.lookup("10-0-0-7.any.pod.cluster.local", rtype::A)->rcode, Rcode::nxdomain);

  Records ns({.nameservers = {addr::parse_ip("fd12:3456:789a::a").value()}});
  EXPECT_EQ(text(ns.lookup("ns.dns.cluster.local", rtype::AAAA)->answer),
            std::vector<std::string>{"ns.dns.cluster.local 5 AAAA fd12:3456:789a::a"});
  EXPECT_EQ(text(ns.lookup("cluster.local", rtype::NS)->additional),
            std::vector<std::string>{"ns.dns.cluster.local 5 AAAA fd12:3456:789a::a"});
}

TEST(DnsRecords, PodResolvConf) {
  EXPECT_EQ(pod_resolv_conf(addr::parse_ip("fd12:3456:789a::a").value(), "aws-news-blog"),
            "nameserver fd12:3456:789a::a\n"
            "search aws-news-blog.svc.cluster.local svc.cluster.local cluster.local\n"
            "options ndots:5\n");
  EXPECT_EQ(pod_resolv_conf(addr::parse_ip("10.100.0.10").value(), "default", "corp.local."),
            "nameserver 10.100.0.10\nsearch default.svc.corp.local svc.corp.local corp.local\noptions ndots:5\n");
}

}  // namespace
}  // namespace v6k::node::dns
