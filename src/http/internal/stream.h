// Internal to src/http: the shared state of one streamed (chunked) response, between the
// producer's threads (BodyStream::write) and the connection's strand, which sends it.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "http/message.h"

namespace v6k::http::internal {

// Frames `data` as one HTTP/1.1 chunk ("<hex size>\r\n<data>\r\n").
std::string frame_chunk(std::string_view data);

struct StreamState {
  std::mutex mu;
  std::string pending;        // written, not yet handed to the socket
  bool closed = false;        // no more writes accepted, nothing more sent
  bool finishing = false;     // finish() called: send pending, then the last chunk
  std::function<void()> on_close;
  size_t max_backlog = 0;

  // Marks the stream closed (not finished) and runs on_close once. Safe from any thread.
  void close_now() {
    std::function<void()> fn;
    {
      std::lock_guard lock(mu);
      if (closed && !on_close) return;
      closed = true;
      fn = std::move(on_close);
      on_close = nullptr;
    }
    if (fn) fn();
  }
};

// The producer's handle. `kick` runs on the connection's strand and sends what is
// pending; it is posted (never run inline) so producers never touch the socket.
class StreamWriter final : public BodyStream {
 public:
  StreamWriter(std::shared_ptr<StreamState> state, boost::asio::any_io_executor strand,
               std::function<void()> kick)
      : state_(std::move(state)), strand_(std::move(strand)), kick_(std::move(kick)) {}

  bool write(std::string data) override {
    std::function<void()> fn;
    {
      std::lock_guard lock(state_->mu);
      if (state_->closed || state_->finishing) return false;
      if (data.empty()) return true;
      // Posting under the lock: the connection sets `closed` under it before its
      // executor can go away, so we never post to a dead io_context.
      if (state_->pending.size() + data.size() <= state_->max_backlog) {
        bool was_empty = state_->pending.empty();
        state_->pending += data;
        if (was_empty) boost::asio::post(strand_, kick_);
        return true;
      }
      // The peer fell too far behind: drop it (the kick sees `closed` and closes).
      state_->closed = true;
      fn = std::move(state_->on_close);
      state_->on_close = nullptr;
      boost::asio::post(strand_, kick_);
    }
    if (fn) fn();
    return false;
  }

  void finish() override {
    std::lock_guard lock(state_->mu);
    if (state_->closed || state_->finishing) return;
    state_->finishing = true;
    state_->on_close = nullptr;
    boost::asio::post(strand_, kick_);
  }

  void on_close(std::function<void()> fn) override {
    {
      std::lock_guard lock(state_->mu);
      if (!state_->closed) {
        state_->on_close = std::move(fn);
        return;
      }
    }
    if (!state_->finishing) fn();
  }

 private:
  std::shared_ptr<StreamState> state_;
  boost::asio::any_io_executor strand_;
  std::function<void()> kick_;
};

}  // namespace v6k::http::internal
