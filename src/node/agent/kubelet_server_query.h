// The kubelet endpoint's request parameters, parsed from outside input (the URL the API
// server sends): the path /<kind>/<namespace>/<pod>/<container> and the query of
// /containerLogs (follow, previous, timestamps, tailLines, limitBytes, sinceSeconds,
// sinceTime) and /exec, /attach (command..., input, output, error, tty), with upstream's
// parameter names.
//
//   auto p = parse_kubelet_path("/containerLogs/default/web/nginx");   // {"containerLogs", ...}
//   auto q = parse_log_query("follow=true&tailLines=10");
//   auto e = parse_exec_query("command=sh&command=-c&command=echo%20hi&output=1&error=1");
//
// Errors are EINVAL with the text the endpoint answers (400).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace v6k::node {

struct KubeletPath {
  std::string kind;  // "containerLogs", "exec", "attach"
  std::string namespace_, pod, container;
};
// nullopt: not a /<kind>/<ns>/<pod>/<container> path (answered 404).
std::optional<KubeletPath> parse_kubelet_path(std::string_view path);

struct LogQuery {
  bool follow = false, previous = false, timestamps = false;
  std::optional<int64_t> tail_lines;   // >= 0
  std::optional<int64_t> limit_bytes;  // >= 1
  std::optional<int64_t> since_ns;     // from sinceTime, or now - sinceSeconds
};
// `now_ns` resolves sinceSeconds.
Result<LogQuery> parse_log_query(std::string_view query, int64_t now_ns);

struct ExecQuery {
  std::vector<std::string> command;
  bool input = false, output = false, error = false, tty = false;
};
Result<ExecQuery> parse_exec_query(std::string_view query);

// "a=1&b=x%20y" → pairs, decoded ('+' is a space); EINVAL on a bad escape.
Result<std::vector<std::pair<std::string, std::string>>> split_query(std::string_view query);

}  // namespace v6k::node
