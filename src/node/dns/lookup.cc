// Records: answering questions (CoreDNS kubernetes plugin semantics; see records.h).
#include <algorithm>
#include <array>
#include <cctype>
#include <mutex>
#include <set>

#include "node/dns/records.h"

namespace v6k::node::dns {

// A question split against the zone: labels left of the domain, right-most last.
struct Records::Query {
  std::string qname;                 // lower case, no trailing dot
  uint16_t qtype = 0;
  std::vector<std::string> segs;     // e.g. {"_http", "_tcp", "my-service", "ns", "svc"}
};

namespace {

std::vector<std::string> split(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t dot = s.find('.', start);
    if (dot == std::string_view::npos) dot = s.size();
    out.emplace_back(s.substr(start, dot - start));
    start = dot + 1;
  }
  return out;
}

std::string strip_underscore(const std::string& s) { return s.starts_with('_') ? s.substr(1) : s; }

// The endpoint name CoreDNS derives: the hostname, else the IP with '.' or ':' as '-'.
std::string endpoint_name(const std::string& hostname, const addr::IpAddress& ip) {
  if (!hostname.empty()) return hostname;
  std::string t = addr::to_string(ip);
  std::replace(t.begin(), t.end(), addr::is_v6(ip) ? ':' : '.', '-');
  return t;
}

// "1-2-3-4" -> 1.2.3.4, "fd00--1" -> fd00::1 (CoreDNS: exactly three dashes and no "--"
// is IPv4, anything else IPv6).
std::optional<addr::IpAddress> ip_from_dashes(std::string s) {
  bool v4 = std::count(s.begin(), s.end(), '-') == 3 && s.find("--") == std::string::npos;
  std::replace(s.begin(), s.end(), '-', v4 ? '.' : ':');
  auto ip = addr::parse_ip(s);
  if (!ip || addr::is_v6(*ip) != !v4) return std::nullopt;
  return *ip;
}

// 4.3.2.1.in-addr.arpa / 32 nibbles.ip6.arpa -> the address; nullopt when partial or bad.
std::optional<addr::IpAddress> ip_from_reverse(std::string_view name) {
  auto segs = split(name);
  if (name.ends_with(".in-addr.arpa") && segs.size() == 6) {
    std::string t = segs[3] + "." + segs[2] + "." + segs[1] + "." + segs[0];
    auto ip = addr::Ipv4Address::parse(t);
    if (ip) return addr::IpAddress(*ip);
  } else if (name.ends_with(".ip6.arpa") && segs.size() == 34) {
    std::array<uint8_t, 16> b{};
    for (int i = 0; i < 32; ++i) {
      const std::string& n = segs[31 - i];
      if (n.size() != 1 || !std::isxdigit(static_cast<unsigned char>(n[0]))) return std::nullopt;
      int v = std::isdigit(static_cast<unsigned char>(n[0])) ? n[0] - '0' : n[0] - 'a' + 10;
      b[i / 2] |= uint8_t(i % 2 ? v : v << 4);
    }
    return addr::IpAddress(addr::Ipv6Address(b));
  }
  return std::nullopt;
}

bool port_matches(const std::string& want_port, const std::string& want_proto, const std::string& name,
                  const std::string& proto) {
  return (want_port.empty() || want_port == name) && (want_proto.empty() || want_proto == proto);
}

Record address_record(const std::string& owner, const addr::IpAddress& ip, uint32_t ttl) {
  if (addr::is_v6(ip)) return {owner, rtype::AAAA, ttl, std::get<addr::Ipv6Address>(ip)};
  return {owner, rtype::A, ttl, std::get<addr::Ipv4Address>(ip)};
}

}  // namespace

std::optional<Answer> Records::lookup(std::string_view qname, uint16_t qtype) const {
  Query q;
  q.qname = lower(qname);
  if (q.qname.ends_with('.')) q.qname.pop_back();
  q.qtype = qtype;
  if (q.qname.ends_with(".in-addr.arpa") || q.qname.ends_with(".ip6.arpa")) {
    std::shared_lock lock(mu_);
    return lookup_reverse(q.qname, qtype);
  }
  if (q.qname != domain_) {
    if (!q.qname.ends_with(domain_) || q.qname.size() <= domain_.size() ||
        q.qname[q.qname.size() - domain_.size() - 1] != '.')
      return std::nullopt;
    q.segs = split(std::string_view(q.qname).substr(0, q.qname.size() - domain_.size() - 1));
  }
  std::shared_lock lock(mu_);
  return lookup_locked(q);
}

