// Runtime::start_container: from a ContainerSpec + image to a LaunchPlan, then launch.
#include <sys/stat.h>

#include <cerrno>
#include <filesystem>

#include "common/atomic_file.h"
#include "node/runtime/cri_time.h"
#include "node/runtime/images.h"
#include "node/runtime/launch.h"
#include "node/runtime/runtime.h"
#include "node/runtime/state.h"

namespace v6k::node::runtime {
namespace {

bool exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}

// The process's argv by Kubernetes' rules over the image's Entrypoint/Cmd.
std::vector<std::string> command_line(const ContainerSpec& spec, const Image& img) {
  std::vector<std::string> argv;
  if (!spec.command.empty()) {
    argv = spec.command;
    argv.insert(argv.end(), spec.args.begin(), spec.args.end());
  } else {
    argv = img.entrypoint;
    const auto& rest = spec.args.empty() ? img.cmd : spec.args;
    argv.insert(argv.end(), rest.begin(), rest.end());
  }
  return argv;
}

// Image env first; the spec's variables replace same-named ones (and keep their order).
std::vector<std::string> environment(const ContainerSpec& spec, const Image& img, const std::string& hostname) {
  std::vector<std::string> env = img.env;
  auto set = [&](const std::string& k, const std::string& v) {
    std::erase_if(env, [&](const std::string& e) { return e.compare(0, k.size() + 1, k + "=") == 0; });
    env.push_back(k + "=" + v);
  };
  set("HOSTNAME", hostname);
  for (const auto& [k, v] : spec.env) set(k, v);
  return env;
}

std::vector<std::string> path_dirs(const std::vector<std::string>& env) {
  std::string path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (const auto& e : env)
    if (e.rfind("PATH=", 0) == 0) path = e.substr(5);
  std::vector<std::string> dirs;
  size_t start = 0;
  while (start <= path.size()) {
    size_t colon = path.find(':', start);
    std::string d = path.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    dirs.push_back(d.empty() ? "." : d);
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return dirs;
}

// Writes an image's generated file once under <root>/images (content-addressed by path).
Result<std::string> materialize(const std::string& images_dir, const ImageFile& f) {
  std::string name = f.container_path;
  for (char& c : name)
    if (c == '/') c = '_';
  const std::string path = images_dir + "/" + name;
  auto current = read_file(path);
  if (!current || *current != f.content) V6K_TRY(write_file_atomic(path, f.content), "writing image file");
  return path;
}

}  // namespace

Result<ContainerStatus> Runtime::start_container(const std::string& sandbox_id, const ContainerSpec& spec,
                                                 const std::string& log_path) {
  const std::string what = "starting container \"" + spec.name + "\"";
  auto sb = sandbox(sandbox_id);
  if (!sb) return fail(std::move(sb.error()).wrap(what));
  auto img = resolve_image(spec.image, applet_dir_);
  if (!img) return fail(std::move(img.error()));  // the kubelet shows this text as is

  detail::ContainerRecord rec;
  auto id = detail::random_id();
  if (!id) return fail(std::move(id.error()).wrap(what));
  rec.id = *id;
  rec.sandbox_id = sandbox_id;
  rec.name = spec.name;
  rec.image = spec.image;
  rec.image_id = img->id;
  rec.log_path = log_path;
  rec.argv = command_line(spec, *img);
  if (rec.argv.empty()) return fail_invalid(what + ": no command specified");
  rec.env = environment(spec, *img, sb->config.pod_name);
  rec.path_dirs = path_dirs(rec.env);
  rec.working_dir = spec.working_dir.empty() ? img->working_dir : spec.working_dir;
  rec.stop_signal = img->stop_signal;
  rec.created_ns = realtime_ns();

  detail::LaunchPlan plan;
  plan.shim_path = options_.shim_path;
  plan.working_dir = rec.working_dir;
  if (plan.working_dir.empty() || plan.working_dir[0] != '/')
    return fail_invalid(what + ": working directory \"" + plan.working_dir + "\" is not absolute");
  if (!exists(plan.working_dir)) {
    // Only /tmp is writable to create it in; elsewhere the view is the host's, read-only.
    if (plan.working_dir.rfind("/tmp/", 0) != 0)
      return fail(Error::make(ENOENT, what + ": working directory \"" + plan.working_dir +
                                          "\" does not exist (the image's filesystem is the host's, read-only; "
                                          "only /tmp is writable)"));
    plan.create_working_dir = true;
  }

  const std::string dir = container_dir(rec.id);
  const std::string scratch = dir + "/scratch";
  V6K_TRY(make_dirs(scratch, 01777), what);
  ::chmod(scratch.c_str(), 01777);  // like /tmp: mkdir's mode is masked by the umask
  if (auto slash = log_path.rfind('/'); slash != std::string::npos && slash > 0)
    V6K_TRY(make_dirs(log_path.substr(0, slash)), what + ": log directory");

  using Kind = detail::PlannedMount::Kind;
  for (const auto& f : img->files) {
    if (!exists(f.container_path)) continue;  // nothing to bind over on this host
    auto src = materialize(options_.root + "/images", f);
    if (!src) return fail(std::move(src.error()).wrap(what));
    plan.mounts.push_back({Kind::kBind, *src, f.container_path, false});
  }
  plan.mounts.push_back({Kind::kBind, sandbox_dir(sandbox_id) + "/hostname", "/etc/hostname", false});
  plan.mounts.push_back({Kind::kBind, scratch, "/tmp", true});
  for (const auto& d : img->writable_dirs)
    if (exists(d)) plan.mounts.push_back({Kind::kTmpfs, {}, d, true});
  for (const auto& m : spec.mounts) {
    if (!exists(m.host_path) || !exists(m.container_path))
      return fail(Error::make(ENOENT, what + ": mount " + m.host_path + " -> " + m.container_path +
                                          ": both paths must exist on the host"));
    plan.mounts.push_back({Kind::kBind, m.host_path, m.container_path, !m.read_only});
  }

  detail::Cgroups cg;
  if (!options_.cgroup_group.empty()) cg = detail::create_cgroups(options_.cgroup_group, rec.id, spec.resources);
  rec.cgroup_dirs = cg.dirs;
  rec.cgroups_applied = cg.applied;
  rec.cgroups_skipped = cg.skipped;
  auto cleanup = [&] {
    detail::remove_cgroups(cg.dirs);
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  };
  if (auto saved = detail::save_container(dir + "/config.json", rec); !saved) {
    cleanup();
    return fail(std::move(saved.error()).wrap(what));
  }

  plan.netns_path = sb->config.netns_path;
  plan.hostname = sb->config.pod_name;
  plan.argv = rec.argv;
  plan.env = rec.env;
  plan.path_dirs = rec.path_dirs;
  plan.cgroup_procs = cg.procs_files;
  plan.log_path = log_path;
  plan.exit_path = dir + "/exit";
  auto launched = detail::launch_container(plan);
  if (!launched) {
    cleanup();
    return fail(std::move(launched.error()).wrap(what));
  }
  detail::ProcessRecord proc{launched->pid, launched->pid_ticks, launched->shim_pid, launched->shim_ticks,
                             launched->started_ns};
  V6K_TRY(detail::save_process(dir + "/state.json", proc), what);
  return status(rec.id);
}

}  // namespace v6k::node::runtime
