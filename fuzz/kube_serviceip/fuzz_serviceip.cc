// fuzz_serviceip: the service registry's ClusterIP allocation on arbitrary input.
//   - the first line is a CIDR for ServiceIpAllocator::create (so is the whole input);
//   - the rest (else the whole input), when it parses as JSON, is a Service or an array of
//     Services, assigned on two small allocators (an IPv6 /120 and an IPv4 /28).
// Invariants: nothing crashes or throws; a refused assign leaves used() unchanged ("no
// address stays allocated"); every address an accepted Service lists in its family is
// allocated; releasing every accepted Service brings used() back to its prior value;
// rebuild() reports exactly the addresses it marked.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/serviceip/allocator.h"

using namespace v6k::kube::serviceip;
using nlohmann::json;

namespace {

void exercise_cidr(std::string_view cidr) {
  auto created = ServiceIpAllocator::create(cidr, /*seed=*/7);
  if (!created) return;
  ServiceIpAllocator& a = **created;
  if (a.used() != 0 || a.free() != a.size() || a.reserved_band() > a.size()) std::abort();
  std::vector<std::string> got;
  for (int i = 0; i < 4; ++i) {
    auto ip = a.allocate();
    if (!ip) break;
    if (!a.has(*ip)) std::abort();
    // The canonical text must be accepted back (it is what the Service stores).
    if (a.allocate_specific(*ip)) std::abort();
    got.push_back(*ip);
  }
  if (a.used() != got.size()) std::abort();
  for (const auto& ip : got) a.release(ip);
  if (a.used() != 0) std::abort();
  // The canonical CIDR must be accepted again, with the same size.
  auto again = ServiceIpAllocator::create(a.cidr(), 7);
  if (!again || (*again)->size() != a.size() || (*again)->cidr() != a.cidr()) std::abort();
}

// Cluster IPs of the service in alloc's range (what release_cluster_ips would free).
std::vector<std::string> listed_ips(const json& svc) {
  std::vector<std::string> out;
  if (!svc.is_object() || !svc.contains("spec") || !svc["spec"].is_object()) return out;
  const json& spec = svc["spec"];
  if (auto it = spec.find("clusterIPs"); it != spec.end() && it->is_array() && !it->empty()) {
    for (const auto& ip : *it)
      if (ip.is_string()) out.push_back(ip.get<std::string>());
  } else if (auto c = spec.find("clusterIP"); c != spec.end() && c->is_string()) {
    out.push_back(c->get<std::string>());
  }
  return out;
}

void exercise_services(ServiceIpAllocator& alloc, const std::vector<const json*>& services) {
  // A couple of addresses in use already, so "back to prior" is not just "back to zero".
  (void)alloc.allocate();
  (void)alloc.allocate();
  const uint64_t used0 = alloc.used();
  const IpFamily other = alloc.family() == IpFamily::kIPv4 ? IpFamily::kIPv6 : IpFamily::kIPv4;

  std::vector<json> accepted;
  for (const json* in : services) {
    json svc = *in;
    uint64_t before = alloc.used();
    auto r = assign_cluster_ips(svc, alloc);
    if (!r) {
      if (alloc.used() != before) std::abort();
      if (r.error().http_status != 422 && r.error().http_status != 500) std::abort();
    } else {
      bool external = svc.is_object() && svc.contains("spec") && svc["spec"].is_object() &&
                      svc["spec"].value("type", json()) == "ExternalName";
      if (!external) {
        for (const auto& ip : listed_ips(svc)) {
          // A listed address of this range must be allocated: release_cluster_ips would
          // otherwise free it while it belongs to someone else.
          auto probe = ServiceIpAllocator::create(alloc.cidr(), 1);
          if (probe && (*probe)->allocate_specific(ip) && !alloc.has(ip)) std::abort();
        }
      }
      accepted.push_back(svc);
    }
    // The cluster-family overload with a family the allocator lacks is a 500.
    json svc2 = *in;
    before = alloc.used();
    auto r2 = assign_cluster_ips(svc2, alloc, other);
    if (r2) accepted.push_back(svc2);
    else if (alloc.used() != before) std::abort();

    // An update whose body omitted the IPs keeps the stored ones.
    json upd = *in;
    update_keeps_ips(svc, upd);
    update_keeps_ips(*in, upd);
  }
  for (const json& svc : accepted) release_cluster_ips(svc, alloc);
  if (alloc.used() != used0) std::abort();
  for (const json* in : services) release_cluster_ips(*in, alloc);  // arbitrary input: no crash

  std::vector<const json*> all(services);
  for (const json& s : accepted) all.push_back(&s);
  all.push_back(nullptr);
  size_t marked = alloc.rebuild(std::span<const json* const>(all));
  if (alloc.used() != marked) std::abort();
  json arr = json::array();
  for (const json* s : services) arr.push_back(*s);
  if (alloc.rebuild(arr) != alloc.used()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  size_t nl = text.find('\n');
  exercise_cidr(text.substr(0, nl));
  if (nl != std::string_view::npos) exercise_cidr(text);

  std::string_view body = nl == std::string_view::npos ? text : text.substr(nl + 1);
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) return 0;

  std::vector<const json*> services;
  if (doc.is_array()) {
    for (const auto& s : doc) {
      if (services.size() >= 32) break;
      services.push_back(&s);
    }
  } else {
    services.push_back(&doc);
  }
  // Fresh allocators with a fixed seed per input, so every run is reproducible.
  auto v6 = ServiceIpAllocator::create("fd00:10::/120", 1);
  auto v4 = ServiceIpAllocator::create("10.96.0.0/28", 1);
  if (!v6 || !v4) std::abort();
  exercise_services(**v6, services);
  exercise_services(**v4, services);
  return 0;
}
