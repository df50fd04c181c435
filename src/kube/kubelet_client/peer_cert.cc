#include "kube/kubelet_client/peer_cert.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "common/unique_fd.h"

namespace v6k::kube {

namespace {

struct SslCtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};

// A blocking TCP connection with a bounded connect and bounded reads/writes.
Result<UniqueFd> dial(const std::string& host, uint16_t port, std::chrono::milliseconds timeout) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    len = sizeof *v6;
  } else if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    len = sizeof *v4;
  } else {
    return fail_invalid("\"" + host + "\" is not an address literal");
  }
  UniqueFd fd(::socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) return fail_errno("socket");
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    if (errno != EINPROGRESS) return fail_errno("connect");
    pollfd p{fd.get(), POLLOUT, 0};
    int n = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (n == 0) return fail_errno("connect", ETIMEDOUT);
    if (n < 0) return fail_errno("poll");
    int err = 0;
    socklen_t el = sizeof err;
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &el);
    if (err != 0) return fail_errno("connect", err);
  }
  ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) & ~O_NONBLOCK);
  timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return fd;
}

std::string ssl_error_text() {
  char buf[256];
  unsigned long e = ERR_get_error();
  if (e == 0) return "handshake failed";
  ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

}  // namespace

Result<std::string> fetch_peer_anchor(const std::string& host, uint16_t port, std::chrono::milliseconds timeout) {
  const std::string what = "reading the certificate of [" + host + "]:" + std::to_string(port);
  auto fd = dial(host, port, timeout);
  if (!fd) return fail(std::move(fd.error()).wrap(what));
  std::unique_ptr<SSL_CTX, SslCtxFree> ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return fail_invalid(what + ": " + ssl_error_text());
  // Deliberately unverified: this only learns what the peer presents (see the header).
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  std::unique_ptr<SSL, SslFree> ssl(SSL_new(ctx.get()));
  if (!ssl || SSL_set_fd(ssl.get(), fd->get()) != 1) return fail_invalid(what + ": " + ssl_error_text());
  if (SSL_connect(ssl.get()) != 1) return fail_invalid(what + ": " + ssl_error_text());
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl.get());
  const int n = chain ? sk_X509_num(chain) : 0;
  if (n <= 0) return fail_invalid(what + ": the server presented no certificate");
  X509* anchor = sk_X509_value(chain, n - 1);
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), anchor) != 1) return fail_invalid(what + ": " + ssl_error_text());
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  std::string pem(data, static_cast<size_t>(len));
  SSL_shutdown(ssl.get());
  return pem;
}

}  // namespace v6k::kube
