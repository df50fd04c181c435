// Watch semantics: history replay then live events, in revision order, with prev values;
// prefix isolation; compaction; stopping; cross-Store notification.
#include <atomic>
#include <map>
#include <thread>

#include "store_test_util.h"

namespace v6k::store::testing {
namespace {

using namespace std::chrono_literals;

class WatchTest : public StoreTest {};

TEST_P(WatchTest, ReplaysHistoryThenStreamsLiveInOrderWithPrev) {
  const int64_t r0 = rev();
  auto a1 = store_->create("/w/a", "a1");
  auto a2 = store_->update("/w/a", "a2", 0);
  auto b1 = store_->create("/w/b", "b1");
  auto del = store_->remove("/w/a");
  ASSERT_TRUE(a1 && a2 && b1 && del);
  Collector got;
  auto w = store_->watch("/w/", r0, got.sink(), got.on_error());
  ASSERT_OK(w);
  auto history = got.wait_for(4);
  ASSERT_EQ(history.size(), 4u);
  EXPECT_EQ(history[0].type, EventType::kPut);
  EXPECT_EQ(history[0].kv.value, "a1");
  EXPECT_EQ(history[0].kv.version, 1);
  EXPECT_EQ(history[0].prev.mod_revision, 0);  // a create has no prev
  EXPECT_EQ(history[1].kv.value, "a2");
  EXPECT_EQ(history[1].kv.create_revision, a1->mod_revision);
  EXPECT_EQ(history[1].prev.value, "a1");
  EXPECT_EQ(history[1].prev.mod_revision, a1->mod_revision);
  EXPECT_EQ(history[2].kv.key, "/w/b");
  EXPECT_EQ(history[3].type, EventType::kDelete);
  EXPECT_EQ(history[3].kv.key, "/w/a");
  EXPECT_EQ(history[3].kv.mod_revision, del->mod_revision);
  EXPECT_EQ(history[3].prev.value, "a2");
  EXPECT_EQ(history[3].prev.mod_revision, a2->mod_revision);

  auto b2 = store_->update("/w/b", "b2", b1->mod_revision);
  ASSERT_OK(b2);
  ASSERT_OK(store_->create("/w/a", "reborn"));
  auto live = got.wait_for(6);
  ASSERT_EQ(live.size(), 6u);
  EXPECT_EQ(live[4].kv.value, "b2");
  EXPECT_EQ(live[4].prev.value, "b1");
  EXPECT_EQ(live[5].kv.value, "reborn");
  EXPECT_EQ(live[5].prev.mod_revision, 0);  // created again after a delete
  for (size_t i = 1; i < live.size(); ++i) {
    EXPECT_EQ(live[i].kv.mod_revision, live[i - 1].kv.mod_revision + 1);
  }
  EXPECT_TRUE(got.errors().empty());
}

TEST_P(WatchTest, PrefixDoesNotSeeOtherPrefixes) {
  Collector got;
  auto w = store_->watch("/x/", 0, got.sink());
  ASSERT_OK(w);
  ASSERT_OK(store_->create("/y/1", "no"));
  ASSERT_OK(store_->create("/xy", "no"));
  ASSERT_OK(store_->create("/x", "no"));
  ASSERT_OK(store_->create("/x/1", "yes"));
  ASSERT_OK(store_->create("/z", "no"));
  ASSERT_OK(store_->create("/x/2", "yes"));
  auto events = got.wait_for(2);
  std::this_thread::sleep_for(100ms);
  events = got.events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kv.key, "/x/1");
  EXPECT_EQ(events[1].kv.key, "/x/2");
}

TEST_P(WatchTest, FromZeroSeesOnlyFutureEvents) {
  ASSERT_OK(store_->create("/f/old", "x"));
  Collector got;
  auto w = store_->watch("/f/", 0, got.sink());
  ASSERT_OK(w);
  ASSERT_OK(store_->create("/f/new", "y"));
  auto events = got.wait_for(1);
  std::this_thread::sleep_for(50ms);
  events = got.events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kv.key, "/f/new");
}

TEST_P(WatchTest, CompactedRevisionIsRefusedAndAtCompactionWorks) {
  ASSERT_OK(store_->create("/c/a", "1"));
  ASSERT_OK(store_->update("/c/a", "2", 0));
  auto d = store_->remove("/c/a");
  ASSERT_OK(d);
  auto mid = rev();
  ASSERT_OK(store_->create("/c/b", "1"));
  ASSERT_OK(store_->compact(mid));
  Collector unused;
  EXPECT_ERRNO(store_->watch("/c/", mid - 1, unused.sink()), ERANGE);
  Collector got;
  auto w = store_->watch("/c/", mid, got.sink());
  ASSERT_OK(w);
  auto events = got.wait_for(1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kv.key, "/c/b");
}

