// Upstream defaulting (SetDefaults_* in pkg/apis/<group>/v1/defaults.go and the
// generated defaulters, plus the few values admission/registry always fill on create
// that users see in `kubectl get -o yaml`) for the kinds of validation.h.
//
//   nlohmann::json svc = R"({"spec":{"ports":[{"port":80}]}})"_json;
//   apply_defaults("", "Service", svc);
//   // spec.type "ClusterIP", sessionAffinity "None", internalTrafficPolicy "Cluster",
//   // ports[0].protocol "TCP", ports[0].targetPort 80
//
// Covered: Pod and pod templates (restartPolicy Always, dnsPolicy ClusterFirst,
// schedulerName default-scheduler, terminationGracePeriodSeconds 30, securityContext {},
// containers' terminationMessagePath/-Policy, imagePullPolicy by tag, resources {},
// port protocol TCP, probe timings, volume defaultMode 420, env fieldRef apiVersion;
// Pods only: enableServiceLinks true, priority 0, preemptionPolicy PreemptLowerPriority),
// Deployment (replicas 1, RollingUpdate 25%/25%, revisionHistoryLimit 10,
// progressDeadlineSeconds 600), ReplicaSet (replicas 1), Service (type ClusterIP,
// sessionAffinity None, port protocol TCP, targetPort = port, internalTrafficPolicy
// Cluster, externalTrafficPolicy Cluster for NodePort/LoadBalancer), Namespace
// (spec.finalizers ["kubernetes"], status.phase Active, label kubernetes.io/metadata.name),
// Secret (type Opaque), Endpoints/EndpointSlice port protocol TCP, Node allocatable.
// Values of the wrong JSON type are left alone (validation reports them). Never throws.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

namespace v6k::kube {

void apply_defaults(std::string_view group, std::string_view kind, nlohmann::json& obj);

}  // namespace v6k::kube
