// Deployments and ReplicaSets: upstream printDeployment and printReplicaSet. Counts are
// JSON integers even where the column type says "string", exactly as upstream sends them.
#include <string>

#include "kube/tables/internal.h"

namespace v6k::kube::tables {

namespace {
constexpr const char* kContainersDoc = "Names of each container in the template.";
constexpr const char* kImagesDoc = "Images referenced by each container in the template.";
}  // namespace

Json deployment_columns() {
  return Json::array({
      column("Name", "string", kNameDoc, 0, "name"),
      column("Ready", "string", "Number of the pod with ready state"),
      column("Up-to-date", "string",
             "Total number of non-terminated pods targeted by this deployment that have the "
             "desired template spec."),
      column("Available", "string",
             "Total number of available pods (ready for at least minReadySeconds) targeted by "
             "this deployment."),
      column("Age", "string", kCreationTimestampDoc),
      column("Containers", "string", kContainersDoc, 1),
      column("Images", "string", kImagesDoc, 1),
      column("Selector", "string",
             "Label selector for pods. Existing ReplicaSets whose pods are selected by this "
             "will be the ones affected by this deployment.",
             1),
  });
}

Json deployment_cells(const Json& d, TimePoint now) {
  const int64_t desired = num(d, {"spec", "replicas"}, 1);  // the server defaults it to 1
  const int64_t ready = num(d, {"status", "readyReplicas"});
  std::string names, images;
  layout_containers(arr(d, {"spec", "template", "spec", "containers"}), names, images);
  const Json* sel = find(d, {"spec", "selector"});
  auto selector = selector_string(sel ? *sel : Json());
  return Json::array({str(d, {"metadata", "name"}),
                      std::to_string(ready) + "/" + std::to_string(desired),
                      num(d, {"status", "updatedReplicas"}),
                      num(d, {"status", "availableReplicas"}), age(d, now), names, images,
                      selector ? *selector : std::string("<invalid>")});
}

Json replicaset_columns() {
  return Json::array({
      column("Name", "string", kNameDoc, 0, "name"),
      column("Desired", "integer",
             "Replicas is the number of desired replicas. This is a pointer to distinguish "
             "between explicit zero and unspecified. Defaults to 1."),
      column("Current", "integer",
             "Replicas is the most recently observed number of replicas."),
      column("Ready", "integer",
             "The number of ready replicas for this replica set."),
      column("Age", "string", kCreationTimestampDoc),
      column("Containers", "string", kContainersDoc, 1),
      column("Images", "string", kImagesDoc, 1),
      column("Selector", "string",
             "Selector is a label query over pods that should match the replica count.", 1),
  });
}

Json replicaset_cells(const Json& rs, TimePoint now) {
  std::string names, images;
  layout_containers(arr(rs, {"spec", "template", "spec", "containers"}), names, images);
  const Json* sel = find(rs, {"spec", "selector"});
  return Json::array({str(rs, {"metadata", "name"}), num(rs, {"spec", "replicas"}, 1),
                      num(rs, {"status", "replicas"}), num(rs, {"status", "readyReplicas"}),
                      age(rs, now), names, images, format_label_selector(sel ? *sel : Json())});
}

}  // namespace v6k::kube::tables
