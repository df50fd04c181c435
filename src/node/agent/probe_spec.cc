#include "node/agent/probe_spec.h"

#include <cctype>
#include <cstdint>

namespace v6k::node {

using nlohmann::json;

std::string_view probe_type_name(ProbeType t) {
  return t == ProbeType::kReadiness ? "Readiness" : t == ProbeType::kLiveness ? "Liveness" : "Startup";
}
std::string_view probe_field(ProbeType t) {
  return t == ProbeType::kReadiness ? "readinessProbe" : t == ProbeType::kLiveness ? "livenessProbe" : "startupProbe";
}

namespace {

// Upstream's defaulting turns an absent or zero field into the default.
Result<int> count_field(const json& o, const char* name, int def) {
  if (!o.contains(name) || o[name].is_null()) return def;
  const json& v = o[name];
  if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > INT32_MAX)
    return fail_invalid(std::string(name) + " must be a non-negative integer");
  return v.get<int64_t>() == 0 ? def : static_cast<int>(v.get<int64_t>());
}

Result<int> resolve_port(const json& action, const json& container) {
  if (!action.contains("port")) return fail_invalid("port is required");
  const json& port = action["port"];
  int64_t p = -1;
  if (port.is_number_integer()) {
    p = port.get<int64_t>();
  } else if (port.is_string()) {
    const std::string name = port.get<std::string>();
    bool found = false;
    const json ports = container.is_object() && container.contains("ports") ? container["ports"] : json::array();
    for (const auto& cp : ports)
      if (cp.is_object() && cp.contains("name") && cp["name"] == name && cp.contains("containerPort") &&
          cp["containerPort"].is_number_integer()) {
        p = cp["containerPort"].get<int64_t>(), found = true;
        break;
      }
    // As upstream: a name that is not declared may still be a number in a string.
    if (!found && !name.empty() && name.size() < 10 &&
        name.find_first_not_of("0123456789") == std::string::npos)
      p = std::stoll(name), found = true;
    if (!found) return fail_invalid("port \"" + name + "\" is not a port name of the container");
  } else {
    return fail_invalid("port must be a number or a port name");
  }
  if (p <= 0 || p > 65535) return fail_invalid("invalid port number: " + std::to_string(p));
  return static_cast<int>(p);
}

}  // namespace

Result<ProbeSpec> parse_probe(const json& probe, const json& container) {
  if (!probe.is_object()) return fail_invalid("probe must be an object");
  ProbeSpec s;
  int handlers = 0;
  for (const char* h : {"httpGet", "tcpSocket", "exec", "grpc"})
    if (probe.contains(h) && !probe[h].is_null()) handlers++;
  if (handlers != 1) return fail_invalid("probe must have exactly one handler (httpGet, tcpSocket, exec or grpc)");
  if (probe.contains("grpc") && !probe["grpc"].is_null())
    return fail_invalid("grpc probes are not supported by the v6k agent");
  if (probe.contains("httpGet") && !probe["httpGet"].is_null()) {
    const json& h = probe["httpGet"];
    if (!h.is_object()) return fail_invalid("httpGet must be an object");
    s.action = ProbeSpec::Action::kHttpGet;
    std::string scheme = h.contains("scheme") && h["scheme"].is_string() ? h["scheme"].get<std::string>() : "HTTP";
    for (auto& ch : scheme) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (scheme == "HTTPS") return fail_invalid("httpGet scheme HTTPS is not supported by the v6k agent; use HTTP");
    if (scheme != "HTTP" && !scheme.empty()) return fail_invalid("httpGet scheme must be HTTP or HTTPS");
    if (h.contains("host") && !h["host"].is_string() && !h["host"].is_null())
      return fail_invalid("httpGet.host must be a string");
    if (h.contains("path") && !h["path"].is_string() && !h["path"].is_null())
      return fail_invalid("httpGet.path must be a string");
    s.host = h.contains("host") && h["host"].is_string() ? h["host"].get<std::string>() : "";
    s.path = h.contains("path") && h["path"].is_string() ? h["path"].get<std::string>() : "";
    for (const auto& hd : h.contains("httpHeaders") && h["httpHeaders"].is_array() ? h["httpHeaders"] : json::array()) {
      if (!hd.is_object() || !hd.contains("name") || !hd["name"].is_string() ||
          (hd.contains("value") && !hd["value"].is_string()))
        return fail_invalid("httpGet.httpHeaders entries need a string name and value");
      s.headers.emplace_back(hd["name"].get<std::string>(), hd.value("value", ""));
    }
    auto port = resolve_port(h, container);
    if (!port) return fail(std::move(port.error()).wrap("httpGet"));
    s.port = *port;
  } else if (probe.contains("tcpSocket") && !probe["tcpSocket"].is_null()) {
    const json& t = probe["tcpSocket"];
    if (!t.is_object()) return fail_invalid("tcpSocket must be an object");
    s.action = ProbeSpec::Action::kTcpSocket;
    if (t.contains("host") && t["host"].is_string()) s.host = t["host"].get<std::string>();
    auto port = resolve_port(t, container);
    if (!port) return fail(std::move(port.error()).wrap("tcpSocket"));
    s.port = *port;
  } else {
    const json& e = probe["exec"];
    s.action = ProbeSpec::Action::kExec;
    if (!e.is_object() || !e.contains("command") || !e["command"].is_array() || e["command"].empty())
      return fail_invalid("exec.command must be a non-empty list");
    for (const auto& a : e["command"]) {
      if (!a.is_string()) return fail_invalid("exec.command entries must be strings");
      s.command.push_back(a.get<std::string>());
    }
  }
  auto delay = count_field(probe, "initialDelaySeconds", 0);
  auto period = count_field(probe, "periodSeconds", 10);
  auto timeout = count_field(probe, "timeoutSeconds", 1);
  auto success = count_field(probe, "successThreshold", 1);
  auto failure = count_field(probe, "failureThreshold", 3);
  for (auto* r : {&delay, &period, &timeout, &success, &failure})
    if (!*r) return fail(std::move(r->error()));
  s.initial_delay_seconds = *delay, s.period_seconds = *period, s.timeout_seconds = *timeout;
  s.success_threshold = *success, s.failure_threshold = *failure;
  if (probe.contains("terminationGracePeriodSeconds") && probe["terminationGracePeriodSeconds"].is_number_integer()) {
    auto g = probe["terminationGracePeriodSeconds"].get<int64_t>();
    if (g >= 0 && g <= INT32_MAX) s.termination_grace_seconds = static_cast<int>(g);
  }
  return s;
}

ProbeTracker ProbeTracker::initial(ProbeType t) {
  ProbeTracker k;
  k.result = t == ProbeType::kReadiness  ? ProbeResult::kFailure
             : t == ProbeType::kLiveness ? ProbeResult::kSuccess
                                         : ProbeResult::kUnknown;
  return k;
}

bool ProbeTracker::observe(ProbeResult outcome, const ProbeSpec& spec, ProbeType t) {
  if (outcome == last) {
    run++;
  } else {
    last = outcome;
    run = 1;
  }
  // Below its threshold an outcome leaves the published result as it is.
  if ((outcome == ProbeResult::kFailure && run < spec.failure_threshold) ||
      (outcome == ProbeResult::kSuccess && run < spec.success_threshold))
    return false;
  const bool changed = result != outcome;
  result = outcome;
  if (t != ProbeType::kReadiness && outcome == ProbeResult::kFailure) {
    on_hold = true;  // the container is killed; probing resumes with its successor
    run = 0;
  }
  return changed;
}

}  // namespace v6k::node
