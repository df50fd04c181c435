// Part 1 of bench_kube_apiserver: 10,000 pods listed by the real kubectl (Table and -o json)
// against the bare store list of the same values and the server side alone.
//
// The pods are seeded straight into the store (in 500-write commits) as the server itself
// stores them: one template pod is POSTed through ApiServer::handle() and given a Running
// status through PUT .../status, then its stored JSON is cloned with each pod's name,
// namespace, uid, labels, node and IPv6 addresses.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "bench_kube.h"
#include "support/kube_cluster.h"

namespace v6k::bench {

namespace {

std::string ns_name(int i) {
  char b[16];
  std::snprintf(b, sizeof b, "team-%02d", i);
  return b;
}

// "web-7d9f8c6b5-x2k4q"-style names, unique per index.
std::string pod_name(const std::string& app, int i) {
  static constexpr char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  std::string s;
  for (int k = 0, x = i; k < 5; ++k, x /= 27) s += kAlphabet[x % 27];
  return app + "-7d9f8c6b5-" + s;
}

std::string uid(int i) {
  char b[40];
  std::snprintf(b, sizeof b, "6b1c%04x-9d2e-4f3a-8b7c-%012x", i & 0xffff, i);
  return b;
}

}  // namespace

std::vector<std::string> seed_pods(testing::KubeCluster& k, int pods, int namespaces) {
  for (int n = 0; n < namespaces; ++n) {
    json ns = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns_name(n)}}}};
    auto r = api(k.api(), "POST", "/api/v1/namespaces", ns.dump());
    if (r.status != 201) die("creating namespace: " + std::to_string(r.status) + " " + r.body);
  }
  const std::string ns0 = ns_name(0);
  auto created = api(k.api(), "POST", "/api/v1/namespaces/" + ns0 + "/pods", pod_body(ns0, "template", 0).dump());
  if (created.status != 201) die("creating the template pod: " + created.body);
  json obj = json::parse(created.body);
  obj["status"] = pod_status(0);
  auto st = api(k.api(), "PUT", "/api/v1/namespaces/" + ns0 + "/pods/template/status", obj.dump());
  if (st.status != 200) die("setting the template pod's status: " + st.body);
  const std::string tkey = "/registry/pods/" + ns0 + "/template";
  auto kv = k.store().get(tkey);
  if (!kv) die("reading the template pod: " + kv.error().message());
  const json tmpl = json::parse(kv->value);
  if (auto rm = k.store().remove(tkey); !rm) die("removing the template pod: " + rm.error().message());

  static const char* kApps[] = {"web", "api", "worker", "cache", "ingest"};
  std::vector<std::string> in_ns0;
  std::vector<store::Write> batch;
  for (int i = 0; i < pods; ++i) {
    const std::string ns = ns_name(i % namespaces);
    const std::string app = kApps[i % 5];
    const std::string name = pod_name(app, i);
    if (i % namespaces == 0) in_ns0.push_back(name);
    json p = tmpl;
    auto& meta = p["metadata"];
    meta["name"] = name;
    meta["namespace"] = ns;
    meta["uid"] = uid(i);
    meta["labels"] = pod_body(ns, name, i)["metadata"]["labels"];
    json body_spec = pod_body(ns, name, i)["spec"];
    p["spec"]["nodeName"] = body_spec["nodeName"];
    p["spec"]["containers"][0]["name"] = app;
    p["status"] = pod_status(i);
    batch.push_back(store::Write::create("/registry/pods/" + ns + "/" + name, p.dump()));
    if (batch.size() == 500 || i == pods - 1) {
      if (auto c = k.store().commit(batch); !c) die("seeding pods: " + c.error().message());
      batch.clear();
    }
  }
  return in_ns0;
}

namespace {

// Runs `fn` `warmups` times untimed, then `runs` times; the median in ms.
template <typename F>
double timed(int warmups, int runs, F&& fn) {
  for (int i = 0; i < warmups; ++i) fn();
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    auto t0 = Clock::now();
    fn();
    ms.push_back(ms_between(t0, Clock::now()));
  }
  return median(ms);
}

size_t count(const std::string& s, const std::string& what) {
  size_t n = 0;
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + what.size())) ++n;
  return n;
}

// kubectl's own requests through handle(): pages of `limit` (0 = all at once) following
// `continue`. With `verify` the answers are parsed to count the objects (Table rows or
// items); timed runs only look for the continue token, so they time the server alone.
std::pair<size_t, size_t> list_pages(kube::ApiServer& s, const std::string& accept, int limit, bool verify) {
  static constexpr std::string_view kCont = "\"continue\":\"";
  std::string cont;
  size_t objects = 0, bytes = 0;
  for (;;) {
    std::string target = "/api/v1/pods";
    if (limit > 0) target += "?limit=" + std::to_string(limit);
    if (!cont.empty()) target += "&continue=" + cont;
    auto r = api(s, "GET", target, "", "application/json", accept);
    if (r.status != 200) die("GET " + target + ": " + std::to_string(r.status) + " " + r.body.substr(0, 300));
    bytes += r.body.size();
    if (verify) {
      json j = json::parse(r.body);
      objects += j.contains("rows") ? j["rows"].size() : j["items"].size();
    }
    size_t at = r.body.find(kCont);
    if (at == std::string::npos) break;
    at += kCont.size();
    cont.clear();  // percent-encoded, as kubectl sends it ('+' would read as a space)
    for (size_t e = r.body.find('"', at); at < e; ++at) {
      char ch = r.body[at];
      if (ch == '+') cont += "%2B";
      else if (ch == '/') cont += "%2F";
      else if (ch == '=') cont += "%3D";
      else cont += ch;
    }
  }
  return {objects, bytes};
}

}  // namespace

