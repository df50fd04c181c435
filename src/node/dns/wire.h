// DNS messages on the wire (RFC 1035, EDNS0 from RFC 6891): just what a cluster resolver
// needs — parse one query, encode one response with name compression and truncation.
//
//   auto q = parse_query(bytes);                  // Result<Query>
//   if (!q) send(formerr_reply(bytes));           // FORMERR when the header is readable
//   Response r = Response::reply_to(*q);          // id, RD, question, EDNS echoed
//   r.answer.push_back({.name = q->name, .type = rtype::AAAA, .ttl = 5,
//                       .data = addr::Ipv6Address::parse("fd12::10").value()});
//   auto wire = encode_response(r, q->udp_limit());  // TC set when answers did not fit
//
// Names are in presentation form without the trailing dot ("my-service.ns.svc.cluster.local",
// "" is the root); a label byte that is '.', '\\' or not printable is escaped ("\.", "\\",
// "\DDD") so text never aliases a different label sequence. Own codec rather than ldns on
// the hot path: one allocation-light pass per packet, exact control of TC and EDNS; the
// tests and the fuzzer check every message against ldns as an independent decoder.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "addr/ip.h"
#include "common/result.h"

namespace v6k::node::dns {

namespace rtype {
inline constexpr uint16_t A = 1, NS = 2, CNAME = 5, SOA = 6, PTR = 12, TXT = 16, AAAA = 28,
                          SRV = 33, OPT = 41, ANY = 255;
}
inline constexpr uint16_t kClassIn = 1;

// Response codes; values above 15 travel partly in the OPT record (BADVERS = 16).
enum class Rcode : uint16_t {
  noerror = 0, formerr = 1, servfail = 2, nxdomain = 3, notimp = 4, refused = 5, badvers = 16
};

inline constexpr size_t kMaxUdpPlain = 512;      // without EDNS (RFC 1035 4.2.1)
inline constexpr uint16_t kOurEdnsSize = 1232;   // what we advertise (DNS flag day 2020)

struct Query {
  uint16_t id = 0;
  uint16_t flags = 0;   // header bits 16..31 as sent
  std::string name;     // question name, original case, presentation form
  uint16_t qtype = 0;
  uint16_t qclass = 0;
  bool edns = false;
  uint16_t edns_udp_size = 0;  // as advertised by the client
  uint8_t edns_version = 0;
  bool edns_do = false;

  uint8_t opcode() const { return (flags >> 11) & 0xF; }
  bool rd() const { return flags & 0x0100; }
  // Largest UDP response the client takes: 512 without EDNS, else its size (>= 512).
  size_t udp_limit() const;
};

// One query: header, exactly one question, and an optional OPT in the additional section.
// Errors name what is malformed. Messages with QR=1 or shorter than a header are errors too.
Result<Query> parse_query(std::span<const uint8_t> msg);

// The id, flags and question of a response (QR=1, one question), for matching a forwarded
// query's answer; the rest of the message is not looked at.
Result<Query> parse_response_head(std::span<const uint8_t> msg);

// A FORMERR reply built from the header alone (no question), or nothing when even that is
// not worth answering (shorter than 12 bytes, or a response: QR=1).
std::optional<std::vector<uint8_t>> formerr_reply(std::span<const uint8_t> msg);

struct NameData { std::string name; };  // CNAME, PTR and NS targets
struct TxtData { std::string text; };   // one character-string (<= 255 bytes)
struct SrvData {
  uint16_t priority = 0, weight = 0, port = 0;
  std::string target;
};
struct SoaData {
  std::string mname, rname;
  uint32_t serial = 0, refresh = 0, retry = 0, expire = 0, minimum = 0;
};
using RData = std::variant<addr::Ipv4Address, addr::Ipv6Address, NameData, TxtData, SrvData, SoaData>;

struct Record {
  std::string name;
  uint16_t type = 0;
  uint32_t ttl = 0;
  RData data;
  bool operator==(const Record&) const = default;
};

struct Response {
  uint16_t id = 0;
  bool rd = false, aa = false, ra = true;
  Rcode rcode = Rcode::noerror;
  std::optional<std::string> qname;  // absent: no question section
  uint16_t qtype = 0, qclass = kClassIn;
  std::vector<Record> answer, authority, additional;
  bool edns = false;       // add our OPT record
  bool edns_do = false;    // DO bit echoed (RFC 3225)

  static Response reply_to(const Query& q);
};

// Encodes `r` into at most `limit` bytes (>= 512). What does not fit: additional records
// are dropped silently (RFC 2181 9), then answer/authority records are cut at the first
// one that does not fit and TC is set. Fails only on names that cannot be encoded.
Result<std::vector<uint8_t>> encode_response(const Response& r, size_t limit);

// Splits a presentation-form name into raw labels (escapes resolved); errors on empty
// labels, labels over 63 bytes or names over 255 bytes on the wire.
Result<std::vector<std::string>> name_labels(std::string_view name);
// The presentation form of raw labels (the inverse of name_labels).
std::string labels_to_name(const std::vector<std::string>& labels);
// ASCII lower case (DNS names compare case-insensitively, RFC 4343).
std::string lower(std::string_view s);

}  // namespace v6k::node::dns
