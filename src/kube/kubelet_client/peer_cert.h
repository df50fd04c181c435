// The trust anchor a kubelet presents, fetched without verifying it (trust on first use).
//
// Upstream's API server does not verify kubelet serving certificates by default
// (--kubelet-certificate-authority unset), because kubelets make their own self-signed
// ones. Our HTTPS clients always verify, so the kubelet client first reads the chain the
// kubelet presents and then trusts its last certificate (the kubelet's self-signed CA)
// for the real connection, which still checks the host name and the chain.
//
//   auto ca = kube::fetch_peer_anchor("::1", 10250, std::chrono::seconds(5));
//   http::ClientTls tls{.ca_pem = *ca};
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/result.h"

namespace v6k::kube {

// PEM of the last certificate of the chain the TLS server at [host]:port presents (the
// root it was issued from, or the leaf itself when it is alone). `host` is an address
// literal. ECONNREFUSED, ETIMEDOUT, ... when the server cannot be reached.
Result<std::string> fetch_peer_anchor(const std::string& host, uint16_t port, std::chrono::milliseconds timeout);

}  // namespace v6k::kube
