// The local image catalog: v6k has no registry access, so an image reference resolves to a
// recipe that runs software already installed on this host (docs/images.md).
//
//   auto img = resolve_image("public.ecr.aws/z9d2n7e1/nginx:1.19.5");   // any registry/tag
//   img->kind == ImageKind::kNginx; img->cmd == {"nginx", "-g", "daemon off;"}
//   auto bad = resolve_image("example.com/acme/widget:2");
//   bad.error().code() == ENOENT;  // text: failed to pull and unpack image "...": ... not found
//   image_error_reason(bad.error()) == "ErrImagePull"
//
// The match is on the reference's last path component (nginx, busybox, alpine, curl,
// debian, ubuntu, pause), so mirrors and private registries of the same image resolve the
// same way. An Image describes what the container's filesystem view adds on top of the
// host's read-only one: generated files bound over host paths and writable directories.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "node/runtime/image_ref.h"

namespace v6k::node::runtime {

enum class ImageKind { kNginx, kShell, kPause };

// A file the runtime writes once under its image directory and binds read-only over
// `container_path` (which must exist on the host).
struct ImageFile {
  std::string container_path;
  std::string content;
};

struct Image {
  ImageReference reference;
  ImageKind kind = ImageKind::kShell;
  std::string id;                        // "sha256:<64 hex>", stable per normalized name
  std::vector<std::string> entrypoint;   // OCI Entrypoint
  std::vector<std::string> cmd;          // OCI Cmd
  std::vector<std::string> env;          // "KEY=value", before the container's own env
  std::string working_dir = "/";
  int stop_signal = 15;                  // OCI StopSignal (SIGTERM; nginx: SIGQUIT)
  std::vector<ImageFile> files;          // bound read-only over host paths
  std::vector<std::string> writable_dirs;  // private, empty, writable in the container
  std::vector<std::string> extra_path;   // directories appended to PATH (busybox applets)
};

// Resolves a reference. EINVAL: not a valid reference (kubelet: InvalidImageName);
// ENOENT: valid but not in the catalog (ErrImagePull), with containerd's wording.
// `applet_dir` is where busybox applet links live (see prepare_busybox_applets).
Result<Image> resolve_image(std::string_view reference, const std::string& applet_dir = {});

// "InvalidImageName" for EINVAL, "ErrImagePull" otherwise.
std::string_view image_error_reason(const Error& e);

// Creates `dir` with symlinks to /bin/busybox (or /usr/bin/busybox) for the busybox applets
// this host lacks (wget, nc, nslookup, ...); a no-op error-free result when busybox is
// absent (returns false). Shell images append `dir` to PATH.
Result<bool> prepare_busybox_applets(const std::string& dir);

// The generated /etc/nginx/nginx.conf and the upstream welcome page (images_nginx.cc).
std::string nginx_config();
std::string nginx_welcome_page();

}  // namespace v6k::node::runtime
