// HTTPS end to end: http::Server with ServerOptions::tls, certificates from pki, talked to
// by send_request_tls and by /usr/bin/curl (an independent TLS + ALPN implementation).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "http/server.h"
#include "pki/pki.h"
#include "support/temp_dir.h"

namespace v6k::http {
namespace {

using v6k::testing::TempDir;


// Answers "cn=<client_cn> o=<orgs,...> <path>".
Response whoami(const Request& r) {
  std::string orgs;
  for (const auto& o : r.client_orgs) orgs += (orgs.empty() ? "" : ",") + o;
  return Response::text(200, "cn=" + r.client_cn + " o=" + orgs + " " + r.path);
}


struct Cmd {
  int exit = -1;
  std::string out;
};
// Runs a shell command, capturing stdout.
Cmd run(const std::string& cmd) {
  Cmd r;
  FILE* f = popen(cmd.c_str(), "r");
  if (!f) return r;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, f)) > 0;) r.out.append(buf, n);
  int st = pclose(f);
  r.exit = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

pki::KeyPairPem must(Result<pki::KeyPairPem> r) {
  EXPECT_TRUE(r) << r.error().message();
  return r ? *r : pki::KeyPairPem{};
}

// A CA, a serving cert for loopback, a client CA and a client cert, and a second CA that
// trusts nothing of ours.
struct Pki {
  pki::KeyPairPem ca = must(pki::make_ca("test server CA"));
  pki::KeyPairPem serving = must(pki::issue(ca, {.common_name = "apiserver",
                                                 .dns_names = {"localhost"},
                                                 .ips = {"::1", "127.0.0.1"}}));
  pki::KeyPairPem client_ca = must(pki::make_ca("test client CA"));
  pki::KeyPairPem client = must(pki::issue(client_ca, {.common_name = "alice", .client = true,
                                                       .organizations = {"system:masters", "devs"}}));
  pki::KeyPairPem other_ca = must(pki::make_ca("unrelated CA"));
};

std::unique_ptr<Server> start_tls(TlsOptions tls, Handler h = whoami) {
  auto s = Server::start({.listen = {"[::1]:0", "127.0.0.1:0"}, .tls = std::move(tls)}, std::move(h));
  if (!s) ADD_FAILURE() << s.error().message();
  return s ? std::move(*s) : nullptr;
}

Request get(std::string target) { return Request{.method = "GET", .target = std::move(target)}; }

constexpr auto kTimeout = std::chrono::seconds(3);

TEST(HttpTls, RoundTripWithOurClient) {
  Pki p;
  auto srv = start_tls({.cert_pem = p.serving.cert_pem, .key_pem = p.serving.key_pem});
  ASSERT_TRUE(srv);
  for (const char* host : {"::1", "[::1]", "127.0.0.1", "localhost"}) {
    auto resp = send_request_tls(host, srv->port(), get("/hello?x=1"), {.ca_pem = p.ca.cert_pem}, kTimeout);
    ASSERT_TRUE(resp) << host << ": " << resp.error().message();
    EXPECT_EQ(resp->status, 200);
    EXPECT_EQ(resp->body, "cn= o= /hello") << host;
    EXPECT_EQ(resp->header("server"), "v6k");
  }
  Request post{.method = "POST", .target = "/p", .body = std::string(100000, 'x')};
  auto resp = send_request_tls("::1", srv->port(), post, {.ca_pem = p.ca.cert_pem}, kTimeout);
  ASSERT_TRUE(resp) << resp.error().message();
  EXPECT_EQ(resp->body, "cn= o= /p");
}

