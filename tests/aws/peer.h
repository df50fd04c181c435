// Runs tests/aws/botocore_peer.py (the real botocore) and returns its stdout.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>

namespace v6k::aws::testing {

inline bool botocore_available() {
  return access("/usr/lib/python3/dist-packages/awscli/botocore/auth.py", R_OK) == 0 &&
         access("/usr/bin/python3", X_OK) == 0;
}

// Arguments are ours (no shell metacharacters); nullopt when python fails.
inline std::optional<std::string> run_peer(const std::string& args) {
  std::string cmd = std::string("/usr/bin/python3 ") + V6K_BOTOCORE_PEER + " " + args;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return std::nullopt;
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int rc = pclose(p);
  if (rc != 0) return std::nullopt;
  return out;
}

}  // namespace v6k::aws::testing
