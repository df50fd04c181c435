#include "kube/controllers/apps/owners.h"

#include "kube/selector/selector.h"

namespace v6k::kube::apps {

using nlohmann::json;

OwnerRef controller_of(const json& obj) {
  auto m = obj.find("metadata");
  if (m == obj.end() || !m->is_object()) return {};
  auto refs = m->find("ownerReferences");
  if (refs == m->end() || !refs->is_array()) return {};
  for (const auto& r : *refs)
    if (r.is_object() && r.value("controller", false))
      return {r.value("kind", ""), r.value("name", ""), r.value("uid", "")};
  return {};
}

std::vector<std::string> matching_owners(const std::vector<ObjectPtr>& owners, const json& labels) {
  std::vector<std::string> keys;
  for (const auto& o : owners) {
    auto spec = o->find("spec");
    if (spec == o->end() || !spec->contains("selector")) continue;
    const json& sel = (*spec)["selector"];
    if (!sel.is_object() || sel.empty()) continue;
    auto s = LabelSelector::from_json(sel);
    if (!s || s->empty()) continue;
    if (s->matches(labels.is_object() ? labels : json::object())) keys.push_back(object_key(*o));
  }
  return keys;
}

std::vector<const json*> raw(const std::vector<ObjectPtr>& objs) {
  std::vector<const json*> out;
  out.reserve(objs.size());
  for (const auto& o : objs) out.push_back(o.get());
  return out;
}

}  // namespace v6k::kube::apps
