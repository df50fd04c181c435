// Durability: reopening brings everything back; a writer killed with SIGKILL mid-stream
// leaves whole writes only, and an unbroken revision sequence.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "store_test_util.h"

namespace v6k::store::testing {
namespace {

class DurabilityTest : public StoreTest {};

TEST_P(DurabilityTest, ReopenBringsEverythingBack) {
  ASSERT_OK(store_->create("/r/a", "1"));
  ASSERT_OK(store_->update("/r/a", "2", 0));
  ASSERT_OK(store_->create("/r/b", "1"));
  ASSERT_OK(store_->create("/r/gone", "1"));
  ASSERT_OK(store_->remove("/r/gone"));
  auto mid = rev();
  ASSERT_OK(store_->update("/r/b", "2", 0));
  ASSERT_OK(store_->compact(mid));
  auto before = store_->list("/");
  ASSERT_OK(before);
  auto before_mid = store_->get("/r/b", mid);
  ASSERT_OK(before_mid);
  store_.reset();
  // A backend with a server (etcd) stops it here: open() starts it again on the same data.
  if (GetParam().close) GetParam().close(dir_);

  store_ = open();
  ASSERT_NE(store_, nullptr);
  EXPECT_EQ(rev(), before->revision);
  EXPECT_EQ(*store_->compacted_revision(), mid);
  auto after = store_->list("/");
  ASSERT_OK(after);
  ASSERT_EQ(after->items.size(), before->items.size());
  for (size_t i = 0; i < after->items.size(); ++i) {
    EXPECT_EQ(after->items[i].key, before->items[i].key);
    EXPECT_EQ(after->items[i].value, before->items[i].value);
    EXPECT_EQ(after->items[i].mod_revision, before->items[i].mod_revision);
    EXPECT_EQ(after->items[i].create_revision, before->items[i].create_revision);
    EXPECT_EQ(after->items[i].version, before->items[i].version);
  }
  EXPECT_EQ(store_->get("/r/b", mid)->value, before_mid->value);
  EXPECT_ERRNO(store_->get("/r/b", mid - 1), ERANGE);
  auto next = store_->create("/r/c", "1");
  ASSERT_OK(next);
  EXPECT_EQ(next->mod_revision, before->revision + 1);
}

// The kill -9 test is about the embedded store's own files; etcd's durability is etcd's.
class KillNineTest : public StoreTest {};

// The child creates /k/<i> then bumps /counter to i, forever; the parent kills it with
// SIGKILL once it is well under way. Whatever survived must be a prefix of the writes.
TEST_P(KillNineTest, KillNineMidWritesLeavesAConsistentPrefix) {
  const int64_t base = rev();
  store_.reset();  // no SQLite connection may cross fork()
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(ready[0]);
    auto s = GetParam().open(dir_);
    if (!s || !(*s)->create("/counter", "start")) ::_exit(2);
    for (int64_t i = 0;; ++i) {
      if (!(*s)->create("/k/" + std::to_string(i), std::to_string(i))) ::_exit(3);
      if (!(*s)->update("/counter", std::to_string(i), 0)) ::_exit(4);
      if (i == 200) (void)!::write(ready[1], "r", 1);
    }
  }
  ::close(ready[1]);
  char c;
  ASSERT_EQ(::read(ready[0], &c, 1), 1) << "child failed before 200 writes";
  ::close(ready[0]);
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "status " << status;

  store_ = open();
  ASSERT_NE(store_, nullptr);
  const int64_t current = rev();
  auto keys = store_->list("/k/");
  ASSERT_OK(keys);
  const int64_t n = static_cast<int64_t>(keys->items.size());
  ASSERT_GT(n, 200);
  std::vector<bool> seen(n, false);
  for (const auto& kv : keys->items) {
    int64_t i = std::stoll(kv.key.substr(3));
    ASSERT_LT(i, n) << "gap in created keys";
    seen[i] = true;
    EXPECT_EQ(kv.value, std::to_string(i));
    EXPECT_EQ(kv.mod_revision, base + 2 + 2 * i);  // counter create, then pairs
  }
  for (int64_t i = 0; i < n; ++i) EXPECT_TRUE(seen[i]) << i;
  auto counter = store_->get("/counter");
  ASSERT_OK(counter);
  const int64_t updates = counter->version - 1;
  EXPECT_TRUE(updates == n || updates == n - 1) << updates << " vs " << n;
  EXPECT_EQ(counter->value, std::to_string(updates - 1));
  // Every revision is accounted for by exactly one write.
  EXPECT_EQ(current, base + 1 + n + updates);
  EXPECT_EQ(current, std::max(counter->mod_revision, keys->items.empty() ? 0
                                                         : base + 2 + 2 * (n - 1)));
  auto more = store_->create("/after", "x");
  ASSERT_OK(more);
  EXPECT_EQ(more->mod_revision, current + 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, DurabilityTest, ::testing::ValuesIn(backends()),
                         backend_name);
INSTANTIATE_TEST_SUITE_P(Backends, KillNineTest, ::testing::ValuesIn(backends_named("sqlite")),
                         backend_name);

}  // namespace
}  // namespace v6k::store::testing