std::optional<Answer> Records::lookup_locked(const Query& q) const {
  const auto& segs = q.segs;
  if (segs.empty()) return apex_answer(q);
  if (segs.size() == 1 && segs[0] == "dns-version") {
    if (q.qtype != rtype::TXT) return nodata();
    Answer a;
    a.answer.push_back({q.qname, rtype::TXT, cfg_.ttl, TxtData{"1.1.0"}});
    return a;
  }
  if (segs.size() == 2 && segs[0] == "ns" && segs[1] == "dns") {
    Answer a;
    for (const auto& ip : cfg_.nameservers)
      if ((q.qtype == rtype::A && !addr::is_v6(ip)) || (q.qtype == rtype::AAAA && addr::is_v6(ip)))
        a.answer.push_back(address_record(q.qname, ip, cfg_.ttl));
    return a.answer.empty() ? nodata() : a;
  }
  const std::string& kind = segs.back();
  if (kind != "svc" && kind != "pod") return nxdomain();
  if (segs.size() == 1) return nodata();
  if (segs.size() == 2) return namespace_known(segs[0]) ? nodata() : nxdomain();
  if (segs.size() > 5) return nxdomain();
  return kind == "svc" ? service_answer(q) : pod_answer(q);
}

Answer Records::apex_answer(const Query& q) const {
  Answer a;
  if (q.qtype == rtype::SOA) {
    a.answer.push_back(soa());
  } else if (q.qtype == rtype::NS) {
    std::string ns = "ns.dns." + domain_;
    a.answer.push_back({domain_, rtype::NS, cfg_.ttl, NameData{ns}});
    for (const auto& ip : cfg_.nameservers) a.additional.push_back(address_record(ns, ip, cfg_.ttl));
  } else {
    return nodata();
  }
  return a;
}

Answer Records::service_answer(const Query& q) const {
  const auto& s = q.segs;
  const size_t n = s.size();
  const std::string& ns = s[n - 2];
  const std::string& name = s[n - 3];
  std::string endpoint, want_port, want_proto;
  if (n == 4) endpoint = s[0];
  if (n == 5) want_port = strip_underscore(s[0]), want_proto = strip_underscore(s[1]);

  auto it = services_.find(ns + "/" + name);
  if (it == services_.end()) return nxdomain();
  const Service& svc = it->second;
  const std::string svc_host = svc.name + "." + svc.ns + ".svc." + domain_;

  if (!svc.external_name.empty()) {
    if (n != 3) return nxdomain();
    if (q.qtype == rtype::SRV) return nodata();
    // Only the CNAME: the client's resolver (or a recursive upstream) follows it.
    if (q.qtype != rtype::A && q.qtype != rtype::AAAA && q.qtype != rtype::CNAME) return nodata();
    Answer a;
    a.answer.push_back({q.qname, rtype::CNAME, cfg_.ttl, NameData{svc.external_name}});
    return a;
  }

  std::vector<Target> targets;
  bool found = false;
  if (svc.headless || !endpoint.empty()) {
    auto idx = slices_by_service_.find(it->first);
    if (idx != slices_by_service_.end()) {
      for (const auto& slice_key : idx->second) {
        const Slice& slice = slices_.at(slice_key);
        static const std::vector<Port> kNoPorts{Port{}};  // CoreDNS's port -1 placeholder
        const auto& ports = slice.ports.empty() ? kNoPorts : slice.ports;
        for (const auto& ep : slice.endpoints) {
          if (!ep.ready) continue;
          for (const auto& ip : ep.addresses) {
            std::string ep_name = endpoint_name(ep.hostname, ip);
            if (!endpoint.empty() && endpoint != ep_name) continue;
            for (const auto& p : ports) {
              if (!port_matches(want_port, want_proto, p.name, p.protocol)) continue;
              found = true;
              targets.push_back({ep_name + "." + svc_host, ip, p.port});
            }
          }
        }
      }
    }
  } else {
    static const std::vector<Port> kNoPorts{Port{}};
    for (const auto& p : svc.ports.empty() ? kNoPorts : svc.ports) {
      if (!port_matches(want_port, want_proto, p.name, p.protocol)) continue;
      found = true;
      for (const auto& ip : svc.cluster_ips) targets.push_back({svc_host, ip, p.port});
    }
  }
  if (!found) return nxdomain();

  Answer a;
  if (q.qtype == rtype::A || q.qtype == rtype::AAAA) {
    std::set<addr::IpAddress> seen;
    for (const auto& t : targets) {
      if ((q.qtype == rtype::AAAA) != addr::is_v6(t.ip) || !seen.insert(t.ip).second) continue;
      a.answer.push_back(address_record(q.qname, t.ip, cfg_.ttl));
    }
  } else if (q.qtype == rtype::SRV) {
    std::set<std::pair<std::string, int32_t>> srv_seen;
    std::set<std::pair<std::string, addr::IpAddress>> addr_seen;
    std::vector<const Target*> srv;
    for (const auto& t : targets)
      if (t.port >= 0 && srv_seen.insert({t.host, t.port}).second) srv.push_back(&t);
    // CoreDNS spreads weight 100 evenly over the records of one priority.
    uint16_t weight = srv.empty() ? 0 : uint16_t(std::max<size_t>(1, 100 / srv.size()));
    for (const Target* t : srv)
      a.answer.push_back({q.qname, rtype::SRV, cfg_.ttl, SrvData{0, weight, uint16_t(t->port), t->host}});
    for (const auto& t : targets)
      if (t.port >= 0 && addr_seen.insert({t.host, t.ip}).second)
        a.additional.push_back(address_record(t.host, t.ip, cfg_.ttl));
  }
  if (a.answer.empty()) return nodata();
  return a;
}

