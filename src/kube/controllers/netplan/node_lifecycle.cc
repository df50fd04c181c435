// Node health evaluation (see node_lifecycle.h).
#include "kube/controllers/netplan/node_lifecycle.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

#include "kube/controllers/netplan/podinfo.h"

namespace v6k::kube::netplan {

using nlohmann::json;
using namespace detail;

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

std::optional<int64_t> time_of(const json& obj, std::string_view key) {
  const json& v = at(obj, key);
  if (!v.is_string()) return std::nullopt;
  auto t = parse_rfc3339_micros(v.get_ref<const std::string&>());
  return t ? std::optional<int64_t>(*t) : std::nullopt;
}

json* find_condition(json& conds, std::string_view type) {
  for (auto& c : conds) {
    if (str(c, "type") == type) return &c;
  }
  return nullptr;
}

std::string condition_status(const json& conds, std::string_view type) {
  for (const auto& c : conds) {
    if (str(c, "type") == type) return str(c, "status");
  }
  return {};
}

constexpr std::array<const char*, 4> kMonitored = {"Ready", "MemoryPressure", "DiskPressure", "PIDPressure"};

// nodeConditionToTaintKeyStatusMap: condition type + status -> NoSchedule taint key.
struct ConditionTaint {
  const char* type;
  const char* status;
  const char* key;
};
constexpr std::array<ConditionTaint, 6> kConditionTaints = {{
    {"Ready", "False", kTaintNotReady},
    {"Ready", "Unknown", kTaintUnreachable},
    {"MemoryPressure", "True", "node.kubernetes.io/memory-pressure"},
    {"DiskPressure", "True", "node.kubernetes.io/disk-pressure"},
    {"NetworkUnavailable", "True", "node.kubernetes.io/network-unavailable"},
    {"PIDPressure", "True", "node.kubernetes.io/pid-pressure"},
}};
constexpr const char* kTaintUnschedulable = "node.kubernetes.io/unschedulable";

bool managed_no_schedule(const std::string& key) {
  if (key == kTaintUnschedulable) return true;
  return std::any_of(kConditionTaints.begin(), kConditionTaints.end(), [&](const ConditionTaint& c) { return key == c.key; });
}

using TaintId = std::pair<std::string, std::string>;  // key, effect (upstream MatchTaint)

}  // namespace

Result<int64_t> parse_rfc3339_micros(std::string_view s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  if (!digits(s, 0, 4, y) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' || !digits(s, 8, 2, d) ||
      (s[10] != 'T' && s[10] != 't') || !digits(s, 11, 2, h) || s[13] != ':' || !digits(s, 14, 2, mi) || s[16] != ':' ||
      !digits(s, 17, 2, se) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) {
    return fail_invalid("parsing time \"" + std::string(s) + "\" as RFC3339");
  }
  size_t pos = 19;
  int64_t micros = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int64_t scale = 100000;
    size_t start = pos;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
      micros += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return fail_invalid("parsing time \"" + std::string(s) + "\" as RFC3339");
  }
  int64_t offset = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh = 0, om = 0;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' || !digits(s, pos + 4, 2, om)) {
      return fail_invalid("parsing time \"" + std::string(s) + "\" as RFC3339");
    }
    offset = (s[pos] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    pos += 6;
  } else {
    return fail_invalid("parsing time \"" + std::string(s) + "\" as RFC3339");
  }
  if (pos != s.size()) return fail_invalid("parsing time \"" + std::string(s) + "\" as RFC3339");
  int64_t secs = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 + mi * 60 + se - offset;
  return secs * 1000000 + micros;
}

