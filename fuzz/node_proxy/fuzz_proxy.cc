// fuzz_proxy: Service and EndpointSlice JSON as an informer hands it to the service
// proxy (any bytes that parse as JSON; a top-level array is taken as [service, slice...]).
// Invariants: no crash or sanitizer report; every element text the state holds is free
// of characters that could break out of an nft element list (so hostile objects cannot
// inject rules); the incremental StateIndex equals compute_state; a delta from the empty
// state to the state adds exactly the state's elements.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "node/proxy/objects.h"
#include "node/proxy/rules.h"
#include "node/proxy/state_index.h"

using namespace v6k::node::proxy;

namespace {

bool safe(const std::string& s) {
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == ':' || c == '.' || c == ' ' || c == '_')) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto j = nlohmann::json::parse(data, data + size, nullptr, false);
  if (j.is_discarded()) return 0;
  std::map<std::string, ServiceInfo> services;
  std::map<std::string, SliceInfo> slices;
  auto take = [&](const nlohmann::json& obj) {
    if (auto s = parse_service(obj)) services[s->key()] = *s;
    if (auto s = parse_slice(obj)) slices[s->key()] = *s;
  };
  if (j.is_array()) {
    for (const auto& o : j) take(o);
  } else {
    take(j);
  }
  ProxyState st = compute_state(services, slices, {.node_name = "n1"});
  size_t count = 0;
  for (const auto& [set, elems] : st.elements)
    for (const auto& [k, v] : elems) {
      if (!safe(k) || !safe(v)) std::abort();
      ++count;
    }
  StateIndex idx;
  for (const auto& [key, svc] : services) {
    std::vector<const SliceInfo*> own;
    for (const auto& [k, s] : slices)
      if (s.ns == svc.ns && s.service == svc.name) own.push_back(&s);
    idx.set(key, service_state(svc, own, {.node_name = "n1"}));
  }
  if (!(idx.snapshot() == st)) std::abort();
  ProxyState empty;
  ensure_sets(empty);
  std::string d = delta_script(empty, st);
  if (count == 0 && st.chains.empty() && !d.empty()) std::abort();
  (void)full_script(st);
  return 0;
}
