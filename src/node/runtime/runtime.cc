#include "node/runtime/runtime.h"

#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <thread>

#include "common/atomic_file.h"
#include "node/runtime/cri_time.h"
#include "node/runtime/images.h"
#include "node/runtime/launch.h"
#include "node/runtime/state.h"

namespace v6k::node::runtime {
namespace {

using namespace std::chrono_literals;

bool valid_id(const std::string& id) {
  return id.size() == 64 && std::all_of(id.begin(), id.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::vector<std::string> list_dir(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d))
      if (valid_id(e->d_name)) out.emplace_back(e->d_name);
    ::closedir(d);
  }
  return out;
}

bool alive(pid_t pid, uint64_t ticks) { return pid > 0 && ticks != 0 && detail::process_start_ticks(pid) == ticks; }

// A pidfd for pid, only if it is still the process that started at `ticks`.
UniqueFd open_pidfd(pid_t pid, uint64_t ticks) {
  if (pid <= 0) return {};
  UniqueFd fd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  if (fd && detail::process_start_ticks(pid) != ticks) fd.reset();
  return fd;
}

bool poll_fd(int fd, std::chrono::milliseconds timeout) {
  struct pollfd pfd = {fd, POLLIN, 0};
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    int r = ::poll(&pfd, 1, static_cast<int>(std::max<int64_t>(left.count(), 0)));
    if (r < 0 && errno == EINTR) continue;
    return r > 0;
  }
}

}  // namespace

std::string_view to_string(ContainerState s) { return s == ContainerState::kRunning ? "running" : "exited"; }

Result<Runtime> Runtime::open(RuntimeOptions options) {
  for (const char* sub : {"/sandboxes", "/containers", "/images"})
    V6K_TRY(make_dirs(options.root + sub, 0711), "opening runtime root " + options.root);
  if (options.shim_path.empty()) options.shim_path = detail::find_shim();
  Runtime rt(std::move(options));
  auto applets = prepare_busybox_applets(rt.options_.root + "/images/busybox-applets");
  if (applets && *applets) rt.applet_dir_ = rt.options_.root + "/images/busybox-applets";
  return rt;
}

std::string Runtime::container_dir(const std::string& id) const { return options_.root + "/containers/" + id; }
std::string Runtime::sandbox_dir(const std::string& id) const { return options_.root + "/sandboxes/" + id; }

Result<Sandbox> Runtime::create_sandbox(const SandboxConfig& config) {
  if (config.pod_name.empty() || config.pod_name.size() > 64)
    return fail_invalid("sandbox: pod name must be 1-64 characters (it is the hostname)");
  struct stat st {};
  if (::stat(config.netns_path.c_str(), &st) < 0) return fail_errno("sandbox: network namespace " + config.netns_path);
  Sandbox s;
  auto id = detail::random_id();
  if (!id) return fail(std::move(id.error()));
  s.id = *id;
  s.config = config;
  s.created_ns = realtime_ns();
  const std::string dir = sandbox_dir(s.id);
  V6K_TRY(make_dirs(dir), "creating sandbox");
  V6K_TRY(write_file_atomic(dir + "/hostname", config.pod_name + "\n"), "creating sandbox");
  V6K_TRY(detail::save_sandbox(dir + "/sandbox.json", s), "creating sandbox");
  return s;
}

Result<Sandbox> Runtime::sandbox(const std::string& id) const {
  if (!valid_id(id)) return fail(Error::make(ENOENT, "sandbox \"" + id + "\" not found"));
  auto s = detail::load_sandbox(sandbox_dir(id) + "/sandbox.json");
  if (!s) return fail(Error::make(ENOENT, "sandbox \"" + id + "\" not found"));
  return s;
}

Result<std::vector<Sandbox>> Runtime::list_sandboxes() const {
  std::vector<Sandbox> out;
  for (const auto& id : list_dir(options_.root + "/sandboxes"))
    if (auto s = sandbox(id)) out.push_back(std::move(*s));
  std::sort(out.begin(), out.end(), [](const Sandbox& a, const Sandbox& b) { return a.created_ns < b.created_ns; });
  return out;
}

Result<> Runtime::remove_sandbox(const std::string& id, std::chrono::milliseconds grace) {
  V6K_TRY(sandbox(id), "removing sandbox");
  auto all = list();
  if (!all) return fail(std::move(all.error()));
  // Stop every container at once so the grace periods overlap, as the kubelet does.
  std::vector<std::thread> stoppers;
  for (const auto& c : *all)
    if (c.sandbox_id == id && c.state == ContainerState::kRunning)
      stoppers.emplace_back([this, cid = c.id, grace] { (void)stop_container(cid, grace); });
  for (auto& t : stoppers) t.join();
  for (const auto& c : *all)
    if (c.sandbox_id == id) V6K_TRY(remove_container(c.id), "removing sandbox");
  std::error_code ec;
  std::filesystem::remove_all(sandbox_dir(id), ec);
  if (ec) return fail(Error::from_errno(ec.value(), "removing sandbox directory " + sandbox_dir(id)));
  return {};
}

