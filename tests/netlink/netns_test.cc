// NetNs / NetNsScope against the real kernel, in namespaces the test creates.
#include <sys/stat.h>

#include <thread>

#include "netlink/rtnl.h"
#include "netns_fixture.h"

namespace v6k::netlink {
namespace {

using testing::NetnsTest;

ino_t inode_of(int fd) {
  struct stat st {};
  EXPECT_EQ(::fstat(fd, &st), 0);
  return st.st_ino;
}

ino_t current_inode() {
  auto cur = NetNs::current();
  EXPECT_TRUE(cur) << cur.error().message();
  return cur ? inode_of(cur->fd()) : 0;
}

TEST_F(NetnsTest, CreateOpenEnterRemove) {
  const ino_t root = current_inode();
  auto ns = create_ns();
  ASSERT_TRUE(ns) << ns.error().message();
  const std::string name = names().back();
  EXPECT_EQ(ns->path(), "/var/run/netns/" + name);
  EXPECT_NE(inode_of(ns->fd()), root);
  EXPECT_EQ(current_inode(), root) << "create() must not move the calling thread";

  auto again = NetNs::open_named(name);
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(inode_of(again->fd()), inode_of(ns->fd()));

  {
    auto scope = NetNsScope::enter(*ns);
    ASSERT_TRUE(scope) << scope.error().message();
    EXPECT_EQ(current_inode(), inode_of(ns->fd()));
    auto rtnl = Rtnl::open();
    ASSERT_TRUE(rtnl) << rtnl.error().message();
    auto lo = rtnl->get_link("lo");
    ASSERT_TRUE(lo) << lo.error().message();
    EXPECT_TRUE(lo->up) << "create() brings loopback up";
    EXPECT_EQ(lo->index, 1);
  }
  EXPECT_EQ(current_inode(), root) << "scope end restores the previous netns";

  V6K_ASSERT_OK(NetNs::remove(name));
  auto gone = NetNs::open_named(name);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code(), ENOENT);
  auto twice = NetNs::remove(name);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code(), ENOENT);
  EXPECT_NE(twice.error().message().find(name), std::string::npos);
}

TEST_F(NetnsTest, CreateExistingNameIsEexist) {
  auto ns = create_ns();
  ASSERT_TRUE(ns) << ns.error().message();
  auto dup = NetNs::create(names().back());
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code(), EEXIST);
  EXPECT_NE(dup.error().message().find(names().back()), std::string::npos);
}

TEST_F(NetnsTest, RejectsBadNamesAndNonNetnsPaths) {
  EXPECT_EQ(NetNs::create("../etc").error().code(), EINVAL);
  EXPECT_EQ(NetNs::create("").error().code(), EINVAL);
  EXPECT_EQ(NetNs::open("/proc/self/ns/uts").error().code(), EINVAL);
  EXPECT_EQ(NetNs::open("/proc/self/status").error().code(), EINVAL);
  EXPECT_EQ(NetNs::open("/nonexistent/v6k").error().code(), ENOENT);
}

TEST_F(NetnsTest, ScopesNestAndMove) {
  const ino_t root = current_inode();
  auto a = create_ns();
  auto b = create_ns();
  ASSERT_TRUE(a && b);
  {
    auto in_a = NetNsScope::enter(*a);
    ASSERT_TRUE(in_a);
    {
      auto in_b = NetNsScope::enter(*b);
      ASSERT_TRUE(in_b);
      NetNsScope moved = std::move(*in_b);
      EXPECT_EQ(current_inode(), inode_of(b->fd()));
    }
    EXPECT_EQ(current_inode(), inode_of(a->fd()));
  }
  EXPECT_EQ(current_inode(), root);
}

TEST_F(NetnsTest, ScopeIsPerThread) {
  const ino_t root = current_inode();
  auto ns = create_ns();
  ASSERT_TRUE(ns);
  ino_t seen_in_thread = 0;
  std::thread t([&] {
    auto scope = NetNsScope::enter(*ns);
    ASSERT_TRUE(scope);
    seen_in_thread = current_inode();
    EXPECT_EQ(current_inode(), inode_of(ns->fd()));
  });
  t.join();
  EXPECT_EQ(seen_in_thread, inode_of(ns->fd()));
  EXPECT_EQ(current_inode(), root);
}

TEST_F(NetnsTest, CurrentAndOpenByProcPath) {
  auto cur = NetNs::current();
  ASSERT_TRUE(cur) << cur.error().message();
  auto same = NetNs::open(cur->path());
  ASSERT_TRUE(same) << same.error().message();
  EXPECT_EQ(inode_of(same->fd()), inode_of(cur->fd()));
}

}  // namespace
}  // namespace v6k::netlink