std::vector<Row> bench_list(testing::KubeCluster& k, int pods, int runs) {
  std::printf("\n[1] list %d pods (median of %d runs; kubectl -o json: of 3)\n", pods, runs);
  size_t n = 0;
  double floor = timed(1, runs, [&] {
    auto l = k.store().list("/registry/pods/");
    if (!l) die("store list: " + l.error().message());
    n = l->items.size();
  });
  if (n != static_cast<size_t>(pods)) die("store list returned " + std::to_string(n) + " pods");

  auto got = list_pages(k.api(), kTableAccept, 500, true);
  std::printf("    handle() Table, pages of 500: %zu rows, %zu bytes\n", got.first, got.second);
  if (got.first != n) die("Table list returned " + std::to_string(got.first) + " rows");
  if (list_pages(k.api(), kTableAccept, 0, true).first != n) die("Table list (one page) is short");
  got = list_pages(k.api(), "application/json", 500, true);
  std::printf("    handle() JSON, pages of 500: %zu items, %zu bytes\n", got.first, got.second);
  if (got.first != n) die("JSON list returned " + std::to_string(got.first) + " items");
  // The verifying passes above were the warm-ups.
  double table_pages = timed(0, runs, [&] { list_pages(k.api(), kTableAccept, 500, false); });
  double table_one = timed(0, runs, [&] { list_pages(k.api(), kTableAccept, 0, false); });
  double json_pages = timed(0, runs, [&] { list_pages(k.api(), "application/json", 500, false); });
  // The same server without its watch cache, on the same store: every list reads and
  // decodes the store, as before the cache.
  double table_pages_nc = 0, json_pages_nc = 0;
  {
    kube::ApiServerOptions o;
    o.watch_cache = false;
    testing::KubeCluster plain(std::shared_ptr<store::Store>(&k.store(), [](store::Store*) {}), o);
    if (!plain.ok()) die("starting the uncached API server: " + plain.error());
    list_pages(plain.api(), kTableAccept, 500, false);
    table_pages_nc = timed(0, runs, [&] { list_pages(plain.api(), kTableAccept, 500, false); });
    json_pages_nc = timed(0, runs, [&] { list_pages(plain.api(), "application/json", 500, false); });
  }

  std::string out;
  // The first kubectl run fills its discovery cache (--cache-dir); every later one reads it.
  double kubectl_table = timed(1, runs, [&] {
    auto r = k.kubectl({"get", "pods", "-A"});
    if (r.exit_code != 0) die("kubectl get pods -A: " + r.err);
    out = std::move(r.out);
  });
  if (count(out, "\n") != n + 1) die("kubectl get pods -A printed " + std::to_string(count(out, "\n")) + " lines");
  std::printf("    kubectl get pods -A: %zu lines; first: %s", count(out, "\n"),
              out.substr(out.find('\n') + 1, out.find('\n', out.find('\n') + 1) - out.find('\n')).c_str());
  // The same without paging: one request, so kubectl's client-side rate limiter (5 QPS,
  // burst 10: client-go's defaults, which kubectl keeps for everything but discovery)
  // never waits. This is what the server and kubectl's own decoding and printing cost.
  double kubectl_one = timed(0, runs, [&] {
    auto r = k.kubectl({"get", "pods", "-A", "--chunk-size=0"});
    if (r.exit_code != 0) die("kubectl get pods -A --chunk-size=0: " + r.err);
    out = std::move(r.out);
  });
  if (count(out, "\n") != n + 1) die("kubectl get pods -A --chunk-size=0 printed the wrong number of lines");
  // kubectl -o json of 10,000 pods is ~10 s a run here (client-side decoding and printing
  // of 40 MB): 3 runs keep the whole benchmark near 2 minutes.
  const int json_runs = std::min(runs, 3);
  double kubectl_json = timed(0, json_runs, [&] {
    auto r = k.kubectl({"get", "pods", "-A", "-o", "json"});
    if (r.exit_code != 0) die("kubectl get pods -A -o json: " + r.err);
    out = std::move(r.out);
  });
  if (count(out, "\"kind\": \"Pod\"") != n) die("kubectl -o json printed the wrong number of pods");

  const std::string fl = "bare store list, all at once";
  // kubectl pages by 500; its rate limiter lets 10 requests go at once, then 5 a second:
  // the last page cannot start before (pages - 10) / 5 s after the first, whatever the server.
  const double pages = static_cast<double>((n + 499) / 500);
  const double throttle_ms = std::max(0.0, pages - 10) / 5 * 1000;
  std::printf("    kubectl's client-side throttle alone: %.0f pages of 500 -> last request >= %.0f ms after the first\n",
              pages, throttle_ms);
  return {
      {"kubectl get pods -A (Table)", "ms", kubectl_table, floor, fl, "< 1000 ms", kubectl_table < 1000},
      {"  kubectl's throttle wait alone (20 pages)", "ms", throttle_ms, -1, ""},
      {"kubectl get pods -A --chunk-size=0 (Table)", "ms", kubectl_one, floor, fl},
      {"  server part: handle() Table, pages of 500", "ms", table_pages, floor, fl},
      {"  server part: handle() Table, one page", "ms", table_one, floor, fl},
      {"  server part: Table, pages, watch cache off", "ms", table_pages_nc, floor, fl},
      {"kubectl get pods -A -o json", "ms", kubectl_json, floor, fl},
      {"  server part: handle() JSON, pages of 500", "ms", json_pages, floor, fl},
      {"  server part: JSON, pages, watch cache off", "ms", json_pages_nc, floor, fl},
      {"bare store list (floor)", "ms", floor, -1, ""},
  };
}

}  // namespace v6k::bench
