#include "kube/scheduler/node_affinity.h"

#include <algorithm>
#include <charconv>

namespace v6k::kube::scheduler {

using nlohmann::json;

namespace {

bool parse_int64(std::string_view s, int64_t& out) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);  // strconv.ParseInt accepts a '+'
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size() && !s.empty();
}

// Parses one requirement; false when malformed (operator unknown, wrong value count).
bool parse_requirement(const json& r, bool field, NodeSelectorRequirement& out) {
  if (!r.is_object()) return false;
  out.key = str_at(r, "key");
  std::string_view op = str_at(r, "operator");
  const json* vals = child(r, "values");
  if (vals && vals->is_array()) {
    for (const json& v : *vals) {
      if (!v.is_string()) return false;
      out.values.push_back(v.get<std::string>());
    }
  }
  using Op = NodeSelectorRequirement::Op;
  if (op == "In" || op == "NotIn") {
    out.op = op == "In" ? Op::kIn : Op::kNotIn;
    if (out.values.empty()) return false;
  } else if (!field && (op == "Exists" || op == "DoesNotExist")) {
    out.op = op == "Exists" ? Op::kExists : Op::kDoesNotExist;
    if (!out.values.empty()) return false;
  } else if (!field && (op == "Gt" || op == "Lt")) {
    out.op = op == "Gt" ? Op::kGt : Op::kLt;
    if (out.values.size() != 1 || !parse_int64(out.values[0], out.number)) return false;
  } else {
    return false;
  }
  if (field && out.key != "metadata.name") return false;
  return !out.key.empty();
}

bool requirement_matches(const NodeSelectorRequirement& r, const std::string* value) {
  using Op = NodeSelectorRequirement::Op;
  auto in_values = [&] { return std::find(r.values.begin(), r.values.end(), *value) != r.values.end(); };
  switch (r.op) {
    case Op::kIn:
      return value && in_values();
    case Op::kNotIn:
      return !value || !in_values();
    case Op::kExists:
      return value != nullptr;
    case Op::kDoesNotExist:
      return value == nullptr;
    case Op::kGt:
    case Op::kLt: {
      int64_t v = 0;
      if (!value || !parse_int64(*value, v)) return false;
      return r.op == Op::kGt ? v > r.number : v < r.number;
    }
  }
  return false;
}

}  // namespace

NodeSelectorTerm NodeSelectorTerm::from_json(const json& term) {
  NodeSelectorTerm t;
  for (auto [name, field] : {std::pair{"matchExpressions", false}, std::pair{"matchFields", true}}) {
    const json* list = child(term, name);
    if (!list || list->is_null()) continue;
    if (!list->is_array()) {
      t.valid = false;
      continue;
    }
    for (const json& r : *list) {
      NodeSelectorRequirement req;
      if (!parse_requirement(r, field, req)) t.valid = false;
      (field ? t.fields : t.expressions).push_back(std::move(req));
    }
  }
  return t;
}

bool NodeSelectorTerm::matches(const NodeFacts& node) const {
  if (!valid || (expressions.empty() && fields.empty())) return false;
  for (const auto& r : expressions) {
    auto it = node.labels.find(r.key);
    if (!requirement_matches(r, it == node.labels.end() ? nullptr : &it->second)) return false;
  }
  for (const auto& r : fields) {
    if (!requirement_matches(r, &node.name)) return false;
  }
  return true;
}

NodeAffinity NodeAffinity::from_pod(const json& pod) {
  NodeAffinity a;
  const json* spec = child(pod, "spec");
  if (!spec) return a;
  if (const json* sel = child(*spec, "nodeSelector"); sel && sel->is_object()) {
    for (auto it = sel->begin(); it != sel->end(); ++it) {
      // A non-string value can never equal a label: keep a value no label can have.
      a.node_selector_.emplace_back(it.key(), it.value().is_string() ? it.value().get<std::string>() : "\x01");
    }
  }
  const json* node_aff = spec ? child(*spec, "affinity") : nullptr;
  node_aff = node_aff ? child(*node_aff, "nodeAffinity") : nullptr;
  if (!node_aff) return a;
  if (const json* req = child(*node_aff, "requiredDuringSchedulingIgnoredDuringExecution");
      req && req->is_object()) {
    a.has_required_terms_ = true;
    if (const json* terms = child(*req, "nodeSelectorTerms"); terms && terms->is_array()) {
      for (const json& t : *terms) a.required_.push_back(NodeSelectorTerm::from_json(t));
    }
  }
  if (const json* pref = child(*node_aff, "preferredDuringSchedulingIgnoredDuringExecution");
      pref && pref->is_array()) {
    for (const json& p : *pref) {
      const json* w = child(p, "weight");
      const json* term = child(p, "preference");
      if (!w || !w->is_number_integer() || !term) continue;
      int64_t weight = w->get<int64_t>();
      if (weight == 0) continue;
      a.preferred_.emplace_back(weight, NodeSelectorTerm::from_json(*term));
    }
  }
  return a;
}

bool NodeAffinity::required_matches(const NodeFacts& node) const {
  for (const auto& [k, v] : node_selector_) {
    auto it = node.labels.find(k);
    if (it == node.labels.end() || it->second != v) return false;
  }
  if (!has_required_terms_) return true;
  for (const auto& t : required_) {
    if (!t.valid) return false;  // upstream stops at the first term that fails to parse
    if (t.matches(node)) return true;
  }
  return false;
}

int64_t NodeAffinity::preferred_weight(const NodeFacts& node) const {
  int64_t sum = 0;
  for (const auto& [w, t] : preferred_) {
    if (t.matches(node)) sum += w;
  }
  return sum;
}

}  // namespace v6k::kube::scheduler
