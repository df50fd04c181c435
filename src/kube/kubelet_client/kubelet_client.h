// The API server's side of `kubectl logs` and `kubectl exec`: PodStreams that reach the
// pod's node agent (its kubelet endpoint), as kube-apiserver's LogLocation/streamLocation
// and its upgrade-aware proxy do.
//
//   ApiServerOptions o = ...;
//   o.pod_streams = kube::make_kubelet_pod_streams({
//       .get_node = [&](const std::string& n) { return read_node(n); },   // Node JSON or ApiError
//       .token = kubelet_client_token});           // a token the API server itself accepts
//
// For a pod bound to node N: the Node's status.daemonEndpoints.kubeletEndpoint.Port on
// kubelet_host ("::1": every node agent is a process of this machine's root namespace),
// over HTTPS with `Authorization: Bearer <token>` (the kubelet asks the API server who
// that is with a TokenReview):
//  - logs: GET /containerLogs/<ns>/<pod>/<container>?follow=true&previous=true&
//    timestamps=true&tailLines=N&limitBytes=N&sinceSeconds=N&sinceTime=T; the kubelet's
//    answer is relayed (streamed with follow); its errors become Status errors the way
//    upstream's GenericHttpResponseChecker maps them (400 → BadRequest with its text).
//  - exec/attach: a WebSocket (v5.channel.k8s.io) to /exec/<ns>/<pod>/<container>?
//    command=..&input=1&output=1&error=1&tty=1 (or /attach/...), frames relayed both
//    ways; the kubelet's Status frame ends the session with its exit code.
// A node that is missing or publishes no port, or a kubelet that cannot be dialed, is
// "error dialing backend: ...".
//
// The kubelet's certificate is self-signed: it is trusted on first use (peer_cert.h),
// which is no weaker than upstream's default of not verifying it at all.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "kube/apiserver/apiserver.h"
#include "kube/client/client.h"

namespace v6k::kube {

struct KubeletClientOptions {
  // The Node by name as the API server sees it, or the Status of that GET.
  std::function<KubeResult<nlohmann::json>(const std::string& node)> get_node;
  std::string token;                  // bearer token presented to kubelets
  std::string kubelet_host = "::1";   // where node agents listen
  std::chrono::milliseconds dial_timeout{5000};
};

PodStreams make_kubelet_pod_streams(KubeletClientOptions options);

}  // namespace v6k::kube
