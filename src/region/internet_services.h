// The internet namespace's HTTP services (docs/region.md): svc4 on 203.0.113.80:80 (IPv4
// only) and svc46 on [2001:db8:ffff::80]:80 and 203.0.113.81:80. Each answers every GET
// with a line naming itself and the client address it saw, so a test or a user can tell
// NAT from native IPv6:
//
//   $ v6k ssh i-0… -- curl -s http://203.0.113.80/
//   svc4 (203.0.113.80) says hello to 198.51.100.4
#pragma once

#include <memory>
#include <vector>

#include "common/result.h"
#include "fabric/fabric.h"
#include "http/server.h"

namespace v6k::region {

class InternetServices {
 public:
  // Binds inside the hosts' namespaces (fabric.ensure_internet() must have run).
  static Result<std::unique_ptr<InternetServices>> start(const fabric::Fabric& fabric);
  ~InternetServices();

 private:
  std::vector<std::unique_ptr<http::Server>> servers_;
};

}  // namespace v6k::region
