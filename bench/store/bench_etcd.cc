// bench_etcd: per-operation latency (p50, p99) of the etcd backend against the SQLite
// backend, and against `raw` — the same gateway calls with prebuilt JSON bodies on the
// same keep-alive client (what our Store adds over the bare wire: JSON building, parsing,
// base64, error mapping). Starts a private etcd (/usr/bin/etcd) on loopback ports.
//
//   create        a new key per op (etcd: txn compare CREATE == 0)
//   get           a random key of 2,000
//   list100       100 keys of 2,000 from a random start (limit + continue_after)
//   cas-update    update(expected = the key's mod_revision) of a random key
// 1 KB values; 500 ops each. Usage: bench_etcd [ops]
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "etcd/etcd_process.h"
#include "etcd/etcd_store.h"
#include "etcd/internal/http_conn.h"
#include "etcd/internal/wire.h"
#include "store/store.h"

namespace v6k::bench {
namespace {

using Clock = std::chrono::steady_clock;
namespace wire = etcd::internal;

constexpr int kKeys = 2000;
const std::string kValue(1024, 'v');

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "bench_etcd: %s\n", what.c_str());
  std::exit(1);
}

std::string key(const char* ns, int64_t i) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "/bench/%s/%08lld", ns, static_cast<long long>(i));
  return buf;
}

struct Stats {
  double p50_us = 0, p99_us = 0;
};

Stats measure(int ops, const std::function<void(int)>& op) {
  std::vector<double> us;
  us.reserve(ops);
  for (int i = 0; i < ops; ++i) {
    auto t0 = Clock::now();
    op(i);
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  std::sort(us.begin(), us.end());
  return {us[us.size() / 2], us[us.size() * 99 / 100]};
}

template <typename R>
void check(const R& r, const char* what) {
  if (!r) die(std::string(what) + ": " + r.error().message());
}

// The four operations through the Store interface.
std::vector<Stats> run_store(store::Store& s, int ops, const char* ns) {
  for (int i = 0; i < kKeys; ++i) check(s.create(key(ns, i), kValue), "preload");
  std::mt19937 rng(42);
  std::vector<Stats> out;
  out.push_back(measure(ops, [&](int i) { check(s.create(key(ns, kKeys + i), kValue), "create"); }));
  out.push_back(measure(ops, [&](int) { check(s.get(key(ns, rng() % kKeys)), "get"); }));
  out.push_back(measure(ops, [&](int) {
    store::ListOptions o;
    o.limit = 100;
    o.continue_after = key(ns, rng() % (kKeys - 100));
    auto l = s.list(std::string("/bench/") + ns + "/", o);
    check(l, "list100");
    if (l->items.size() != 100) die("list100 returned " + std::to_string(l->items.size()));
  }));
  std::vector<int64_t> revs(kKeys + ops);
  for (int i = 0; i < kKeys; ++i) revs[i] = s.get(key(ns, i))->mod_revision;
  out.push_back(measure(ops, [&](int) {
    int k = static_cast<int>(rng() % kKeys);
    auto u = s.update(key(ns, k), kValue, revs[k]);
    check(u, "cas-update");
    revs[k] = u->mod_revision;
  }));
  return out;
}

// The same four as bare gateway calls (prebuilt bodies, no reply decoding beyond status).
std::vector<Stats> run_raw(wire::HttpPool& pool, int ops) {
  auto post = [&](const char* target, const std::string& body) {
    auto r = pool.post(target, body);
    check(r, target);
    if (r->status != 200) die(std::string(target) + ": HTTP " + std::to_string(r->status));
    return std::move(r->body);
  };
  const std::string v = wire::b64encode(kValue);
  std::vector<std::string> revs(kKeys);  // each key's mod_revision, as the Store user has it
  for (int i = 0; i < kKeys; ++i) {
    auto reply = wire::json::parse(
        post("/v3/kv/put", wire::json{{"key", wire::b64encode(key("raw", i))}, {"value", v}}.dump()));
    revs[i] = reply["header"]["revision"];
  }
  std::mt19937 rng(42);
  std::vector<Stats> out;
  out.push_back(measure(ops, [&](int i) {
    const std::string k = wire::b64encode(key("raw", kKeys + i));
    post("/v3/kv/txn", wire::json{{"compare", {{{"key", k}, {"result", "EQUAL"}, {"target", "CREATE"}, {"create_revision", "0"}}}},
                                  {"success", {{{"request_put", {{"key", k}, {"value", v}}}}}}}.dump());
  }));
  out.push_back(measure(ops, [&](int) {
    post("/v3/kv/range", wire::json{{"key", wire::b64encode(key("raw", rng() % kKeys))}}.dump());
  }));
  out.push_back(measure(ops, [&](int) {
    post("/v3/kv/range", wire::json{{"key", wire::b64encode(key("raw", rng() % (kKeys - 100)))},
                                    {"range_end", wire::b64encode(wire::prefix_end("/bench/raw/"))},
                                    {"limit", "100"}}.dump());
  }));
  out.push_back(measure(ops, [&](int) {
    const int i = static_cast<int>(rng() % kKeys);
    const std::string k = wire::b64encode(key("raw", i));
    auto t = wire::json{{"compare", {{{"key", k}, {"result", "EQUAL"}, {"target", "MOD"}, {"mod_revision", revs[i]}}}},
                        {"success", {{{"request_put", {{"key", k}, {"value", v}}}}}}}.dump();
    auto reply = wire::json::parse(post("/v3/kv/txn", t));
    if (!reply.value("succeeded", false)) die("raw cas-update lost its compare");
    revs[i] = reply["header"]["revision"];
  }));
  return out;
}

int main_(int argc, char** argv) {
  const int ops = argc > 1 ? std::atoi(argv[1]) : 500;
  char tmpl[] = "/tmp/v6k-bench-etcd-XXXXXX";
  if (!::mkdtemp(tmpl)) die("mkdtemp");
  const std::string dir = tmpl;
  std::vector<Stats> ours, sqlite, raw;
  {
    auto proc = etcd::EtcdProcess::start(dir + "/etcd");
    check(proc, "starting etcd");
    auto es = etcd::open_etcd((*proc)->options());
    check(es, "open_etcd");
    ours = run_store(**es, ops, "etcd");
    auto opts = (*proc)->options();
    wire::HttpPool pool({opts.host, opts.port, opts.timeout});
    raw = run_raw(pool, ops);
    auto ss = store::open_sqlite(dir + "/store.db");
    check(ss, "open_sqlite");
    sqlite = run_store(**ss, ops, "sqlite");
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  const char* names[] = {"create", "get", "list100", "cas-update"};
  std::printf("%-11s %14s %14s %14s   (p50 / p99, microseconds; %d ops each)\n", "op",
              "etcd-ours", "etcd-raw", "sqlite", ops);
  for (int i = 0; i < 4; ++i) {
    std::printf("%-11s %6.0f /%6.0f %6.0f /%6.0f %6.0f /%6.0f\n", names[i], ours[i].p50_us,
                ours[i].p99_us, raw[i].p50_us, raw[i].p99_us, sqlite[i].p50_us, sqlite[i].p99_us);
  }
  return 0;
}

}  // namespace
}  // namespace v6k::bench

int main(int argc, char** argv) { return v6k::bench::main_(argc, argv); }
