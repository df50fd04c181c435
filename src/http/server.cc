#include "http/server.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "http/internal/connection.h"
#include "http/internal/tls.h"
#include "http/internal/wire.h"

namespace v6k::http {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

struct Server::Impl {
  std::shared_ptr<internal::ServerShared> shared = std::make_shared<internal::ServerShared>();
  asio::io_context ioc;
  std::vector<tcp::acceptor> acceptors;
  std::vector<std::string> endpoints;
  std::vector<std::thread> threads;
  std::mutex stop_mu;
  bool stopped = false;
  uint16_t port = 0;  // of the first listener (kept: stop() closes the acceptors)

  explicit Impl(int concurrency) : ioc(concurrency) {}

  // Binds one listener; an error names the address.
  Result<> bind(const tcp::endpoint& ep, const std::string& text) {
    tcp::acceptor a(ioc);
    error_code ec;
    auto failed = [&](const char* step) {
      int err = ec.category() == boost::system::system_category() ? ec.value() : EIO;
      return fail(Error::from_errno(err, std::string(step) + " " + text));
    };
    if (a.open(ep.protocol(), ec); ec) return failed("opening a socket for");
    if (a.set_option(asio::socket_base::reuse_address(true), ec); ec)
      return failed("setting SO_REUSEADDR on");
    if (ep.address().is_v6()) {
      if (a.set_option(asio::ip::v6_only(true), ec); ec) return failed("setting IPV6_V6ONLY on");
    }
    if (a.bind(ep, ec); ec) return failed("binding");
    if (a.listen(asio::socket_base::max_listen_connections, ec); ec) return failed("listening on");
    endpoints.push_back(internal::format_endpoint(a.local_endpoint()));
    acceptors.push_back(std::move(a));
    return {};
  }

  void accept(size_t i) {
    acceptors[i].async_accept(asio::make_strand(ioc), [this, i](error_code ec, tcp::socket s) {
      if (!acceptors[i].is_open() || ec == asio::error::operation_aborted) return;
      if (!ec) {
        internal::serve(std::move(s), shared);
        return accept(i);
      }
      // EMFILE and friends: back off briefly instead of spinning.
      auto timer = std::make_shared<asio::steady_timer>(ioc, std::chrono::milliseconds(50));
      timer->async_wait([this, i, timer](error_code) {
        if (acceptors[i].is_open()) accept(i);
      });
    });
  }

  void run() {
    for (;;) {
      try {
        ioc.run();
        return;
      } catch (const std::exception& e) {  // never expected: our handlers catch their own
        std::fprintf(stderr, "v6k http: io thread caught: %s\n", e.what());
      }
    }
  }

  void stop() {
    std::lock_guard lock(stop_mu);
    if (stopped) return;
    stopped = true;
    for (auto& t : threads) {
      if (t.get_id() == std::this_thread::get_id()) {
        std::fprintf(stderr, "v6k http: Server::stop() called from a handler\n");
        std::abort();
      }
    }
    ioc.stop();  // threads return after their current handler
    for (auto& t : threads) t.join();
    threads.clear();
    // No io thread runs now, so sockets can be closed from here.
    for (auto& a : acceptors) {
      error_code ignored;
      a.close(ignored);
    }
    shared->close_all();
    ioc.restart();
    ioc.poll();  // let aborted operations complete and release their connections
  }
};

Result<std::unique_ptr<Server>> Server::start(ServerOptions opts, Handler handler) {
  if (opts.listen.empty()) return fail_invalid("starting HTTP server: no listen address");
  if (opts.threads < 1) return fail_invalid("starting HTTP server: threads must be >= 1");
  if (!handler) return fail_invalid("starting HTTP server: no handler");
  std::vector<tcp::endpoint> eps;
  for (const auto& s : opts.listen) {
    auto ep = internal::parse_listen(s);
    if (!ep) return fail(std::move(ep.error()).wrap("starting HTTP server"));
    eps.push_back(*ep);
  }
  // One TLS context for every listener and connection, built before binding so a bad
  // certificate or key fails the start.
  std::unique_ptr<asio::ssl::context> tls;
  if (opts.tls) {
    auto ctx = internal::make_server_context(*opts.tls);
    if (!ctx) return fail(std::move(ctx.error()).wrap("starting HTTPS server"));
    tls = std::move(*ctx);
  }
  const bool pick_port = eps[0].port() == 0;
  // When we pick the port, a later address may find it taken: pick again a few times.
  for (int attempt = 0;; ++attempt) {
    auto impl = std::make_unique<Impl>(opts.threads);
    Result<> bound;
    bool shared_port = false;  // the failing address was given the first one's picked port
    for (size_t i = 0; i < eps.size() && bound; ++i) {
      tcp::endpoint ep = eps[i];
      shared_port = i > 0 && pick_port && ep.port() == 0;
      if (shared_port) ep.port(impl->port);
      bound = impl->bind(ep, internal::format_endpoint(ep));
      if (i == 0 && bound) impl->port = impl->acceptors[0].local_endpoint().port();
    }
    if (!bound) {
      if (shared_port && bound.error().code() == EADDRINUSE && attempt < 16) continue;
      return fail(std::move(bound.error()).wrap("starting HTTP server"));
    }
    impl->shared->options = std::move(opts);
    impl->shared->handler = std::move(handler);
    impl->shared->tls = std::move(tls);
    for (size_t i = 0; i < impl->acceptors.size(); ++i) impl->accept(i);
    int n = impl->shared->options.threads;
    for (int t = 0; t < n; ++t) impl->threads.emplace_back([p = impl.get()] { p->run(); });
    return std::unique_ptr<Server>(new Server(std::move(impl)));
  }
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { stop(); }

void Server::stop() { impl_->stop(); }

uint16_t Server::port() const { return impl_->port; }

std::vector<std::string> Server::endpoints() const { return impl_->endpoints; }

}  // namespace v6k::http
