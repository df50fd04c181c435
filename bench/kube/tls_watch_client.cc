#include "tls_watch_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace v6k::bench {

// One stream: the socket, its TLS session and the decoder of its chunked body.
struct WatchClients::Conn {
  int fd = -1;
  SSL* ssl = nullptr;
  enum class State { kHeaders, kSize, kData, kCrlf, kEnd } state = State::kHeaders;
  std::string raw;      // bytes read and not yet decoded
  size_t chunk_left = 0;
  std::string line;     // the body's current, incomplete line

  ~Conn() {
    if (ssl) SSL_free(ssl);
    if (fd >= 0) ::close(fd);
  }

  // Decodes what `raw` holds; complete body lines go to `emit`. False on a bad stream.
  template <typename Emit>
  bool decode(Emit&& emit) {
    size_t at = 0;
    for (;;) {
      if (state == State::kHeaders) {
        size_t end = raw.find("\r\n\r\n", at);
        if (end == std::string::npos) break;
        if (raw.compare(at, 12, "HTTP/1.1 200") != 0) return false;
        at = end + 4;
        state = State::kSize;
        emit(std::string_view());  // headers done
      } else if (state == State::kSize) {
        size_t end = raw.find("\r\n", at);
        if (end == std::string::npos) break;
        chunk_left = std::strtoul(raw.c_str() + at, nullptr, 16);
        at = end + 2;
        state = chunk_left == 0 ? State::kEnd : State::kData;
        if (state == State::kEnd) return true;
      } else if (state == State::kData) {
        size_t take = std::min(chunk_left, raw.size() - at);
        if (take == 0) break;
        std::string_view data(raw.data() + at, take);
        for (size_t nl; (nl = data.find('\n')) != std::string_view::npos; data.remove_prefix(nl + 1)) {
          line.append(data.substr(0, nl));
          emit(std::string_view(line));
          line.clear();
        }
        line.append(data);
        at += take;
        chunk_left -= take;
        if (chunk_left == 0) state = State::kCrlf;
      } else if (state == State::kCrlf) {
        if (raw.size() - at < 2) break;
        at += 2;
        state = State::kSize;
      } else {
        break;
      }
    }
    raw.erase(0, at);
    return true;
  }
};

WatchClients::WatchClients(uint16_t port, const std::string& token, const std::vector<std::string>& targets) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx) die("SSL_CTX_new");
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  ctx_ = ctx;
  sockaddr_in6 addr{};
  addr.sin6_family = AF_INET6;
  addr.sin6_port = htons(port);
  addr.sin6_addr = in6addr_loopback;
  for (const auto& target : targets) {
    auto c = std::make_unique<Conn>();
    c->fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0 || ::connect(c->fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      die("watch client: connect: " + std::string(std::strerror(errno)));
    int one = 1;
    ::setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->ssl = SSL_new(ctx);
    SSL_set_fd(c->ssl, c->fd);
    SSL_set_tlsext_host_name(c->ssl, "localhost");
    if (SSL_connect(c->ssl) != 1) die("watch client: TLS handshake failed");
    std::string req = "GET " + target + " HTTP/1.1\r\nHost: [::1]:" + std::to_string(port) +
                      "\r\nAuthorization: Bearer " + token +
                      "\r\nUser-Agent: kubectl/v1.32.0 (linux/amd64) kubernetes/bench"
                      "\r\nAccept: application/json\r\n\r\n";
    if (SSL_write(c->ssl, req.data(), static_cast<int>(req.size())) != static_cast<int>(req.size()))
      die("watch client: writing the request failed");
    ::fcntl(c->fd, F_SETFL, ::fcntl(c->fd, F_GETFL) | O_NONBLOCK);
    conns_.push_back(std::move(c));
  }
}

WatchClients::~WatchClients() {
  stop();
  conns_.clear();
  if (ctx_) SSL_CTX_free(static_cast<SSL_CTX*>(ctx_));
}

void WatchClients::start(OnLine on_line) {
  on_line_ = std::move(on_line);
  reader_ = std::thread([this] { run(); });
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (ready_.load() < static_cast<int>(conns_.size())) {
    if (Clock::now() > deadline) die("watch client: not every watch answered within 10 s");
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void WatchClients::stop() {
  stop_ = true;
  if (reader_.joinable()) reader_.join();
}

void WatchClients::run() {
  std::vector<pollfd> fds;
  for (const auto& c : conns_) fds.push_back({c->fd, POLLIN, 0});
  char buf[64 * 1024];
  while (!stop_.load()) {
    int n = ::poll(fds.data(), fds.size(), 50);
    if (n <= 0) continue;
    for (size_t i = 0; i < fds.size(); ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      Conn& c = *conns_[i];
      for (;;) {
        int got = SSL_read(c.ssl, buf, sizeof buf);
        if (got <= 0) {
          int err = SSL_get_error(c.ssl, got);
          if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) fds[i].fd = -1;  // closed
          break;
        }
        auto at = Clock::now();
        c.raw.append(buf, static_cast<size_t>(got));
        bool ok = c.decode([&](std::string_view line) {
          if (line.data() == nullptr) ready_.fetch_add(1);
          else on_line_(static_cast<int>(i), line, at);
        });
        if (!ok) die("watch client: the server did not answer 200: " + c.raw.substr(0, 200));
      }
    }
  }
}

}  // namespace v6k::bench
