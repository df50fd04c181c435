// bench_ipam: one CNI-process worth of work per iteration (open the store, allocate or
// release, make it durable, close), for ipam::Store and for the named peer — the same
// allocator on SQLite in WAL mode with synchronous=FULL — at 0, 100 and 1000 live
// allocations. Prints ours/SQLite ratios at the end.
//
// Both use the same clock (advancing 1 s per operation, 30 s cool-down) and the same
// address rule; SQLite runs one IMMEDIATE transaction per op. Its default close (WAL
// checkpoint) is its fastest per-process mode here: with V6K_BENCH_SQLITE_NO_CKPT=1
// (SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE) every open must rebuild the WAL index (~10 ms/op).
#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>

#include "addr/ip.h"
#include "ipam/store.h"

namespace v6k::ipam::bench {

class SqlitePool {
 public:
  // Opens (creating if needed) <dir>/ipam.db; aborts on SQLite errors (benchmark only).
  explicit SqlitePool(const std::string& dir);
  ~SqlitePool();
  SqlitePool(const SqlitePool&) = delete;
  SqlitePool& operator=(const SqlitePool&) = delete;

  // Returns the IPv6 offset in the /80 (idempotent by key); also assigns an IPv4 offset.
  int64_t allocate(const std::string& cid, const std::string& ifname, int64_t now,
                   int64_t cooldown);
  bool release(const std::string& cid, const std::string& ifname, int64_t now);
  bool find(const std::string& cid, const std::string& ifname);

 private:
  void exec(const char* sql);
  sqlite3_stmt* prepare(const char* sql);
  int64_t choose(int family, int64_t first, int64_t now, int64_t cooldown);
  sqlite3* db_ = nullptr;
};

namespace {

[[noreturn]] void die(sqlite3* db, const char* what) {
  std::fprintf(stderr, "sqlite %s: %s\n", what, db ? sqlite3_errmsg(db) : "?");
  std::abort();
}

// One statement, finalized when it goes out of scope.
struct Stmt {
  sqlite3* db;
  sqlite3_stmt* s;
  ~Stmt() { sqlite3_finalize(s); }
  Stmt& bind(int i, int64_t v) {
    sqlite3_bind_int64(s, i, v);
    return *this;
  }
  Stmt& bind(int i, const std::string& v) {
    sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    return *this;
  }
  bool row() {
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) die(db, "step");
    return false;
  }
  int64_t col(int i) { return sqlite3_column_int64(s, i); }
};

}  // namespace

SqlitePool::SqlitePool(const std::string& dir) {
  std::string path = dir + "/ipam.db";
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr))
    die(db_, "open");
  if (std::getenv("V6K_BENCH_SQLITE_NO_CKPT"))
    sqlite3_db_config(db_, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  sqlite3_busy_timeout(db_, 10000);
  exec("PRAGMA journal_mode=WAL");
  exec("PRAGMA synchronous=FULL");
  exec("CREATE TABLE IF NOT EXISTS alloc(cid TEXT NOT NULL, ifname TEXT NOT NULL,"
       " v6 INTEGER NOT NULL, v4 INTEGER NOT NULL, allocated INTEGER NOT NULL,"
       " network TEXT, ns TEXT, name TEXT, PRIMARY KEY(cid, ifname)) WITHOUT ROWID");
  // One row per held or remembered address (state 1 = held, 0 = released at `released`).
  exec("CREATE TABLE IF NOT EXISTS addr(family INTEGER NOT NULL, off INTEGER NOT NULL,"
       " state INTEGER NOT NULL, released INTEGER NOT NULL, PRIMARY KEY(family, off))"
       " WITHOUT ROWID");
  exec("CREATE INDEX IF NOT EXISTS addr_released ON addr(family, state, released, off)");
}

SqlitePool::~SqlitePool() { sqlite3_close(db_); }

void SqlitePool::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::fprintf(stderr, "sqlite exec %s: %s\n", sql, err ? err : "?");
    std::abort();
  }
}

sqlite3_stmt* SqlitePool::prepare(const char* sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db_, sql, -1, &s, nullptr) != SQLITE_OK) die(db_, "prepare");
  return s;
}

