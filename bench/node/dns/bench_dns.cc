// bench_dns: cluster DNS queries/s and p50/p99 latency over UDP from a client namespace to
// the server in a "node" namespace, against the floor — a UDP echo of the same query bytes
// on the same address, path and client loop — in the same run. Prints the ratios.
//
//   bench_dns [--seconds 2] [--inflight 1,16]
//
// Needs root (it creates two namespaces, v6kb-dns-<pid>-{s,c}, and removes them on exit).
// Every query is the AAAA question a pod asks for my-service.aws-news-blog.svc.cluster.local.
#include <linux/if_addr.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <future>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "netlink/rtnl.h"
#include "netlink/sysctl.h"
#include "node/dns/server.h"
#include "node/dns/sockets.h"

namespace v6k::node::dns {
namespace {

using netlink::NetNs;
using netlink::NetNsScope;
using netlink::Rtnl;

addr::IpAddress ip(const char* t) { return addr::parse_ip(t).value(); }
addr::IpInterface iface(const char* t) { return addr::IpInterface::parse(t).value(); }

struct World {
  std::string s = "v6kb-dns-" + std::to_string(::getpid()) + "-s";
  std::string c = "v6kb-dns-" + std::to_string(::getpid()) + "-c";
  std::optional<NetNs> server, client;
  ~World() {
    (void)NetNs::remove(s);
    (void)NetNs::remove(c);
  }
  Result<> build() {
    auto sn = NetNs::create(s);
    if (!sn) return fail(std::move(sn.error()));
    server.emplace(std::move(*sn));
    auto cn = NetNs::create(c);
    if (!cn) return fail(std::move(cn.error()));
    client.emplace(std::move(*cn));
    for (const NetNs* ns : {&*server, &*client}) {
      auto in = NetNsScope::enter(*ns);
      if (!in) return fail(std::move(in.error()));
      V6K_TRY(netlink::write_sysctl("net/ipv6/conf/all/accept_dad", "0"), "sysctl");
      V6K_TRY(netlink::write_sysctl("net/ipv6/conf/default/accept_dad", "0"), "sysctl");
    }
    auto sr = Rtnl::open_in(*server);
    auto cr = Rtnl::open_in(*client);
    if (!sr || !cr) return fail_invalid("rtnl");
    V6K_TRY(sr->create_veth({.name = "c0", .peer_name = "eth0", .peer_netns_fd = client->fd()}), "veth");
    auto lo = sr->get_link("lo");
    auto si = sr->get_link("c0");
    auto ci = cr->get_link("eth0");
    if (!lo || !si || !ci) return fail_invalid("links");
    V6K_TRY(sr->add_address(lo->index, iface("fd12:3456:789a::a/128"), IFA_F_NODAD), "lo addr");
    V6K_TRY(sr->add_address(si->index, iface("fd99:1::1/64"), IFA_F_NODAD), "addr");
    V6K_TRY(cr->add_address(ci->index, iface("fd99:1::2/64"), IFA_F_NODAD), "addr");
    V6K_TRY(sr->set_link_up(si->index), "up");
    V6K_TRY(cr->set_link_up(ci->index), "up");
    V6K_TRY(sr->add_neighbour({.ifindex = si->index, .ip = ip("fd99:1::2"), .mac = ci->mac}), "neigh");
    V6K_TRY(cr->add_neighbour({.ifindex = ci->index, .ip = ip("fd99:1::1"), .mac = si->mac}), "neigh");
    netlink::Route r;
    r.dst = ip("fd12:3456:789a::");
    r.dst_len = 108;
    r.gateway = ip("fd99:1::1");
    r.ifindex = ci->index;
    V6K_TRY(cr->add_route(r), "route");
    // Wait until both ends run and the addresses are local (installed asynchronously).
    for (int i = 0; i < 400; ++i) {
      auto a = sr->get_link(si->index), b = cr->get_link(ci->index);
      auto t1 = sr->route_type(ip("fd99:1::1")), t2 = cr->route_type(ip("fd99:1::2"));
      if (a && b && a->oper_up && b->oper_up && t1 && *t1 == RTN_LOCAL && t2 && *t2 == RTN_LOCAL) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return {};
  }
};

// The floor: echo every datagram back, on a socket in the server namespace.
class Echo {
 public:
  Result<> start(const NetNs& ns, const SockAddr& at) {
    {
      auto in = NetNsScope::enter(ns);
      if (!in) return fail(std::move(in.error()));
      auto fd = bind_udp(at);
      if (!fd) return fail(std::move(fd.error()));
      fd_ = std::move(*fd);
    }
    stop_ = UniqueFd(::eventfd(0, EFD_CLOEXEC));
    thread_ = std::thread([this] {
      std::vector<uint8_t> buf(65536);
      while (true) {
        pollfd p[2] = {{fd_.get(), POLLIN, 0}, {stop_.get(), POLLIN, 0}};
        if (::poll(p, 2, -1) < 0 || p[1].revents) return;
        for (int i = 0; i < 64; ++i) {
          SockAddr from;
          from.len = sizeof from.ss;
          ssize_t n = ::recvfrom(fd_.get(), buf.data(), buf.size(), 0, from.get(), &from.len);
          if (n < 0) break;
          (void)::sendto(fd_.get(), buf.data(), size_t(n), MSG_DONTWAIT, from.get(), from.len);
        }
      }
    });
    return {};
  }
  ~Echo() {
    if (!thread_.joinable()) return;
    uint64_t one = 1;
    (void)!::write(stop_.get(), &one, sizeof one);
    thread_.join();
  }

