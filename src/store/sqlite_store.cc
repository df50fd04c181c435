// The SQLite Store: one append-only table `kv`, one row per write (id = revision), as
// k3s's kine. See docs/store.md for the schema and the reasoning.
#include <cerrno>
#include <limits>
#include <mutex>
#include <vector>

#include "store/sqlite_conn.h"
#include "store/sqlite_hub.h"
#include "store/store.h"

namespace v6k::store {
namespace sqlite {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS kv (
  id INTEGER PRIMARY KEY,                -- the revision of this write (MAX(id) = current)
  name TEXT NOT NULL,
  created INTEGER NOT NULL,              -- 1: this write created the key
  deleted INTEGER NOT NULL,              -- 1: this write deleted the key (a tombstone)
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,        -- id of the row this write superseded (0: none)
  version INTEGER NOT NULL,
  value BLOB NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS kv_name_prev_revision ON kv(name, prev_revision DESC);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', 1), ('compact_revision', 0);
INSERT INTO kv(id, name, created, deleted, create_revision, prev_revision, version, value)
  SELECT 1, '', 0, 1, 0, 0, 0, x'' WHERE NOT EXISTS (SELECT 1 FROM kv);
)sql";

// A key's rows form a chain (each row's prev_revision is the id of the row it
// superseded), so prev_revision grows with id and the unique (name, prev_revision DESC)
// index doubles as the "newest row of this key at or below R" index: the first entry
// with prev_revision < R and id <= R.
constexpr const char* kGetAt =
    "SELECT id, deleted, create_revision, version, value FROM kv"
    " WHERE name = ?1 AND prev_revision < ?2 AND +id <= ?2"
    " ORDER BY prev_revision DESC LIMIT 1";
// Walks the index in key order, newest row first within a key; the caller keeps the
// first row of each key. Streams: a page costs its rows plus their uncompacted history.
constexpr const char* kListAt =
    "SELECT id, name, deleted, create_revision, version, value FROM kv"
    " WHERE name >= ?1 AND name < ?2 AND +id <= ?3 ORDER BY name, prev_revision DESC";
constexpr const char* kInsert =
    "INSERT INTO kv(id, name, created, deleted, create_revision, prev_revision, version, value)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
// Superseded rows and tombstones at or below the compaction revision: nothing reading at
// or above it (and no watch event above it, nor its prev) needs them. The newest row
// always stays, so MAX(id) (the current revision) never goes back.
constexpr const char* kCompact =
    "DELETE FROM kv WHERE id <= ?1 AND id < (SELECT MAX(id) FROM kv) AND (deleted = 1 OR"
    " EXISTS (SELECT 1 FROM kv AS n WHERE n.name = kv.name AND n.prev_revision = kv.id"
    " AND n.id <= ?1))";
constexpr const char* kSetCompacted =
    "UPDATE meta SET value = ?1 WHERE key = 'compact_revision'";

enum class Op { kCreate, kUpdate, kRemove };

Error future_error(int64_t revision, int64_t current) {
  return Error::make(EOVERFLOW, "required revision " + std::to_string(revision) +
                                    " is a future revision (current " +
                                    std::to_string(current) + ")");
}

// Resolves a requested read revision (0 = current) against the snapshot's revisions.
Result<int64_t> resolve(int64_t revision, const Revisions& revs) {
  if (revision < 0) return fail_invalid("negative revision " + std::to_string(revision));
  if (revision == 0) return revs.current;
  if (revision < revs.compacted) return fail(compacted_error(revision, revs.compacted));
  if (revision > revs.current) return fail(future_error(revision, revs.current));
  return revision;
}

Result<> check_key(std::string_view key) {
  if (key.empty()) return fail_invalid("empty key");
  return {};
}

class SqliteStore final : public Store {
 public:
  SqliteStore(std::shared_ptr<Hub> hub, bool sync_full)
      : hub_(std::move(hub)), sync_full_(sync_full) {}

  Result<> init() {
    std::lock_guard w(hub_->write_mu);
    auto c = acquire();
    if (!c) return fail(std::move(c.error()));
    auto txn = Txn::begin(**c, true);
    if (!txn) return fail(std::move(txn.error()));
    V6K_TRY((*c)->exec(kSchema), "creating schema");
    {
      auto s = (*c)->prepare("SELECT value FROM meta WHERE key = 'schema_version'");
      if (!s) return fail(std::move(s.error()));
      auto row = s->step();
      if (!row) return fail(std::move(row.error()));
      if (!*row || s->int_at(0) != 1) {
        return fail(Error::make(EILSEQ, "unsupported store schema version in " + hub_->path));
      }
    }
    V6K_TRY(txn->commit(), "creating schema");
    release(std::move(*c));
    return {};
  }

