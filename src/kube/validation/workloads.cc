// Deployment and ReplicaSet validation (pkg/apis/apps/validation, 1.32 wording).
#include "kube/validation/internal.h"

namespace v6k::kube::detail {

namespace {

void nonnegative(Errors& e, const json& v, const std::string& path) {
  if (num(v) < 0) e.invalid(path, gov::num(num(v)), kNegative);
}

// A percent string as an int, or the int itself; percent=false for ints.
int64_t int_or_percent(const json& v, bool& percent) {
  percent = false;
  if (!v.is_string()) return num(v);
  std::string s = v.get<std::string>();
  if (s.empty() || s.back() != '%') return 0;
  percent = true;
  try {
    return std::stoll(s.substr(0, s.size() - 1));
  } catch (...) {
    return 0;
  }
}

void validate_positive_int_or_percent(Errors& e, const json& v, const std::string& path) {
  if (v.is_string()) {
    for (const auto& m : percent_errors(v.get<std::string>())) e.invalid(path, gov::int_or_string(v), m);
  } else {
    nonnegative(e, v, path);
  }
}

void validate_strategy(Errors& e, const json& strategy, const std::string& path) {
  std::string type = str(strategy, "type");
  const json& ru = at(strategy, "rollingUpdate");
  if (type == "Recreate") {
    if (!ru.is_null()) e.forbidden(join(path, "rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'");
  } else if (type == "RollingUpdate") {
    if (ru.is_null()) {
      e.required(join(path, "rollingUpdate"), "this should be defaulted and never be nil");
      return;
    }
    std::string rp = join(path, "rollingUpdate");
    const json& mu = at(ru, "maxUnavailable");
    const json& ms = at(ru, "maxSurge");
    validate_positive_int_or_percent(e, mu, join(rp, "maxUnavailable"));
    validate_positive_int_or_percent(e, ms, join(rp, "maxSurge"));
    bool pu = false, ps = false;
    if (int_or_percent(mu, pu) == 0 && int_or_percent(ms, ps) == 0) {
      e.invalid(join(rp, "maxUnavailable"), gov::int_or_string(mu), "may not be 0 when `maxSurge` is 0");
    }
    if (int_or_percent(mu, pu) > 100 && pu) {
      e.invalid(join(rp, "maxUnavailable"), gov::int_or_string(mu), "must not be greater than 100%");
    }
  } else {
    // Upstream prints the whole strategy struct with %#v.
    std::string ptr = ru.is_null() ? "(*apps.RollingUpdateDeployment)(nil)" : "(*apps.RollingUpdateDeployment)(0xc000000000)";
    e.not_supported(path, "apps.DeploymentStrategy{Type:" + gov::quote(type) + ", RollingUpdate:" + ptr + "}",
                    {"Recreate", "RollingUpdate"});
  }
}

// The selector and template checks shared by Deployment and ReplicaSet.
void validate_selector_and_template(Errors& e, const json& spec) {
  const json& sel = at(spec, "selector");
  bool selector_ok = true;
  if (!sel.is_object()) {
    e.required("spec.selector");
  } else {
    Errors sel_errs;
    validate_label_selector(sel_errs, sel, "spec.selector");
    selector_ok = sel_errs.empty();
    e.append(sel_errs.take());
    size_t n = (at(sel, "matchLabels").is_object() ? at(sel, "matchLabels").size() : 0) +
               (at(sel, "matchExpressions").is_array() ? at(sel, "matchExpressions").size() : 0);
    if (n == 0) e.invalid("spec.selector", gov::label_selector(sel), "empty selector is invalid for deployment");
  }
  if (!selector_ok) {
    e.invalid("spec.selector", gov::label_selector(sel), "invalid label selector");
    return;
  }
  const json& tmpl = at(spec, "template");
  const json& labels = at(at(tmpl, "metadata"), "labels");
  bool empty_selector = sel.is_object() && at(sel, "matchLabels").empty() && at(sel, "matchExpressions").empty();
  // A missing selector selects nothing, an empty one everything (and is reported above).
  if (!empty_selector && !selector_matches(sel, labels)) {
    e.invalid("spec.template.metadata.labels", gov::string_map(labels), "`selector` does not match template `labels`");
  }
  validate_pod_template(e, tmpl, "spec.template");
  std::string restart = str(at(tmpl, "spec"), "restartPolicy");
  if (restart != "Always") e.not_supported("spec.template.spec.restartPolicy", gov::quote(restart), {"Always"});
  const json& ads = at(at(tmpl, "spec"), "activeDeadlineSeconds");
  if (!ads.is_null()) {
    e.invalid("spec.template.spec.activeDeadlineSeconds", gov::num(num(ads)),
              "activeDeadlineSeconds in ReplicaSet is not Supported");
  }
}

void validate_deployment_rest(Errors& e, const json& spec) {
  validate_selector_and_template(e, spec);
  validate_strategy(e, at(spec, "strategy"), "spec.strategy");
  nonnegative(e, at(spec, "minReadySeconds"), "spec.minReadySeconds");
  if (has(spec, "revisionHistoryLimit")) nonnegative(e, at(spec, "revisionHistoryLimit"), "spec.revisionHistoryLimit");
  const json& pds = at(spec, "progressDeadlineSeconds");
  if (!pds.is_null()) {
    nonnegative(e, pds, "spec.progressDeadlineSeconds");
    if (num(pds) <= num(at(spec, "minReadySeconds"))) {
      e.invalid("spec.progressDeadlineSeconds", gov::num(num(pds)), "must be greater than minReadySeconds");
    }
  }
}

}  // namespace

void validate_workload(Errors& e, std::string_view kind, const json& obj, const json& old) {
  const json& spec = at(obj, "spec");
  nonnegative(e, at(spec, "replicas"), "spec.replicas");
  if (kind == "ReplicaSet") {
    nonnegative(e, at(spec, "minReadySeconds"), "spec.minReadySeconds");
    validate_selector_and_template(e, spec);
  } else {
    validate_deployment_rest(e, spec);
  }
  // The apps strategies check selector immutability after the spec (apps/v1 and later).
  if (old.is_object()) {
    const json& before = at(at(old, "spec"), "selector");
    const json& now = at(spec, "selector");
    if (before != now) e.invalid("spec.selector", gov::label_selector(now), kImmutable);
  }
}

}  // namespace v6k::kube::detail
