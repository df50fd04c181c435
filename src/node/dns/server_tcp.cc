// Server: the TCP side — acceptor, one thread per connection, forwarding over TCP.
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

#include "node/dns/server_impl.h"

namespace v6k::node::dns {

void Server::Impl::tcp_accept_loop() {
  while (true) {
    pollfd fds[2] = {{tcp.get(), POLLIN, 0}, {stop_fd.get(), POLLIN, 0}};
    int n = ::poll(fds, 2, 1000);
    if (n < 0 && errno != EINTR) return;
    if (fds[1].revents) return;
    reap_connections(/*all=*/false);
    if (!(fds[0].revents & POLLIN)) continue;
    while (true) {
      UniqueFd fd(::accept4(tcp.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
      if (!fd) break;
      if (conns.size() >= cfg.max_tcp_connections) continue;  // closed at once: client retries
      auto c = std::make_unique<Conn>();
      c->fd = std::move(fd);
      Conn* raw = c.get();
      c->thread = std::thread([this, raw] {
        serve_tcp(*raw);
        raw->done = true;
      });
      conns.push_back(std::move(c));
    }
  }
}

void Server::Impl::reap_connections(bool all) {
  for (auto it = conns.begin(); it != conns.end();) {
    Conn& c = **it;
    if (all) ::shutdown(c.fd.get(), SHUT_RDWR);  // wakes the thread's poll; fd stays ours
    if (all || c.done) {
      if (c.thread.joinable()) c.thread.join();
      it = conns.erase(it);  // closes the fd after its thread is gone
    } else {
      ++it;
    }
  }
}

void Server::Impl::serve_tcp(Conn& c) {
  // Entered on first forward only: opening upstream sockets must happen inside the netns.
  std::optional<netlink::NetNsScope> in_ns;
  while (!stopping) {
    auto msg = read_tcp_message(c.fd.get(), Clock::now() + cfg.tcp_idle_timeout);
    if (!msg) return;  // idle timeout, EOF or shutdown
    ++tcp_queries;
    Handled h = handle_query(*zone, *msg, Transport::tcp, upstream.has_value());
    if (h.kind == Handled::Kind::drop) return;
    if (h.kind == Handled::Kind::forward) {
      Result<std::vector<uint8_t>> r = fail_invalid("netns not entered");
      if (!in_ns) {
        auto scope = netlink::NetNsScope::enter(*ns);
        if (scope) in_ns.emplace(std::move(*scope));
      }
      if (in_ns) ++forwarded, r = forward_tcp(*msg);
      if (r) {
        h.reply = std::move(*r);
      } else {
        ++(r.error().code() == ETIMEDOUT ? upstream_timeouts : upstream_errors);
        h.reply = error_reply(h.query, Rcode::servfail);
      }
    } else {
      count_reply(h.reply, h.truncated);
    }
    if (!write_tcp_message(c.fd.get(), h.reply, Clock::now() + std::chrono::seconds(10))) return;
  }
}

Result<std::vector<uint8_t>> Server::Impl::forward_tcp(std::span<const uint8_t> msg) {
  auto deadline = Clock::now() + cfg.upstream_timeout;
  auto fd = connect_tcp(*upstream, deadline);
  if (!fd) return fail(std::move(fd.error()).wrap("forwarding over TCP"));
  V6K_TRY(write_tcp_message(fd->get(), msg, deadline), "forwarding over TCP");
  auto reply = read_tcp_message(fd->get(), deadline);
  if (!reply) return fail(std::move(reply.error()).wrap("forwarding over TCP"));
  auto head = parse_response_head(*reply);
  if (!head || reply->size() < 2 || (*reply)[0] != msg[0] || (*reply)[1] != msg[1])
    return fail_invalid("upstream TCP answer does not match the query");
  return reply;
}

}  // namespace v6k::node::dns
