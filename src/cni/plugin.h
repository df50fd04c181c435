// v6k-cni's commands (ADD, DEL, CHECK, GC, STATUS, VERSION) over the CNI contract:
// environment + config in, a Result or a CNI error JSON out, exit code 0 or 1.
//
//   auto out = run_plugin({{"CNI_COMMAND","VERSION"}}, R"({"cniVersion":"1.1.0"})");
//   // out.exit_code == 0, out.stdout_text == {"cniVersion":"1.1.0","supportedVersions":[...]}
#pragma once

#include <string>
#include <string_view>

#include "cni/spec.h"
#include "common/result.h"
#include "ipam/store.h"

namespace v6k::cni {

struct PluginOutput {
  int exit_code = 0;
  std::string stdout_text;
};

PluginOutput run_plugin(const EnvLookup& env, std::string_view stdin_text);

// The node's address store as the plugin opens it for `conf` (`<dataDir>/<name>`): for
// ipamd, which must know which listed IPv4s pods hold before giving any back.
Result<ipam::Store> open_store(const NetConf& conf);

}  // namespace v6k::cni
