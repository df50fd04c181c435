// Internal to src/http: one WebSocket session over an UpgradedStream, for both ends (the
// server after accept_websocket's 101, the client after its handshake), and the Link a
// WebSocket handle shares with it.
//
// Threads: the session runs on the stream's strand. Handles on other threads only touch
// the Link (under its mutex) and post a "flush" to the strand through the stream's
// poster, which refuses once the connection is closed. The session lives in its pending
// operations (a read until the close handshake, a write, the close timer) and in the
// Link's `kick` until it ends; closing the connection (Server::stop) ends every session,
// which releases everything.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "http/websocket.h"
#include "http/websocket_frame.h"

namespace v6k::http {

struct WebSocket::Link {
  struct Frame {
    std::string bytes;
    bool is_close = false;
  };
  enum class Kind { kData, kControl, kClose };

  mutable std::mutex mu;
  mutable std::condition_variable cv;
  std::deque<Frame> queue;  // encoded, waiting for the strand
  size_t backlog = 0;       // bytes queued or being written
  bool closing = false;     // a close frame is queued: no more data or control frames
  bool done = false;        // the session ended
  bool kick_pending = false;
  bool mask = false;  // client side: mask every frame
  std::string subprotocol;
  std::function<bool(std::function<void()>)> post;  // onto the strand; false once closed
  std::function<void()> kick;                       // the session's flush; cleared when it ends

  // Encodes and queues one frame (several for `parts`) and wakes the strand. False when
  // refused (closing or done).
  bool push(Kind kind, ws::Opcode op, const std::vector<std::string_view>& parts);
  void mark_done();
};

namespace internal {

enum class WsRole { kServer, kClient };

// Starts a session on `stream` (call on its strand). `on_open` gets the handle and
// returns the handlers before the first byte is read.
void start_websocket(std::unique_ptr<UpgradedStream> stream, WsRole role, std::string subprotocol,
                     size_t max_message_bytes,
                     std::function<WebSocketHandlers(std::shared_ptr<WebSocket>)> on_open);

}  // namespace internal
}  // namespace v6k::http
