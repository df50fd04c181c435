// Shared fixture for the Store suites: every test runs against each backend in
// backends() (SQLite now; etcd joins later), in a fresh temporary directory.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/store.h"

#define ASSERT_OK(r) ASSERT_TRUE(r) << (r).error().message()
#define EXPECT_OK(r) EXPECT_TRUE(r) << (r).error().message()
#define EXPECT_ERRNO(r, want)                                              \
  do {                                                                     \
    auto&& r_ = (r);                                                       \
    ASSERT_FALSE(r_) << "expected errno " << (want);                       \
    EXPECT_EQ(r_.error().code(), (want)) << r_.error().message();          \
  } while (0)

namespace v6k::store::testing {

struct Backend {
  std::string name;
  // Opens the store whose data lives in `dir` (the same dir = the same data).
  std::function<Result<std::unique_ptr<Store>>(const std::string& dir)> open;
};

inline std::vector<Backend> backends() {
  return {{"sqlite", [](const std::string& dir) { return open_sqlite(dir + "/store.db"); }}};
}

inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param.name;
}

class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/v6k-store-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    store_ = open();
    ASSERT_NE(store_, nullptr);
  }
  void TearDown() override {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::unique_ptr<Store> open() {
    auto s = GetParam().open(dir_);
    EXPECT_TRUE(s) << s.error().message();
    return s ? std::move(*s) : nullptr;
  }
  int64_t rev() {
    auto r = store_->current_revision();
    EXPECT_TRUE(r) << r.error().message();
    return r ? *r : -1;
  }

  std::string dir_;
  std::unique_ptr<Store> store_;
};

// Collects watch events; wait_for(n) blocks until n have arrived (or 5 s pass).
class Collector {
 public:
  WatchSink sink() {
    return [this](const std::vector<Event>& batch) {
      std::lock_guard lock(mu_);
      events_.insert(events_.end(), batch.begin(), batch.end());
      cv_.notify_all();
    };
  }
  WatchErrorSink on_error() {
    return [this](const Error& e) {
      std::lock_guard lock(mu_);
      errors_.push_back(e);
      cv_.notify_all();
    };
  }
  std::vector<Event> wait_for(size_t n, std::chrono::milliseconds t = std::chrono::seconds(5)) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, t, [&] { return events_.size() >= n; });
    return events_;
  }
  std::vector<Event> events() {
    std::lock_guard lock(mu_);
    return events_;
  }
  std::vector<Error> errors() {
    std::lock_guard lock(mu_);
    return errors_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Event> events_;
  std::vector<Error> errors_;
};

}  // namespace v6k::store::testing
