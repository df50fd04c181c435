// Internal helpers shared by the validation sources (not part of the public API).
//
// Validators append FieldErrors built by the same constructors upstream uses
// (field.Required, field.Invalid, ...), so reason, field and message text match
// what a real API server puts in Status.details.causes:
//
//   Errors errs;
//   errs.invalid("spec.replicas", gov::num(-1), "must be greater than or equal to 0");
//   // {FieldValueInvalid, "spec.replicas", "Invalid value: -1: must be greater than or equal to 0"}
//
// Bad values are pre-rendered the way Go's fmt renders them in 1.32 (strings %q,
// numbers bare, composite values %#v), because the message text is what users see.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/validation/validation.h"

namespace v6k::kube::detail {

using nlohmann::json;

// Renderings of Go values as fmt would print them inside a field error.
namespace gov {
std::string quote(std::string_view s);                  // %q
std::string num(int64_t v);                              // %v of an integer
std::string string_map(const json& m);                   // map[string]string{"a":"b"} / (nil)
std::string string_slice(const json& a);                 // []string{"a", "b"} / (nil)
std::string label_selector(const json& sel);             // v1.LabelSelector{...}
std::string int_or_string(const json& v);                // intstr.IntOrString{...}
}  // namespace gov

class Errors {
 public:
  void required(std::string field, std::string_view detail = {});
  void invalid(std::string field, std::string rendered_value, std::string_view detail);
  void not_supported(std::string field, std::string rendered_value, const std::vector<std::string>& valid);
  void duplicate(std::string field, std::string rendered_value);
  void forbidden(std::string field, std::string_view detail);
  void too_long(std::string field, int64_t max_bytes);
  void not_found(std::string field, std::string rendered_value);
  // Invalid errors for each message of a syntax check (one per message, as upstream).
  void invalid_each(const std::string& field, std::string_view value, const std::vector<std::string>& msgs);

  void append(std::vector<FieldError> more) {
    for (auto& f : more) list_.push_back(std::move(f));
  }
  bool empty() const { return list_.empty(); }
  std::vector<FieldError> take() { return std::move(list_); }

 private:
  void add(std::string reason, std::string field, std::string msg);
  std::vector<FieldError> list_;
};

// Path building: join("spec", "ports") == "spec.ports"; idx("spec.ports", 2) == "spec.ports[2]".
std::string join(std::string_view parent, std::string_view child);
std::string idx(std::string_view parent, size_t i);
std::string key(std::string_view parent, std::string_view k);

// Tolerant accessors: a wrong JSON type reads as absent (the strict decoder would
// already have rejected it; validation must never throw).
const json& at(const json& obj, std::string_view name);  // null when absent
std::string str(const json& obj, std::string_view name);
bool has(const json& obj, std::string_view name);
bool is_int(const json& v);
int64_t num(const json& v);  // 0 unless integer-valued

// Syntax checks not provided by kube/selector (upstream apimachinery messages).
std::vector<std::string> dns1035_label_errors(std::string_view s);
std::vector<std::string> port_num_errors(int64_t port);
std::vector<std::string> port_name_errors(std::string_view name);  // IANA_SVC_NAME
std::vector<std::string> config_key_errors(std::string_view key);
std::vector<std::string> percent_errors(std::string_view s);
bool is_ip(std::string_view s);

inline constexpr std::string_view kNegative = "must be greater than or equal to 0";
inline constexpr std::string_view kImmutable = "field is immutable";

// Validators by area. `path` is the field path of the value passed in.
using NameCheck = std::vector<std::string> (*)(std::string_view);
void validate_object_meta(Errors& e, const json& meta, bool namespaced, NameCheck name_check);
void validate_object_meta_update(Errors& e, const json& meta, const json& old_meta);
void validate_labels(Errors& e, const json& labels, const std::string& path);
void validate_annotations(Errors& e, const json& annotations, const std::string& path);
// Finalizer names (qualified, or one of the standard ones), reported at `path`.
void validate_finalizers(Errors& e, const json& finalizers, const std::string& path);
void validate_label_selector(Errors& e, const json& sel, const std::string& path);
// True when the selector (non-empty) matches the labels; a null selector matches nothing.
bool selector_matches(const json& sel, const json& labels);

// PodSpec parts (pod_parts.cc). validate_volumes returns the names of valid volumes.
std::map<std::string, bool> validate_volumes(Errors& e, const json& volumes, const std::string& path);
void validate_affinity(Errors& e, const json& affinity, const std::string& path);
void validate_tolerations(Errors& e, const json& tolerations, const std::string& path);
void validate_topology_spread(Errors& e, const json& constraints, const std::string& path);

// is_pod: a Pod (not a template), which adds the pod-only checks.
void validate_pod_spec(Errors& e, const json& spec, const std::string& path, bool is_pod);
void validate_pod_template(Errors& e, const json& tmpl, const std::string& path);
void validate_pod_update(Errors& e, const json& spec, const json& old_spec);

void validate_service(Errors& e, const json& obj, const json& old);
void validate_workload(Errors& e, std::string_view kind, const json& obj, const json& old);
void validate_config(Errors& e, std::string_view kind, const json& obj, const json& old);
void validate_misc(Errors& e, std::string_view kind, const json& obj);

}  // namespace v6k::kube::detail
