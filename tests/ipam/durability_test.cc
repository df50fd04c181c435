// On-disk behaviour: torn tails, corrupted records, compaction and bounded log size.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "common/atomic_file.h"
#include "ipam/pool_state.h"
#include "ipam/record_log.h"
#include "ipam/store.h"
#include "ipam_test_util.h"

namespace v6k::ipam {
namespace {

using namespace testing;

std::string read_all(const std::string& path) { return read_file(path).value(); }

void overwrite(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
}

// The state a fresh process would load from the file, checked for consistency.
PoolState load(const std::string& path) {
  PoolState st;
  scan_log(read_all(path), [&](Record&& r) { st.apply(std::move(r)); });
  EXPECT_EQ(st.check(), "");
  return st;
}

TEST(Durability, TornTailLosesOnlyThatRecord) {
  TempDir dir;
  auto cfg = config(dir.path());
  std::vector<Allocation> live;
  {
    auto s = Store::open(cfg);
    for (const char* k : {"a", "b", "c"}) live.push_back(s->allocate(req(k)).value());
  }
  uint64_t full = file_size(dir.log());
  uint64_t last = encoded_size(AllocRecord{live[2]});
  for (uint64_t cut : {uint64_t{1}, uint64_t{5}, last / 2, last - 1}) {
    SCOPED_TRACE(cut);
    std::string bytes = read_all(dir.log());
    overwrite(dir.log(), bytes.substr(0, full - last + (last - cut)));
    auto s = Store::open(cfg);
    ASSERT_TRUE(s) << s.error().message();
    auto got = s->list().value();
    ASSERT_EQ(got.size(), 2u);
    EXPECT_EQ(got[0], live[0]);
    EXPECT_EQ(got[1], live[1]);
    EXPECT_EQ(file_size(dir.log()), full - last) << "torn tail truncated under the lock";
    // Appends after the repair are readable; the lost record's address is free again.
    auto again = s->allocate(req("c")).value();
    EXPECT_EQ(again.v6, live[2].v6);
    live[2] = again;
    full = file_size(dir.log());
    auto reopened = Store::open(cfg);
    EXPECT_EQ(reopened->list().value(), live);
  }
}

TEST(Durability, CorruptedChecksumSkipsOnlyThatRecord) {
  TempDir dir;
  auto cfg = config(dir.path());
  std::vector<Allocation> live;
  {
    auto s = Store::open(cfg);
    for (const char* k : {"a", "b", "c"}) live.push_back(s->allocate(req(k)).value());
  }
  std::string bytes = read_all(dir.log());
  size_t first = encoded_size(AllocRecord{live[0]});
  bytes[first + kFrameHeader + 20] ^= 0x40;  // inside record b's v6 address
  overwrite(dir.log(), bytes);
  auto s = Store::open(cfg);
  ASSERT_TRUE(s) << s.error().message();
  auto got = s->list().value();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], live[0]);
  EXPECT_EQ(got[1], live[2]);
  EXPECT_EQ(read_all(dir.path() + "/alloc.log.corrupt"), bytes) << "damaged log kept aside";
  EXPECT_LT(file_size(dir.log()), bytes.size()) << "log rewritten without the damage";
  ASSERT_TRUE(s->allocate(req("d")));
  EXPECT_EQ(Store::open(cfg)->list()->size(), 3u);
}

TEST(Durability, GarbageInTheMiddleIsSkipped) {
  TempDir dir;
  auto cfg = config(dir.path());
  std::vector<Allocation> live;
  {
    auto s = Store::open(cfg);
    for (const char* k : {"a", "b"}) live.push_back(s->allocate(req(k)).value());
  }
  std::string bytes = read_all(dir.log());
  size_t first = encoded_size(AllocRecord{live[0]});
  bytes.insert(first, "v6kR\x10garbage-garbage");
  overwrite(dir.log(), bytes);
  auto s = Store::open(cfg);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->list().value(), live);
}

TEST(Durability, CompactionKeepsContent) {
  TempDir dir;
  FakeClock clock;
  auto cfg = config(dir.path());
  cfg.now_unix = clock.fn();
  cfg.compact_slack_bytes = 1024;
  auto s = Store::open(cfg);
  ASSERT_TRUE(s);
  for (int round = 0; round < 40; ++round) {
    for (int i = 0; i < 10; ++i)
      s->allocate(req("r" + std::to_string(round) + "-" + std::to_string(i))).value();
    for (int i = 0; i < 10; i += 2)
      s->release({"r" + std::to_string(round) + "-" + std::to_string(i), "eth0"}).value();
    clock.advance(2);
  }
  auto before = s->list().value();
  auto status_before = s->status().value();
  EXPECT_EQ(before.size(), 200u);
  uint64_t size = s->log_size().value();
  PoolState disk = load(dir.log());
  EXPECT_LE(size, disk.snapshot_bytes() * 3 / 2 + 1024 + 200) << "compaction ran";
  // Every record in the file is still a live allocation or a cooling address.
  EXPECT_EQ(disk.live().size(), 200u);
  auto reopened = Store::open(cfg);
  EXPECT_EQ(reopened->list().value(), before);
  EXPECT_EQ(reopened->status()->cooling, status_before.cooling);
  // Cooling addresses are still not reused after compaction; never-used ones are next.
  auto next = reopened->allocate(req("next")).value();
  for (const auto& a : before) EXPECT_NE(a.v6, next.v6);
  EXPECT_FALSE(std::filesystem::exists(dir.log() + ".tmp." + std::to_string(::getpid())));
}

TEST(Durability, DiskStaysProportionalToLiveAfter10000Cycles) {
  TempDir dir;
  FakeClock clock;
  auto cfg = config(dir.path());
  cfg.now_unix = clock.fn();
  auto s = Store::open(cfg);
  ASSERT_TRUE(s);
  for (int i = 0; i < 10; ++i) s->allocate(req("keep" + std::to_string(i))).value();
  std::set<addr::Ipv6Address> used;
  for (int i = 0; i < 10000; ++i) {
    auto a = s->allocate(req("cycle" + std::to_string(i)));
    ASSERT_TRUE(a) << a.error().message();
    used.insert(a->v6.value());
    ASSERT_TRUE(s->release({"cycle" + std::to_string(i), "eth0"}).value());
    clock.advance(1);  // ~30 addresses cooling at any time
  }
  EXPECT_LE(used.size(), 32u) << "cooled-down addresses are reused";
  uint64_t size = s->log_size().value();
  EXPECT_LT(size, 2 * (10 * 120 + 32 * 40) + cfg.compact_slack_bytes);
  EXPECT_EQ(size, file_size(dir.log()));
  auto reopened = Store::open(cfg);
  EXPECT_EQ(reopened->list()->size(), 10u);
}

}  // namespace
}  // namespace v6k::ipam
