// fuzz_dns: bytes as a DNS query on the node's cluster DNS (UDP and TCP sizes, with and
// without an upstream), and the same bytes as Service/EndpointSlice/Pod JSON for the zone.
// Invariants: no crash or sanitizer report; every reply decodes with libldns, carries the
// query's ID, fits the transport's size limit and, for UDP, sets TC whenever answers were
// cut; a parsed question name survives name_labels/labels_to_name unchanged.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>

#include "node/dns/handler.h"

// Last: ldns's headers define macros that break libstdc++ headers included after them.
#include <ldns/ldns.h>

using namespace v6k::node::dns;

namespace {

Records& zone() {
  static Records* z = [] {
    auto* r = new Records(ZoneConfig{.pods = PodRecords::verified});
    (void)r->upsert_service({{"metadata", {{"namespace", "ns"}, {"name", "svc"}}},
                             {"spec", {{"clusterIPs", {"fd12::10", "10.0.0.10"}}, {"ports", {{{"name", "http"}, {"port", 80}}}}}}});
    (void)r->upsert_service({{"metadata", {{"namespace", "ns"}, {"name", "h"}}}, {"spec", {{"clusterIP", "None"}}}});
    nlohmann::json eps = nlohmann::json::array();
    for (int i = 1; i <= 40; ++i) eps.push_back({{"addresses", {"2001:db8::" + std::to_string(i)}}, {"hostname", "h" + std::to_string(i)}});
    (void)r->upsert_slice({{"metadata", {{"namespace", "ns"}, {"name", "h-1"}, {"labels", {{"kubernetes.io/service-name", "h"}}}}},
                           {"endpoints", eps}, {"ports", {{{"name", "p"}, {"port", 9}}}}});
    (void)r->upsert_pod({{"metadata", {{"namespace", "ns"}, {"name", "p"}}}, {"status", {{"podIP", "fd00::1"}}}});
    return r;
  }();
  return *z;
}

void check_reply(std::span<const uint8_t> query, const Handled& h, size_t limit) {
  if (h.kind != Handled::Kind::reply) return;
  if (h.reply.size() < 12 || h.reply.size() > limit) std::abort();
  if (h.reply[0] != query[0] || h.reply[1] != query[1]) std::abort();
  ldns_pkt* p = nullptr;
  if (ldns_wire2pkt(&p, h.reply.data(), h.reply.size()) != LDNS_STATUS_OK) std::abort();
  ldns_pkt_free(p);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> msg(data, size);
  Records& z = zone();

  auto q = parse_query(msg);
  if (q) {
    auto labels = name_labels(q->name);
    if (!labels || labels_to_name(*labels) != q->name) std::abort();
  }
  for (bool forward : {false, true}) {
    Handled udp = handle_query(z, msg, Transport::udp, forward);
    check_reply(msg, udp, q ? q->udp_limit() : 512);
    Handled tcp = handle_query(z, msg, Transport::tcp, forward);
    check_reply(msg, tcp, 65535);
    // A UDP reply shorter than the TCP one for the same query must say it was truncated.
    if (udp.kind == Handled::Kind::reply && tcp.kind == Handled::Kind::reply && q && q->edns_version == 0 &&
        udp.reply.size() < tcp.reply.size() && !udp.truncated) {
      // Only the additional section may be dropped silently: answer and authority intact.
      if (!std::equal(udp.reply.begin() + 6, udp.reply.begin() + 10, tcp.reply.begin() + 6)) std::abort();
    }
  }

  // The same bytes as Kubernetes objects, on a scratch zone (the shared one stays fixed).
  auto j = nlohmann::json::parse(msg.begin(), msg.end(), nullptr, /*allow_exceptions=*/false);
  if (!j.is_discarded()) {
    Records scratch;
    (void)scratch.upsert_service(j);
    (void)scratch.upsert_slice(j);
    (void)scratch.upsert_pod(j);
    for (const char* name : {"svc.ns.svc.cluster.local", "_http._tcp.svc.ns.svc.cluster.local"})
      for (uint16_t t : {rtype::A, rtype::AAAA, rtype::SRV}) (void)scratch.lookup(name, t);
  }
  return 0;
}
