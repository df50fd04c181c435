#include "node/runtime/state.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/random.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/unique_fd.h"

namespace v6k::node::runtime::detail {
namespace {

using nlohmann::json;

Result<json> load_json(const std::string& path) {
  auto text = read_file(path);
  if (!text) return fail(std::move(text.error()));
  json j = json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail_invalid("corrupt state file " + path);
  return j;
}

// Reads a field, leaving the default when absent or of another type.
template <typename T>
void get(const json& j, const char* key, T& out) {
  auto it = j.find(key);
  if (it == j.end()) return;
  try {
    out = it->get<T>();
  } catch (const json::exception&) {
  }
}

// Atomic (temp file + rename) but not durable: containers do not survive a reboot, so
// neither need their records, and skipping fsync keeps ~20 ms off every container start.
Result<> write_state(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd) return fail_errno("writing " + tmp);
  size_t off = 0;
  while (off < text.size()) {
    ssize_t n = ::write(fd.get(), text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail_errno("writing " + tmp);
    off += static_cast<size_t>(n);
  }
  if (::rename(tmp.c_str(), path.c_str()) < 0) return fail_errno("renaming " + tmp);
  return {};
}

}  // namespace

Result<> save_sandbox(const std::string& path, const Sandbox& s) {
  json j = {{"id", s.id},
            {"podUID", s.config.pod_uid},
            {"podName", s.config.pod_name},
            {"podNamespace", s.config.pod_namespace},
            {"netnsPath", s.config.netns_path},
            {"createdNs", s.created_ns}};
  return write_state(path, j.dump(2) + "\n");
}

Result<Sandbox> load_sandbox(const std::string& path) {
  auto j = load_json(path);
  if (!j) return fail(std::move(j.error()));
  Sandbox s;
  get(*j, "id", s.id);
  get(*j, "podUID", s.config.pod_uid);
  get(*j, "podName", s.config.pod_name);
  get(*j, "podNamespace", s.config.pod_namespace);
  get(*j, "netnsPath", s.config.netns_path);
  get(*j, "createdNs", s.created_ns);
  return s;
}

Result<> save_container(const std::string& path, const ContainerRecord& r) {
  json j = {{"id", r.id},
            {"sandboxId", r.sandbox_id},
            {"name", r.name},
            {"image", r.image},
            {"imageId", r.image_id},
            {"logPath", r.log_path},
            {"workingDir", r.working_dir},
            {"argv", r.argv},
            {"env", r.env},
            {"pathDirs", r.path_dirs},
            {"stopSignal", r.stop_signal},
            {"createdNs", r.created_ns},
            {"cgroupDirs", r.cgroup_dirs},
            {"cgroupsApplied", r.cgroups_applied},
            {"cgroupsSkipped", r.cgroups_skipped}};
  return write_state(path, j.dump(2) + "\n");
}

Result<ContainerRecord> load_container(const std::string& path) {
  auto j = load_json(path);
  if (!j) return fail(std::move(j.error()));
  ContainerRecord r;
  get(*j, "id", r.id);
  get(*j, "sandboxId", r.sandbox_id);
  get(*j, "name", r.name);
  get(*j, "image", r.image);
  get(*j, "imageId", r.image_id);
  get(*j, "logPath", r.log_path);
  get(*j, "workingDir", r.working_dir);
  get(*j, "argv", r.argv);
  get(*j, "env", r.env);
  get(*j, "pathDirs", r.path_dirs);
  get(*j, "stopSignal", r.stop_signal);
  get(*j, "createdNs", r.created_ns);
  get(*j, "cgroupDirs", r.cgroup_dirs);
  get(*j, "cgroupsApplied", r.cgroups_applied);
  get(*j, "cgroupsSkipped", r.cgroups_skipped);
  return r;
}

Result<> save_process(const std::string& path, const ProcessRecord& r) {
  json j = {{"pid", r.pid},
            {"pidStartTicks", r.pid_ticks},
            {"shimPid", r.shim_pid},
            {"shimStartTicks", r.shim_ticks},
            {"startedNs", r.started_ns}};
  return write_state(path, j.dump(2) + "\n");
}

Result<ProcessRecord> load_process(const std::string& path) {
  auto j = load_json(path);
  if (!j) return fail(std::move(j.error()));
  ProcessRecord r;
  get(*j, "pid", r.pid);
  get(*j, "pidStartTicks", r.pid_ticks);
  get(*j, "shimPid", r.shim_pid);
  get(*j, "shimStartTicks", r.shim_ticks);
  get(*j, "startedNs", r.started_ns);
  return r;
}

Result<std::string> random_id() {
  unsigned char bytes[32];
  if (::getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes))
    return fail_errno("getrandom");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (unsigned char b : bytes) {
    id += kHex[b >> 4];
    id += kHex[b & 15];
  }
  return id;
}

}  // namespace v6k::node::runtime::detail
