// Store behaviour: address choice per prefix length, exhaustion, idempotency, cool-down,
// reuse order, GC, restart, prefix changes, status and config validation.
#include "ipam/store.h"

#include <gtest/gtest.h>

#include <set>

#include "ipam_test_util.h"

namespace v6k::ipam {
namespace {

using namespace testing;

struct PrefixCase {
  const char* prefix;
  int allocate;          // how many to allocate
  bool exhausts;         // the next one fails with ENOSPC
};

class PrefixLengths : public ::testing::TestWithParam<PrefixCase> {};

TEST_P(PrefixLengths, SequentialFromBasePlusOneThenExhaustion) {
  const PrefixCase& c = GetParam();
  TempDir dir;
  auto s = Store::open(config(dir.path(), c.prefix, false));
  ASSERT_TRUE(s) << s.error().message();
  auto p = v6p(c.prefix);
  for (int i = 0; i < c.allocate; ++i) {
    auto a = s->allocate(req("c" + std::to_string(i)));
    ASSERT_TRUE(a) << i << ": " << a.error().message();
    EXPECT_EQ(a->v6, p.at(addr::u128(i + 1)).value()) << "never the base <p>::";
    EXPECT_TRUE(p.contains(a->v6.value()));
    EXPECT_FALSE(a->v4);
  }
  auto next = s->allocate(req("one-more"));
  if (c.exhausts) {
    ASSERT_FALSE(next);
    EXPECT_EQ(next.error().code(), ENOSPC);
    EXPECT_EQ(next.error().what(), std::string("no free address in ") + c.prefix);
    EXPECT_FALSE(s->status()->v6_available);
  } else {
    ASSERT_TRUE(next) << next.error().message();
    EXPECT_TRUE(s->status()->v6_available);
  }
}

INSTANTIATE_TEST_SUITE_P(Ipam, PrefixLengths,
                         ::testing::Values(PrefixCase{"2001:db8:0:1::/64", 100, false},
                                           PrefixCase{"2001:db8:0:1:3::/80", 100, false},
                                           PrefixCase{"2001:db8::ab00/120", 255, true},
                                           PrefixCase{"2001:db8::ab00/124", 15, true},
                                           PrefixCase{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff0/124", 15, true}));

TEST(Store, Ipv4RangeExhaustsAfter1021) {
  TempDir dir;
  auto s = Store::open(config(dir.path()));
  ASSERT_TRUE(s) << s.error().message();
  std::set<addr::Ipv4Address> seen;
  auto range = default_v4_range();
  for (int i = 0; i < 1021; ++i) {
    auto a = s->allocate(req("c" + std::to_string(i)));
    ASSERT_TRUE(a) << a.error().message();
    ASSERT_TRUE(a->v4);
    EXPECT_TRUE(range.contains(*a->v4));
    EXPECT_NE(*a->v4, v4a("169.254.172.0"));
    EXPECT_NE(*a->v4, v4a("169.254.172.1")) << "gateway";
    EXPECT_NE(*a->v4, v4a("169.254.175.255")) << "broadcast";
    EXPECT_TRUE(seen.insert(*a->v4).second);
  }
  EXPECT_EQ(*s->find({"c0", "eth0"}).value()->v4, v4a("169.254.172.2"));
  EXPECT_TRUE(s->status()->v6_available);
  EXPECT_FALSE(s->status()->v4_available);
  auto next = s->allocate(req("full"));
  ASSERT_FALSE(next);
  EXPECT_EQ(next.error().code(), ENOSPC);
  EXPECT_EQ(next.error().what(), "no free IPv4 address in 169.254.172.0/22");
  EXPECT_EQ(s->list()->size(), 1021u) << "a failed allocate writes nothing";
}

TEST(Store, IdempotentByContainerAndIfname) {
  TempDir dir;
  auto s = Store::open(config(dir.path()));
  ASSERT_TRUE(s);
  auto a = s->allocate(req("abc"));
  auto b = s->allocate(req("abc"));
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
  auto other_if = s->allocate(req("abc", "net1"));
  ASSERT_TRUE(other_if);
  EXPECT_NE(other_if->v6, a->v6);
  EXPECT_EQ(s->list()->size(), 2u);
  auto s2 = Store::open(config(dir.path()));  // a second object, like a retried plugin run
  ASSERT_TRUE(s2);
  EXPECT_EQ(*s2->allocate(req("abc")), *a);
}

TEST(Store, MetadataIsKeptAcrossReopen) {
  TempDir dir;
  FakeClock clock;
  auto cfg = config(dir.path());
  cfg.now_unix = clock.fn();
  Allocation a;
  {
    auto s = Store::open(cfg);
    ASSERT_TRUE(s);
    a = s->allocate({.key = {"cid", "eth0"}, .network = "v6k-net", .pod_namespace = "aws-news-blog",
                     .pod_name = "my-deployment-abc"})
            .value();
  }
  EXPECT_EQ(a.allocated_unix, *clock.t);
  auto s = Store::open(cfg);
  auto f = s->find({"cid", "eth0"}).value();
  ASSERT_TRUE(f);
  EXPECT_EQ(*f, a);
  EXPECT_EQ(f->network, "v6k-net");
  EXPECT_EQ(f->pod_namespace, "aws-news-blog");
  EXPECT_EQ(f->pod_name, "my-deployment-abc");
}

TEST(Store, ReleasedAddressCoolsDownBeforeReuse) {
  TempDir dir;
  FakeClock clock;
  auto cfg = config(dir.path());
  cfg.now_unix = clock.fn();
  auto s = Store::open(cfg);
  ASSERT_TRUE(s);
  auto a = s->allocate(req("a")).value();
  s->allocate(req("b")).value();
  auto rel = s->release({"a", "eth0"});
  ASSERT_TRUE(rel && *rel);
  EXPECT_EQ(**rel, a);
  EXPECT_FALSE(s->release({"a", "eth0"}).value()) << "unknown key: nullopt, not an error";
  EXPECT_EQ(s->status()->cooling, 2u);
  clock.advance(29);
  auto c = s->allocate(req("c")).value();
  EXPECT_NE(c.v6, a.v6);
  EXPECT_NE(*c.v4, *a.v4);
  clock.advance(1);
  EXPECT_EQ(s->status()->cooling, 0u);
  auto d = s->allocate(req("d")).value();
  EXPECT_EQ(d.v6, a.v6);
  EXPECT_EQ(*d.v4, *a.v4);
}

TEST(Store, ZeroCooldownReusesImmediately) {
  TempDir dir;
  auto cfg = config(dir.path());
  cfg.cooldown = std::chrono::seconds(0);
  auto s = Store::open(cfg);
  auto a = s->allocate(req("a")).value();
  ASSERT_TRUE(s->release({"a", "eth0"}).value());
  EXPECT_EQ(s->allocate(req("b")).value().v6, a.v6);
}

TEST(Store, CooldownSurvivesRestart) {
  TempDir dir;
  FakeClock clock;
  auto cfg = config(dir.path());
  cfg.now_unix = clock.fn();
  addr::Ipv6Address first;
  {
    auto s = Store::open(cfg);
    first = s->allocate(req("a")).value().v6.value();
    ASSERT_TRUE(s->release({"a", "eth0"}).value());
  }
  clock.advance(10);
  {
    auto s = Store::open(cfg);
    EXPECT_NE(s->allocate(req("b")).value().v6, first);
  }
  clock.advance(20);
  auto s = Store::open(cfg);
  EXPECT_EQ(s->allocate(req("c")).value().v6, first);
}

TEST(Store, ReuseOrderIsOldestReleaseFirstThenNextUnused) {
  TempDir dir;
  FakeClock clock;
  auto cfg = config(dir.path(), "2001:db8::/80", false);
  cfg.now_unix = clock.fn();
  auto s = Store::open(cfg);
  for (const char* k : {"1", "2", "3", "4"}) s->allocate(req(k)).value();
  for (const char* k : {"3", "1", "2"}) {
    ASSERT_TRUE(s->release({k, "eth0"}).value());
    clock.advance(1);
  }
  clock.advance(30);
  std::vector<std::string> got;
  for (const char* k : {"a", "b", "c", "d"}) got.push_back(s->allocate(req(k))->v6->to_string());
  EXPECT_EQ(got, (std::vector<std::string>{"2001:db8::3", "2001:db8::1", "2001:db8::2",
                                           "2001:db8::5"}));
}

TEST(Store, GcReleasesEverythingNotValid) {
  TempDir dir;
  FakeClock clock;
  auto cfg = config(dir.path());
  cfg.now_unix = clock.fn();
  auto s = Store::open(cfg);
  for (const char* k : {"k1", "k2", "k3", "k4"}) s->allocate(req(k)).value();
  // "k4" stands for an ADD interrupted after the allocation became durable.
  auto released = s->gc({{"k1", "eth0"}, {"k3", "eth0"}, {"unknown", "eth0"}});
  ASSERT_TRUE(released) << released.error().message();
  ASSERT_EQ(released->size(), 2u);
  EXPECT_EQ((*released)[0].key.container_id, "k2");
  EXPECT_EQ((*released)[1].key.container_id, "k4");
  auto live = s->list().value();
  ASSERT_EQ(live.size(), 2u);
  EXPECT_EQ(live[0].key.container_id, "k1");
  EXPECT_EQ(live[1].key.container_id, "k3");
  EXPECT_EQ(s->status()->cooling, 4u) << "GC'd addresses cool down (v6 + v4 of two)";
  EXPECT_TRUE(s->gc({{"k1", "eth0"}, {"k3", "eth0"}})->empty());
  auto reopened = Store::open(cfg);
  EXPECT_EQ(reopened->list()->size(), 2u);
  EXPECT_EQ(reopened->gc({})->size(), 2u);
  EXPECT_TRUE(reopened->list()->empty());
}

TEST(Store, ReopenSeesEverything) {
  TempDir dir;
  auto cfg = config(dir.path());
  std::vector<Allocation> before;
  {
    auto s = Store::open(cfg);
    for (int i = 0; i < 20; ++i) s->allocate(req("c" + std::to_string(i))).value();
    for (int i = 0; i < 20; i += 3) s->release({"c" + std::to_string(i), "eth0"}).value();
    before = s->list().value();
  }
  auto s = Store::open(cfg);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->list().value(), before);
  EXPECT_EQ(before.size(), 13u);
}

TEST(Store, TwoObjectsInOneProcessSeeEachOther) {
  TempDir dir;
  auto s1 = Store::open(config(dir.path()));
  auto s2 = Store::open(config(dir.path()));
  ASSERT_TRUE(s1 && s2);
  auto a = s1->allocate(req("a")).value();
  EXPECT_EQ(s2->find({"a", "eth0"}).value(), a);
  auto b = s2->allocate(req("b")).value();
  auto c = s1->allocate(req("c")).value();
  EXPECT_NE(a.v6, b.v6);
  EXPECT_NE(b.v6, c.v6);
  EXPECT_NE(a.v6, c.v6);
  EXPECT_TRUE(s1->release({"b", "eth0"}).value());
  EXPECT_FALSE(s2->find({"b", "eth0"}).value());
}

TEST(Store, SeveralPrefixesAreUsedInOrder) {
  TempDir dir;
  auto cfg = config(dir.path(), "2001:db8::10/124", false);
  cfg.v6_prefixes.push_back(v6p("2001:db8:1::/124"));
  auto s = Store::open(cfg);
  for (int i = 0; i < 15; ++i) EXPECT_TRUE(v6p("2001:db8::10/124").contains(s->allocate(req("a" + std::to_string(i)))->v6.value()));
  EXPECT_EQ(s->allocate(req("b0"))->v6, v6a("2001:db8:1::1"));
  for (int i = 1; i < 15; ++i) ASSERT_TRUE(s->allocate(req("b" + std::to_string(i))));
  auto full = s->allocate(req("c"));
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().code(), ENOSPC);
  EXPECT_EQ(full.error().what(), "no free address in 2001:db8::10/124, 2001:db8:1::/124");
}

TEST(Store, PrefixChangeKeepsOldAllocationsUntilReleased) {
  TempDir dir;
  FakeClock clock;
  auto cfg = config(dir.path(), "2001:db8:a::/80");
  cfg.now_unix = clock.fn();
  Allocation old;
  {
    auto s = Store::open(cfg);
    old = s->allocate(req("old")).value();
  }
  cfg.v6_prefixes = {v6p("2001:db8:b::/80")};
  auto s = Store::open(cfg);
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->find({"old", "eth0"}).value(), old);
  EXPECT_EQ(s->allocate(req("old")).value(), old) << "idempotent even outside the prefixes";
  auto fresh = s->allocate(req("new")).value();
  EXPECT_EQ(fresh.v6, v6a("2001:db8:b::1"));
  EXPECT_NE(*fresh.v4, *old.v4);
  EXPECT_TRUE(s->release({"old", "eth0"}).value());
  clock.advance(60);
  EXPECT_EQ(s->allocate(req("newer")).value().v6, v6a("2001:db8:b::2"))
      << "a released address outside every prefix is never handed out";
}

TEST(Store, StatusReportsCapacity) {
  TempDir dir;
  auto s = Store::open(config(dir.path(), "2001:db8::/124", false));
  auto st = s->status().value();
  EXPECT_EQ(st.live, 0u);
  EXPECT_TRUE(st.v6_available);
  EXPECT_FALSE(st.v4_available) << "no IPv4 range configured";
  for (int i = 0; i < 15; ++i) s->allocate(req(std::to_string(i))).value();
  st = s->status().value();
  EXPECT_EQ(st.live, 15u);
  EXPECT_FALSE(st.v6_available);
}

TEST(Store, RejectsBadConfigAndRequests) {
  TempDir dir;
  EXPECT_EQ(Store::open(config(dir.path(), "2001:db8::/125")).error().code(), EINVAL);
  auto no_prefix = config(dir.path());
  no_prefix.v6_prefixes.clear();
  EXPECT_EQ(Store::open(no_prefix).error().code(), EINVAL);
  auto v4_31 = config(dir.path());
  v4_31.v4_range = v4p("169.254.172.0/31");
  EXPECT_EQ(Store::open(v4_31).error().code(), EINVAL);
  auto empty_dir = config("");
  EXPECT_EQ(Store::open(empty_dir).error().code(), EINVAL);
  auto s = Store::open(config(dir.path()));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->allocate(req("")).error().code(), EINVAL);
  EXPECT_EQ(s->allocate(req("x", "")).error().code(), EINVAL);
  auto big = req("x");
  big.pod_name.assign(2000, 'p');
  EXPECT_EQ(s->allocate(big).error().code(), EINVAL);
  EXPECT_TRUE(s->list()->empty());
}

PoolConfig v4_pods(const std::string& dir, std::vector<const char*> addrs) {
  PoolConfig c;
  c.data_dir = dir;
  c.ipv4_pods = true;
  for (const char* a : addrs) c.v4_addresses.push_back(v4a(a));
  return c;
}

TEST(Store, Ipv4PodModeHandsOutListedAddressesInOrderAndNoIpv6) {
  TempDir dir;
  FakeClock clock;
  auto cfg = v4_pods(dir.path(), {"10.0.1.30", "10.0.1.7", "10.0.1.19"});
  cfg.now_unix = clock.fn();
  auto s = Store::open(cfg);
  ASSERT_TRUE(s) << s.error().message();
  std::vector<std::string> got;
  for (const char* k : {"a", "b", "c"}) {
    auto a = s->allocate(req(k));
    ASSERT_TRUE(a) << a.error().message();
    EXPECT_FALSE(a->v6);
    got.push_back(a->v4.value().to_string());
  }
  EXPECT_EQ(got, (std::vector<std::string>{"10.0.1.30", "10.0.1.7", "10.0.1.19"})) << "list order, nothing reserved";
  auto full = s->allocate(req("d"));
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().code(), ENOSPC);
  EXPECT_NE(full.error().message().find("no free IPv4 address in 3 IPv4 pod addresses of the node"),
            std::string::npos)
      << full.error().message();
  auto st = s->status().value();
  EXPECT_FALSE(st.v4_available);
  EXPECT_FALSE(st.v6_available);
  EXPECT_EQ(st.v4_free, 0u);

