// labelSelector / fieldSelector of list, watch and deletecollection. Field selectors
// support what upstream supports for each kind (metadata.name and metadata.namespace
// everywhere, plus per-kind fields such as spec.nodeName and status.phase for pods);
// anything else is a 400 `field label not supported: x`, as upstream.
#include "kube/apiserver/internal.h"
#include "kube/selector/selector.h"

namespace v6k::kube::internal {

struct Filter {
  LabelSelector labels;
  FieldSelector fields;
  std::string name;  // metadata.name fixed by the URL (watch of a single object)
};

namespace {

// Reads a dotted path of string-ish values ("spec.nodeName") from an object.
std::optional<std::string> path_value(const json& obj, std::string_view path) {
  const json* cur = &obj;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('.', i);
    if (j == std::string_view::npos) j = path.size();
    std::string key(path.substr(i, j - i));
    if (!cur->is_object() || !cur->contains(key)) return std::string();
    cur = &(*cur)[key];
    i = j + 1;
  }
  if (cur->is_string()) return cur->get<std::string>();
  if (cur->is_boolean()) return cur->get<bool>() ? "true" : "false";
  if (cur->is_number()) return cur->dump();
  return std::string();
}

// The field labels each kind answers to, beyond metadata.name / metadata.namespace.
std::vector<std::string_view> extra_fields(const Resource& r) {
  if (r.resource == "pods")
    return {"spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
            "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"};
  if (r.resource == "events")
    return {"involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
            "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
            "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"};
  if (r.resource == "nodes") return {"spec.unschedulable"};
  if (r.resource == "namespaces") return {"status.phase"};
  if (r.resource == "secrets") return {"type"};
  if (r.resource == "replicasets") return {"status.replicas"};
  return {};
}

bool supported(const Resource& r, std::string_view field) {
  if (field == "metadata.name" || field == "metadata.namespace") return true;
  for (auto f : extra_fields(r))
    if (f == field) return true;
  return false;
}

std::optional<std::string> field_value(const Resource& r, const json& obj, std::string_view field) {
  if (r.resource == "events" && field == "source") {
    // upstream: source.component, or reportingController for new-style events
    auto comp = path_value(obj, "source.component");
    if (comp && !comp->empty()) return comp;
    return path_value(obj, "reportingController");
  }
  if (r.resource == "nodes" && field == "spec.unschedulable") {
    auto v = path_value(obj, field);
    return v && !v->empty() ? v : std::optional<std::string>("false");
  }
  if (field == "metadata.namespace" && !r.namespaced) return std::string();
  return path_value(obj, field);
}

}  // namespace

ApiResult<std::shared_ptr<const Filter>> make_filter(const Ctx& c) {
  auto f = std::make_shared<Filter>();
  auto ls = LabelSelector::parse(c.info.param("labelSelector"));
  if (!ls) return fail_status(bad_request(ls.error().message()));
  f->labels = std::move(*ls);
  auto fs = FieldSelector::parse(c.info.param("fieldSelector"));
  if (!fs) return fail_status(bad_request(fs.error().message()));
  for (const auto& req : fs->requirements())
    if (!supported(*c.res, req.field))
      return fail_status(bad_request("field label not supported: " + req.field));
  f->fields = std::move(*fs);
  f->name = c.info.name;
  return std::shared_ptr<const Filter>(std::move(f));
}

bool filter_matches(const Filter& f, const Resource& r, const json& obj) {
  // References only: this runs for every listed object and every watch event.
  static const json kNone;
  auto mit = obj.find("metadata");
  const json& meta = mit != obj.end() ? *mit : kNone;
  if (!f.name.empty()) {
    auto n = meta.is_object() ? meta.find("name") : meta.end();
    if (!meta.is_object() || n == meta.end() || *n != f.name) return false;
  }
  if (!f.labels.empty()) {
    auto l = meta.is_object() ? meta.find("labels") : meta.end();
    if (!f.labels.matches(meta.is_object() && l != meta.end() ? *l : kNone)) return false;
  }
  if (f.fields.empty()) return true;
  return f.fields.matches([&](std::string_view field) { return field_value(r, obj, field); });
}

}  // namespace v6k::kube::internal