 private:
  UniqueFd fd_, stop_;
  std::thread thread_;
};

// A plain AAAA query (what glibc sends, no EDNS), id patched per slot.
std::vector<uint8_t> query_bytes() {
  std::vector<uint8_t> q = {0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0};
  for (const char* l : {"my-service", "aws-news-blog", "svc", "cluster", "local"}) {
    q.push_back(uint8_t(std::strlen(l)));
    q.insert(q.end(), l, l + std::strlen(l));
  }
  q.insert(q.end(), {0, 0, 28, 0, 1});
  return q;
}

struct Run {
  double qps = 0, p50_us = 0, p99_us = 0;
  uint64_t answered = 0, lost = 0;
};

// Closed loop with `inflight` queries outstanding on one socket, for `seconds`.
Run load(const NetNs& client, const SockAddr& to, int inflight, double seconds, bool expect_answer) {
  std::promise<Run> out;
  std::thread t([&] {
    Run r;
    auto in = NetNsScope::enter(client);
    auto fd = connect_udp(to);
    if (!in || !fd) return out.set_value(r);
    std::vector<uint8_t> q = query_bytes(), buf(4096);
    std::vector<Clock::time_point> sent(static_cast<size_t>(inflight));
    std::vector<double> lat;
    lat.reserve(1 << 20);
    auto send = [&](int slot) {
      q[0] = uint8_t(slot >> 8), q[1] = uint8_t(slot);
      sent[size_t(slot)] = Clock::now();
      (void)::send(fd->get(), q.data(), q.size(), 0);
    };
    auto start = Clock::now();
    auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
    for (int s = 0; s < inflight; ++s) send(s);
    while (Clock::now() < end && lat.size() < 5'000'000) {
      pollfd p{fd->get(), POLLIN, 0};
      if (::poll(&p, 1, 200) <= 0) {  // a lost datagram: resend every slot (bounded loop)
        r.lost += uint64_t(inflight);
        for (int s = 0; s < inflight; ++s) send(s);
        continue;
      }
      ssize_t n = ::recv(fd->get(), buf.data(), buf.size(), MSG_DONTWAIT);
      if (n < 12) continue;
      int slot = buf[0] << 8 | buf[1];
      if (slot >= inflight) continue;
      if (expect_answer && !(buf[2] & 0x80)) continue;
      auto now = Clock::now();
      lat.push_back(std::chrono::duration<double, std::micro>(now - sent[size_t(slot)]).count());
      send(slot);
    }
    double secs = std::chrono::duration<double>(Clock::now() - start).count();
    r.answered = lat.size();
    r.qps = double(lat.size()) / secs;
    if (!lat.empty()) {
      std::sort(lat.begin(), lat.end());
      r.p50_us = lat[lat.size() / 2];
      r.p99_us = lat[std::min(lat.size() - 1, lat.size() * 99 / 100)];
    }
    out.set_value(r);
  });
  t.join();
  return out.get_future().get();
}

int main_impl(int argc, char** argv) {
  double seconds = 2;
  std::vector<int> inflights = {1, 16};
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--seconds") seconds = std::atof(argv[i + 1]);
    if (a == "--inflight") {
      inflights.clear();
      std::stringstream ss(argv[i + 1]);
      for (std::string x; std::getline(ss, x, ',');) inflights.push_back(std::max(1, std::atoi(x.c_str())));
    }
  }
  if (::geteuid() != 0) {
    std::printf("bench_dns: skipped (needs root for network namespaces)\n");
    return 0;
  }
  World w;
  if (auto r = w.build(); !r) {
    std::printf("bench_dns: cannot build namespaces: %s\n", r.error().message().c_str());
    return 1;
  }
  auto zone = std::make_shared<Records>();
  (void)zone->upsert_service({{"metadata", {{"namespace", "aws-news-blog"}, {"name", "my-service"}}},
                              {"spec", {{"clusterIP", "fd12:3456:789a::1234"}, {"ports", {{{"name", "http"}, {"port", 80}}}}}}});
  for (int i = 0; i < 1000; ++i)  // a zone of realistic size, not a single entry
    (void)zone->upsert_service({{"metadata", {{"namespace", "ns" + std::to_string(i % 20)}, {"name", "svc-" + std::to_string(i)}}},
                                {"spec", {{"clusterIP", "fd12:3456:789a::" + std::to_string(i + 0x100)}, {"ports", {{{"port", 80}}}}}}});
  auto srv = Server::start(zone, {.netns = "/var/run/netns/" + w.s, .address = ip("fd12:3456:789a::a"), .port = 53});
  if (!srv) {
    std::printf("bench_dns: %s\n", srv.error().message().c_str());
    return 1;
  }
  Echo echo;
  if (auto r = echo.start(*w.server, SockAddr::from(ip("fd12:3456:789a::a"), 5300)); !r) {
    std::printf("bench_dns: echo: %s\n", r.error().message().c_str());
    return 1;
  }
  std::printf("%-28s %10s %10s %10s\n", "UDP, client ns -> node ns", "queries/s", "p50 us", "p99 us");
  for (int k : inflights) {
    Run d = load(*w.client, SockAddr::from(ip("fd12:3456:789a::a"), 53), k, seconds, true);
    Run e = load(*w.client, SockAddr::from(ip("fd12:3456:789a::a"), 5300), k, seconds, false);
    std::printf("cluster DNS, %2d in flight    %10.0f %10.1f %10.1f\n", k, d.qps, d.p50_us, d.p99_us);
    std::printf("UDP echo floor, %2d in flight %10.0f %10.1f %10.1f\n", k, e.qps, e.p50_us, e.p99_us);
    std::printf("ratio dns/floor              %10.2f %10.2f %10.2f   (lost: dns %llu, echo %llu)\n",
                e.qps > 0 ? d.qps / e.qps : 0, e.p50_us > 0 ? d.p50_us / e.p50_us : 0,
                e.p99_us > 0 ? d.p99_us / e.p99_us : 0, (unsigned long long)d.lost, (unsigned long long)e.lost);
  }
  return 0;
}

}  // namespace
}  // namespace v6k::node::dns

int main(int argc, char** argv) { return v6k::node::dns::main_impl(argc, argv); }
