#include "http/internal/ws_session.h"

#include <openssl/rand.h>

#include <cstdio>

namespace v6k::http {

namespace {

constexpr auto kCloseWait = std::chrono::seconds(2);  // for the peer's close after ours
constexpr size_t kMaxWrite = 1 << 20;                  // bytes per socket write

std::array<uint8_t, 4> random_mask() {
  std::array<uint8_t, 4> m{};
  if (RAND_bytes(m.data(), 4) != 1) m = {0x5a, 0x17, 0xc3, 0x8e};  // never expected
  return m;
}

}  // namespace

bool WebSocket::Link::push(Kind kind, ws::Opcode op, const std::vector<std::string_view>& parts) {
  std::lock_guard lock(mu);
  if (done || closing) return false;
  if (kind == Kind::kClose) closing = true;
  for (size_t i = 0; i < parts.size(); ++i) {
    auto frame_op = i == 0 ? op : ws::Opcode::kContinuation;
    std::optional<std::array<uint8_t, 4>> key;
    if (mask) key = random_mask();
    Frame f{ws::encode_frame(frame_op, parts[i], i + 1 == parts.size(), key), kind == Kind::kClose};
    backlog += f.bytes.size();
    queue.push_back(std::move(f));
  }
  if (!kick_pending && post && kick) kick_pending = post(kick);
  return true;
}

void WebSocket::Link::mark_done() {
  {
    std::lock_guard lock(mu);
    done = true;
    closing = true;
    queue.clear();
    backlog = 0;
    post = nullptr;
    kick = nullptr;
  }
  cv.notify_all();
}

namespace internal {

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(std::unique_ptr<UpgradedStream> stream, WsRole role, size_t max_message_bytes)
      : stream_(std::move(stream)),
        parser_(role == WsRole::kServer ? ws::FrameParser::Role::kServer : ws::FrameParser::Role::kClient,
                max_message_bytes),
        link_(std::make_shared<WebSocket::Link>()) {
    link_->mask = role == WsRole::kClient;
  }

  void start(std::string subprotocol, const std::function<WebSocketHandlers(std::shared_ptr<WebSocket>)>& on_open) {
    link_->subprotocol = std::move(subprotocol);
    link_->post = stream_->poster();
    // Strong: a queued flush must keep the session alive. The cycle (session -> link ->
    // kick -> session) ends in finish(), which every session reaches once its
    // connection closes.
    link_->kick = [self = shared_from_this()] { self->flush(); };
    auto handle = std::make_shared<WebSocket>(link_);
    try {
      if (on_open) handlers_ = on_open(handle);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "v6k websocket: on_open threw: %s\n", e.what());
      return protocol_failure(ws::kCloseInternalError, "internal error");
    }
    on_bytes(stream_->take_buffered());
    if (!stop_reading_ && !finished_) read();
  }

 private:
  void read() {
    stream_->read_some([self = shared_from_this()](bool ok, std::string_view bytes) {
      if (!ok) return self->finish(self->peer_code_, self->peer_reason_);
      self->on_bytes(bytes);
      if (!self->stop_reading_ && !self->finished_) self->read();
    });
  }

  void on_bytes(std::string_view bytes) {
    if (bytes.empty() || discarding_) return;
    parser_.feed(bytes);
    while (!stop_reading_ && !discarding_ && !finished_) {
      auto ev = parser_.next();
      if (!ev) return protocol_failure(ev.error().code, ev.error().reason);
      if (!*ev) return;
      dispatch(std::move(**ev));
    }
  }

  void dispatch(ws::Event ev) {
    switch (ev.opcode) {
      case ws::Opcode::kText:
      case ws::Opcode::kBinary:
        if (handlers_.on_message) handlers_.on_message({ev.opcode == ws::Opcode::kBinary, std::move(ev.payload)});
        return;
      case ws::Opcode::kPing:
        link_->push(WebSocket::Link::Kind::kControl, ws::Opcode::kPong, {ev.payload});
        return;
      case ws::Opcode::kPong:
        if (handlers_.on_pong) handlers_.on_pong(std::move(ev.payload));
        return;
      case ws::Opcode::kClose: {
        stop_reading_ = true;
        peer_code_ = ws::close_code(ev);
        peer_reason_ = std::string(ws::close_reason(ev));
        // Echo the code (an empty close is answered with an empty one); if ours was
        // already sent, the handshake is complete.
        if (!link_->push(WebSocket::Link::Kind::kClose, ws::Opcode::kClose,
                         {ws::close_payload(peer_code_)})) {
          if (close_written_) finish(peer_code_, peer_reason_);
        }
        return;
      }
      case ws::Opcode::kContinuation:
        return;  // never reported by the parser
    }
  }