  Result<KeyValue> get(std::string_view key, int64_t revision) override {
    V6K_TRY(check_key(key), "get");
    auto c = acquire();
    if (!c) return fail(std::move(c.error()));
    auto r = get_in(**c, key, revision);
    release(std::move(*c));
    return r;
  }

  Result<ListResult> list(std::string_view prefix, const ListOptions& opts) override {
    if (opts.limit < 0) return fail_invalid("negative list limit");
    auto c = acquire();
    if (!c) return fail(std::move(c.error()));
    auto r = list_in(**c, prefix, opts);
    release(std::move(*c));
    return r;
  }

  Result<KeyValue> create(std::string_view key, std::string_view value) override {
    V6K_TRY(check_key(key), "create");
    return write(Op::kCreate, key, value, 0);
  }

  Result<KeyValue> update(std::string_view key, std::string_view value,
                          int64_t expected_mod_revision) override {
    V6K_TRY(check_key(key), "update");
    return write(Op::kUpdate, key, value, expected_mod_revision);
  }

  Result<KeyValue> remove(std::string_view key, int64_t expected_mod_revision) override {
    V6K_TRY(check_key(key), "remove");
    return write(Op::kRemove, key, {}, expected_mod_revision);
  }

  Result<std::vector<KeyValue>> commit(const std::vector<Write>& writes) override {
    for (size_t i = 0; i < writes.size(); ++i) {
      V6K_TRY(check_key(writes[i].key), "commit");
      if (writes[i].expected_mod_revision < 0) return fail_invalid("negative expected revision");
      for (size_t j = 0; j < i; ++j)
        if (writes[j].key == writes[i].key) return fail_invalid("commit names key " + writes[i].key + " twice");
    }
    if (writes.empty()) return std::vector<KeyValue>{};
    std::unique_lock w(hub_->write_mu);
    auto c = acquire();
    if (!c) return fail(std::move(c.error()));
    auto r = commit_in(**c, writes);
    release(std::move(*c));
    w.unlock();
    if (r) hub_->notify_commit();
    return r;
  }

  Result<int64_t> current_revision() override {
    auto r = revisions();
    if (!r) return fail(std::move(r.error()));
    return r->current;
  }

  Result<int64_t> compacted_revision() override {
    auto r = revisions();
    if (!r) return fail(std::move(r.error()));
    return r->compacted;
  }

  Result<> compact(int64_t revision) override {
    std::lock_guard w(hub_->write_mu);
    auto c = acquire();
    if (!c) return fail(std::move(c.error()));
    auto r = compact_in(**c, revision);
    release(std::move(*c));
    if (r) hub_->notify_commit();  // lagging watchers learn they were overtaken
    return r;
  }

  Result<std::unique_ptr<Watch>> watch(std::string_view prefix, int64_t from_revision,
                                       WatchSink sink, WatchErrorSink on_error) override {
    if (from_revision < 0) return fail_invalid("negative watch revision");
    if (!sink) return fail_invalid("watch without a sink");
    auto c = Conn::open(hub_->path, sync_full_);
    if (!c) return fail(std::move(c.error()).wrap("opening watch connection"));
    int64_t start = from_revision;
    {
      auto txn = Txn::begin(**c, false);
      if (!txn) return fail(std::move(txn.error()));
      auto revs = read_revisions(**c);
      if (!revs) return fail(std::move(revs.error()).wrap("watch"));
      if (from_revision == 0) start = revs->current;
      if (start < revs->compacted) return fail(compacted_error(start, revs->compacted));
    }
    return start_watch(hub_, std::move(*c), prefix_range(prefix), start, std::move(sink),
                       std::move(on_error));
  }

 private:
  Result<std::unique_ptr<Conn>> acquire() {
    {
      std::lock_guard lock(pool_mu_);
      if (!pool_.empty()) {
        auto c = std::move(pool_.back());
        pool_.pop_back();
        return c;
      }
    }
    return Conn::open(hub_->path, sync_full_);
  }

  void release(std::unique_ptr<Conn> c) {
    std::lock_guard lock(pool_mu_);
    if (pool_.size() < 8) pool_.push_back(std::move(c));
  }

