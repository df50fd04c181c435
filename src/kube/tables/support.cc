// Non-throwing JSON accessors, RFC 3339 time handling and HumanDuration for the printers.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <string>

#include "kube/tables/internal.h"

namespace v6k::kube {

namespace {
std::string itos(int64_t v) { return std::to_string(v); }
}  // namespace

// Thresholds follow apimachinery's HumanDuration: about 2-3 significant figures. Go
// truncates toward zero everywhere (int(d.Seconds()), d / time.Minute), as C++ does.
std::string human_duration(std::chrono::nanoseconds d) {
  constexpr int64_t kNsPerSecond = 1'000'000'000;
  const int64_t ns = d.count();
  const int64_t secs = ns / kNsPerSecond;
  if (secs < -1) return "<invalid>";
  if (secs < 0) return "0s";
  if (secs < 60 * 2) return itos(secs) + "s";
  const int64_t mins = secs / 60;
  if (mins < 10) {
    const int64_t s = secs % 60;
    return s == 0 ? itos(mins) + "m" : itos(mins) + "m" + itos(s) + "s";
  }
  if (mins < 60 * 3) return itos(mins) + "m";
  const int64_t hrs = mins / 60;
  if (hrs < 8) {
    const int64_t m = mins % 60;
    return m == 0 ? itos(hrs) + "h" : itos(hrs) + "h" + itos(m) + "m";
  }
  if (hrs < 48) return itos(hrs) + "h";
  if (hrs < 24 * 8) {
    const int64_t h = hrs % 24;
    return h == 0 ? itos(hrs / 24) + "d" : itos(hrs / 24) + "d" + itos(h) + "h";
  }
  if (hrs < 24 * 365 * 2) return itos(hrs / 24) + "d";
  if (hrs < 24 * 365 * 8) {
    const int64_t dy = (hrs / 24) % 365;
    return dy == 0 ? itos(hrs / 24 / 365) + "y" : itos(hrs / 24 / 365) + "y" + itos(dy) + "d";
  }
  return itos(hrs / 24 / 365) + "y";
}

}  // namespace v6k::kube

namespace v6k::kube::tables {

namespace {
const Json& empty_array() {
  static const Json kEmpty = Json::array();
  return kEmpty;
}
const Json& empty_object() {
  static const Json kEmpty = Json::object();
  return kEmpty;
}

// Reads exactly n digits at s[pos..]; -1 when they are not all digits.
int digits(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size()) return -1;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}
}  // namespace

const Json* find(const Json& j, Path path) {
  const Json* cur = &j;
  for (std::string_view key : path) {
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(std::string(key));
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return cur;
}

std::string str(const Json& j, Path path) {
  const Json* v = find(j, path);
  return v && v->is_string() ? v->get_ref<const std::string&>() : std::string();
}

int64_t num(const Json& j, Path path, int64_t def) {
  const Json* v = find(j, path);
  if (!v) return def;
  if (v->is_number_integer()) return v->get<int64_t>();
  if (v->is_number_unsigned()) return static_cast<int64_t>(v->get<uint64_t>());
  if (v->is_number_float()) {
    const double d = v->get<double>();
    if (d > -9.2e18 && d < 9.2e18) return static_cast<int64_t>(d);
  }
  return def;
}

bool is_true(const Json& j, Path path) {
  const Json* v = find(j, path);
  return v && v->is_boolean() && v->get<bool>();
}

bool has_object(const Json& j, Path path) {
  const Json* v = find(j, path);
  return v && v->is_object();
}

const Json& arr(const Json& j, Path path) {
  const Json* v = find(j, path);
  return v && v->is_array() ? *v : empty_array();
}

const Json& obj(const Json& j, Path path) {
  const Json* v = find(j, path);
  return v && v->is_object() ? *v : empty_object();
}

int64_t count(const Json& j, Path path) {
  const Json* v = find(j, path);
  return v && (v->is_object() || v->is_array()) ? static_cast<int64_t>(v->size()) : 0;
}

std::optional<TimePoint> parse_time(std::string_view s) {
  using namespace std::chrono;
  const int y = digits(s, 0, 4), mo = digits(s, 5, 2), d = digits(s, 8, 2);
  const int h = digits(s, 11, 2), mi = digits(s, 14, 2), se = digits(s, 17, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || se < 0) return std::nullopt;
  if (s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' ||
      s[16] != ':')
    return std::nullopt;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)},
                           day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || se > 60) return std::nullopt;
  size_t pos = 19;
  int64_t frac_ns = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int64_t scale = 100'000'000;
    const size_t start = pos;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      frac_ns += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  int64_t offset_s = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const int oh = digits(s, pos + 1, 2), om = digits(s, pos + 4, 2);
    if (oh < 0 || om < 0 || s[pos + 3] != ':') return std::nullopt;
    offset_s = (oh * 3600 + om * 60) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  const auto t = sys_days{ymd} + hours{h} + minutes{mi} + seconds{se} - seconds{offset_s} +
                 nanoseconds{frac_ns};
  return time_point_cast<system_clock::duration>(t);
}

std::string since(const Json& timestamp, TimePoint now) {
  if (!timestamp.is_string()) return "<unknown>";
  auto t = parse_time(timestamp.get_ref<const std::string&>());
  if (!t) return "<unknown>";
  return human_duration(std::chrono::duration_cast<std::chrono::nanoseconds>(now - *t));
}

std::string age(const Json& object, TimePoint now) {
  const Json* ts = find(object, {"metadata", "creationTimestamp"});
  return ts ? since(*ts, now) : std::string("<unknown>");
}

std::string rfc3339_utc(const Json& timestamp) {
  using namespace std::chrono;
  std::optional<TimePoint> t;
  if (timestamp.is_string()) t = parse_time(timestamp.get_ref<const std::string&>());
  if (!t) return "0001-01-01T00:00:00Z";
  const auto secs = floor<seconds>(*t);
  const auto days_part = floor<days>(secs);
  const year_month_day ymd{days_part};
  const hh_mm_ss hms{secs - days_part};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

void layout_containers(const Json& containers, std::string& names, std::string& images) {
  names.clear();
  images.clear();
  if (!containers.is_array()) return;
  bool first = true;
  for (const Json& c : containers) {
    if (!first) {
      names += ',';
      images += ',';
    }
    first = false;
    names += str(c, {"name"});
    images += str(c, {"image"});
  }
}

std::string join_host_port(const std::string& host, int64_t port) {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

std::string trim_space(std::string_view s) {
  const char* ws = " \t\n\v\f\r";
  const size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  const size_t e = s.find_last_not_of(ws);
  return std::string(s.substr(b, e - b + 1));
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Json column(std::string_view name, std::string_view type, std::string_view description,
            int priority, std::string_view format) {
  return Json{{"name", name},
              {"type", type},
              {"format", format},
              {"description", description},
              {"priority", priority}};
}

const char* const kNameDoc =
    "Name must be unique within a namespace. Is required when creating resources, although "
    "some resources may allow a client to request the generation of an appropriate name "
    "automatically. Name is primarily intended for creation idempotence and configuration "
    "definition. Cannot be updated. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
const char* const kCreationTimestampDoc =
    "CreationTimestamp is a timestamp representing the server time when this object was "
    "created. It is not guaranteed to be set in happens-before order across separate "
    "operations. Clients may not set this value. It is represented in RFC3339 form and is in "
    "UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/"
    "api-conventions.md#metadata";

}  // namespace v6k::kube::tables
