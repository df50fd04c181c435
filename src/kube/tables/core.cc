// Nodes, namespaces, events, configmaps, secrets and serviceaccounts: upstream printNode,
// printNamespace, printEvent, printConfigMap, printSecret, printServiceAccount.
#include <set>
#include <string>

#include "kube/tables/internal.h"

namespace v6k::kube::tables {

namespace {

std::string node_address(const Json& node, std::string_view type) {
  for (const Json& a : arr(node, {"status", "addresses"}))
    if (str(a, {"type"}) == type) return str(a, {"address"});
  return "<none>";
}

std::string or_unknown(std::string s) { return s.empty() ? "<unknown>" : s; }

std::string first_non_empty(const std::string& a, const std::string& b) {
  return a.empty() ? b : a;
}

// A zero (absent or null) metav1.Time.
bool zero_time(const Json& j, Path path) {
  const Json* v = find(j, path);
  return !v || !v->is_string() || !parse_time(v->get_ref<const std::string&>());
}

Json at(const Json& j, Path path) {
  const Json* v = find(j, path);
  return v ? *v : Json();
}

}  // namespace

Json node_columns() {
  return Json::array({
      column("Name", "string", kNameDoc, 0, "name"),
      column("Status", "string", "The status of the node"),
      column("Roles", "string", "The roles of the node"),
      column("Age", "string", kCreationTimestampDoc),
      column("Version", "string", "Kubelet Version reported by the node."),
      column("Internal-IP", "string",
             "List of addresses reachable to the node. Queried from cloud provider, if "
             "available.",
             1),
      column("External-IP", "string",
             "List of addresses reachable to the node. Queried from cloud provider, if "
             "available.",
             1),
      column("OS-Image", "string",
             "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 "
             "(wheezy)).",
             1),
      column("Kernel-Version", "string",
             "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
             1),
      column("Container-Runtime", "string",
             "ContainerRuntime Version reported by the node through runtime remote API (e.g. "
             "containerd://1.4.2).",
             1),
  });
}

Json node_cells(const Json& node, TimePoint now) {
  // Only the Ready condition counts; the last one of that type wins, as in a Go map.
  const Json* ready = nullptr;
  for (const Json& c : arr(node, {"status", "conditions"}))
    if (str(c, {"type"}) == "Ready") ready = &c;
  std::string status = "Unknown";
  if (ready) status = str(*ready, {"status"}) == "True" ? "Ready" : "NotReady";
  if (is_true(node, {"spec", "unschedulable"})) status += ",SchedulingDisabled";

  // node-role.kubernetes.io/<role> labels and the older kubernetes.io/role=<role>.
  std::set<std::string> roles;
  const Json& labels = obj(node, {"metadata", "labels"});
  constexpr std::string_view kPrefix = "node-role.kubernetes.io/";
  for (auto it = labels.begin(); it != labels.end(); ++it) {
    const std::string& k = it.key();
    if (k.starts_with(kPrefix)) {
      if (k.size() > kPrefix.size()) roles.insert(k.substr(kPrefix.size()));
    } else if (k == "kubernetes.io/role" && it->is_string() && !it->get<std::string>().empty()) {
      roles.insert(it->get<std::string>());
    }
  }
  std::string role_text;
  for (const auto& r : roles) role_text += (role_text.empty() ? "" : ",") + r;

  return Json::array({str(node, {"metadata", "name"}), status,
                      role_text.empty() ? "<none>" : role_text, age(node, now),
                      str(node, {"status", "nodeInfo", "kubeletVersion"}),
                      node_address(node, "InternalIP"), node_address(node, "ExternalIP"),
                      or_unknown(str(node, {"status", "nodeInfo", "osImage"})),
                      or_unknown(str(node, {"status", "nodeInfo", "kernelVersion"})),
                      or_unknown(str(node, {"status", "nodeInfo", "containerRuntimeVersion"}))});
}

Json namespace_columns() {
  return Json::array({column("Name", "string", kNameDoc, 0, "name"),
                      column("Status", "string", "The status of the namespace"),
                      column("Age", "string", kCreationTimestampDoc)});
}

Json namespace_cells(const Json& ns, TimePoint now) {
  return Json::array({str(ns, {"metadata", "name"}), str(ns, {"status", "phase"}), age(ns, now)});
}

Json event_columns() {
  return Json::array({
      column("Last Seen", "string",
             "The time at which the most recent occurrence of this event was recorded."),
      column("Type", "string",
             "Type of this event (Normal, Warning), new types could be added in the future"),
      column("Reason", "string",
             "This should be a short, machine understandable string that gives the reason for "
             "the transition into the object's current status."),
      column("Object", "string", "The object that this event is about."),
      column("Subobject", "string",
             "If referring to a piece of an object instead of an entire object, this string "
             "should contain a valid JSON/Go field access statement, such as "
             "desiredState.manifest.containers[2].",
             1),
      column("Source", "string",
             "The component reporting this event. Should be a short machine understandable "
             "string.",
             1),
      column("Message", "string", "A human-readable description of the status of this operation."),
      column("First Seen", "string",
             "The time at which the event was first recorded. (Time of server receipt is in "
             "TypeMeta.)",
             1),
      column("Count", "string", "The number of times this event has occurred.", 1),
      column("Name", "string", kNameDoc, 1, "name"),
  });
}

Json event_cells(const Json& in, TimePoint now) {
  // events.k8s.io/v1 names the same fields differently; read it as core/v1.
  Json ev = in;
  if (str(in, {"apiVersion"}).starts_with("events.k8s.io/")) {
    ev["message"] = at(in, {"note"});
    ev["involvedObject"] = at(in, {"regarding"});
    ev["source"] = at(in, {"deprecatedSource"});
    ev["firstTimestamp"] = at(in, {"deprecatedFirstTimestamp"});
    ev["lastTimestamp"] = at(in, {"deprecatedLastTimestamp"});
    ev["count"] = at(in, {"deprecatedCount"});
    ev["reportingComponent"] = at(in, {"reportingController"});
  }

  std::string first = zero_time(ev, {"firstTimestamp"}) ? since(at(ev, {"eventTime"}), now)
                                                        : since(at(ev, {"firstTimestamp"}), now);
  std::string last = zero_time(ev, {"lastTimestamp"}) ? first : since(at(ev, {"lastTimestamp"}), now);
  int64_t n = num(ev, {"count"});
  if (has_object(ev, {"series"})) {
    last = since(at(ev, {"series", "lastObservedTime"}), now);
    n = num(ev, {"series", "count"});
  } else if (n == 0) {
    n = 1;  // singleton events of the new API have no count
  }

  const std::string kind = to_lower(str(ev, {"involvedObject", "kind"}));
  const std::string name = str(ev, {"involvedObject", "name"});
  const std::string target = name.empty() ? kind : kind + "/" + name;

  const std::string component =
      first_non_empty(str(ev, {"source", "component"}), str(ev, {"reportingComponent"}));
  const std::string instance =
      first_non_empty(str(ev, {"source", "host"}), str(ev, {"reportingInstance"}));
  const std::string source = instance.empty() ? component : component + ", " + instance;

  return Json::array({last, str(ev, {"type"}), str(ev, {"reason"}), target,
                      str(ev, {"involvedObject", "fieldPath"}), source,
                      trim_space(str(ev, {"message"})), first, n,
                      str(ev, {"metadata", "name"})});
}

Json configmap_columns() {
  return Json::array({column("Name", "string", kNameDoc, 0, "name"),
                      column("Data", "string",
                             "Data contains the configuration data. Each key must consist of "
                             "alphanumeric characters, '-', '_' or '.'."),
                      column("Age", "string", kCreationTimestampDoc)});
}

Json configmap_cells(const Json& cm, TimePoint now) {
  return Json::array({str(cm, {"metadata", "name"}),
                      count(cm, {"data"}) + count(cm, {"binaryData"}), age(cm, now)});
}

Json secret_columns() {
  return Json::array(
      {column("Name", "string", kNameDoc, 0, "name"),
       column("Type", "string",
              "Used to facilitate programmatic handling of secret data. More info: "
              "https://kubernetes.io/docs/concepts/configuration/secret/#secret-types"),
       column("Data", "string",
              "Data contains the secret data. Each key must consist of alphanumeric characters, "
              "'-', '_' or '.'."),
       column("Age", "string", kCreationTimestampDoc)});
}

Json secret_cells(const Json& s, TimePoint now) {
  // The server defaults an empty type to Opaque.
  const std::string type = str(s, {"type"}).empty() ? "Opaque" : str(s, {"type"});
  return Json::array({str(s, {"metadata", "name"}), type, count(s, {"data"}), age(s, now)});
}

Json serviceaccount_columns() {
  return Json::array({column("Name", "string", kNameDoc, 0, "name"),
                      column("Secrets", "string",
                             "Secrets is a list of the secrets in the same namespace that pods "
                             "running using this ServiceAccount are allowed to use."),
                      column("Age", "string", kCreationTimestampDoc)});
}

Json serviceaccount_cells(const Json& sa, TimePoint now) {
  return Json::array({str(sa, {"metadata", "name"}), count(sa, {"secrets"}), age(sa, now)});
}

Json default_columns() {
  return Json::array({column("Name", "string", kNameDoc, 0, "name"),
                      column("Created At", "date", kCreationTimestampDoc)});
}

Json default_cells(const Json& o) {
  return Json::array({str(o, {"metadata", "name"}), rfc3339_utc(at(o, {"metadata", "creationTimestamp"}))});
}

}  // namespace v6k::kube::tables
