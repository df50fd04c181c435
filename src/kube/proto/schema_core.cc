// core/v1 tables (k8s.io/api core/v1 generated.proto): the supported objects, PodSpec and
// Container with what they nest. Volumes, affinity and security contexts: schema_pod.cc.
#include "kube/proto/schema.h"

namespace v6k::kube::proto {

namespace {

extern const Message kNamespaceSpec, kNamespaceStatus, kNamespaceCondition, kServiceSpec,
    kServicePort, kSessionAffinityConfig, kClientIPConfig, kServiceStatus, kLoadBalancerStatus,
    kLoadBalancerIngress, kPortStatus, kObjectReference, kPodStatus, kPodCondition, kPodIP,
    kEphemeralContainer, kPodReadinessGate, kPodOS, kPodSchedulingGate, kContainerPort,
    kEnvFromSource, kEnvSource, kEnvVar, kEnvVarSource, kKeySelector, kResourceClaim,
    kContainerResizePolicy, kVolumeMount, kVolumeDevice, kProbe, kProbeHandler, kLifecycle,
    kLifecycleHandler, kExecAction, kHTTPGetAction, kHTTPHeader, kTCPSocketAction, kGRPCAction,
    kSleepAction;

// ---- objects
constexpr Field kNamespaceFields[] = {
    msg(1, "metadata", &kObjectMeta), msg(2, "spec", &kNamespaceSpec), msg(3, "status", &kNamespaceStatus)};
constexpr Field kNamespaceSpecFields[] = {str(1, "finalizers", R)};
constexpr Field kNamespaceStatusFields[] = {str(1, "phase"), msg(2, "conditions", &kNamespaceCondition, R)};
constexpr Field kNamespaceConditionFields[] = {
    str(1, "type", K), str(2, "status", K), tstamp(4, "lastTransitionTime"), str(5, "reason"), str(6, "message")};

constexpr Field kConfigMapFields[] = {
    msg(1, "metadata", &kObjectMeta), boolean(4, "immutable", P), smap(2, "data"), bmap(3, "binaryData")};
constexpr Field kSecretFields[] = {
    msg(1, "metadata", &kObjectMeta), boolean(5, "immutable", P), bmap(2, "data"),
    smap(4, "stringData"), str(3, "type")};

constexpr Field kServiceAccountFields[] = {
    msg(1, "metadata", &kObjectMeta), msg(2, "secrets", &kObjectReference, R),
    msg(3, "imagePullSecrets", &kLocalObjectReference, R), boolean(4, "automountServiceAccountToken", P)};
constexpr Field kObjectReferenceFields[] = {
    str(1, "kind"), str(2, "namespace"), str(3, "name"), str(4, "uid"), str(5, "apiVersion"),
    str(6, "resourceVersion"), str(7, "fieldPath")};
constexpr Field kLocalObjectReferenceFields[] = {str(1, "name")};

constexpr Field kServiceFields[] = {
    msg(1, "metadata", &kObjectMeta), msg(2, "spec", &kServiceSpec), msg(3, "status", &kServiceStatus)};
constexpr Field kServiceSpecFields[] = {
    msg(1, "ports", &kServicePort, R), smap(2, "selector"), str(3, "clusterIP"), str(18, "clusterIPs", R),
    str(4, "type"), str(5, "externalIPs", R), str(7, "sessionAffinity"), str(8, "loadBalancerIP"),
    str(9, "loadBalancerSourceRanges", R), str(10, "externalName"), str(11, "externalTrafficPolicy"),
    i32(12, "healthCheckNodePort"), boolean(13, "publishNotReadyAddresses"),
    msg(14, "sessionAffinityConfig", &kSessionAffinityConfig, P), str(19, "ipFamilies", R),
    str(17, "ipFamilyPolicy", P), boolean(20, "allocateLoadBalancerNodePorts", P),
    str(21, "loadBalancerClass", P), str(22, "internalTrafficPolicy", P), str(23, "trafficDistribution", P)};
constexpr Field kServicePortFields[] = {
    str(1, "name"), str(2, "protocol"), str(6, "appProtocol", P), i32(3, "port", K),
    ios(4, "targetPort"), i32(5, "nodePort")};
constexpr Field kSessionAffinityConfigFields[] = {msg(1, "clientIP", &kClientIPConfig, P)};
constexpr Field kClientIPConfigFields[] = {i32(1, "timeoutSeconds", P)};
constexpr Field kServiceStatusFields[] = {
    msg(1, "loadBalancer", &kLoadBalancerStatus), msg(2, "conditions", &kCondition, R)};
constexpr Field kLoadBalancerStatusFields[] = {msg(1, "ingress", &kLoadBalancerIngress, R)};
constexpr Field kLoadBalancerIngressFields[] = {
    str(1, "ip"), str(2, "hostname"), str(4, "ipMode", P), msg(3, "ports", &kPortStatus, R)};
constexpr Field kPortStatusFields[] = {i32(1, "port", K), str(2, "protocol", K), str(3, "error", P)};

// ---- pods
constexpr Field kPodFields[] = {
    msg(1, "metadata", &kObjectMeta), msg(2, "spec", &kPodSpec), msg(3, "status", &kPodStatus)};
constexpr Field kPodTemplateSpecFields[] = {msg(1, "metadata", &kObjectMeta), msg(2, "spec", &kPodSpec)};
constexpr Field kPodSpecFields[] = {
    msg(1, "volumes", &kVolume, R), msg(20, "initContainers", &kContainer, R),
    msg(2, "containers", &kContainer, R | K), msg(34, "ephemeralContainers", &kEphemeralContainer, R),
    str(3, "restartPolicy"), i64(4, "terminationGracePeriodSeconds", P), i64(5, "activeDeadlineSeconds", P),
    str(6, "dnsPolicy"), smap(7, "nodeSelector"), str(8, "serviceAccountName"), str(9, "serviceAccount"),
    boolean(21, "automountServiceAccountToken", P), str(10, "nodeName"), boolean(11, "hostNetwork"),
    boolean(12, "hostPID"), boolean(13, "hostIPC"), boolean(27, "shareProcessNamespace", P),
    msg(14, "securityContext", &kPodSecurityContext, P), msg(15, "imagePullSecrets", &kLocalObjectReference, R),
    str(16, "hostname"), str(17, "subdomain"), msg(18, "affinity", &kAffinity, P), str(19, "schedulerName"),
    msg(22, "tolerations", &kToleration, R), msg(23, "hostAliases", &kHostAlias, R),
    str(24, "priorityClassName"), i32(25, "priority", P), msg(26, "dnsConfig", &kPodDNSConfig, P),
    msg(28, "readinessGates", &kPodReadinessGate, R), str(29, "runtimeClassName", P),
    boolean(30, "enableServiceLinks", P), str(31, "preemptionPolicy", P), qmap(32, "overhead"),
    msg(33, "topologySpreadConstraints", &kTopologySpreadConstraint, R), boolean(35, "setHostnameAsFQDN", P),
    msg(36, "os", &kPodOS, P), boolean(37, "hostUsers", P), msg(38, "schedulingGates", &kPodSchedulingGate, R),
    msg(40, "resources", &kResourceRequirements, P), str(41, "hostnameOverride", P)};
constexpr Field kEphemeralContainerFields[] = {inl(1, &kContainer), str(2, "targetContainerName")};
constexpr Field kPodReadinessGateFields[] = {str(1, "conditionType", K)};
constexpr Field kPodOSFields[] = {str(1, "name", K)};
constexpr Field kPodSchedulingGateFields[] = {str(1, "name", K)};
constexpr Field kPodStatusFields[] = {
    str(1, "phase"), msg(2, "conditions", &kPodCondition, R), str(3, "message"), str(4, "reason"),
    str(11, "nominatedNodeName"), str(5, "hostIP"), msg(16, "hostIPs", &kPodIP, R), str(6, "podIP"),
    msg(12, "podIPs", &kPodIP, R), tstamp(7, "startTime", P), str(9, "qosClass")};
constexpr Field kPodConditionFields[] = {
    str(1, "type", K), i64(7, "observedGeneration"), str(2, "status", K), tstamp(3, "lastProbeTime"),
    tstamp(4, "lastTransitionTime"), str(5, "reason"), str(6, "message")};
constexpr Field kPodIPFields[] = {str(1, "ip", K)};

// ---- containers
constexpr Field kContainerFields[] = {
    str(1, "name", K), str(2, "image"), str(3, "command", R), str(4, "args", R), str(5, "workingDir"),
    msg(6, "ports", &kContainerPort, R), msg(19, "envFrom", &kEnvFromSource, R), msg(7, "env", &kEnvVar, R),
    msg(8, "resources", &kResourceRequirements), msg(23, "resizePolicy", &kContainerResizePolicy, R),
    str(24, "restartPolicy", P), msg(9, "volumeMounts", &kVolumeMount, R),
    msg(21, "volumeDevices", &kVolumeDevice, R), msg(10, "livenessProbe", &kProbe, P),
    msg(11, "readinessProbe", &kProbe, P), msg(22, "startupProbe", &kProbe, P),
    msg(12, "lifecycle", &kLifecycle, P), str(13, "terminationMessagePath"),
    str(20, "terminationMessagePolicy"), str(14, "imagePullPolicy"),
    msg(15, "securityContext", &kSecurityContext, P), boolean(16, "stdin"), boolean(17, "stdinOnce"),
    boolean(18, "tty")};
constexpr Field kContainerPortFields[] = {
    str(1, "name"), i32(2, "hostPort"), i32(3, "containerPort", K), str(4, "protocol"), str(5, "hostIP")};
constexpr Field kEnvFromSourceFields[] = {
    str(1, "prefix"), msg(2, "configMapRef", &kEnvSource, P), msg(3, "secretRef", &kEnvSource, P)};
constexpr Field kEnvSourceFields[] = {inl(1, &kLocalObjectReference), boolean(2, "optional", P)};
constexpr Field kEnvVarFields[] = {str(1, "name", K), str(2, "value"), msg(3, "valueFrom", &kEnvVarSource, P)};
constexpr Field kEnvVarSourceFields[] = {
    msg(1, "fieldRef", &kObjectFieldSelector, P), msg(2, "resourceFieldRef", &kResourceFieldSelector, P),
    msg(3, "configMapKeyRef", &kKeySelector, P), msg(4, "secretKeyRef", &kKeySelector, P)};
constexpr Field kObjectFieldSelectorFields[] = {str(1, "apiVersion"), str(2, "fieldPath", K)};
constexpr Field kResourceFieldSelectorFields[] = {str(1, "containerName"), str(2, "resource", K), qty(3, "divisor")};
constexpr Field kKeySelectorFields[] = {inl(1, &kLocalObjectReference), str(2, "key", K), boolean(3, "optional", P)};
constexpr Field kResourceRequirementsFields[] = {
    qmap(1, "limits"), qmap(2, "requests"), msg(3, "claims", &kResourceClaim, R)};
constexpr Field kResourceClaimFields[] = {str(1, "name", K), str(2, "request")};
constexpr Field kContainerResizePolicyFields[] = {str(1, "resourceName", K), str(2, "restartPolicy", K)};
constexpr Field kVolumeMountFields[] = {
    str(1, "name", K), boolean(2, "readOnly"), str(7, "recursiveReadOnly", P), str(3, "mountPath", K),
    str(4, "subPath"), str(5, "mountPropagation", P), str(6, "subPathExpr")};
constexpr Field kVolumeDeviceFields[] = {str(1, "name", K), str(2, "devicePath", K)};
constexpr Field kProbeFields[] = {
    inl(1, &kProbeHandler), i32(2, "initialDelaySeconds"), i32(3, "timeoutSeconds"), i32(4, "periodSeconds"),
    i32(5, "successThreshold"), i32(6, "failureThreshold"), i64(7, "terminationGracePeriodSeconds", P)};
constexpr Field kProbeHandlerFields[] = {
    msg(1, "exec", &kExecAction, P), msg(2, "httpGet", &kHTTPGetAction, P),
    msg(3, "tcpSocket", &kTCPSocketAction, P), msg(4, "grpc", &kGRPCAction, P)};
constexpr Field kLifecycleFields[] = {
    msg(1, "postStart", &kLifecycleHandler, P), msg(2, "preStop", &kLifecycleHandler, P), str(3, "stopSignal", P)};
constexpr Field kLifecycleHandlerFields[] = {
    msg(1, "exec", &kExecAction, P), msg(2, "httpGet", &kHTTPGetAction, P),
    msg(3, "tcpSocket", &kTCPSocketAction, P), msg(4, "sleep", &kSleepAction, P)};
constexpr Field kExecActionFields[] = {str(1, "command", R)};
constexpr Field kHTTPGetActionFields[] = {
    str(1, "path"), ios(2, "port", K), str(3, "host"), str(4, "scheme"), msg(5, "httpHeaders", &kHTTPHeader, R)};
constexpr Field kHTTPHeaderFields[] = {str(1, "name", K), str(2, "value", K)};
constexpr Field kTCPSocketActionFields[] = {ios(1, "port", K), str(2, "host")};
constexpr Field kGRPCActionFields[] = {i32(1, "port", K), str(2, "service", P | K)};
constexpr Field kSleepActionFields[] = {i64(1, "seconds", K)};

constinit const Message kNamespaceSpec{"NamespaceSpec", kNamespaceSpecFields};
constinit const Message kNamespaceStatus{"NamespaceStatus", kNamespaceStatusFields};
constinit const Message kNamespaceCondition{"NamespaceCondition", kNamespaceConditionFields};
constinit const Message kObjectReference{"ObjectReference", kObjectReferenceFields};
constinit const Message kServiceSpec{"ServiceSpec", kServiceSpecFields};
constinit const Message kServicePort{"ServicePort", kServicePortFields};
constinit const Message kSessionAffinityConfig{"SessionAffinityConfig", kSessionAffinityConfigFields};
constinit const Message kClientIPConfig{"ClientIPConfig", kClientIPConfigFields};
constinit const Message kServiceStatus{"ServiceStatus", kServiceStatusFields};
constinit const Message kLoadBalancerStatus{"LoadBalancerStatus", kLoadBalancerStatusFields};
constinit const Message kLoadBalancerIngress{"LoadBalancerIngress", kLoadBalancerIngressFields};
constinit const Message kPortStatus{"PortStatus", kPortStatusFields};
constinit const Message kEphemeralContainer{"EphemeralContainer", kEphemeralContainerFields};
constinit const Message kPodReadinessGate{"PodReadinessGate", kPodReadinessGateFields};
constinit const Message kPodOS{"PodOS", kPodOSFields};
constinit const Message kPodSchedulingGate{"PodSchedulingGate", kPodSchedulingGateFields};
constinit const Message kPodStatus{"PodStatus", kPodStatusFields};
constinit const Message kPodCondition{"PodCondition", kPodConditionFields};
constinit const Message kPodIP{"PodIP", kPodIPFields};
constinit const Message kContainerPort{"ContainerPort", kContainerPortFields};
constinit const Message kEnvFromSource{"EnvFromSource", kEnvFromSourceFields};
constinit const Message kEnvSource{"ConfigMapEnvSource", kEnvSourceFields};
constinit const Message kEnvVar{"EnvVar", kEnvVarFields};
constinit const Message kEnvVarSource{"EnvVarSource", kEnvVarSourceFields};
constinit const Message kKeySelector{"KeySelector", kKeySelectorFields};
constinit const Message kResourceClaim{"ResourceClaim", kResourceClaimFields};
constinit const Message kContainerResizePolicy{"ContainerResizePolicy", kContainerResizePolicyFields};
constinit const Message kVolumeMount{"VolumeMount", kVolumeMountFields};
constinit const Message kVolumeDevice{"VolumeDevice", kVolumeDeviceFields};
constinit const Message kProbe{"Probe", kProbeFields};
constinit const Message kProbeHandler{"ProbeHandler", kProbeHandlerFields};
constinit const Message kLifecycle{"Lifecycle", kLifecycleFields};
constinit const Message kLifecycleHandler{"LifecycleHandler", kLifecycleHandlerFields};
constinit const Message kExecAction{"ExecAction", kExecActionFields};
constinit const Message kHTTPGetAction{"HTTPGetAction", kHTTPGetActionFields};
constinit const Message kHTTPHeader{"HTTPHeader", kHTTPHeaderFields};
constinit const Message kTCPSocketAction{"TCPSocketAction", kTCPSocketActionFields};
constinit const Message kGRPCAction{"GRPCAction", kGRPCActionFields};
constinit const Message kSleepAction{"SleepAction", kSleepActionFields};

}  // namespace

constinit const Message kNamespace{"Namespace", kNamespaceFields};
constinit const Message kConfigMap{"ConfigMap", kConfigMapFields};
constinit const Message kSecret{"Secret", kSecretFields};
constinit const Message kService{"Service", kServiceFields};
constinit const Message kServiceAccount{"ServiceAccount", kServiceAccountFields};
constinit const Message kLocalObjectReference{"LocalObjectReference", kLocalObjectReferenceFields};
constinit const Message kPod{"Pod", kPodFields};
constinit const Message kPodTemplateSpec{"PodTemplateSpec", kPodTemplateSpecFields};
constinit const Message kPodSpec{"PodSpec", kPodSpecFields};
constinit const Message kContainer{"Container", kContainerFields};
constinit const Message kObjectFieldSelector{"ObjectFieldSelector", kObjectFieldSelectorFields};
constinit const Message kResourceFieldSelector{"ResourceFieldSelector", kResourceFieldSelectorFields};
constinit const Message kResourceRequirements{"ResourceRequirements", kResourceRequirementsFields};

}  // namespace v6k::kube::proto