Answer Records::pod_answer(const Query& q) const {
  if (cfg_.pods == PodRecords::disabled || q.segs.size() != 3) return nxdomain();  // <ip>.<ns>.pod
  const std::string& ns = q.segs[1];
  auto ip = ip_from_dashes(q.segs[0]);
  if (!ip) return nxdomain();
  if (cfg_.pods == PodRecords::verified && !pod_ips_.contains({ns, *ip})) return nxdomain();
  if ((q.qtype == rtype::AAAA && addr::is_v6(*ip)) || (q.qtype == rtype::A && !addr::is_v6(*ip))) {
    Answer a;
    a.answer.push_back(address_record(q.qname, *ip, cfg_.ttl));
    return a;
  }
  return nodata();
}

std::optional<Answer> Records::lookup_reverse(std::string_view name, uint16_t qtype) const {
  // Only PTR questions for addresses we know are ours; everything else falls through to
  // the upstream, as CoreDNS's default "fallthrough in-addr.arpa ip6.arpa" does.
  if (qtype != rtype::PTR) return std::nullopt;
  auto ip = ip_from_reverse(name);
  if (!ip) return std::nullopt;
  Answer a;
  std::string owner(name);
  for (const auto& [key, svc] : services_) {
    if (std::find(svc.cluster_ips.begin(), svc.cluster_ips.end(), *ip) == svc.cluster_ips.end()) continue;
    a.answer.push_back({owner, rtype::PTR, cfg_.ttl, NameData{svc.name + "." + svc.ns + ".svc." + domain_}});
    return a;
  }
  for (const auto& [key, slice] : slices_) {
    auto svc = services_.find(slice.service_key);
    if (svc == services_.end()) continue;
    for (const auto& ep : slice.endpoints)
      for (const auto& epip : ep.addresses)
        if (epip == *ip)
          a.answer.push_back({owner, rtype::PTR, cfg_.ttl,
                              NameData{endpoint_name(ep.hostname, epip) + "." + svc->second.name + "." +
                                       svc->second.ns + ".svc." + domain_}});
  }
  if (a.answer.empty()) return std::nullopt;
  return a;
}

Record Records::soa() const {
  return {domain_, rtype::SOA, std::min<uint32_t>(300, cfg_.ttl),
          SoaData{"ns.dns." + domain_, "hostmaster." + domain_, serial_, 7200, 1800, 86400, cfg_.ttl}};
}

Answer Records::nodata() const {
  Answer a;
  a.authority.push_back(soa());
  return a;
}

Answer Records::nxdomain() const {
  Answer a = nodata();
  a.rcode = Rcode::nxdomain;
  return a;
}

}  // namespace v6k::node::dns