  // A released address cools down; a newly listed one is free at once.
  ASSERT_TRUE(s->release({"b", "eth0"}).value());
  EXPECT_EQ(s->status()->v4_free, 0u);
  cfg.v4_addresses.push_back(v4a("10.0.1.40"));
  auto grown = Store::open(cfg);
  EXPECT_EQ(grown->status()->v4_free, 1u);
  EXPECT_EQ(grown->allocate(req("d"))->v4.value().to_string(), "10.0.1.40");
  clock.advance(30);
  EXPECT_EQ(grown->status()->v4_free, 1u);
  EXPECT_EQ(grown->allocate(req("e"))->v4.value().to_string(), "10.0.1.7");
  // Held or cooling: what ipamd must keep. "b" released 10.0.1.7 above, "e" took it again.
  auto strs = [](const std::vector<addr::Ipv4Address>& v) {
    std::vector<std::string> out;
    for (const auto& a : v) out.push_back(a.to_string());
    return out;
  };
  EXPECT_EQ(strs(grown->unavailable_v4().value()),
            (std::vector<std::string>{"10.0.1.7", "10.0.1.19", "10.0.1.30", "10.0.1.40"}));
  ASSERT_TRUE(grown->release({"a", "eth0"}).value());
  EXPECT_EQ(strs(grown->unavailable_v4().value()),
            (std::vector<std::string>{"10.0.1.7", "10.0.1.19", "10.0.1.30", "10.0.1.40"}))
      << "10.0.1.30 cools down";
  clock.advance(29);
  EXPECT_EQ(grown->unavailable_v4()->size(), 4u);
  clock.advance(1);
  EXPECT_EQ(strs(grown->unavailable_v4().value()), (std::vector<std::string>{"10.0.1.7", "10.0.1.19", "10.0.1.40"}));
  // An allocation whose address left the list stays live; the address is not handed out.
  cfg.v4_addresses = {v4a("10.0.1.50")};
  auto shrunk = Store::open(cfg);
  EXPECT_EQ(shrunk->list()->size(), 3u);
  EXPECT_EQ(shrunk->allocate(req("f"))->v4.value().to_string(), "10.0.1.50");
}

