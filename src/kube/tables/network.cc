// Services, Endpoints and EndpointSlices: upstream printService, printEndpoints and
// printEndpointSlice, including their "<none>", "<pending>" and "+ N more..." forms.
#include <set>
#include <string>
#include <vector>

#include "kube/tables/internal.h"

namespace v6k::kube::tables {

namespace {

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? "," : "") + parts[i];
  return out;
}

std::vector<std::string> strings(const Json& a) {
  std::vector<std::string> out;
  for (const Json& v : a) out.push_back(v.is_string() ? v.get<std::string>() : std::string());
  return out;
}

// loadBalancerStatusStringer (wide): sorted, de-duplicated ingress IPs or hostnames.
std::string load_balancer_ips(const Json& svc) {
  std::set<std::string> result;
  for (const Json& ing : arr(svc, {"status", "loadBalancer", "ingress"})) {
    if (!str(ing, {"ip"}).empty())
      result.insert(str(ing, {"ip"}));
    else if (!str(ing, {"hostname"}).empty())
      result.insert(str(ing, {"hostname"}));
  }
  return join(std::vector<std::string>(result.begin(), result.end()));
}

std::string external_ip(const Json& svc, const std::string& type) {
  const std::vector<std::string> external = strings(arr(svc, {"spec", "externalIPs"}));
  if (type == "ClusterIP" || type == "NodePort") return external.empty() ? "<none>" : join(external);
  if (type == "LoadBalancer") {
    const std::string lb = load_balancer_ips(svc);
    if (!external.empty()) return lb.empty() ? join(external) : lb + "," + join(external);
    return lb.empty() ? "<pending>" : lb;
  }
  if (type == "ExternalName") return str(svc, {"spec", "externalName"});
  return "<unknown>";
}

// "80/TCP", "80:30080/TCP", joined by ",". The server defaults the protocol to TCP.
std::string port_string(const Json& svc) {
  std::vector<std::string> pieces;
  for (const Json& p : arr(svc, {"spec", "ports"})) {
    std::string proto = str(p, {"protocol"});
    if (proto.empty()) proto = "TCP";
    const int64_t node_port = num(p, {"nodePort"});
    std::string piece = std::to_string(num(p, {"port"}));
    if (node_port > 0) piece += ":" + std::to_string(node_port);
    pieces.push_back(piece + "/" + proto);
  }
  return join(pieces);
}

// listWithMoreString: at most 3 items, then " + N more...", "<unset>" when empty.
std::string list_with_more(const std::vector<std::string>& list, size_t total) {
  constexpr size_t kMax = 3;
  std::string ret = join(list);
  if (total > kMax) return ret + " + " + std::to_string(total - kMax) + " more...";
  return ret.empty() ? "<unset>" : ret;
}

}  // namespace

Json service_columns() {
  return Json::array({
      column("Name", "string", kNameDoc, 0, "name"),
      column("Type", "string",
             "type determines how the Service is exposed. Defaults to ClusterIP. Valid options "
             "are ExternalName, ClusterIP, NodePort, and LoadBalancer."),
      column("Cluster-IP", "string",
             "clusterIP is the IP address of the service and is usually assigned randomly."),
      column("External-IP", "string",
             "externalIPs is a list of IP addresses for which nodes in the cluster will also "
             "accept traffic for this service."),
      column("Port(s)", "string", "The list of ports that are exposed by this service."),
      column("Age", "string", kCreationTimestampDoc),
      column("Selector", "string",
             "Route service traffic to pods with label keys and values matching this selector.",
             1),
  });
}

