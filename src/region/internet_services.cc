#include "region/internet_services.h"

#include <thread>

#include "netlink/netns.h"

namespace v6k::region {
namespace {

std::string client_address(const std::string& remote) {
  // "[2001:db8::1]:51234" or "198.51.100.4:51234" -> the address alone.
  if (!remote.empty() && remote[0] == '[') return remote.substr(1, remote.find(']') - 1);
  return remote.substr(0, remote.rfind(':'));
}

// Server::start binds in the calling thread's network namespace, so bind from a thread
// that entered the host's namespace; the sockets stay there after the thread leaves.
Result<std::unique_ptr<http::Server>> serve_in(const std::string& netns, const std::string& name,
                                               const std::string& shown, std::vector<std::string> listen) {
  Result<std::unique_ptr<http::Server>> out = fail_invalid("not started");
  std::thread t([&] {
    auto ns = netlink::NetNs::open_named(netns);
    if (!ns) {
      out = fail(std::move(ns.error()));
      return;
    }
    auto scope = netlink::NetNsScope::enter(*ns);
    if (!scope) {
      out = fail(std::move(scope.error()));
      return;
    }
    http::ServerOptions o;
    o.listen = std::move(listen);
    o.threads = 1;
    o.server_name = name;
    std::string banner = name + " (" + shown + ") says hello to ";
    out = http::Server::start(o, [banner](const http::Request& r) {
      http::Response resp;
      resp.headers.emplace_back("content-type", "text/plain");
      resp.body = banner + client_address(r.remote) + "\n";
      return resp;
    });
  });
  t.join();
  if (!out) return fail(std::move(out.error()).wrap("serving HTTP in " + netns));
  return out;
}

}  // namespace

Result<std::unique_ptr<InternetServices>> InternetServices::start(const fabric::Fabric& fabric) {
  auto s = std::unique_ptr<InternetServices>(new InternetServices());
  using H = fabric::InternetHosts;
  auto svc4 = serve_in(fabric.netns_name("svc4"), "svc4", H::kService4Ipv4,
                       {std::string(H::kService4Ipv4) + ":80"});
  if (!svc4) return fail(std::move(svc4.error()));
  s->servers_.push_back(std::move(*svc4));
  auto svc46 = serve_in(fabric.netns_name("svc46"), "svc46",
                        std::string(H::kService46Ipv6) + ", " + H::kService46Ipv4,
                        {std::string("[") + H::kService46Ipv6 + "]:80", std::string(H::kService46Ipv4) + ":80"});
  if (!svc46) return fail(std::move(svc46.error()));
  s->servers_.push_back(std::move(*svc46));
  return s;
}

InternetServices::~InternetServices() {
  for (auto& s : servers_) s->stop();
}

}  // namespace v6k::region
