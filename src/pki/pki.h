// A tiny X.509 PKI for per-cluster Kubernetes API servers: one self-signed CA per cluster,
// serving certificates (SANs: IP + DNS) and client certificates (CN = user, O = groups)
// issued by it. Everything is PEM text so it can go straight into a kubeconfig
// (`certificate-authority-data` is base64 of ca.cert_pem) or http::TlsOptions.
//
//   auto ca = pki::make_ca("v6k cluster demo");
//   auto srv = pki::issue(*ca, {.common_name = "kube-apiserver",
//                               .dns_names = {"localhost", "kubernetes.default"},
//                               .ips = {"::1", "127.0.0.1"}});
//
// Keys are ECDSA P-256 (fast to generate; Go's crypto/tls and kubectl accept them),
// private keys are PKCS#8 PEM ("BEGIN PRIVATE KEY"). Serials are random 128-bit, every
// certificate carries Subject/AuthorityKeyIdentifier, and notBefore is five minutes in
// the past so a freshly issued certificate is valid despite small clock differences.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace v6k::pki {

struct KeyPairPem {
  std::string cert_pem;
  std::string key_pem;
};

struct CertRequest {
  std::string common_name;             // required
  std::vector<std::string> dns_names;  // SAN DNS entries ("localhost", "*.x.local")
  std::vector<std::string> ips;        // SAN IP entries as text ("::1", "127.0.0.1")
  int days = 365;
  bool client = false;                 // false: serverAuth (needs a SAN); true: clientAuth
  std::vector<std::string> organizations;  // subject O entries (Kubernetes groups)
};

// A self-signed CA: basicConstraints CA:TRUE (critical), keyUsage keyCertSign + cRLSign.
Result<KeyPairPem> make_ca(const std::string& common_name, int days = 3650);

// A leaf certificate signed by `ca`. Bad input (empty CN, non-positive days, an IP that is
// not an address literal, a malformed DNS name, a serving cert without any SAN, a CA
// whose key does not match its certificate) fails with EINVAL.
Result<KeyPairPem> issue(const KeyPairPem& ca, const CertRequest& req);

// `bytes` random bytes from OpenSSL's CSPRNG as lowercase hex: bearer tokens, ids.
Result<std::string> random_hex(size_t bytes = 24);

}  // namespace v6k::pki
