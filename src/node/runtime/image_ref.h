// Image references as Docker/containerd read them: "[domain/]path[:tag][@digest]".
//
//   auto r = parse_image_reference("nginx").value();
//   r.domain == "docker.io"; r.path == "library/nginx"; r.tag == "latest";
//   r.normalized() == "docker.io/library/nginx:latest"; r.short_name() == "nginx"
//
// Follows the distribution/reference grammar: the first component is a domain when it
// contains '.' or ':' or is "localhost"; otherwise the domain is docker.io and a single
// component gets "library/". Path components are lowercase alphanumerics joined by '.',
// '_', '__' or runs of '-'; tags are [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}; digests are
// "<algorithm>:<hex>=32+>". Errors are EINVAL with "invalid reference format" in the text,
// which is what the kubelet shows as InvalidImageName.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace v6k::node::runtime {

struct ImageReference {
  std::string domain;  // "docker.io", "public.ecr.aws", "localhost:5000"
  std::string path;    // "library/nginx", "z9d2n7e1/nginx"
  std::string tag;     // "latest" when neither tag nor digest was given; "" with a digest only
  std::string digest;  // "sha256:<64 hex>" or ""

  // domain/path[:tag][@digest]: the name containerd pulls and reports.
  std::string normalized() const;
  // The last path component ("nginx" for "public.ecr.aws/z9d2n7e1/nginx:1.19.5").
  std::string short_name() const;
};

Result<ImageReference> parse_image_reference(std::string_view text);

}  // namespace v6k::node::runtime
