#include "http/internal/tls.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace v6k::http::internal {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using boost::system::error_code;

namespace {

constexpr unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};

// ALPN on the server: pick http/1.1 when offered. kubectl offers "h2,http/1.1"; a client
// offering only h2 gets no ALPN reply rather than a fatal alert, and speaks HTTP/1.1.
int select_http11(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                  unsigned int inlen, void*) {
  unsigned char* chosen = nullptr;
  if (SSL_select_next_proto(&chosen, outlen, kHttp11, sizeof kHttp11, in, inlen) !=
      OPENSSL_NPN_NEGOTIATED)
    return SSL_TLSEXT_ERR_NOACK;
  *out = chosen;
  return SSL_TLSEXT_ERR_OK;
}

Error tls_error(const error_code& ec, const std::string& what) {
  ERR_clear_error();
  return Error::invalid(what + ": " + ec.message());
}

// TLS 1.2 and 1.3 only, no compression, no renegotiation.
std::unique_ptr<ssl::context> base_context(ssl::context::method method) {
  auto ctx = std::make_unique<ssl::context>(method);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_compression |
                   ssl::context::no_sslv2 | ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                   ssl::context::no_tlsv1_1);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  SSL_CTX_set_options(ctx->native_handle(), SSL_OP_NO_RENEGOTIATION);
  return ctx;
}

// Names every CA of `pem` in the CertificateRequest, so clients (Go's crypto/tls among
// them) know which of their certificates to send.
Result<> advertise_client_cas(SSL_CTX* ctx, const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (!bio) return fail_invalid("reading client CA PEM");
  int added = 0;
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    if (SSL_CTX_add_client_CA(ctx, cert) == 1) ++added;
    X509_free(cert);
  }
  BIO_free(bio);
  ERR_clear_error();  // the loop ends on "no start line"
  if (added == 0) return fail_invalid("client CA PEM holds no certificate");
  return {};
}

}  // namespace

Result<std::unique_ptr<ssl::context>> make_server_context(const TlsOptions& opts) {
  auto ctx = base_context(ssl::context::tls_server);
  error_code ec;
  if (ctx->use_certificate_chain(asio::buffer(opts.cert_pem), ec); ec)
    return fail(tls_error(ec, "loading the TLS certificate"));
  if (ctx->use_private_key(asio::buffer(opts.key_pem), ssl::context::pem, ec); ec)
    return fail(tls_error(ec, "loading the TLS key"));
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    ERR_clear_error();
    return fail_invalid("the TLS key does not match the certificate");
  }
  SSL_CTX_set_alpn_select_cb(ctx->native_handle(), select_http11, nullptr);
  if (!opts.client_ca_pem.empty()) {
    if (ctx->add_certificate_authority(asio::buffer(opts.client_ca_pem), ec); ec)
      return fail(tls_error(ec, "loading the client CA"));
    V6K_TRY(advertise_client_cas(ctx->native_handle(), opts.client_ca_pem), "loading the client CA");
    auto mode = ssl::verify_peer;
    if (opts.require_client_cert) mode |= ssl::verify_fail_if_no_peer_cert;
    ctx->set_verify_mode(mode);
    // Session resumption with client verification needs a session id context.
    static constexpr unsigned char kSidCtx[] = "v6k-http";
    SSL_CTX_set_session_id_context(ctx->native_handle(), kSidCtx, sizeof kSidCtx - 1);
  }
  return ctx;
}

Result<std::unique_ptr<ssl::context>> make_client_context(const ClientTls& opts) {
  auto ctx = base_context(ssl::context::tls_client);
  error_code ec;
  if (ctx->add_certificate_authority(asio::buffer(opts.ca_pem), ec); ec)
    return fail(tls_error(ec, "loading the CA"));
  ctx->set_verify_mode(ssl::verify_peer);
  if (!opts.cert_pem.empty()) {
    if (ctx->use_certificate_chain(asio::buffer(opts.cert_pem), ec); ec)
      return fail(tls_error(ec, "loading the client certificate"));
    if (ctx->use_private_key(asio::buffer(opts.key_pem), ssl::context::pem, ec); ec)
      return fail(tls_error(ec, "loading the client key"));
  }
  if (SSL_CTX_set_alpn_protos(ctx->native_handle(), kHttp11, sizeof kHttp11) != 0)
    return fail_invalid("setting ALPN");
  return ctx;
}

PeerIdentity peer_identity(SSL* ssl) {
  PeerIdentity out;
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (!cert || SSL_get_verify_result(ssl) != X509_V_OK) return out;
  X509_NAME* name = X509_get_subject_name(cert);
  auto text = [&](int i) {
    ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
    unsigned char* utf8 = nullptr;
    int n = ASN1_STRING_to_UTF8(&utf8, s);
    std::string v = n >= 0 ? std::string(reinterpret_cast<char*>(utf8), static_cast<size_t>(n)) : "";
    OPENSSL_free(utf8);
    return v;
  };
  // The last CN wins (as in Go's pkix.Name), every O counts, in order.
  for (int i = -1; (i = X509_NAME_get_index_by_NID(name, NID_commonName, i)) >= 0;) out.cn = text(i);
  for (int i = -1; (i = X509_NAME_get_index_by_NID(name, NID_organizationName, i)) >= 0;)
    out.orgs.push_back(text(i));
  return out;
}

}  // namespace v6k::http::internal
