#include "node/runtime/cgroups.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "common/atomic_file.h"

namespace v6k::node::runtime::detail {
namespace {

constexpr const char* kRoot = "/sys/fs/cgroup/";

// This process's path in the v1 hierarchy holding `controller` ("" if none).
std::string own_path(const std::string& controller) {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    // "4:memory:/process_api/..." — field 2 is a comma list of controllers.
    size_t a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    std::stringstream list(line.substr(a + 1, b - a - 1));
    std::string c;
    while (std::getline(list, c, ','))
      if (c == controller) return line.substr(b + 1);
  }
  return {};
}

bool write_value(const std::string& path, const std::string& value, std::string* err) {
  std::ofstream out(path);
  out << value;
  out.flush();
  if (out) return true;
  *err = path + ": " + strerror(errno);
  return false;
}

}  // namespace

Cgroups create_cgroups(const std::string& group, const std::string& id, const Resources& r) {
  Cgroups cg;
  for (const std::string controller : {"cpu", "memory", "pids"}) {
    // Joining a v1 cgroup costs an RCU grace period (~10 ms here) per hierarchy, so a
    // controller is used only when the container has a limit for it.
    if ((controller == "cpu" && r.cpu_limit_millis <= 0) || (controller == "memory" && r.memory_limit_bytes <= 0) ||
        (controller == "pids" && r.pids_limit <= 0))
      continue;
    const std::string mount = kRoot + controller;
    struct stat st {};
    std::string base = own_path(controller);
    if (::stat(mount.c_str(), &st) < 0 || base.empty()) {
      cg.skipped.push_back(controller + ": not mounted (cgroup v1)");
      continue;
    }
    if (base == "/") base.clear();
    const std::string dir = mount + base + "/" + group + "/" + id;
    if (auto made = make_dirs(dir); !made) {
      cg.skipped.push_back(controller + ": " + made.error().message());
      continue;
    }
    std::string err;
    bool ok = true;
    if (controller == "cpu" && r.cpu_limit_millis > 0) {
      ok = write_value(dir + "/cpu.cfs_period_us", "100000", &err) &&
           write_value(dir + "/cpu.cfs_quota_us", std::to_string(r.cpu_limit_millis * 100), &err);
    } else if (controller == "memory" && r.memory_limit_bytes > 0) {
      ok = write_value(dir + "/memory.limit_in_bytes", std::to_string(r.memory_limit_bytes), &err);
    } else if (controller == "pids" && r.pids_limit > 0) {
      ok = write_value(dir + "/pids.max", std::to_string(r.pids_limit), &err);
    }
    if (!ok) {
      ::rmdir(dir.c_str());
      cg.skipped.push_back(controller + ": " + err);
      continue;
    }
    cg.dirs.push_back(dir);
    cg.procs_files.push_back(dir + "/cgroup.procs");
    cg.applied.push_back(controller);
  }
  return cg;
}

void remove_cgroups(const std::vector<std::string>& dirs) {
  for (const auto& d : dirs) ::rmdir(d.c_str());  // EBUSY while a process is inside
}

bool cgroup_oom_killed(const std::vector<std::string>& dirs) {
  for (const auto& d : dirs) {
    std::ifstream in(d + "/memory.oom_control");
    std::string key;
    long long value = 0;
    while (in >> key >> value)
      if (key == "oom_kill" && value > 0) return true;
  }
  return false;
}

}  // namespace v6k::node::runtime::detail
