// Record log framing: checksum, round trips, resynchronization and state invariants.
#include "ipam/record_log.h"

#include <gtest/gtest.h>

#include <cstring>

#include <random>

#include "ipam/pool_state.h"
#include "ipam_test_util.h"

namespace v6k::ipam {
namespace {

using namespace testing;

Allocation sample(const std::string& cid, const char* v6, std::optional<const char*> v4) {
  Allocation a{.key = {cid, "eth0"}, .v6 = v6a(v6), .allocated_unix = -5,
               .network = "n", .pod_namespace = "ns", .pod_name = "p"};
  if (v4) a.v4 = v4a(*v4);
  return a;
}

std::vector<Record> scan_all(std::string_view bytes, ScanStats* stats = nullptr) {
  std::vector<Record> out;
  auto st = scan_log(bytes, [&](Record&& r) { out.push_back(std::move(r)); });
  if (stats) *stats = st;
  return out;
}

TEST(RecordLog, Crc32cKnownAnswer) {
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(crc32c(""), 0u);
  EXPECT_EQ(crc32c_portable("123456789"), 0xE3069283u);
  std::string long_text(1000, '\0');
  for (size_t i = 0; i < long_text.size(); ++i) long_text[i] = static_cast<char>(i * 7);
  for (size_t cut : {0u, 1u, 7u, 8u, 9u, 999u})
    EXPECT_EQ(crc32c(long_text.substr(cut), crc32c(long_text.substr(0, cut))),
              crc32c_portable(long_text));
}

TEST(RecordLog, EveryRecordTypeRoundTrips) {
  std::vector<Record> in = {
      AllocRecord{sample("a", "2001:db8::1", "169.254.172.2")},
      AllocRecord{sample(std::string(kMaxField, 'x'), "ffff::1", std::nullopt)},
      AllocRecord{Allocation{.key = {"v4pod", "eth0"}, .v6 = std::nullopt, .v4 = v4a("10.0.1.17"),
                             .allocated_unix = 9, .network = "n", .pod_namespace = "ns", .pod_name = "p"}},
      ReleaseRecord{{"a", "eth0"}, 1'700'000'123},
      FreedRecord{.v4 = false, .address = v6a("2001:db8::9").to_u128(), .released_unix = 7},
      FreedRecord{.v4 = true, .address = 0xA9FEAC05u, .released_unix = 8},
  };
  std::string bytes;
  for (const auto& r : in) {
    std::string one = encode_record(r);
    EXPECT_EQ(one.size(), encoded_size(r));
    bytes += one;
  }
  ScanStats st;
  auto out = scan_all(bytes, &st);
  ASSERT_EQ(out.size(), in.size());
  EXPECT_EQ(st.valid_end, bytes.size());
  EXPECT_EQ(st.skipped_bytes + st.tail_garbage + st.bad_records, 0u);
  EXPECT_EQ(std::get<AllocRecord>(out[0]).alloc, std::get<AllocRecord>(in[0]).alloc);
  EXPECT_EQ(std::get<AllocRecord>(out[1]).alloc, std::get<AllocRecord>(in[1]).alloc);
  EXPECT_EQ(std::get<AllocRecord>(out[2]).alloc, std::get<AllocRecord>(in[2]).alloc);
  EXPECT_FALSE(std::get<AllocRecord>(out[2]).alloc.v6) << "an IPv4 pod's record has no IPv6";
  EXPECT_EQ(encoded_size(in[2]) + 16, encoded_size(AllocRecord{sample("v4pod", "::1", "10.0.1.17")}));
  EXPECT_EQ(std::get<ReleaseRecord>(out[3]).key, std::get<ReleaseRecord>(in[3]).key);
  EXPECT_EQ(std::get<ReleaseRecord>(out[3]).released_unix, 1'700'000'123);
  EXPECT_EQ(std::get<FreedRecord>(out[4]).address, v6a("2001:db8::9").to_u128());
  EXPECT_TRUE(std::get<FreedRecord>(out[5]).v4);
  EXPECT_EQ(std::get<FreedRecord>(out[5]).address, 0xA9FEAC05u);
}

TEST(RecordLog, AnAllocationWithNoAddressIsMalformed) {
  // flags = 2 (no IPv6, no IPv4): checksummed but meaningless, so skipped and counted.
  std::string good = encode_record(AllocRecord{Allocation{.key = {"k", "eth0"}, .v4 = v4a("10.0.0.9")}});
  std::string body = good.substr(kFrameHeader);
  body[1] = 2;
  body.erase(10, 4);  // drop the IPv4 the flags no longer announce
  std::string frame(kFrameHeader, '\0');
  uint32_t magic = kFrameMagic, len = static_cast<uint32_t>(body.size());
  std::memcpy(frame.data(), &magic, 4);
  std::memcpy(frame.data() + 4, &len, 4);
  uint32_t crc = crc32c(body, crc32c(std::string_view(frame.data() + 4, 4)));
  std::memcpy(frame.data() + 8, &crc, 4);
  ScanStats st;
  EXPECT_TRUE(scan_all(frame + body, &st).empty());
  EXPECT_EQ(st.bad_records, 1u);
}

TEST(RecordLog, ResynchronizesAfterGarbageAndReportsTornTail) {
  std::string a = encode_record(AllocRecord{sample("a", "2001:db8::1", std::nullopt)});
  std::string b = encode_record(AllocRecord{sample("b", "2001:db8::2", std::nullopt)});
  std::string bytes = "junk" + a + "v6kR" + b + b.substr(0, 10);
  ScanStats st;
  auto out = scan_all(bytes, &st);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(st.skipped_bytes, 8u);
  EXPECT_EQ(st.tail_garbage, 10u);
  EXPECT_EQ(st.valid_end, bytes.size() - 10);
}

TEST(RecordLog, ValidChecksumButBadBodyIsCountedAndSkipped) {
  // A frame with a correct checksum around an unknown record type.
  std::string body = "\x09hello";
  std::string frame = "v6kR";
  frame += std::string("\x06\0\0\0", 4);
  uint32_t crc = crc32c(body, crc32c(frame.substr(4, 4)));
  for (int i = 0; i < 4; ++i) frame.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  frame += body;
  ScanStats st;
  auto out = scan_all(frame + encode_record(ReleaseRecord{{"x", "eth0"}, 1}), &st);
  EXPECT_EQ(out.size(), 1u);
  EXPECT_EQ(st.bad_records, 1u);
}

TEST(PoolState, ConflictingRecordsNeverDoubleAssign) {
  PoolState st;
  st.apply(AllocRecord{sample("a", "2001:db8::1", "169.254.172.2")});
  st.apply(AllocRecord{sample("b", "2001:db8::1", "169.254.172.3")});  // v6 taken
  st.apply(AllocRecord{sample("c", "2001:db8::2", "169.254.172.2")});  // v4 taken
  st.apply(AllocRecord{sample("a", "2001:db8::5", std::nullopt)});     // key live
  st.apply(FreedRecord{.v4 = false, .address = v6a("2001:db8::1").to_u128(), .released_unix = 0});
  st.apply(ReleaseRecord{{"nobody", "eth0"}, 0});
  EXPECT_EQ(st.live().size(), 1u);
  EXPECT_EQ(st.check(), "");
  st.apply(ReleaseRecord{{"a", "eth0"}, 100});
  EXPECT_EQ(st.live().size(), 0u);
  EXPECT_EQ(st.cooling(110, 30), 2u);
  st.apply(AllocRecord{sample("b", "2001:db8::1", "169.254.172.3")});
  EXPECT_EQ(st.check(), "");
  EXPECT_EQ(st.cooling(110, 30), 1u);
}

TEST(PoolState, SnapshotRecreatesTheState) {
  std::mt19937 rng(7);
  PoolState st;
  for (int i = 0; i < 500; ++i) {
    int k = std::uniform_int_distribution<int>(0, 60)(rng);
    std::string key = "k" + std::to_string(k);
    if (rng() % 3 == 0) {
      st.apply(ReleaseRecord{{key, "eth0"}, i});
    } else {
      auto v6 = addr::Ipv6Address::from_u128(rng() % 100);
      std::optional<addr::Ipv4Address> v4;
      if (rng() % 2) v4 = addr::Ipv4Address(static_cast<uint32_t>(rng() % 50));
      st.apply(AllocRecord{Allocation{.key = {key, "eth0"}, .v6 = v6, .v4 = v4}});
    }
    ASSERT_EQ(st.check(), "");
  }
  std::string snap = st.snapshot();
  EXPECT_LE(snap.size(), st.snapshot_bytes());
  PoolState again;
  scan_log(snap, [&](Record&& r) { again.apply(std::move(r)); });
  EXPECT_EQ(again.check(), "");
  EXPECT_EQ(again.sorted_live(), st.sorted_live());
  EXPECT_EQ(again.snapshot(), snap);
  EXPECT_EQ(again.cooling(480, 30), st.cooling(480, 30));
}

}  // namespace
}  // namespace v6k::ipam
