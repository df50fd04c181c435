#include "node/dns/handler.h"

namespace v6k::node::dns {
namespace {

constexpr size_t kTcpLimit = 65535;

Handled reply(const Query& q, const Response& r, size_t limit) {
  Handled h;
  h.kind = Handled::Kind::reply;
  h.query = q;
  auto wire = encode_response(r, limit);
  if (!wire) {
    // Cannot happen for names the zone builds; never leave a client without an answer.
    h.reply = error_reply(q, Rcode::servfail);
    return h;
  }
  h.reply = std::move(*wire);
  h.truncated = h.reply.size() > 2 && (h.reply[2] & 0x02);
  return h;
}

}  // namespace

std::vector<uint8_t> error_reply(const Query& q, Rcode rcode) {
  Response r = Response::reply_to(q);
  r.rcode = rcode;
  auto wire = encode_response(r, kTcpLimit);
  if (wire) return std::move(*wire);
  r.qname.reset();  // an unencodable question cannot come from parse_query; be safe anyway
  return encode_response(r, kTcpLimit).value_or(std::vector<uint8_t>{});
}

Handled handle_query(const Records& zone, std::span<const uint8_t> msg, Transport transport,
                     bool can_forward) {
  auto q = parse_query(msg);
  if (!q) {
    Handled h;
    if (auto formerr = formerr_reply(msg)) h.kind = Handled::Kind::reply, h.reply = std::move(*formerr);
    return h;
  }
  const size_t limit = transport == Transport::udp ? q->udp_limit() : kTcpLimit;
  Response r = Response::reply_to(*q);
  if (q->edns && q->edns_version != 0) {
    r.rcode = Rcode::badvers;  // RFC 6891 6.1.3
    r.qname.reset();
    return reply(*q, r, limit);
  }
  if (q->opcode() != 0) {
    r.rcode = Rcode::notimp;
    return reply(*q, r, limit);
  }
  if (q->qclass != kClassIn) {
    r.rcode = Rcode::refused;
    return reply(*q, r, limit);
  }
  auto answer = zone.lookup(q->name, q->qtype);
  if (!answer) {
    if (can_forward) {
      Handled h;
      h.kind = Handled::Kind::forward;
      h.query = std::move(*q);
      return h;
    }
    r.rcode = Rcode::nxdomain;
    return reply(*q, r, limit);
  }
  r.aa = true;
  r.rcode = answer->rcode;
  r.answer = std::move(answer->answer);
  r.authority = std::move(answer->authority);
  r.additional = std::move(answer->additional);
  return reply(*q, r, limit);
}

}  // namespace v6k::node::dns
