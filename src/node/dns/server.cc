// Server: start/stop, the UDP loop and the asynchronous UDP forwarder (TCP: server_tcp.cc).
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>

#include "node/dns/server_impl.h"

namespace v6k::node::dns {

Result<std::unique_ptr<Server>> Server::start(std::shared_ptr<const Records> zone, ServerConfig cfg) {
  auto impl = std::make_unique<Impl>();
  impl->zone = std::move(zone);
  impl->cfg = std::move(cfg);
  const ServerConfig& c = impl->cfg;
  const std::string where = c.netns.empty() ? "the current netns" : "netns " + c.netns;
  auto ns = c.netns.empty() ? netlink::NetNs::current() : netlink::NetNs::open(c.netns);
  if (!ns) return fail(std::move(ns.error()).wrap("starting cluster DNS"));
  impl->ns.emplace(std::move(*ns));
  if (c.upstream) impl->upstream = SockAddr::from(c.upstream->address, c.upstream->port);

  uint16_t port = c.port;
  {
    // Sockets keep the namespace they are created in: enter, create, leave.
    auto in = netlink::NetNsScope::enter(*impl->ns);
    if (!in) return fail(std::move(in.error()).wrap("starting cluster DNS in " + where));
    auto udp = bind_udp(SockAddr::from(c.address, port));
    if (!udp) return fail(std::move(udp.error()).wrap("cluster DNS in " + where));
    SockAddr bound;
    bound.len = sizeof bound.ss;
    if (::getsockname(udp->get(), bound.get(), &bound.len) < 0) return fail_errno("getsockname");
    port = bound.port();
    auto tcp = listen_tcp(SockAddr::from(c.address, port));
    if (!tcp) return fail(std::move(tcp.error()).wrap("cluster DNS in " + where));
    impl->udp = std::move(*udp);
    impl->tcp = std::move(*tcp);
    if (impl->upstream) {
      auto up = connect_udp(*impl->upstream);
      if (!up) return fail(std::move(up.error()).wrap("cluster DNS upstream in " + where));
      impl->upstream_udp = std::move(*up);
    }
  }
  impl->stop_fd = UniqueFd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!impl->stop_fd) return fail_errno("eventfd for cluster DNS");

  Impl* p = impl.get();
  impl->udp_thread = std::thread([p] { p->udp_loop(); });
  impl->tcp_thread = std::thread([p] { p->tcp_accept_loop(); });
  std::unique_ptr<Server> srv(new Server(std::move(impl)));
  srv->port_ = port;
  return srv;
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { stop(); }

void Server::stop() {
  if (!impl_ || impl_->stopping.exchange(true)) return;
  uint64_t one = 1;
  (void)!::write(impl_->stop_fd.get(), &one, sizeof one);
  if (impl_->udp_thread.joinable()) impl_->udp_thread.join();
  if (impl_->tcp_thread.joinable()) impl_->tcp_thread.join();
  impl_->reap_connections(/*all=*/true);
}

ServerStats Server::stats() const {
  const Impl& i = *impl_;
  return {i.udp_queries.load(), i.tcp_queries.load(),       i.forwarded.load(), i.upstream_timeouts.load(),
          i.upstream_errors.load(), i.truncated.load(), i.formerr.load()};
}

void Server::Impl::udp_loop() {
  while (true) {
    pollfd fds[3] = {{udp.get(), POLLIN, 0}, {stop_fd.get(), POLLIN, 0}, {upstream_udp.get(), POLLIN, 0}};
    int timeout = -1;
    if (!expiry.empty()) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(expiry.front().first - Clock::now());
      timeout = int(std::max<int64_t>(0, left.count()));
    }
    int n = ::poll(fds, upstream_udp ? 3 : 2, timeout);
    if (n < 0 && errno != EINTR) return;  // cannot happen with valid fds
    if (fds[1].revents) return;
    // Drain a bounded batch per wake-up so the forwarder and timeouts are never starved.
    for (int i = 0; i < 64 && (fds[0].revents & POLLIN); ++i) {
      SockAddr client;
      client.len = sizeof client.ss;
      ssize_t len = ::recvfrom(udp.get(), buf.data(), buf.size(), 0, client.get(), &client.len);
      if (len < 0) break;
      on_udp_query(size_t(len), client);
    }
    for (int i = 0; i < 64 && (fds[2].revents & POLLIN); ++i) {
      ssize_t len = ::recv(upstream_udp.get(), buf.data(), buf.size(), 0);
      if (len < 0) {
        // ECONNREFUSED etc.: an ICMP error for an earlier query; its timeout answers it.
        if (errno != EAGAIN && errno != EWOULDBLOCK) continue;
        break;
      }
      on_upstream_reply(size_t(len));
    }
    expire(Clock::now());
  }
}

