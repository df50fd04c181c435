// Standard base64 (RFC 4648, with padding): kubeconfig certificate data, etcd's JSON
// gateway, Kubernetes Secret data.
//
//   base64_encode("hi") == "aGk=";  base64_decode("aGk=") == "hi"
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace v6k {

std::string base64_encode(std::string_view in);
// nullopt for a character outside the alphabet or bad padding; whitespace is skipped.
std::optional<std::string> base64_decode(std::string_view in);

}  // namespace v6k