int64_t SqlitePool::choose(int family, int64_t first, int64_t now, int64_t cooldown) {
  {
    Stmt q{db_, prepare("SELECT off FROM addr WHERE family=?1 AND state=0 AND released<=?2"
                        " ORDER BY released, off LIMIT 1")};
    q.bind(1, family).bind(2, now - cooldown);
    if (q.row()) return q.col(0);
  }
  Stmt q{db_, prepare(
                  "SELECT CASE WHEN NOT EXISTS(SELECT 1 FROM addr WHERE family=?1 AND off=?2)"
                  " THEN ?2 ELSE (SELECT a.off+1 FROM addr a WHERE a.family=?1 AND a.off>=?2"
                  " AND NOT EXISTS(SELECT 1 FROM addr b WHERE b.family=?1 AND b.off=a.off+1"
                  "  AND (b.state=1 OR b.released>?3)) ORDER BY a.off LIMIT 1) END")};
  q.bind(1, family).bind(2, first).bind(3, now - cooldown);
  if (!q.row()) die(db_, "no gap");
  return q.col(0);
}

int64_t SqlitePool::allocate(const std::string& cid, const std::string& ifname, int64_t now,
                             int64_t cooldown) {
  exec("BEGIN IMMEDIATE");
  {
    Stmt q{db_, prepare("SELECT v6 FROM alloc WHERE cid=?1 AND ifname=?2")};
    q.bind(1, cid).bind(2, ifname);
    if (q.row()) {
      int64_t v6 = q.col(0);
      sqlite3_reset(q.s);
      exec("COMMIT");
      return v6;
    }
  }
  int64_t v6 = choose(6, 1, now, cooldown);
  int64_t v4 = choose(4, 2, now, cooldown);
  for (auto [family, off] : {std::pair<int, int64_t>{6, v6}, {4, v4}}) {
    Stmt q{db_, prepare("INSERT OR REPLACE INTO addr(family, off, state, released)"
                        " VALUES(?1, ?2, 1, 0)")};
    q.bind(1, family).bind(2, off);
    q.row();
  }
  {
    Stmt q{db_, prepare("INSERT INTO alloc VALUES(?1, ?2, ?3, ?4, ?5, 'v6k', 'default', ?6)")};
    q.bind(1, cid).bind(2, ifname).bind(3, v6).bind(4, v4).bind(5, now).bind(6, "pod-" + cid);
    q.row();
  }
  exec("COMMIT");
  return v6;
}

bool SqlitePool::release(const std::string& cid, const std::string& ifname, int64_t now) {
  exec("BEGIN IMMEDIATE");
  int64_t v6 = -1, v4 = -1;
  {
    Stmt q{db_, prepare("SELECT v6, v4 FROM alloc WHERE cid=?1 AND ifname=?2")};
    q.bind(1, cid).bind(2, ifname);
    if (q.row()) {
      v6 = q.col(0);
      v4 = q.col(1);
    }
  }
  if (v6 < 0) {
    exec("COMMIT");
    return false;
  }
  {
    Stmt q{db_, prepare("DELETE FROM alloc WHERE cid=?1 AND ifname=?2")};
    q.bind(1, cid).bind(2, ifname);
    q.row();
  }
  for (auto [family, off] : {std::pair<int, int64_t>{6, v6}, {4, v4}}) {
    Stmt q{db_, prepare("UPDATE addr SET state=0, released=?3 WHERE family=?1 AND off=?2")};
    q.bind(1, family).bind(2, off).bind(3, now);
    q.row();
  }
  exec("COMMIT");
  return true;
}

bool SqlitePool::find(const std::string& cid, const std::string& ifname) {
  Stmt q{db_, prepare("SELECT v6 FROM alloc WHERE cid=?1 AND ifname=?2")};
  q.bind(1, cid).bind(2, ifname);
  return q.row();
}