namespace {

Result<NodeHealthPlan> evaluate_impl(const json& node, const json* lease, std::string_view now_text, std::chrono::seconds grace,
                                     std::chrono::seconds startup_grace) {
  auto now = parse_rfc3339_micros(now_text);
  if (!now) return fail(std::move(now.error()).wrap("evaluating node health"));
  NodeHealthPlan plan;
  const json& meta = at(node, "metadata");
  const json& status = at(node, "status");
  plan.conditions = at(status, "conditions").is_array() ? at(status, "conditions") : json::array();
  plan.taints = at(at(node, "spec"), "taints").is_array() ? at(at(node, "spec"), "taints") : json::array();

  // The last sign of life: the Lease renewal or the Ready heartbeat, whichever is later.
  json* ready = find_condition(plan.conditions, "Ready");
  std::optional<int64_t> beat;
  if (lease) beat = time_of(at(*lease, "spec"), "renewTime");
  if (ready) {
    auto hb = time_of(*ready, "lastHeartbeatTime");
    if (hb && (!beat || *hb > *beat)) beat = hb;
  }
  plan.heartbeat_unix_micros = beat.value_or(0);
  int64_t since = beat ? *beat : time_of(meta, "creationTimestamp").value_or(0);
  int64_t allowed = (ready ? grace : startup_grace).count() * int64_t{1000000};
  plan.healthy = *now <= since + allowed;

  const std::string now_s(now_text);
  if (!plan.healthy) {
    for (const char* type : kMonitored) {
      json* c = find_condition(plan.conditions, type);
      if (!c) {
        plan.conditions.push_back({{"type", type},
                                   {"status", "Unknown"},
                                   {"reason", "NodeStatusNeverUpdated"},
                                   {"message", "Kubelet never posted node status."},
                                   {"lastHeartbeatTime", at(meta, "creationTimestamp")},
                                   {"lastTransitionTime", now_s}});
        plan.status_changed = true;
      } else if (str(*c, "status") != "Unknown") {
        (*c)["status"] = "Unknown";
        (*c)["reason"] = "NodeStatusUnknown";
        (*c)["message"] = "Kubelet stopped posting node status.";
        (*c)["lastTransitionTime"] = now_s;
        plan.status_changed = true;
      }
    }
  }

  // Desired node-controller taints from the (possibly updated) conditions.
  std::vector<TaintId> want_ns;
  for (const auto& ct : kConditionTaints) {
    if (condition_status(plan.conditions, ct.type) == ct.status) want_ns.emplace_back(ct.key, "NoSchedule");
  }
  if (at(at(node, "spec"), "unschedulable") == true) want_ns.emplace_back(kTaintUnschedulable, "NoSchedule");
  const std::string ready_status = condition_status(plan.conditions, "Ready");
  const bool manage_no_execute = !ready_status.empty();  // upstream skips nodes without Ready
  std::vector<TaintId> want_ne;
  if (ready_status == "False") want_ne.emplace_back(kTaintNotReady, "NoExecute");
  if (ready_status == "Unknown") want_ne.emplace_back(kTaintUnreachable, "NoExecute");

  auto wanted = [&](const TaintId& id) {
    return std::find(want_ns.begin(), want_ns.end(), id) != want_ns.end() ||
           std::find(want_ne.begin(), want_ne.end(), id) != want_ne.end();
  };
  auto managed = [&](const TaintId& id) {
    if (id.second == "NoSchedule") return managed_no_schedule(id.first);
    return manage_no_execute && id.second == "NoExecute" && (id.first == kTaintNotReady || id.first == kTaintUnreachable);
  };
  json kept = json::array();
  std::vector<TaintId> present;
  for (const auto& t : plan.taints) {
    TaintId id{str(t, "key"), str(t, "effect")};
    if (managed(id) && !wanted(id)) {
      plan.taints_removed.push_back(t);
      continue;
    }
    present.push_back(id);
    kept.push_back(t);
  }
  auto add = [&](const TaintId& id, bool timed) {
    if (std::find(present.begin(), present.end(), id) != present.end()) return;
    json t = {{"key", id.first}, {"effect", id.second}};
    if (timed) t["timeAdded"] = now_s;
    plan.taints_added.push_back(t);
    kept.push_back(std::move(t));
    present.push_back(id);
  };
  for (const auto& id : want_ns) add(id, false);
  for (const auto& id : want_ne) add(id, true);
  plan.taints_changed = !plan.taints_added.empty() || !plan.taints_removed.empty();
  plan.taints = std::move(kept);
  return plan;
}

}  // namespace

Result<NodeHealthPlan> evaluate_node(const json& node, const json* lease, std::string_view now_rfc3339,
                                     std::chrono::seconds grace_period, std::chrono::seconds startup_grace) {
  try {
    return evaluate_impl(node, lease, now_rfc3339, grace_period, startup_grace);
  } catch (const std::exception& e) {
    return fail_invalid(std::string("evaluating node health: ") + e.what());
  }
}

}  // namespace v6k::kube::netplan
