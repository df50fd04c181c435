// Server-side validation of the kinds v6k's API server stores, close to upstream
// (k8s.io/kubernetes pkg/apis/{core,apps,discovery}/validation, 1.32): the same
// checks, field paths, reasons and message text, so `kubectl apply` of an invalid
// manifest prints what a real cluster prints.
//
//   nlohmann::json d = ...;                                  // a Deployment
//   apply_defaults("apps", "Deployment", d);                 // see defaults.h
//   auto errs = validate("apps", "Deployment", d, nullptr);  // nullptr: create
//   if (!errs.empty())                                       // 422 Invalid
//     msg = invalid_message("apps", "Deployment", "web", errs);
//   // "Deployment.apps \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0"
//
// Kinds: v1 Namespace, Node, Pod, Service, Endpoints, Event, ConfigMap, Secret,
// ServiceAccount; apps/v1 Deployment, ReplicaSet; discovery.k8s.io/v1 EndpointSlice.
// Unknown kinds validate only their metadata. Never throws.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace v6k::kube {

struct FieldError {
  std::string reason;   // upstream cause type: "FieldValueRequired", "FieldValueInvalid", "FieldValueNotSupported",
                        // "FieldValueDuplicate", "FieldValueForbidden", "FieldValueTooLong"
  std::string field;    // "spec.template.spec.containers[0].name", "metadata.labels"
  std::string message;  // the cause message: `Required value`, `Invalid value: "Foo_1": a lowercase RFC 1123 label ...`
  bool operator==(const FieldError&) const = default;
};

// obj is already defaulted; old is the stored object on update (null on create), used
// for immutable fields (Deployment/ReplicaSet spec.selector, Service clusterIP once
// set, metadata name/namespace, Pod spec fields other than image,
// activeDeadlineSeconds, tolerations additions and terminationGracePeriodSeconds).
std::vector<FieldError> validate(std::string_view group, std::string_view kind, const nlohmann::json& obj,
                                 const nlohmann::json& old);

// The Status message upstream writes for a 422:
//   `Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0`
// and for several (distinct) errors `... is invalid: [a, b]`. Core kinds have no group
// suffix: `Pod "x" is invalid: ...`.
std::string invalid_message(std::string_view group, std::string_view kind, std::string_view name,
                            const std::vector<FieldError>& errors);

}  // namespace v6k::kube