namespace {

int64_t g_clock = 1'700'000'000;
int64_t tick() { return ++g_clock; }
constexpr int64_t kCooldown = 30;

// A fresh temp directory per benchmark run, removed afterwards.
struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/v6k-bench-ipam-XXXXXX";
    if (!::mkdtemp(tmpl)) std::abort();
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

PoolConfig ours_config(const std::string& dir) {
  PoolConfig c;
  c.data_dir = dir;
  c.v6_prefixes = {addr::Ipv6Prefix::parse("2001:db8:0:1:3::/80").value()};
  c.v4_range = default_v4_range();
  c.cooldown = std::chrono::seconds(kCooldown);
  c.now_unix = [] { return tick(); };
  return c;
}

// The two implementations behind one shape: each call is a whole plugin process.
struct Ours {
  static constexpr const char* kName = "ours";
  std::string dir;
  void allocate(const std::string& cid) {
    auto s = Store::open(ours_config(dir));
    if (!s || !s->allocate({.key = {cid, "eth0"}, .network = "v6k", .pod_namespace = "default",
                            .pod_name = "pod-" + cid}))
      std::abort();
  }
  void release(const std::string& cid) {
    auto s = Store::open(ours_config(dir));
    if (!s || !s->release({cid, "eth0"}).value_or(std::nullopt)) std::abort();
  }
  void find(const std::string& cid) {
    auto s = Store::open(ours_config(dir));
    if (!s || !s->find({cid, "eth0"}).value_or(std::nullopt)) std::abort();
  }
};

struct Sqlite {
  static constexpr const char* kName = "sqlite_wal";
  std::string dir;
  void allocate(const std::string& cid) { SqlitePool(dir).allocate(cid, "eth0", tick(), kCooldown); }
  void release(const std::string& cid) {
    if (!SqlitePool(dir).release(cid, "eth0", tick())) std::abort();
  }
  void find(const std::string& cid) {
    if (!SqlitePool(dir).find(cid, "eth0")) std::abort();
  }
};

enum class Op { kAllocate, kRelease, kFind };

template <typename Impl>
void run(benchmark::State& state, Op op) {
  TempDir dir;
  Impl impl{dir.path};
  const int live = static_cast<int>(state.range(0));
  for (int i = 0; i < live; ++i) impl.allocate("live-" + std::to_string(i));
  int n = 0;
  for (auto _ : state) {
    std::string cid = "op-" + std::to_string(n++);
    if (op == Op::kAllocate) {
      impl.allocate(cid);
      state.PauseTiming();
      impl.release(cid);  // keep the live count steady
      state.ResumeTiming();
    } else if (op == Op::kRelease) {
      state.PauseTiming();
      impl.allocate(cid);
      state.ResumeTiming();
      impl.release(cid);
    } else {
      impl.find("live-" + std::to_string(n % live));
    }
  }
}

// Collects the mean real time of every run to print ours/SQLite ratios at the end.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs)
      if (r.run_type == Run::RT_Iteration) times[r.benchmark_name()] = r.GetAdjustedRealTime();
    ConsoleReporter::ReportRuns(runs);
  }
  std::map<std::string, double> times;
};

}  // namespace
}  // namespace v6k::ipam::bench

int main(int argc, char** argv) {
  using namespace v6k::ipam::bench;
  const char* ops[] = {"allocate", "release", "find"};
  for (int o = 0; o < 3; ++o) {
    for (int live : {0, 100, 1000}) {
      if (o == 2 && live == 0) continue;
      Op op = static_cast<Op>(o);
      std::string suffix = std::string("/") + ops[o] + "/live:" + std::to_string(live);
      benchmark::RegisterBenchmark((std::string(Ours::kName) + suffix).c_str(),
                                   [op](benchmark::State& s) { run<Ours>(s, op); })
          ->Arg(live)->UseRealTime()->Unit(benchmark::kMicrosecond);
      benchmark::RegisterBenchmark((std::string(Sqlite::kName) + suffix).c_str(),
                                   [op](benchmark::State& s) { run<Sqlite>(s, op); })
          ->Arg(live)->UseRealTime()->Unit(benchmark::kMicrosecond);
    }
  }
  benchmark::Initialize(&argc, argv);
  RatioReporter rep;
  benchmark::RunSpecifiedBenchmarks(&rep);
  std::printf("\nours / sqlite_wal (mean real time per op; < 1 means ours is faster)\n");
  for (const auto& [name, t] : rep.times) {
    if (name.rfind("ours/", 0) != 0) continue;
    auto peer = rep.times.find("sqlite_wal/" + name.substr(5));
    if (peer == rep.times.end()) continue;
    std::printf("  %-32s %9.1f us vs %9.1f us  ratio %.3f  (speedup %.1fx)\n",
                name.substr(5).c_str(), t, peer->second, t / peer->second, peer->second / t);
  }
  benchmark::Shutdown();
  return 0;
}
