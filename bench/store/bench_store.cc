// bench_store: per-operation latency of store::Store (SQLite backend: append-only rows,
// revisions, optimistic concurrency) against the named peer `naive_sqlite` — raw SQLite
// statements doing the naive thing: one table (name PRIMARY KEY, value, rev), writes as
// single-statement upserts, no history. Same file system, WAL, same synchronous level,
// prepared statements, 1 KB values, one transaction per write.
//
//   create        a new key per op
//   update        an existing key of 10,000 (ours: unconditional update = read + append)
//   get           a random key of 10,000
//   list100       100 keys of 10,000 from a random start (limit + continue)
//   */full        create/update with synchronous=FULL (fsync per commit), 100 keys
// Prints ours/naive ratios at the end (> 1 means ours is slower).
#include <benchmark/benchmark.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <string>

#include "store/store.h"

namespace v6k::store::bench {
namespace {

const std::string kValue(1024, 'v');

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "bench_store: %s\n", what.c_str());
  std::abort();
}

std::string key(const char* ns, int64_t i) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "/bench/%s/%08lld", ns, static_cast<long long>(i));
  return buf;
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/v6k-bench-store-XXXXXX";
    if (!::mkdtemp(tmpl)) die("mkdtemp");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class Ours {
 public:
  static constexpr const char* kName = "ours";
  Ours(const std::string& dir, bool full) {
    SqliteOptions o;
    o.sync_full = full;
    auto s = open_sqlite(dir + "/store.db", o);
    if (!s) die(s.error().message());
    s_ = std::move(*s);
  }
  void preload(int n) {
    for (int i = 0; i < n; ++i) create(key("k", i));
  }
  void create(const std::string& k) {
    if (!s_->create(k, kValue)) die("create " + k);
  }
  void update(const std::string& k) {
    if (!s_->update(k, kValue, 0)) die("update " + k);
  }
  void get(const std::string& k) {
    auto r = s_->get(k);
    if (!r) die("get " + k);
    benchmark::DoNotOptimize(r->value.data());
  }
  size_t list100(const std::string& after) {
    ListOptions o;
    o.limit = 100;
    o.continue_after = after;
    auto r = s_->list("/bench/k/", o);
    if (!r) die("list");
    return r->items.size();
  }

 private:
  std::unique_ptr<Store> s_;
};

class Naive {
 public:
  static constexpr const char* kName = "naive_sqlite";
  Naive(const std::string& dir, bool full) {
    if (sqlite3_open((dir + "/naive.db").c_str(), &db_) != SQLITE_OK) die("open naive");
    exec("PRAGMA journal_mode=WAL");
    exec(full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    exec("CREATE TABLE kv (name TEXT PRIMARY KEY, value BLOB NOT NULL, rev INTEGER NOT NULL)");
    create_ = prepare("INSERT INTO kv(name, value, rev) VALUES (?1, ?2, ?3)");
    upsert_ = prepare(
        "INSERT INTO kv(name, value, rev) VALUES (?1, ?2, ?3)"
        " ON CONFLICT(name) DO UPDATE SET value = excluded.value, rev = excluded.rev");
    get_ = prepare("SELECT value, rev FROM kv WHERE name = ?1");
    list_ = prepare(
        "SELECT name, value, rev FROM kv WHERE name > ?1 AND name < ?2 ORDER BY name LIMIT 101");
  }
  ~Naive() {
    for (auto* s : {create_, upsert_, get_, list_}) sqlite3_finalize(s);
    sqlite3_close(db_);
  }
  void preload(int n) {
    exec("BEGIN");
    for (int i = 0; i < n; ++i) create(key("k", i));
    exec("COMMIT");
  }
  void create(const std::string& k) { write(create_, k); }
  void update(const std::string& k) { write(upsert_, k); }
  void get(const std::string& k) {
    sqlite3_bind_text(get_, 1, k.data(), static_cast<int>(k.size()), SQLITE_STATIC);
    if (sqlite3_step(get_) != SQLITE_ROW) die("naive get " + k);
    benchmark::DoNotOptimize(std::string(static_cast<const char*>(sqlite3_column_blob(get_, 0)),
                                         sqlite3_column_bytes(get_, 0)));
    sqlite3_reset(get_);
  }
  size_t list100(const std::string& after) {
    sqlite3_bind_text(list_, 1, after.data(), static_cast<int>(after.size()), SQLITE_STATIC);
    sqlite3_bind_text(list_, 2, "/bench/k0", -1, SQLITE_STATIC);  // '/' + 1 == '0'
    size_t n = 0;
    std::vector<std::string> out;
    while (sqlite3_step(list_) == SQLITE_ROW) {
      out.emplace_back(static_cast<const char*>(sqlite3_column_blob(list_, 1)),
                       sqlite3_column_bytes(list_, 1));
      ++n;
    }
    sqlite3_reset(list_);
    return std::min<size_t>(n, 100);
  }

 private:
  void exec(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) die(sqlite3_errmsg(db_));
  }
  sqlite3_stmt* prepare(const char* sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &s, nullptr) != SQLITE_OK) die(sqlite3_errmsg(db_));
    return s;
  }
  void write(sqlite3_stmt* s, const std::string& k) {
    sqlite3_bind_text(s, 1, k.data(), static_cast<int>(k.size()), SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, kValue.data(), static_cast<int>(kValue.size()), SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, ++rev_);
    if (sqlite3_step(s) != SQLITE_DONE) die(std::string("naive write: ") + sqlite3_errmsg(db_));
    sqlite3_reset(s);
  }
  sqlite3* db_ = nullptr;
  sqlite3_stmt *create_, *upsert_, *get_, *list_;
  int64_t rev_ = 1;
};

