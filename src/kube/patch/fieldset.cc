#include "kube/patch/internal/fieldset.h"

#include <algorithm>

namespace v6k::kube::internal {

void FieldSet::insert(std::span<const std::string> pes) {
  FieldSet* node = this;
  for (const auto& pe : pes) node = &node->children[pe];
  node->member = true;
}

void FieldSet::merge(const FieldSet& other) {
  member = member || other.member;
  for (const auto& [k, child] : other.children) children[k].merge(child);
}

FieldSet FieldSet::minus(const FieldSet& other) const {
  FieldSet out;
  out.member = member && !other.member;
  for (const auto& [k, child] : children) {
    auto it = other.children.find(k);
    FieldSet c = it == other.children.end() ? child : child.minus(it->second);
    if (!c.empty()) out.children.emplace(k, std::move(c));
  }
  return out;
}

FieldSet FieldSet::intersect(const FieldSet& other) const {
  FieldSet out;
  out.member = member && other.member;
  for (const auto& [k, child] : children) {
    auto it = other.children.find(k);
    if (it == other.children.end()) continue;
    FieldSet c = child.intersect(it->second);
    if (!c.empty()) out.children.emplace(k, std::move(c));
  }
  return out;
}

const FieldSet* FieldSet::find(std::span<const std::string> pes) const {
  const FieldSet* node = this;
  for (const auto& pe : pes) {
    auto it = node->children.find(pe);
    if (it == node->children.end()) return nullptr;
    node = &it->second;
  }
  return node->empty() ? nullptr : node;
}

namespace {
void collect_members(const FieldSet& s, PathElements& prefix, std::vector<PathElements>& out) {
  if (s.member && !prefix.empty()) out.push_back(prefix);
  for (const auto& [k, child] : s.children) {
    prefix.push_back(k);
    collect_members(child, prefix, out);
    prefix.pop_back();
  }
}
}  // namespace

std::vector<PathElements> FieldSet::members() const {
  std::vector<PathElements> out;
  PathElements prefix;
  collect_members(*this, prefix, out);
  return out;
}

json FieldSet::to_fields_v1() const {
  json out = json::object();
  if (member && !children.empty()) out["."] = json::object();
  for (const auto& [k, child] : children) out[k] = child.to_fields_v1();
  return out;
}

FieldSet FieldSet::from_fields_v1(const json& v) {
  FieldSet out;
  if (!v.is_object()) return out;
  if (v.empty()) {
    out.member = true;
    return out;
  }
  for (const auto& [k, child] : v.items()) {
    if (k == ".") {
      out.member = true;
      continue;
    }
    if (k.size() < 2 || k[1] != ':') continue;
    FieldSet c = from_fields_v1(child);
    if (!c.empty()) out.children.emplace(k, std::move(c));
  }
  return out;
}

std::string path_text(std::span<const std::string> pes) {
  std::string out;
  for (const auto& pe : pes) {
    std::string body = pe.size() >= 2 ? pe.substr(2) : pe;
    if (pe.starts_with("f:")) {
      out += "." + body;
    } else if (pe.starts_with("k:")) {
      json keys = json::parse(body, nullptr, false);
      std::string inner;
      if (keys.is_object())
        for (const auto& [k, v] : keys.items()) inner += (inner.empty() ? "" : ",") + k + "=" + v.dump();
      out += "[" + inner + "]";
    } else if (pe.starts_with("v:")) {
      out += "[=" + body + "]";
    } else {
      out += "[" + body + "]";
    }
  }
  return out;
}

std::optional<std::string> item_element(const json& item, const MergeRule& rule, std::span<const std::string> names) {
  if (rule.merge_key.empty()) {
    if (item.is_object() || item.is_array()) return std::nullopt;
    return "v:" + item.dump();
  }
  if (!item.is_object()) return std::nullopt;
  auto it = item.find(rule.merge_key);
  if (it == item.end() || it->is_null()) return std::nullopt;
  json keys = json::object();
  keys[rule.merge_key] = *it;
  // Upstream lists container and Service ports by (port, protocol); protocol defaults to TCP.
  if (!names.empty() && names.back() == "ports" && (rule.merge_key == "containerPort" || rule.merge_key == "port"))
    keys["protocol"] = item.value("protocol", json("TCP"));
  return "k:" + keys.dump();
}

json strip_untracked(const json& obj, std::string_view subresource) {
  if (!obj.is_object()) return json::object();
  if (subresource == "status") {
    json out = json::object();
    if (obj.contains("status")) out["status"] = obj["status"];
    return out;
  }
  json out = obj;
  out.erase("apiVersion");
  out.erase("kind");
  out.erase("status");
  if (auto m = out.find("metadata"); m != out.end() && m->is_object())
    for (const char* f : {"name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp",
                          "selfLink", "managedFields"})
      m->erase(f);
  return out;
}

std::vector<Manager> decode_managers(const json& obj) {
  std::vector<Manager> out;
  if (!obj.is_object()) return out;
  auto meta = obj.find("metadata");
  if (meta == obj.end() || !meta->is_object()) return out;
  auto mf = meta->find("managedFields");
  if (mf == meta->end() || !mf->is_array()) return out;
  auto str = [](const json& e, const char* k) {
    auto it = e.find(k);
    return it != e.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  for (const auto& e : *mf) {
    if (!e.is_object()) continue;
    Manager m{str(e, "manager"), str(e, "operation"), str(e, "apiVersion"), str(e, "time"), str(e, "subresource"),
              FieldSet::from_fields_v1(e.value("fieldsV1", json::object()))};
    out.push_back(std::move(m));
  }
  return out;
}

void encode_managers(json& obj, std::vector<Manager> managers) {
  std::erase_if(managers, [](const Manager& m) { return m.fields.empty(); });
  std::stable_sort(managers.begin(), managers.end(), [](const Manager& a, const Manager& b) {
    return std::tie(a.operation, a.time, a.manager, a.api_version, a.subresource) <
           std::tie(b.operation, b.time, b.manager, b.api_version, b.subresource);
  });
  if (!obj.is_object()) return;
  json& meta = obj["metadata"];
  if (!meta.is_object()) meta = json::object();
  if (managers.empty()) {
    meta.erase("managedFields");
    return;
  }
  json list = json::array();
  for (const auto& m : managers) {
    json e = {{"manager", m.manager}, {"operation", m.operation}, {"apiVersion", m.api_version},
              {"fieldsType", "FieldsV1"}, {"fieldsV1", m.fields.to_fields_v1()}};
    if (!m.time.empty()) e["time"] = m.time;
    if (!m.subresource.empty()) e["subresource"] = m.subresource;
    list.push_back(std::move(e));
  }
  meta["managedFields"] = std::move(list);
}

}  // namespace v6k::kube::internal
