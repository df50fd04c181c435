// CreateTags, DeleteTags, DescribeTags over every taggable kind this region stores: VPCs,
// subnets, internet and egress-only gateways, route tables, security groups, instances,
// network interfaces and key pairs. The kind is read from the ID's prefix, as EC2 does.
// Tags are never realised, so these calls touch no VPC.
#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "ec2/ops.h"

namespace v6k::ec2 {
namespace {

// EC2's per-resource limits.
constexpr size_t kMaxTags = 50;
constexpr size_t kMaxKeyChars = 128;
constexpr size_t kMaxValueChars = 256;

// One stored resource whose tags a call may change.
struct Target {
  std::string id;
  std::string store_key;
  int64_t revision = 0;
  Tags tags;
  std::function<std::string(const Tags&)> encode;  // the stored value, carrying `tags`
};

struct Tagged {  // one resource as DescribeTags lists it
  std::string id;
  Tags tags;
};

using LoadOne = std::function<std::expected<std::optional<Target>, ApiError>(store::Store&, const std::string& id)>;
using LoadAll = std::function<std::expected<std::vector<Tagged>, ApiError>(store::Store&)>;

struct Kind {
  std::string id_prefix;  // "vpc-"
  std::string type;       // EC2's resource-type name: "vpc", "internet-gateway", …
  std::string not_found_code;
  std::string not_found_message;  // with %s where the ID goes
  LoadOne load_one;
  LoadAll load_all;
};

std::string with_id(const std::string& pattern, const std::string& id) {
  std::string out = pattern;
  if (auto at = out.find("%s"); at != std::string::npos) out.replace(at, 2, id);
  return out;
}

// Kinds stored with nlohmann to_json/from_json (resources.h), keyed by ID.
template <typename T>
Kind typed_kind(std::string id_prefix, std::string type, std::string code, std::string message,
                std::string_view store_prefix, const char* what) {
  std::string sp(store_prefix);
  LoadOne one = [sp, what](store::Store& s, const std::string& id) -> std::expected<std::optional<Target>, ApiError> {
    std::string key = sp + id;
    auto r = load_one<T>(s, key, what);
    if (!r) return std::unexpected(r.error());
    if (!*r) return std::optional<Target>();
    T value = (*r)->value;
    return std::optional<Target>(Target{id, key, (*r)->revision, value.tags, [value](const Tags& tags) {
                                          T copy = value;
                                          copy.tags = tags;
                                          return nlohmann::json(copy).dump();
                                        }});
  };
  LoadAll all = [sp, what](store::Store& s) -> std::expected<std::vector<Tagged>, ApiError> {
    auto r = load_all<T>(s, sp, what);
    if (!r) return std::unexpected(r.error());
    std::vector<Tagged> out;
    for (const auto& v : *r) out.push_back({v.id, v.tags});
    return out;
  };
  return Kind{std::move(id_prefix), std::move(type), std::move(code), std::move(message), one, all};
}

// VPCs and subnets keep model.h's own JSON mapping.
template <typename T>
Kind model_kind(std::string id_prefix, std::string type, std::string code, std::string message,
                std::string (*key_fn)(std::string_view), Result<T> (*decode)(std::string_view),
                std::expected<std::vector<T>, ApiError> (*list)(store::Store&)) {
  LoadOne one = [key_fn, decode](store::Store& s, const std::string& id) -> std::expected<std::optional<Target>, ApiError> {
    std::string key = key_fn(id);
    auto kv = s.get(key);
    if (!kv) {
      if (kv.error().code() == ENOENT) return std::optional<Target>();
      return std::unexpected(internal_error(kv.error()));
    }
    auto v = decode(kv->value);
    if (!v) return std::unexpected(internal_error(v.error()));
    T value = *v;
    return std::optional<Target>(Target{id, key, kv->mod_revision, value.tags, [value](const Tags& tags) {
                                          T copy = value;
                                          copy.tags = tags;
                                          return to_json(copy).dump();
                                        }});
  };
  LoadAll all = [list](store::Store& s) -> std::expected<std::vector<Tagged>, ApiError> {
    auto r = list(s);
    if (!r) return std::unexpected(r.error());
    std::vector<Tagged> out;
    for (const auto& v : *r) out.push_back({v.id, v.tags});
    return out;
  };
  return Kind{std::move(id_prefix), std::move(type), std::move(code), std::move(message), one, all};
}

// Key pairs are stored by name; their ID is looked up among them all.
Kind key_pair_kind() {
  LoadOne one = [](store::Store& s, const std::string& id) -> std::expected<std::optional<Target>, ApiError> {
    auto l = s.list(kKeyPairPrefix);
    if (!l) return std::unexpected(internal_error(l.error()));
    for (const auto& kv : l->items) {
      auto v = decode_stored<KeyPair>(kv.value, "key pair");
      if (!v) return std::unexpected(internal_error(v.error()));
      if (v->id != id) continue;
      KeyPair value = *v;
      return std::optional<Target>(Target{id, kv.key, kv.mod_revision, value.tags, [value](const Tags& tags) {
                                            KeyPair copy = value;
                                            copy.tags = tags;
                                            return nlohmann::json(copy).dump();
                                          }});
    }
    return std::optional<Target>();
  };
  LoadAll all = [](store::Store& s) -> std::expected<std::vector<Tagged>, ApiError> {
    auto r = load_all<KeyPair>(s, kKeyPairPrefix, "key pair");
    if (!r) return std::unexpected(r.error());
    std::vector<Tagged> out;
    for (const auto& v : *r) out.push_back({v.id, v.tags});
    return out;
  };
  return Kind{"key-", "key-pair", "InvalidKeyPair.NotFound", "The key pair '%s' does not exist", one, all};
}

const std::vector<Kind>& kinds() {
  static const std::vector<Kind> k = {
      model_kind<Vpc>("vpc-", "vpc", "InvalidVpcID.NotFound", "The vpc ID '%s' does not exist", vpc_key,
                      vpc_from_json, load_vpcs),
      model_kind<Subnet>("subnet-", "subnet", "InvalidSubnetID.NotFound", "The subnet ID '%s' does not exist",
                         subnet_key, subnet_from_json, load_subnets),
      typed_kind<InternetGateway>("igw-", "internet-gateway", "InvalidInternetGatewayID.NotFound",
                                  "The internetGateway ID '%s' does not exist", kIgwPrefix, "internet gateway"),
      typed_kind<EgressOnlyInternetGateway>("eigw-", "egress-only-internet-gateway",
                                            "InvalidEgressOnlyInternetGatewayId.NotFound",
                                            "The egress-only internet gateway ID '%s' does not exist", kEigwPrefix,
                                            "egress-only internet gateway"),
      typed_kind<RouteTable>("rtb-", "route-table", "InvalidRouteTableID.NotFound",
                             "The routeTable ID '%s' does not exist", kRouteTablePrefix, "route table"),
      typed_kind<SecurityGroup>("sg-", "security-group", "InvalidGroup.NotFound",
                                "The security group '%s' does not exist", kSecurityGroupPrefix, "security group"),
      typed_kind<Instance>("i-", "instance", "InvalidInstanceID.NotFound", "The instance ID '%s' does not exist",
                           kInstancePrefix, "instance"),
      typed_kind<NetworkInterface>("eni-", "network-interface", "InvalidNetworkInterfaceID.NotFound",
                                   "The networkInterface ID '%s' does not exist", kEniPrefix, "network interface"),
      key_pair_kind(),
  };
  return k;
}

const Kind* kind_of(const std::string& id) {
  for (const auto& k : kinds())
    if (id.size() > k.id_prefix.size() && id.rfind(k.id_prefix, 0) == 0) return &k;
  return nullptr;
}

size_t utf8_chars(std::string_view s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char ch) { return (uint8_t(ch) & 0xc0) != 0x80; }));
}

