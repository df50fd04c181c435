// Internal to src/store: a thin owner of one SQLite connection with a statement cache,
// a borrowed-statement handle that resets itself, and a transaction guard. SQLite result
// codes become Errors with an errno-like code and SQLite's own words as the detail.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "common/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace v6k::store::sqlite {

// Maps an SQLite result code to an errno-like code (EBUSY, ENOSPC, EROFS, EIO, ...).
int errno_for(int rc);
Error sqlite_error(sqlite3* db, int rc, std::string what);

// A cached prepared statement, borrowed for one use: reset and unbound on destruction.
class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}
  Stmt(Stmt&& o) noexcept : db_(o.db_), s_(std::exchange(o.s_, nullptr)) {}
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& operator=(Stmt&&) = delete;
  ~Stmt();

  Stmt& bind(int i, int64_t v);
  Stmt& bind_text(int i, std::string_view v);
  Stmt& bind_blob(int i, std::string_view v);  // an empty blob sorts after every text
  // true: a row is ready; false: done. Constraint violations come back as ESTALE.
  Result<bool> step();
  Result<> run();  // steps a statement that returns no rows

  int64_t int_at(int col) const;
  std::string text_at(int col) const;  // text or blob bytes
  bool null_at(int col) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* s_;
};

class Conn {
 public:
  // Opens `path` in WAL mode with the given synchronous level (busy timeout 10 s).
  static Result<std::unique_ptr<Conn>> open(const std::string& path, bool sync_full);
  ~Conn();
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  // `sql` must be a string literal: the cache is keyed by its address.
  Result<Stmt> prepare(const char* sql);
  Result<> exec(const char* sql);  // uncached, may hold several statements
  sqlite3* raw() const { return db_; }

 private:
  explicit Conn(sqlite3* db) : db_(db) {}
  sqlite3* db_;
  std::unordered_map<const char*, sqlite3_stmt*> cache_;
};

// BEGIN [IMMEDIATE] ... COMMIT; rolls back when destroyed uncommitted.
class Txn {
 public:
  static Result<Txn> begin(Conn& c, bool immediate);
  Txn(Txn&& o) noexcept : c_(std::exchange(o.c_, nullptr)) {}
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;
  Txn& operator=(Txn&&) = delete;
  ~Txn();
  Result<> commit();

 private:
  explicit Txn(Conn* c) : c_(c) {}
  Conn* c_;
};

}  // namespace v6k::store::sqlite
