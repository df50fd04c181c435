#include "netlink/sysctl.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "common/unique_fd.h"

namespace v6k::netlink {
namespace {

Result<std::string> sysctl_path(const std::string& key) {
  if (key.empty() || key.front() == '/' || key.find("..") != std::string::npos)
    return fail_invalid("invalid sysctl key \"" + key + "\"");
  return "/proc/sys/" + key;
}

}  // namespace

Result<> write_sysctl(const std::string& key, std::string_view value) {
  auto path = sysctl_path(key);
  if (!path) return fail(std::move(path.error()));
  const std::string what = "writing sysctl " + key + " = " + std::string(value);
  UniqueFd fd(::open(path->c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return fail_errno(what);
  // A sysctl takes the whole value in one write; a short write means it was not applied.
  for (;;) {
    ssize_t n = ::write(fd.get(), value.data(), value.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_errno(what);
    if (static_cast<size_t>(n) != value.size()) return fail_errno(what + " (short write)", EIO);
    return {};
  }
}

Result<std::string> read_sysctl(const std::string& key) {
  auto path = sysctl_path(key);
  if (!path) return fail(std::move(path.error()));
  UniqueFd fd(::open(path->c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return fail_errno("reading sysctl " + key);
  std::string out;
  char buf[512];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_errno("reading sysctl " + key);
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace v6k::netlink
