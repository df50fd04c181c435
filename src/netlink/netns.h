// Network-namespace handles: open, create (like `ip netns add`), remove, and enter for a scope.
//
//   auto ns = NetNs::create("pod-1234").value();          // /var/run/netns/pod-1234, lo up
//   {
//     auto in = NetNsScope::enter(ns).value();             // this THREAD is now in pod-1234
//     ... sockets created here live in pod-1234 ...
//   }                                                      // back in the previous netns
//   NetNs::remove("pod-1234");
//
// Namespaces are per THREAD: setns()/unshare() change only the calling thread, and every
// function here that switches namespaces temporarily does so on the calling thread and
// restores it before returning. Sockets keep the namespace they were created in, so the
// cheap pattern is "enter, create socket(s), leave" (see Rtnl::open_in).
#pragma once

#include <string>

#include "common/result.h"
#include "common/unique_fd.h"

namespace v6k::netlink {

// Move-only owner of an open network-namespace fd (O_RDONLY|O_CLOEXEC).
class NetNs {
 public:
  // Any path naming a netns: "/var/run/netns/x", "/proc/123/ns/net". EINVAL-coded error
  // if it is not a network namespace.
  static Result<NetNs> open(const std::string& path);
  // /var/run/netns/<name>.
  static Result<NetNs> open_named(const std::string& name);
  // The calling thread's current netns.
  static Result<NetNs> current();
  // Like `ip netns add`: a new netns bind-mounted at /var/run/netns/<name> (the directory
  // made a shared mount point the way iproute2 does), loopback brought up. The calling
  // thread's namespace is unchanged afterwards. EEXIST if the name is taken.
  static Result<NetNs> create(const std::string& name);
  // umount(MNT_DETACH) + unlink of /var/run/netns/<name>; ENOENT error if absent. The
  // namespace itself dies when its last fd / process / mount goes away.
  static Result<> remove(const std::string& name);

  NetNs(NetNs&&) noexcept = default;
  NetNs& operator=(NetNs&&) noexcept = default;

  int fd() const { return fd_.get(); }
  const std::string& path() const { return path_; }

 private:
  NetNs(UniqueFd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
  UniqueFd fd_;
  std::string path_;
};

// While alive, the calling thread is inside `target`; the destructor switches the thread
// back to the namespace it was in at enter() and aborts if it cannot (a thread silently
// left in the wrong namespace would configure the wrong host). Must be destroyed on the
// thread that created it. Move-only; nesting works (restores in LIFO order).
class NetNsScope {
 public:
  static Result<NetNsScope> enter(const NetNs& target);

  NetNsScope(NetNsScope&& o) noexcept : previous_(std::move(o.previous_)) {}
  NetNsScope& operator=(NetNsScope&&) = delete;
  NetNsScope(const NetNsScope&) = delete;
  ~NetNsScope();

 private:
  explicit NetNsScope(UniqueFd previous) : previous_(std::move(previous)) {}
  UniqueFd previous_;
};

}  // namespace v6k::netlink
