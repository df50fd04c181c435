#include "cli/kube_apiserver.h"

#include <openssl/rand.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/base64.h"
#include "etcd/etcd_store.h"
#include "kube/apiserver/apiserver.h"
#include "kube/controlplane/controlplane.h"
#include "pki/pki.h"

namespace v6k::cli {

namespace {

volatile sig_atomic_t g_stop = 0;
void on_stop(int) { g_stop = 1; }

Result<std::string> random_token() {
  unsigned char b[24];
  if (RAND_bytes(b, sizeof b) != 1) return fail_invalid("no randomness for the admin token");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char x : b) out += kHex[x >> 4], out += kHex[x & 15];
  return out;
}

// A random RFC 4193 unique local /108 for Service ClusterIPs, as EKS gives an IPv6
// cluster (fdXX:XXXX:XXXX::/108: a random 40-bit global ID under fd00::/8).
Result<std::string> random_service_cidr() {
  unsigned char b[5];
  if (RAND_bytes(b, sizeof b) != 1) return fail_invalid("no randomness for the service CIDR");
  char buf[64];
  std::snprintf(buf, sizeof buf, "%x:%x:%x::/108\n", 0xfd00u | b[0], (b[1] << 8) | b[2], (b[3] << 8) | b[4]);
  return std::string(buf);
}

// Reads <dir>/<name>, or makes it with `make` and writes it (0600) the first time.
Result<std::string> load_or_make(const std::string& dir, const std::string& name,
                                 const std::function<Result<std::string>()>& make) {
  std::string path = dir + "/" + name;
  if (std::filesystem::exists(path)) return read_file(path);
  auto v = make();
  if (!v) return v;
  V6K_TRY(write_file_atomic(path, *v, 0600), "writing " + path);
  return v;
}

struct ClusterFiles {
  pki::KeyPairPem ca, serving;
  std::string token;
};

Result<ClusterFiles> cluster_files(const std::string& dir) {
  ClusterFiles f;
  pki::KeyPairPem fresh_ca;
  auto ca_cert = load_or_make(dir, "ca.crt", [&]() -> Result<std::string> {
    auto ca = pki::make_ca("v6k-kubernetes-ca", 3650);
    if (!ca) return fail(ca.error());
    fresh_ca = *ca;
    return ca->cert_pem;
  });
  if (!ca_cert) return fail(ca_cert.error());
  auto ca_key = load_or_make(dir, "ca.key", [&]() -> Result<std::string> {
    if (fresh_ca.key_pem.empty()) return fail_invalid(dir + "/ca.key is missing but ca.crt exists");
    return fresh_ca.key_pem;
  });
  if (!ca_key) return fail(ca_key.error());
  f.ca = {*ca_cert, *ca_key};
  pki::KeyPairPem fresh_serving;
  auto cert = load_or_make(dir, "apiserver.crt", [&]() -> Result<std::string> {
    auto s = pki::issue(f.ca, {.common_name = "kube-apiserver",
                               .dns_names = {"localhost", "kubernetes", "kubernetes.default",
                                             "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"},
                               .ips = {"::1", "127.0.0.1"},
                               .days = 825});
    if (!s) return fail(s.error());
    fresh_serving = *s;
    return s->cert_pem;
  });
  if (!cert) return fail(cert.error());
  auto key = load_or_make(dir, "apiserver.key", [&]() -> Result<std::string> {
    if (fresh_serving.key_pem.empty()) return fail_invalid(dir + "/apiserver.key is missing but apiserver.crt exists");
    return fresh_serving.key_pem;
  });
  if (!key) return fail(key.error());
  f.serving = {*cert, *key};
  auto token = load_or_make(dir, "admin.token", random_token);
  if (!token) return fail(token.error());
  f.token = *token;
  while (!f.token.empty() && (f.token.back() == '\n' || f.token.back() == ' ')) f.token.pop_back();
  return f;
}

std::string kubeconfig(const std::string& url, const ClusterFiles& f) {
  using nlohmann::json;
  json c = {{"apiVersion", "v1"},
            {"kind", "Config"},
            {"clusters", json::array({{{"name", "v6k"},
                                       {"cluster", {{"server", url}, {"certificate-authority-data", base64_encode(f.ca.cert_pem)}}}}})},
            {"users", json::array({{{"name", "v6k-admin"}, {"user", {{"token", f.token}}}}})},
            {"contexts", json::array({{{"name", "v6k"}, {"context", {{"cluster", "v6k"}, {"user", "v6k-admin"}}}}})},
            {"current-context", "v6k"}};
  return c.dump(2) + "\n";
}

}  // namespace

