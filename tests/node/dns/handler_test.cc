// The wire codec and query handling, checked with libldns as the independent peer: queries
// built by ldns are parsed by us, replies built by us are decoded by ldns.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "ldns_client.h"
#include "node/dns/handler.h"

namespace v6k::node::dns {
namespace {

using namespace testing;
using json = nlohmann::json;
using Strings = std::vector<std::string>;

std::shared_ptr<Records> zone_with_headless(int endpoints) {
  auto z = std::make_shared<Records>();
  EXPECT_TRUE(z->upsert_service({{"metadata", {{"namespace", "aws-news-blog"}, {"name", "my-service"}}},
                                 {"spec", {{"clusterIP", "fd12:3456:789a::1234"}, {"ports", {{{"name", "http"}, {"port", 80}}}}}}}));
  EXPECT_TRUE(z->upsert_service({{"metadata", {{"namespace", "default"}, {"name", "big"}}}, {"spec", {{"clusterIP", "None"}}}}));
  json eps = json::array();
  for (int i = 0; i < endpoints; ++i) eps.push_back({{"addresses", {"2001:db8::" + std::to_string(i + 1)}}});
  EXPECT_TRUE(z->upsert_slice({{"metadata", {{"namespace", "default"}, {"name", "big-1"}, {"labels", {{"kubernetes.io/service-name", "big"}}}}},
                               {"endpoints", eps}}));
  return z;
}

Pkt run(const Records& z, const std::vector<uint8_t>& q, Transport t = Transport::udp, bool forward = false,
        Handled::Kind want = Handled::Kind::reply) {
  Handled h = handle_query(z, q, t, forward);
  EXPECT_EQ(int(h.kind), int(want));
  if (h.kind != Handled::Kind::reply) return nullptr;
  Pkt p = decode(h.reply);
  EXPECT_TRUE(p) << "ldns cannot decode our reply";
  return p;
}

TEST(DnsWire, ParsesQueriesLdnsBuilds) {
  auto bytes = make_query("My-Service.aws-news-blog.svc.cluster.local.", LDNS_RR_TYPE_AAAA,
                          {.id = 0xBEEF, .edns_size = 4096, .edns_do = true});
  auto q = parse_query(bytes);
  ASSERT_TRUE(q) << q.error().message();
  EXPECT_EQ(q->id, 0xBEEF);
  EXPECT_TRUE(q->rd());
  EXPECT_EQ(q->opcode(), 0);
  EXPECT_EQ(q->name, "My-Service.aws-news-blog.svc.cluster.local");
  EXPECT_EQ(q->qtype, rtype::AAAA);
  EXPECT_EQ(q->qclass, kClassIn);
  EXPECT_TRUE(q->edns);
  EXPECT_EQ(q->edns_udp_size, 4096);
  EXPECT_TRUE(q->edns_do);
  EXPECT_EQ(q->udp_limit(), 4096u);

  auto plain = parse_query(make_query("a.b", LDNS_RR_TYPE_A));
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->edns);
  EXPECT_EQ(plain->udp_limit(), 512u);
}

TEST(DnsWire, MalformedInputIsRejectedPrecisely) {
  auto good = make_query("a.example", LDNS_RR_TYPE_A);
  struct Bad {
    std::vector<uint8_t> bytes;
    std::string error;
    bool formerr;  // a FORMERR reply is possible (header readable, QR=0)
  };
  std::vector<uint8_t> two_q = good;
  two_q[5] = 2;
  std::vector<uint8_t> response = good;
  response[2] |= 0x80;
  std::vector<uint8_t> cut(good.begin(), good.end() - 3);
  std::vector<uint8_t> loop = {0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1};
  std::vector<uint8_t> long_label = {0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x40};
  const std::vector<Bad> cases = {
      {{1, 2, 3}, "message shorter than a DNS header", false},
      {response, "message is a response (QR=1)", false},
      {two_q, "question count is 2, not 1", true},
      {cut, "question cut short", true},
      {loop, "compression pointer does not point backwards", true},
      {long_label, "reserved label type", true},
  };
  Records z;
  for (const auto& c : cases) {
    auto q = parse_query(c.bytes);
    ASSERT_FALSE(q);
    EXPECT_NE(q.error().message().find(c.error), std::string::npos) << q.error().message();
    Handled h = handle_query(z, c.bytes, Transport::udp, false);
    EXPECT_EQ(int(h.kind), int(c.formerr ? Handled::Kind::reply : Handled::Kind::drop)) << c.error;
    if (c.formerr) {
      Pkt p = decode(h.reply);
      ASSERT_TRUE(p);
      EXPECT_EQ(ldns_pkt_get_rcode(p.get()), LDNS_RCODE_FORMERR);
      EXPECT_EQ(ldns_pkt_id(p.get()), uint16_t(c.bytes[0] << 8 | c.bytes[1]));
    }
  }
}

TEST(DnsHandler, AnswersAuthoritativelyWithQuestionCaseKept) {
  auto z = zone_with_headless(1);
  Pkt p = run(*z, make_query("MY-SERVICE.aws-news-blog.svc.cluster.local", LDNS_RR_TYPE_AAAA, {.id = 7}));
  ASSERT_TRUE(p);
  EXPECT_EQ(ldns_pkt_id(p.get()), 7);
  EXPECT_TRUE(ldns_pkt_qr(p.get()));
  EXPECT_TRUE(ldns_pkt_aa(p.get()));
  EXPECT_TRUE(ldns_pkt_rd(p.get()));
  EXPECT_TRUE(ldns_pkt_ra(p.get()));
  EXPECT_FALSE(ldns_pkt_tc(p.get()));
  EXPECT_EQ(ldns_pkt_get_rcode(p.get()), LDNS_RCODE_NOERROR);
  // The answer's owner is compressed to the question, so it keeps the asker's case.
  EXPECT_EQ(rrs(p.get(), LDNS_SECTION_ANSWER),
            Strings{"MY-SERVICE.aws-news-blog.svc.cluster.local. 5 AAAA fd12:3456:789a::1234"});
  EXPECT_FALSE(ldns_pkt_edns(p.get()));
}

TEST(DnsHandler, NxdomainAndNodataCarryTheSoa) {
  auto z = zone_with_headless(1);
  for (auto [name, rcode] : {std::pair{"nope.default.svc.cluster.local", LDNS_RCODE_NXDOMAIN},
                             std::pair{"my-service.aws-news-blog.svc.cluster.local", LDNS_RCODE_NOERROR}}) {
    Pkt p = run(*z, make_query(name, LDNS_RR_TYPE_A));
    ASSERT_TRUE(p);
    EXPECT_EQ(ldns_pkt_get_rcode(p.get()), rcode) << name;
    EXPECT_TRUE(ldns_pkt_aa(p.get()));
    EXPECT_EQ(ldns_pkt_ancount(p.get()), 0);
    auto auth = rrs(p.get(), LDNS_SECTION_AUTHORITY);
    ASSERT_EQ(auth.size(), 1u);
    EXPECT_TRUE(auth[0].starts_with("cluster.local. 5 SOA ns.dns.cluster.local. hostmaster.cluster.local. ")) << auth[0];
    EXPECT_TRUE(auth[0].ends_with(" 7200 1800 86400 5")) << auth[0];
  }
}

TEST(DnsHandler, SrvTargetsAndAdditionalAddresses) {
  auto z = zone_with_headless(1);
  Pkt p = run(*z, make_query("_http._tcp.my-service.aws-news-blog.svc.cluster.local", LDNS_RR_TYPE_SRV));
  ASSERT_TRUE(p);
  EXPECT_EQ(rrs(p.get(), LDNS_SECTION_ANSWER),
            Strings{"_http._tcp.my-service.aws-news-blog.svc.cluster.local. 5 SRV 0 100 80 my-service.aws-news-blog.svc.cluster.local."});
  EXPECT_EQ(rrs(p.get(), LDNS_SECTION_ADDITIONAL),
            Strings{"my-service.aws-news-blog.svc.cluster.local. 5 AAAA fd12:3456:789a::1234"});
}

TEST(DnsHandler, TruncatesLargeUdpAnswersAndNotTcp) {
  auto z = zone_with_headless(100);  // 100 AAAA records: ~2.9 kB
  const std::string name = "big.default.svc.cluster.local";
  Pkt plain = run(*z, make_query(name, LDNS_RR_TYPE_AAAA));
  ASSERT_TRUE(plain);
  EXPECT_TRUE(ldns_pkt_tc(plain.get()));
  EXPECT_GT(ldns_pkt_ancount(plain.get()), 0);
  EXPECT_LT(ldns_pkt_ancount(plain.get()), 100);
  EXPECT_LE(ldns_pkt_size(plain.get()), 512u);

  Pkt edns = run(*z, make_query(name, LDNS_RR_TYPE_AAAA, {.edns_size = 1232}));
  ASSERT_TRUE(edns);
  EXPECT_TRUE(ldns_pkt_tc(edns.get()));
  EXPECT_TRUE(ldns_pkt_edns(edns.get()));  // the OPT survives truncation
  EXPECT_EQ(ldns_pkt_edns_udp_size(edns.get()), kOurEdnsSize);

  Pkt big = run(*z, make_query(name, LDNS_RR_TYPE_AAAA, {.edns_size = 4096}));
  ASSERT_TRUE(big);
  EXPECT_FALSE(ldns_pkt_tc(big.get()));
  EXPECT_EQ(ldns_pkt_ancount(big.get()), 100);

  Pkt tcp = run(*z, make_query(name, LDNS_RR_TYPE_AAAA), Transport::tcp);
  ASSERT_TRUE(tcp);
  EXPECT_FALSE(ldns_pkt_tc(tcp.get()));
  EXPECT_EQ(ldns_pkt_ancount(tcp.get()), 100);
}

TEST(DnsHandler, ForwardsOnlyNamesOutsideTheZone) {
  auto z = zone_with_headless(1);
  Handled h = handle_query(*z, make_query("www.example.com", LDNS_RR_TYPE_AAAA), Transport::udp, true);
  EXPECT_EQ(int(h.kind), int(Handled::Kind::forward));
  EXPECT_EQ(h.query.name, "www.example.com");
  // No upstream: NXDOMAIN, not authoritative, no SOA (the name is not ours).
  Pkt p = run(*z, make_query("www.example.com", LDNS_RR_TYPE_AAAA), Transport::udp, false);
  ASSERT_TRUE(p);
  EXPECT_EQ(ldns_pkt_get_rcode(p.get()), LDNS_RCODE_NXDOMAIN);
  EXPECT_FALSE(ldns_pkt_aa(p.get()));
  EXPECT_EQ(ldns_pkt_nscount(p.get()), 0);
  // Zone names are never forwarded, even with an upstream.
  run(*z, make_query("nope.cluster.local", LDNS_RR_TYPE_A), Transport::udp, true, Handled::Kind::reply);
}

TEST(DnsHandler, ProtocolErrors) {
  auto z = zone_with_headless(1);
  Pkt v1 = run(*z, make_query("my-service.aws-news-blog.svc.cluster.local", LDNS_RR_TYPE_AAAA,
                              {.edns_size = 1232, .edns_version = 1}));
  ASSERT_TRUE(v1);
  EXPECT_EQ(ldns_pkt_edns_extended_rcode(v1.get()), 1);  // BADVERS = 16 = 1 << 4 | 0
  EXPECT_EQ(ldns_pkt_get_rcode(v1.get()), LDNS_RCODE_NOERROR);

  Pkt ch = run(*z, make_query("version.bind", LDNS_RR_TYPE_TXT, {.cls = LDNS_RR_CLASS_CH}));
  ASSERT_TRUE(ch);
  EXPECT_EQ(ldns_pkt_get_rcode(ch.get()), LDNS_RCODE_REFUSED);

  auto notify = make_query("cluster.local", LDNS_RR_TYPE_SOA);
  notify[2] = uint8_t((notify[2] & 0x87) | (4 << 3));  // opcode NOTIFY
  Pkt ni = run(*z, notify);
  ASSERT_TRUE(ni);
  EXPECT_EQ(ldns_pkt_get_rcode(ni.get()), LDNS_RCODE_NOTIMPL);

  Query q;
  q.id = 99;
  q.name = "x.example";
  q.qtype = rtype::A;
  q.qclass = kClassIn;
  Pkt sf = decode(error_reply(q, Rcode::servfail));
  ASSERT_TRUE(sf);
  EXPECT_EQ(ldns_pkt_get_rcode(sf.get()), LDNS_RCODE_SERVFAIL);
  EXPECT_EQ(ldns_pkt_id(sf.get()), 99);
}

TEST(DnsWire, NamesWithOddBytesRoundTrip) {
  // A label holding a dot must not alias two labels.
  std::vector<uint8_t> q = {0, 5, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'a', '.', 'b', 1, 0xFF, 0, 0, 1, 0, 1};
  auto parsed = parse_query(q);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->name, "a\\.b.\\255");
  auto labels = name_labels(parsed->name);
  ASSERT_TRUE(labels);
  EXPECT_EQ(*labels, (Strings{"a.b", "\xFF"}));
  Records z;
  Pkt p = run(z, q);
  ASSERT_TRUE(p);
  auto wire = handle_query(z, q, Transport::udp, false).reply;
  EXPECT_TRUE(std::equal(q.begin() + 12, q.end(), wire.begin() + 12));  // question echoed byte for byte

  EXPECT_FALSE(name_labels("a..b"));
  EXPECT_FALSE(name_labels(std::string(64, 'x')));
  EXPECT_FALSE(name_labels("a\\"));
}

}  // namespace
}  // namespace v6k::node::dns
