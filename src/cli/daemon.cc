#include "cli/daemon.h"

#include "cli/agent.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "aws/ec2_client.h"
#include "common/atomic_file.h"
#include "eks/host/host_backend.h"
#include "eks/token.h"
#include "netlink/netns.h"
#include "node/runtime/runtime.h"
#include "http/server.h"
#include "fabric/fabric.h"
#include "region/front_door.h"
#include "region/internet_services.h"
#include "region/realizer.h"
#include "store/store.h"

namespace v6k::cli {
namespace {

std::string pid_file(const DaemonOptions& o) { return o.state_dir + "/v6k.pid"; }
std::string credentials_file(const DaemonOptions& o) { return o.state_dir + "/credentials"; }
std::string log_file(const DaemonOptions& o) { return o.state_dir + "/v6k.log"; }
std::string fabric_file(const DaemonOptions& o) { return o.state_dir + "/fabric.json"; }

// The namespace prefix the region in this state dir uses (recorded by `serve`).
std::string recorded_prefix(const DaemonOptions& o) {
  auto text = read_file(fabric_file(o));
  if (!text) return o.ns_prefix;
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (!j.is_object()) return o.ns_prefix;
  return j.value("ns_prefix", o.ns_prefix);
}

void log_line(const char* fmt, const std::string& a) {
  std::printf(fmt, a.c_str());
  std::fflush(stdout);
}

volatile sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

// The running daemon's pid, if its pid file names a live process.
std::optional<pid_t> running_pid(const DaemonOptions& o) {
  auto text = read_file(pid_file(o));
  if (!text) return std::nullopt;
  pid_t pid = static_cast<pid_t>(std::atol(text->c_str()));
  if (pid <= 0 || ::kill(pid, 0) != 0) return std::nullopt;
  return pid;
}

std::optional<nlohmann::json> query_status(const DaemonOptions& o) {
  auto r = http::send_request("127.0.0.1", o.port, http::Request{.method = "GET", .target = "/_v6k/status"},
                              std::chrono::milliseconds(500));
  if (!r || r->status != 200) return std::nullopt;
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  return j;
}

void print_usage_lines(const DaemonOptions& o) {
  auto creds = read_file(credentials_file(o));
  std::string akid, secret;
  if (creds) {
    auto j = nlohmann::json::parse(*creds, nullptr, false);
    if (j.is_object()) {
      akid = j.value("access_key_id", "");
      secret = j.value("secret_access_key", "");
    }
  }
  std::printf("  endpoint:  http://localhost:%u   (also http://127.0.0.1:%u and http://[::1]:%u)\n", o.port, o.port,
              o.port);
  std::printf("  region:    %s\n  state:     %s\n\n", o.region.c_str(), o.state_dir.c_str());
  std::printf("Use the real aws CLI with:\n");
  std::printf("  export AWS_ACCESS_KEY_ID=%s\n  export AWS_SECRET_ACCESS_KEY=%s\n  export AWS_DEFAULT_REGION=%s\n",
              akid.c_str(), secret.c_str(), o.region.c_str());
  std::printf("  /usr/bin/aws --endpoint-url http://localhost:%u ec2 describe-availability-zones\n", o.port);
}

}  // namespace

int serve(const DaemonOptions& o) {
  if (auto r = make_dirs(o.state_dir, 0700); !r) {
    std::fprintf(stderr, "v6k serve: %s\n", r.error().message().c_str());
    return 1;
  }
  auto st = store::open_sqlite(o.state_dir + "/state.db");
  if (!st) {
    std::fprintf(stderr, "v6k serve: opening the store: %s\n", st.error().message().c_str());
    return 1;
  }
  auto key = region::ensure_admin_key(**st, o.account_id);
  if (!key) {
    std::fprintf(stderr, "v6k serve: %s\n", key.error().message().c_str());
    return 1;
  }
  nlohmann::json creds = {{"access_key_id", key->access_key_id}, {"secret_access_key", key->secret_access_key},
                          {"region", o.region}, {"endpoint", "http://localhost:" + std::to_string(o.port)}};
  if (auto r = write_file_atomic(credentials_file(o), creds.dump(2) + "\n", 0600); !r) {
    std::fprintf(stderr, "v6k serve: %s\n", r.error().message().c_str());
    return 1;
  }
  if (auto r = write_file_atomic(fabric_file(o), nlohmann::json{{"ns_prefix", o.ns_prefix}}.dump() + "\n"); !r) {
    std::fprintf(stderr, "v6k serve: %s\n", r.error().message().c_str());
    return 1;
  }
  auto fab = fabric::Fabric::open({.ns_prefix = o.ns_prefix});
  if (!fab) {
    std::fprintf(stderr, "v6k serve: %s\n", fab.error().message().c_str());
    return 1;
  }
  // The store is the truth: rebuild whatever the kernel lost (a reboot, `v6k down`, a crash
  // mid-change) and remove what the store does not name, before answering anyone.
  region::Realizer realizer(**st, **fab);
  std::printf("v6k serve: realising the stored region in namespaces %s*\n", o.ns_prefix.c_str());
  std::fflush(stdout);
  if (auto r = realizer.sync_all(); !r) {
    std::fprintf(stderr, "v6k serve: %s\n", r.error().message().c_str());
    return 1;
  }
  auto services = region::InternetServices::start(**fab);
  if (!services) {
    std::fprintf(stderr, "v6k serve: %s\n", services.error().message().c_str());
    return 1;
  }
  // EKS: control planes in this process, node groups as instances with `v6k agent`s that
  // this daemon supervises. The backend reaches EC2 through the region's own API, as
  // EKS's Auto Scaling groups do.
  auto access = aws::load_region_access(o.state_dir);
  if (!access) {
    std::fprintf(stderr, "v6k serve: %s\n", access.error().message().c_str());
    return 1;
  }
  aws::Ec2Client ec2_client(aws::Ec2ClientOptions::from(*access));
  store::Store& region_store = **st;
  aws::CredentialLookup lookup = [&region_store](std::string_view id) -> std::optional<aws::Credentials> {
    auto k = region::find_access_key(region_store, id);
    if (!k || !*k) return std::nullopt;
    return aws::Credentials{(*k)->access_key_id, (*k)->secret_access_key, (*k)->account_id, (*k)->arn};
  };
  std::error_code self_ec;
  auto backend = std::make_shared<eks::host::HostBackend>(eks::host::HostBackendOptions{
      .store_path = o.state_dir + "/state.db",
      .state_dir = o.state_dir,
      .v6k_binary = std::filesystem::canonical("/proc/self/exe", self_ec).string(),
      .ec2 = &ec2_client,
      .verify_aws_token = [lookup](std::string_view token,
                                   const std::string& cluster) -> Result<eks::host::AwsPrincipal> {
        auto id = eks::verify_token(token, cluster, lookup, std::chrono::system_clock::now());
        if (!id) return fail_invalid(id.error().message);
        return eks::host::AwsPrincipal{id->arn, id->account_id};
      }});
  region::FrontDoor door(**st, ec2::RegionConfig::defaults(o.region, o.account_id), {}, backend);
  door.on_ec2_change([&realizer](const std::vector<std::string>& vpcs) {
    for (const auto& id : vpcs)
      if (auto r = realizer.sync_vpc(id); !r)
        log_line("v6k serve: realising %s failed (will retry at the next change or restart)\n",
                 id + ": " + r.error().message());
  });
  http::ServerOptions so;
  so.listen = {"127.0.0.1:" + std::to_string(o.port), "[::1]:" + std::to_string(o.port)};
  so.threads = 2;
  auto server = http::Server::start(so, [&door](const http::Request& r) { return door.handle(r); });
  if (!server) {
    std::fprintf(stderr, "v6k serve: %s\n", server.error().message().c_str());
    return 1;
  }
  if (auto r = write_file_atomic(pid_file(o), std::to_string(::getpid()) + "\n"); !r) {
    std::fprintf(stderr, "v6k serve: %s\n", r.error().message().c_str());
    return 1;
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);
  std::printf("v6k serve: region %s on %s and %s (state %s)\n", o.region.c_str(), so.listen[0].c_str(),
              so.listen[1].c_str(), o.state_dir.c_str());
  std::fflush(stdout);
  while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  (*server)->stop();
  backend->shutdown();  // agents first (their pods keep running), then the control planes
  services->reset();
  ::unlink(pid_file(o).c_str());
  std::printf("v6k serve: stopped\n");
  return 0;
}

int up(const DaemonOptions& o) {
  if (auto pid = running_pid(o); pid && query_status(o)) {
    std::printf("v6k region %s is already up (pid %d)\n", o.region.c_str(), *pid);
    print_usage_lines(o);
    return 0;
  }
  if (auto r = make_dirs(o.state_dir, 0700); !r) {
    std::fprintf(stderr, "v6k up: %s\n", r.error().message().c_str());
    return 1;
  }
  std::printf("Starting the v6k region %s (state %s, log %s)...\n", o.region.c_str(), o.state_dir.c_str(),
              log_file(o).c_str());
  std::fflush(stdout);
  pid_t child = ::fork();
  if (child < 0) {
    std::perror("v6k up: fork");
    return 1;
  }
  if (child == 0) {
    ::setsid();
    int log = ::open(log_file(o).c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (log < 0 || null < 0) ::_exit(127);
    ::dup2(null, 0);
    ::dup2(log, 1);
    ::dup2(log, 2);
    std::string port = std::to_string(o.port);
    ::execl(o.self.c_str(), o.self.c_str(), "serve", "--state", o.state_dir.c_str(), "--port", port.c_str(),
            "--region", o.region.c_str(), "--account", o.account_id.c_str(), "--ns-prefix", o.ns_prefix.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  for (int i = 0; i < 200; ++i) {
    if (query_status(o)) {
      std::printf("v6k region %s is up (pid %d)\n", o.region.c_str(), child);
      print_usage_lines(o);
      return 0;
    }
    int status = 0;
    if (::waitpid(child, &status, WNOHANG) == child) {
      std::fprintf(stderr, "v6k up: the daemon exited; see %s\n", log_file(o).c_str());
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::fprintf(stderr, "v6k up: the daemon did not answer within 10 s; see %s\n", log_file(o).c_str());
  return 1;
}

int down(const DaemonOptions& o, bool purge) {
  auto pid = running_pid(o);
  if (pid) {
    std::printf("Stopping the v6k region (pid %d)...\n", *pid);
    ::kill(*pid, SIGTERM);
    bool gone = false;
    for (int i = 0; i < 200 && !gone; ++i) {
      gone = ::kill(*pid, 0) != 0;
      if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!gone) {
      std::fprintf(stderr, "v6k down: pid %d ignored SIGTERM for 10 s; sending SIGKILL\n", *pid);
      ::kill(*pid, SIGKILL);
    }
    ::unlink(pid_file(o).c_str());
  } else {
    std::printf("The v6k region is not running.\n");
  }
  // The agents died with the daemon; the pods they ran did not (their shims outlive
  // agents). Stop them before their namespaces go; the next `up` runs them again.
  std::error_code ec_agents;
  for (const auto& entry : std::filesystem::directory_iterator(o.state_dir + "/agents", ec_agents)) {
    const std::string root = agent_run_dir(o.state_dir, entry.path().filename().string()) + "/runtime";
    if (!std::filesystem::is_directory(root)) continue;
    auto rt = node::runtime::Runtime::open({.root = root});
    if (!rt) continue;
    auto sandboxes = rt->list_sandboxes();
    if (!sandboxes) continue;
    for (const auto& sb : *sandboxes) rt->remove_sandbox(sb.id, std::chrono::seconds(2));
    if (!sandboxes->empty())
      std::printf("Stopped the %zu pod(s) of %s.\n", sandboxes->size(), entry.path().filename().c_str());
  }
  // Every namespace the region made goes; the store keeps what they were, so `up` rebuilds.
  auto fab = fabric::Fabric::open({.ns_prefix = recorded_prefix(o)});
  if (!fab) {
    std::fprintf(stderr, "v6k down: %s\n", fab.error().message().c_str());
    return 1;
  }
  if (auto r = (*fab)->teardown(); !r) {
    std::fprintf(stderr, "v6k down: removing namespaces: %s\n", r.error().message().c_str());
    return 1;
  }
  std::printf("Removed the region's namespaces (%s*).\n", recorded_prefix(o).c_str());
  if (purge) {
    std::error_code ec;
    std::filesystem::remove_all(region_run_dir(o.state_dir), ec);  // the agents' /run state
    std::filesystem::remove_all(o.state_dir, ec);
    if (ec) {
      std::fprintf(stderr, "v6k down: removing %s: %s\n", o.state_dir.c_str(), ec.message().c_str());
      return 1;
    }
    std::printf("Removed the state in %s.\n", o.state_dir.c_str());
  }
  return 0;
}

int status(const DaemonOptions& o) {
  auto pid = running_pid(o);
  auto s = query_status(o);
  if (!pid || !s) {
    std::printf("The v6k region is not running (state %s).\n", o.state_dir.c_str());
    return 3;
  }
  std::printf("v6k region %s is up (pid %d, up %llds)\n", s->value("region", "?").c_str(), *pid,
              static_cast<long long>(s->value("uptime_seconds", 0)));
  std::printf("  VPCs: %lld  subnets: %lld  instances: %lld\n", static_cast<long long>(s->value("vpcs", 0)),
              static_cast<long long>(s->value("subnets", 0)), static_cast<long long>(s->value("instances", 0)));
  print_usage_lines(o);
  return 0;
}

int ssh(const DaemonOptions& o, const std::string& host, const std::vector<std::string>& command) {
  // Host names are ids and fixed names: letters, digits and dashes, never a path.
  if (host.empty() || host.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") !=
                          std::string::npos) {
    std::fprintf(stderr, "v6k ssh: '%s' is not an instance id or host name (laptop, svc4, svc46)\n", host.c_str());
    return 255;
  }
  std::string ns = recorded_prefix(o) + host;
  auto target = netlink::NetNs::open_named(ns);
  if (!target) {
    std::fprintf(stderr,
                 "v6k ssh: no running instance or internet host named %s (namespace %s): %s\n"
                 "  instances: aws ec2 describe-instances; hosts: laptop, svc4, svc46\n",
                 host.c_str(), ns.c_str(), target.error().message().c_str());
    return 255;  // what ssh exits with when it cannot connect
  }
  if (::setns(target->fd(), CLONE_NEWNET) != 0) {
    std::fprintf(stderr, "v6k ssh: entering %s: %s\n", ns.c_str(), std::strerror(errno));
    return 255;
  }
  std::vector<std::string> argv = command;
  if (argv.empty()) {
    const char* shell = std::getenv("SHELL");
    argv = {shell && *shell ? shell : "/bin/sh", "-i"};
  }
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  ::execvp(cargv[0], cargv.data());
  std::fprintf(stderr, "v6k ssh: %s: %s\n", argv[0].c_str(), std::strerror(errno));
  return 127;
}

}  // namespace v6k::cli