Result<ContainerStatus> Runtime::status(const std::string& id) const {
  if (!valid_id(id)) return fail(Error::make(ENOENT, "container \"" + id + "\" not found"));
  const std::string dir = container_dir(id);
  auto rec = detail::load_container(dir + "/config.json");
  if (!rec) return fail(Error::make(ENOENT, "container \"" + id + "\" not found"));
  auto proc = detail::load_process(dir + "/state.json");
  if (!proc) return fail(Error::make(ENOENT, "container \"" + id + "\" is being created or failed to start"));
  ContainerStatus s;
  s.id = rec->id;
  s.sandbox_id = rec->sandbox_id;
  s.name = rec->name;
  s.image = rec->image;
  s.image_id = rec->image_id;
  s.log_path = rec->log_path;
  s.pid = proc->pid;
  s.created_ns = rec->created_ns;
  s.started_ns = proc->started_ns;
  s.cgroups_applied = rec->cgroups_applied;
  s.cgroups_skipped = rec->cgroups_skipped;

  auto exited = detail::read_exit_record(dir + "/exit");
  if (!exited && !alive(proc->pid, proc->pid_ticks) && alive(proc->shim_pid, proc->shim_ticks)) {
    // The container just died; its shim is flushing logs and writing the record.
    if (UniqueFd shim = open_pidfd(proc->shim_pid, proc->shim_ticks)) poll_fd(shim.get(), 2s);
    exited = detail::read_exit_record(dir + "/exit");
  }
  if (exited) {
    s.state = ContainerState::kExited;
    s.exit_code = exited->exit_code;
    s.signal = exited->signal;
    s.finished_ns = exited->finished_ns;
    s.reason = s.exit_code == 0 ? "Completed" : "Error";
    if (s.signal == SIGKILL && detail::cgroup_oom_killed(rec->cgroup_dirs)) s.reason = "OOMKilled";
  } else if (alive(proc->pid, proc->pid_ticks)) {
    s.state = ContainerState::kRunning;
  } else {
    // Both the container and its shim vanished without a record (e.g. the machine rebooted).
    s.state = ContainerState::kExited;
    s.exit_code = 255;
    s.reason = "Unknown";
  }
  return s;
}

Result<ContainerStatus> Runtime::wait(const std::string& id, std::chrono::milliseconds timeout) const {
  auto s = status(id);
  if (!s || s->state == ContainerState::kExited) return s;
  auto proc = detail::load_process(container_dir(id) + "/state.json");
  if (!proc) return fail(std::move(proc.error()));
  // The shim exits right after writing the exit record, so its pidfd is the signal.
  UniqueFd fd = open_pidfd(proc->shim_pid, proc->shim_ticks);
  if (!fd) fd = open_pidfd(proc->pid, proc->pid_ticks);
  if (fd) poll_fd(fd.get(), timeout);
  return status(id);
}

Result<ContainerStatus> Runtime::stop_container(const std::string& id, std::chrono::milliseconds grace) {
  auto s = status(id);
  if (!s || s->state == ContainerState::kExited) return s;
  auto rec = detail::load_container(container_dir(id) + "/config.json");
  auto proc = detail::load_process(container_dir(id) + "/state.json");
  if (!rec || !proc) return fail(Error::make(ENOENT, "container \"" + id + "\" not found"));
  UniqueFd pidfd = open_pidfd(proc->pid, proc->pid_ticks);
  if (!pidfd) return status(id);
  // A pid-1 without a handler ignores SIGTERM (the kernel protects namespace inits), so a
  // container that does not handle it runs out its grace period, as under containerd.
  ::syscall(SYS_pidfd_send_signal, pidfd.get(), rec->stop_signal, nullptr, 0);
  s = wait(id, grace);
  if (!s || s->state == ContainerState::kExited) return s;
  ::syscall(SYS_pidfd_send_signal, pidfd.get(), SIGKILL, nullptr, 0);
  return wait(id, 10s);
}

Result<> Runtime::remove_container(const std::string& id) {
  auto s = status(id);
  const std::string dir = container_dir(id);
  if (!s) {
    // A container that never started leaves only its directory behind.
    if (!valid_id(id) || ::access((dir + "/config.json").c_str(), F_OK) < 0) return fail(std::move(s.error()));
  } else if (s->state == ContainerState::kRunning) {
    return fail(Error::make(EBUSY, "container \"" + id + "\" is running"));
  }
  if (auto rec = detail::load_container(dir + "/config.json")) detail::remove_cgroups(rec->cgroup_dirs);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (ec) return fail(Error::from_errno(ec.value(), "removing container directory " + dir));
  return {};
}

Result<std::vector<ContainerStatus>> Runtime::list() const {
  std::vector<ContainerStatus> out;
  for (const auto& id : list_dir(options_.root + "/containers"))
    if (auto s = status(id)) out.push_back(std::move(*s));
  std::sort(out.begin(), out.end(),
            [](const ContainerStatus& a, const ContainerStatus& b) { return a.created_ns < b.created_ns; });
  return out;
}

Result<ExecProcess> Runtime::exec_in_container(const std::string& id, const ExecOptions& options) const {
  auto s = status(id);
  if (!s) return fail(std::move(s.error()));
  if (s->state != ContainerState::kRunning)
    return fail(Error::make(ESRCH, "container \"" + id + "\" is not running"));
  auto rec = detail::load_container(container_dir(id) + "/config.json");
  auto proc = detail::load_process(container_dir(id) + "/state.json");
  if (!rec || !proc) return fail(Error::make(ENOENT, "container \"" + id + "\" not found"));
  detail::ExecTarget t;
  t.pid = proc->pid;
  t.pid_ticks = proc->pid_ticks;
  t.env = rec->env;
  t.path_dirs = rec->path_dirs;
  t.working_dir = rec->working_dir;
  for (const auto& d : rec->cgroup_dirs) t.cgroup_procs.push_back(d + "/cgroup.procs");
  return detail::start_exec(t, options);
}

}  // namespace v6k::node::runtime
