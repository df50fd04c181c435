#include "pki/pki.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

namespace v6k::pki {

namespace {

template <auto F>
struct Deleter {
  template <typename T>
  void operator()(T* p) const { F(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Deleter<X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;
using NamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES_free>>;
using NamePtr = std::unique_ptr<GENERAL_NAME, Deleter<GENERAL_NAME_free>>;

// An OpenSSL failure: the library's error queue (drained) becomes the detail.
Error ssl_error(const std::string& what) {
  std::string detail;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!detail.empty()) detail += "; ";
    detail += buf;
  }
  return Error::from_errno(EIO, what, detail);
}

// DNS SAN entries go into certificates verbatim; refuse anything a resolver would not
// (letters, digits, '-', '.', and a leading "*." wildcard).
bool valid_dns_name(const std::string& s) {
  if (s.empty() || s.size() > 253 || s.front() == '.' || s.back() == '.') return false;
  std::string_view rest = s;
  if (rest.starts_with("*.")) rest.remove_prefix(2);
  if (rest.empty()) return false;
  for (char c : rest) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.';
    if (!ok) return false;
  }
  return rest.find("..") == std::string_view::npos;
}

Result<KeyPtr> new_key() {
  KeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return fail(ssl_error("generating a P-256 key"));
  return key;
}

Result<std::string> bio_text(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  if (n < 0) return fail(ssl_error("reading PEM output"));
  return std::string(data, static_cast<size_t>(n));
}

Result<KeyPairPem> to_pem(X509* cert, EVP_PKEY* key) {
  BioPtr cb(BIO_new(BIO_s_mem())), kb(BIO_new(BIO_s_mem()));
  if (!cb || !kb || !PEM_write_bio_X509(cb.get(), cert) ||
      !PEM_write_bio_PrivateKey(kb.get(), key, nullptr, nullptr, 0, nullptr, nullptr))
    return fail(ssl_error("writing PEM"));
  KeyPairPem out;
  auto c = bio_text(cb.get());
  if (!c) return fail(std::move(c.error()));
  auto k = bio_text(kb.get());
  if (!k) return fail(std::move(k.error()));
  out.cert_pem = std::move(*c);
  out.key_pem = std::move(*k);
  return out;
}

// A certificate with everything but the issuer-dependent parts: version 3, a random
// positive 128-bit serial, validity [now - 5 min, now + days], subject O... + CN.
Result<CertPtr> new_cert(const std::string& cn, const std::vector<std::string>& orgs, int days,
                         EVP_PKEY* key) {
  CertPtr cert(X509_new());
  if (!cert || !X509_set_version(cert.get(), 2)) return fail(ssl_error("creating a certificate"));
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return fail(ssl_error("drawing a serial"));
  serial[0] &= 0x7f;  // DER INTEGER: keep it positive
  serial[0] |= 0x01;  // and 16 bytes long: no leading zero byte to strip
  BnPtr bn(BN_bin2bn(serial, sizeof serial, nullptr));
  if (!bn || !BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get())))
    return fail(ssl_error("setting the serial"));
  if (!X509_gmtime_adj(X509_getm_notBefore(cert.get()), -5 * 60) ||
      !X509_time_adj_ex(X509_getm_notAfter(cert.get()), days, 0, nullptr))
    return fail(ssl_error("setting the validity"));
  X509_NAME* name = X509_get_subject_name(cert.get());
  auto add = [&](const char* field, const std::string& v) {
    return X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                      reinterpret_cast<const unsigned char*>(v.data()),
                                      static_cast<int>(v.size()), -1, 0) == 1;
  };
  for (const auto& o : orgs) {
    if (!add("O", o)) return fail(ssl_error("setting subject O=" + o));
  }
  if (!add("CN", cn)) return fail(ssl_error("setting subject CN=" + cn));
  if (!X509_set_pubkey(cert.get(), key)) return fail(ssl_error("setting the public key"));
  return cert;
}

// Adds one extension written in openssl.cnf syntax ("critical,CA:TRUE").
Result<> add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext || !X509_add_ext(cert, ext.get(), -1))
    return fail(ssl_error(std::string("adding extension ") + OBJ_nid2sn(nid) + "=" + value));
  return {};
}

// The SAN extension, built from values rather than config text so names cannot smuggle
// in extra entries.
Result<> add_sans(X509* cert, const CertRequest& req) {
  NamesPtr names(sk_GENERAL_NAME_new_null());
  if (!names) return fail(ssl_error("allocating SANs"));
  for (const auto& d : req.dns_names) {
    if (!valid_dns_name(d)) return fail_invalid("bad DNS name \"" + d + "\" for a certificate");
    NamePtr gn(GENERAL_NAME_new());
    ASN1_IA5STRING* s = ASN1_IA5STRING_new();
    if (!gn || !s || !ASN1_STRING_set(s, d.data(), static_cast<int>(d.size()))) {
      ASN1_IA5STRING_free(s);
      return fail(ssl_error("building DNS SAN " + d));
    }
    GENERAL_NAME_set0_value(gn.get(), GEN_DNS, s);
    if (!sk_GENERAL_NAME_push(names.get(), gn.get())) return fail(ssl_error("adding a SAN"));
    gn.release();
  }
  for (const auto& ip : req.ips) {
    ASN1_OCTET_STRING* bin = a2i_IPADDRESS(ip.c_str());
    if (!bin) {
      ERR_clear_error();
      return fail_invalid("bad IP address \"" + ip + "\" for a certificate");
    }
    NamePtr gn(GENERAL_NAME_new());
    if (!gn) {
      ASN1_OCTET_STRING_free(bin);
      return fail(ssl_error("building IP SAN " + ip));
    }
    GENERAL_NAME_set0_value(gn.get(), GEN_IPADD, bin);
    if (!sk_GENERAL_NAME_push(names.get(), gn.get())) return fail(ssl_error("adding a SAN"));
    gn.release();
  }
  if (sk_GENERAL_NAME_num(names.get()) == 0) return {};
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1)
    return fail(ssl_error("adding subjectAltName"));
  return {};
}