// ResourceId.N, each resolved to its stored resource (in request order, duplicates once).
std::expected<std::vector<Target>, ApiError> load_targets(OpContext& c) {
  auto ids = param_list(c.params, "ResourceId");
  if (!ids) return std::unexpected(ids.error());
  if (ids->empty())
    return std::unexpected(api_error("MissingParameter", "The request must contain the parameter resourceIdSet"));
  std::vector<Target> out;
  std::set<std::string> seen;
  for (const auto& id : *ids) {
    if (!seen.insert(id).second) continue;
    const Kind* k = kind_of(id);
    if (!k) return std::unexpected(api_error("InvalidID", "The ID '" + id + "' is not valid"));
    auto t = k->load_one(c.store, id);
    if (!t) return std::unexpected(t.error());
    if (!*t) return std::unexpected(api_error(k->not_found_code, with_id(k->not_found_message, id)));
    out.push_back(std::move(**t));
  }
  return out;
}

struct TagArg {
  std::string key;
  std::optional<std::string> value;
};

// Tag.N.{Key,Value}. `need_one`: CreateTags must name at least one tag.
std::expected<std::vector<TagArg>, ApiError> tag_args(const aws::QueryParams& p, bool need_one) {
  auto list = param_structs(p, "Tag");
  if (!list) return std::unexpected(list.error());
  if (need_one && list->empty())
    return std::unexpected(api_error("MissingParameter", "The request must contain the parameter tagSet"));
  std::vector<TagArg> out;
  for (const auto& t : *list) {
    auto key = t.get("Key");
    if (!key || key->empty()) return std::unexpected(api_error("InvalidParameterValue", "Tag keys must not be empty"));
    out.push_back({*key, t.get("Value")});
  }
  return out;
}