void Server::Impl::send_udp(std::span<const uint8_t> msg, const SockAddr& to) {
  // A full socket buffer drops the reply; the client retries, as with any lost datagram.
  (void)::sendto(udp.get(), msg.data(), msg.size(), MSG_DONTWAIT, to.get(), to.len);
}

void Server::Impl::count_reply(const std::vector<uint8_t>& reply, bool was_truncated) {
  if (was_truncated) ++truncated;
  if (reply.size() >= 4 && (reply[3] & 0xF) == uint8_t(Rcode::formerr)) ++formerr;
}

void Server::Impl::on_udp_query(size_t len, const SockAddr& client) {
  ++udp_queries;
  std::span<const uint8_t> msg(buf.data(), len);
  Handled h = handle_query(*zone, msg, Transport::udp, upstream.has_value());
  switch (h.kind) {
    case Handled::Kind::drop:
      return;
    case Handled::Kind::reply:
      count_reply(h.reply, h.truncated);
      send_udp(h.reply, client);
      return;
    case Handled::Kind::forward:
      forward_udp(h, msg, client);
      return;
  }
}

void Server::Impl::forward_udp(const Handled& h, std::span<const uint8_t> msg, const SockAddr& client) {
  if (pending.size() >= kMaxPending) {
    ++upstream_errors;
    send_udp(error_reply(h.query, Rcode::servfail), client);
    return;
  }
  uint16_t id;
  do id = uint16_t(rng()); while (pending.contains(id));
  std::vector<uint8_t> out(msg.begin(), msg.end());
  out[0] = uint8_t(id >> 8), out[1] = uint8_t(id);
  if (::send(upstream_udp.get(), out.data(), out.size(), MSG_DONTWAIT) < 0) {
    ++upstream_errors;
    send_udp(error_reply(h.query, Rcode::servfail), client);
    return;
  }
  ++forwarded;
  auto deadline = Clock::now() + cfg.upstream_timeout;
  pending[id] = Pending{client, h.query.id, h.query, deadline};
  expiry.emplace_back(deadline, id);
}

void Server::Impl::on_upstream_reply(size_t len) {
  std::span<uint8_t> msg(buf.data(), len);
  auto head = parse_response_head(msg);
  if (!head) {
    ++upstream_errors;
    return;
  }
  auto it = pending.find(head->id);
  // Late, duplicate or spoofed answers match no pending query (or not its question).
  if (it == pending.end()) return;
  const Query& q = it->second.query;
  if (lower(head->name) != lower(q.name) || head->qtype != q.qtype || head->qclass != q.qclass) return;
  msg[0] = uint8_t(it->second.client_id >> 8), msg[1] = uint8_t(it->second.client_id);
  send_udp(msg, it->second.client);
  pending.erase(it);
}

void Server::Impl::expire(Clock::time_point now) {
  while (!expiry.empty() && expiry.front().first <= now) {
    auto [deadline, id] = expiry.front();
    expiry.pop_front();
    auto it = pending.find(id);
    if (it == pending.end() || it->second.deadline != deadline) continue;  // answered already
    ++upstream_timeouts;
    send_udp(error_reply(it->second.query, Rcode::servfail), it->second.client);
    pending.erase(it);
  }
}

}  // namespace v6k::node::dns
