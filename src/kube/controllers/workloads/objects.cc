// Defensive JSON readers, owner references and RFC 3339 time for the workload planners.
#include "kube/controllers/workloads/objects.h"

#include <cmath>
#include <cstdio>

namespace v6k::kube::workloads {

namespace {

const json& null_json() {
  static const json kNull;
  return kNull;
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void civil_from_days(int64_t z, int64_t& y, int64_t& m, int64_t& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp + (mp < 10 ? 3 : -9);
  y = yoe + era * 400 + (m <= 2 ? 1 : 0);
}

// Reads exactly `n` digits at text[pos]; advances pos.
std::optional<int64_t> digits(std::string_view text, size_t& pos, size_t n) {
  if (pos + n > text.size()) return std::nullopt;
  int64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  pos += n;
  return v;
}

bool expect(std::string_view text, size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

const json* ready_condition(const json& pod) {
  const json& conds = at(at(pod, "status"), "conditions");
  if (!conds.is_array()) return nullptr;
  for (const json& c : conds) {
    if (str_at(c, "type") == "Ready") return &c;
  }
  return nullptr;
}

}  // namespace

const json& at(const json& obj, std::string_view key) {
  if (!obj.is_object()) return null_json();
  auto it = obj.find(key);
  return it == obj.end() ? null_json() : *it;
}

int64_t int_at(const json& obj, std::string_view key, int64_t def) {
  const json& v = at(obj, key);
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (std::isfinite(d) && std::fabs(d) < 9.0e18) return static_cast<int64_t>(d);
  }
  return def;
}

std::string_view str_at(const json& obj, std::string_view key) {
  const json& v = at(obj, key);
  if (!v.is_string()) return {};
  return v.get_ref<const std::string&>();
}

bool bool_at(const json& obj, std::string_view key, bool def) {
  const json& v = at(obj, key);
  return v.is_boolean() ? v.get<bool>() : def;
}

std::string_view name_of(const json& obj) { return str_at(at(obj, "metadata"), "name"); }
std::string_view uid_of(const json& obj) { return str_at(at(obj, "metadata"), "uid"); }
std::string_view namespace_of(const json& obj) { return str_at(at(obj, "metadata"), "namespace"); }

bool being_deleted(const json& obj) {
  const json& ts = at(at(obj, "metadata"), "deletionTimestamp");
  return !ts.is_null();
}

const json* controller_ref(const json& obj) {
  const json& refs = at(at(obj, "metadata"), "ownerReferences");
  if (!refs.is_array()) return nullptr;
  for (const json& r : refs) {
    if (bool_at(r, "controller", false)) return &r;
  }
  return nullptr;
}

json controller_ref_to(const json& owner, std::string_view api_version, std::string_view kind) {
  return json{{"apiVersion", api_version}, {"kind", kind},       {"name", name_of(owner)},
              {"uid", uid_of(owner)},      {"controller", true}, {"blockOwnerDeletion", true}};
}

json adopt_patch(const json& obj, const json& ref) {
  return json{{"metadata", {{"ownerReferences", json::array({ref})}, {"uid", uid_of(obj)}}}};
}

json release_patch(const json& obj, std::string_view owner_uid) {
  json del = {{"$patch", "delete"}, {"uid", owner_uid}};
  return json{{"metadata", {{"ownerReferences", json::array({del})}, {"uid", uid_of(obj)}}}};
}

std::optional<int64_t> parse_time(std::string_view t) {
  size_t pos = 0;
  auto y = digits(t, pos, 4);
  if (!y || !expect(t, pos, '-')) return std::nullopt;
  auto mo = digits(t, pos, 2);
  if (!mo || !expect(t, pos, '-')) return std::nullopt;
  auto d = digits(t, pos, 2);
  if (!d || pos >= t.size() || (t[pos] != 'T' && t[pos] != 't' && t[pos] != ' '))
    return std::nullopt;
  ++pos;
  auto h = digits(t, pos, 2);
  if (!h || !expect(t, pos, ':')) return std::nullopt;
  auto mi = digits(t, pos, 2);
  if (!mi || !expect(t, pos, ':')) return std::nullopt;
  auto s = digits(t, pos, 2);
  if (!s || *mo < 1 || *mo > 12 || *d < 1 || *d > 31 || *h > 23 || *mi > 59 || *s > 60) {
    return std::nullopt;
  }
  int64_t frac_ns = 0;
  if (pos < t.size() && t[pos] == '.') {
    ++pos;
    int64_t scale = 100'000'000;
    size_t start = pos;
    while (pos < t.size() && t[pos] >= '0' && t[pos] <= '9') {
      frac_ns += (t[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  int64_t offset_s = 0;
  if (pos < t.size() && (t[pos] == 'Z' || t[pos] == 'z')) {
    ++pos;
  } else if (pos < t.size() && (t[pos] == '+' || t[pos] == '-')) {
    int sign = t[pos] == '-' ? -1 : 1;
    ++pos;
    auto oh = digits(t, pos, 2);
    if (!oh || !expect(t, pos, ':')) return std::nullopt;
    auto om = digits(t, pos, 2);
    if (!om) return std::nullopt;
    offset_s = sign * (*oh * 3600 + *om * 60);
  } else {
    return std::nullopt;
  }
  if (pos != t.size()) return std::nullopt;
  int64_t secs = days_from_civil(*y, *mo, *d) * 86400 + *h * 3600 + *mi * 60 + *s - offset_s;
  // Nanoseconds since the epoch fit int64 only for 1678..2262; other times are unusable.
  int64_t ns = 0;
  if (__builtin_mul_overflow(secs, kNanosPerSecond, &ns) || __builtin_add_overflow(ns, frac_ns, &ns))
    return std::nullopt;
  return ns;
}

std::string format_time(int64_t ns) {
  int64_t secs = ns >= 0 ? ns / kNanosPerSecond : -((-ns + kNanosPerSecond - 1) / kNanosPerSecond);
  int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  int64_t rem = secs - days * 86400;
  int64_t y = 0, m = 0, d = 0;
  civil_from_days(days, y, m, d);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ",
                static_cast<long long>(y), static_cast<long long>(m), static_cast<long long>(d),
                static_cast<long long>(rem / 3600), static_cast<long long>(rem % 3600 / 60),
                static_cast<long long>(rem % 60));
  return buf;
}

bool pod_active(const json& pod) {
  std::string_view phase = str_at(at(pod, "status"), "phase");
  return phase != "Succeeded" && phase != "Failed" && !being_deleted(pod);
}

bool pod_ready(const json& pod) {
  const json* c = ready_condition(pod);
  return c != nullptr && str_at(*c, "status") == "True";
}

std::optional<int64_t> pod_ready_since(const json& pod) {
  const json* c = ready_condition(pod);
  if (c == nullptr || str_at(*c, "status") != "True") return std::nullopt;
  return parse_time(str_at(*c, "lastTransitionTime"));
}

bool pod_available(const json& pod, int64_t min_ready_seconds, int64_t now_ns) {
  if (!pod_ready(pod)) return false;
  if (min_ready_seconds <= 0) return true;
  auto since = pod_ready_since(pod);
  return since && *since + min_ready_seconds * kNanosPerSecond < now_ns;
}

}  // namespace v6k::kube::workloads
