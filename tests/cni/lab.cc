#include "lab.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "common/unique_fd.h"
#include "netlink/rtnl.h"
#include "netlink/sysctl.h"

extern char** environ;

namespace v6k::testing {

using netlink::NetNs;
using netlink::NetNsScope;
using netlink::Rtnl;

namespace {

[[noreturn]] void die(const std::string& what) { throw std::runtime_error(what); }

template <typename T>
T must(Result<T> r, const std::string& what) {
  if (!r) die(what + ": " + r.error().message());
  return std::move(*r);
}
void must(Result<> r, const std::string& what) {
  if (!r) die(what + ": " + r.error().message());
}

addr::IpInterface iface(const std::string& s) { return must(addr::IpInterface::parse(s), "parse " + s); }
addr::IpAddress ip(const std::string& s) { return must(addr::parse_ip(s), "parse " + s); }

netlink::Route via(const std::string& dst_cidr, const std::string& gw, int ifindex) {
  netlink::Route r;
  auto slash = dst_cidr.find('/');
  r.dst = ip(dst_cidr.substr(0, slash));
  r.dst_len = std::stoi(dst_cidr.substr(slash + 1));
  r.gateway = ip(gw);
  r.ifindex = ifindex;
  return r;
}

void sysctl_in(const NetNs& ns, const std::string& key, const std::string& value) {
  auto scope = must(NetNsScope::enter(ns), "enter netns");
  must(netlink::write_sysctl(key, value), "sysctl " + key);
}

}  // namespace


std::optional<std::string> Lab::unavailable() {
  if (::geteuid() != 0) return "needs root (network namespaces)";
  if (::access("/proc/self/ns/net", R_OK) != 0) return "no network namespace support";
  if (::access(built("cmd/v6k-cni").c_str(), X_OK) != 0) return "v6k-cni is not built";
  return std::nullopt;
}

Lab::Lab(int nodes) : nodes_(nodes) {
  static int counter = 0;
  prefix_ = "v6kt" + std::to_string(::getpid() % 100000) + "x" + std::to_string(counter++) + "-";
  data_dir_ = "/tmp/" + prefix_ + "data";
  try {
    build();
  } catch (...) {
    cleanup();
    throw;
  }
}

Lab::~Lab() { cleanup(); }

void Lab::cleanup() {
  for (auto it = namespaces_.rbegin(); it != namespaces_.rend(); ++it) (void)NetNs::remove(*it);
  namespaces_.clear();
  std::error_code ec;
  std::filesystem::remove_all(data_dir_, ec);
}

void Lab::build() {
  // Wires come up with their link-local address usable at once: a forwarding host sends
  // neighbour solicitations for forwarded packets only from a non-tentative link-local
  // address, so DAD on a fresh wire would drop the first second of cross-node traffic.
  auto make = [&](const std::string& name) {
    NetNs ns = must(NetNs::create(name), "create netns " + name);
    namespaces_.push_back(name);
    sysctl_in(ns, "net/ipv6/conf/default/accept_dad", "0");
    sysctl_in(ns, "net/ipv6/conf/all/accept_dad", "0");
    return ns;
  };
  NetNs router = make(prefix_ + "r");
  Rtnl r = must(Rtnl::open_in(router), "rtnl router");
  sysctl_in(router, "net/ipv6/conf/all/forwarding", "1");
  sysctl_in(router, "net/ipv4/ip_forward", "1");
  for (int i = 1; i <= nodes_; ++i) {
    NetNs n = make(node(i));
    Rtnl nr = must(Rtnl::open_in(n), "rtnl node");
    std::string rside = "n" + std::to_string(i);
    must(r.create_veth({.name = rside, .peer_name = "eth0", .peer_netns_fd = n.fd(), .mtu = 9001}), "wire");
    int ri = must(r.get_link(rside), "router link").index;
    int ni = must(nr.get_link("eth0"), "node link").index;
    std::string v6net = "2001:db8:0:1" + std::to_string(i) + "::";
    must(r.add_address(ri, iface(v6net + "1/64"), IFA_F_NODAD), "router v6");
    must(r.add_address(ri, iface("10.0." + std::to_string(i) + ".1/24")), "router v4");
    must(r.set_link_up(ri), "router up");
    must(nr.add_address(ni, iface(v6net + "2/64"), IFA_F_NODAD), "node v6");
    must(nr.add_address(ni, iface(node_ipv4(i) + "/24")), "node v4");
    must(nr.set_link_up(ni), "node up");
    must(nr.add_route(via("::/0", v6net + "1", ni)), "node v6 default");
    must(nr.add_route(via("0.0.0.0/0", "10.0." + std::to_string(i) + ".1", ni)), "node v4 default");
    must(r.add_route(via(pod_prefix(i), v6net + "2", ri)), "router pod prefix route");
    must(r.add_route(via("10.0." + std::to_string(i) + ".16/28", node_ipv4(i), ri)), "router pod IPv4 route");
  }
  NetNs in = make(inet());
  Rtnl ir = must(Rtnl::open_in(in), "rtnl inet");
  must(r.create_veth({.name = "inet", .peer_name = "eth0", .peer_netns_fd = in.fd()}), "inet wire");
  int ri = must(r.get_link("inet"), "router inet link").index;
  int ii = must(ir.get_link("eth0"), "inet link").index;
  must(r.add_address(ri, iface("203.0.113.1/24")), "router inet v4");
  must(r.set_link_up(ri), "router inet up");
  must(ir.add_address(ii, iface("203.0.113.10/24")), "inet v4");
  must(ir.set_link_up(ii), "inet up");
  must(ir.add_route(via("0.0.0.0/0", "203.0.113.1", ii)), "inet default");
  sysctl_in(in, "net/ipv6/conf/all/disable_ipv6", "1");  // an IPv4-only host
}

std::string Lab::new_pod() {
  std::string name = prefix_ + "p" + std::to_string(pods_++);
  must(NetNs::create(name), "create pod netns");
  namespaces_.push_back(name);
  return name;
}

void Lab::delete_pod(const std::string& name) {
  (void)NetNs::remove(name);
  std::erase(namespaces_, name);
}

nlohmann::json Lab::config(int i, const nlohmann::json& overrides) const {
  nlohmann::json c = {
      {"cniVersion", "1.1.0"},
      {"name", "v6k"},
      {"type", "v6k-cni"},
      {"ipv6Prefixes", {pod_prefix(i)}},
      {"ipv4Egress", {{"enabled", true}, {"nodeIPv4", node_ipv4(i)}, {"uplink", "eth0"}}},
      {"mtu", 9001},
      {"dataDir", data_dir_ + "/n" + std::to_string(i)},
  };
  c.merge_patch(overrides);
  return c;
}

std::pair<std::string, nlohmann::json> Lab::add_pod(int i, const std::string& container_id,
                                                    const nlohmann::json& conf) {
  std::string pod = new_pod();
  ExecResult r = cni(i, "ADD", container_id, pod, conf);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  return {pod, nlohmann::json::parse(r.out, nullptr, false)};
}

std::string Lab::first_ip(const nlohmann::json& result) {
  std::string a = result["ips"][0]["address"];
  return a.substr(0, a.find('/'));
}

std::vector<std::string> Lab::pod_ipv4s(int i) const {
  std::string net = "10.0." + std::to_string(i) + ".";
  return {net + "17", net + "18", net + "19"};
}

nlohmann::json Lab::config_v4(int i) const {
  return {
      {"cniVersion", "1.1.0"},
      {"name", "v6k"},
      {"type", "v6k-cni"},
      {"ipv4Addresses", pod_ipv4s(i)},
      {"ipv4Snat", {{"nodeIPv4", node_ipv4(i)}, {"excludeCidrs", {"10.0.0.0/16"}}, {"uplink", "eth0"}}},
      {"mtu", 9001},
      {"dataDir", data_dir_ + "/n" + std::to_string(i)},
  };
}

ExecResult Lab::cni(int i, const std::string& command, const std::string& container_id, const std::string& pod,
                    const nlohmann::json& conf, const std::string& ifname, const std::string& extra_args) {
  std::map<std::string, std::string> env = {
      {"CNI_COMMAND", command}, {"CNI_CONTAINERID", container_id}, {"CNI_IFNAME", ifname},
      {"CNI_PATH", "/usr/lib/cni"}, {"CNI_ARGS", "K8S_POD_NAMESPACE=default;K8S_POD_NAME=" + pod + extra_args}};
  if (!pod.empty()) env["CNI_NETNS"] = pod_path(pod);
  return run_in_netns("/var/run/netns/" + node(i), {built("cmd/v6k-cni")}, env, conf.dump());
}


}  // namespace v6k::testing
