#include "node/runtime/images.h"

#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <csignal>

#include "common/atomic_file.h"

namespace v6k::node::runtime {
namespace {

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
constexpr std::array<const char*, 6> kPathDirs = {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
                                                  "/usr/bin",        "/sbin",           "/bin"};
// Network tools a busybox image users reach for; linked only when the host lacks them.
constexpr std::array<const char*, 14> kApplets = {
    "wget", "nc", "nslookup", "ping", "ping6", "telnet", "traceroute", "traceroute6",
    "httpd", "ifconfig", "route", "netstat", "arp", "vi"};

// The curlimages/curl entrypoint's rule: arguments starting with '-' are curl options.
constexpr const char* kCurlEntrypoint =
    "if [ \"${1#-}\" != \"$1\" ]; then set -- curl \"$@\"; fi; exec \"$@\"";

std::string image_id(const std::string& normalized) {
  std::array<unsigned char, SHA256_DIGEST_LENGTH> md{};
  SHA256(reinterpret_cast<const unsigned char*>(normalized.data()), normalized.size(), md.data());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "sha256:";
  for (unsigned char b : md) {
    id += kHex[b >> 4];
    id += kHex[b & 15];
  }
  return id;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

std::string busybox_binary() {
  for (const char* p : {"/usr/bin/busybox", "/bin/busybox"})
    if (::access(p, X_OK) == 0) return p;
  return {};
}

}  // namespace

Result<Image> resolve_image(std::string_view reference, const std::string& applet_dir) {
  auto ref = parse_image_reference(reference);
  if (!ref) return fail(std::move(ref.error()));
  Image img;
  img.reference = *ref;
  img.id = image_id(ref->normalized());
  const std::string name = ref->short_name();
  std::string path = std::string("PATH=") + kDefaultPath;

  if (name == "nginx") {
    img.kind = ImageKind::kNginx;
    img.cmd = {"nginx", "-g", "daemon off;"};
    img.stop_signal = SIGQUIT;  // the official image's STOPSIGNAL: graceful shutdown
    img.files = {{"/etc/nginx/nginx.conf", nginx_config()},
                 {"/usr/share/nginx/html/index.html", nginx_welcome_page()}};
    img.writable_dirs = {"/run", "/var/lib/nginx", "/var/log/nginx", "/var/cache/nginx"};
  } else if (name == "busybox" || name == "alpine" || name == "curl" || name == "debian" ||
             name == "ubuntu") {
    img.kind = ImageKind::kShell;
    if (name == "busybox") img.cmd = {"sh"};
    if (name == "alpine") img.cmd = {"/bin/sh"};
    if (name == "debian" || name == "ubuntu") img.cmd = {"bash"};
    if (name == "curl") {
      img.entrypoint = {"/bin/sh", "-c", kCurlEntrypoint, "curl-entrypoint"};
      img.cmd = {"curl"};
    }
    if (!applet_dir.empty()) {
      img.extra_path = {applet_dir};
      path += ":" + applet_dir;
    }
  } else if (name == "pause") {
    img.kind = ImageKind::kPause;
    img.entrypoint = {"sleep", "infinity"};
    img.stop_signal = SIGKILL;  // nothing to shut down gracefully
  } else {
    const std::string n = ref->normalized();
    return fail(Error::make(
        ENOENT, "failed to pull and unpack image \"" + n + "\": failed to resolve reference \"" + n +
                    "\": " + n + ": not found (v6k has no registry access; its local catalog has "
                    "nginx, busybox, alpine, curl, debian, ubuntu and pause images, see docs/images.md)"));
  }
  img.env = {path};
  return img;
}

std::string_view image_error_reason(const Error& e) {
  return e.code() == EINVAL ? "InvalidImageName" : "ErrImagePull";
}

Result<bool> prepare_busybox_applets(const std::string& dir) {
  const std::string busybox = busybox_binary();
  if (busybox.empty()) return false;
  V6K_TRY(make_dirs(dir), "preparing busybox applets");
  for (const char* applet : kApplets) {
    bool on_host = false;
    for (const char* d : kPathDirs) on_host = on_host || exists(std::string(d) + "/" + applet);
    const std::string link = dir + "/" + applet;
    if (on_host || exists(link)) continue;
    if (::symlink(busybox.c_str(), link.c_str()) < 0 && errno != EEXIST)
      return fail_errno("linking busybox applet " + link);
  }
  return true;
}

}  // namespace v6k::node::runtime
