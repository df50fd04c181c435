#include "lab.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "netlink/netns.h"
#include "netlink/rtnl.h"

namespace v6k::node::runtime::testing {
namespace {

using netlink::NetNs;
using netlink::NetNsScope;
using netlink::Rtnl;

std::string setup_pair(const std::string& srv, const std::string& cli) {
  auto s = NetNs::create(srv);
  if (!s) return s.error().message();
  auto c = NetNs::create(cli);
  if (!c) return c.error().message();
  auto r = Rtnl::open_in(*s);
  if (!r) return r.error().message();
  auto veth = r->create_veth({.name = "eth0", .peer_name = "eth0", .peer_netns_fd = c->fd()});
  if (!veth) return veth.error().message();
  auto rc = Rtnl::open_in(*c);
  if (!rc) return rc.error().message();
  for (auto* rt : {&*r, &*rc}) {
    bool server = rt == &*r;
    auto link = rt->get_link("eth0");
    if (!link) return link.error().message();
    auto a6 = addr::IpInterface::parse(std::string(server ? kServerIp6 : kClientIp6) + "/64");
    auto a4 = addr::IpInterface::parse(std::string(server ? kServerIp4 : kClientIp4) + "/24");
    if (!a6 || !a4) return "bad test address";
    if (auto x = rt->add_address(link->index, *a6, IFA_F_NODAD); !x) return x.error().message();
    if (auto x = rt->add_address(link->index, *a4); !x) return x.error().message();
    if (auto x = rt->set_link_up(link->index); !x) return x.error().message();
  }
  return {};
}

}  // namespace

RuntimeLab::RuntimeLab(const std::string& tag) : dir_("v6kt-runtime") {
  const std::string base = "v6kt-runtime-" + std::to_string(::getpid()) + "-" + tag;
  server_ = base + "-srv";
  client_ = base + "-cli";
  group_ = base;
  if (dir_.path().empty()) {
    error_ = "mkdtemp failed";
    return;
  }
  error_ = setup_pair(server_, client_);
  if (!error_.empty()) return;
  auto rt = Runtime::open(options());
  if (!rt) {
    error_ = rt.error().message();
    return;
  }
  rt_.emplace(std::move(*rt));
}

RuntimeOptions RuntimeLab::options() const { return {.root = dir_.path() + "/root", .cgroup_group = group_}; }

RuntimeLab::~RuntimeLab() {
  if (rt_) {
    if (auto sbs = rt_->list_sandboxes())
      for (const auto& s : *sbs) (void)rt_->remove_sandbox(s.id, std::chrono::milliseconds(0));
    if (auto cs = rt_->list())
      for (const auto& c : *cs) {
        (void)rt_->stop_container(c.id, std::chrono::milliseconds(0));
        (void)rt_->remove_container(c.id);
      }
  }
  // The per-test cgroup group directories (each container's own is gone by now).
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    size_t a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    std::string ctrls = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
    if (path == "/") path.clear();
    for (const char* c : {"cpu", "memory", "pids"})
      if (("," + ctrls + ",").find(std::string(",") + c + ",") != std::string::npos)
        ::rmdir(("/sys/fs/cgroup/" + std::string(c) + path + "/" + group_).c_str());
  }
  (void)NetNs::remove(server_);
  (void)NetNs::remove(client_);
}

Sandbox RuntimeLab::sandbox(const std::string& pod_name) {
  auto s = rt_->create_sandbox({.pod_uid = "uid-" + pod_name, .pod_name = pod_name, .pod_namespace = "default",
                                .netns_path = server_ns_path()});
  if (!s) {
    ADD_FAILURE() << s.error().message();
    return {};
  }
  return *s;
}

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

namespace {

// Connects from inside `ns` (on a thread that entered it) with retries; -1 on timeout.
int connect_in(const std::string& ns, const std::string& ip, int port, int timeout_ms, std::string* err) {
  auto handle = NetNs::open_named(ns);
  if (!handle) {
    *err = handle.error().message();
    return -1;
  }
  auto scope = NetNsScope::enter(*handle);
  if (!scope) {
    *err = scope.error().message();
    return -1;
  }
  sockaddr_storage ss{};
  socklen_t len = 0;
  bool v6 = ip.find(':') != std::string::npos;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET6, ip.c_str(), &a->sin6_addr);
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, ip.c_str(), &a->sin_addr);
    len = sizeof *a;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0) return fd;
    *err = std::string("connect: ") + strerror(errno);
    if (fd >= 0) ::close(fd);
    if (std::chrono::steady_clock::now() > deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

}  // namespace

std::string http_get(const std::string& ns, const std::string& ip, int port, int timeout_ms) {
  std::string result;
  std::thread t([&] {
    std::string err;
    int fd = connect_in(ns, ip, port, timeout_ms, &err);
    if (fd < 0) {
      result = "ERROR: " + err;
      return;
    }
    std::string req = "GET / HTTP/1.0\r\nHost: " + ip + "\r\nUser-Agent: v6k-runtime-test\r\n\r\n";
    (void)!::write(fd, req.data(), req.size());
    struct timeval tv = {5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    result = read_all(fd);
    ::close(fd);
  });
  t.join();
  return result;
}

bool tcp_connects(const std::string& ns, const std::string& ip, int port, int timeout_ms) {
  bool ok = false;
  std::thread t([&] {
    std::string err;
    int fd = connect_in(ns, ip, port, timeout_ms, &err);
    ok = fd >= 0;
    if (fd >= 0) ::close(fd);
  });
  t.join();
  return ok;
}

ExecOutput exec(Runtime& rt, const std::string& id, std::vector<std::string> argv) {
  ExecOutput o;
  auto p = rt.exec_in_container(id, {.argv = std::move(argv)});
  if (!p) {
    o.err = p.error().message();
    return o;
  }
  std::string err;
  std::thread te([&] { err = read_all(p->stderr_fd()); });
  o.out = read_all(p->stdout_fd());
  te.join();
  o.err = err;
  auto code = p->wait();
  o.code = code ? *code : -1;
  return o;
}

}  // namespace v6k::node::runtime::testing