Result<KeyPtr> parse_key(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  KeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) {
    ERR_clear_error();
    return fail_invalid("CA key is not a PEM private key");
  }
  return key;
}

Result<CertPtr> parse_cert(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  CertPtr cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!cert) {
    ERR_clear_error();
    return fail_invalid("CA certificate is not PEM");
  }
  return cert;
}

}  // namespace

Result<KeyPairPem> make_ca(const std::string& common_name, int days) {
  const std::string what = "making CA \"" + common_name + "\"";
  if (common_name.empty()) return fail_invalid("making CA: empty common name");
  if (days <= 0) return fail(Error::invalid("days must be positive").wrap(what));
  auto key = new_key();
  if (!key) return fail(std::move(key.error()).wrap(what));
  auto cert = new_cert(common_name, {}, days, key->get());
  if (!cert) return fail(std::move(cert.error()).wrap(what));
  X509* c = cert->get();
  if (!X509_set_issuer_name(c, X509_get_subject_name(c)))
    return fail(ssl_error("setting the issuer").wrap(what));
  // SKI before AKI: the self-signed AKI copies the SKI of the issuer, i.e. of itself.
  for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:TRUE"},
                            std::pair{NID_key_usage, "critical,digitalSignature,keyCertSign,cRLSign"},
                            std::pair{NID_subject_key_identifier, "hash"},
                            std::pair{NID_authority_key_identifier, "keyid:always"}}) {
    V6K_TRY(add_ext(c, c, nid, value), what);
  }
  if (!X509_sign(c, key->get(), EVP_sha256())) return fail(ssl_error("signing").wrap(what));
  auto pem = to_pem(c, key->get());
  if (!pem) return fail(std::move(pem.error()).wrap(what));
  return pem;
}

Result<KeyPairPem> issue(const KeyPairPem& ca, const CertRequest& req) {
  const std::string what = std::string("issuing ") + (req.client ? "client" : "serving") +
                           " certificate \"" + req.common_name + "\"";
  if (req.common_name.empty()) return fail(Error::invalid("empty common name").wrap(what));
  if (req.days <= 0) return fail(Error::invalid("days must be positive").wrap(what));
  if (!req.client && req.dns_names.empty() && req.ips.empty())
    return fail(Error::invalid("a serving certificate needs a DNS name or IP").wrap(what));
  auto ca_cert = parse_cert(ca.cert_pem);
  if (!ca_cert) return fail(std::move(ca_cert.error()).wrap(what));
  auto ca_key = parse_key(ca.key_pem);
  if (!ca_key) return fail(std::move(ca_key.error()).wrap(what));
  if (X509_check_private_key(ca_cert->get(), ca_key->get()) != 1) {
    ERR_clear_error();
    return fail(Error::invalid("CA key does not match the CA certificate").wrap(what));
  }

  auto key = new_key();
  if (!key) return fail(std::move(key.error()).wrap(what));
  auto cert = new_cert(req.common_name, req.organizations, req.days, key->get());
  if (!cert) return fail(std::move(cert.error()).wrap(what));
  X509* c = cert->get();
  if (!X509_set_issuer_name(c, X509_get_subject_name(ca_cert->get())))
    return fail(ssl_error("setting the issuer").wrap(what));
  for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:FALSE"},
                            std::pair{NID_key_usage, "critical,digitalSignature"},
                            std::pair{NID_ext_key_usage, req.client ? "clientAuth" : "serverAuth"},
                            std::pair{NID_subject_key_identifier, "hash"},
                            std::pair{NID_authority_key_identifier, "keyid:always"}}) {
    V6K_TRY(add_ext(c, ca_cert->get(), nid, value), what);
  }
  V6K_TRY(add_sans(c, req), what);
  if (!X509_sign(c, ca_key->get(), EVP_sha256())) return fail(ssl_error("signing").wrap(what));
  auto pem = to_pem(c, key->get());
  if (!pem) return fail(std::move(pem.error()).wrap(what));
  return pem;
}

Result<std::string> random_hex(size_t bytes) {
  std::string raw(bytes, '\0');
  if (bytes > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1)
    return fail(ssl_error("drawing random bytes"));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes * 2);
  for (unsigned char x : raw) out += kHex[x >> 4], out += kHex[x & 15];
  return out;
}

}  // namespace v6k::pki
