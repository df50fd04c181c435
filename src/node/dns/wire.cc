#include "node/dns/wire.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>

namespace v6k::node::dns {
namespace {

constexpr size_t kHeader = 12;
constexpr size_t kMaxName = 255;
constexpr size_t kOptSize = 11;  // root name, type, class, ttl, rdlength

uint16_t get16(std::span<const uint8_t> m, size_t at) { return uint16_t(m[at] << 8 | m[at + 1]); }

// Reads a possibly compressed name at `off` (advanced past it). Pointers must point strictly
// backwards, which also rules out loops.
Result<std::vector<std::string>> read_name(std::span<const uint8_t> m, size_t& off) {
  std::vector<std::string> labels;
  size_t pos = off, wire_len = 1;
  bool jumped = false;
  while (true) {
    if (pos >= m.size()) return fail_invalid("name runs past the end of the message");
    uint8_t len = m[pos];
    if ((len & 0xC0) == 0xC0) {
      if (pos + 1 >= m.size()) return fail_invalid("compression pointer cut short");
      size_t target = size_t(len & 0x3F) << 8 | m[pos + 1];
      if (target >= pos) return fail_invalid("compression pointer does not point backwards");
      if (!jumped) off = pos + 2;
      jumped = true;
      pos = target;
      continue;
    }
    if (len & 0xC0) return fail_invalid("reserved label type");
    if (len == 0) break;
    if (pos + 1 + len > m.size()) return fail_invalid("label runs past the end of the message");
    wire_len += 1 + len;
    if (wire_len > kMaxName) return fail_invalid("name longer than 255 bytes");
    labels.emplace_back(reinterpret_cast<const char*>(&m[pos + 1]), len);
    pos += 1 + len;
  }
  if (!jumped) off = pos + 1;
  return labels;
}

// Skips one resource record; returns its type and fills the fields an OPT needs.
struct RrHead {
  size_t name_labels = 0;
  uint16_t type = 0, cls = 0;
  uint32_t ttl = 0;
};
Result<RrHead> skip_rr(std::span<const uint8_t> m, size_t& off) {
  auto name = read_name(m, off);
  if (!name) return fail(std::move(name.error()));
  if (off + 10 > m.size()) return fail_invalid("resource record header cut short");
  RrHead h{name->size(), get16(m, off), get16(m, off + 2),
           uint32_t(get16(m, off + 4)) << 16 | get16(m, off + 6)};
  size_t rdlen = get16(m, off + 8);
  off += 10;
  if (off + rdlen > m.size()) return fail_invalid("rdata runs past the end of the message");
  off += rdlen;
  return h;
}

class Writer {
 public:
  std::vector<uint8_t> buf;

  void u8(uint8_t v) { buf.push_back(v); }
  void u16(uint16_t v) { buf.push_back(uint8_t(v >> 8)), buf.push_back(uint8_t(v)); }
  void u32(uint32_t v) { u16(uint16_t(v >> 16)), u16(uint16_t(v)); }
  void put16(size_t at, uint16_t v) { buf[at] = uint8_t(v >> 8), buf[at + 1] = uint8_t(v); }

  Result<> name(std::string_view text, bool compress) {
    auto labels = name_labels(text);
    if (!labels) return fail(std::move(labels.error()));
    for (size_t i = 0; i < labels->size(); ++i) {
      std::string key = suffix_key(*labels, i);
      if (compress) {
        auto hit = std::find_if(table_.begin(), table_.end(), [&](auto& e) { return e.first == key; });
        if (hit != table_.end()) return u16(uint16_t(0xC000 | hit->second)), Result<>{};
      }
      if (buf.size() < 0x4000) table_.emplace_back(std::move(key), uint16_t(buf.size()));
      const std::string& l = (*labels)[i];
      u8(uint8_t(l.size()));
      buf.insert(buf.end(), l.begin(), l.end());
    }
    u8(0);
    return {};
  }

  // Undo everything written from `mark` on, including compression targets there.
  void rollback(size_t mark) {
    buf.resize(mark);
    std::erase_if(table_, [&](auto& e) { return e.second >= mark; });
  }

