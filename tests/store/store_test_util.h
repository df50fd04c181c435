// Shared fixture for the Store suites: every test runs against each backend in
// backends(), in a fresh temporary directory: SQLite keeps its file there; etcd gets a
// private etcd process per test with its data there (started by the first open() of the
// directory, stopped in TearDown), so every test sees a store at its own revisions.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "etcd/etcd_process.h"
#include "etcd/etcd_store.h"
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
  // Optional: releases what open() started for `dir` (before the dir is removed).
  std::function<void(const std::string& dir)> close;
  // Non-empty: the backend cannot run here, and why (its tests skip).
  std::string unavailable;
  // etcd gives all writes of one commit() one revision; SQLite consecutive ones.
  bool commit_shares_revision = false;
};

// One private etcd per test directory, for the etcd backend.
inline std::mutex& etcd_mu() {
  static std::mutex mu;
  return mu;
}
inline std::map<std::string, std::unique_ptr<etcd::EtcdProcess>>& etcd_servers() {
  static std::map<std::string, std::unique_ptr<etcd::EtcdProcess>> servers;
  return servers;
}
inline Result<std::unique_ptr<Store>> open_etcd_in(const std::string& dir) {
  etcd::EtcdOptions opts;
  {
    std::lock_guard lock(etcd_mu());
    auto& server = etcd_servers()[dir];
    if (!server) {
      auto started = etcd::EtcdProcess::start(dir + "/etcd");
      if (!started) {
        etcd_servers().erase(dir);
        return fail(std::move(started.error()));
      }
      server = std::move(*started);
    }
    opts = server->options();
  }
  return etcd::open_etcd(opts);
}
inline void close_etcd_in(const std::string& dir) {
  std::unique_ptr<etcd::EtcdProcess> server;  // stopped outside the lock
  std::lock_guard lock(etcd_mu());
  auto it = etcd_servers().find(dir);
  if (it == etcd_servers().end()) return;
  server = std::move(it->second);
  etcd_servers().erase(it);
}

inline std::vector<Backend> backends() {
  Backend sqlite{"sqlite", [](const std::string& dir) { return open_sqlite(dir + "/store.db"); }};
  Backend etcd{"etcd", open_etcd_in, close_etcd_in};
  etcd.commit_shares_revision = true;
  if (::access(etcd::EtcdProcess::kDefaultBinary, X_OK) != 0) {
    etcd.unavailable = std::string(etcd::EtcdProcess::kDefaultBinary) +
                       " is not installed (Debian package etcd-server; scripts/setup installs it)";
  }
  return {sqlite, etcd};
}

// The backends named `name` only, for tests of one backend's own behaviour.
inline std::vector<Backend> backends_named(const std::string& name) {
  std::vector<Backend> out;
  for (auto& b : backends()) {
    if (b.name == name) out.push_back(b);
  }
  return out;
}

inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param.name;
}

class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (!GetParam().unavailable.empty()) GTEST_SKIP() << GetParam().unavailable;
    char tmpl[] = "/tmp/v6k-store-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    store_ = open();
    ASSERT_NE(store_, nullptr);
  }
  void TearDown() override {
    store_.reset();
    if (GetParam().close && !dir_.empty()) GetParam().close(dir_);
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
