// Keys, the stored form of objects, uids and timestamps.
#include <openssl/rand.h>

#include <cerrno>
#include <ctime>

#include "kube/apiserver/internal.h"

namespace v6k::kube::internal {

std::string collection_prefix(const Env& env, const Resource& r, std::string_view ns) {
  std::string p = env.options.key_root + r.key_prefix();
  if (r.namespaced && !ns.empty()) p.append(ns).append("/");
  return p;
}

std::string object_key(const Env& env, const Resource& r, std::string_view ns, std::string_view name) {
  std::string k = env.options.key_root + r.key_prefix();
  if (r.namespaced) k.append(ns).append("/");
  return k.append(name);
}

ApiResult<json> decode_stored(const store::KeyValue& kv, bool drop_managed_fields) {
  json obj;
  if (drop_managed_fields) {
    // Skips metadata.managedFields while parsing (a Table never shows them, and they are
    // often half of an object): less to parse, build and free.
    obj = json::parse(kv.value, [](int depth, json::parse_event_t ev, json& parsed) {
      return !(ev == json::parse_event_t::key && depth == 2 && parsed == "managedFields");
    }, false);
  } else {
    obj = json::parse(kv.value, nullptr, false);
  }
  if (obj.is_discarded() || !obj.is_object())
    return fail_status(internal_error("stored object " + kv.key + " is not JSON"));
  obj["metadata"]["resourceVersion"] = std::to_string(kv.mod_revision);
  return obj;
}

std::string encode_for_store(json obj) {
  if (obj.contains("metadata") && obj["metadata"].is_object()) obj["metadata"].erase("resourceVersion");
  return obj.dump();
}

namespace {

void random_bytes(unsigned char* out, size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) != 1) {
    // OpenSSL's CSPRNG does not fail once seeded; fall back to time-mixed bytes anyway.
    uint64_t x = static_cast<uint64_t>(Clock::now().time_since_epoch().count()) * 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < n; ++i) out[i] = static_cast<unsigned char>((x >> ((i % 8) * 8)) ^ i);
  }
}

}  // namespace

std::string new_uid() {
  unsigned char b[16];
  random_bytes(b, sizeof b);
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[b[i] >> 4];
    out += kHex[b[i] & 15];
  }
  return out;
}

std::string rfc3339(Clock::time_point t) {
  std::time_t tt = Clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string generate_name_suffix() {
  // Upstream's alphabet: no vowels (no words) and no look-alikes (0/o, 1/l, 3/e).
  static constexpr char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  unsigned char b[5];
  random_bytes(b, sizeof b);
  std::string out;
  for (unsigned char x : b) out += kAlphabet[x % 27];
  return out;
}

ApiStatus store_error(const Resource& r, std::string_view name, const Error& e) {
  switch (e.code()) {
    case ENOENT: return not_found(r, name);
    case EEXIST: return already_exists(r, name);
    case ESTALE: return conflict_modified(r, name);
    case ERANGE: return gone("The resourceVersion for the provided list is too old.");
    case EOVERFLOW: return bad_request("Too large resource version");
    default: return internal_error(e.message());
  }
}

ApiResult<json> read_object(Ctx& c, std::string_view ns, std::string_view name) {
  auto kv = c.env.store->get(object_key(c.env, *c.res, ns, name));
  if (!kv) return fail_status(store_error(*c.res, name, kv.error()));
  return decode_stored(*kv);
}

void add_warnings(http::Response& r, const std::vector<std::string>& warnings) {
  for (const auto& w : warnings) {
    std::string escaped;
    for (char ch : w) {
      if (ch == '"' || ch == '\\') escaped += '\\';
      escaped += ch;
    }
    r.headers.emplace_back("warning", "299 - \"" + escaped + "\"");
  }
}

}  // namespace v6k::kube::internal
