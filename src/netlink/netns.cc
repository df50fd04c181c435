#include "netlink/netns.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "netlink/rtnl.h"

namespace v6k::netlink {
namespace {

constexpr const char* kNetnsRunDir = "/var/run/netns";
constexpr const char* kThreadNetns = "/proc/thread-self/ns/net";

#ifndef NSFS_MAGIC
#define NSFS_MAGIC 0x6e736673
#endif

std::string named_path(const std::string& name) { return std::string(kNetnsRunDir) + "/" + name; }

Result<> check_name(const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos)
    return fail_invalid("invalid netns name \"" + name + "\"");
  return {};
}

// Makes /var/run/netns exist and be a shared mount point, as iproute2's netns_add does,
// so unmounting a netns file in one mount namespace unmounts it in all of them.
Result<> prepare_run_dir() {
  if (::mkdir(kNetnsRunDir, 0755) < 0 && errno != EEXIST)
    return fail_errno(std::string("creating ") + kNetnsRunDir);
  bool made_mount_point = false;
  while (::mount("", kNetnsRunDir, "none", MS_SHARED | MS_REC, nullptr) < 0) {
    if (errno != EINVAL || made_mount_point)
      return fail_errno(std::string("making ") + kNetnsRunDir + " a shared mount");
    if (::mount(kNetnsRunDir, kNetnsRunDir, "none", MS_BIND | MS_REC, nullptr) < 0)
      return fail_errno(std::string("bind-mounting ") + kNetnsRunDir + " onto itself");
    made_mount_point = true;
  }
  return {};
}

[[noreturn]] void die_restoring(int err) {
  std::fprintf(stderr, "v6k: FATAL: cannot restore this thread's network namespace: %s\n",
               std::strerror(err));
  std::abort();
}

}  // namespace

Result<NetNs> NetNs::open(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return fail_errno("opening netns " + path);
  struct statfs fs {};
  if (::fstatfs(fd.get(), &fs) < 0) return fail_errno("checking netns " + path);
  // A /var/run/netns entry that is not (or no longer) mounted is a plain empty file.
  if (static_cast<unsigned long>(fs.f_type) != static_cast<unsigned long>(NSFS_MAGIC))
    return fail(Error::from_errno(EINVAL, path + " is not a network namespace"));
  int type = ::ioctl(fd.get(), NS_GET_NSTYPE);
  if (type >= 0 && type != CLONE_NEWNET)
    return fail(Error::from_errno(EINVAL, path + " is a namespace, but not a network one"));
  return NetNs(std::move(fd), path);
}

Result<NetNs> NetNs::open_named(const std::string& name) {
  V6K_TRY(check_name(name), "opening netns");
  return open(named_path(name));
}

Result<NetNs> NetNs::current() {
  UniqueFd fd(::open(kThreadNetns, O_RDONLY | O_CLOEXEC));
  if (!fd) return fail_errno("opening the calling thread's netns");
  std::string path = "/proc/" + std::to_string(::getpid()) + "/task/" +
                     std::to_string(static_cast<long>(::syscall(SYS_gettid))) + "/ns/net";
  return NetNs(std::move(fd), std::move(path));
}

Result<NetNs> NetNs::create(const std::string& name) {
  V6K_TRY(check_name(name), "creating netns");
  const std::string path = named_path(name);
  V6K_TRY(prepare_run_dir(), "creating netns " + name);
  {
    UniqueFd f(::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0));
    if (!f) return fail_errno("creating netns " + name + ": " + path);
  }
  auto undo_file = [&] { ::unlink(path.c_str()); };

  UniqueFd previous(::open(kThreadNetns, O_RDONLY | O_CLOEXEC));
  if (!previous) {
    int err = errno;
    undo_file();
    return fail_errno("creating netns " + name + ": opening the current netns", err);
  }
  // unshare() moves only this thread into the new netns; we bind-mount it, bring up lo
  // from inside, then switch the thread back.
  if (::unshare(CLONE_NEWNET) < 0) {
    int err = errno;
    undo_file();
    return fail_errno("creating netns " + name + ": unshare(CLONE_NEWNET)", err);
  }
  Result<> inside = [&]() -> Result<> {
    if (::mount(kThreadNetns, path.c_str(), "none", MS_BIND, nullptr) < 0)
      return fail_errno("bind-mounting the new netns at " + path);
    auto rtnl = Rtnl::open();
    if (!rtnl) return fail(std::move(rtnl.error()));
    return rtnl->set_link_up(1 /* lo is always ifindex 1 */);
  }();
  if (::setns(previous.get(), CLONE_NEWNET) < 0) die_restoring(errno);
  if (!inside) {
    ::umount2(path.c_str(), MNT_DETACH);
    undo_file();
    return fail(std::move(inside.error()).wrap("creating netns " + name));
  }
  return open(path);
}

Result<> NetNs::remove(const std::string& name) {
  V6K_TRY(check_name(name), "removing netns");
  const std::string path = named_path(name);
  if (::umount2(path.c_str(), MNT_DETACH) < 0 && errno != EINVAL)
    return fail_errno("removing netns " + name + ": unmounting " + path);
  if (::unlink(path.c_str()) < 0) return fail_errno("removing netns " + name + ": " + path);
  return {};
}

Result<NetNsScope> NetNsScope::enter(const NetNs& target) {
  UniqueFd previous(::open(kThreadNetns, O_RDONLY | O_CLOEXEC));
  if (!previous) return fail_errno("entering netns " + target.path() + ": saving the current one");
  if (::setns(target.fd(), CLONE_NEWNET) < 0) return fail_errno("entering netns " + target.path());
  return NetNsScope(std::move(previous));
}

NetNsScope::~NetNsScope() {
  if (previous_ && ::setns(previous_.get(), CLONE_NEWNET) < 0) die_restoring(errno);
}

}  // namespace v6k::netlink
