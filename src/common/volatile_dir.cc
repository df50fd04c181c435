#include "common/volatile_dir.h"

#include <linux/magic.h>
#include <sys/vfs.h>

namespace v6k {

namespace {

bool is_tmpfs(const char* path) {
  struct statfs st {};
  return ::statfs(path, &st) == 0 && st.f_type == TMPFS_MAGIC;
}

}  // namespace

const std::string& volatile_root() {
  static const std::string root = [] {
    if (is_tmpfs("/run")) return std::string("/run");
    if (is_tmpfs("/dev/shm")) return std::string("/dev/shm");
    return std::string("/run");
  }();
  return root;
}

}  // namespace v6k