TEST_P(WatchTest, ManyEventsArriveCompleteAndInOrder) {
  const int64_t r0 = rev();
  constexpr int kWrites = 1500;  // several batches of history, then live
  for (int i = 0; i < kWrites / 2; ++i) ASSERT_OK(store_->create("/m/" + std::to_string(i), "v"));
  Collector got;
  auto w = store_->watch("/m/", r0, got.sink());
  ASSERT_OK(w);
  for (int i = kWrites / 2; i < kWrites; ++i) {
    ASSERT_OK(store_->create("/m/" + std::to_string(i), "v"));
  }
  auto events = got.wait_for(kWrites, 10s);
  ASSERT_EQ(events.size(), static_cast<size_t>(kWrites));
  for (int i = 0; i < kWrites; ++i) {
    EXPECT_EQ(events[i].kv.mod_revision, r0 + 1 + i);
    EXPECT_EQ(events[i].kv.key, "/m/" + std::to_string(i));
  }
}

TEST_P(WatchTest, DestroyingTheWatchStopsDelivery) {
  std::atomic<int> calls{0};
  auto w = store_->watch("/s/", 0, [&](const std::vector<Event>&) { ++calls; });
  ASSERT_OK(w);
  ASSERT_OK(store_->create("/s/1", "x"));
  for (int i = 0; i < 500 && calls == 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(calls.load(), 1);
  w->reset();
  ASSERT_OK(store_->create("/s/2", "x"));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(calls.load(), 1);
}

TEST_P(WatchTest, SinkMayDestroyItsOwnWatch) {
  std::unique_ptr<Watch> w;
  std::mutex mu;
  std::atomic<int> calls{0};
  auto r = store_->watch("/d/", 0, [&](const std::vector<Event>&) {
    ++calls;
    std::lock_guard lock(mu);
    w.reset();
  });
  ASSERT_OK(r);
  {
    std::lock_guard lock(mu);
    w = std::move(*r);
  }
  ASSERT_OK(store_->create("/d/1", "x"));
  for (int i = 0; i < 500 && calls == 0; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_OK(store_->create("/d/2", "x"));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(calls.load(), 1);
}

// A write through one Store wakes a watch made through another on the same data
// promptly (well under the SQLite backend's 1 s fallback wake).
TEST_P(WatchTest, WriteThroughAnotherStoreWakesTheWatch) {
  auto other = open();
  ASSERT_NE(other, nullptr);
  Collector got;
  auto w = store_->watch("/o/", 0, got.sink());
  ASSERT_OK(w);
  std::this_thread::sleep_for(20ms);
  auto start = std::chrono::steady_clock::now();
  ASSERT_OK(other->create("/o/1", "x"));
  auto events = got.wait_for(1);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(events.size(), 1u);
  EXPECT_LT(took, 300ms);
}

// A commit's events arrive complete, in order, and no batch splits a revision (etcd gives
// the whole commit one revision, SQLite one per write).
TEST_P(WatchTest, CommitEventsArriveWithoutSplittingARevision) {
  ASSERT_OK(store_->create("/t/old", "o"));
  for (int i = 0; i < 20; ++i) ASSERT_OK(store_->create("/t/x" + std::to_string(i), "x"));
  std::mutex mu;
  std::vector<std::vector<Event>> batches;
  size_t total = 0;
  std::condition_variable cv;
  auto w = store_->watch("/t/", 0, [&](const std::vector<Event>& batch) {
    std::lock_guard lock(mu);
    batches.push_back(batch);
    total += batch.size();
    cv.notify_all();
  });
  ASSERT_OK(w);
  for (int round = 0; round < 20; ++round) {
    const std::string n = std::to_string(round);
    ASSERT_OK(store_->commit({Write::create("/t/a" + n, "1"), Write::create("/t/b" + n, "2"),
                              Write::update("/t/old", n, 0), Write::remove("/t/x" + n, 0)}));
  }
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, 5s, [&] { return total >= 80; })) << total;
  std::map<int64_t, size_t> batch_of;  // revision -> index of the batch that carried it
  int64_t last = 0;
  std::vector<std::string> keys;
  for (size_t b = 0; b < batches.size(); ++b) {
    for (const auto& e : batches[b]) {
      EXPECT_GE(e.kv.mod_revision, last);
      last = e.kv.mod_revision;
      auto [it, fresh] = batch_of.emplace(e.kv.mod_revision, b);
      EXPECT_EQ(it->second, b) << "revision " << e.kv.mod_revision << " split across batches";
      keys.push_back(e.kv.key);
    }
  }
  ASSERT_EQ(keys.size(), 80u);
  EXPECT_EQ(keys[0], "/t/a0");
  EXPECT_EQ(keys[1], "/t/b0");
  EXPECT_EQ(keys[2], "/t/old");
  EXPECT_EQ(keys[3], "/t/x0");
  EXPECT_EQ(batches[0][3].type, EventType::kDelete);
  EXPECT_EQ(batch_of.size(), GetParam().commit_shares_revision ? 20u : 80u);
}

INSTANTIATE_TEST_SUITE_P(Backends, WatchTest, ::testing::ValuesIn(backends()), backend_name);

}  // namespace
}  // namespace v6k::store::testing
