// The etcd backend: each Store operation is one gateway call (get/list: range; writes:
// one txn whose compares encode EEXIST/ENOENT/ESTALE and whose failure branch reads the
// keys back so the caller learns which write failed and why).
#include "etcd/etcd_store.h"

#include <algorithm>
#include <atomic>
#include <optional>
#include <set>

#include "etcd/internal/http_conn.h"
#include "etcd/internal/watch.h"
#include "etcd/internal/wire.h"

namespace v6k::etcd {

namespace {

using internal::b64encode;
using internal::int_field;
using internal::json;
using store::KeyValue;
using store::Write;

const char* kind_name(Write::Kind k) {
  return k == Write::Kind::kCreate ? "create" : k == Write::Kind::kUpdate ? "update" : "remove";
}

// A key that no Store user can name ("" is refused), read to learn the revision cheaply.
const std::string kProbeKey(1, '\0');

class EtcdStore final : public store::Store {
 public:
  explicit EtcdStore(internal::Endpoint ep) : pool_(std::move(ep)) {}

  Result<json> call(const char* target, const json& body) {
    auto reply = pool_.post(target, body.dump());
    if (!reply) return fail(std::move(reply.error()));
    return internal::decode_reply(reply->status, reply->body);
  }

  Result<KeyValue> get(std::string_view key, int64_t revision) override {
    if (key.empty()) return fail_invalid("empty key");
    if (revision < 0) return fail_invalid("negative revision " + std::to_string(revision));
    json req = {{"key", b64encode(key)}};
    if (revision > 0) req["revision"] = std::to_string(revision);
    const std::string ctx = "get " + std::string(key);
    auto r = call("/v3/kv/range", req);
    if (!r) return fail(std::move(r.error()).wrap(ctx));
    auto kvs = r->find("kvs");
    if (kvs == r->end() || !kvs->is_array() || kvs->empty())
      return fail(Error::make(ENOENT, "key " + std::string(key) + " not found"));
    auto kv = internal::parse_kv((*kvs)[0]);
    if (!kv) return fail(std::move(kv.error()).wrap(ctx));
    return kv;
  }

  Result<store::ListResult> list(std::string_view prefix, const store::ListOptions& opts) override {
    if (opts.limit < 0) return fail_invalid("negative list limit");
    if (opts.revision < 0) return fail_invalid("negative revision " + std::to_string(opts.revision));
    std::string start = prefix.empty() ? kProbeKey : std::string(prefix);
    if (!opts.continue_after.empty()) {
      std::string after = opts.continue_after + '\0';  // the first key strictly after it
      if (after > start) start = std::move(after);
    }
    json req = {{"key", b64encode(start)}, {"range_end", b64encode(internal::prefix_end(prefix))}};
    if (opts.limit > 0) req["limit"] = std::to_string(opts.limit);
    if (opts.revision > 0) req["revision"] = std::to_string(opts.revision);
    const std::string ctx = "list " + std::string(prefix);
    auto r = call("/v3/kv/range", req);
    if (!r) return fail(std::move(r.error()).wrap(ctx));
    store::ListResult out;
    out.revision = opts.revision > 0 ? opts.revision : int_field(r->value("header", json::object()), "revision");
    out.more = r->value("more", false);
    if (auto kvs = r->find("kvs"); kvs != r->end() && kvs->is_array()) {
      out.items.reserve(kvs->size());
      for (const auto& j : *kvs) {
        auto kv = internal::parse_kv(j);
        if (!kv) return fail(std::move(kv.error()).wrap(ctx));
        out.items.push_back(std::move(*kv));
      }
    }
    return out;
  }

  Result<KeyValue> create(std::string_view key, std::string_view value) override {
    return single(Write::create(std::string(key), std::string(value)));
  }
  Result<KeyValue> update(std::string_view key, std::string_view value, int64_t expected) override {
    return single(Write::update(std::string(key), std::string(value), expected));
  }
  Result<KeyValue> remove(std::string_view key, int64_t expected) override {
    return single(Write::remove(std::string(key), expected));
  }

