// meta/v1 (apimachinery pkg/apis/meta/v1/generated.proto) and apps/v1 tables, and the
// apiVersion/kind -> message lookup.
#include <array>

#include "kube/proto/schema.h"

namespace v6k::kube::proto {
namespace {

// managedFields (17) is left out: kubectl create never sends it; it is skipped as unknown.
constexpr Field kObjectMetaFields[] = {
    str(1, "name"), str(2, "generateName"), str(3, "namespace"), str(4, "selfLink"),
    str(5, "uid"), str(6, "resourceVersion"), i64(7, "generation"),
    tstamp(8, "creationTimestamp"), tstamp(9, "deletionTimestamp", P),
    i64(10, "deletionGracePeriodSeconds", P), smap(11, "labels"), smap(12, "annotations"),
    msg(13, "ownerReferences", &kOwnerReference, R), str(14, "finalizers", R),
};

constexpr Field kOwnerReferenceFields[] = {
    str(5, "apiVersion", K), str(1, "kind", K), str(3, "name", K), str(4, "uid", K),
    boolean(6, "controller", P), boolean(7, "blockOwnerDeletion", P),
};

constexpr Field kLabelSelectorFields[] = {
    smap(1, "matchLabels"), msg(2, "matchExpressions", &kLabelSelectorRequirement, R),
};

constexpr Field kLabelSelectorRequirementFields[] = {
    str(1, "key", K), str(2, "operator", K), str(3, "values", R),
};

constexpr Field kConditionFields[] = {
    str(1, "type", K), str(2, "status", K), i64(3, "observedGeneration"),
    tstamp(4, "lastTransitionTime", K), str(5, "reason", K), str(6, "message", K),
};

// apps/v1
extern const Message kDeploymentSpec, kDeploymentStrategy, kRollingUpdateDeployment,
    kDeploymentStatus, kDeploymentCondition;

constexpr Field kDeploymentFields[] = {
    msg(1, "metadata", &kObjectMeta), msg(2, "spec", &kDeploymentSpec),
    msg(3, "status", &kDeploymentStatus),
};

constexpr Field kDeploymentSpecFields[] = {
    i32(1, "replicas", P), msg(2, "selector", &kLabelSelector, P | K),
    msg(3, "template", &kPodTemplateSpec), msg(4, "strategy", &kDeploymentStrategy),
    i32(5, "minReadySeconds"), i32(6, "revisionHistoryLimit", P), boolean(7, "paused"),
    i32(9, "progressDeadlineSeconds", P),
};

constexpr Field kDeploymentStrategyFields[] = {
    str(1, "type"), msg(2, "rollingUpdate", &kRollingUpdateDeployment, P),
};

constexpr Field kRollingUpdateDeploymentFields[] = {
    ios(1, "maxUnavailable", P), ios(2, "maxSurge", P),
};

constexpr Field kDeploymentStatusFields[] = {
    i64(1, "observedGeneration"), i32(2, "replicas"), i32(3, "updatedReplicas"),
    i32(7, "readyReplicas"), i32(4, "availableReplicas"), i32(5, "unavailableReplicas"),
    i32(9, "terminatingReplicas", P), msg(6, "conditions", &kDeploymentCondition, R),
    i32(8, "collisionCount", P),
};

constexpr Field kDeploymentConditionFields[] = {
    str(1, "type", K), str(2, "status", K), tstamp(6, "lastUpdateTime"),
    tstamp(7, "lastTransitionTime"), str(4, "reason"), str(5, "message"),
};

}  // namespace

constinit const Message kObjectMeta{"ObjectMeta", kObjectMetaFields};
constinit const Message kOwnerReference{"OwnerReference", kOwnerReferenceFields};
constinit const Message kLabelSelector{"LabelSelector", kLabelSelectorFields};
constinit const Message kLabelSelectorRequirement{"LabelSelectorRequirement", kLabelSelectorRequirementFields};
constinit const Message kCondition{"Condition", kConditionFields};
constinit const Message kDeployment{"Deployment", kDeploymentFields};

namespace {
constinit const Message kDeploymentSpec{"DeploymentSpec", kDeploymentSpecFields};
constinit const Message kDeploymentStrategy{"DeploymentStrategy", kDeploymentStrategyFields};
constinit const Message kRollingUpdateDeployment{"RollingUpdateDeployment", kRollingUpdateDeploymentFields};
constinit const Message kDeploymentStatus{"DeploymentStatus", kDeploymentStatusFields};
constinit const Message kDeploymentCondition{"DeploymentCondition", kDeploymentConditionFields};
}  // namespace

const Message* find_kind(std::string_view api_version, std::string_view kind) {
  struct Entry {
    std::string_view api_version, kind;
    const Message* msg;
  };
  static constexpr std::array<Entry, 7> kKinds{{
      {"v1", "Namespace", &kNamespace},
      {"v1", "ConfigMap", &kConfigMap},
      {"v1", "Secret", &kSecret},
      {"v1", "Service", &kService},
      {"v1", "ServiceAccount", &kServiceAccount},
      {"v1", "Pod", &kPod},
      {"apps/v1", "Deployment", &kDeployment},
  }};
  for (const auto& e : kKinds)
    if (e.api_version == api_version && e.kind == kind) return e.msg;
  return nullptr;
}

}  // namespace v6k::kube::proto
