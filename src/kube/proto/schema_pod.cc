// core/v1 tables for the rest of PodSpec: volumes (the common sources), scheduling
// (affinity, tolerations, topology spread) and security contexts.
#include "kube/proto/schema.h"

namespace v6k::kube::proto {
namespace {

extern const Message kVolumeSource, kHostPathVolumeSource, kEmptyDirVolumeSource,
    kSecretVolumeSource, kNFSVolumeSource, kPVCVolumeSource, kDownwardAPIVolumeSource,
    kDownwardAPIVolumeFile, kConfigMapVolumeSource, kProjectedVolumeSource, kVolumeProjection,
    kSecretProjection, kDownwardAPIProjection, kConfigMapProjection, kServiceAccountTokenProjection,
    kCSIVolumeSource, kImageVolumeSource, kNodeAffinity, kNodeSelector, kNodeSelectorTerm,
    kNodeSelectorRequirement, kPreferredSchedulingTerm, kPodAffinity, kPodAffinityTerm,
    kWeightedPodAffinityTerm, kSELinuxOptions, kWindowsOptions, kSysctl, kSeccompProfile,
    kAppArmorProfile, kCapabilities, kPodDNSConfigOption;

// ---- volumes (other in-tree sources are skipped as unknown fields)
constexpr Field kVolumeFields[] = {str(1, "name", K), inl(2, &kVolumeSource)};
constexpr Field kVolumeSourceFields[] = {
    msg(1, "hostPath", &kHostPathVolumeSource, P), msg(2, "emptyDir", &kEmptyDirVolumeSource, P),
    msg(6, "secret", &kSecretVolumeSource, P), msg(7, "nfs", &kNFSVolumeSource, P),
    msg(10, "persistentVolumeClaim", &kPVCVolumeSource, P),
    msg(16, "downwardAPI", &kDownwardAPIVolumeSource, P), msg(19, "configMap", &kConfigMapVolumeSource, P),
    msg(26, "projected", &kProjectedVolumeSource, P), msg(28, "csi", &kCSIVolumeSource, P),
    msg(30, "image", &kImageVolumeSource, P)};
constexpr Field kHostPathVolumeSourceFields[] = {str(1, "path", K), str(2, "type", P)};
constexpr Field kEmptyDirVolumeSourceFields[] = {str(1, "medium"), qty(2, "sizeLimit", P)};
constexpr Field kSecretVolumeSourceFields[] = {
    str(1, "secretName"), msg(2, "items", &kKeyToPath, R), i32(3, "defaultMode", P), boolean(4, "optional", P)};
constexpr Field kKeyToPathFields[] = {str(1, "key", K), str(2, "path", K), i32(3, "mode", P)};
constexpr Field kNFSVolumeSourceFields[] = {str(1, "server", K), str(2, "path", K), boolean(3, "readOnly")};
constexpr Field kPVCVolumeSourceFields[] = {str(1, "claimName", K), boolean(2, "readOnly")};
constexpr Field kDownwardAPIVolumeSourceFields[] = {
    msg(1, "items", &kDownwardAPIVolumeFile, R), i32(2, "defaultMode", P)};
constexpr Field kDownwardAPIVolumeFileFields[] = {
    str(1, "path", K), msg(2, "fieldRef", &kObjectFieldSelector, P),
    msg(3, "resourceFieldRef", &kResourceFieldSelector, P), i32(4, "mode", P)};
constexpr Field kConfigMapVolumeSourceFields[] = {
    inl(1, &kLocalObjectReference), msg(2, "items", &kKeyToPath, R), i32(3, "defaultMode", P),
    boolean(4, "optional", P)};
constexpr Field kProjectedVolumeSourceFields[] = {
    msg(1, "sources", &kVolumeProjection, R | K), i32(2, "defaultMode", P)};
constexpr Field kVolumeProjectionFields[] = {
    msg(1, "secret", &kSecretProjection, P), msg(2, "downwardAPI", &kDownwardAPIProjection, P),
    msg(3, "configMap", &kConfigMapProjection, P),
    msg(4, "serviceAccountToken", &kServiceAccountTokenProjection, P)};
constexpr Field kKeyProjectionFields[] = {
    inl(1, &kLocalObjectReference), msg(2, "items", &kKeyToPath, R), boolean(4, "optional", P)};
constexpr Field kDownwardAPIProjectionFields[] = {msg(1, "items", &kDownwardAPIVolumeFile, R)};
constexpr Field kServiceAccountTokenProjectionFields[] = {
    str(1, "audience"), i64(2, "expirationSeconds", P), str(3, "path", K)};
constexpr Field kCSIVolumeSourceFields[] = {
    str(1, "driver", K), boolean(2, "readOnly", P), str(3, "fsType", P), smap(4, "volumeAttributes"),
    msg(5, "nodePublishSecretRef", &kLocalObjectReference, P)};
constexpr Field kImageVolumeSourceFields[] = {str(1, "reference"), str(2, "pullPolicy")};

// ---- scheduling
constexpr Field kAffinityFields[] = {
    msg(1, "nodeAffinity", &kNodeAffinity, P), msg(2, "podAffinity", &kPodAffinity, P),
    msg(3, "podAntiAffinity", &kPodAffinity, P)};
constexpr Field kNodeAffinityFields[] = {
    msg(1, "requiredDuringSchedulingIgnoredDuringExecution", &kNodeSelector, P),
    msg(2, "preferredDuringSchedulingIgnoredDuringExecution", &kPreferredSchedulingTerm, R)};
constexpr Field kNodeSelectorFields[] = {msg(1, "nodeSelectorTerms", &kNodeSelectorTerm, R | K)};
constexpr Field kNodeSelectorTermFields[] = {
    msg(1, "matchExpressions", &kNodeSelectorRequirement, R), msg(2, "matchFields", &kNodeSelectorRequirement, R)};
constexpr Field kNodeSelectorRequirementFields[] = {str(1, "key", K), str(2, "operator", K), str(3, "values", R)};
constexpr Field kPreferredSchedulingTermFields[] = {i32(1, "weight", K), msg(2, "preference", &kNodeSelectorTerm)};
// PodAntiAffinity has the same shape and numbers as PodAffinity.
constexpr Field kPodAffinityFields[] = {
    msg(1, "requiredDuringSchedulingIgnoredDuringExecution", &kPodAffinityTerm, R),
    msg(2, "preferredDuringSchedulingIgnoredDuringExecution", &kWeightedPodAffinityTerm, R)};
constexpr Field kPodAffinityTermFields[] = {
    msg(1, "labelSelector", &kLabelSelector, P), str(2, "namespaces", R), str(3, "topologyKey", K),
    msg(4, "namespaceSelector", &kLabelSelector, P), str(5, "matchLabelKeys", R),
    str(6, "mismatchLabelKeys", R)};
constexpr Field kWeightedPodAffinityTermFields[] = {
    i32(1, "weight", K), msg(2, "podAffinityTerm", &kPodAffinityTerm)};
constexpr Field kTolerationFields[] = {
    str(1, "key"), str(2, "operator"), str(3, "value"), str(4, "effect"), i64(5, "tolerationSeconds", P)};
constexpr Field kTopologySpreadConstraintFields[] = {
    i32(1, "maxSkew", K), str(2, "topologyKey", K), str(3, "whenUnsatisfiable", K),
    msg(4, "labelSelector", &kLabelSelector, P), i32(5, "minDomains", P), str(6, "nodeAffinityPolicy", P),
    str(7, "nodeTaintsPolicy", P), str(8, "matchLabelKeys", R)};
constexpr Field kHostAliasFields[] = {str(1, "ip", K), str(2, "hostnames", R)};
constexpr Field kPodDNSConfigFields[] = {
    str(1, "nameservers", R), str(2, "searches", R), msg(3, "options", &kPodDNSConfigOption, R)};
constexpr Field kPodDNSConfigOptionFields[] = {str(1, "name"), str(2, "value", P)};

// ---- security
constexpr Field kPodSecurityContextFields[] = {
    msg(1, "seLinuxOptions", &kSELinuxOptions, P), msg(8, "windowsOptions", &kWindowsOptions, P),
    i64(2, "runAsUser", P), i64(6, "runAsGroup", P), boolean(3, "runAsNonRoot", P),
    i64(4, "supplementalGroups", R), str(12, "supplementalGroupsPolicy", P), i64(5, "fsGroup", P),
    msg(7, "sysctls", &kSysctl, R), str(9, "fsGroupChangePolicy", P),
    msg(10, "seccompProfile", &kSeccompProfile, P), msg(11, "appArmorProfile", &kAppArmorProfile, P),
    str(13, "seLinuxChangePolicy", P)};
constexpr Field kSecurityContextFields[] = {
    msg(1, "capabilities", &kCapabilities, P), boolean(2, "privileged", P),
    msg(3, "seLinuxOptions", &kSELinuxOptions, P), msg(10, "windowsOptions", &kWindowsOptions, P),
    i64(4, "runAsUser", P), i64(8, "runAsGroup", P), boolean(5, "runAsNonRoot", P),
    boolean(6, "readOnlyRootFilesystem", P), boolean(7, "allowPrivilegeEscalation", P),
    str(9, "procMount", P), msg(11, "seccompProfile", &kSeccompProfile, P),
    msg(12, "appArmorProfile", &kAppArmorProfile, P)};
constexpr Field kCapabilitiesFields[] = {str(1, "add", R), str(2, "drop", R)};
constexpr Field kSELinuxOptionsFields[] = {str(1, "user"), str(2, "role"), str(3, "type"), str(4, "level")};
constexpr Field kWindowsOptionsFields[] = {
    str(1, "gmsaCredentialSpecName", P), str(2, "gmsaCredentialSpec", P), str(3, "runAsUserName", P),
    boolean(4, "hostProcess", P)};
constexpr Field kSysctlFields[] = {str(1, "name", K), str(2, "value", K)};
constexpr Field kSeccompProfileFields[] = {str(1, "type", K), str(2, "localhostProfile", P)};

constinit const Message kVolumeSource{"VolumeSource", kVolumeSourceFields};
constinit const Message kHostPathVolumeSource{"HostPathVolumeSource", kHostPathVolumeSourceFields};
constinit const Message kEmptyDirVolumeSource{"EmptyDirVolumeSource", kEmptyDirVolumeSourceFields};
constinit const Message kSecretVolumeSource{"SecretVolumeSource", kSecretVolumeSourceFields};
constinit const Message kNFSVolumeSource{"NFSVolumeSource", kNFSVolumeSourceFields};
constinit const Message kPVCVolumeSource{"PersistentVolumeClaimVolumeSource", kPVCVolumeSourceFields};
constinit const Message kDownwardAPIVolumeSource{"DownwardAPIVolumeSource", kDownwardAPIVolumeSourceFields};
constinit const Message kDownwardAPIVolumeFile{"DownwardAPIVolumeFile", kDownwardAPIVolumeFileFields};
constinit const Message kConfigMapVolumeSource{"ConfigMapVolumeSource", kConfigMapVolumeSourceFields};
constinit const Message kProjectedVolumeSource{"ProjectedVolumeSource", kProjectedVolumeSourceFields};
constinit const Message kVolumeProjection{"VolumeProjection", kVolumeProjectionFields};
constinit const Message kSecretProjection{"SecretProjection", kKeyProjectionFields};
constinit const Message kDownwardAPIProjection{"DownwardAPIProjection", kDownwardAPIProjectionFields};
constinit const Message kConfigMapProjection{"ConfigMapProjection", kKeyProjectionFields};
constinit const Message kServiceAccountTokenProjection{"ServiceAccountTokenProjection", kServiceAccountTokenProjectionFields};
constinit const Message kCSIVolumeSource{"CSIVolumeSource", kCSIVolumeSourceFields};
constinit const Message kImageVolumeSource{"ImageVolumeSource", kImageVolumeSourceFields};
constinit const Message kNodeAffinity{"NodeAffinity", kNodeAffinityFields};
constinit const Message kNodeSelector{"NodeSelector", kNodeSelectorFields};
constinit const Message kNodeSelectorTerm{"NodeSelectorTerm", kNodeSelectorTermFields};
constinit const Message kNodeSelectorRequirement{"NodeSelectorRequirement", kNodeSelectorRequirementFields};
constinit const Message kPreferredSchedulingTerm{"PreferredSchedulingTerm", kPreferredSchedulingTermFields};
constinit const Message kPodAffinity{"PodAffinity", kPodAffinityFields};
constinit const Message kPodAffinityTerm{"PodAffinityTerm", kPodAffinityTermFields};
constinit const Message kWeightedPodAffinityTerm{"WeightedPodAffinityTerm", kWeightedPodAffinityTermFields};
constinit const Message kSELinuxOptions{"SELinuxOptions", kSELinuxOptionsFields};
constinit const Message kWindowsOptions{"WindowsSecurityContextOptions", kWindowsOptionsFields};
constinit const Message kSysctl{"Sysctl", kSysctlFields};
constinit const Message kSeccompProfile{"SeccompProfile", kSeccompProfileFields};
constinit const Message kAppArmorProfile{"AppArmorProfile", kSeccompProfileFields};
constinit const Message kCapabilities{"Capabilities", kCapabilitiesFields};
constinit const Message kPodDNSConfigOption{"PodDNSConfigOption", kPodDNSConfigOptionFields};

}  // namespace

constinit const Message kVolume{"Volume", kVolumeFields};
constinit const Message kKeyToPath{"KeyToPath", kKeyToPathFields};
constinit const Message kAffinity{"Affinity", kAffinityFields};
constinit const Message kPodSecurityContext{"PodSecurityContext", kPodSecurityContextFields};
constinit const Message kSecurityContext{"SecurityContext", kSecurityContextFields};
constinit const Message kToleration{"Toleration", kTolerationFields};
constinit const Message kHostAlias{"HostAlias", kHostAliasFields};
constinit const Message kPodDNSConfig{"PodDNSConfig", kPodDNSConfigFields};
constinit const Message kTopologySpreadConstraint{"TopologySpreadConstraint", kTopologySpreadConstraintFields};

}  // namespace v6k::kube::proto
