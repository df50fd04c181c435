// Test-side DNS client on libldns (an independent encoder/decoder, so the tests never check
// our codec with itself), plus real UDP/TCP exchanges made from inside a test namespace.
//
//   auto q = make_query("my-service.aws-news-blog.svc.cluster.local", LDNS_RR_TYPE_AAAA);
//   auto bytes = exchange(client_ns, server, q, /*tcp=*/false);   // on a thread in client_ns
//   Pkt p = decode(bytes.value());
//   rrs(p.get(), LDNS_SECTION_ANSWER) ==
//       {"my-service.aws-news-blog.svc.cluster.local. 5 AAAA fd12:3456:789a::1234"}
#pragma once

#include <ldns/ldns.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "netlink/netns.h"
#include "node/dns/sockets.h"

namespace v6k::node::dns::testing {

struct PktFree {
  void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
using Pkt = std::unique_ptr<ldns_pkt, PktFree>;

struct QueryOptions {
  uint16_t id = 0x4242;
  bool rd = true;
  uint16_t edns_size = 0;   // 0: no OPT record
  uint8_t edns_version = 0;
  bool edns_do = false;
  ldns_rr_class cls = LDNS_RR_CLASS_IN;
};
std::vector<uint8_t> make_query(const std::string& name, ldns_rr_type type, const QueryOptions& o = {});

// nullptr when ldns cannot decode the bytes.
Pkt decode(const std::vector<uint8_t>& wire);

// Each RR of a section as "owner TTL TYPE rdata..." (ldns's presentation, single spaces).
std::vector<std::string> rrs(const ldns_pkt* p, ldns_pkt_section section);

// Sends `query` to `server` over UDP (or TCP with the length prefix) from a thread that
// entered `client_ns`, and returns the reply bytes; errors on timeout.
Result<std::vector<uint8_t>> exchange(const netlink::NetNs& client_ns, const SockAddr& server,
                                      const std::vector<uint8_t>& query, bool tcp, int timeout_ms = 3000);

}  // namespace v6k::node::dns::testing
