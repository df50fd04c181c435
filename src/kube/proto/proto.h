// Decoding of the protobuf request bodies kubectl 1.32 sends for `create namespace`,
// `create deployment`, `create configmap|secret|service|serviceaccount` and friends
// (Content-Type: application/vnd.kubernetes.protobuf) into the JSON object Kubernetes
// would serialize for the same Go struct.
//
//   auto obj = kube::decode_protobuf_object(body);
//   if (!obj) return obj.error().code() == ENOTSUP ? reply(415, ...) : reply(400, ...);
//   (*obj)["metadata"]["name"]   // "web"
//
// Envelope: "k8s\0" + runtime.Unknown{1: TypeMeta{1: apiVersion, 2: kind}, 2: raw,
// 3: contentEncoding, 4: contentType}; raw is the object's own message (k8s.io/api
// generated.proto). Supported: v1 Namespace, ConfigMap, Secret, Service, ServiceAccount, Pod;
// apps/v1 Deployment, and what they nest (see schema_*.cc). Unknown field numbers are
// skipped, as upstream's decoder does.
//
// JSON shape follows Go's encoding/json of the struct: zero values of `omitempty` fields are
// dropped, non-omitempty ones kept (a Container's "name", a ContainerPort's "containerPort",
// a struct-valued field such as "status": {}), pointer fields appear exactly when sent
// (Deployment spec.replicas 0 stays 0). Bytes are base64, IntOrString a number or string,
// Quantity its string, Time an RFC 3339 UTC string (a zero Time is omitted). Strings that
// are not UTF-8 get U+FFFD for bad bytes, as Go's encoder does.
//
// Errors: ENOTSUP with "protobuf is not supported for <apiVersion>/<kind>; send JSON" for
// other kinds (answer 415); EINVAL for malformed bodies (missing magic, truncated varint or
// length, wrong wire type for a known field, groups, nesting deeper than 64, ...).
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "common/result.h"

namespace v6k::kube {

Result<nlohmann::json> decode_protobuf_object(std::string_view body);

}  // namespace v6k::kube