std::expected<void, ApiError> commit_tags(OpContext& c, const std::vector<Target>& targets,
                                          const std::vector<Tags>& new_tags) {
  std::vector<store::Write> writes;
  for (size_t i = 0; i < targets.size(); ++i)
    if (new_tags[i] != targets[i].tags)
      writes.push_back(store::Write::update(targets[i].store_key, targets[i].encode(new_tags[i]), targets[i].revision));
  if (writes.empty()) return {};
  if (auto r = c.store.commit(writes); !r) return std::unexpected(internal_error(r.error()));
  return {};
}

OpResult return_true() {
  return [](aws::XmlWriter& w) { w.leaf("return", "true"); };
}

}  // namespace

OpResult create_tags(OpContext& c) {
  auto args = tag_args(c.params, true);
  if (!args) return std::unexpected(args.error());
  for (const auto& a : *args) {
    if (a.key.rfind("aws:", 0) == 0)
      return std::unexpected(api_error("InvalidParameterValue", "Tag keys starting with 'aws:' are reserved for internal use"));
    if (utf8_chars(a.key) > kMaxKeyChars)
      return std::unexpected(api_error("InvalidParameterValue", "Tag key exceeds the maximum length of 128 characters"));
    if (a.value && utf8_chars(*a.value) > kMaxValueChars)
      return std::unexpected(api_error("InvalidParameterValue", "Tag value exceeds the maximum length of 256 characters"));
  }
  auto targets = load_targets(c);
  if (!targets) return std::unexpected(targets.error());
  std::vector<Tags> updated;
  for (const auto& t : *targets) {
    Tags tags = t.tags;
    for (const auto& a : *args) {
      auto it = std::find_if(tags.begin(), tags.end(), [&](const auto& kv) { return kv.first == a.key; });
      if (it != tags.end()) it->second = a.value.value_or("");
      else tags.emplace_back(a.key, a.value.value_or(""));
    }
    if (tags.size() > kMaxTags)
      return std::unexpected(api_error("TagLimitExceeded", "The maximum number of Tags for a resource (" +
                                       std::to_string(kMaxTags) + ") has been reached for " + t.id + "."));
    updated.push_back(std::move(tags));
  }
  if (auto r = commit_tags(c, *targets, updated); !r) return std::unexpected(r.error());
  return return_true();
}

// Without Tag.N every tag goes; a Tag with a Value (even "") goes only when the value matches.
OpResult delete_tags(OpContext& c) {
  auto args = tag_args(c.params, false);
  if (!args) return std::unexpected(args.error());
  auto targets = load_targets(c);
  if (!targets) return std::unexpected(targets.error());
  std::vector<Tags> updated;
  for (const auto& t : *targets) {
    Tags tags;
    if (!args->empty()) {
      for (const auto& kv : t.tags) {
        bool drop = std::any_of(args->begin(), args->end(), [&](const TagArg& a) {
          return a.key == kv.first && (!a.value || *a.value == kv.second);
        });
        if (!drop) tags.push_back(kv);
      }
    }
    updated.push_back(std::move(tags));
  }
  if (auto r = commit_tags(c, *targets, updated); !r) return std::unexpected(r.error());
  return return_true();
}

OpResult describe_tags(OpContext& c) {
  auto filters = parse_filters(c.params);
  if (!filters) return std::unexpected(filters.error());
  // Checked up front so a bad name fails even when nothing is tagged.
  for (const auto& f : *filters)
    if (f.name != "resource-id" && f.name != "resource-type" && f.name != "key" && f.name != "value" &&
        f.name.rfind("tag:", 0) != 0)
      return std::unexpected(api_error("InvalidParameterValue", "The filter '" + f.name + "' is invalid"));
  struct Row {
    std::string id, type, key, value;
  };
  std::vector<Row> rows;
  for (const auto& k : kinds()) {
    auto all = k.load_all(c.store);
    if (!all) return std::unexpected(all.error());
    for (const auto& r : *all)
      for (const auto& [key, value] : r.tags) {
        Row row{r.id, k.type, key, value};
        auto ok = matches(*filters, [&](const std::string& f) -> std::optional<std::vector<std::string>> {
          using V = std::vector<std::string>;
          if (f == "resource-id") return V{row.id};
          if (f == "resource-type") return V{row.type};
          if (f == "key") return V{row.key};
          if (f == "value") return V{row.value};
          if (f.rfind("tag:", 0) == 0) return f.substr(4) == row.key ? V{row.value} : V{};
          return std::nullopt;
        });
        if (!ok) return std::unexpected(ok.error());
        if (*ok) rows.push_back(std::move(row));
      }
  }
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return std::tie(a.id, a.key) < std::tie(b.id, b.key);
  });
  return [rows](aws::XmlWriter& w) {
    w.start("tagSet");
    for (const auto& r : rows) {
      w.start("item");
      w.leaf("resourceId", r.id);
      w.leaf("resourceType", r.type);
      w.leaf("key", r.key);
      w.leaf("value", r.value);
      w.end();
    }
    w.end();
  };
}

}  // namespace v6k::ec2