 private:
  static std::string suffix_key(const std::vector<std::string>& labels, size_t from) {
    std::string k;
    for (size_t i = from; i < labels.size(); ++i) k += char(labels[i].size()), k += lower(labels[i]);
    return k;
  }
  std::vector<std::pair<std::string, uint16_t>> table_;
};

Result<> write_rdata(Writer& w, const Record& r) {
  struct Visit {
    Writer& w;
    Result<> operator()(const addr::Ipv4Address& a) {
      for (uint8_t b : a.bytes()) w.u8(b);
      return {};
    }
    Result<> operator()(const addr::Ipv6Address& a) {
      for (uint8_t b : a.bytes()) w.u8(b);
      return {};
    }
    Result<> operator()(const NameData& n) { return w.name(n.name, true); }
    Result<> operator()(const TxtData& t) {
      if (t.text.size() > 255) return fail_invalid("TXT string longer than 255 bytes");
      w.u8(uint8_t(t.text.size()));
      w.buf.insert(w.buf.end(), t.text.begin(), t.text.end());
      return {};
    }
    Result<> operator()(const SrvData& s) {
      w.u16(s.priority), w.u16(s.weight), w.u16(s.port);
      return w.name(s.target, false);  // RFC 2782: the target is never compressed
    }
    Result<> operator()(const SoaData& s) {
      V6K_TRY(w.name(s.mname, true), "SOA mname");
      V6K_TRY(w.name(s.rname, true), "SOA rname");
      w.u32(s.serial), w.u32(s.refresh), w.u32(s.retry), w.u32(s.expire), w.u32(s.minimum);
      return {};
    }
  };
  return std::visit(Visit{w}, r.data);
}

Result<> write_rr(Writer& w, const Record& r) {
  V6K_TRY(w.name(r.name, true), "owner of a " + std::to_string(r.type) + " record");
  w.u16(r.type), w.u16(kClassIn), w.u32(r.ttl);
  size_t len_at = w.buf.size();
  w.u16(0);
  V6K_TRY(write_rdata(w, r), "rdata of " + r.name);
  w.put16(len_at, uint16_t(w.buf.size() - len_at - 2));
  return {};
}

}  // namespace

size_t Query::udp_limit() const { return edns ? std::max<size_t>(kMaxUdpPlain, edns_udp_size) : kMaxUdpPlain; }

Result<Query> parse_query(std::span<const uint8_t> m) {
  if (m.size() < kHeader) return fail_invalid("message shorter than a DNS header");
  Query q;
  q.id = get16(m, 0);
  q.flags = get16(m, 2);
  if (q.flags & 0x8000) return fail_invalid("message is a response (QR=1)");
  uint16_t qd = get16(m, 4), an = get16(m, 6), ns = get16(m, 8), ar = get16(m, 10);
  if (qd != 1) return fail_invalid("question count is " + std::to_string(qd) + ", not 1");
  size_t off = kHeader;
  auto labels = read_name(m, off);
  if (!labels) return fail(std::move(labels.error()).wrap("question name"));
  if (off + 4 > m.size()) return fail_invalid("question cut short");
  q.name = labels_to_name(*labels);
  q.qtype = get16(m, off);
  q.qclass = get16(m, off + 2);
  off += 4;
  for (unsigned i = 0; i < unsigned(an) + ns; ++i) {
    auto rr = skip_rr(m, off);
    if (!rr) return fail(std::move(rr.error()).wrap("answer/authority record"));
  }
  for (unsigned i = 0; i < ar; ++i) {
    auto rr = skip_rr(m, off);
    if (!rr) return fail(std::move(rr.error()).wrap("additional record"));
    if (rr->type != rtype::OPT) continue;
    if (q.edns) return fail_invalid("more than one OPT record");
    if (rr->name_labels != 0) return fail_invalid("OPT record not owned by the root");
    q.edns = true;
    q.edns_udp_size = rr->cls;
    q.edns_version = uint8_t(rr->ttl >> 16);
    q.edns_do = rr->ttl & 0x8000;
  }
  return q;
}

Result<Query> parse_response_head(std::span<const uint8_t> m) {
  if (m.size() < kHeader) return fail_invalid("message shorter than a DNS header");
  Query q;
  q.id = get16(m, 0);
  q.flags = get16(m, 2);
  if (!(q.flags & 0x8000)) return fail_invalid("message is not a response (QR=0)");
  if (get16(m, 4) != 1) return fail_invalid("response does not carry exactly one question");
  size_t off = kHeader;
  auto labels = read_name(m, off);
  if (!labels) return fail(std::move(labels.error()).wrap("question name"));
  if (off + 4 > m.size()) return fail_invalid("question cut short");
  q.name = labels_to_name(*labels);
  q.qtype = get16(m, off);
  q.qclass = get16(m, off + 2);
  return q;
}

std::optional<std::vector<uint8_t>> formerr_reply(std::span<const uint8_t> m) {
  if (m.size() < kHeader || (m[2] & 0x80)) return std::nullopt;
  std::vector<uint8_t> out(kHeader, 0);
  out[0] = m[0], out[1] = m[1];
  out[2] = uint8_t(0x80 | (m[2] & 0x79));  // QR, opcode and RD copied
  out[3] = 0x80 | uint8_t(Rcode::formerr);
  return out;
}

Response Response::reply_to(const Query& q) {
  Response r;
  r.id = q.id;
  r.rd = q.rd();
  r.qname = q.name;
  r.qtype = q.qtype;
  r.qclass = q.qclass;
  r.edns = q.edns;
  r.edns_do = q.edns_do;
  return r;
}

Result<std::vector<uint8_t>> encode_response(const Response& r, size_t limit) {
  limit = std::max(limit, kMaxUdpPlain);
  Writer w;
  w.buf.reserve(std::min<size_t>(limit, 1500));
  w.buf.resize(kHeader, 0);
  w.put16(0, r.id);
  if (r.qname) {
    V6K_TRY(w.name(*r.qname, true), "question");
    w.u16(r.qtype), w.u16(r.qclass);
    w.put16(4, 1);
  }
  const size_t reserve = r.edns ? kOptSize : 0;
  bool tc = false;
  uint16_t counts[3] = {0, 0, 0};
  const std::vector<Record>* sections[3] = {&r.answer, &r.authority, &r.additional};
  for (int s = 0; s < 3 && !tc; ++s) {
    bool dropped = false;
    for (const Record& rr : *sections[s]) {
      size_t mark = w.buf.size();
      V6K_TRY(write_rr(w, rr), "encoding response");
      if (w.buf.size() + reserve > limit) {
        w.rollback(mark);
        dropped = true;
        break;
      }
      ++counts[s];
    }
    if (dropped && s < 2) tc = true;  // a cut additional section is not truncation
    if (dropped) break;
  }
  w.put16(6, counts[0]), w.put16(8, counts[1]), w.put16(10, counts[2]);
  uint16_t rc = uint16_t(r.rcode);
  if (r.edns) {
    w.u8(0), w.u16(rtype::OPT), w.u16(kOurEdnsSize);
    w.u32(uint32_t(rc >> 4) << 24 | (r.edns_do ? 0x8000u : 0u));
    w.u16(0);
    w.put16(10, uint16_t(counts[2] + 1));
  }
  uint16_t flags = 0x8000 | (r.aa ? 0x0400 : 0) | (tc ? 0x0200 : 0) | (r.rd ? 0x0100 : 0) |
                   (r.ra ? 0x0080 : 0) | (rc & 0xF);
  w.put16(2, flags);
  return std::move(w.buf);
}

Result<std::vector<std::string>> name_labels(std::string_view name) {
  std::vector<std::string> labels;
  if (name.empty() || name == ".") return labels;
  std::string cur;
  size_t wire = 1;
  auto finish = [&]() -> Result<> {
    if (cur.empty()) return fail_invalid("empty label in \"" + std::string(name) + "\"");
    if (cur.size() > 63) return fail_invalid("label longer than 63 bytes in \"" + std::string(name) + "\"");
    wire += 1 + cur.size();
    if (wire > kMaxName) return fail_invalid("name longer than 255 bytes");
    labels.push_back(std::move(cur));
    cur.clear();
    return {};
  };
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c == '.') {
      V6K_TRY(finish(), "name");
      if (i + 1 == name.size()) return labels;  // trailing dot: fully qualified
      continue;
    }
    if (c == '\\') {
      if (i + 1 >= name.size()) return fail_invalid("dangling escape in name");
      if (i + 3 < name.size() && std::isdigit((unsigned char)name[i + 1]) &&
          std::isdigit((unsigned char)name[i + 2]) && std::isdigit((unsigned char)name[i + 3])) {
        int v = (name[i + 1] - '0') * 100 + (name[i + 2] - '0') * 10 + (name[i + 3] - '0');
        if (v > 255) return fail_invalid("escape \\DDD above 255 in name");
        cur += char(v);
        i += 3;
      } else {
        cur += name[++i];
      }
      continue;
    }
    cur += c;
  }
  V6K_TRY(finish(), "name");
  return labels;
}

std::string labels_to_name(const std::vector<std::string>& labels) {
  std::string out;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) out += '.';
    for (unsigned char c : labels[i]) {
      if (c == '.' || c == '\\') {
        out += '\\', out += char(c);
      } else if (c < 0x21 || c > 0x7E) {
        char esc[5];
        std::snprintf(esc, sizeof esc, "\\%03u", unsigned(c));
        out += esc;
      } else {
        out += char(c);
      }
    }
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return out;
}

}  // namespace v6k::node::dns
