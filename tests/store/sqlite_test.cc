// SQLite-backend specifics: ":memory:" stores, the FULL option, the on-disk schema.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <array>
#include <filesystem>
#include <set>

#include "store_test_util.h"

namespace v6k::store::testing {
namespace {

std::set<std::string> temp_store_files() {
  std::set<std::string> out;
  const char* dir = std::getenv("TMPDIR");
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir && *dir ? dir : "/tmp", ec)) {
    std::string name = e.path().filename().string();
    if (name.starts_with("v6k-store-") && !name.starts_with("v6k-store-test-")) {
      out.insert(name);
    }
  }
  return out;
}

TEST(SqliteStore, MemoryStoresArePrivateAndLeaveNothingBehind) {
  const auto before = temp_store_files();
  std::set<std::string> ours;
  {
    auto a = open_sqlite(":memory:");
    auto b = open_sqlite(":memory:");
    ASSERT_OK(a);
    ASSERT_OK(b);
    ASSERT_OK((*a)->create("/k", "a"));
    EXPECT_ERRNO((*b)->get("/k"), ENOENT);
    Collector got;
    auto w = (*a)->watch("/", 0, got.sink());
    ASSERT_OK(w);
    a->reset();  // the watch keeps the data alive
    for (const auto& n : temp_store_files()) {
      if (!before.count(n)) ours.insert(n);
    }
    EXPECT_GE(ours.size(), 2u);  // two databases (and their -wal/-shm)
  }
  for (const auto& n : temp_store_files()) EXPECT_FALSE(ours.count(n)) << n << " left behind";
}

TEST(SqliteStore, SyncFullOpensAndWrites) {
  SqliteOptions o;
  o.sync_full = true;
  auto s = open_sqlite(":memory:", o);
  ASSERT_OK(s);
  auto c = (*s)->create("/k", "v");
  ASSERT_OK(c);
  EXPECT_EQ(c->mod_revision, 2);  // like etcd: a fresh store is at 1
}

TEST(SqliteStore, UnopenablePathIsAnError) {
  auto s = open_sqlite("/nonexistent-dir-v6k/x/store.db");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().code(), 0);
  EXPECT_ERRNO(open_sqlite(""), EINVAL);
}

// The file is the documented kine-style table: one row per write, WAL mode.
TEST(SqliteStore, OnDiskSchemaIsOneRowPerWrite) {
  char tmpl[] = "/tmp/v6k-store-test-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::string path = std::string(tmpl) + "/s.db";
  {
    auto s = open_sqlite(path);
    ASSERT_OK(s);
    ASSERT_OK((*s)->create("/k", "1"));
    ASSERT_OK((*s)->update("/k", "2", 0));
    ASSERT_OK((*s)->remove("/k"));
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db,
                               "SELECT id, created, deleted, create_revision, prev_revision"
                               " FROM kv WHERE name <> '' ORDER BY id",
                               -1, &st, nullptr),
            SQLITE_OK);
  std::vector<std::array<int64_t, 5>> rows;
  while (sqlite3_step(st) == SQLITE_ROW) {
    std::array<int64_t, 5> r;
    for (int i = 0; i < 5; ++i) r[i] = sqlite3_column_int64(st, i);
    rows.push_back(r);
  }
  sqlite3_finalize(st);
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "wal");
  sqlite3_finalize(st);
  sqlite3_close(db);
  std::filesystem::remove_all(tmpl);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], (std::array<int64_t, 5>{2, 1, 0, 2, 0}));
  EXPECT_EQ(rows[1], (std::array<int64_t, 5>{3, 0, 0, 2, 2}));
  EXPECT_EQ(rows[2], (std::array<int64_t, 5>{4, 0, 1, 2, 3}));
}

}  // namespace
}  // namespace v6k::store::testing
