// The protobuf schema of the supported Kubernetes kinds as tables: per message, field
// number -> JSON name, kind, Go JSON behaviour, nested message. Field numbers come from
// k8s.io/api core/v1 and apps/v1 and apimachinery meta/v1 generated.proto; the flags from
// the Go struct tags (`omitempty`, pointer or not). Internal to kube_proto.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace v6k::kube::proto {

enum class Kind : std::uint8_t {
  kString,
  kBytes,        // base64 in JSON
  kBool,
  kInt32,
  kInt64,
  kMessage,      // nested object
  kInline,       // embedded Go struct: its fields land in the parent object
  kMapString,    // map<string,string> as repeated {1: key, 2: value}
  kMapBytes,     // map<string,bytes>
  kMapQuantity,  // map<string,Quantity>
  kTime,         // metav1.Time {1: seconds, 2: nanos}
  kQuantity,     // resource.Quantity {1: string}
  kIntOrString,  // intstr.IntOrString {1: type, 2: intVal, 3: strVal}
};

// Go JSON behaviour of a field.
enum Flag : std::uint8_t {
  kOmitEmpty = 0,  // non-pointer with `omitempty`: zero values are dropped
  kRepeated = 1,
  kPtr = 2,        // Go pointer: present exactly when sent, even when zero
  kKeep = 4,       // no `omitempty`: a zero value is written (nil slices/maps/pointers as null)
};

struct Message;

struct Field {
  std::uint32_t number;
  const char* json;
  Kind kind;
  std::uint8_t flags;
  const Message* msg;  // kMessage / kInline only
};

struct Message {
  const char* name;
  std::span<const Field> fields;
};

constexpr Field str(std::uint32_t n, const char* j, std::uint8_t f = kOmitEmpty) { return {n, j, Kind::kString, f, nullptr}; }
constexpr Field bytes(std::uint32_t n, const char* j, std::uint8_t f = kOmitEmpty) { return {n, j, Kind::kBytes, f, nullptr}; }
constexpr Field boolean(std::uint32_t n, const char* j, std::uint8_t f = kOmitEmpty) { return {n, j, Kind::kBool, f, nullptr}; }
constexpr Field i32(std::uint32_t n, const char* j, std::uint8_t f = kOmitEmpty) { return {n, j, Kind::kInt32, f, nullptr}; }
constexpr Field i64(std::uint32_t n, const char* j, std::uint8_t f = kOmitEmpty) { return {n, j, Kind::kInt64, f, nullptr}; }
constexpr Field msg(std::uint32_t n, const char* j, const Message* m, std::uint8_t f = kOmitEmpty) { return {n, j, Kind::kMessage, f, m}; }
constexpr Field inl(std::uint32_t n, const Message* m) { return {n, "", Kind::kInline, kOmitEmpty, m}; }
constexpr Field smap(std::uint32_t n, const char* j) { return {n, j, Kind::kMapString, kOmitEmpty, nullptr}; }
constexpr Field bmap(std::uint32_t n, const char* j) { return {n, j, Kind::kMapBytes, kOmitEmpty, nullptr}; }
constexpr Field qmap(std::uint32_t n, const char* j) { return {n, j, Kind::kMapQuantity, kOmitEmpty, nullptr}; }
constexpr Field tstamp(std::uint32_t n, const char* j, std::uint8_t f = kOmitEmpty) { return {n, j, Kind::kTime, f, nullptr}; }
constexpr Field qty(std::uint32_t n, const char* j, std::uint8_t f = kOmitEmpty) { return {n, j, Kind::kQuantity, f, nullptr}; }
constexpr Field ios(std::uint32_t n, const char* j, std::uint8_t f = kOmitEmpty) { return {n, j, Kind::kIntOrString, f, nullptr}; }

constexpr std::uint8_t R = kRepeated, P = kPtr, K = kKeep;

// meta/v1
extern const Message kObjectMeta, kOwnerReference, kLabelSelector, kLabelSelectorRequirement, kCondition;
// core/v1 objects
extern const Message kNamespace, kConfigMap, kSecret, kService, kServiceAccount, kPod;
extern const Message kPodTemplateSpec, kPodSpec, kContainer, kVolume, kLocalObjectReference,
    kObjectFieldSelector, kResourceFieldSelector, kKeyToPath, kResourceRequirements;
extern const Message kAffinity, kPodSecurityContext, kSecurityContext, kToleration, kHostAlias,
    kPodDNSConfig, kTopologySpreadConstraint;
// apps/v1
extern const Message kDeployment;

// The top-level message for apiVersion/kind, or nullptr when not supported.
const Message* find_kind(std::string_view api_version, std::string_view kind);

}  // namespace v6k::kube::proto