  Result<std::vector<KeyValue>> commit(const std::vector<Write>& writes) override {
    std::set<std::string_view> seen;
    for (const auto& w : writes) {
      if (w.key.empty()) return fail_invalid("empty key");
      if (w.expected_mod_revision < 0) return fail_invalid("negative expected revision");
      if (!seen.insert(w.key).second) return fail_invalid("commit names key " + w.key + " twice");
    }
    if (writes.empty()) return std::vector<KeyValue>{};
    json compare = json::array(), success = json::array(), failure = json::array();
    for (const auto& w : writes) {
      const std::string k = b64encode(w.key);
      if (w.kind == Write::Kind::kCreate) {
        compare.push_back({{"key", k}, {"result", "EQUAL"}, {"target", "CREATE"}, {"create_revision", "0"}});
      } else if (w.expected_mod_revision != 0) {
        compare.push_back({{"key", k}, {"result", "EQUAL"}, {"target", "MOD"},
                           {"mod_revision", std::to_string(w.expected_mod_revision)}});
      } else {  // unconditional: the key only has to be live
        compare.push_back({{"key", k}, {"result", "GREATER"}, {"target", "CREATE"}, {"create_revision", "0"}});
      }
      if (w.kind == Write::Kind::kRemove) {
        success.push_back({{"request_delete_range", {{"key", k}, {"prev_kv", true}}}});
      } else {
        success.push_back({{"request_put", {{"key", k}, {"value", b64encode(w.value)}, {"prev_kv", true}}}});
      }
      failure.push_back({{"request_range", {{"key", k}}}});
    }
    const std::string ctx = writes.size() == 1
                                ? std::string(kind_name(writes[0].kind)) + " " + writes[0].key
                                : "commit of " + std::to_string(writes.size()) + " writes";
    auto r = call("/v3/kv/txn", {{"compare", compare}, {"success", success}, {"failure", failure}});
    if (!r) return fail(std::move(r.error()).wrap(ctx));
    const json& responses = r->contains("responses") ? (*r)["responses"] : json::array();
    if (!responses.is_array() || responses.size() != writes.size())
      return fail(Error::from_errno(EPROTO, ctx + ": txn reply has " + std::to_string(responses.size()) +
                                                " responses for " + std::to_string(writes.size()) + " ops"));
    if (!r->value("succeeded", false)) return explain_failure(writes, responses);
    const int64_t rev = int_field((*r)["header"], "revision");
    std::vector<KeyValue> out;
    out.reserve(writes.size());
    for (size_t i = 0; i < writes.size(); ++i) {
      const auto& w = writes[i];
      const json& resp = responses[i];
      if (w.kind == Write::Kind::kCreate) {
        out.push_back(KeyValue{w.key, w.value, rev, rev, 1});
        continue;
      }
      const json* prev_json = nullptr;
      if (w.kind == Write::Kind::kUpdate) {
        auto put = resp.find("response_put");
        if (put != resp.end() && put->contains("prev_kv")) prev_json = &(*put)["prev_kv"];
      } else {
        auto del = resp.find("response_delete_range");
        if (del != resp.end() && del->contains("prev_kvs") && !(*del)["prev_kvs"].empty())
          prev_json = &(*del)["prev_kvs"][0];
      }
      if (!prev_json) return fail(Error::from_errno(EPROTO, ctx + ": txn reply lacks prev_kv for " + w.key));
      auto prev = internal::parse_kv(*prev_json);
      if (!prev) return fail(std::move(prev.error()).wrap(ctx));
      if (w.kind == Write::Kind::kUpdate) {
        out.push_back(KeyValue{w.key, w.value, prev->create_revision, rev, prev->version + 1});
      } else {
        prev->mod_revision = rev;  // the delete's own revision, as the SQLite backend
        out.push_back(std::move(*prev));
      }
    }
    return out;
  }

  Result<int64_t> current_revision() override {
    auto r = call("/v3/kv/range", {{"key", b64encode(kProbeKey)}, {"count_only", true}});
    if (!r) return fail(std::move(r.error()).wrap("reading the current revision"));
    return int_field(r->value("header", json::object()), "revision");
  }

  // etcd has no call that returns the compacted revision, but a read at R fails as
  // compacted exactly when R < it: the smallest readable revision is the answer.
  Result<int64_t> compacted_revision() override {
    auto cur = current_revision();
    if (!cur) return fail(std::move(cur.error()));
    int64_t lo = std::max<int64_t>(known_compacted_.load(), 1);  // never goes back
    auto ok = readable(lo);
    if (!ok) return fail(std::move(ok.error()));
    if (!*ok) {
      int64_t hi = *cur;  // the current revision is always readable
      while (hi - lo > 1) {  // invariant: lo unreadable, hi readable
        const int64_t mid = lo + (hi - lo) / 2;
        auto m = readable(mid);
        if (!m) return fail(std::move(m.error()));
        (*m ? hi : lo) = mid;
      }
      lo = hi;
    }
    remember_compacted(lo);
    return lo == 1 ? 0 : lo;
  }

