// Security groups created by other services of the region (see service_groups.h).
#include "ec2/service_groups.h"

#include <algorithm>

#include "ec2/model_json.h"

namespace v6k::ec2 {
namespace {

SgRule all_traffic(bool egress, std::string cidr4, std::string cidr6, std::string group) {
  SgRule r;
  r.id = new_id("sgr");
  r.egress = egress;
  r.cidr_ipv4 = std::move(cidr4);
  r.cidr_ipv6 = std::move(cidr6);
  r.referenced_group_id = std::move(group);
  return r;
}

template <typename T>
Result<std::vector<T>> load_every(store::Store& s, std::string_view prefix, const char* what) {
  auto l = s.list(prefix);
  if (!l) return fail(std::move(l.error()).wrap(std::string("listing ") + what + "s"));
  std::vector<T> out;
  for (const auto& kv : l->items) {
    auto v = decode_stored<T>(kv.value, what);
    if (!v) return fail(std::move(v.error()));
    out.push_back(std::move(*v));
  }
  return out;
}

}  // namespace

Result<SecurityGroup> plan_service_group(store::Store& store, const ServiceGroupSpec& spec) {
  auto vpc = store.get(vpc_key(spec.vpc_id));
  if (!vpc) return fail(std::move(vpc.error()).wrap("reading VPC " + spec.vpc_id));
  auto groups = load_every<SecurityGroup>(store, kSecurityGroupPrefix, "security group");
  if (!groups) return fail(std::move(groups.error()));
  for (const auto& g : *groups)
    if (g.vpc_id == spec.vpc_id && g.name == spec.name)
      return fail(Error::make(EEXIST, "security group " + spec.name + " already exists in " + spec.vpc_id));

  SecurityGroup g;
  g.id = new_id("sg");
  g.name = spec.name;
  g.description = spec.description;
  g.vpc_id = spec.vpc_id;
  g.tags = spec.tags;
  if (spec.self_ingress) g.rules.push_back(all_traffic(false, "", "", g.id));
  for (SgRule r : spec.ingress) {
    r.id = new_id("sgr");
    r.egress = false;
    g.rules.push_back(std::move(r));
  }
  if (spec.egress_ipv4_all) g.rules.push_back(all_traffic(true, "0.0.0.0/0", "", ""));
  if (spec.egress_ipv6_all) g.rules.push_back(all_traffic(true, "", "::/0", ""));
  return g;
}

store::Write service_group_write(const SecurityGroup& group) {
  return store::Write::create(key_of(kSecurityGroupPrefix, group.id), nlohmann::json(group).dump());
}

Result<SecurityGroup> create_service_group(store::Store& store, const ServiceGroupSpec& spec) {
  auto g = plan_service_group(store, spec);
  if (!g) return g;
  auto created = store.commit({service_group_write(*g)});
  if (!created) return fail(std::move(created.error()).wrap("storing security group " + g->id));
  return g;
}

Result<> delete_service_group(store::Store& store, const std::string& group_id) {
  auto kv = store.get(key_of(kSecurityGroupPrefix, group_id));
  if (!kv) {
    if (kv.error().code() == ENOENT) return {};
    return fail(std::move(kv.error()).wrap("reading security group " + group_id));
  }
  auto groups = load_every<SecurityGroup>(store, kSecurityGroupPrefix, "security group");
  if (!groups) return fail(std::move(groups.error()));
  for (const auto& other : *groups) {
    if (other.id == group_id) continue;
    for (const auto& r : other.rules)
      if (r.referenced_group_id == group_id)
        return fail(Error::make(EBUSY, "security group " + group_id + " is referenced by " + other.id));
  }
  auto enis = load_every<NetworkInterface>(store, kEniPrefix, "network interface");
  if (!enis) return fail(std::move(enis.error()));
  for (const auto& e : *enis)
    if (std::find(e.security_group_ids.begin(), e.security_group_ids.end(), group_id) != e.security_group_ids.end())
      return fail(Error::make(EBUSY, "security group " + group_id + " is used by " + e.id));
  auto removed = store.remove(key_of(kSecurityGroupPrefix, group_id), kv->mod_revision);
  if (!removed && removed.error().code() != ENOENT)
    return fail(std::move(removed.error()).wrap("removing security group " + group_id));
  return {};
}

Result<std::optional<SecurityGroup>> find_security_group(store::Store& store, const std::string& group_id) {
  auto kv = store.get(key_of(kSecurityGroupPrefix, group_id));
  if (!kv) {
    if (kv.error().code() == ENOENT) return std::optional<SecurityGroup>();
    return fail(std::move(kv.error()).wrap("reading security group " + group_id));
  }
  auto g = decode_stored<SecurityGroup>(kv->value, "security group");
  if (!g) return fail(std::move(g.error()));
  return std::optional<SecurityGroup>(std::move(*g));
}

Result<std::optional<KeyPair>> find_key_pair(store::Store& store, const std::string& name) {
  auto kv = store.get(key_of(kKeyPairPrefix, name));
  if (!kv) {
    if (kv.error().code() == ENOENT) return std::optional<KeyPair>();
    return fail(std::move(kv.error()).wrap("reading key pair " + name));
  }
  auto k = decode_stored<KeyPair>(kv->value, "key pair");
  if (!k) return fail(std::move(k.error()));
  return std::optional<KeyPair>(std::move(*k));
}

}  // namespace v6k::ec2
