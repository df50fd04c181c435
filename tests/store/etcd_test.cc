// etcd-backend specifics: the gateway's encoding (base64, prefix range ends, error
// replies), and behaviour only a networked store has (nothing listening, etcd stopping
// under a watch, the txn size limit, finding the compacted revision from a new client).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "etcd/internal/wire.h"
#include "store_test_util.h"

namespace v6k::store::testing {
namespace {

using namespace std::chrono_literals;
namespace wire = v6k::etcd::internal;

TEST(EtcdWire, PrefixEndMatchesEtcdsGetPrefixRangeEnd) {
  struct Case {
    std::string prefix, end;
  } cases[] = {
      {"", std::string(1, '\0')},
      {"a", "b"},
      {"/x/", "/x0"},
      {"a\xff", "b"},
      {"a\xff\xff", "b"},
      {"\xff", std::string(1, '\0')},
      {"\xff\xff", std::string(1, '\0')},
      {std::string("a\0", 2), std::string("a\x01", 2)},
  };
  for (const auto& c : cases) EXPECT_EQ(wire::prefix_end(c.prefix), c.end) << c.prefix;
}

TEST(EtcdWire, Base64RoundTripsEveryLengthAndByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (size_t n = 0; n <= all.size(); n += (n < 8 ? 1 : 37)) {
    std::string raw = all.substr(0, n);
    auto enc = wire::b64encode(raw);
    EXPECT_EQ(enc.size(), 4 * ((n + 2) / 3));
    auto dec = wire::b64decode(enc);
    ASSERT_TRUE(dec) << dec.error().message();
    EXPECT_EQ(*dec, raw) << n;
  }
  EXPECT_EQ(wire::b64encode("/a"), "L2E=");
  EXPECT_EQ(*wire::b64decode("AA=="), std::string(1, '\0'));
  EXPECT_FALSE(wire::b64decode("abc"));
  EXPECT_FALSE(wire::b64decode("a!c="));
}

TEST(EtcdWire, ErrorRepliesMapToStoreCodes) {
  struct Case {
    unsigned status;
    std::string body;
    int err;  // 0 = success
  } cases[] = {
      {200, R"({"header":{"revision":"7"}})", 0},
      {400, R"({"error":"etcdserver: mvcc: required revision has been compacted","message":"etcdserver: mvcc: required revision has been compacted","code":11})", ERANGE},
      {400, R"({"error":"etcdserver: mvcc: required revision is a future revision","message":"etcdserver: mvcc: required revision is a future revision","code":11})", EOVERFLOW},
      {400, R"({"error":"etcdserver: duplicate key given in txn request","message":"etcdserver: duplicate key given in txn request","code":3})", EINVAL},
      {503, R"({"error":"etcdserver: no leader","message":"etcdserver: no leader","code":14})", EAGAIN},
      {500, R"({"error":"x","message":"x","code":13})", EIO},
      {502, "Bad Gateway", EPROTO},
      {200, "[1]", EPROTO},
  };
  for (const auto& c : cases) {
    auto r = wire::decode_reply(c.status, c.body);
    if (c.err == 0) {
      ASSERT_TRUE(r) << r.error().message();
      EXPECT_EQ(wire::int_field((*r)["header"], "revision"), 7);
    } else {
      ASSERT_FALSE(r) << c.body;
      EXPECT_EQ(r.error().code(), c.err) << r.error().message();
    }
  }
}

TEST(EtcdWire, KvFieldsAreDecoded) {
  auto j = wire::json::parse(
      R"({"key":"L2E=","create_revision":"2","mod_revision":"5","version":"3","value":"AAH/"})");
  auto kv = wire::parse_kv(j);
  ASSERT_TRUE(kv) << kv.error().message();
  EXPECT_EQ(kv->key, "/a");
  EXPECT_EQ(kv->value, std::string("\0\x01\xff", 3));
  EXPECT_EQ(kv->create_revision, 2);
  EXPECT_EQ(kv->mod_revision, 5);
  EXPECT_EQ(kv->version, 3);
  auto del = wire::parse_kv(wire::json::parse(R"({"key":"L2E=","mod_revision":"9"})"));
  ASSERT_TRUE(del);
  EXPECT_EQ(del->value, "");
  EXPECT_EQ(del->version, 0);
  EXPECT_FALSE(wire::parse_kv(wire::json::parse(R"({"key":"L2E"})")));
}

TEST(EtcdOpen, NothingListeningIsConnectionRefused) {
  etcd::EtcdOptions opts;
  opts.port = 1;  // privileged and unused on loopback
  opts.timeout = 1s;
  auto s = etcd::open_etcd(opts);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), ECONNREFUSED) << s.error().message();
}

class EtcdBackendTest : public StoreTest {};

TEST_P(EtcdBackendTest, WatchEndsWithOneErrorWhenEtcdStops) {
  Collector got;
  auto w = store_->watch("/s/", 0, got.sink(), got.on_error());
  ASSERT_OK(w);
  ASSERT_OK(store_->create("/s/1", "x"));
  ASSERT_EQ(got.wait_for(1).size(), 1u);
  store_.reset();
  GetParam().close(dir_);  // stops this test's etcd
  for (int i = 0; i < 500 && got.errors().empty(); ++i) std::this_thread::sleep_for(10ms);
  std::this_thread::sleep_for(50ms);
  ASSERT_EQ(got.errors().size(), 1u);
  EXPECT_NE(got.errors()[0].code(), 0);
  EXPECT_EQ(got.events().size(), 1u);
  w->reset();  // joins a thread that has already ended
}

TEST_P(EtcdBackendTest, CommitAboveEtcdsTxnLimitIsInvalidAndWritesNothing) {
  const int64_t before = rev();
  std::vector<Write> writes;
  for (int i = 0; i < 129; ++i) writes.push_back(Write::create("/t/" + std::to_string(i), "v"));
  EXPECT_ERRNO(store_->commit(writes), EINVAL);
  EXPECT_EQ(rev(), before);
  writes.pop_back();  // 128 = --max-txn-ops' default
  auto ok = store_->commit(writes);
  ASSERT_OK(ok);
  EXPECT_EQ(ok->size(), 128u);
  EXPECT_EQ(rev(), before + 1);
  EXPECT_EQ(store_->list("/t/")->items.size(), 128u);
}

// The compacted revision is not kept by etcd for clients: a Store that did not compact
// finds it by probing, also after another Store compacts further.
TEST_P(EtcdBackendTest, CompactedRevisionIsFoundByOtherStores) {
  for (int i = 0; i < 40; ++i) ASSERT_OK(store_->create("/c/" + std::to_string(i), "v"));
  auto other = open();
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(*other->compacted_revision(), 0);
  ASSERT_OK(store_->compact(17));
  EXPECT_EQ(*other->compacted_revision(), 17);
  EXPECT_EQ(*store_->compacted_revision(), 17);
  ASSERT_OK(other->compact(33));
  EXPECT_EQ(*store_->compacted_revision(), 33);
  EXPECT_EQ(*open()->compacted_revision(), 33);
  EXPECT_ERRNO(store_->compact(20), ERANGE);
  EXPECT_ERRNO(store_->compact(0), ERANGE);
}

INSTANTIATE_TEST_SUITE_P(Backends, EtcdBackendTest, ::testing::ValuesIn(backends_named("etcd")),
                         backend_name);

}  // namespace
}  // namespace v6k::store::testing
