// End-to-end tests of http::Server over loopback (port 0), through send_request and
// through a raw socket where the exact bytes matter.
#include "http/server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "raw_client.h"

namespace v6k::http {
namespace {

using testing::RawClient;

// Echoes what it saw: "<method> <path> ?<query> body=<body>", plus X-Remote.
Response echo(const Request& r) {
  Response resp = Response::text(200, r.method + " " + r.path + " ?" + r.query + " body=" + r.body);
  resp.set("X-Remote", r.remote);
  if (auto v = r.header("X-Test")) resp.set("X-Test-Echo", std::string(*v));
  return resp;
}

std::unique_ptr<Server> start_or_die(ServerOptions opts = {}, Handler h = echo) {
  auto s = Server::start(std::move(opts), std::move(h));
  if (!s) ADD_FAILURE() << s.error().message();
  return s ? std::move(*s) : nullptr;
}

Request get(std::string target) {
  Request r;
  r.method = "GET";
  r.target = std::move(target);
  return r;
}

TEST(HttpServer, GetRoundTrip) {
  auto srv = start_or_die();
  ASSERT_TRUE(srv);
  ASSERT_NE(srv->port(), 0);
  Request req = get("/clusters/a%2Fb?maxResults=5&x=y");
  req.headers.emplace_back("X-Test", "Value 1");
  auto resp = send_request("127.0.0.1", srv->port(), req);
  ASSERT_TRUE(resp) << resp.error().message();
  EXPECT_EQ(resp->status, 200);
  EXPECT_EQ(resp->body, "GET /clusters/a%2Fb ?maxResults=5&x=y body=");
  EXPECT_EQ(resp->header("x-test-echo"), "Value 1");
  EXPECT_EQ(resp->header("server"), "v6k");
  EXPECT_TRUE(resp->header("date"));
  EXPECT_EQ(resp->header("content-length"), std::to_string(resp->body.size()));
  EXPECT_TRUE(resp->header("x-remote")->starts_with("127.0.0.1:"));
}

TEST(HttpServer, PostRoundTripAndHeadersLowerCased) {
  Headers seen;
  auto srv = start_or_die({}, [&](const Request& r) {
    seen = r.headers;
    return Response::text(201, std::to_string(r.body.size()) + ":" + r.body);
  });
  ASSERT_TRUE(srv);
  Request req{.method = "POST", .target = "/p", .headers = {{"Content-Type", "application/json"}},
              .body = R"({"a":1})"};
  auto resp = send_request("localhost", srv->port(), req);
  ASSERT_TRUE(resp) << resp.error().message();
  EXPECT_EQ(resp->status, 201);
  EXPECT_EQ(resp->body, R"(7:{"a":1})");
  bool found = false;
  for (const auto& [k, v] : seen) {
    for (char c : k) EXPECT_FALSE(c >= 'A' && c <= 'Z') << k;
    found |= k == "content-type" && v == "application/json";
  }
  EXPECT_TRUE(found);
}

TEST(HttpServer, Ipv4AndIpv6ShareOnePort) {
  if (!testing::ipv6_loopback_available()) GTEST_SKIP() << "no IPv6 loopback (::1) in this sandbox";
  auto srv = start_or_die({.listen = {"127.0.0.1:0", "[::1]:0"}});
  ASSERT_TRUE(srv);
  auto eps = srv->endpoints();
  ASSERT_EQ(eps.size(), 2u);
  std::string port = std::to_string(srv->port());
  EXPECT_EQ(eps[0], "127.0.0.1:" + port);
  EXPECT_EQ(eps[1], "[::1]:" + port);
  auto v4 = send_request("127.0.0.1", srv->port(), get("/"));
  auto v6 = send_request("::1", srv->port(), get("/"));
  ASSERT_TRUE(v4) << v4.error().message();
  ASSERT_TRUE(v6) << v6.error().message();
  EXPECT_TRUE(v4->header("x-remote")->starts_with("127.0.0.1:"));
  EXPECT_TRUE(v6->header("x-remote")->starts_with("[::1]:"));
}

TEST(HttpServer, KeepAliveServesManyRequestsOnOneConnection) {
  auto srv = start_or_die();
  ASSERT_TRUE(srv);
  RawClient c(srv->port());
  ASSERT_TRUE(c.connected());
  std::string remote;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.send("GET /k" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r) << "request " << i;
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "GET /k" + std::to_string(i) + " ? body=");
    auto pos = r->head.find("x-remote: ");
    ASSERT_NE(pos, std::string::npos) << r->head;
    std::string this_remote = r->head.substr(pos, r->head.find("\r\n", pos) - pos);
    if (i > 0) {
      EXPECT_EQ(this_remote, remote) << "a new connection was used";
    }
    remote = this_remote;
  }
  // Two pipelined requests, then Connection: close ends the connection.
  ASSERT_TRUE(c.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  auto a = c.read_response();
  auto b = c.read_response();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->body, "GET /a ? body=");
  EXPECT_EQ(b->body, "GET /b ? body=");
  EXPECT_NE(b->head.find("Connection: close"), std::string::npos) << b->head;
  EXPECT_TRUE(c.closed_by_peer());
}

