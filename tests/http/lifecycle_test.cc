// Server lifecycle and robustness: handler failures, concurrency, stop(), bind errors,
// timeouts, and curl as a real client.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "http/server.h"
#include "raw_client.h"

namespace v6k::http {
namespace {

using testing::RawClient;
using Clock = std::chrono::steady_clock;

Response ok(const Request& r) { return Response::text(200, "ok " + r.path); }

std::unique_ptr<Server> start_or_die(ServerOptions opts = {}, Handler h = ok) {
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

TEST(HttpLifecycle, HandlerExceptionGives500AndClosesConnection) {
  auto srv = start_or_die({}, [](const Request& r) -> Response {
    if (r.path == "/throw") throw std::runtime_error("boom");
    if (r.path == "/throw-int") throw 42;
    return Response::text(200, "fine");
  });
  ASSERT_TRUE(srv);
  for (const char* path : {"/throw", "/throw-int"}) {
    RawClient c(srv->port());
    ASSERT_TRUE(c.send(std::string("GET ") + path + " HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 500);
    EXPECT_TRUE(c.closed_by_peer());
  }
  auto fine = send_request("127.0.0.1", srv->port(), get("/"));
  ASSERT_TRUE(fine);
  EXPECT_EQ(fine->body, "fine");
}

TEST(HttpLifecycle, InvalidHandlerOutputGives500) {
  auto srv = start_or_die({}, [](const Request& r) {
    if (r.path == "/split") return Response::text(200, "x").set("X-Evil", "a\r\nSet-Cookie: y");
    if (r.path == "/name") return Response::text(200, "x").set("Bad Name", "v");
    return Response::text(r.path == "/status" ? 42 : 200, "x");
  });
  ASSERT_TRUE(srv);
  for (const char* path : {"/split", "/name", "/status"}) {
    auto r = send_request("127.0.0.1", srv->port(), get(path));
    ASSERT_TRUE(r) << path << ": " << r.error().message();
    EXPECT_EQ(r->status, 500) << path;
    EXPECT_FALSE(r->header("set-cookie")) << path;
  }
}

TEST(HttpLifecycle, NoBodyStatuses) {
  auto srv = start_or_die({}, [](const Request&) { return Response::text(204, "ignored"); });
  ASSERT_TRUE(srv);
  RawClient c(srv->port());
  ASSERT_TRUE(c.send("DELETE /x HTTP/1.1\r\nHost: x\r\n\r\nDELETE /y HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto a = c.read_response(true);
  auto b = c.read_response(true);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->status, 204);
  EXPECT_EQ(b->status, 204);
  EXPECT_EQ(a->head.find("Content-Length"), std::string::npos) << a->head;
}

TEST(HttpLifecycle, ConcurrentClientsAllAnswered) {
  auto srv = start_or_die({.threads = 4}, [](const Request& r) { return Response::text(200, r.query); });
  ASSERT_TRUE(srv);
  constexpr int kThreads = 32, kRequests = 50;
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRequests; ++i) {
        std::string q = std::to_string(t) + "-" + std::to_string(i);
        auto r = send_request("127.0.0.1", srv->port(), get("/c?" + q));
        if (r && r->status == 200 && r->body == q) ++good;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(good.load(), kThreads * kRequests);
}

TEST(HttpLifecycle, StopClosesOpenConnectionsPromptly) {
  auto srv = start_or_die({.threads = 2});
  ASSERT_TRUE(srv);
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 10; ++i) {
    clients.push_back(std::make_unique<RawClient>(srv->port()));
    ASSERT_TRUE(clients.back()->connected());
  }
  ASSERT_TRUE(clients[0]->send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(clients[0]->read_response());               // one idle keep-alive connection
  ASSERT_TRUE(clients[1]->send("GET / HTTP/1.1\r\nHos"));  // one half-sent request
  ASSERT_TRUE(clients[2]->send("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nab"));  // half a body
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto t0 = Clock::now();
  srv->stop();
  EXPECT_LT(Clock::now() - t0, std::chrono::milliseconds(500));
  for (auto& c : clients) EXPECT_TRUE(c->closed_by_peer());
  srv->stop();  // idempotent
  EXPECT_FALSE(send_request("127.0.0.1", srv->port(), get("/"), std::chrono::milliseconds(500)));
}

TEST(HttpLifecycle, IdleConnectionsTimeOut) {
  auto srv = start_or_die({.idle_timeout = std::chrono::seconds(1)});
  ASSERT_TRUE(srv);
  RawClient c(srv->port(), false, 4000);
  auto t0 = Clock::now();
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(3));
}

TEST(HttpLifecycle, AddressInUseNamesTheAddress) {
  auto first = start_or_die();
  ASSERT_TRUE(first);
  std::string addr = "127.0.0.1:" + std::to_string(first->port());
  auto second = Server::start({.listen = {addr}}, ok);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code(), EADDRINUSE);
  EXPECT_NE(second.error().message().find(addr), std::string::npos) << second.error().message();
}

TEST(HttpLifecycle, BadListenAddressesRefused) {
  for (const char* bad : {"", "127.0.0.1", "localhost:80", "::1:80", "[::1]", "[::1]80",
                          "127.0.0.1:65536", "127.0.0.1:-1", "[127.0.0.1]:80", "1.2.3:80"}) {
    auto s = Server::start({.listen = {bad}}, ok);
    ASSERT_FALSE(s) << bad;
    EXPECT_EQ(s.error().code(), EINVAL) << bad;
  }
  EXPECT_FALSE(Server::start({.listen = {}}, ok));
  EXPECT_FALSE(Server::start({.threads = 0}, ok));
  EXPECT_FALSE(Server::start({}, nullptr));
}

TEST(HttpLifecycle, ClientTimesOutAndReportsRefused) {
  auto srv = start_or_die({}, [](const Request&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    return Response::text(200, "late");
  });
  ASSERT_TRUE(srv);
  auto t0 = Clock::now();
  auto r = send_request("127.0.0.1", srv->port(), get("/"), std::chrono::milliseconds(50));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ETIMEDOUT) << r.error().message();
  EXPECT_LT(Clock::now() - t0, std::chrono::milliseconds(250));
  uint16_t port = srv->port();
  srv.reset();
  auto refused = send_request("127.0.0.1", port, get("/"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ECONNREFUSED) << refused.error().message();
}

// curl, a real client: POST with a body, Expect: 100-continue, and keep-alive reuse.
TEST(HttpLifecycle, CurlIsServed) {
  if (std::system("curl --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "curl not installed";
  auto srv = start_or_die({}, [](const Request& r) {
    return Response::text(200, r.method + " " + r.target + " " + r.body + "\n");
  });
  ASSERT_TRUE(srv);
  std::string url = "http://127.0.0.1:" + std::to_string(srv->port());
  std::string cmd = "curl -sS -i --max-time 5 -H 'Expect: 100-continue' --data-binary hello " +
                    url + "/a?b=1 " + url + "/second 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  ASSERT_TRUE(p);
  std::string out;
  char buf[512];
  while (size_t n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  EXPECT_EQ(::pclose(p), 0) << out;
  EXPECT_NE(out.find("HTTP/1.1 100 Continue"), std::string::npos) << out;
  EXPECT_NE(out.find("HTTP/1.1 200 OK"), std::string::npos) << out;
  EXPECT_NE(out.find("Server: v6k"), std::string::npos) << out;
  EXPECT_NE(out.find("POST /a?b=1 hello\n"), std::string::npos) << out;
  EXPECT_NE(out.find("POST /second hello\n"), std::string::npos) << out;
}

}  // namespace
}  // namespace v6k::http
