// Streamed (chunked) responses: the producer writes from its own thread, the client sees
// chunks as they are written, finish() ends the body, and a client that goes away is
// reported to the producer through on_close.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "http/internal/stream.h"
#include "http/server.h"
#include "raw_client.h"

namespace v6k::http {
namespace {

using testing::RawClient;
using namespace std::chrono_literals;

// Holds the producer's stream so the test thread can drive it.
struct Slot {
  std::mutex mu;
  std::condition_variable cv;
  std::shared_ptr<BodyStream> stream;
  std::atomic<int> closed{0};

  std::shared_ptr<BodyStream> wait() {
    std::unique_lock lock(mu);
    cv.wait_for(lock, 5s, [&] { return stream != nullptr; });
    return stream;
  }
};

std::unique_ptr<Server> stream_server(Slot& slot, ServerOptions opts = {}) {
  auto srv = Server::start(std::move(opts), [&slot](const Request& r) {
    if (r.path != "/watch") return Response::text(200, "plain\n");
    return Response::streaming(200, "application/json", [&slot](std::shared_ptr<BodyStream> s) {
      s->on_close([&slot] { slot.closed++; });
      std::lock_guard lock(slot.mu);
      slot.stream = std::move(s);
      slot.cv.notify_all();
    });
  });
  EXPECT_TRUE(srv) << srv.error().message();
  return srv ? std::move(*srv) : nullptr;
}

TEST(Stream, ChunkFraming) {
  EXPECT_EQ(internal::frame_chunk("hi\n"), "3\r\nhi\n\r\n");
  EXPECT_EQ(internal::frame_chunk(std::string(255, 'x')).substr(0, 4), "ff\r\n");
  EXPECT_EQ(internal::frame_chunk(std::string(4096, 'x')).substr(0, 6), "1000\r\n");
}

TEST(Stream, ChunksArriveAsWrittenThenFinish) {
  Slot slot;
  auto srv = stream_server(slot);
  ASSERT_TRUE(srv);
  RawClient c(srv->port());
  ASSERT_TRUE(c.send("GET /watch HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto head = c.read_until("\r\n\r\n");
  ASSERT_TRUE(head);
  EXPECT_NE(head->find("HTTP/1.1 200 OK"), std::string::npos) << *head;
  EXPECT_NE(head->find("Transfer-Encoding: chunked"), std::string::npos) << *head;
  EXPECT_NE(head->find("Connection: close"), std::string::npos) << *head;
  EXPECT_EQ(head->find("Content-Length"), std::string::npos) << *head;

  auto s = slot.wait();
  ASSERT_TRUE(s);
  // Each write is visible before the next one is made (a watch event must not wait).
  for (int i = 0; i < 3; ++i) {
    std::string line = "{\"n\":" + std::to_string(i) + "}\n";
    std::thread([s, line] { EXPECT_TRUE(s->write(line)); }).join();
    auto got = c.read_until(line);
    ASSERT_TRUE(got) << "event " << i << " never arrived";
  }
  s->finish();
  EXPECT_FALSE(s->write("late\n"));
  auto tail = c.read_until("0\r\n\r\n");
  ASSERT_TRUE(tail);
  EXPECT_EQ(tail->find("late"), std::string::npos);
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_EQ(slot.closed.load(), 0) << "finish() is not a close";
}

TEST(Stream, PeerLeavingClosesTheStream) {
  Slot slot;
  auto srv = stream_server(slot);
  ASSERT_TRUE(srv);
  {
    RawClient c(srv->port());
    ASSERT_TRUE(c.send("GET /watch HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_TRUE(c.read_until("\r\n\r\n"));
    ASSERT_TRUE(slot.wait());
  }  // client closes
  for (int i = 0; i < 200 && slot.closed.load() == 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(slot.closed.load(), 1);
  EXPECT_FALSE(slot.stream->write("x\n"));
  // Registering after the close runs at once.
  std::atomic<bool> late{false};
  slot.stream->on_close([&] { late = true; });
  EXPECT_TRUE(late);
}

TEST(Stream, ServerStopClosesStreams) {
  Slot slot;
  auto srv = stream_server(slot);
  ASSERT_TRUE(srv);
  RawClient c(srv->port());
  ASSERT_TRUE(c.send("GET /watch HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(c.read_until("\r\n\r\n"));
  auto s = slot.wait();
  ASSERT_TRUE(s);
  srv->stop();
  EXPECT_EQ(slot.closed.load(), 1);
  EXPECT_FALSE(s->write("x\n"));
  srv.reset();
  EXPECT_FALSE(s->write("after destruction\n"));  // must not touch the dead server
}

TEST(Stream, SlowPeerPastBacklogIsDropped) {
  Slot slot;
  ServerOptions opts;
  opts.max_stream_backlog = 64 * 1024;
  auto srv = stream_server(slot, opts);
  ASSERT_TRUE(srv);
  RawClient c(srv->port());
  ASSERT_TRUE(c.send("GET /watch HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(c.read_until("\r\n\r\n"));
  auto s = slot.wait();
  ASSERT_TRUE(s);
  // The client never reads: socket buffers fill, then the backlog, then we are dropped.
  std::string block(16 * 1024, 'x');
  bool dropped = false;
  for (int i = 0; i < 10000 && !dropped; ++i) dropped = !s->write(block);
  EXPECT_TRUE(dropped);
  EXPECT_EQ(slot.closed.load(), 1);
}

TEST(Stream, HeadGetsNoStream) {
  Slot slot;
  auto srv = stream_server(slot);
  ASSERT_TRUE(srv);
  RawClient c(srv->port());
  ASSERT_TRUE(c.send("HEAD /watch HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = c.read_response(true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

}  // namespace
}  // namespace v6k::http