TEST(HttpTls, WrongCaOrPlainHttpFails) {
  Pki p;
  std::atomic<int> calls = 0;
  auto srv = start_tls({.cert_pem = p.serving.cert_pem, .key_pem = p.serving.key_pem},
                       [&](const Request& r) { ++calls; return whoami(r); });
  ASSERT_TRUE(srv);
  auto resp = send_request_tls("::1", srv->port(), get("/"), {.ca_pem = p.other_ca.cert_pem}, kTimeout);
  ASSERT_FALSE(resp);
  EXPECT_NE(resp.error().message().find("TLS handshake"), std::string::npos) << resp.error().message();
  // Plain HTTP to the HTTPS port gets no HTTP answer.
  resp = send_request("::1", srv->port(), get("/"), kTimeout);
  EXPECT_FALSE(resp);
  EXPECT_EQ(calls.load(), 0);
}

TEST(HttpTls, CurlNegotiatesHttp11EvenWhenOfferingH2) {
  Pki p;
  auto srv = start_tls({.cert_pem = p.serving.cert_pem, .key_pem = p.serving.key_pem});
  ASSERT_TRUE(srv);
  TempDir dir("v6k-tls");
  const std::string ca = dir.write("ca.pem", p.ca.cert_pem);
  const std::string url = "https://[::1]:" + std::to_string(srv->port()) + "/curl";
  Cmd r = run("/usr/bin/curl -sS --max-time 3 --http2 --cacert " + ca + " -D - " + url);
  EXPECT_EQ(r.exit, 0) << r.out;
  EXPECT_TRUE(r.out.starts_with("HTTP/1.1 200 OK\r\n")) << r.out;
  EXPECT_TRUE(r.out.ends_with("\r\n\r\ncn= o= /curl")) << r.out;
  // The ALPN result, as curl reports it.
  r = run("/usr/bin/curl -sS --max-time 3 --http2 --cacert " + ca + " -o /dev/null -w '%{http_version}' " + url);
  EXPECT_EQ(r.out, "1.1");
  // ...because the server answered ALPN with http/1.1 (not merely ignored the offer).
  r = run("/usr/bin/curl -sS -v --max-time 3 --http2 --cacert " + ca + " -o /dev/null " + url + " 2>&1");
  EXPECT_NE(r.out.find("ALPN: server accepted http/1.1"), std::string::npos) << r.out;
  // TLS 1.2 is accepted too; TLS 1.1 is not.
  r = run("/usr/bin/curl -sS --max-time 3 --tlsv1.2 --tls-max 1.2 --cacert " + ca + " " + url);
  EXPECT_EQ(r.exit, 0);
  EXPECT_EQ(r.out, "cn= o= /curl");
  r = run("/usr/bin/curl -sS --max-time 3 --tls-max 1.1 --cacert " + ca + " " + url + " 2>/dev/null");
  EXPECT_NE(r.exit, 0);
  // A CA that did not issue the server certificate: curl's "peer certificate" error (60).
  r = run("/usr/bin/curl -sS --max-time 3 --cacert " + dir.write("other.pem", p.other_ca.cert_pem) +
          " " + url + " 2>/dev/null");
  EXPECT_EQ(r.exit, 60) << r.out;
}