  // Answers a violation with its close code. Reading goes on, discarding, until the peer
  // closes or kCloseWait passes: closing at once while the peer still sends would reset
  // the connection and could destroy our close frame in flight.
  void protocol_failure(uint16_t code, const std::string& reason) {
    discarding_ = true;
    peer_code_ = code;
    peer_reason_ = reason;
    if (close_written_) return finish(code, reason);
    {
      // The error close replaces whatever is still queued (a close of ours included).
      std::lock_guard lock(link_->mu);
      for (const auto& f : link_->queue) link_->backlog -= std::min(link_->backlog, f.bytes.size());
      link_->queue.clear();
      link_->closing = false;
    }
    if (!link_->push(WebSocket::Link::Kind::kClose, ws::Opcode::kClose, {ws::close_payload(code, reason)}))
      finish(code, reason);
  }

  void flush() {
    if (writing_ || finished_) return;
    std::string out;
    bool has_close = false;
    {
      std::lock_guard lock(link_->mu);
      link_->kick_pending = false;
      while (!link_->queue.empty() && (out.empty() || out.size() + link_->queue.front().bytes.size() <= kMaxWrite)) {
        out += link_->queue.front().bytes;
        has_close |= link_->queue.front().is_close;
        link_->queue.pop_front();
        if (has_close) {
          link_->queue.clear();  // nothing may follow a close frame
          break;
        }
      }
    }
    if (out.empty()) return;
    writing_ = true;
    const size_t n = out.size();
    stream_->write(std::move(out), [self = shared_from_this(), n, has_close](bool ok) {
      self->writing_ = false;
      {
        std::lock_guard lock(self->link_->mu);
        self->link_->backlog -= std::min(self->link_->backlog, n);
      }
      self->link_->cv.notify_all();
      if (!ok) return self->finish(ws::kCloseAbnormal, "");
      if (has_close) return self->on_close_written();
      self->flush();
    });
  }

  void on_close_written() {
    close_written_ = true;
    if (stop_reading_) return finish(peer_code_, peer_reason_);  // the peer's came first
    // Ours came first (or answered a violation): keep reading until the peer's close
    // frame or EOF, or give up.
    std::weak_ptr<Session> weak = shared_from_this();
    stream_->after(kCloseWait, [weak] {
      if (auto s = weak.lock()) s->finish(s->discarding_ ? s->peer_code_ : ws::kCloseAbnormal, s->peer_reason_);
    });
  }

  void finish(uint16_t code, const std::string& reason) {
    if (finished_) return;
    finished_ = true;
    link_->mark_done();
    stream_->close();
    auto on_close = std::move(handlers_.on_close);
    handlers_ = {};  // drop what the user's handlers hold
    if (on_close) on_close(code, reason);
  }

  std::unique_ptr<UpgradedStream> stream_;
  ws::FrameParser parser_;
  std::shared_ptr<WebSocket::Link> link_;
  WebSocketHandlers handlers_;
  bool writing_ = false;
  bool stop_reading_ = false;  // the peer's close arrived
  bool discarding_ = false;    // we answered a violation: input is ignored
  bool close_written_ = false;
  bool finished_ = false;
  uint16_t peer_code_ = ws::kCloseAbnormal;
  std::string peer_reason_;
};

}  // namespace

void start_websocket(std::unique_ptr<UpgradedStream> stream, WsRole role, std::string subprotocol,
                     size_t max_message_bytes,
                     std::function<WebSocketHandlers(std::shared_ptr<WebSocket>)> on_open) {
  auto s = std::make_shared<Session>(std::move(stream), role, max_message_bytes);
  s->start(std::move(subprotocol), on_open);
}

}  // namespace internal
}  // namespace v6k::http
