// v6k-cni's commands (ADD, DEL, CHECK, GC, STATUS, VERSION) over the CNI contract:
// environment + config in, a Result or a CNI error JSON out, exit code 0 or 1.
//
//   auto out = run_plugin({{"CNI_COMMAND","VERSION"}}, R"({"cniVersion":"1.1.0"})");
//   // out.exit_code == 0, out.stdout_text == {"cniVersion":"1.1.0","supportedVersions":[...]}
#pragma once

#include <string>
#include <string_view>

#include "cni/spec.h"

namespace v6k::cni {

struct PluginOutput {
  int exit_code = 0;
  std::string stdout_text;
};

PluginOutput run_plugin(const EnvLookup& env, std::string_view stdin_text);

}  // namespace v6k::cni
