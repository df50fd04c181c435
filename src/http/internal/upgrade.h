// Internal to src/http: the connection's side of a protocol upgrade (Response::upgrade).
// After the 101 response is written, the connection hands an UpgradedSocket over its
// stream (plain TCP or TLS) to the handler's callback and serves no further requests.
//
// Lifetimes: the UpgradedSocket keeps its connection alive (the stream lives there);
// whoever holds the UpgradedSocket lives in pending operations on the strand, so closing
// the socket (Server::stop) completes them and releases everything. Threads outside
// reach the strand only through the PostGate, which refuses once the connection closed:
// a strand must never be used after its io_context is gone.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <array>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "http/message.h"

namespace v6k::http::internal {

class PostGate {
 public:
  explicit PostGate(boost::asio::any_io_executor strand) : strand_(std::move(strand)) {}
  bool post(std::function<void()> fn) {
    std::lock_guard lock(mu_);
    if (!strand_) return false;
    boost::asio::post(*strand_, std::move(fn));
    return true;
  }
  void close() {
    std::lock_guard lock(mu_);
    strand_.reset();
  }

 private:
  std::mutex mu_;
  std::optional<boost::asio::any_io_executor> strand_;
};

template <class Stream>
class UpgradedSocket final : public UpgradedStream {
 public:
  // `owner` keeps `stream` alive; `gate` is closed by the connection when it closes.
  UpgradedSocket(std::shared_ptr<void> owner, Stream& stream, std::string buffered,
                 std::shared_ptr<PostGate> gate, std::string remote)
      : owner_(std::move(owner)),
        stream_(stream),
        buffered_(std::move(buffered)),
        gate_(std::move(gate)),
        timer_(stream.get_executor()),
        remote_(std::move(remote)) {}
  ~UpgradedSocket() override { close(); }

  std::string take_buffered() override { return std::exchange(buffered_, {}); }

  void read_some(std::function<void(bool, std::string_view)> done) override {
    if (closed_) {
      boost::asio::post(stream_.get_executor(), [done = std::move(done)] { done(false, {}); });
      return;
    }
    stream_.async_read_some(boost::asio::buffer(in_), [this, done = std::move(done)](
                                                          boost::system::error_code ec, size_t n) {
      if (ec) return done(false, {});
      done(true, std::string_view(in_.data(), n));
    });
  }

  void write(std::string data, std::function<void(bool)> done) override {
    out_ = std::move(data);
    if (closed_) {
      boost::asio::post(stream_.get_executor(), [done = std::move(done)] { done(false); });
      return;
    }
    boost::asio::async_write(stream_, boost::asio::buffer(out_),
                             [done = std::move(done)](boost::system::error_code ec, size_t) { done(!ec); });
  }

  void after(std::chrono::milliseconds delay, std::function<void()> fn) override {
    if (closed_) return;
    timer_.expires_after(delay);
    timer_.async_wait([fn = std::move(fn)](boost::system::error_code ec) {
      if (!ec) fn();
    });
  }

  void close() override {
    if (closed_) return;
    closed_ = true;
    gate_->close();
    timer_.cancel();
    auto& tcp = boost::beast::get_lowest_layer(stream_);
    boost::system::error_code ignored;
    tcp.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
    tcp.close();
  }

  std::function<bool(std::function<void()>)> poster() override {
    return [gate = gate_](std::function<void()> fn) { return gate->post(std::move(fn)); };
  }

  const std::string& remote() const override { return remote_; }

 private:
  std::shared_ptr<void> owner_;
  Stream& stream_;
  std::string buffered_;
  std::shared_ptr<PostGate> gate_;
  boost::asio::steady_timer timer_;
  std::string remote_;
  std::array<char, 16384> in_;
  std::string out_;  // the write in flight
  bool closed_ = false;
};

}  // namespace v6k::http::internal
