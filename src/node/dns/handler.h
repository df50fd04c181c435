// One DNS query in, one decision out: the reply bytes, "forward it upstream", or "drop".
// Pure (no sockets), so the server, the tests and the fuzzer share it.
//
//   Handled h = handle_query(zone, packet, Transport::udp, /*can_forward=*/true);
//   switch (h.kind) {
//     case Handled::Kind::reply:   send(h.reply); break;
//     case Handled::Kind::forward: forwarder.send(packet, h.query); break;
//     case Handled::Kind::drop:    break;   // not a query at all
//   }
//
// Policy: names in the zone are answered authoritatively (AA, RA set); other names go
// upstream when there is one, else NXDOMAIN without AA (the issue: "forwarding of other
// names to the internet namespace's resolver if one exists, else NXDOMAIN"). Malformed
// queries with a readable header get FORMERR; opcodes other than QUERY get NOTIMP; EDNS
// versions above 0 get BADVERS; classes other than IN get REFUSED. UDP replies respect the
// client's size (512 without EDNS) and set TC when answers were cut; TCP allows 65535.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "node/dns/records.h"
#include "node/dns/wire.h"

namespace v6k::node::dns {

enum class Transport { udp, tcp };

struct Handled {
  enum class Kind { reply, forward, drop };
  Kind kind = Kind::drop;
  std::vector<uint8_t> reply;  // Kind::reply
  Query query;                 // parsed question (reply after a successful parse, forward)
  bool truncated = false;      // the reply has TC set
};

Handled handle_query(const Records& zone, std::span<const uint8_t> msg, Transport transport,
                     bool can_forward);

// A reply with just the question and `rcode` (SERVFAIL when an upstream times out).
std::vector<uint8_t> error_reply(const Query& q, Rcode rcode);

}  // namespace v6k::node::dns
