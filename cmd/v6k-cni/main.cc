// v6k-cni: the CNI plugin binary. Reads the CNI_* environment and the network
// configuration on stdin, runs the command, prints the result (or a CNI error) on stdout.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "cni/plugin.h"

extern char** environ;

namespace {

constexpr char kHelp[] =
    "v6k-cni: a CNI plugin giving each pod a routable IPv6 /128 from the node's delegated\n"
    "prefix over one routed veth (no bridge, no overlay, no NAT for IPv6), with optional\n"
    "IPv4 egress SNATed to the node's IPv4.\n"
    "\n"
    "It is run by a container runtime, not by hand: the runtime sets CNI_COMMAND\n"
    "(ADD, DEL, CHECK, GC, STATUS, VERSION), CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME,\n"
    "CNI_ARGS and CNI_PATH, and pipes the network configuration on stdin.\n"
    "Supported CNI versions: 0.4.0, 1.0.0, 1.1.0. Configuration: docs/cni.md.\n"
    "\n"
    "  v6k-cni --help      this text\n"
    "  v6k-cni --version   the plugin version\n";

std::string read_stdin() {
  std::string in;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(0, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (n == 0) break;
    in.append(buf, static_cast<size_t>(n));
  }
  return in;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) {
    if (std::strcmp(argv[1], "--version") == 0) {
      std::fputs("v6k-cni " V6K_VERSION " (CNI 0.4.0, 1.0.0, 1.1.0)\n", stdout);
      return 0;
    }
    std::fputs(kHelp, std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0 ? stdout : stderr);
    return std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0 ? 0 : 2;
  }
  v6k::cni::EnvLookup env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "CNI_", 4) != 0) continue;
    const char* eq = std::strchr(*e, '=');
    if (eq == nullptr) continue;
    env.emplace(std::string(*e, static_cast<size_t>(eq - *e)), std::string(eq + 1));
  }
  if (env.empty() && ::isatty(0)) {
    std::fputs(kHelp, stderr);
    return 2;
  }
  std::string in = read_stdin();
  v6k::cni::PluginOutput out = v6k::cni::run_plugin(env, in);
  if (!out.stdout_text.empty()) {
    std::fwrite(out.stdout_text.data(), 1, out.stdout_text.size(), stdout);
    std::fflush(stdout);
  }
  return out.exit_code;
}
