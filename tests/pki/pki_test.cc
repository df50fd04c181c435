// pki: CA + issued certificates checked with OpenSSL's own verifier and /usr/bin/openssl.
#include "pki/pki.h"
#include "support/temp_dir.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <unistd.h>

namespace v6k::pki {
namespace {

using v6k::testing::TempDir;


struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
using CertPtr = std::unique_ptr<X509, X509Free>;

CertPtr parse(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  CertPtr c(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  return c;
}

// X509_verify_cert against a store holding only `ca`, with the given purpose.
int verify(X509* ca, X509* leaf, int purpose) {
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca);
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, leaf, nullptr);
  X509_STORE_CTX_set_purpose(ctx, purpose);
  int ok = X509_verify_cert(ctx);
  int err = X509_STORE_CTX_get_error(ctx);
  X509_STORE_CTX_free(ctx);
  X509_STORE_free(store);
  return ok == 1 ? X509_V_OK : err;
}

// SANs as "DNS:x" / "IP:y" text (IPs as inet_ntop prints them).
std::set<std::string> sans(X509* c) {
  std::set<std::string> out;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(c, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names); ++i) {
    GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, i);
    if (gn->type == GEN_DNS) {
      out.insert("DNS:" + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(gn->d.dNSName)),
                                      ASN1_STRING_length(gn->d.dNSName)));
    } else if (gn->type == GEN_IPADD) {
      char txt[INET6_ADDRSTRLEN] = {};
      int len = ASN1_STRING_length(gn->d.iPAddress);
      inet_ntop(len == 16 ? AF_INET6 : AF_INET, ASN1_STRING_get0_data(gn->d.iPAddress), txt, sizeof txt);
      out.insert(std::string("IP:") + txt);
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

std::string subject_field(X509* c, int nid) {
  char buf[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(c), nid, buf, sizeof buf);
  return buf;
}


KeyPairPem ca_or_die() {
  auto ca = make_ca("v6k test CA");
  EXPECT_TRUE(ca) << ca.error().message();
  return ca ? *ca : KeyPairPem{};
}

TEST(Pki, CaIsSelfSignedCa) {
  KeyPairPem ca = ca_or_die();
  EXPECT_TRUE(ca.cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
  EXPECT_TRUE(ca.key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
  CertPtr c = parse(ca.cert_pem);
  ASSERT_TRUE(c);
  EXPECT_EQ(X509_check_ca(c.get()), 1);
  EXPECT_TRUE(X509_get_key_usage(c.get()) & KU_KEY_CERT_SIGN);
  EXPECT_EQ(verify(c.get(), c.get(), X509_PURPOSE_ANY), X509_V_OK);
  EXPECT_EQ(subject_field(c.get(), NID_commonName), "v6k test CA");
  EXPECT_TRUE(X509_get0_subject_key_id(c.get()));
  EXPECT_TRUE(X509_get0_authority_key_id(c.get()));
  // notBefore is in the past (backdated), so the cert is valid right now.
  EXPECT_LT(X509_cmp_current_time(X509_get0_notBefore(c.get())), 0);
  // Random serials: two CAs differ.
  KeyPairPem ca2 = ca_or_die();
  CertPtr c2 = parse(ca2.cert_pem);
  ASSERT_TRUE(c2);
  EXPECT_NE(ASN1_INTEGER_cmp(X509_get0_serialNumber(c.get()), X509_get0_serialNumber(c2.get())), 0);
}

TEST(Pki, ServingCertVerifiesWithSansAndServerAuth) {
  KeyPairPem ca = ca_or_die();
  auto srv = issue(ca, {.common_name = "kube-apiserver",
                        .dns_names = {"localhost", "kubernetes.default.svc"},
                        .ips = {"::1", "127.0.0.1"}});
  ASSERT_TRUE(srv) << srv.error().message();
  CertPtr cac = parse(ca.cert_pem), leaf = parse(srv->cert_pem);
  ASSERT_TRUE(cac && leaf);
  EXPECT_EQ(verify(cac.get(), leaf.get(), X509_PURPOSE_SSL_SERVER), X509_V_OK);
  EXPECT_NE(verify(cac.get(), leaf.get(), X509_PURPOSE_SSL_CLIENT), X509_V_OK);  // EKU serverAuth only
  EXPECT_EQ(sans(leaf.get()), (std::set<std::string>{"DNS:localhost", "DNS:kubernetes.default.svc",
                                                     "IP:::1", "IP:127.0.0.1"}));
  EXPECT_EQ(X509_check_ip_asc(leaf.get(), "::1", 0), 1);
  EXPECT_EQ(X509_check_host(leaf.get(), "localhost", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ca(leaf.get()), 0);
  EXPECT_EQ(X509_get_extended_key_usage(leaf.get()), static_cast<uint32_t>(XKU_SSL_SERVER));
  // AKI of the leaf names the CA's SKI.
  ASSERT_TRUE(X509_get0_authority_key_id(leaf.get()) && X509_get0_subject_key_id(cac.get()));
  EXPECT_EQ(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(leaf.get()),
                                  X509_get0_subject_key_id(cac.get())), 0);

  // The command-line verifier agrees.
  TempDir dir("v6k-pki");
  std::string cmd = "/usr/bin/openssl verify -purpose sslserver -CAfile " +
                    dir.write("ca.pem", ca.cert_pem) + " " + dir.write("srv.pem", srv->cert_pem) +
                    " >/dev/null 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  // A different CA does not verify it.
  KeyPairPem other = ca_or_die();
  CertPtr otherc = parse(other.cert_pem);
  EXPECT_NE(verify(otherc.get(), leaf.get(), X509_PURPOSE_SSL_SERVER), X509_V_OK);
  cmd = "/usr/bin/openssl verify -CAfile " + dir.write("other.pem", other.cert_pem) + " " +
        dir.write("srv.pem", srv->cert_pem) + " >/dev/null 2>&1";
  EXPECT_NE(std::system(cmd.c_str()), 0) << cmd;
}

TEST(Pki, ClientCertCarriesCnOrgsAndClientAuth) {
  KeyPairPem ca = ca_or_die();
  auto cli = issue(ca, {.common_name = "kubernetes-admin", .client = true,
                        .organizations = {"system:masters", "devs"}});
  ASSERT_TRUE(cli) << cli.error().message();
  CertPtr cac = parse(ca.cert_pem), leaf = parse(cli->cert_pem);
  ASSERT_TRUE(cac && leaf);
  EXPECT_EQ(verify(cac.get(), leaf.get(), X509_PURPOSE_SSL_CLIENT), X509_V_OK);
  EXPECT_NE(verify(cac.get(), leaf.get(), X509_PURPOSE_SSL_SERVER), X509_V_OK);
  EXPECT_EQ(X509_get_extended_key_usage(leaf.get()), static_cast<uint32_t>(XKU_SSL_CLIENT));
  EXPECT_EQ(subject_field(leaf.get(), NID_commonName), "kubernetes-admin");
  X509_NAME* name = X509_get_subject_name(leaf.get());
  std::vector<std::string> orgs;
  for (int i = -1; (i = X509_NAME_get_index_by_NID(name, NID_organizationName, i)) >= 0;) {
    ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
    orgs.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)), ASN1_STRING_length(s));
  }
  EXPECT_EQ(orgs, (std::vector<std::string>{"system:masters", "devs"}));
  EXPECT_TRUE(sans(leaf.get()).empty());
  TempDir dir("v6k-pki");
  std::string cmd = "/usr/bin/openssl verify -purpose sslclient -CAfile " +
                    dir.write("ca.pem", ca.cert_pem) + " " + dir.write("cli.pem", cli->cert_pem) +
                    " >/dev/null 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

TEST(Pki, BadInputIsEinval) {
  KeyPairPem ca = ca_or_die();
  KeyPairPem other = ca_or_die();
  struct Case {
    const char* name;
    KeyPairPem ca;
    CertRequest req;
  };
  const std::vector<Case> cases = {
      {"empty CN", ca, {.common_name = "", .ips = {"::1"}}},
      {"bad IP", ca, {.common_name = "x", .ips = {"::1::2"}}},
      {"IP with brackets", ca, {.common_name = "x", .ips = {"[::1]"}}},
      {"IP out of range", ca, {.common_name = "x", .ips = {"127.0.0.256"}}},
      {"DNS with comma", ca, {.common_name = "x", .dns_names = {"a,IP:1.2.3.4"}}},
      {"DNS empty", ca, {.common_name = "x", .dns_names = {""}}},
      {"serving without SAN", ca, {.common_name = "x"}},
      {"zero days", ca, {.common_name = "x", .ips = {"::1"}, .days = 0}},
      {"CA not PEM", {"junk", ca.key_pem}, {.common_name = "x", .ips = {"::1"}}},
      {"CA key not PEM", {ca.cert_pem, "junk"}, {.common_name = "x", .ips = {"::1"}}},
      {"CA key mismatch", {ca.cert_pem, other.key_pem}, {.common_name = "x", .ips = {"::1"}}},
  };
  for (const auto& c : cases) {
    auto r = issue(c.ca, c.req);
    ASSERT_FALSE(r) << c.name;
    EXPECT_EQ(r.error().code(), EINVAL) << c.name << ": " << r.error().message();
  }
  auto r = make_ca("");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), EINVAL);
  r = make_ca("x", -1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), EINVAL);
}

}  // namespace
}  // namespace v6k::pki
