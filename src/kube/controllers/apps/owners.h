// Small helpers the workload loops share: the controller ownerReference of an object and
// the objects of a namespace whose selector matches some labels.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/client/informer.h"

namespace v6k::kube::apps {

// {kind, name} of the controlling owner, or empty strings.
struct OwnerRef {
  std::string kind, name, uid;
};
OwnerRef controller_of(const nlohmann::json& obj);

// Keys of the objects in `owners` (same namespace as `labels`' object) whose
// spec.selector matches `labels` (empty or invalid selectors match nothing).
std::vector<std::string> matching_owners(const std::vector<ObjectPtr>& owners, const nlohmann::json& labels);

// Raw pointers for the planners' spans.
std::vector<const nlohmann::json*> raw(const std::vector<ObjectPtr>& objs);

}  // namespace v6k::kube::apps
