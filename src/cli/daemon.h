// `v6k serve|up|down|status`: the region daemon's lifecycle.
//
// serve   runs the daemon in the foreground: store at <state>/state.db, the AWS front
//         door on 127.0.0.1:<port> and [::1]:<port>, until SIGTERM/SIGINT.
// up      starts `v6k serve` in the background (logs to <state>/v6k.log), waits until it
//         answers, and prints the endpoint, region and credentials to use.
// down    stops it (SIGTERM, then SIGKILL after 10 s) and removes every namespace it made;
//         --purge also deletes the state.
// status  says whether it runs and what it holds.
// ssh     runs a shell or command on an instance or internet host.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace v6k::cli {

struct DaemonOptions {
  std::string state_dir = "/var/lib/v6k";  // $V6K_STATE
  uint16_t port = 4566;
  std::string region = "us-west-2";
  std::string account_id = "123456789012";
  std::string self;  // path of the v6k binary, for `up`
  // Names of the namespaces this region makes start with it; `serve` records it in the
  // state dir so `down` and `ssh` find them.
  std::string ns_prefix = "v6k-";
};

int serve(const DaemonOptions& o);
int up(const DaemonOptions& o);
int down(const DaemonOptions& o, bool purge);
int status(const DaemonOptions& o);
// `v6k ssh <instance-id|laptop|svc4|svc46> [-- command…]`: a shell (or the command) inside
// that host's network namespace, as SSH to it would give.
int ssh(const DaemonOptions& o, const std::string& host, const std::vector<std::string>& command);

}  // namespace v6k::cli
