#include "node/agent/cni.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cstring>
#include <optional>

#include "common/unique_fd.h"
#include "netlink/netns.h"

namespace v6k::node {

using nlohmann::json;

json node_conflist(const ConflistOptions& o) {
  json plugin = {{"type", "v6k-cni"}, {"mtu", o.mtu}, {"cooldownSeconds", o.cooldown_seconds}};
  if (o.ipv4_pods) {
    plugin["ipv4Addresses"] = o.pod_ipv4s;
    if (!o.node_ipv4.empty())
      plugin["ipv4Snat"] = {{"nodeIPv4", o.node_ipv4}, {"excludeCidrs", o.vpc_ipv4_cidrs}, {"uplink", o.uplink}};
  } else {
    plugin["ipv6Prefixes"] = json::array({o.pod_prefix});
    if (!o.node_ipv4.empty())
      plugin["ipv4Egress"] = {{"enabled", true}, {"nodeIPv4", o.node_ipv4}, {"uplink", o.uplink}};
  }
  if (!o.data_dir.empty()) plugin["dataDir"] = o.data_dir;
  return {{"cniVersion", "1.1.0"}, {"name", "v6k"}, {"plugins", json::array({plugin})}};
}

json CniNetwork::conflist() const {
  std::lock_guard lock(mu_);
  return conflist_;
}

json CniNetwork::plugin_config(const json* prev_result) const {
  std::lock_guard lock(mu_);
  json c = conflist_["plugins"][0];
  c["cniVersion"] = conflist_.value("cniVersion", "1.1.0");
  c["name"] = conflist_.value("name", "v6k");
  if (prev_result) c["prevResult"] = *prev_result;
  return c;
}

namespace {

constexpr int kTryAgainLater = 11;  // CNI's well-known error code

// What containerd says around a plugin's failure.
std::string sandbox_context(const std::string& command, const std::string& id) {
  if (command == "ADD") return "failed to setup network for sandbox \"" + id + "\"";
  if (command == "DEL") return "failed to destroy network for sandbox \"" + id + "\"";
  return "CNI " + command + " " + id;
}

std::string plugin_words(const json& config, const std::string& command) {
  return "plugin type=\"" + config.value("type", "v6k-cni") + "\" name=\"" + config.value("name", "v6k") +
         "\" failed (" + command + "): ";
}

// SIGPIPE blocked on this thread for a scope; one raised meanwhile (a plugin that exits
// without reading its stdin) is consumed, so the write fails with EPIPE instead of
// killing the process, whatever the process's own SIGPIPE disposition.
class NoSigpipe {
 public:
  NoSigpipe() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
    was_pending_ = pending();
  }
  ~NoSigpipe() {
    if (!was_pending_ && pending()) {
      timespec zero{};
      while (sigtimedwait(&pipe_, nullptr, &zero) == -1 && errno == EINTR) {
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  bool pending() const {
    sigset_t p;
    sigpending(&p);
    return sigismember(&p, SIGPIPE) == 1;
  }
  sigset_t pipe_, old_;
  bool was_pending_ = false;
};

// Writes all of `data` to fd; reads everything from out_fd until EOF.
bool pump(int in_fd, const std::string& data, int out_fd, std::string& out) {
  NoSigpipe no_sigpipe;
  size_t written = 0;
  bool in_open = true;
  if (data.empty()) {
    ::close(in_fd);
    in_open = false;
  }
  char buf[16384];
  for (;;) {
    pollfd fds[2] = {{out_fd, POLLIN, 0}, {in_open ? in_fd : -1, POLLOUT, 0}};
    if (::poll(fds, 2, 30000) <= 0) return false;
    if (in_open && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t n = ::write(in_fd, data.data() + written, data.size() - written);
      if (n > 0) written += static_cast<size_t>(n);
      if (n < 0 || written == data.size()) {
        ::close(in_fd);
        in_open = false;
      }
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ::read(out_fd, buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
  }
  if (in_open) ::close(in_fd);
  return true;
}

}  // namespace

Result<std::string> CniNetwork::invoke(const std::string& command, const Attachment& a, const json& config,
                                       int* cni_code) const {
  const std::string what = "CNI " + command + " " + a.container_id;
  std::optional<netlink::NetNs> node_ns;
  if (!o_.node_netns.empty()) {
    auto ns = netlink::NetNs::open(o_.node_netns);
    if (!ns) return fail(std::move(ns.error()).wrap(what + ": opening the node namespace " + o_.node_netns));
    node_ns = std::move(*ns);
  }
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return fail_errno(what + ": pipe");
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(in[0]);
    ::close(in[1]);
    return fail_errno(what + ": pipe");
  }
  std::vector<std::string> env = {"CNI_COMMAND=" + command,
                                  "CNI_PATH=" + o_.plugin.substr(0, o_.plugin.rfind('/')),
                                  "PATH=/usr/sbin:/usr/bin:/sbin:/bin"};
  if (command != "GC") {  // GC concerns the whole network, not one attachment
    env.push_back("CNI_CONTAINERID=" + a.container_id);
    env.push_back("CNI_NETNS=" + a.netns);
    env.push_back("CNI_IFNAME=" + a.ifname);
    env.push_back("CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAMESPACE=" + a.pod_namespace + ";K8S_POD_NAME=" + a.pod_name +
                  ";K8S_POD_INFRA_CONTAINER_ID=" + a.container_id + ";K8S_POD_UID=" + a.pod_uid);
  }
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string plugin = o_.plugin;
  char* argv[] = {plugin.data(), nullptr};
  // The plugin runs inside the node's network namespace, as it would on a real node: this
  // thread enters it for the spawn only, and the child inherits it. posix_spawn (vfork
  // underneath) rather than fork(): copying the agent's page tables per pod cost more than
  // the plugin's whole run.
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  pid_t pid = 0;
  int spawn_error = 0;
  {
    std::optional<netlink::NetNsScope> inside;
    if (node_ns) {
      auto scope = netlink::NetNsScope::enter(*node_ns);
      if (!scope) {
        posix_spawn_file_actions_destroy(&actions);
        for (int fd : {in[0], in[1], out[0], out[1]}) ::close(fd);
        return fail(std::move(scope.error()).wrap(what + ": cannot enter " + o_.node_netns));
      }
      inside.emplace(std::move(*scope));
    }
    spawn_error = ::posix_spawn(&pid, plugin.c_str(), &actions, nullptr, argv, envp.data());
  }
  posix_spawn_file_actions_destroy(&actions);
  if (spawn_error != 0) {
    for (int fd : {in[0], in[1], out[0], out[1]}) ::close(fd);
    return fail(Error::from_errno(spawn_error, what + ": cannot run " + o_.plugin));
  }
  ::close(in[0]);
  ::close(out[1]);
  std::string stdout_text;
  bool ok = pump(in[1], config.dump(), out[0], stdout_text);
  ::close(out[0]);
  if (!ok) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!ok) return fail(Error::from_errno(ETIMEDOUT, what, "the plugin did not finish within 30 s"));
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return stdout_text;
  // A CNI error: {"cniVersion","code","msg","details"}, told as containerd tells it.
  auto err = json::parse(stdout_text, nullptr, false);
  if (err.is_object() && err.contains("code")) {
    std::string msg = err.value("msg", "");
    std::string details = err.value("details", "");
    const int code = err.value("code", 0);
    if (cni_code) *cni_code = code;
    std::string lower = command;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return fail_invalid(sandbox_context(command, a.container_id) + ": " + plugin_words(config, lower) +
                        "plugin error " + std::to_string(code) + ": " + msg +
                        (details.empty() ? "" : " (" + details + ")"));
  }
  return fail(Error::make(EPROTO, what + ": the plugin failed (status " + std::to_string(status) + ")"));
}

Result<CniResult> CniNetwork::add(const Attachment& a) const {
  // IPv4 pods: none free (or none listed yet) -> ipamd assigns more, then once more.
  auto listed = [](const json& c) -> size_t {
    auto it = c.find("ipv4Addresses");
    return it == c.end() ? 0 : it->size();
  };
  std::shared_lock gate(gate_);
  int code = 0;
  json config = plugin_config(nullptr);
  auto out = invoke("ADD", a, config, &code);
  if (!out && code == kTryAgainLater && o_.refill) {
    // The list this ADD found exhausted: a refill another pod made since is reused.
    auto more = o_.refill(listed(config));
    // ipamd's failure is the cause the pod's event should carry (as the VPC CNI's does).
    if (!more)
      return fail_invalid(sandbox_context("ADD", a.container_id) + ": " + plugin_words(config, "add") +
                          more.error().message());
    {
      // A concurrent ADD's refill may have grown the list further: never put a shorter one
      // back (the list shrinks only in exclusive(), which no ADD overlaps).
      std::lock_guard lock(mu_);
      if (listed((*more)["plugins"][0]) >= listed(conflist_["plugins"][0])) conflist_ = std::move(*more);
    }
    out = invoke("ADD", a, plugin_config(nullptr));
  }
  if (!out) return fail(std::move(out.error()));
  CniResult r;
  r.raw = json::parse(*out, nullptr, false);
  if (!r.raw.is_object()) return fail_invalid("CNI ADD " + a.container_id + ": the plugin's result is not JSON");
  for (const auto& ip : r.raw.value("ips", json::array())) {
    std::string addr = ip.value("address", "");
    addr = addr.substr(0, addr.find('/'));
    if (addr.find(':') != std::string::npos) {
      if (r.ipv6.empty()) r.ipv6 = addr;
    } else if (r.ipv4.empty()) {
      r.ipv4 = addr;
    }
  }
  if (r.pod_ip().empty()) return fail_invalid("CNI ADD " + a.container_id + ": no address in the result");
  return r;
}

void CniNetwork::exclusive(const std::function<std::optional<json>(const json&)>& change) const {
  std::unique_lock gate(gate_);
  auto next = change(plugin_config(nullptr));
  if (!next) return;
  std::lock_guard lock(mu_);
  conflist_ = std::move(*next);
}

Result<> CniNetwork::del(const Attachment& a) const {
  auto out = invoke("DEL", a, plugin_config(nullptr));
  if (!out) return fail(std::move(out.error()));
  return {};
}

Result<> CniNetwork::check(const Attachment& a, const json& prev_result) const {
  auto out = invoke("CHECK", a, plugin_config(&prev_result));
  if (!out) return fail(std::move(out.error()));
  return {};
}

Result<> CniNetwork::gc(const std::vector<std::pair<std::string, std::string>>& valid) const {
  json c = plugin_config(nullptr);
  json list = json::array();
  for (const auto& [id, ifname] : valid) list.push_back({{"containerID", id}, {"ifname", ifname}});
  c["cni.dev/valid-attachments"] = list;
  auto out = invoke("GC", Attachment{}, c);
  if (!out) return fail(std::move(out.error()));
  return {};
}

}  // namespace v6k::node
