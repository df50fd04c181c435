// PodSpec, containers and pod templates (pkg/apis/core/validation ValidatePodSpec,
// validateContainers, ValidatePodTemplateSpec, ValidatePodUpdate; 1.32 wording).
#include <algorithm>
#include <set>

#include "kube/selector/label_syntax.h"
#include "kube/validation/internal.h"

namespace v6k::kube::detail {

namespace {

void validate_ports(Errors& e, const json& ports, const std::string& path) {
  if (!ports.is_array()) return;
  std::set<std::string> names;
  for (size_t i = 0; i < ports.size(); ++i) {
    const json& p = ports[i];
    std::string ip = idx(path, i);
    std::string name = str(p, "name");
    if (!name.empty()) {
      auto msgs = port_name_errors(name);
      if (!msgs.empty()) {
        e.invalid_each(join(ip, "name"), name, msgs);
      } else if (!names.insert(name).second) {
        e.duplicate(join(ip, "name"), gov::quote(name));
      }
    }
    int64_t cp = num(at(p, "containerPort"));
    if (cp == 0) {
      e.required(join(ip, "containerPort"));
    } else {
      for (const auto& m : port_num_errors(cp)) e.invalid(join(ip, "containerPort"), gov::num(cp), m);
    }
    int64_t hp = num(at(p, "hostPort"));
    if (hp != 0) {
      for (const auto& m : port_num_errors(hp)) e.invalid(join(ip, "hostPort"), gov::num(hp), m);
    }
    std::string proto = str(p, "protocol");
    if (proto.empty()) {
      e.required(join(ip, "protocol"));
    } else if (proto != "TCP" && proto != "UDP" && proto != "SCTP") {
      e.not_supported(join(ip, "protocol"), gov::quote(proto), {"SCTP", "TCP", "UDP"});
    }
  }
}

void validate_env(Errors& e, const json& env, const std::string& path) {
  if (!env.is_array()) return;
  for (size_t i = 0; i < env.size(); ++i) {
    std::string p = join(idx(path, i), "name");
    std::string name = str(env[i], "name");
    // 1.32 enables RelaxedEnvironmentVariableValidation: any printable ASCII but '='.
    if (name.empty()) {
      e.required(p);
      e.invalid(p, gov::quote(name), "environment variable name must be non-empty");
    }
    for (unsigned char c : name) {
      if (c < 0x20 || c > 0x7e || c == '=') {
        e.invalid(p, gov::quote(name),
                  "a valid environment variable name must consist only of printable ASCII characters other than '='");
        break;
      }
    }
  }
}

void validate_volume_mounts(Errors& e, const json& mounts, const std::map<std::string, bool>& volumes,
                            const std::string& path) {
  if (!mounts.is_array()) return;
  std::set<std::string> points;
  for (size_t i = 0; i < mounts.size(); ++i) {
    std::string p = idx(path, i);
    std::string name = str(mounts[i], "name"), mount_path = str(mounts[i], "mountPath");
    if (name.empty()) e.required(join(p, "name"));
    if (!volumes.contains(name)) e.not_found(join(p, "name"), gov::quote(name));
    if (mount_path.empty()) e.required(join(p, "mountPath"));
    if (!points.insert(mount_path).second) e.invalid(join(p, "mountPath"), gov::quote(mount_path), "must be unique");
  }
}

void validate_container(Errors& e, const json& c, const std::map<std::string, bool>& volumes, const std::string& path,
                        bool is_pod) {
  std::string name = str(c, "name");
  if (name.empty()) {
    e.required(join(path, "name"));
  } else {
    e.invalid_each(join(path, "name"), name, dns1123_label_errors(name));
  }
  std::string image = str(c, "image");
  if (image.empty()) e.required(join(path, "image"));
  std::string tmp = str(c, "terminationMessagePolicy");
  if (tmp.empty()) {
    e.required(join(path, "terminationMessagePolicy"));
  } else if (tmp != "File" && tmp != "FallbackToLogsOnError") {
    e.not_supported(join(path, "terminationMessagePolicy"), gov::quote(tmp), {"File", "FallbackToLogsOnError"});
  }
  validate_ports(e, at(c, "ports"), join(path, "ports"));
  validate_env(e, at(c, "env"), join(path, "env"));
  validate_volume_mounts(e, at(c, "volumeMounts"), volumes, join(path, "volumeMounts"));
  std::string pull = str(c, "imagePullPolicy");
  if (pull.empty()) {
    e.required(join(path, "imagePullPolicy"));
  } else if (pull != "Always" && pull != "IfNotPresent" && pull != "Never") {
    e.not_supported(join(path, "imagePullPolicy"), gov::quote(pull), {"Always", "IfNotPresent", "Never"});
  }
  if (is_pod && !image.empty() && (image.front() == ' ' || image.back() == ' ' || image.front() == '\t' ||
                                   image.back() == '\t' || image.back() == '\n')) {
    e.invalid(join(path, "image"), gov::quote(image), "must not have leading or trailing whitespace");
  }
}

void validate_containers(Errors& e, const json& list, const std::map<std::string, bool>& volumes,
                         const std::string& path, bool is_pod, std::set<std::string>& names, bool required) {
  if (!list.is_array() || list.empty()) {
    if (required) e.required(path);
    return;
  }
  for (size_t i = 0; i < list.size(); ++i) {
    std::string p = idx(path, i);
    validate_container(e, list[i], volumes, p, is_pod);
    std::string name = str(list[i], "name");
    if (!names.insert(name).second) e.duplicate(join(p, "name"), gov::quote(name));
  }
}

}  // namespace

void validate_pod_spec(Errors& e, const json& spec, const std::string& path, bool is_pod) {
  auto volumes = validate_volumes(e, at(spec, "volumes"), join(path, "volumes"));
  std::set<std::string> names;
  validate_containers(e, at(spec, "containers"), volumes, join(path, "containers"), is_pod, names, true);
  // Init container names must also differ from the regular containers'.
  validate_containers(e, at(spec, "initContainers"), volumes, join(path, "initContainers"), is_pod, names, false);

  std::string restart = str(spec, "restartPolicy");
  if (restart.empty()) {
    e.required(join(path, "restartPolicy"));
  } else if (restart != "Always" && restart != "OnFailure" && restart != "Never") {
    e.not_supported(join(path, "restartPolicy"), gov::quote(restart), {"Always", "OnFailure", "Never"});
  }
  std::string dns = str(spec, "dnsPolicy");
  if (dns.empty()) {
    e.required(join(path, "dnsPolicy"));
  } else if (dns != "ClusterFirstWithHostNet" && dns != "ClusterFirst" && dns != "Default" && dns != "None") {
    e.not_supported(join(path, "dnsPolicy"), gov::quote(dns), {"ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"});
  }
  validate_labels(e, at(spec, "nodeSelector"), join(path, "nodeSelector"));
  if (has(spec, "affinity")) validate_affinity(e, at(spec, "affinity"), join(path, "affinity"));
  validate_topology_spread(e, at(spec, "topologySpreadConstraints"), join(path, "topologySpreadConstraints"));
  std::string sa = str(spec, "serviceAccountName");
  if (!sa.empty()) e.invalid_each(join(path, "serviceAccountName"), sa, dns1123_subdomain_errors(sa));
  std::string node = str(spec, "nodeName");
  if (!node.empty()) e.invalid_each(join(path, "nodeName"), node, dns1123_subdomain_errors(node));
  const json& ads = at(spec, "activeDeadlineSeconds");
  if (ads.is_number() && (num(ads) < 1 || num(ads) > 2147483647)) {
    e.invalid(join(path, "activeDeadlineSeconds"), gov::num(num(ads)), "must be between 1 and 2147483647, inclusive");
  }
  std::string hostname = str(spec, "hostname");
  if (!hostname.empty()) e.invalid_each(join(path, "hostname"), hostname, dns1123_label_errors(hostname));
  std::string subdomain = str(spec, "subdomain");
  if (!subdomain.empty()) e.invalid_each(join(path, "subdomain"), subdomain, dns1123_label_errors(subdomain));
  validate_tolerations(e, at(spec, "tolerations"), join(path, "tolerations"));
}

void validate_pod_template(Errors& e, const json& tmpl, const std::string& path) {
  const json& meta = at(tmpl, "metadata");
  // Upstream reports template metadata errors at <template>.labels, not .metadata.labels.
  validate_labels(e, at(meta, "labels"), join(path, "labels"));
  validate_annotations(e, at(meta, "annotations"), join(path, "annotations"));
  validate_pod_spec(e, at(tmpl, "spec"), join(path, "spec"), false);
  const json& eph = at(at(tmpl, "spec"), "ephemeralContainers");
  if (eph.is_array() && !eph.empty()) {
    e.forbidden(join(join(path, "spec"), "ephemeralContainers"), "ephemeral containers not allowed in pod template");
  }
}

void validate_pod_update(Errors& e, const json& spec, const json& old_spec) {
  // Blank out what may change, then any remaining difference is forbidden.
  json now = spec.is_object() ? spec : json::object();
  json before = old_spec.is_object() ? old_spec : json::object();
  for (const char* list : {"containers", "initContainers"}) {
    json& a = now[list];
    json& b = before[list];
    if (a.is_array() && b.is_array() && a.size() == b.size()) {
      for (size_t i = 0; i < a.size(); ++i) {
        if (!a[i].is_object() || !b[i].is_object()) continue;
        if (a[i].contains("image")) {
          b[i]["image"] = a[i]["image"];
        } else {
          b[i].erase("image");
        }
      }
    }
  }
  before["activeDeadlineSeconds"] = now.contains("activeDeadlineSeconds") ? now["activeDeadlineSeconds"] : json();
  // Tolerations may only grow: every old toleration must still be there.
  const json& old_tols = at(old_spec, "tolerations");
  bool kept = true;
  if (old_tols.is_array()) {
    const json& new_tols = at(spec, "tolerations");
    for (const auto& t : old_tols) {
      kept = kept && new_tols.is_array() && std::find(new_tols.begin(), new_tols.end(), t) != new_tols.end();
    }
  }
  if (kept) before["tolerations"] = now.contains("tolerations") ? now["tolerations"] : json();
  if (num(at(old_spec, "terminationGracePeriodSeconds")) < 0 && num(at(spec, "terminationGracePeriodSeconds")) == 1) {
    before["terminationGracePeriodSeconds"] = 1;
  }
  auto strip_nulls = [](json& o) {
    for (auto it = o.begin(); it != o.end();) it = it->is_null() ? o.erase(it) : std::next(it);
  };
  strip_nulls(now);
  strip_nulls(before);
  if (now != before) {
    e.forbidden("spec",
                "pod updates may not change fields other than `spec.containers[*].image`,"
                "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to "
                "existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was "
                "previously negative)");
  }
}

}  // namespace v6k::kube::detail