enum class Op { kCreate, kUpdate, kGet, kList };

template <typename Impl>
void run(benchmark::State& state, Op op, bool full) {
  const int n = full ? 100 : 10000;
  TempDir dir;
  Impl impl(dir.path(), full);
  impl.preload(n);
  std::mt19937_64 rng(42);
  std::uniform_int_distribution<int> pick(0, n - 1);
  int64_t i = 0;
  for (auto _ : state) {
    switch (op) {
      case Op::kCreate: impl.create(key("c", i++)); break;
      case Op::kUpdate: impl.update(key("k", pick(rng))); break;
      case Op::kGet: impl.get(key("k", pick(rng))); break;
      case Op::kList: {
        int start = std::uniform_int_distribution<int>(0, n - 101)(rng);
        if (impl.list100(key("k", start)) != 100) die("short list page");
        break;
      }
    }
  }
}

class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs) {
      std::string name = r.benchmark_name();
      if (r.run_type == Run::RT_Iteration && !times.count(name)) {
        times[name] = r.GetAdjustedRealTime();
      } else if (r.run_type == Run::RT_Aggregate && r.aggregate_name == "mean") {
        times[name.substr(0, name.size() - 5)] = r.GetAdjustedRealTime();  // drop "_mean"
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }
  std::map<std::string, double> times;
};

}  // namespace
}  // namespace v6k::store::bench

int main(int argc, char** argv) {
  using namespace v6k::store::bench;
  struct Case {
    const char* name;
    Op op;
    bool full;
  };
  const Case cases[] = {{"create", Op::kCreate, false}, {"update", Op::kUpdate, false},
                        {"get", Op::kGet, false},       {"list100", Op::kList, false},
                        {"create/full", Op::kCreate, true}, {"update/full", Op::kUpdate, true}};
  for (const Case& c : cases) {
    benchmark::RegisterBenchmark((std::string(Ours::kName) + "/" + c.name).c_str(),
                                 [c](benchmark::State& s) { run<Ours>(s, c.op, c.full); })
        ->UseRealTime()->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark((std::string(Naive::kName) + "/" + c.name).c_str(),
                                 [c](benchmark::State& s) { run<Naive>(s, c.op, c.full); })
        ->UseRealTime()->Unit(benchmark::kMicrosecond);
  }
  benchmark::Initialize(&argc, argv);
  RatioReporter rep;
  benchmark::RunSpecifiedBenchmarks(&rep);
  std::printf("\nours / naive_sqlite (real time per op; > 1 means ours is slower)\n");
  for (const auto& [name, t] : rep.times) {
    if (name.rfind("ours/", 0) != 0) continue;
    auto peer = rep.times.find("naive_sqlite/" + name.substr(5));
    if (peer == rep.times.end()) continue;
    std::printf("  %-14s %9.2f us vs %9.2f us  ratio %.2f\n", name.substr(5).c_str(), t,
                peer->second, t / peer->second);
  }
  benchmark::Shutdown();
  return 0;
}
