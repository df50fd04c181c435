// Create-time ClusterIP rules of the service registry (upstream storage/alloc.go
// initIPFamilyFields + allocClusterIPs), specialised to a single-stack cluster.
#include <cstdio>
#include <optional>

#include "addr/ip.h"
#include "kube/serviceip/allocator.h"

namespace v6k::kube::serviceip {

using nlohmann::json;

namespace {

constexpr std::string_view kNone = "None";

// Go's %q for the ASCII texts we render (IPs, family and policy names).
std::string quote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// %#v of a []string: []string{"a", "b"}; nil prints []string(nil).
std::string string_slice(const std::vector<std::string>& v) {
  std::string out = "[]string{";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + quote(v[i]);
  return out + "}";
}

FieldError invalid(std::string field, const std::string& rendered, std::string_view detail) {
  return FieldError{"FieldValueInvalid", std::move(field), "Invalid value: " + rendered + ": " + std::string(detail)};
}

std::string str_at(const json& obj, const char* key) {
  if (!obj.is_object()) return {};
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::vector<std::string> strings_at(const json& obj, const char* key) {
  std::vector<std::string> out;
  if (!obj.is_object()) return out;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_array()) return out;
  for (const auto& v : *it) out.push_back(v.is_string() ? v.get<std::string>() : std::string());
  return out;
}

bool has_selector(const json& spec) {
  auto it = spec.find("selector");
  return it != spec.end() && it->is_object() && !it->empty();
}

std::optional<IpFamily> family_of(std::string_view ip) {
  auto p = addr::parse_ip(ip);
  if (!p) return std::nullopt;
  return addr::is_v6(*p) ? IpFamily::kIPv6 : IpFamily::kIPv4;
}

std::optional<IpFamily> parse_family(std::string_view s) {
  if (s == "IPv4") return IpFamily::kIPv4;
  if (s == "IPv6") return IpFamily::kIPv6;
  return std::nullopt;
}

ServiceIpError invalid_error(std::vector<FieldError> causes) {
  return ServiceIpError{422, std::move(causes), {}};
}

AssignResult assign_impl(json& svc, ServiceIpAllocator& alloc) {
  if (!svc.is_object()) return std::unexpected(ServiceIpError{500, {}, "service is not an object"});
  json& spec = svc["spec"];
  if (!spec.is_object()) spec = json::object();
  // ExternalName Services get neither IPs nor families.
  if (str_at(spec, "type") == "ExternalName") return {};

  const IpFamily cluster = alloc.family();
  // The registry keeps clusterIP and clusterIPs[0] in step before these rules run.
  std::vector<std::string> ips = strings_at(spec, "clusterIPs");
  std::string cluster_ip = str_at(spec, "clusterIP");
  if (ips.empty() && !cluster_ip.empty()) ips.push_back(cluster_ip);
  if (cluster_ip.empty() && !ips.empty()) cluster_ip = ips[0];
  const bool headless = cluster_ip == kNone;
  std::vector<std::string> fams = strings_at(spec, "ipFamilies");

  std::string policy = str_at(spec, "ipFamilyPolicy");
  if (policy.empty()) {
    // Headless without selector defaults to dual (it then lists both families even here).
    policy = headless && !has_selector(spec) ? "RequireDualStack" : "SingleStack";
    spec["ipFamilyPolicy"] = policy;
  }

  std::vector<FieldError> errs;
  if (policy == "SingleStack") {
    if (ips.size() == 2) {
      errs.push_back(invalid("spec.ipFamilyPolicy", quote(policy),
                             "must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified"));
    }
    if (fams.size() == 2) {
      errs.push_back(invalid("spec.ipFamilyPolicy", quote(policy),
                             "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified"));
    }
  }
  // Infer ipFamilies[] from clusterIPs[]: a user IP of a family the cluster lacks gets the
  // more precise error naming the IP.
  for (size_t i = 0; i < ips.size(); ++i) {
    if (ips[i] == kNone) break;
    auto fam = family_of(ips[i]);
    if (!fam) {
      errs.push_back(invalid("spec.clusterIPs[" + std::to_string(i) + "]", quote(ips[i]), "must be a valid IP address"));
      continue;
    }
    if (i >= fams.size()) {
      if (*fam != cluster) {
        errs.push_back(invalid("spec.clusterIPs[" + std::to_string(i) + "]", string_slice(ips),
                               std::string(family_name(*fam)) + " is not configured on this cluster"));
      } else {
        fams.emplace_back(family_name(*fam));
      }
    }
  }
  if (!errs.empty()) return std::unexpected(invalid_error(std::move(errs)));

  if (headless && !has_selector(spec)) {
    if (fams.empty()) fams.emplace_back(family_name(cluster));
    if (fams.size() < 2 && policy != "SingleStack") fams.emplace_back(fams[0] == "IPv4" ? "IPv6" : "IPv4");
    spec["ipFamilies"] = fams;
    spec["clusterIP"] = std::string(kNone);
    spec["clusterIPs"] = json::array({std::string(kNone)});
    return {};
  }

  if (policy == "RequireDualStack") {
    errs.push_back(invalid("spec.ipFamilyPolicy", quote(policy), "this cluster is not configured for dual-stack services"));
  }
  for (size_t i = 0; i < fams.size(); ++i) {
    auto f = parse_family(fams[i]);
    if (!f || *f != cluster) {
      errs.push_back(invalid("spec.ipFamilies[" + std::to_string(i) + "]", quote(fams[i]), "not configured on this cluster"));
    }
  }
  if (!errs.empty()) return std::unexpected(invalid_error(std::move(errs)));
  if (fams.empty()) fams.emplace_back(family_name(cluster));
  spec["ipFamilies"] = fams;  // PreferDualStack stays single here: the cluster has one family

  if (headless) {  // headless with selector: families only
    spec["clusterIP"] = std::string(kNone);
    spec["clusterIPs"] = json::array({std::string(kNone)});
    return {};
  }
  // One family, one IP: the given one, or the next free.
  std::string ip = ips.empty() ? std::string() : ips[0];
  if (ip.empty()) {
    auto got = alloc.allocate();
    if (!got) {
      return std::unexpected(ServiceIpError{500, {}, "failed to allocate a serviceIP: " + got.error().what()});
    }
    ip = *got;
  } else if (auto r = alloc.allocate_specific(ip); !r) {
    return std::unexpected(invalid_error({invalid("spec.clusterIPs", string_slice(ips),
                                                  "failed to allocate IP " + ip + ": " + r.error().what())}));
  }
  spec["clusterIP"] = ip;
  spec["clusterIPs"] = json::array({ip});
  return {};
}

}  // namespace

AssignResult assign_cluster_ips(json& service, ServiceIpAllocator& alloc) {
  try {
    return assign_impl(service, alloc);
  } catch (const std::exception& e) {
    return std::unexpected(ServiceIpError{500, {}, std::string("assigning cluster IPs: ") + e.what()});
  }
}

AssignResult assign_cluster_ips(json& service, ServiceIpAllocator& alloc, IpFamily cluster_family) {
  if (cluster_family != alloc.family()) {
    return std::unexpected(ServiceIpError{
        500, {}, "cluster family " + std::string(family_name(cluster_family)) + " does not match the service CIDR " + alloc.cidr()});
  }
  return assign_cluster_ips(service, alloc);
}

void release_cluster_ips(const json& service, ServiceIpAllocator& alloc) {
  try {
    const json empty = json::object();
    const json& spec = service.is_object() && service.contains("spec") ? service["spec"] : empty;
    if (str_at(spec, "type") == "ExternalName") return;
    std::vector<std::string> ips = strings_at(spec, "clusterIPs");
    if (ips.empty()) ips.push_back(str_at(spec, "clusterIP"));
    for (const auto& ip : ips) {
      if (!ip.empty() && ip != kNone) alloc.release(ip);  // other families/out of range: no-op
    }
  } catch (const std::exception&) {
    // Nothing to release from a malformed object.
  }
}

void update_keeps_ips(const json& old_service, json& new_service) {
  try {
    if (!old_service.is_object() || !new_service.is_object()) return;
    const json empty = json::object();
    const json& old_spec = old_service.contains("spec") ? old_service["spec"] : empty;
    json& spec = new_service["spec"];
    if (!spec.is_object()) spec = json::object();
    if (str_at(old_spec, "type") == "ExternalName" || str_at(spec, "type") == "ExternalName") return;
    auto missing = [&](const char* k) {
      auto it = spec.find(k);
      return it == spec.end() || it->is_null() || (it->is_string() && it->empty()) || (it->is_array() && it->empty());
    };
    for (const char* k : {"clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"}) {
      if (missing(k) && old_spec.contains(k)) spec[k] = old_spec[k];
    }
  } catch (const std::exception&) {
    // Leave the object as it was.
  }
}

}  // namespace v6k::kube::serviceip
