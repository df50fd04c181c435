#include "store/sqlite_conn.h"

#include <sqlite3.h>

#include <cerrno>
#include <utility>

namespace v6k::store::sqlite {

int errno_for(int rc) {
  switch (rc & 0xff) {
    case SQLITE_OK: return 0;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return EBUSY;
    case SQLITE_NOMEM: return ENOMEM;
    case SQLITE_READONLY: return EROFS;
    case SQLITE_FULL: return ENOSPC;
    case SQLITE_CANTOPEN: return EACCES;
    case SQLITE_PERM:
    case SQLITE_AUTH: return EPERM;
    case SQLITE_CONSTRAINT: return ESTALE;
    case SQLITE_TOOBIG: return E2BIG;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return EILSEQ;
    default: return EIO;
  }
}

Error sqlite_error(sqlite3* db, int rc, std::string what) {
  std::string detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  int sys = db ? sqlite3_system_errno(db) : 0;
  if ((rc & 0xff) == SQLITE_IOERR && sys != 0) {
    return Error::from_errno(sys, std::move(what), std::move(detail));
  }
  return Error::from_errno(errno_for(rc), std::move(what), std::move(detail));
}

Stmt::~Stmt() {
  if (s_) {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
}

Stmt& Stmt::bind(int i, int64_t v) {
  sqlite3_bind_int64(s_, i, v);
  return *this;
}

Stmt& Stmt::bind_text(int i, std::string_view v) {
  sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}

Stmt& Stmt::bind_blob(int i, std::string_view v) {
  sqlite3_bind_blob(s_, i, v.empty() ? "" : v.data(), static_cast<int>(v.size()),
                    SQLITE_TRANSIENT);
  return *this;
}

Result<bool> Stmt::step() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return fail(sqlite_error(db_, rc, "executing statement"));
}

Result<> Stmt::run() {
  auto r = step();
  if (!r) return fail(std::move(r.error()));
  return {};
}

int64_t Stmt::int_at(int col) const { return sqlite3_column_int64(s_, col); }

std::string Stmt::text_at(int col) const {
  const void* p = sqlite3_column_blob(s_, col);
  int n = sqlite3_column_bytes(s_, col);
  if (!p || n <= 0) return {};
  return std::string(static_cast<const char*>(p), static_cast<size_t>(n));
}

bool Stmt::null_at(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }

Result<std::unique_ptr<Conn>> Conn::open(const std::string& path, bool sync_full) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    Error e = sqlite_error(db, rc, "opening " + path);
    sqlite3_close_v2(db);
    return fail(std::move(e));
  }
  std::unique_ptr<Conn> c(new Conn(db));
  sqlite3_busy_timeout(db, 10000);
  sqlite3_extended_result_codes(db, 1);
  V6K_TRY(c->exec("PRAGMA journal_mode=WAL"), "enabling WAL on " + path);
  V6K_TRY(c->exec(sync_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL"),
          "setting synchronous");
  // Reads map the database file instead of copying pages through each connection's own
  // cache: every connection (pool, watches) shares the OS page cache.
  V6K_TRY(c->exec("PRAGMA mmap_size=268435456"), "setting mmap_size");
  return c;
}

Conn::~Conn() {
  for (auto& [sql, s] : cache_) sqlite3_finalize(s);
  sqlite3_close_v2(db_);
}

Result<Stmt> Conn::prepare(const char* sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return Stmt(db_, it->second);
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr);
  if (rc != SQLITE_OK) return fail(sqlite_error(db_, rc, std::string("preparing ") + sql));
  cache_.emplace(sql, s);
  return Stmt(db_, s);
}

Result<> Conn::exec(const char* sql) {
  char* msg = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &msg);
  if (msg) sqlite3_free(msg);
  if (rc != SQLITE_OK) return fail(sqlite_error(db_, rc, std::string("executing ") + sql));
  return {};
}

Result<Txn> Txn::begin(Conn& c, bool immediate) {
  auto s = c.prepare(immediate ? "BEGIN IMMEDIATE" : "BEGIN");
  if (!s) return fail(std::move(s.error()));
  V6K_TRY(s->run(), "beginning transaction");
  return Txn(&c);
}

Txn::~Txn() {
  if (c_ && !sqlite3_get_autocommit(c_->raw())) {
    auto s = c_->prepare("ROLLBACK");
    if (s) (void)s->run();
  }
}

Result<> Txn::commit() {
  auto s = c_->prepare("COMMIT");
  if (!s) return fail(std::move(s.error()));
  auto r = s->run();
  if (!r) return fail(std::move(r.error()).wrap("committing"));
  c_ = nullptr;
  return {};
}

}  // namespace v6k::store::sqlite
