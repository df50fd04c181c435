// fuzz_websocket: a client's bytes through (1) the frame parser in both roles, fed in
// input-chosen pieces, and (2) the real server session (internal/ws_session.cc) over an
// in-memory UpgradedStream whose handler echoes every message.
// Invariants: events respect the limits (control <= 125 bytes, messages <= max); a
// failed parser stays failed; an event re-encoded parses back to itself; everything the
// session writes is a valid unmasked server frame sequence with at most one close frame,
// last; the session always ends (LeakSanitizer catches a session that never does).
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "http/internal/ws_session.h"
#include "http/websocket_frame.h"

using namespace v6k::http;

namespace {

constexpr size_t kMax = 4096;

void check(bool ok) {
  if (!ok) std::abort();
}

void parse_all(ws::FrameParser::Role role, std::string_view in, size_t step) {
  ws::FrameParser p(role, kMax);
  bool failed = false;
  for (size_t off = 0; off < in.size(); off += step) {
    p.feed(in.substr(off, step));
    for (;;) {
      auto ev = p.next();
      if (!ev) {
        failed = true;
        check(p.next().has_value() == false);
        break;
      }
      check(!failed);
      if (!*ev) break;
      const ws::Event& e = **ev;
      check(e.opcode != ws::Opcode::kContinuation);
      check(e.payload.size() <= (static_cast<uint8_t>(e.opcode) >= 8 ? 125u : kMax));
      // Round trip: the event, re-encoded for the same direction, parses back to itself.
      ws::FrameParser again(role, kMax);
      std::optional<std::array<uint8_t, 4>> mask;
      if (role == ws::FrameParser::Role::kServer) mask = std::array<uint8_t, 4>{9, 8, 7, 6};
      again.feed(ws::encode_frame(e.opcode, e.payload, true, mask));
      auto back = again.next();
      check(back && *back && (*back)->opcode == e.opcode && (*back)->payload == e.payload);
    }
    if (failed) break;
  }
}

// A single-threaded stand-in for the connection: tasks run in order from a queue.
struct Loop {
  std::deque<std::function<void()>> tasks;
  std::function<void()> timer;
  std::string written;
  bool closed = false;
};

class MemoryStream final : public UpgradedStream {
 public:
  MemoryStream(std::shared_ptr<Loop> loop, std::deque<std::string> chunks)
      : loop_(std::move(loop)), chunks_(std::move(chunks)) {}
  std::string take_buffered() override {
    if (chunks_.empty()) return {};
    std::string first = std::move(chunks_.front());
    chunks_.pop_front();
    return first;
  }
  void read_some(std::function<void(bool, std::string_view)> done) override {
    loop_->tasks.push_back([this, done = std::move(done)] {
      if (loop_->closed || chunks_.empty()) return done(false, {});
      current_ = std::move(chunks_.front());
      chunks_.pop_front();
      done(true, current_);
    });
  }
  void write(std::string data, std::function<void(bool)> done) override {
    if (!loop_->closed) loop_->written += data;
    loop_->tasks.push_back([loop = loop_, done = std::move(done)] { done(!loop->closed); });
  }
  void after(std::chrono::milliseconds, std::function<void()> fn) override { loop_->timer = std::move(fn); }
  void close() override {
    loop_->closed = true;
    loop_->timer = nullptr;
  }
  std::function<bool(std::function<void()>)> poster() override {
    std::weak_ptr<Loop> weak = loop_;
    return [weak](std::function<void()> fn) {
      auto loop = weak.lock();
      if (!loop || loop->closed) return false;
      loop->tasks.push_back(std::move(fn));
      return true;
    };
  }
  const std::string& remote() const override { return remote_; }

 private:
  std::shared_ptr<Loop> loop_;
  std::deque<std::string> chunks_;
  std::string current_;
  std::string remote_ = "[::1]:1";
};

void run_session(std::string_view in, size_t step) {
  auto loop = std::make_shared<Loop>();
  std::deque<std::string> chunks;
  for (size_t off = 0; off < in.size(); off += step) chunks.emplace_back(in.substr(off, step));
  int closes = 0;
  internal::start_websocket(std::make_unique<MemoryStream>(loop, std::move(chunks)), internal::WsRole::kServer, "v5",
                            kMax, [&](std::shared_ptr<WebSocket> ws) {
                              return WebSocketHandlers{
                                  .on_message = [ws](WebSocketMessage m) { ws->send(std::move(m.data), m.binary); },
                                  .on_pong = nullptr,
                                  .on_close = [&closes](uint16_t, std::string) { ++closes; }};
                            });
  for (int rounds = 0; rounds < 2; ++rounds) {
    while (!loop->tasks.empty()) {
      auto t = std::move(loop->tasks.front());
      loop->tasks.pop_front();
      t();
    }
    if (auto t = std::move(loop->timer)) t();  // the close-handshake deadline
  }
  check(closes == 1);
  // What the server wrote: valid unmasked frames, a close frame only at the very end.
  ws::FrameParser out(ws::FrameParser::Role::kClient, 1 << 30);
  out.feed(loop->written);
  bool saw_close = false;
  for (;;) {
    auto ev = out.next();
    check(ev.has_value());
    if (!*ev) break;
    check(!saw_close);
    saw_close = (*ev)->opcode == ws::Opcode::kClose;
  }
  check(out.buffered() == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const size_t step = 1 + data[0] % 64;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  parse_all(ws::FrameParser::Role::kServer, in, step);
  parse_all(ws::FrameParser::Role::kClient, in, step);
  run_session(in, step);
  return 0;
}