TEST(Store, Ipv4PodModeExcludesOtherFamilies) {
  TempDir dir;
  auto both = v4_pods(dir.path(), {"10.0.1.7"});
  both.v6_prefixes = {v6p("2001:db8::/80")};
  EXPECT_EQ(Store::open(both).error().code(), EINVAL);
  auto with_range = v4_pods(dir.path(), {"10.0.1.7"});
  with_range.v4_range = default_v4_range();
  EXPECT_EQ(Store::open(with_range).error().code(), EINVAL);
  auto no_mode = v4_pods(dir.path(), {"10.0.1.7"});
  no_mode.ipv4_pods = false;
  EXPECT_EQ(Store::open(no_mode).error().code(), EINVAL);
  // No address yet (ipamd has not assigned any): opens, and allocating says so.
  auto empty = Store::open(v4_pods(dir.path(), {}));
  ASSERT_TRUE(empty) << empty.error().message();
  EXPECT_EQ(empty->allocate(req("a")).error().code(), ENOSPC);
  EXPECT_NE(empty->allocate(req("a")).error().message().find("in 0 IPv4 pod addresses"), std::string::npos);
}

TEST(Store, CreatesMissingDataDirectory) {
  TempDir dir;
  auto s = Store::open(config(dir.path() + "/a/b/v6k-net"));
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_TRUE(s->allocate(req("x")));
  EXPECT_GT(file_size(dir.path() + "/a/b/v6k-net/alloc.log"), 0u);
}

}  // namespace
}  // namespace v6k::ipam
