// The known-field schema of the stored kinds, as data. One type per line:
//
//   TypeName: field field:Type field:[Type] +OtherType
//
//   field         a leaf: scalar, list of scalars, string map, or free-form value;
//                 its content is not checked
//   field:Type    an object of Type, checked recursively
//   field:[Type]  a list of Type objects
//   +OtherType    also accepts every field of OtherType
//
// Field names follow the upstream v1 JSON tags (k8s.io/api core/v1, apps/v1,
// discovery/v1, meta/v1 at 1.32), with the rarely written volume plug-ins as leaves.
#include "kube/validation/schema_internal.h"

namespace v6k::kube::detail {

const char* const kSchemaText = R"(
Kind.Pod: apiVersion kind metadata:ObjectMeta spec:PodSpec status:PodStatus
Kind.Service: apiVersion kind metadata:ObjectMeta spec:ServiceSpec status:ServiceStatus
Kind.Namespace: apiVersion kind metadata:ObjectMeta spec:NamespaceSpec status:NamespaceStatus
Kind.Node: apiVersion kind metadata:ObjectMeta spec:NodeSpec status:NodeStatus
Kind.Endpoints: apiVersion kind metadata:ObjectMeta subsets:[EndpointSubset]
Kind.Event: apiVersion kind metadata:ObjectMeta involvedObject:ObjectReference reason message source:EventSource firstTimestamp lastTimestamp count type eventTime series:EventSeries action related:ObjectReference reportingComponent reportingInstance
Kind.ConfigMap: apiVersion kind metadata:ObjectMeta data binaryData immutable
Kind.Secret: apiVersion kind metadata:ObjectMeta data stringData type immutable
Kind.ServiceAccount: apiVersion kind metadata:ObjectMeta secrets:[ObjectReference] imagePullSecrets:[LocalObjectReference] automountServiceAccountToken
Kind.apps.Deployment: apiVersion kind metadata:ObjectMeta spec:DeploymentSpec status:DeploymentStatus
Kind.apps.ReplicaSet: apiVersion kind metadata:ObjectMeta spec:ReplicaSetSpec status:ReplicaSetStatus
Kind.discovery.k8s.io.EndpointSlice: apiVersion kind metadata:ObjectMeta addressType endpoints:[Endpoint] ports:[EndpointSlicePort]

ObjectMeta: name generateName namespace selfLink uid resourceVersion generation creationTimestamp deletionTimestamp deletionGracePeriodSeconds labels annotations ownerReferences:[OwnerReference] finalizers managedFields:[ManagedFieldsEntry]
OwnerReference: apiVersion kind name uid controller blockOwnerDeletion
ManagedFieldsEntry: manager operation apiVersion time fieldsType fieldsV1 subresource
LabelSelector: matchLabels matchExpressions:[LabelSelectorRequirement]
LabelSelectorRequirement: key operator values
Condition: type status observedGeneration lastTransitionTime reason message
ObjectReference: kind namespace name uid apiVersion resourceVersion fieldPath
LocalObjectReference: name

PodTemplateSpec: metadata:ObjectMeta spec:PodSpec
PodSpec: volumes:[Volume] initContainers:[Container] containers:[Container] ephemeralContainers:[EphemeralContainer] restartPolicy terminationGracePeriodSeconds activeDeadlineSeconds dnsPolicy nodeSelector serviceAccountName serviceAccount automountServiceAccountToken nodeName hostNetwork hostPID hostIPC shareProcessNamespace securityContext:PodSecurityContext imagePullSecrets:[LocalObjectReference] hostname subdomain affinity:Affinity schedulerName tolerations:[Toleration] hostAliases:[HostAlias] priorityClassName priority dnsConfig:PodDNSConfig readinessGates:[PodReadinessGate] runtimeClassName enableServiceLinks preemptionPolicy overhead topologySpreadConstraints:[TopologySpreadConstraint] setHostnameAsFQDN os:PodOS hostUsers schedulingGates:[PodSchedulingGate] resourceClaims:[PodResourceClaim] resources:ResourceRequirements
Container: name image command args workingDir ports:[ContainerPort] envFrom:[EnvFromSource] env:[EnvVar] resources:ResourceRequirements resizePolicy:[ContainerResizePolicy] restartPolicy volumeMounts:[VolumeMount] volumeDevices:[VolumeDevice] livenessProbe:Probe readinessProbe:Probe startupProbe:Probe lifecycle:Lifecycle terminationMessagePath terminationMessagePolicy imagePullPolicy securityContext:SecurityContext stdin stdinOnce tty
EphemeralContainer: +Container targetContainerName
ContainerPort: name hostPort containerPort protocol hostIP
EnvFromSource: prefix configMapRef:OptionalRef secretRef:OptionalRef
OptionalRef: name optional
EnvVar: name value valueFrom:EnvVarSource
EnvVarSource: fieldRef:ObjectFieldSelector resourceFieldRef:ResourceFieldSelector configMapKeyRef:KeySelector secretKeyRef:KeySelector
ObjectFieldSelector: apiVersion fieldPath
ResourceFieldSelector: containerName resource divisor
KeySelector: name key optional
ResourceRequirements: limits requests claims:[ResourceClaim]
ResourceClaim: name request
ContainerResizePolicy: resourceName restartPolicy
VolumeMount: name readOnly recursiveReadOnly mountPath subPath mountPropagation subPathExpr
VolumeDevice: name devicePath
Probe: +ProbeHandler initialDelaySeconds timeoutSeconds periodSeconds successThreshold failureThreshold terminationGracePeriodSeconds
ProbeHandler: exec:ExecAction httpGet:HTTPGetAction tcpSocket:TCPSocketAction grpc:GRPCAction
ExecAction: command
HTTPGetAction: path port host scheme httpHeaders:[HTTPHeader]
HTTPHeader: name value
TCPSocketAction: port host
GRPCAction: port service
Lifecycle: postStart:LifecycleHandler preStop:LifecycleHandler stopSignal
LifecycleHandler: exec:ExecAction httpGet:HTTPGetAction tcpSocket:TCPSocketAction sleep:SleepAction
SleepAction: seconds
SecurityContext: capabilities:Capabilities privileged seLinuxOptions:SELinuxOptions windowsOptions:WindowsOptions runAsUser runAsGroup runAsNonRoot readOnlyRootFilesystem allowPrivilegeEscalation procMount seccompProfile:SeccompProfile appArmorProfile:SeccompProfile
Capabilities: add drop
SELinuxOptions: user role type level
WindowsOptions: gmsaCredentialSpecName gmsaCredentialSpec runAsUserName hostProcess
SeccompProfile: type localhostProfile
PodSecurityContext: seLinuxOptions:SELinuxOptions windowsOptions:WindowsOptions runAsUser runAsGroup runAsNonRoot supplementalGroups supplementalGroupsPolicy fsGroup sysctls:[NameValue] fsGroupChangePolicy seccompProfile:SeccompProfile appArmorProfile:SeccompProfile seLinuxChangePolicy
NameValue: name value
HostAlias: ip hostnames
PodDNSConfig: nameservers searches options:[NameValue]
PodReadinessGate: conditionType
PodOS: name
PodSchedulingGate: name
PodResourceClaim: name resourceClaimName resourceClaimTemplateName
Toleration: key operator value effect tolerationSeconds
TopologySpreadConstraint: maxSkew topologyKey whenUnsatisfiable labelSelector:LabelSelector minDomains nodeAffinityPolicy nodeTaintsPolicy matchLabelKeys
Affinity: nodeAffinity:NodeAffinity podAffinity:PodAffinity podAntiAffinity:PodAffinity
NodeAffinity: requiredDuringSchedulingIgnoredDuringExecution:NodeSelector preferredDuringSchedulingIgnoredDuringExecution:[PreferredSchedulingTerm]
NodeSelector: nodeSelectorTerms:[NodeSelectorTerm]
NodeSelectorTerm: matchExpressions:[NodeSelectorRequirement] matchFields:[NodeSelectorRequirement]
NodeSelectorRequirement: key operator values
PreferredSchedulingTerm: weight preference:NodeSelectorTerm
PodAffinity: requiredDuringSchedulingIgnoredDuringExecution:[PodAffinityTerm] preferredDuringSchedulingIgnoredDuringExecution:[WeightedPodAffinityTerm]
PodAffinityTerm: labelSelector:LabelSelector namespaces topologyKey namespaceSelector:LabelSelector matchLabelKeys mismatchLabelKeys
WeightedPodAffinityTerm: weight podAffinityTerm:PodAffinityTerm

Volume: name hostPath:HostPathVolumeSource emptyDir:EmptyDirVolumeSource secret:SecretVolumeSource configMap:ConfigMapVolumeSource persistentVolumeClaim:PVCVolumeSource projected:ProjectedVolumeSource downwardAPI:DownwardAPIVolumeSource nfs:NFSVolumeSource csi:CSIVolumeSource image:ImageVolumeSource ephemeral awsElasticBlockStore gcePersistentDisk gitRepo iscsi glusterfs rbd flexVolume cinder cephfs flocker fc azureFile azureDisk vsphereVolume quobyte photonPersistentDisk portworxVolume scaleIO storageos
HostPathVolumeSource: path type
EmptyDirVolumeSource: medium sizeLimit
KeyToPath: key path mode
SecretVolumeSource: secretName items:[KeyToPath] defaultMode optional
ConfigMapVolumeSource: name items:[KeyToPath] defaultMode optional
PVCVolumeSource: claimName readOnly
DownwardAPIVolumeSource: items:[DownwardAPIVolumeFile] defaultMode
DownwardAPIVolumeFile: path fieldRef:ObjectFieldSelector resourceFieldRef:ResourceFieldSelector mode
ProjectedVolumeSource: sources:[VolumeProjection] defaultMode
VolumeProjection: secret:KeyProjection configMap:KeyProjection downwardAPI:DownwardAPIProjection serviceAccountToken:ServiceAccountTokenProjection clusterTrustBundle
KeyProjection: name items:[KeyToPath] optional
DownwardAPIProjection: items:[DownwardAPIVolumeFile]
ServiceAccountTokenProjection: audience expirationSeconds path
NFSVolumeSource: server path readOnly
CSIVolumeSource: driver readOnly fsType volumeAttributes nodePublishSecretRef:LocalObjectReference
ImageVolumeSource: reference pullPolicy

PodStatus: phase conditions:[PodCondition] message reason nominatedNodeName hostIP hostIPs:[IPEntry] podIP podIPs:[IPEntry] startTime initContainerStatuses:[ContainerStatus] containerStatuses:[ContainerStatus] qosClass ephemeralContainerStatuses:[ContainerStatus] resize resourceClaimStatuses
PodCondition: type status lastProbeTime lastTransitionTime reason message
IPEntry: ip
ContainerStatus: name state:ContainerState lastState:ContainerState ready restartCount image imageID containerID started allocatedResources resources:ResourceRequirements volumeMounts:[VolumeMountStatus] user allocatedResourcesStatus
ContainerState: waiting:ContainerStateWaiting running:ContainerStateRunning terminated:ContainerStateTerminated
ContainerStateWaiting: reason message
ContainerStateRunning: startedAt
ContainerStateTerminated: exitCode signal reason message startedAt finishedAt containerID
VolumeMountStatus: name mountPath readOnly recursiveReadOnly

ServiceSpec: ports:[ServicePort] selector clusterIP clusterIPs type externalIPs sessionAffinity loadBalancerIP loadBalancerSourceRanges externalName externalTrafficPolicy healthCheckNodePort publishNotReadyAddresses sessionAffinityConfig:SessionAffinityConfig ipFamilies ipFamilyPolicy allocateLoadBalancerNodePorts loadBalancerClass internalTrafficPolicy trafficDistribution
ServicePort: name protocol appProtocol port targetPort nodePort
SessionAffinityConfig: clientIP:ClientIPConfig
ClientIPConfig: timeoutSeconds
ServiceStatus: loadBalancer:LoadBalancerStatus conditions:[Condition]
LoadBalancerStatus: ingress:[LoadBalancerIngress]
LoadBalancerIngress: ip hostname ipMode ports:[PortStatus]
PortStatus: port protocol error

DeploymentSpec: replicas selector:LabelSelector template:PodTemplateSpec strategy:DeploymentStrategy minReadySeconds revisionHistoryLimit paused progressDeadlineSeconds
DeploymentStrategy: type rollingUpdate:RollingUpdateDeployment
RollingUpdateDeployment: maxUnavailable maxSurge
DeploymentStatus: observedGeneration replicas updatedReplicas readyReplicas availableReplicas unavailableReplicas terminatingReplicas conditions:[WorkloadCondition] collisionCount
WorkloadCondition: type status lastUpdateTime lastTransitionTime reason message
ReplicaSetSpec: replicas minReadySeconds selector:LabelSelector template:PodTemplateSpec
ReplicaSetStatus: replicas fullyLabeledReplicas readyReplicas availableReplicas terminatingReplicas observedGeneration conditions:[WorkloadCondition]

NamespaceSpec: finalizers
NamespaceStatus: phase conditions:[PodCondition]

NodeSpec: podCIDR podCIDRs providerID unschedulable taints:[Taint] configSource externalID
Taint: key value effect timeAdded
NodeStatus: capacity allocatable phase conditions:[NodeCondition] addresses:[NodeAddress] daemonEndpoints:NodeDaemonEndpoints nodeInfo:NodeSystemInfo images:[ContainerImage] volumesInUse volumesAttached:[AttachedVolume] config runtimeHandlers:[NodeRuntimeHandler] features:NodeFeatures
NodeCondition: type status lastHeartbeatTime lastTransitionTime reason message
NodeAddress: type address
NodeDaemonEndpoints: kubeletEndpoint:DaemonEndpoint
DaemonEndpoint: Port
NodeSystemInfo: machineID systemUUID bootID kernelVersion osImage containerRuntimeVersion kubeletVersion kubeProxyVersion operatingSystem architecture swap
ContainerImage: names sizeBytes
AttachedVolume: name devicePath
NodeRuntimeHandler: name features
NodeFeatures: supplementalGroupsPolicy

EndpointSubset: addresses:[EndpointAddress] notReadyAddresses:[EndpointAddress] ports:[EndpointPort]
EndpointAddress: ip hostname nodeName targetRef:ObjectReference
EndpointPort: name port protocol appProtocol
Endpoint: addresses conditions:EndpointConditions hostname targetRef:ObjectReference deprecatedTopology nodeName zone hints:EndpointHints
EndpointConditions: ready serving terminating
EndpointHints: forZones:[LocalObjectReference] forNodes:[LocalObjectReference]
EndpointSlicePort: name protocol port appProtocol

EventSource: component host
EventSeries: count lastObservedTime
)";

}  // namespace v6k::kube::detail
