// Store semantics against the abstract Store: CRUD with revisions, optimistic
// concurrency, list pagination at a fixed revision, reads at old revisions, compaction.
#include <atomic>
#include <map>
#include <thread>

#include "store_test_util.h"

namespace v6k::store::testing {
namespace {

class CrudTest : public StoreTest {};

TEST_P(CrudTest, CreateGetUpdateRemoveWithRevisions) {
  const int64_t r0 = rev();
  EXPECT_GE(r0, 1);
  auto c = store_->create("/a", "one");
  ASSERT_OK(c);
  EXPECT_EQ(c->key, "/a");
  EXPECT_EQ(c->value, "one");
  EXPECT_EQ(c->mod_revision, r0 + 1);
  EXPECT_EQ(c->create_revision, r0 + 1);
  EXPECT_EQ(c->version, 1);
  EXPECT_EQ(rev(), r0 + 1);

  auto g = store_->get("/a");
  ASSERT_OK(g);
  EXPECT_EQ(g->value, "one");
  EXPECT_EQ(g->mod_revision, c->mod_revision);
  EXPECT_ERRNO(store_->create("/a", "again"), EEXIST);
  EXPECT_ERRNO(store_->get("/b"), ENOENT);

  auto u = store_->update("/a", "two", c->mod_revision);
  ASSERT_OK(u);
  EXPECT_EQ(u->mod_revision, r0 + 2);
  EXPECT_EQ(u->create_revision, r0 + 1);
  EXPECT_EQ(u->version, 2);
  EXPECT_ERRNO(store_->update("/a", "stale", c->mod_revision), ESTALE);
  EXPECT_ERRNO(store_->update("/b", "x", 0), ENOENT);
  auto u2 = store_->update("/a", "three", 0);
  ASSERT_OK(u2);
  EXPECT_EQ(u2->version, 3);
  EXPECT_EQ(rev(), r0 + 3);  // failed writes do not move the revision

  EXPECT_ERRNO(store_->remove("/a", u->mod_revision), ESTALE);
  auto d = store_->remove("/a", u2->mod_revision);
  ASSERT_OK(d);
  EXPECT_EQ(d->value, "three");
  EXPECT_EQ(d->mod_revision, r0 + 4);  // the delete's own revision
  EXPECT_EQ(d->create_revision, r0 + 1);
  EXPECT_ERRNO(store_->get("/a"), ENOENT);
  EXPECT_ERRNO(store_->remove("/a"), ENOENT);
  EXPECT_ERRNO(store_->update("/a", "x", 0), ENOENT);

  auto again = store_->create("/a", "reborn");
  ASSERT_OK(again);
  EXPECT_EQ(again->create_revision, r0 + 5);
  EXPECT_EQ(again->version, 1);
  EXPECT_EQ(rev(), r0 + 5);
}

TEST_P(CrudTest, BinaryValuesAndBadArguments) {
  std::string bin("\0\x01\xff\n", 4);
  auto c = store_->create("/bin", bin);
  ASSERT_OK(c);
  auto g = store_->get("/bin");
  ASSERT_OK(g);
  EXPECT_EQ(g->value, bin);
  auto e = store_->create("/empty", "");
  ASSERT_OK(e);
  EXPECT_EQ(store_->get("/empty")->value, "");
  EXPECT_ERRNO(store_->create("", "x"), EINVAL);
  EXPECT_ERRNO(store_->get(""), EINVAL);
  EXPECT_ERRNO(store_->get("/bin", -1), EINVAL);
  ListOptions bad;
  bad.limit = -1;
  EXPECT_ERRNO(store_->list("/", bad), EINVAL);
}

// N threads increment one counter with get + update(expected) loops; the final count
// is exact only if every lost race came back as ESTALE. Half the threads use a second
// Store on the same data.
TEST_P(CrudTest, CasCounterUnderEightThreads) {
  constexpr int kThreads = 8;
  constexpr int kIncrements = 150;
  auto second = open();
  ASSERT_NE(second, nullptr);
  ASSERT_OK(store_->create("/counter", "0"));
  std::atomic<int> conflicts{0}, failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    Store* s = t % 2 ? second.get() : store_.get();
    threads.emplace_back([&, s] {
      for (int i = 0; i < kIncrements; ++i) {
        while (true) {
          auto g = s->get("/counter");
          if (!g) {
            ++failures;
            return;
          }
          auto n = std::stoll(g->value) + 1;
          auto u = s->update("/counter", std::to_string(n), g->mod_revision);
          if (u) break;
          if (u.error().code() != ESTALE) {
            ++failures;
            return;
          }
          ++conflicts;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto g = store_->get("/counter");
  ASSERT_OK(g);
  EXPECT_EQ(g->value, std::to_string(kThreads * kIncrements));
  EXPECT_EQ(g->version, kThreads * kIncrements + 1);
  EXPECT_EQ(g->mod_revision, rev());
  std::printf("CAS conflicts seen: %d\n", conflicts.load());
}

TEST_P(CrudTest, ListByPrefixInKeyOrder) {
  for (auto k : {"/b/2", "/a/2", "/a/10", "/a/1", "/ab", "/b/1", "a\xff", "a\xff\x01", "b"}) {
    ASSERT_OK(store_->create(k, k));
  }
  ASSERT_OK(store_->remove("/a/10"));
  auto l = store_->list("/a/");
  ASSERT_OK(l);
  ASSERT_EQ(l->items.size(), 2u);
  EXPECT_EQ(l->items[0].key, "/a/1");
  EXPECT_EQ(l->items[1].key, "/a/2");
  EXPECT_EQ(l->items[1].value, "/a/2");
  EXPECT_EQ(l->revision, rev());
  EXPECT_FALSE(l->more);
  auto ff = store_->list("a\xff");
  ASSERT_OK(ff);
  ASSERT_EQ(ff->items.size(), 2u);
  EXPECT_EQ(ff->items[1].key, "a\xff\x01");
  auto all = store_->list("");
  ASSERT_OK(all);
  EXPECT_EQ(all->items.size(), 8u);
  auto none = store_->list("/zz");
  ASSERT_OK(none);
  EXPECT_TRUE(none->items.empty());
}

// Pages of 7 taken at the first page's revision stay one consistent snapshot while
// another thread keeps creating, updating and deleting keys under the same prefix.
TEST_P(CrudTest, PaginationIsConsistentAtAFixedRevisionWhileWritesContinue) {
  for (int i = 0; i < 100; ++i) {
    char k[16];
    std::snprintf(k, sizeof k, "/p/%03d", i);
    ASSERT_OK(store_->create(k, "v0"));
  }
  auto snapshot = store_->list("/p/");
  ASSERT_OK(snapshot);
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      char k[16];
      std::snprintf(k, sizeof k, "/p/%03d", i % 100);
      (void)store_->update(k, "v" + std::to_string(i), 0);
      (void)store_->create("/p/new" + std::to_string(i), "n");
      if (i % 3 == 0) (void)store_->remove("/p/new" + std::to_string(i / 2));
    }
  });
  ListOptions o;
  o.revision = snapshot->revision;
  o.limit = 7;
  std::vector<KeyValue> paged;
  int pages = 0;
  while (true) {
    auto page = store_->list("/p/", o);
    ASSERT_OK(page);
    EXPECT_EQ(page->revision, snapshot->revision);
    paged.insert(paged.end(), page->items.begin(), page->items.end());
    ++pages;
    if (!page->more) break;
    EXPECT_EQ(page->items.size(), 7u);
    o.continue_after = page->items.back().key;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  stop = true;
  writer.join();
  EXPECT_EQ(pages, 15);
  ASSERT_EQ(paged.size(), snapshot->items.size());
  for (size_t i = 0; i < paged.size(); ++i) {
    EXPECT_EQ(paged[i].key, snapshot->items[i].key);
    EXPECT_EQ(paged[i].mod_revision, snapshot->items[i].mod_revision);
    EXPECT_EQ(paged[i].value, "v0");
  }
  EXPECT_GT(rev(), snapshot->revision);
}

TEST_P(CrudTest, GetAndListAtOldRevisions) {
  auto c = store_->create("/k", "v1");
  ASSERT_OK(c);
  auto u = store_->update("/k", "v2", 0);
  ASSERT_OK(u);
  auto d = store_->remove("/k");
  ASSERT_OK(d);
  ASSERT_OK(store_->create("/other", "x"));
  EXPECT_EQ(store_->get("/k", c->mod_revision)->value, "v1");
  EXPECT_EQ(store_->get("/k", u->mod_revision)->value, "v2");
  EXPECT_EQ(store_->get("/k", u->mod_revision)->version, 2);
  EXPECT_ERRNO(store_->get("/k", d->mod_revision), ENOENT);
  EXPECT_ERRNO(store_->get("/k", c->mod_revision - 1), ENOENT);
  ListOptions at;
  at.revision = c->mod_revision;
  auto l = store_->list("/", at);
  ASSERT_OK(l);
  ASSERT_EQ(l->items.size(), 1u);
  EXPECT_EQ(l->items[0].value, "v1");
  EXPECT_EQ(l->revision, c->mod_revision);
  at.revision = d->mod_revision;
  EXPECT_TRUE(store_->list("/", at)->items.empty());
  EXPECT_ERRNO(store_->get("/k", rev() + 1), EOVERFLOW);
  at.revision = rev() + 1;
  EXPECT_ERRNO(store_->list("/", at), EOVERFLOW);
}

TEST_P(CrudTest, CompactionDropsHistoryBelowOnly) {
  auto a1 = store_->create("/a", "1");
  ASSERT_OK(a1);
  auto b1 = store_->create("/b", "1");
  ASSERT_OK(b1);
  auto a2 = store_->update("/a", "2", 0);
  ASSERT_OK(a2);
  ASSERT_OK(store_->remove("/b"));
  auto mid = rev();
  auto a3 = store_->update("/a", "3", 0);
  ASSERT_OK(a3);
  ASSERT_OK(store_->create("/c", "1"));
  EXPECT_EQ(*store_->compacted_revision(), 0);

  ASSERT_OK(store_->compact(mid));
  EXPECT_EQ(*store_->compacted_revision(), mid);
  EXPECT_ERRNO(store_->get("/a", a1->mod_revision), ERANGE);
  EXPECT_ERRNO(store_->get("/a", mid - 1), ERANGE);
  ListOptions old;
  old.revision = mid - 1;
  EXPECT_ERRNO(store_->list("/", old), ERANGE);
  // At and above the compaction revision everything still reads as before.
  auto at_mid = store_->get("/a", mid);
  ASSERT_OK(at_mid);
  EXPECT_EQ(at_mid->value, "2");
  EXPECT_EQ(at_mid->mod_revision, a2->mod_revision);
  EXPECT_EQ(at_mid->create_revision, a1->mod_revision);
  EXPECT_ERRNO(store_->get("/b", mid), ENOENT);
  old.revision = mid;
  auto l = store_->list("/", old);
  ASSERT_OK(l);
  ASSERT_EQ(l->items.size(), 1u);
  EXPECT_EQ(l->items[0].key, "/a");
  auto now = store_->list("/");
  ASSERT_OK(now);
  ASSERT_EQ(now->items.size(), 2u);
  EXPECT_EQ(now->items[0].value, "3");
  EXPECT_EQ(now->items[0].version, 3);

  EXPECT_ERRNO(store_->compact(mid), ERANGE);
  EXPECT_ERRNO(store_->compact(mid - 1), ERANGE);
  EXPECT_ERRNO(store_->compact(rev() + 1), EOVERFLOW);
  ASSERT_OK(store_->compact(rev()));
  EXPECT_EQ(store_->get("/a")->value, "3");
  // Writes keep working on compacted keys, and revisions keep counting.
  auto r = rev();
  auto b = store_->create("/b", "again");
  ASSERT_OK(b);
  EXPECT_EQ(b->mod_revision, r + 1);
  ASSERT_OK(store_->update("/a", "4", a3->mod_revision));
}

TEST_P(CrudTest, CommitIsAllOrNothingWithItsBackendsRevisions) {
  auto a = store_->create("/a", "1");
  ASSERT_OK(a);
  ASSERT_OK(store_->create("/gone", "x"));
  const int64_t r0 = rev();
  auto ok = store_->commit({Write::create("/b", "2"), Write::update("/a", "1b", a->mod_revision),
                            Write::remove("/gone", 0)});
  ASSERT_OK(ok);
  ASSERT_EQ(ok->size(), 3u);
  // SQLite: one revision per write, in order; etcd: one txn, one revision for all.
  const bool shared = GetParam().commit_shares_revision;
  EXPECT_EQ((*ok)[0].mod_revision, r0 + 1);
  EXPECT_EQ((*ok)[0].create_revision, r0 + 1);
  EXPECT_EQ((*ok)[0].version, 1);
  EXPECT_EQ((*ok)[1].mod_revision, shared ? r0 + 1 : r0 + 2);
  EXPECT_EQ((*ok)[1].create_revision, a->mod_revision);
  EXPECT_EQ((*ok)[1].version, 2);
  EXPECT_EQ((*ok)[2].mod_revision, shared ? r0 + 1 : r0 + 3);
  EXPECT_EQ((*ok)[2].key, "/gone");
  EXPECT_EQ((*ok)[2].value, "x");
  const int64_t after = shared ? r0 + 1 : r0 + 3;
  EXPECT_EQ(rev(), after);
  EXPECT_EQ(store_->get("/b")->mod_revision, (*ok)[0].mod_revision);
  EXPECT_EQ(store_->get("/a")->mod_revision, (*ok)[1].mod_revision);
  EXPECT_EQ(store_->get("/a")->value, "1b");
  EXPECT_ERRNO(store_->get("/gone"), ENOENT);

  // Each kind of failure anywhere in the list leaves the store exactly as it was.
  struct Case {
    std::vector<Write> writes;
    int err;
  };
  std::vector<Case> cases = {
      {{Write::create("/c", "3"), Write::create("/b", "dup")}, EEXIST},
      {{Write::create("/c", "3"), Write::update("/a", "x", a->mod_revision)}, ESTALE},
      {{Write::create("/c", "3"), Write::remove("/nope", 0)}, ENOENT},
      {{Write::create("/c", "3"), Write::update("/nope", "x", 0)}, ENOENT},
      {{Write::create("/c", "3"), Write::create("/c", "again")}, EINVAL},
      {{Write::create("", "3")}, EINVAL},
  };
  for (const auto& c : cases) {
    const int64_t before = rev();
    EXPECT_ERRNO(store_->commit(c.writes), c.err);
    EXPECT_EQ(rev(), before);
    EXPECT_ERRNO(store_->get("/c"), ENOENT);
    EXPECT_EQ(store_->get("/a")->value, "1b");
  }
  auto empty = store_->commit({});
  ASSERT_OK(empty);
  EXPECT_TRUE(empty->empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, CrudTest, ::testing::ValuesIn(backends()), backend_name);

}  // namespace
}  // namespace v6k::store::testing
