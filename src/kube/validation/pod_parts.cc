// Pieces of a PodSpec validated on their own: volumes, affinity, tolerations and
// topology spread constraints (pkg/apis/core/validation, 1.32 wording).
#include "kube/selector/label_syntax.h"
#include "kube/validation/internal.h"

namespace v6k::kube::detail {

namespace {

constexpr std::string_view kFileMode = "must be a number between 0 and 0777 (octal), both inclusive";

void check_mode(Errors& e, const json& src, const std::string& path, std::string_view field) {
  const json& m = at(src, field);
  if (m.is_number() && (num(m) < 0 || num(m) > 0777)) e.invalid(join(path, field), gov::num(num(m)), kFileMode);
}

void validate_volume_source(Errors& e, const json& vol, const std::string& path) {
  int sources = 0;
  for (const auto& [k, v] : vol.items()) {
    if (k == "name" || v.is_null()) continue;
    if (++sources > 1) {
      e.forbidden(join(path, k), "may not specify more than 1 volume type");
      continue;
    }
    std::string p = join(path, k);
    if (k == "hostPath" && str(v, "path").empty()) e.required(join(p, "path"));
    if (k == "secret") {
      if (str(v, "secretName").empty()) e.required(join(p, "secretName"));
      check_mode(e, v, p, "defaultMode");
    }
    if (k == "configMap") {
      if (str(v, "name").empty()) e.required(join(p, "name"));
      check_mode(e, v, p, "defaultMode");
    }
    if (k == "persistentVolumeClaim" && str(v, "claimName").empty()) e.required(join(p, "claimName"));
    if (k == "projected" || k == "downwardAPI") check_mode(e, v, p, "defaultMode");
  }
  if (sources == 0) e.required(path, "must specify a volume type");
}

void validate_node_selector_requirement(Errors& e, const json& rq, const std::string& p) {
  std::string op = str(rq, "operator");
  const json& values = at(rq, "values");
  size_t n = values.is_array() ? values.size() : 0;
  if (op == "In" || op == "NotIn") {
    if (n == 0) e.required(join(p, "values"), "must be specified when `operator` is 'In' or 'NotIn'");
  } else if (op == "Exists" || op == "DoesNotExist") {
    if (n > 0) e.forbidden(join(p, "values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
  } else if (op == "Gt" || op == "Lt") {
    if (n != 1) e.required(join(p, "values"), "must be specified single value when `operator` is 'Lt' or 'Gt'");
  } else {
    e.invalid(join(p, "operator"), gov::quote(op), "not a valid selector operator");
  }
  std::string k = str(rq, "key");
  e.invalid_each(join(p, "key"), k, label_key_errors(k));
}

void validate_node_selector_term(Errors& e, const json& term, const std::string& path) {
  const json& exprs = at(term, "matchExpressions");
  if (exprs.is_array()) {
    for (size_t j = 0; j < exprs.size(); ++j) {
      validate_node_selector_requirement(e, exprs[j], idx(join(path, "matchExpressions"), j));
    }
  }
  const json& fields = at(term, "matchFields");
  if (fields.is_array()) {
    for (size_t j = 0; j < fields.size(); ++j) {
      std::string p = idx(join(path, "matchFields"), j);
      std::string k = str(fields[j], "key");
      if (k != "metadata.name") e.not_supported(join(p, "key"), gov::quote(k), {"metadata.name"});
      std::string op = str(fields[j], "operator");
      const json& values = at(fields[j], "values");
      if ((op == "In" || op == "NotIn") && (!values.is_array() || values.size() != 1)) {
        e.required(join(p, "values"), "must be only one value when `operator` is 'In' or 'NotIn' for node field selector");
      } else if (op != "In" && op != "NotIn") {
        e.invalid(join(p, "operator"), gov::quote(op), "not a valid selector operator");
      }
    }
  }
}

void validate_weight(Errors& e, const json& term, const std::string& p) {
  int64_t w = num(at(term, "weight"));
  if (w < 1 || w > 100) e.invalid(join(p, "weight"), gov::num(w), "must be in the range 1-100");
}

void validate_pod_affinity_term(Errors& e, const json& term, const std::string& p) {
  validate_label_selector(e, at(term, "labelSelector"), join(p, "labelSelector"));
  validate_label_selector(e, at(term, "namespaceSelector"), join(p, "namespaceSelector"));
  std::string tk = str(term, "topologyKey");
  if (tk.empty()) {
    e.required(join(p, "topologyKey"), "can not be empty");
  } else {
    e.invalid_each(join(p, "topologyKey"), tk, label_key_errors(tk));
  }
}

void validate_pod_affinity(Errors& e, const json& pa, const std::string& path) {
  const json& req = at(pa, "requiredDuringSchedulingIgnoredDuringExecution");
  if (req.is_array()) {
    for (size_t i = 0; i < req.size(); ++i) {
      validate_pod_affinity_term(e, req[i], idx(join(path, "requiredDuringSchedulingIgnoredDuringExecution"), i));
    }
  }
  const json& pref = at(pa, "preferredDuringSchedulingIgnoredDuringExecution");
  if (pref.is_array()) {
    for (size_t i = 0; i < pref.size(); ++i) {
      std::string p = idx(join(path, "preferredDuringSchedulingIgnoredDuringExecution"), i);
      validate_weight(e, pref[i], p);
      validate_pod_affinity_term(e, at(pref[i], "podAffinityTerm"), join(p, "podAffinityTerm"));
    }
  }
}

}  // namespace

std::map<std::string, bool> validate_volumes(Errors& e, const json& volumes, const std::string& path) {
  std::map<std::string, bool> names;
  if (!volumes.is_array()) return names;
  for (size_t i = 0; i < volumes.size(); ++i) {
    std::string p = idx(path, i);
    const json& vol = volumes[i];
    Errors local;
    if (vol.is_object()) validate_volume_source(local, vol, p);
    std::string name = str(vol, "name");
    if (name.empty()) {
      local.required(join(p, "name"));
    } else {
      local.invalid_each(join(p, "name"), name, dns1123_label_errors(name));
    }
    if (names.contains(name)) local.duplicate(join(p, "name"), gov::quote(name));
    auto found = local.take();
    if (found.empty()) names[name] = true;
    e.append(std::move(found));
  }
  return names;
}

void validate_affinity(Errors& e, const json& aff, const std::string& path) {
  const json& na = at(aff, "nodeAffinity");
  std::string nap = join(path, "nodeAffinity");
  const json& req = at(na, "requiredDuringSchedulingIgnoredDuringExecution");
  if (req.is_object()) {
    std::string rp = join(join(nap, "requiredDuringSchedulingIgnoredDuringExecution"), "nodeSelectorTerms");
    const json& terms = at(req, "nodeSelectorTerms");
    if (!terms.is_array() || terms.empty()) e.required(rp, "must have at least one node selector term");
    if (terms.is_array()) {
      for (size_t i = 0; i < terms.size(); ++i) validate_node_selector_term(e, terms[i], idx(rp, i));
    }
  }
  const json& pref = at(na, "preferredDuringSchedulingIgnoredDuringExecution");
  if (pref.is_array()) {
    for (size_t i = 0; i < pref.size(); ++i) {
      std::string p = idx(join(nap, "preferredDuringSchedulingIgnoredDuringExecution"), i);
      validate_weight(e, pref[i], p);
      validate_node_selector_term(e, at(pref[i], "preference"), join(p, "preference"));
    }
  }
  if (has(aff, "podAffinity")) validate_pod_affinity(e, at(aff, "podAffinity"), join(path, "podAffinity"));
  if (has(aff, "podAntiAffinity")) validate_pod_affinity(e, at(aff, "podAntiAffinity"), join(path, "podAntiAffinity"));
}

void validate_tolerations(Errors& e, const json& tols, const std::string& path) {
  if (!tols.is_array()) return;
  for (size_t i = 0; i < tols.size(); ++i) {
    const json& t = tols[i];
    std::string p = idx(path, i);
    std::string k = str(t, "key"), op = str(t, "operator"), value = str(t, "value"), effect = str(t, "effect");
    if (!k.empty()) e.invalid_each(join(p, "key"), k, label_key_errors(k));
    if (k.empty() && op != "Exists") {
      e.invalid(join(p, "operator"), gov::quote(op),
                "operator must be Exists when `key` is empty, which means \"match all values and all keys\"");
    }
    if (has(t, "tolerationSeconds") && effect != "NoExecute") {
      e.invalid(join(p, "effect"), gov::quote(effect), "effect must be 'NoExecute' when `tolerationSeconds` is set");
    }
    if (op.empty() || op == "Equal") {
      auto errs = label_value_errors(value);
      if (!errs.empty()) {
        std::string joined;
        for (const auto& m : errs) joined += (joined.empty() ? "" : ";") + m;
        e.invalid(join(p, "value"), gov::quote(value), joined);
      }
    } else if (op == "Exists") {
      if (!value.empty()) e.invalid(join(p, "value"), gov::quote(value), "value must be empty when `operator` is 'Exists'");
    } else {
      e.not_supported(join(p, "operator"), gov::quote(op), {"Equal", "Exists"});
    }
    if (!effect.empty() && effect != "NoSchedule" && effect != "PreferNoSchedule" && effect != "NoExecute") {
      e.not_supported(join(p, "effect"), gov::quote(effect), {"NoSchedule", "PreferNoSchedule", "NoExecute"});
    }
  }
}

void validate_topology_spread(Errors& e, const json& tscs, const std::string& path) {
  if (!tscs.is_array()) return;
  for (size_t i = 0; i < tscs.size(); ++i) {
    const json& c = tscs[i];
    std::string p = idx(path, i);
    int64_t skew = num(at(c, "maxSkew"));
    if (skew <= 0) e.invalid(join(p, "maxSkew"), gov::num(skew), "must be greater than zero");
    if (str(c, "topologyKey").empty()) e.required(join(p, "topologyKey"), "can not be empty");
    std::string w = str(c, "whenUnsatisfiable");
    if (w != "DoNotSchedule" && w != "ScheduleAnyway") {
      e.not_supported(join(p, "whenUnsatisfiable"), gov::quote(w), {"DoNotSchedule", "ScheduleAnyway"});
    }
    validate_label_selector(e, at(c, "labelSelector"), join(p, "labelSelector"));
  }
}

}  // namespace v6k::kube::detail