Json service_cells(const Json& svc, TimePoint now) {
  std::string type = str(svc, {"spec", "type"});
  if (type.empty()) type = "ClusterIP";  // the server's default
  // Converting v1 to the internal type fills clusterIPs from clusterIP.
  std::string cluster_ip;
  const Json& ips = arr(svc, {"spec", "clusterIPs"});
  if (!ips.empty() && ips[0].is_string())
    cluster_ip = ips[0].get<std::string>();
  else
    cluster_ip = str(svc, {"spec", "clusterIP"});
  std::string ports = port_string(svc);
  return Json::array({str(svc, {"metadata", "name"}), type,
                      cluster_ip.empty() ? "<none>" : cluster_ip, external_ip(svc, type),
                      ports.empty() ? "<none>" : ports, age(svc, now),
                      format_labels(obj(svc, {"spec", "selector"}))});
}

Json endpoints_columns() {
  return Json::array({column("Name", "string", kNameDoc, 0, "name"),
                      column("Endpoints", "string",
                             "The set of all endpoints is the union of all subsets."),
                      column("Age", "string", kCreationTimestampDoc)});
}

// formatEndpoints: "ip:port" for every (port, address) pair of every subset, at most 3
// shown; a subset without ports contributes bare addresses (headless services).
Json endpoints_cells(const Json& ep, TimePoint now) {
  constexpr size_t kMax = 3;
  const Json& subsets = arr(ep, {"subsets"});
  std::string text = "<none>";
  if (!subsets.empty()) {
    std::vector<std::string> list;
    bool more = false;
    size_t total = 0;
    for (const Json& ss : subsets) {
      const Json& addrs = arr(ss, {"addresses"});
      const Json& ports = arr(ss, {"ports"});
      if (ports.empty()) {
        total += addrs.size();
        for (const Json& a : addrs) {
          if (list.size() == kMax) {
            more = true;
            break;
          }
          list.push_back(str(a, {"ip"}));
        }
        continue;
      }
      for (const Json& p : ports) {
        total += addrs.size();
        for (const Json& a : addrs) {
          if (list.size() == kMax) {
            more = true;
            break;
          }
          list.push_back(join_host_port(str(a, {"ip"}), num(p, {"port"})));
        }
      }
    }
    text = join(list);
    if (more) text += " + " + std::to_string(total - kMax) + " more...";
  }
  return Json::array({str(ep, {"metadata", "name"}), text, age(ep, now)});
}

Json endpointslice_columns() {
  return Json::array({
      column("Name", "string", kNameDoc, 0, "name"),
      column("AddressType", "string",
             "addressType specifies the type of address carried by this EndpointSlice. All "
             "addresses in this slice must be the same type."),
      column("Ports", "string",
             "ports specifies the list of network ports exposed by each endpoint in this slice."),
      column("Endpoints", "string",
             "endpoints is a list of unique endpoints in this slice. Each slice may include a "
             "maximum of 1000 endpoints."),
      column("Age", "string", kCreationTimestampDoc),
  });
}

Json endpointslice_cells(const Json& slice, TimePoint now) {
  std::vector<std::string> ports;
  size_t port_total = 0;
  for (const Json& p : arr(slice, {"ports"})) {
    if (ports.size() < 3) {
      // A nil port means "all ports"; a named port without a number shows its name.
      const Json* port = find(p, {"port"});
      const Json* name = find(p, {"name"});
      if (port && port->is_number())
        ports.push_back(std::to_string(num(p, {"port"})));
      else if (name && name->is_string())
        ports.push_back(name->get<std::string>());
      else
        ports.push_back("*");
    }
    ++port_total;
  }
  std::vector<std::string> addrs;
  size_t addr_total = 0;
  for (const Json& e : arr(slice, {"endpoints"})) {
    for (const Json& a : arr(e, {"addresses"})) {
      if (addrs.size() < 3) addrs.push_back(a.is_string() ? a.get<std::string>() : std::string());
      ++addr_total;
    }
  }
  return Json::array({str(slice, {"metadata", "name"}), str(slice, {"addressType"}),
                      list_with_more(ports, port_total), list_with_more(addrs, addr_total),
                      age(slice, now)});
}

}  // namespace v6k::kube::tables
