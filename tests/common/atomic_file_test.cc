#include "common/atomic_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <thread>
#include <vector>
#include <filesystem>

namespace v6k {
namespace {

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/v6k-atomic-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(AtomicFileTest, WritesReplacesAndReads) {
  std::string p = dir_ + "/f";
  ASSERT_TRUE(write_file_atomic(p, "one"));
  ASSERT_TRUE(write_file_atomic(p, "two, longer"));
  auto r = read_file(p);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "two, longer");
  // No temp file is left behind.
  int n = 0;
  for (auto& e : std::filesystem::directory_iterator(dir_)) (void)e, ++n;
  EXPECT_EQ(n, 1);
}

TEST_F(AtomicFileTest, ThreadsWritingOneFileAllSucceed) {
  // Regression: the temp name was per process, so two threads raced on it and one rename
  // failed with ENOENT (the node agent saw it as a missing image).
  std::string p = dir_ + "/shared";
  std::atomic<int> failures{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 8; ++t)
    ts.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i)
        if (!write_file_atomic(p, "writer " + std::to_string(t))) failures++;
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto r = read_file(p);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->rfind("writer ", 0), 0u);
  int n = 0;
  for (auto& e : std::filesystem::directory_iterator(dir_)) (void)e, ++n;
  EXPECT_EQ(n, 1) << "temp files left behind";
}

TEST_F(AtomicFileTest, ReadMissingSaysWhich) {
  auto r = read_file(dir_ + "/missing");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ENOENT);
  EXPECT_NE(r.error().message().find("missing"), std::string::npos);
}

TEST_F(AtomicFileTest, MakeDirsCreatesParents) {
  std::string p = dir_ + "/a/b/c";
  ASSERT_TRUE(make_dirs(p));
  ASSERT_TRUE(make_dirs(p));  // idempotent
  struct stat st{};
  ASSERT_EQ(::stat(p.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
}

TEST_F(AtomicFileTest, WriteIntoMissingDirFails) {
  auto r = write_file_atomic(dir_ + "/no/such/file", "x");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ENOENT);
}

}  // namespace
}  // namespace v6k