TEST(HttpServer, Http10ClosesUnlessKeepAlive) {
  auto srv = start_or_die();
  ASSERT_TRUE(srv);
  RawClient c(srv->port());
  ASSERT_TRUE(c.send("GET /old HTTP/1.0\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->head.starts_with("HTTP/1.0 200")) << r->head;
  EXPECT_TRUE(c.closed_by_peer());
}

TEST(HttpServer, ChunkedRequestBody) {
  auto srv = start_or_die();
  ASSERT_TRUE(srv);
  RawClient c(srv->port());
  ASSERT_TRUE(c.send("POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "POST /c ? body=hello world");
}

TEST(HttpServer, BodyLimitIsExact) {
  auto srv = start_or_die({.max_body_bytes = 16});
  ASSERT_TRUE(srv);
  Request at{.method = "POST", .target = "/", .body = std::string(16, 'a')};
  Request over{.method = "POST", .target = "/", .body = std::string(17, 'a')};
  auto ok = send_request("127.0.0.1", srv->port(), at);
  auto big = send_request("127.0.0.1", srv->port(), over);
  ASSERT_TRUE(ok) << ok.error().message();
  ASSERT_TRUE(big) << big.error().message();
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(big->status, 413);
  // Chunked: the limit applies to the decoded body.
  for (auto [n, want] : {std::pair{16, 200}, std::pair{17, 413}}) {
    RawClient c(srv->port());
    std::string chunk(static_cast<size_t>(n - 1), 'b');
    char hex[16];
    std::snprintf(hex, sizeof hex, "%x", n - 1);
    ASSERT_TRUE(c.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
                       std::string(hex) + "\r\n" + chunk + "\r\n1\r\nb\r\n0\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r) << n;
    EXPECT_EQ(r->status, want) << n;
  }
}

TEST(HttpServer, LargeBodyRejectedBeforeItIsSent) {
  auto srv = start_or_die({.max_body_bytes = 1 << 20});
  ASSERT_TRUE(srv);
  RawClient c(srv->port());
  ASSERT_TRUE(c.send("PUT /big HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n"
                     "Expect: 100-continue\r\n\r\n"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
}

TEST(HttpServer, ExpectContinue) {
  auto srv = start_or_die();
  ASSERT_TRUE(srv);
  RawClient c(srv->port());
  ASSERT_TRUE(c.send("PUT /e HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n"));
  auto cont = c.read_response(/*no_body=*/true);
  ASSERT_TRUE(cont);
  EXPECT_EQ(cont->status, 100);
  ASSERT_TRUE(c.send("abc"));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "PUT /e ? body=abc");
}

TEST(HttpServer, MalformedRequestsGet400AndBadVersion505) {
  auto srv = start_or_die();
  ASSERT_TRUE(srv);
  struct Case {
    std::string wire;
    int status;
  };
  for (const auto& tc : std::vector<Case>{
           {"GARBAGE\r\n\r\n", 400},
           {"GET /\r\n\r\n", 400},
           {"GET / HTTP/1.x\r\n\r\n", 400},
           {"GET / FTP/1.1\r\n\r\n", 400},
           {"GET / HTTP/1.1\r\nBad Header: x\r\n\r\n", 400},
           {"POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabc", 400},
           {"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400},
           {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
           {"GET / HTTP/2.0\r\n\r\n", 505},
           {"GET / HTTP/1.1\r\nX: " + std::string(70000, 'x') + "\r\n\r\n", 431},
       }) {
    RawClient c(srv->port());
    ASSERT_TRUE(c.send(tc.wire));
    auto r = c.read_response();
    ASSERT_TRUE(r) << tc.wire.substr(0, 60);
    EXPECT_EQ(r->status, tc.status) << tc.wire.substr(0, 60);
    EXPECT_TRUE(c.closed_by_peer()) << tc.wire.substr(0, 60);
  }
  // The server is still fine.
  auto ok = send_request("127.0.0.1", srv->port(), get("/after"));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
}

TEST(HttpServer, HeadHasLengthButNoBody) {
  auto srv = start_or_die();
  ASSERT_TRUE(srv);
  RawClient c(srv->port());
  ASSERT_TRUE(c.send("HEAD /h HTTP/1.1\r\nHost: x\r\n\r\nGET /h HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto head = c.read_response(/*no_body=*/true);
  auto getr = c.read_response();
  ASSERT_TRUE(head && getr);
  EXPECT_NE(head->head.find("Content-Length: 15"), std::string::npos) << head->head;
  EXPECT_EQ(getr->body, "GET /h ? body=");  // the HEAD sent no body bytes in between
  auto via_client = send_request("127.0.0.1", srv->port(), {.method = "HEAD", .target = "/h"});
  ASSERT_TRUE(via_client) << via_client.error().message();
  EXPECT_EQ(via_client->body, "");
  EXPECT_EQ(via_client->header("content-length"), "15");
}

}  // namespace
}  // namespace v6k::http