TEST(HttpTls, RequiredClientCert) {
  Pki p;
  std::atomic<int> calls = 0;
  auto srv = start_tls({.cert_pem = p.serving.cert_pem, .key_pem = p.serving.key_pem,
                        .client_ca_pem = p.client_ca.cert_pem},
                       [&](const Request& r) { ++calls; return whoami(r); });
  ASSERT_TRUE(srv);
  TempDir dir("v6k-tls");
  const std::string curl = "/usr/bin/curl -sS --max-time 3 --cacert " + dir.write("ca.pem", p.ca.cert_pem) +
                           " https://[::1]:" + std::to_string(srv->port()) + "/me";
  Cmd r = run(curl + " --cert " + dir.write("c.pem", p.client.cert_pem) + " --key " +
              dir.write("k.pem", p.client.key_pem));
  EXPECT_EQ(r.exit, 0);
  EXPECT_EQ(r.out, "cn=alice o=system:masters,devs /me");
  EXPECT_EQ(calls.load(), 1);
  // No certificate, or one from another CA: the handshake fails, the handler never runs.
  r = run(curl + " 2>/dev/null");
  EXPECT_NE(r.exit, 0) << r.out;
  auto stranger = must(pki::issue(p.other_ca, {.common_name = "mallory", .client = true}));
  r = run(curl + " --cert " + dir.write("s.pem", stranger.cert_pem) + " --key " +
          dir.write("sk.pem", stranger.key_pem) + " 2>/dev/null");
  EXPECT_NE(r.exit, 0) << r.out;
  // A serving certificate (no clientAuth EKU) from the right CA is refused as well.
  auto server_as_client = must(pki::issue(p.client_ca, {.common_name = "srv", .ips = {"::1"}}));
  r = run(curl + " --cert " + dir.write("sc.pem", server_as_client.cert_pem) + " --key " +
          dir.write("sck.pem", server_as_client.key_pem) + " 2>/dev/null");
  EXPECT_NE(r.exit, 0) << r.out;
  EXPECT_EQ(calls.load(), 1);

  // Our client, with and without its certificate.
  auto resp = send_request_tls("::1", srv->port(), get("/ours"),
                               {.ca_pem = p.ca.cert_pem, .cert_pem = p.client.cert_pem,
                                .key_pem = p.client.key_pem}, kTimeout);
  ASSERT_TRUE(resp) << resp.error().message();
  EXPECT_EQ(resp->body, "cn=alice o=system:masters,devs /ours");
  resp = send_request_tls("::1", srv->port(), get("/ours"), {.ca_pem = p.ca.cert_pem}, kTimeout);
  EXPECT_FALSE(resp);
  EXPECT_EQ(calls.load(), 2);
}

TEST(HttpTls, OptionalClientCert) {
  Pki p;
  auto srv = start_tls({.cert_pem = p.serving.cert_pem, .key_pem = p.serving.key_pem,
                        .client_ca_pem = p.client_ca.cert_pem, .require_client_cert = false});
  ASSERT_TRUE(srv);
  auto resp = send_request_tls("::1", srv->port(), get("/anon"), {.ca_pem = p.ca.cert_pem}, kTimeout);
  ASSERT_TRUE(resp) << resp.error().message();
  EXPECT_EQ(resp->body, "cn= o= /anon");
  resp = send_request_tls("::1", srv->port(), get("/me"),
                          {.ca_pem = p.ca.cert_pem, .cert_pem = p.client.cert_pem,
                           .key_pem = p.client.key_pem}, kTimeout);
  ASSERT_TRUE(resp) << resp.error().message();
  EXPECT_EQ(resp->body, "cn=alice o=system:masters,devs /me");
  // A certificate that does not verify still fails, even when certificates are optional.
  auto stranger = must(pki::issue(p.other_ca, {.common_name = "mallory", .client = true}));
  resp = send_request_tls("::1", srv->port(), get("/me"),
                          {.ca_pem = p.ca.cert_pem, .cert_pem = stranger.cert_pem,
                           .key_pem = stranger.key_pem}, kTimeout);
  EXPECT_FALSE(resp);
}

TEST(HttpTls, BadTlsOptionsFailStart) {
  Pki p;
  struct Case {
    const char* name;
    TlsOptions tls;
  };
  const std::vector<Case> cases = {
      {"junk cert", {.cert_pem = "junk", .key_pem = p.serving.key_pem}},
      {"junk key", {.cert_pem = p.serving.cert_pem, .key_pem = "junk"}},
      {"key of another cert", {.cert_pem = p.serving.cert_pem, .key_pem = p.client.key_pem}},
      {"junk client CA", {.cert_pem = p.serving.cert_pem, .key_pem = p.serving.key_pem,
                          .client_ca_pem = "junk"}},
  };
  for (const auto& c : cases) {
    auto s = Server::start({.listen = {"[::1]:0"}, .tls = c.tls}, whoami);
    ASSERT_FALSE(s) << c.name;
    EXPECT_EQ(s.error().code(), EINVAL) << c.name << ": " << s.error().message();
  }
}

}  // namespace
}  // namespace v6k::http