int kube_apiserver(const KubeApiServerOptions& o) {
  const char* what = o.control_plane ? "v6k control-plane" : "v6k kube-apiserver";
  if (auto ok = make_dirs(o.data_dir, 0700); !ok) {
    std::fprintf(stderr, "%s: %s\n", what, ok.error().message().c_str());
    return 1;
  }
  auto files = cluster_files(o.data_dir);
  if (!files) {
    std::fprintf(stderr, "%s: %s\n", what, files.error().message().c_str());
    return 1;
  }
  std::shared_ptr<store::Store> store;
  if (o.etcd.empty()) {
    auto s = store::open_sqlite(o.data_dir + "/kube.db");
    if (!s) {
      std::fprintf(stderr, "%s: %s\n", what, s.error().message().c_str());
      return 1;
    }
    store = std::move(*s);
  } else {
    auto colon = o.etcd.rfind(':');
    etcd::EtcdOptions eo;
    eo.host = o.etcd.substr(0, colon);
    try {
      eo.port = static_cast<uint16_t>(std::stoi(o.etcd.substr(colon + 1)));
    } catch (...) {
      std::fprintf(stderr, "%s: --etcd wants host:port, got %s\n", what, o.etcd.c_str());
      return 2;
    }
    auto s = etcd::open_etcd(eo);
    if (!s) {
      std::fprintf(stderr, "%s: %s\n", what, s.error().message().c_str());
      return 1;
    }
    store = std::move(*s);
  }
  kube::ApiServerOptions ko;
  ko.store = store;
  ko.listen = {"[::1]:" + std::to_string(o.port)};
  ko.tls_cert_pem = files->serving.cert_pem;
  ko.tls_key_pem = files->serving.key_pem;
  ko.tokens = {{files->token, {"v6k-admin", {"system:masters", "system:authenticated"}}}};
  ko.git_version = o.version;
  // The service range is fixed at the first start (ClusterIPs already handed out live in it).
  auto cidr = load_or_make(o.data_dir, "service-cidr", [&]() -> Result<std::string> {
    if (!o.service_cidr.empty()) return o.service_cidr + "\n";
    return random_service_cidr();
  });
  if (!cidr) {
    std::fprintf(stderr, "%s: %s\n", what, cidr.error().message().c_str());
    return 1;
  }
  ko.service_cidr = *cidr;
  while (!ko.service_cidr.empty() && (ko.service_cidr.back() == '\n' || ko.service_cidr.back() == ' '))
    ko.service_cidr.pop_back();
  if (!o.service_cidr.empty() && o.service_cidr != ko.service_cidr) {
    std::fprintf(stderr, "%s: this cluster's service CIDR is %s (in %s/service-cidr); it cannot change to %s\n", what,
                 ko.service_cidr.c_str(), o.data_dir.c_str(), o.service_cidr.c_str());
    return 2;
  }
  const std::string cpo_cidr = ko.service_cidr;
  kube::ControlPlaneOptions cpo;
  cpo.api = std::move(ko);
  cpo.ca_pem = files->ca.cert_pem;
  cpo.controllers = cpo.scheduler = o.control_plane;
  cpo.controller_options.node_monitor_grace = std::chrono::seconds(o.node_monitor_grace_seconds);
  auto cp = kube::ControlPlane::start(std::move(cpo));
  if (!cp) {
    std::fprintf(stderr, "%s: %s\n", what, cp.error().message().c_str());
    return 1;
  }
  kube::ApiServer* api = &(*cp)->api();
  std::string kc_path = o.data_dir + "/admin.kubeconfig";
  if (auto ok = write_file_atomic(kc_path, kubeconfig(api->url(), *files), 0600); !ok) {
    std::fprintf(stderr, "%s: %s\n", what, ok.error().message().c_str());
    return 1;
  }
  struct sigaction sa {};
  sa.sa_handler = on_stop;
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);
  std::printf("%s %s serving %s (store: %s%s; service CIDR %s)\nkubeconfig: %s\n", what, o.version.c_str(),
              api->url().c_str(),
              o.etcd.empty() ? (o.data_dir + "/kube.db").c_str() : ("etcd " + o.etcd).c_str(),
              o.control_plane ? "; controller manager and scheduler running" : "", cpo_cidr.c_str(), kc_path.c_str());
  std::fflush(stdout);
  while (!g_stop) ::pause();
  (*cp)->stop();
  return 0;
}

}  // namespace v6k::cli
