#include "node/agent/kubelet_server_query.h"

#include <charconv>

#include "http/message.h"
#include "node/runtime/cri_time.h"

namespace v6k::node {

namespace {

std::optional<std::string> decode(std::string_view s) {
  std::string plus(s);
  for (auto& c : plus)
    if (c == '+') c = ' ';
  return http::percent_decode(plus);
}

// Go's strconv.ParseBool, which the kubelet's query decoding uses for log options.
Result<bool> parse_bool(const std::string& key, const std::string& v) {
  for (const char* t : {"1", "t", "T", "true", "TRUE", "True"})
    if (v == t) return true;
  for (const char* f : {"0", "f", "F", "false", "FALSE", "False", ""})
    if (v == f) return false;
  return fail_invalid(key + ": Invalid value: \"" + v + "\": must be a boolean");
}

Result<int64_t> parse_int(const std::string& key, const std::string& v, int64_t min) {
  int64_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end != v.data() + v.size() || v.empty())
    return fail_invalid(key + ": Invalid value: \"" + v + "\": must be an integer");
  if (n < min)
    return fail_invalid(key + ": Invalid value: " + v + ": must be greater than or equal to " + std::to_string(min));
  return n;
}

}  // namespace

Result<std::vector<std::pair<std::string, std::string>>> split_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.empty()) continue;
    size_t eq = part.find('=');
    auto k = decode(part.substr(0, eq));
    auto v = decode(eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1));
    if (!k || !v) return fail_invalid("malformed query: bad percent escape");
    out.emplace_back(std::move(*k), std::move(*v));
  }
  return out;
}

std::optional<KubeletPath> parse_kubelet_path(std::string_view path) {
  std::vector<std::string> seg;
  if (!path.starts_with('/')) return std::nullopt;
  path.remove_prefix(1);
  while (true) {
    size_t slash = path.find('/');
    // '+' is literal in paths; decode() is for queries.
    auto literal = http::percent_decode(path.substr(0, slash));
    if (!literal || literal->empty()) return std::nullopt;
    seg.push_back(std::move(*literal));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
    if (seg.size() > 4) return std::nullopt;
  }
  if (seg.size() != 4) return std::nullopt;
  if (seg[0] != "containerLogs" && seg[0] != "exec" && seg[0] != "attach") return std::nullopt;
  for (const auto& s : seg)
    if (s.find('/') != std::string::npos || s == "." || s == "..") return std::nullopt;
  return KubeletPath{seg[0], seg[1], seg[2], seg[3]};
}

Result<LogQuery> parse_log_query(std::string_view query, int64_t now_ns) {
  auto pairs = split_query(query);
  if (!pairs) return fail(std::move(pairs.error()));
  LogQuery q;
  std::optional<int64_t> since_seconds, since_time;
  for (const auto& [k, v] : *pairs) {
    if (k == "follow" || k == "previous" || k == "timestamps") {
      auto b = parse_bool(k, v);
      if (!b) return fail(std::move(b.error()));
      (k == "follow" ? q.follow : k == "previous" ? q.previous : q.timestamps) = *b;
    } else if (k == "tailLines") {
      auto n = parse_int(k, v, 0);
      if (!n) return fail(std::move(n.error()));
      q.tail_lines = *n;
    } else if (k == "limitBytes") {
      auto n = parse_int(k, v, 1);
      if (!n) return fail(std::move(n.error()));
      q.limit_bytes = *n;
    } else if (k == "sinceSeconds") {
      auto n = parse_int(k, v, 1);
      if (!n) return fail(std::move(n.error()));
      since_seconds = *n;
    } else if (k == "sinceTime") {
      auto t = runtime::parse_rfc3339(v);
      if (!t) return fail_invalid("sinceTime: Invalid value: \"" + v + "\": must be an RFC 3339 time");
      since_time = *t;
    }
  }
  if (since_seconds && since_time) return fail_invalid("at most one of `sinceTime` or `sinceSeconds` may be specified");
  // Saturates rather than overflows on absurd values.
  if (since_seconds) q.since_ns = *since_seconds > now_ns / 1000000000 ? 0 : now_ns - *since_seconds * 1000000000;
  if (since_time) q.since_ns = since_time;
  return q;
}

Result<ExecQuery> parse_exec_query(std::string_view query) {
  auto pairs = split_query(query);
  if (!pairs) return fail(std::move(pairs.error()));
  ExecQuery q;
  // The kubelet's remotecommand options: a stream is on when its parameter is "1".
  auto on = [](const std::string& v) { return v == "1" || v == "true"; };
  for (const auto& [k, v] : *pairs) {
    if (k == "command") q.command.push_back(v);
    else if (k == "input") q.input = on(v);
    else if (k == "output") q.output = on(v);
    else if (k == "error") q.error = on(v);
    else if (k == "tty") q.tty = on(v);
  }
  if (q.tty) q.error = false;  // a terminal merges stderr into stdout
  if (!q.input && !q.output && !q.error) return fail_invalid("you must specify at least 1 of stdin, stdout, stderr");
  return q;
}

}  // namespace v6k::node