  Result<Revisions> revisions() {
    auto c = acquire();
    if (!c) return fail(std::move(c.error()));
    auto r = read_revisions(**c);
    release(std::move(*c));
    return r;
  }

  static Result<KeyValue> get_in(Conn& c, std::string_view key, int64_t revision) {
    auto txn = Txn::begin(c, false);
    if (!txn) return fail(std::move(txn.error()));
    auto revs = read_revisions(c);
    if (!revs) return fail(std::move(revs.error()));
    auto at = resolve(revision, *revs);
    if (!at) return fail(std::move(at.error()).wrap("get " + std::string(key)));
    auto s = c.prepare(kGetAt);
    if (!s) return fail(std::move(s.error()));
    s->bind_text(1, key).bind(2, *at);
    auto row = s->step();
    if (!row) return fail(std::move(row.error()).wrap("get " + std::string(key)));
    if (!*row || s->int_at(1) != 0) {
      return fail(Error::make(ENOENT, "key " + std::string(key) + " not found"));
    }
    return KeyValue{std::string(key), s->text_at(4), s->int_at(2), s->int_at(0), s->int_at(3)};
  }

  static Result<ListResult> list_in(Conn& c, std::string_view prefix, const ListOptions& o) {
    auto txn = Txn::begin(c, false);
    if (!txn) return fail(std::move(txn.error()));
    auto revs = read_revisions(c);
    if (!revs) return fail(std::move(revs.error()));
    auto at = resolve(o.revision, *revs);
    if (!at) return fail(std::move(at.error()).wrap("list " + std::string(prefix)));
    KeyRange range = prefix_range(prefix);
    if (!o.continue_after.empty()) {
      std::string after = o.continue_after + '\0';  // the smallest key after it
      if (after > range.lo) range.lo = std::move(after);
    }
    auto s = c.prepare(kListAt);
    if (!s) return fail(std::move(s.error()));
    s->bind_text(1, range.lo).bind(3, *at);
    bind_range_hi(*s, 2, range);
    ListResult out;
    out.revision = *at;
    std::string name;
    bool first = true;
    while (true) {
      auto row = s->step();
      if (!row) return fail(std::move(row.error()).wrap("list " + std::string(prefix)));
      if (!*row) break;
      std::string key = s->text_at(1);
      if (!first && key == name) continue;  // an older row of the key just seen
      first = false;
      name = std::move(key);
      if (s->int_at(2) != 0) continue;  // deleted at this revision
      if (o.limit > 0 && static_cast<int64_t>(out.items.size()) == o.limit) {
        out.more = true;
        break;
      }
      out.items.push_back(KeyValue{name, s->text_at(5), s->int_at(3), s->int_at(0), s->int_at(4)});
    }
    return out;
  }

  Result<KeyValue> write(Op op, std::string_view key, std::string_view value,
                         int64_t expected) {
    if (expected < 0) return fail_invalid("negative expected revision");
    std::unique_lock w(hub_->write_mu);
    auto c = acquire();
    if (!c) return fail(std::move(c.error()));
    auto r = write_in(**c, op, key, value, expected);
    release(std::move(*c));
    w.unlock();
    if (r) hub_->notify_commit();
    return r;
  }

  static Result<KeyValue> write_in(Conn& c, Op op, std::string_view key,
                                   std::string_view value, int64_t expected) {
    const char* what = op == Op::kCreate ? "create" : op == Op::kUpdate ? "update" : "remove";
    std::string ctx = std::string(what) + " " + std::string(key);
    auto txn = Txn::begin(c, true);
    if (!txn) return fail(std::move(txn.error()).wrap(ctx));
    auto revs = read_revisions(c);
    if (!revs) return fail(std::move(revs.error()).wrap(ctx));
    auto kv = apply_in(c, op, key, value, expected, revs->current + 1);
    if (!kv) return kv;
    V6K_TRY(txn->commit(), ctx);
    return kv;
  }

  // Several writes in one SQLite transaction, revisions current+1, +2, ...
  static Result<std::vector<KeyValue>> commit_in(Conn& c, const std::vector<Write>& writes) {
    auto txn = Txn::begin(c, true);
    if (!txn) return fail(std::move(txn.error()).wrap("commit"));
    auto revs = read_revisions(c);
    if (!revs) return fail(std::move(revs.error()).wrap("commit"));
    std::vector<KeyValue> out;
    out.reserve(writes.size());
    int64_t rev = revs->current;
    for (const auto& w : writes) {
      Op op = w.kind == Write::Kind::kCreate ? Op::kCreate
              : w.kind == Write::Kind::kUpdate ? Op::kUpdate : Op::kRemove;
      auto kv = apply_in(c, op, w.key, w.value, w.expected_mod_revision, ++rev);
      if (!kv) return fail(std::move(kv.error()));  // the Txn rolls back on destruction
      out.push_back(std::move(*kv));
    }
    V6K_TRY(txn->commit(), "commit");
    return out;
  }