  Result<> compact(int64_t revision) override {
    if (revision <= 0) {  // at or below "never compacted" (0), as the SQLite backend
      return fail(Error::make(ERANGE, "compact " + std::to_string(revision) +
                                          ": required revision has been compacted"));
    }
    auto r = call("/v3/kv/compaction", {{"revision", std::to_string(revision)}, {"physical", true}});
    if (!r) return fail(std::move(r.error()).wrap("compact at " + std::to_string(revision)));
    remember_compacted(revision);
    return {};
  }

  Result<std::unique_ptr<store::Watch>> watch(std::string_view prefix, int64_t from_revision,
                                              store::WatchSink sink,
                                              store::WatchErrorSink on_error) override {
    if (from_revision < 0) return fail_invalid("negative watch revision");
    if (!sink) return fail_invalid("watch without a sink");
    if (from_revision > 0) {
      // etcd would accept from_revision + 1 == the compacted revision; the Store contract
      // refuses any from_revision below it, as the SQLite backend does.
      auto ok = readable(from_revision);
      if (!ok && ok.error().code() != EOVERFLOW) return fail(std::move(ok.error()).wrap("watch"));
      if (ok && !*ok) {
        return fail(Error::make(ERANGE, "watch from revision " + std::to_string(from_revision) +
                                            ": required revision has been compacted"));
      }
    }
    return internal::start_watch(pool_.endpoint(), std::string(prefix),
                                 from_revision == 0 ? 0 : from_revision + 1, std::move(sink),
                                 std::move(on_error));
  }

 private:
  Result<KeyValue> single(Write w) {
    auto r = commit({std::move(w)});
    if (!r) return fail(std::move(r.error()));
    return std::move((*r)[0]);
  }

  // The failure branch read every key at the txn's revision: the first write whose
  // compare fails there is the one to report, with the code the SQLite backend gives.
  Result<std::vector<KeyValue>> explain_failure(const std::vector<Write>& writes, const json& responses) {
    for (size_t i = 0; i < writes.size(); ++i) {
      const auto& w = writes[i];
      const std::string ctx = std::string(kind_name(w.kind)) + " " + w.key;
      std::optional<KeyValue> cur;
      auto range = responses[i].find("response_range");
      if (range != responses[i].end() && range->contains("kvs") && !(*range)["kvs"].empty()) {
        auto kv = internal::parse_kv((*range)["kvs"][0]);
        if (!kv) return fail(std::move(kv.error()).wrap(ctx));
        cur = std::move(*kv);
      }
      if (w.kind == Write::Kind::kCreate) {
        if (cur) return fail(Error::make(EEXIST, ctx + ": key already exists"));
        continue;
      }
      if (!cur) return fail(Error::make(ENOENT, ctx + ": key not found"));
      if (w.expected_mod_revision != 0 && w.expected_mod_revision != cur->mod_revision) {
        return fail(Error::make(ESTALE, ctx + ": the object has been modified (revision " +
                                            std::to_string(cur->mod_revision) + ", expected " +
                                            std::to_string(w.expected_mod_revision) + ")"));
      }
    }
    return fail(Error::from_errno(EPROTO, "etcd txn failed but every compare holds on its reads"));
  }

  // true: reads at `revision` work; false: compacted; EOVERFLOW above the current one.
  Result<bool> readable(int64_t revision) {
    auto r = call("/v3/kv/range", {{"key", b64encode(kProbeKey)}, {"count_only", true},
                                   {"revision", std::to_string(revision)}});
    if (r) return true;
    if (r.error().code() == ERANGE) return false;
    return fail(std::move(r.error()));
  }

  void remember_compacted(int64_t revision) {
    int64_t known = known_compacted_.load();
    while (revision > known && !known_compacted_.compare_exchange_weak(known, revision)) {
    }
  }

  internal::HttpPool pool_;
  std::atomic<int64_t> known_compacted_{0};  // a lower bound of etcd's compacted revision
};

}  // namespace

Result<std::unique_ptr<store::Store>> open_etcd(const EtcdOptions& opts) {
  auto s = std::make_unique<EtcdStore>(internal::Endpoint{opts.host, opts.port, opts.timeout});
  const std::string where = "opening etcd store at " + opts.host + ":" + std::to_string(opts.port);
  auto rev = s->current_revision();
  if (!rev) return fail(std::move(rev.error()).wrap(where));
  if (*rev < 1) return fail(Error::from_errno(EPROTO, where + ": the reply has no revision"));
  return std::unique_ptr<store::Store>(std::move(s));
}

}  // namespace v6k::etcd
