// ObjectMeta, labels, annotations and label selectors (apimachinery's
// ValidateObjectMeta / ValidateLabels / ValidateAnnotations / ValidateLabelSelector).
#include <algorithm>
#include <cctype>

#include "kube/selector/label_syntax.h"
#include "kube/validation/internal.h"

namespace v6k::kube::detail {

namespace {

constexpr int64_t kTotalAnnotationSizeLimit = 256 * 1024;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// The version part of an apiVersion ("apps/v1" -> "v1", "v1" -> "v1", "a/b/c" -> "").
std::string version_of(const std::string& api_version) {
  auto slash = api_version.find('/');
  if (slash == std::string::npos) return api_version;
  if (api_version.find('/', slash + 1) != std::string::npos) return {};
  return api_version.substr(slash + 1);
}

void validate_owner_references(Errors& e, const json& refs, const std::string& path) {
  if (!refs.is_array()) return;
  for (const auto& r : refs) {
    std::string api_version = str(r, "apiVersion");
    if (version_of(api_version).empty()) e.invalid(join(path, "apiVersion"), gov::quote(api_version), "version must not be empty");
    if (str(r, "kind").empty()) e.invalid(join(path, "kind"), gov::quote(""), "kind must not be empty");
    if (str(r, "name").empty()) e.invalid(join(path, "name"), gov::quote(""), "name must not be empty");
    if (str(r, "uid").empty()) e.invalid(join(path, "uid"), gov::quote(""), "uid must not be empty");
  }
}

}  // namespace

void validate_finalizers(Errors& e, const json& fins, const std::string& path) {
  if (!fins.is_array()) return;
  for (const auto& f : fins) {
    std::string name = f.is_string() ? f.get<std::string>() : std::string();
    e.invalid_each(path, name, label_key_errors(name));
    if (name.find('/') == std::string::npos && name != "kubernetes" && name != "orphan" && name != "foregroundDeletion") {
      e.invalid(path, gov::quote(name), "name is neither a standard finalizer name nor is it fully qualified");
    }
  }
}

namespace {

bool contains(const json& values, const std::string& v) {
  if (!values.is_array()) return false;
  return std::any_of(values.begin(), values.end(), [&](const json& x) { return x.is_string() && x == v; });
}

}  // namespace

void validate_labels(Errors& e, const json& labels, const std::string& path) {
  if (!labels.is_object()) return;
  for (const auto& [k, v] : labels.items()) {
    e.invalid_each(path, k, label_key_errors(k));
    std::string value = v.is_string() ? v.get<std::string>() : std::string();
    e.invalid_each(path, value, label_value_errors(value));
  }
}

void validate_annotations(Errors& e, const json& annotations, const std::string& path) {
  if (!annotations.is_object()) return;
  int64_t total = 0;
  for (const auto& [k, v] : annotations.items()) {
    e.invalid_each(path, k, label_key_errors(lower(k)));  // annotation keys are case-insensitive here
    total += static_cast<int64_t>(k.size()) + static_cast<int64_t>(v.is_string() ? v.get_ref<const std::string&>().size() : 0);
  }
  if (total > kTotalAnnotationSizeLimit) e.too_long(path, kTotalAnnotationSizeLimit);
}

void validate_object_meta(Errors& e, const json& meta, bool namespaced, NameCheck name_check) {
  std::string generate_name = str(meta, "generateName");
  if (!generate_name.empty()) {
    // A prefix may end in '-': upstream masks it (dropping the character before it too).
    std::string masked = generate_name;
    if (masked.size() > 1 && masked.back() == '-') masked = masked.substr(0, masked.size() - 2) + "a";
    e.invalid_each("metadata.generateName", generate_name, name_check(masked));
  }
  std::string name = str(meta, "name");
  if (name.empty()) {
    e.required("metadata.name", "name or generateName is required");
  } else {
    e.invalid_each("metadata.name", name, name_check(name));
  }
  std::string ns = str(meta, "namespace");
  if (namespaced) {
    if (ns.empty()) {
      e.required("metadata.namespace");
    } else {
      e.invalid_each("metadata.namespace", ns, dns1123_label_errors(ns));
    }
  } else if (!ns.empty()) {
    e.forbidden("metadata.namespace", "not allowed on this type");
  }
  const json& gen = at(meta, "generation");
  if (num(gen) < 0) e.invalid("metadata.generation", gov::num(num(gen)), kNegative);
  validate_labels(e, at(meta, "labels"), "metadata.labels");
  validate_annotations(e, at(meta, "annotations"), "metadata.annotations");
  validate_owner_references(e, at(meta, "ownerReferences"), "metadata.ownerReferences");
  validate_finalizers(e, at(meta, "finalizers"), "metadata.finalizers");
}

void validate_object_meta_update(Errors& e, const json& meta, const json& old_meta) {
  for (const char* f : {"name", "namespace", "uid"}) {
    std::string now = str(meta, f), before = str(old_meta, f);
    // The server copies uid from the stored object when the request leaves it out.
    if (std::string_view(f) == "uid" && now.empty()) continue;
    if (now != before) e.invalid(join("metadata", f), gov::quote(now), kImmutable);
  }
}

void validate_label_selector(Errors& e, const json& sel, const std::string& path) {
  if (!sel.is_object()) return;
  validate_labels(e, at(sel, "matchLabels"), join(path, "matchLabels"));
  const json& exprs = at(sel, "matchExpressions");
  if (!exprs.is_array()) return;
  for (size_t i = 0; i < exprs.size(); ++i) {
    std::string p = idx(join(path, "matchExpressions"), i);
    const json& r = exprs[i];
    std::string op = str(r, "operator");
    const json& values = at(r, "values");
    size_t n = values.is_array() ? values.size() : 0;
    if (op == "In" || op == "NotIn") {
      if (n == 0) e.required(join(p, "values"), "must be specified when `operator` is 'In' or 'NotIn'");
    } else if (op == "Exists" || op == "DoesNotExist") {
      if (n > 0) e.forbidden(join(p, "values"), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
    } else {
      e.invalid(join(p, "operator"), gov::quote(op), "not a valid selector operator");
    }
    std::string k = str(r, "key");
    e.invalid_each(join(p, "key"), k, label_key_errors(k));
    for (size_t j = 0; j < n; ++j) {
      std::string v = values[j].is_string() ? values[j].get<std::string>() : std::string();
      e.invalid_each(idx(join(p, "values"), j), v, label_value_errors(v));
    }
  }
}

bool selector_matches(const json& sel, const json& labels) {
  if (!sel.is_object()) return false;  // a missing selector selects nothing
  const json& ml = at(sel, "matchLabels");
  if (ml.is_object()) {
    for (const auto& [k, v] : ml.items()) {
      const json& have = at(labels, k);
      if (!have.is_string() || have != v) return false;
    }
  }
  const json& exprs = at(sel, "matchExpressions");
  if (!exprs.is_array()) return true;
  for (const auto& r : exprs) {
    std::string op = str(r, "operator");
    const json& have = at(labels, str(r, "key"));
    bool present = have.is_string();
    bool in = present && contains(at(r, "values"), have.get<std::string>());
    if ((op == "In" && !in) || (op == "NotIn" && in) || (op == "Exists" && !present) ||
        (op == "DoesNotExist" && present)) {
      return false;
    }
  }
  return true;
}

}  // namespace v6k::kube::detail