  // One write at revision `rev` inside the caller's write transaction.
  static Result<KeyValue> apply_in(Conn& c, Op op, std::string_view key, std::string_view value,
                                   int64_t expected, int64_t rev) {
    const char* what = op == Op::kCreate ? "create" : op == Op::kUpdate ? "update" : "remove";
    std::string ctx = std::string(what) + " " + std::string(key);
    int64_t prev_id = 0;
    bool live = false;
    KeyValue prev{std::string(key), {}, 0, 0, 0};
    {
      auto s = c.prepare(kGetAt);
      if (!s) return fail(std::move(s.error()));
      s->bind_text(1, key).bind(2, std::numeric_limits<int64_t>::max());
      auto row = s->step();
      if (!row) return fail(std::move(row.error()).wrap(ctx));
      if (*row) {
        prev_id = s->int_at(0);
        live = s->int_at(1) == 0;
        if (live) prev = KeyValue{std::string(key), s->text_at(4), s->int_at(2), prev_id,
                                  s->int_at(3)};
      }
    }
    if (op == Op::kCreate && live) {
      return fail(Error::make(EEXIST, ctx + ": key already exists"));
    }
    if (op != Op::kCreate) {
      if (!live) return fail(Error::make(ENOENT, ctx + ": key not found"));
      if (expected != 0 && expected != prev.mod_revision) {
        return fail(Error::make(ESTALE, ctx + ": the object has been modified (revision " +
                                            std::to_string(prev.mod_revision) + ", expected " +
                                            std::to_string(expected) + ")"));
      }
    }
    KeyValue next{std::string(key), std::string(value), rev, rev, 1};
    if (op == Op::kUpdate) {
      next.create_revision = prev.create_revision;
      next.version = prev.version + 1;
    }
    {
      auto s = c.prepare(kInsert);
      if (!s) return fail(std::move(s.error()));
      s->bind(1, rev)
          .bind_text(2, key)
          .bind(3, op == Op::kCreate ? 1 : 0)
          .bind(4, op == Op::kRemove ? 1 : 0)
          .bind(5, op == Op::kRemove ? prev.create_revision : next.create_revision)
          .bind(6, prev_id)
          .bind(7, op == Op::kRemove ? 0 : next.version)
          .bind_blob(8, op == Op::kRemove ? std::string_view() : value);
      V6K_TRY(s->run(), ctx);  // a lost race on (name, prev_revision) is ESTALE
    }
    if (op == Op::kRemove) {
      prev.mod_revision = rev;
      return prev;
    }
    return next;
  }

  static Result<> compact_in(Conn& c, int64_t revision) {
    std::string ctx = "compact " + std::to_string(revision);
    auto txn = Txn::begin(c, true);
    if (!txn) return fail(std::move(txn.error()).wrap(ctx));
    auto revs = read_revisions(c);
    if (!revs) return fail(std::move(revs.error()).wrap(ctx));
    if (revision <= revs->compacted) return fail(compacted_error(revision, revs->compacted));
    if (revision > revs->current) return fail(future_error(revision, revs->current));
    {
      auto s = c.prepare(kCompact);
      if (!s) return fail(std::move(s.error()));
      s->bind(1, revision);
      V6K_TRY(s->run(), ctx);
    }
    {
      auto s = c.prepare(kSetCompacted);
      if (!s) return fail(std::move(s.error()));
      s->bind(1, revision);
      V6K_TRY(s->run(), ctx);
    }
    V6K_TRY(txn->commit(), ctx);
    return {};
  }

  std::shared_ptr<Hub> hub_;  // declared first: outlives the connections below
  bool sync_full_;
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Conn>> pool_;
};

}  // namespace
}  // namespace sqlite

Result<std::unique_ptr<Store>> open_sqlite(const std::string& path, const SqliteOptions& opts) {
  auto hub = sqlite::hub_for(path);
  if (!hub) return fail(std::move(hub.error()).wrap("opening store"));
  auto store = std::make_unique<sqlite::SqliteStore>(std::move(*hub), opts.sync_full);
  V6K_TRY(store->init(), "opening store " + path);
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace v6k::store
