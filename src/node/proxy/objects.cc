#include "node/proxy/objects.h"

#include "addr/ip.h"

namespace v6k::node::proxy {
namespace {

using nlohmann::json;

const json* member(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

Result<std::string> opt_string(const json& obj, const char* key, const std::string& where) {
  const json* v = member(obj, key);
  if (v == nullptr) return std::string();
  if (!v->is_string()) return fail_invalid(where + "." + key + " is not a string");
  return v->get<std::string>();
}

Result<Protocol> parse_protocol(const json& obj, const std::string& where) {
  auto text = opt_string(obj, "protocol", where);
  if (!text) return fail(std::move(text.error()));
  if (text->empty() || *text == "TCP") return Protocol::kTcp;
  if (*text == "UDP") return Protocol::kUdp;
  if (*text == "SCTP") return Protocol::kSctp;
  return fail_invalid(where + ".protocol \"" + *text + "\" is not TCP, UDP or SCTP");
}

// A port number 1..65535; `allow_absent` gives 0 for a missing/null value.
Result<uint16_t> parse_port(const json& obj, const std::string& where, bool allow_absent) {
  const json* v = member(obj, "port");
  if (v == nullptr) {
    if (allow_absent) return uint16_t{0};
    return fail_invalid(where + ".port is missing");
  }
  if (!v->is_number_integer()) return fail_invalid(where + ".port is not an integer");
  auto n = v->get<int64_t>();
  if (n < 1 || n > 65535) return fail_invalid(where + ".port " + std::to_string(n) + " is not in 1..65535");
  return static_cast<uint16_t>(n);
}

// Canonical text of an address of the given family (0 = either).
Result<std::string> canonical_ip(const std::string& text, int family, const std::string& where) {
  auto ip = addr::parse_ip(text);
  if (!ip) return fail(std::move(ip.error()).wrap(where));
  int got = addr::is_v6(*ip) ? 6 : 4;
  if (family != 0 && got != family)
    return fail_invalid(where + ": " + text + " is not an IPv" + std::to_string(family) + " address");
  return addr::to_string(*ip);
}

Result<std::pair<std::string, std::string>> parse_meta(const json& obj, const char* kind) {
  if (!obj.is_object()) return fail_invalid(std::string(kind) + " is not a JSON object");
  const json* meta = member(obj, "metadata");
  if (meta == nullptr || !meta->is_object()) return fail_invalid(std::string(kind) + ": metadata is missing");
  auto name = opt_string(*meta, "name", "metadata");
  if (!name) return fail(std::move(name.error()));
  if (name->empty()) return fail_invalid(std::string(kind) + ": metadata.name is missing");
  auto ns = opt_string(*meta, "namespace", "metadata");
  if (!ns) return fail(std::move(ns.error()));
  return std::pair{ns->empty() ? std::string("default") : *ns, *name};
}

Result<bool> opt_bool(const json& obj, const char* key, bool absent, const std::string& where) {
  const json* v = member(obj, key);
  if (v == nullptr) return absent;
  if (!v->is_boolean()) return fail_invalid(where + "." + key + " is not a boolean");
  return v->get<bool>();
}

// A Service's or an EndpointSlice's ports (name, port, protocol); `what` names the list
// in errors ("Service ns/x.spec.ports", "EndpointSlice ns/x: ports").
template <class Port>
Result<std::vector<Port>> parse_ports(const json& ports, const std::string& what, bool allow_absent_port) {
  if (!ports.is_array()) return fail_invalid(what + " is not an array");
  std::vector<Port> out;
  for (size_t i = 0; i < ports.size(); ++i) {
    const json& p = ports[i];
    std::string pw = what + "[" + std::to_string(i) + "]";
    if (!p.is_object()) return fail_invalid(pw + " is not an object");
    Port sp;
    auto name = opt_string(p, "name", pw);
    if (!name) return fail(std::move(name.error()));
    sp.name = *name;
    auto port = parse_port(p, pw, allow_absent_port);
    if (!port) return fail(std::move(port.error()));
    sp.port = *port;
    auto proto = parse_protocol(p, pw);
    if (!proto) return fail(std::move(proto.error()));
    sp.protocol = *proto;
    out.push_back(std::move(sp));
  }
  return out;
}

}  // namespace

const char* nft_name(Protocol p) {
  switch (p) {
    case Protocol::kTcp: return "tcp";
    case Protocol::kUdp: return "udp";
    case Protocol::kSctp: return "sctp";
  }
  return "tcp";
}

Result<ServiceInfo> parse_service(const json& obj) {
  auto meta = parse_meta(obj, "Service");
  if (!meta) return fail(std::move(meta.error()));
  ServiceInfo s;
  s.ns = meta->first;
  s.name = meta->second;
  const std::string where = "Service " + s.key() + ": spec";
  const json* spec = member(obj, "spec");
  if (spec == nullptr) return s;  // nothing to proxy
  if (!spec->is_object()) return fail_invalid(where + " is not an object");
  auto type = opt_string(*spec, "type", "spec");
  if (!type) return fail(std::move(type.error()).wrap(where));
  auto itp = opt_string(*spec, "internalTrafficPolicy", "spec");
  if (!itp) return fail(std::move(itp.error()).wrap(where));
  s.local_internal_traffic = *itp == "Local";

  std::vector<std::string> ips;
  if (const json* list = member(*spec, "clusterIPs")) {
    if (!list->is_array()) return fail_invalid(where + ".clusterIPs is not an array");
    for (const json& ip : *list) {
      if (!ip.is_string()) return fail_invalid(where + ".clusterIPs has a non-string element");
      ips.push_back(ip.get<std::string>());
    }
  } else {
    auto one = opt_string(*spec, "clusterIP", "spec");
    if (!one) return fail(std::move(one.error()).wrap(where));
    if (!one->empty()) ips.push_back(*one);
  }
  if (*type == "ExternalName") ips.clear();
  for (const std::string& ip : ips) {
    if (ip == "None" || ip.empty()) continue;  // headless: DNS only, nothing to proxy
    auto c = canonical_ip(ip, 0, where + ".clusterIPs");
    if (!c) return fail(std::move(c.error()));
    s.cluster_ips.push_back(*c);
  }

  if (const json* ports = member(*spec, "ports")) {
    auto parsed = parse_ports<ServicePort>(*ports, where + ".ports", false);
    if (!parsed) return fail(std::move(parsed.error()));
    s.ports = std::move(*parsed);
  }
  return s;
}

Result<SliceInfo> parse_slice(const json& obj) {
  auto meta = parse_meta(obj, "EndpointSlice");
  if (!meta) return fail(std::move(meta.error()));
  SliceInfo s;
  s.ns = meta->first;
  s.name = meta->second;
  const std::string where = "EndpointSlice " + s.key();
  if (const json* labels = member(*member(obj, "metadata"), "labels")) {
    auto svc = opt_string(*labels, "kubernetes.io/service-name", "metadata.labels");
    if (!svc) return fail(std::move(svc.error()).wrap(where));
    s.service = *svc;
  }
  auto type = opt_string(obj, "addressType", "");
  if (!type) return fail(std::move(type.error()).wrap(where));
  if (*type == "IPv6") s.family = 6;
  else if (*type == "IPv4") s.family = 4;
  else if (*type == "FQDN") {
    s.family = 0;
    return s;
  } else return fail_invalid(where + ": addressType \"" + *type + "\" is not IPv4, IPv6 or FQDN");

  if (const json* ports = member(obj, "ports")) {
    auto parsed = parse_ports<SlicePort>(*ports, where + ": ports", true);
    if (!parsed) return fail(std::move(parsed.error()));
    s.ports = std::move(*parsed);
  }
  if (const json* eps = member(obj, "endpoints")) {
    if (!eps->is_array()) return fail_invalid(where + ": endpoints is not an array");
    for (size_t i = 0; i < eps->size(); ++i) {
      const json& e = (*eps)[i];
      std::string ew = where + ": endpoints[" + std::to_string(i) + "]";
      if (!e.is_object()) return fail_invalid(ew + " is not an object");
      SliceEndpoint ep;
      const json* addrs = member(e, "addresses");
      if (addrs == nullptr || !addrs->is_array()) return fail_invalid(ew + ".addresses is missing");
      for (const json& a : *addrs) {
        if (!a.is_string()) return fail_invalid(ew + ".addresses has a non-string element");
        auto c = canonical_ip(a.get<std::string>(), s.family, ew + ".addresses");
        if (!c) return fail(std::move(c.error()));
        ep.addresses.push_back(*c);
      }
      const json empty = json::object();
      const json* cond = member(e, "conditions");
      if (cond != nullptr && !cond->is_object()) return fail_invalid(ew + ".conditions is not an object");
      const json& c = cond ? *cond : empty;
      auto ready = opt_bool(c, "ready", true, ew + ".conditions");
      if (!ready) return fail(std::move(ready.error()));
      auto serving = opt_bool(c, "serving", *ready, ew + ".conditions");
      if (!serving) return fail(std::move(serving.error()));
      auto terminating = opt_bool(c, "terminating", false, ew + ".conditions");
      if (!terminating) return fail(std::move(terminating.error()));
      ep.ready = *ready;
      ep.serving = *serving;
      ep.terminating = *terminating;
      auto node = opt_string(e, "nodeName", ew);
      if (!node) return fail(std::move(node.error()));
      ep.node_name = *node;
      s.endpoints.push_back(std::move(ep));
    }
  }
  return s;
}

}  // namespace v6k::node::proxy
