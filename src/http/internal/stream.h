// Internal to src/http: the shared state of one streamed (chunked) response, between the
// producer's threads (BodyStream::write) and the connection's strand, which sends it.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
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
  // The connection's strand and the "send what is pending" step posted to it. Dropped
  // once the stream closes: a producer may keep its BodyStream past the server's life,
  // and a strand must not outlive its io_context.
  std::optional<boost::asio::any_io_executor> strand;
  std::function<void()> kick;

  // Posts `kick` to the strand (caller holds `mu`); nothing once closed.
  void post_kick() {
    if (strand) boost::asio::post(*strand, kick);
  }

  // Marks the stream closed (not finished) and runs on_close once. Safe from any thread.
  void close_now() {
    std::function<void()> fn;
    std::optional<boost::asio::any_io_executor> drop;
    {
      std::lock_guard lock(mu);
      closed = true;
      fn = std::move(on_close);
      on_close = nullptr;
      drop = std::move(strand);
      strand.reset();
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
      : state_(std::move(state)) {
    std::lock_guard lock(state_->mu);
    if (state_->closed) return;
    state_->strand = std::move(strand);
    state_->kick = std::move(kick);
  }

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
        if (was_empty) state_->post_kick();
        return true;
      }
      // The peer fell too far behind: drop it (the kick sees `closed` and closes).
      state_->closed = true;
      fn = std::move(state_->on_close);
      state_->on_close = nullptr;
      state_->post_kick();
    }
    if (fn) fn();
    return false;
  }

  void finish() override {
    std::lock_guard lock(state_->mu);
    if (state_->closed || state_->finishing) return;
    state_->finishing = true;
    state_->on_close = nullptr;
    state_->post_kick();
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
};

}  // namespace v6k::http::internal
