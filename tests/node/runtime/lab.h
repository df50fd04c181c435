// A runtime lab for tests and the benchmark: two network namespaces joined by a veth pair
// ("server" holds pods, "client" probes them), a private runtime root, and cleanup of all
// of it (containers, sandboxes, cgroup groups, namespaces) even when a test fails.
//
//   RuntimeLab lab("stop");               // namespaces v6kt-runtime-<pid>-stop-{srv,cli}
//   auto sb = lab.sandbox("web-0");        // a sandbox on the server netns
//   auto c = lab.rt().start_container(sb.id, spec, lab.log("c1")).value();
//   std::string body = http_get(lab.client_ns(), "2001:db8:ee::1", 80);
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "node/runtime/runtime.h"
#include "support/temp_dir.h"

namespace v6k::node::runtime::testing {

inline constexpr const char* kServerIp6 = "2001:db8:ee::1";
inline constexpr const char* kClientIp6 = "2001:db8:ee::2";
inline constexpr const char* kServerIp4 = "192.0.2.1";
inline constexpr const char* kClientIp4 = "192.0.2.2";

class RuntimeLab {
 public:
  explicit RuntimeLab(const std::string& tag);
  ~RuntimeLab();
  RuntimeLab(const RuntimeLab&) = delete;
  RuntimeLab& operator=(const RuntimeLab&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  Runtime& rt() { return *rt_; }
  const std::string& root() const { return dir_.path(); }
  const std::string& server_ns() const { return server_; }
  const std::string& client_ns() const { return client_; }
  std::string server_ns_path() const { return "/var/run/netns/" + server_; }
  std::string log(const std::string& name) const { return dir_.path() + "/logs/" + name + ".log"; }
  RuntimeOptions options() const;

  // A sandbox on the server netns; aborts the test (ADD_FAILURE) and returns {} on error.
  Sandbox sandbox(const std::string& pod_name);

 private:
  std::string error_;
  std::string server_, client_, group_;
  v6k::testing::TempDir dir_;
  std::optional<Runtime> rt_;
};

// Reads an fd to EOF.
std::string read_all(int fd);
// Whole file, "" if missing.
std::string slurp(const std::string& path);
// HTTP/1.0 GET / from inside netns `ns` (a thread that setns'd there) to [ip]:port,
// retrying connects until timeout_ms; returns the whole response or "ERROR: ...".
std::string http_get(const std::string& ns, const std::string& ip, int port, int timeout_ms = 5000);
// Like http_get but only connects; returns true once a connection succeeds.
bool tcp_connects(const std::string& ns, const std::string& ip, int port, int timeout_ms);
// Runs argv in the container; returns {exit code, stdout + stderr}.
struct ExecOutput {
  int code = -1;
  std::string out, err;
};
ExecOutput exec(Runtime& rt, const std::string& id, std::vector<std::string> argv);

}  // namespace v6k::node::runtime::testing
